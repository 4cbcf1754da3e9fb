"""The repository stands on its own: upstream inputs vendored in upstream/ with provenance.

tools/vendor_upstream.py copied them; tools/generate_schemas.py and tools/generate_runtimes.py
read only that folder, and no test or tool reaches outside the repository for data.
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO / "upstream"
TOOLS = REPO / "tools"


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


def test_every_release_with_default_runtimes_is_vendored():
    from trainjob_migrate.runtimes.data import RELEASES

    trainer = UPSTREAM / "kubeflow" / "trainer"
    vendored = {p.parent.parent.parent.name for p in trainer.glob("*/manifests/base/runtimes")}
    assert vendored == set(RELEASES)
    for tag in RELEASES:
        assert (trainer / tag / "manifests/overlays/runtimes/kustomization.yaml").is_file()
