"""Every CEL rule of every vendored Trainer CRD, with the case that exercises it.

``CASES`` is keyed by the rule's expression: a value of its node that passes and one that
fails. Each rule of each release and kind is evaluated on both, placed where the rule sits
in an object of that kind (``[]``: the first item of a list). Transition rules (``oldSelf``)
do not apply to a new object: each is listed and shown not to be evaluated. A release with
a new rule fails ``test_every_rule_has_a_case`` until a case is added here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trainjob_migrate import runtimes, targets
from trainjob_migrate.v2check import Subject, cel, cel_data

REPO = Path(__file__).resolve().parents[2]
KIND = {
    "trainjob": "TrainJob",
    "trainingruntime": "TrainingRuntime",
    "clustertrainingruntime": "ClusterTrainingRuntime",
}

#: rule -> (a node value that passes, one that fails); the node is where the rule sits
CASES: dict[str, tuple[Any, Any]] = {
    "!(has(self.numNodes) && (has(self.torch) && has(self.torch.elasticPolicy)))": (
        {"numNodes": 2, "torch": {}},
        {"numNodes": 2, "torch": {"elasticPolicy": {"maxNodes": 4}}},
    ),
    "!(has(self.torch) && has(self.mpi))": ({"torch": {}}, {"torch": {}, "mpi": {}}),
    "self > 0 || self in ['auto', 'cpu', 'gpu']": ("gpu", "four"),
    "!(has(self.startupPolicy) && self.startupPolicy.startupPolicyOrder == 'InOrder' && "
    "self.replicatedJobs.exists(x, has(x.dependsOn)))": (
        {"startupPolicy": {"startupPolicyOrder": "InOrder"}, "replicatedJobs": [{"name": "a"}]},
        {
            "startupPolicy": {"startupPolicyOrder": "InOrder"},
            "replicatedJobs": [{"name": "a"}, {"name": "b", "dependsOn": [{"name": "a"}]}],
        },
    ),
    "[has(self.torch), has(self.mpi), has(self.jax), has(self.xgboost),has(self.flux)]"
    ".filter(x, x).size() <= 1": ({"jax": {}}, {"jax": {}, "xgboost": {}}),
    "self >= 1": (1, 0),
    "self.templates.all(t, !has(t.metadata.namespace) || size(t.metadata.namespace) == 0)": (
        {"templates": [{"metadata": {"name": "data"}}]},
        {"templates": [{"metadata": {"name": "data", "namespace": "other"}}]},
    ),
    "!self.exists(c, c == 'node')": (["sidecar"], ["sidecar", "node"]),
    "self in ['trainer.kubeflow.org/trainjob-controller', 'kueue.x-k8s.io/multikueue']": (
        "kueue.x-k8s.io/multikueue",
        "example.com/mine",
    ),
    "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')": (
        {"metadata": {"name": "train-1"}},
        {"metadata": {"name": "Train_1"}},
    ),
    "size(self.metadata.name) <= 63": (
        {"metadata": {"name": "a" * 63}},
        {"metadata": {"name": "a" * 64}},
    ),
    "has(self.lastUpdatedTime)": (
        {"lastUpdatedTime": "2026-01-01T00:00:00Z"},
        {"progressPercentage": 50},
    ),
    "self == '' || self.matches('^[A-Za-z][A-Za-z0-9+.-]*://.+$')": ("s3://bucket/d", "bucket/d"),
}


def _rules(transition: bool) -> list[tuple[str, dict[str, Any]]]:
    return [
        (crd, rule)
        for crd, data in sorted(cel_data.every().items())
        for rule in data["rules"]
        if rule["transition"] is transition
    ]


def _place(obj: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    if not path:
        return {**obj, **value}
    head, rest = path[0], path[1:]
    if head == "[]":
        raise AssertionError("a path starts with a list only under a field")
    if rest and rest[0] == "[]":
        return {**obj, head: [_place({}, rest[1:], value) if rest[1:] else value]}
    return {**obj, head: _place(obj.get(head) or {}, rest, value) if rest else value}


def _object(crd: str, path: list[str], value: Any) -> dict[str, Any]:
    prefix = crd.rsplit("-", 1)[0]
    base = {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": KIND[prefix],
        "metadata": {"name": "cel-case", "namespace": "ns"},
    }
    return _place(base, path, value)


def _fired(crd: str, obj: dict[str, Any], rule: str) -> bool:
    version = crd.rsplit("-", 1)[1]
    target = targets.get(version)
    subject = Subject(obj, target, runtimes.Catalog.of(version, [obj]))
    return any(f"`{rule}`" in issue.message for issue in cel.check(subject))


def _id(case: tuple[str, dict[str, Any]]) -> str:
    crd, rule = case
    return f"{crd}:{'.'.join(rule['path']) or '<object>'}"


def test_every_rule_has_a_case():
    rules = {rule["rule"] for _, rule in _rules(transition=False)}
    assert rules == set(CASES), "a rule without a case, or a case without a rule"


@pytest.mark.parametrize("case", _rules(transition=False), ids=_id)
def test_rule_passes_its_valid_case_and_fails_its_invalid_one(case):
    crd, rule = case
    valid, invalid = CASES[rule["rule"]]
    assert cel.evaluate(rule["rule"], valid)[0] is True
    assert cel.evaluate(rule["rule"], invalid)[0] is False
    assert not _fired(crd, _object(crd, rule["path"], valid), rule["rule"])
    assert _fired(crd, _object(crd, rule["path"], invalid), rule["rule"])


@pytest.mark.parametrize("case", _rules(transition=True), ids=_id)
def test_transition_rule_is_not_evaluated_on_a_new_object(case):
    crd, rule = case
    assert "oldSelf" in rule["rule"]
    assert not _fired(crd, _object(crd, rule["path"], {"any": "value"}), rule["rule"])


def test_generated_rules_match_the_vendored_crds():
    tool = REPO / "tools" / "generate_cel_rules.py"
    result = subprocess.run(
        [sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    data = cel_data.every()
    assert set(data) == {f"{p}-{v}" for p in KIND for v in targets.VERSIONS}
    assert all(
        json.dumps(d["source"]).startswith('"upstream/kubeflow/trainer/v2.') for d in data.values()
    )
