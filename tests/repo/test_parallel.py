"""A large repository is read and rendered by two processes: the outcome is the same as one."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from trainjob_migrate import cli
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import engine, parallel, walk

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "repo" / "realistic" / "before"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def _tree(tmp_path: Path) -> Path:
    """The golden repository (templates, placeholders, broken files, patches) beside a
    generated one (bench/inputs.py: many applications, kustomize overlays)."""
    spec = importlib.util.spec_from_file_location("bench_inputs", REPO / "bench" / "inputs.py")
    assert spec is not None and spec.loader is not None
    inputs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inputs)
    root = tmp_path / "tree"
    shutil.copytree(GOLDEN, root / "golden")
    inputs.repository(root / "generated", files=150, jobs=60)
    return root


def _outcome(root: Path, monkeypatch: pytest.MonkeyPatch, *, fork: bool, **options: object):
    monkeypatch.setattr(parallel, "MIN_WORK", 0 if fork else 1 << 62)
    monkeypatch.setattr(parallel, "available", lambda work: fork and work >= 0)
    found = list(walk.files([root]))
    outcome = engine.convert(found, FunctionConfig(**options))  # type: ignore[arg-type]
    files = [(f.found.display, f.new, f.status, f.reason) for f in outcome.files]
    return files, outcome.results, outcome.jobs, outcome.converted


@pytest.mark.parametrize(
    "options", [{}, {"mode": "side-by-side"}, {"target_version": "2.2", "target_given": True}]
)
def test_two_processes_give_the_outcome_of_one(tmp_path, monkeypatch, options) -> None:
    root = _tree(tmp_path)
    one = _outcome(root, monkeypatch, fork=False, **options)
    two = _outcome(root, monkeypatch, fork=True, **options)
    assert two == one
    files, results, jobs, converted = one
    assert converted > 40 and len(jobs) > 60
    assert any(r.rule == "kustomize" for r in results), "patches were re-targeted"
    assert any(status == "template" for _, _, status, _ in files)


def test_a_failing_child_leaves_the_work_to_this_process() -> None:
    calls = []

    def there() -> list[int]:
        calls.append(os.getpid())
        if len(calls) == 1 and os.getpid() != parent:
            os._exit(7)  # the child dies without an answer
        return [1, 2, 3]

    parent = os.getpid()
    here, theirs = parallel.both(lambda: "here", there, fork=True)
    assert (here, theirs) == ("here", [1, 2, 3])
    assert calls == [parent]  # the child's call was in the child; this one is the redo


def test_halves_cut_at_half_of_the_weight() -> None:
    assert parallel.halves([1, 1, 1, 1], lambda w: w) == ([1, 1], [1, 1])
    assert parallel.halves([4, 1, 1, 1, 1], lambda w: w) == ([4], [1, 1, 1, 1])
    assert parallel.halves([1, 1, 1, 1], lambda w: w, first_extra=2) == ([1], [1, 1, 1])
    assert parallel.halves([], lambda w: w) == ([], [])


def test_a_mirror_tree_written_by_two_processes_is_the_one_written_by_one(tmp_path, monkeypatch):
    root = _tree(tmp_path)
    trees = []
    for fork in (False, True):
        monkeypatch.setattr(parallel, "available", lambda work, fork=fork: fork)
        out = tmp_path / f"out-{fork}"
        assert cli.main(["convert", "--quiet", "--out", str(out), str(root)]) == 1
        trees.append(
            {
                p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mode)
                for p in sorted(out.rglob("*"))
                if p.is_file()
            }
        )
    assert trees[0] == trees[1]
    assert len(trees[0]) > 150 and not any(".tmp" in name for name in trees[0])
