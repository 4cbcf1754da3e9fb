"""Every directory under examples/ is exercised by a test, documented, and consistent.

A new example without a test, without ``.expected/`` or without its line in
examples/README.md fails here; the examples that name the function's image all name the
same one.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TESTS = ROOT / "tests"


def example_dirs() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_every_example_is_run_by_a_test() -> None:
    sources = "\n".join(
        p.read_text() for p in TESTS.rglob("*.py") if p.resolve() != Path(__file__).resolve()
    )

    def referenced(name: str) -> bool:  # EXAMPLES / "x", "examples" / "x", copy_example("x
        return bool(
            re.search(rf'(EXAMPLES|"examples")\s*/\s*"{re.escape(name)}"', sources)
            or re.search(rf'copy_example\(\s*"{re.escape(name)}[/"]', sources)
        )

    untested = [d.name for d in example_dirs() if not referenced(d.name)]
    assert not untested, f"examples that no test runs: {untested}"


def test_every_example_has_its_expected_output() -> None:
    missing = [d.name for d in example_dirs() if not any((d / ".expected").glob("**/*"))]
    assert not missing, f"examples without .expected/: {missing}"


def test_every_example_is_in_the_use_it_with_section() -> None:
    text = (EXAMPLES / "README.md").read_text()
    missing = [d.name for d in example_dirs() if f"](/examples/{d.name}/)" not in text]
    assert not missing, f"examples/README.md does not link: {missing}"


def test_the_examples_name_one_function_image() -> None:
    config = yaml.safe_load(
        (EXAMPLES / "kustomize-container" / "trainjob-migration.yaml").read_text()
    )
    spec = yaml.safe_load(config["metadata"]["annotations"]["config.kubernetes.io/function"])
    image = spec["container"]["image"]
    kptfile = yaml.safe_load((EXAMPLES / "kpt" / "Kptfile").read_text())
    assert [m["image"] for m in kptfile["pipeline"]["mutators"]] == [image]
    for path in (
        EXAMPLES / "README.md",
        EXAMPLES / "kpt" / "Kptfile",
        EXAMPLES / "argocd" / "cmp" / "Dockerfile",
    ):
        named = set(
            re.findall(r"ghcr\.io/trainjob-migrate/trainjob-migrate:[\w.-]+", path.read_text())
        )
        assert named <= {image}, f"{path.relative_to(ROOT)} names {named - {image}}"
