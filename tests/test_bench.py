"""bench/: its inputs are realistic and it runs. Timings are printed by it, never asserted here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"

if importlib.util.find_spec("trainjob_migrate") is None:  # not installed: use the source tree
    sys.path.insert(0, str(REPO / "function"))

from trainjob_migrate import validation


def _inputs() -> Any:
    spec = importlib.util.spec_from_file_location("bench_inputs", BENCH / "inputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_are_deterministic_valid_resource_lists_of_mixed_objects():
    inputs = _inputs()
    text = inputs.resource_list(60)
    assert text == inputs.resource_list(60)
    rl = yaml.load(text, Loader=yaml.CSafeLoader)
    assert rl["kind"] == "ResourceList"
    kinds = Counter(item["kind"] for item in rl["items"])
    assert kinds["PyTorchJob"] == 60
    assert sum(kinds.values()) == 120 and len(kinds) >= 4, kinds
    names = set()
    for item in rl["items"]:
        annotations = item["metadata"]["annotations"]
        assert annotations["config.kubernetes.io/path"].startswith("teams/")
        names.add((item["metadata"]["namespace"], item["kind"], item["metadata"]["name"]))
        if item["kind"] == "PyTorchJob":
            assert validation.validate(item, "pytorchjob-v1") == []
    assert len(names) == 120, "every object has its own name"


def test_bench_runs_and_prints_every_ratio(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--jobs", "5", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for case in (
        "cold-start",
        "cold-start-v2",
        "plugin-start",
        "check-start",
        "kustomize-plugin-build",  # "kustomize-plugin-build: skipped: ..." without kubectl
        "fn-100",
        "fn-10000",
        "convert-repo",
        "convert-repo-20000",
        "dry-run-file",
    ):
        assert f"\n{case}: " in out, out
    summary = out[out.index("\nsummary") :]
    for pair in ("cold-start ", "convert-repo [1 CPU]", "convert-repo-20000 [keep-all]"):
        assert f"\n  {pair}" in summary and "wall" in summary and "CPU" in summary, out
    assert "CPU time" in out and "(target <= 200 MiB)" in out, out
    assert "python -c 'import yaml'" in out and "CSafeLoader" in out
    assert "trainjob-migrate convert --out" in out and "read + parse every file" in out


def test_the_repository_is_a_realistic_tree_of_the_size_asked(tmp_path):
    _inputs().repository(tmp_path, files=120, jobs=48)
    files = sorted(tmp_path.rglob("*"))
    texts = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in files if p.is_file()}
    assert len(texts) == 120 and all(name.endswith(".yaml") for name in texts)
    documents = {
        name: list(yaml.load_all(text, Loader=yaml.CSafeLoader)) for name, text in texts.items()
    }
    kustomizations = {n: d[0] for n, d in documents.items() if n.endswith("kustomization.yaml")}
    patches = {
        n
        for k in kustomizations.values()
        for p in k.get("patches", [])
        if "path" in p
        for n in [p["path"]]
    }
    jobs = [
        d
        for name, docs in documents.items()
        for d in docs
        if d.get("kind") == "PyTorchJob" and name.rsplit("/", 1)[-1] not in patches
    ]
    assert len(jobs) == 48
    for job in jobs:
        assert validation.validate(job, "pytorchjob-v1") == [], job["metadata"]["name"]
    kinds = Counter(d["kind"] for docs in documents.values() for d in docs if d)
    assert {"ConfigMap", "Service", "Deployment", "Kustomization"} <= set(kinds), kinds
    assert sum(len(docs) > 1 for docs in documents.values()) > 10, "multi-document files"
    assert sum("#" in text for text in texts.values()) >= 108, "nearly every file has comments"
    inline = [p for k in kustomizations.values() for p in k.get("patches", []) if "patch" in p]
    assert inline and patches, "overlays patch jobs, inline and in a file"
    assert any("\n  - " in t for t in texts.values()) and any("\n- " in t for t in texts.values())
