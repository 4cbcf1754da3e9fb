"""The repository engine keeps no document that is nothing to a conversion (``_inert``): each
such document of the test corpus passes through the pipeline unchanged and unreported, and
names no Trainer release; the others (jobs, containers holding one, v2 objects) are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainjob_migrate import yamlio
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.pipeline import process, target_release
from trainjob_migrate.repo import engine
from trainjob_migrate.repo.documents import split

TESTS = Path(__file__).resolve().parents[1]


def _objects() -> list[dict[str, Any]]:
    found = []
    for path in sorted(TESTS.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for doc in split(text):
            try:
                obj = yamlio.load(text[doc.start : doc.end])
            except yamlio.InputError:
                continue
            if isinstance(obj, dict):
                found.append(obj)
    return found


def test_an_inert_document_is_nothing_to_the_pipeline() -> None:
    objects = _objects()
    inert = [obj for obj in objects if engine._inert(obj)]
    assert len(inert) > 100  # the corpus has many (Services, Deployments, ConfigMaps...)
    config = FunctionConfig()
    for obj in inert:
        # alone, and beside every other inert object: passed through, nothing reported
        assert target_release([obj], config) == (config, []), obj
        outcome = process([obj], config)
        assert outcome.groups == [[obj]] and outcome.results == [], obj
    outcome = process(inert, config)
    assert outcome.results == []
    assert all(group == [obj] for group, obj in zip(outcome.groups, inert, strict=True))


def test_jobs_their_containers_and_v2_objects_are_kept() -> None:
    job = {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": {"name": "a"}}
    assert not engine._inert(job)
    assert not engine._inert({"apiVersion": "v1", "kind": "List", "items": [job]})
    assert not engine._inert(
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"t": "kind: PyTorchJob\n"}}
    )
    assert engine._inert({"apiVersion": "v1", "kind": "ConfigMap", "data": {"t": "x: 1\n"}})
    assert not engine._inert({"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob"})
    assert engine._inert({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}})
    controller = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"template": {"spec": {"containers": [
            {"image": "ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.1.0"}
        ]}}},
    }  # fmt: skip
    assert not engine._inert(controller)  # it names the release a tree installs
