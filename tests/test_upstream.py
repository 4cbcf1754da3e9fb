"""The repository stands on its own: upstream inputs vendored in upstream/ with provenance.

tools/vendor_upstream.py copied them; tools/generate_schemas.py and tools/generate_runtimes.py
read only that folder, and no test or tool reaches outside the repository for data.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO / "upstream"
VENDORED = REPO / "tests" / "vendored"
TOOLS = REPO / "tools"

#: The old home of the upstream data, beside the repository: nothing may point there.
_OUTSIDE = re.compile(r"\.\./shared\b|\bshared/(reference|examples-seed)\b|/ \"shared\"")
#: file -> why it may still mention it. Package modules are not this change's to edit.
_MAY_MENTION = {
    "tests/test_upstream.py": "this test",
}


@functools.cache
def _tool(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_upstream_is_as_sources_md_lists_it():
    result = subprocess.run(
        [sys.executable, str(TOOLS / "vendor_upstream.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_repository_has_its_license():
    tool = _tool("vendor_upstream")
    entries = tool.read_sources((UPSTREAM / "SOURCES.md").read_text())
    repos = {e.repo for e in entries}
    assert repos == {"kubeflow/trainer", "kubeflow/mpi-operator"}
    for repo in repos:
        text = (UPSTREAM / tool.license_file(repo)).read_text()
        assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert {e.license for e in entries} == {"Apache-2.0"}


def _fake_upstream(tmp_path: Path) -> Path:
    tool = _tool("vendor_upstream")
    files = {
        "kubeflow/trainer/v2.3.0/manifests/base/crds/a.yaml": b"kind: A\n",
        "LICENSES/kubeflow-trainer.txt": b"Apache License\n",
    }
    entries = []
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        original = "LICENSE" if name.startswith("LICENSES") else name.split("/", 3)[3]
        entries.append(
            tool.Entry(
                name, "kubeflow/trainer", "v2.3.0", "0" * 40, original,
                tool._sha256(data), "Apache-2.0",
            )
        )  # fmt: skip
    (tmp_path / "SOURCES.md").write_text(tool.render_sources(entries))
    assert tool.verify(tmp_path) == []
    return tmp_path


def test_check_finds_an_edited_an_unlisted_and_a_missing_file(tmp_path):
    tool = _tool("vendor_upstream")
    out = _fake_upstream(tmp_path)
    crd = out / "kubeflow/trainer/v2.3.0/manifests/base/crds/a.yaml"
    crd.write_bytes(b"kind: B\n")
    (out / "kubeflow/trainer/v2.3.0/extra.yaml").write_text("x\n")
    (out / "LICENSES/kubeflow-trainer.txt").unlink()
    assert set(tool.verify(out)) == {
        f"{out}/LICENSES/kubeflow-trainer.txt: listed in SOURCES.md but missing",
        f"{crd}: sha256 differs from SOURCES.md",
        f"{out}/kubeflow/trainer/v2.3.0/extra.yaml: not listed in SOURCES.md",
    }


def test_vendoring_refuses_to_run_without_a_clone():
    result = subprocess.run(
        [sys.executable, str(TOOLS / "vendor_upstream.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "--git-dir" in result.stderr


def test_every_vendored_crd_makes_a_schema():
    # nothing is vendored for nothing, and every schema's CRD is vendored
    schemas = {s.path for s in _tool("generate_schemas").SOURCES}
    crds = {
        p.relative_to(UPSTREAM).as_posix()
        for p in UPSTREAM.rglob("*.yaml")
        if "/runtimes/" not in p.as_posix() and p.name != "kustomization.yaml"
    }
    assert crds == schemas


def test_every_release_with_default_runtimes_is_vendored():
    from trainjob_migrate.runtimes.data import RELEASES

    trainer = UPSTREAM / "kubeflow" / "trainer"
    vendored = {p.parent.parent.parent.name for p in trainer.glob("*/manifests/base/runtimes")}
    assert vendored == set(RELEASES)
    for tag in RELEASES:
        assert (trainer / tag / "manifests/overlays/runtimes/kustomization.yaml").is_file()


@pytest.mark.parametrize("folder", ["upstream-examples", "seeds", "real-world"])
def test_vendored_test_inputs_name_their_origin(folder):
    directory = VENDORED / folder
    readme = (directory / "README.md").read_text()
    files = [p for p in sorted(directory.rglob("*")) if p.is_file() and p.name != "README.md"]
    assert files
    for path in files:
        listed = path.relative_to(directory).as_posix()
        assert f"| {listed} |" in readme, f"{path} is not listed in {directory}/README.md"


def test_nothing_reaches_outside_the_repository_for_data():
    offenders = []
    for top in ("function", "tests", "tools"):
        for path in sorted((REPO / top).rglob("*")):
            name = path.relative_to(REPO).as_posix()
            if not path.is_file() or "__pycache__" in name or name in _MAY_MENTION:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [
                f"{name}:{n}: {line.strip()}"
                for n, line in enumerate(text.splitlines(), 1)
                if _OUTSIDE.search(line)
            ]
    assert offenders == [], "\n".join(offenders)
