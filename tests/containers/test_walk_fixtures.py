"""No object that holds a Training Operator job anywhere in it passes without a conversion or
a finding: every fixture of the repository is walked and run through the pipeline."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from trainjob_migrate import pipeline, sources, yamlio
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.containers import walk
from trainjob_migrate.errors import InputError
from trainjob_migrate.results import Severity, ref_of

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("tests", "examples", "upstream")


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """Every mapping document of the fixtures, a fresh copy each call (a test may change what
    it is given): reading them (1.2 s, the vendored CRDs mostly) is done once per process."""
    return copy.deepcopy(_read())


@functools.cache
def _read() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.y*ml")):
            if "_expected" in path.name or "after" in path.parts:
                continue
            try:
                docs = list(yamlio.load_all(path.read_text(encoding="utf-8")))
            except (InputError, UnicodeDecodeError):
                continue
            found.extend(
                (f"{path.relative_to(REPO)}[{n}]", doc)
                for n, doc in enumerate(docs)
                if isinstance(doc, dict)
            )
    return found


def _holders() -> list[tuple[str, dict[str, Any]]]:
    """Objects that are neither a job nor a List of jobs but hold one inside."""
    out = []
    for where, doc in _documents():
        if sources.is_job(doc) or sources.is_list(doc):
            continue
        if doc.get("kind") == "ResourceList":
            out.extend(
                (f"{where}.items[{i}]", item)
                for i, item in enumerate(doc.get("items") or [])
                if isinstance(item, dict) and not sources.is_job(item) and walk.find(item)
            )
        elif walk.find(doc):
            out.append((where, doc))
    return out


HOLDERS = _holders()


def test_the_fixtures_hold_jobs_inside_other_objects() -> None:
    kinds = {doc.get("kind") for _, doc in HOLDERS}
    assert {"Experiment", "ConfigMap", "Workflow", "AppWrapper"} <= kinds
    assert len(HOLDERS) >= 9


@pytest.mark.parametrize(("where", "doc"), HOLDERS, ids=[w for w, _ in HOLDERS])
@pytest.mark.parametrize("target", ["2.3", "2.1"])
def test_every_holder_is_converted_or_reported(
    where: str, doc: dict[str, Any], target: str
) -> None:
    outcome = pipeline.process(
        [doc], FunctionConfig(target_version=target, target_given=True), detect_release=False
    )
    ref = ref_of(doc)
    findings = [r for r in outcome.results if r.resource == ref and r.severity is not Severity.INFO]
    converted = sum(counts[1] for counts in outcome.embedded.values())
    assert converted or findings, f"{where}: a job inside passes without a word"
    for obj in outcome.items:
        left = [p for p in walk.find(obj) if isinstance(_at(obj, p), dict)]
        if left:  # a job object still inside: the container was not rewritten, and says why
            assert any(r.severity is Severity.ERROR for r in findings), where


def _at(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def _others() -> list[tuple[str, dict[str, Any]]]:
    """Every object of the fixtures that is not a job, a List or a ResourceList (whose items
    count as objects), with the objects of its file (the peers a container may refer to)."""
    out = []
    for where, doc in _documents():
        items = doc.get("items") if doc.get("kind") == "ResourceList" else [doc]
        out.extend(
            (where, item)
            for item in items or []
            if isinstance(item, dict) and not sources.is_job(item) and not sources.is_list(item)
        )
    return out


def test_objects_that_cannot_hold_jobs_are_told_without_the_containers() -> None:
    """``holders.may_hold_jobs`` (what spares a run the import of ``containers``) says False only
    where the container machinery finds nothing to do; and it says False for most objects."""
    from trainjob_migrate import containers, holders
    from trainjob_migrate.targets import get

    config = FunctionConfig()
    others = _others()
    every = [doc for _, doc in others]
    ruled_out = [(where, doc) for where, doc in others if not holders.may_hold_jobs(doc)]
    assert len(ruled_out) > len(others) / 2 > 50
    assert all(holders.may_hold_jobs(doc) for _, doc in HOLDERS)
    peers = containers.peers(every)
    for where, doc in ruled_out:
        assert containers.process(doc, config, get("2.3"), None, peers) is None, where
