"""The converter's output passes the validator by construction, and known-bad edits break it.

Every TrainJob (and generated TrainingRuntime) in every golden case's expected output is
validated against the release it was emitted for; then each TrainJob is mutated by every
edit of ``EDITS`` and must fail with the edit's rule. Upstream's own example TrainJobs and
the default runtimes of every release pass too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import runtimes, targets, v2check
from trainjob_migrate.runtimes.data import RELEASES
from trainjob_migrate.targets import Target

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "fn"
EXAMPLES = ROOT / "tests" / "vendored" / "upstream-examples"
Obj = dict[str, Any]


def _outputs() -> list[tuple[str, Target, list[Obj]]]:
    out = []
    for path in sorted(GOLDEN.glob("*/_expected.*.yaml")):
        version = path.name.removeprefix("_expected.").removesuffix(".yaml")
        # libyaml: safe_load's objects, nine times as fast (this runs at every collection)
        items = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["items"]
        v2 = [i for i in items if v2check.is_v2(i)]
        if not v2 or _own_runtime(path.parent):
            continue
        if version == "detect":
            tj = next(i for i in v2 if i["kind"] == "TrainJob")
            target = targets.from_trainjob_spec(tj["spec"])
        else:
            target = targets.get(version)
        out.append((f"{path.parent.name}@{version}", target, items))
    return out


def _own_runtime(case: Path) -> bool:
    """The case names a runtime of the user's own (``runtimeName``) that is not in its input:
    the webhook rules that read the runtime cannot judge its TrainJob here."""
    config = case / "_fnconfig.yaml"
    if not config.is_file():
        return False
    data = yaml.load(config.read_text(), Loader=yaml.CSafeLoader) or {}
    options = data.get("data") or data.get("spec") or {}
    return bool(options.get("runtimeName"))


def _torch(tj: Obj, target: Target, items: list[Obj]) -> bool:
    """The TrainJob runs on a runtime with the torch ML policy (PET_* names are reserved)."""
    ref = tj["spec"]["runtimeRef"]
    found = runtimes.Catalog.of(target.version, items).find(
        ref.get("kind", "ClusterTrainingRuntime"), ref["name"], tj["metadata"].get("namespace")
    )
    return found is not None and "torch" in (found.runtime["spec"].get("mlPolicy") or {})


OUTPUTS = _outputs()


def _issues(obj: Obj, target: Target, items: list[Obj]) -> list[v2check.Issue]:
    catalog = runtimes.Catalog.of(target.version, items)
    return v2check.validate(obj, target, catalog)


@pytest.mark.parametrize(("case", "target", "items"), OUTPUTS, ids=[c for c, _, _ in OUTPUTS])
def test_every_emitted_object_passes(case, target, items):
    for obj in items:
        assert _issues(obj, target, items) == [], (case, obj["metadata"]["name"])


def _entry(target: Target, job: str, container: Obj | None = None) -> tuple[str, Obj]:
    shape = target.override_shape
    pod = {"containers": [container]} if container else {}
    if shape == "podSpecOverrides":
        return shape, {"targetJobs": [{"name": job}], **pod}
    if shape == "podTemplateOverrides":
        return shape, {"targetJobs": [{"name": job}], "spec": pod}
    rjob: Obj = {"name": job}
    if pod:
        rjob["template"] = {"spec": {"template": {"spec": pod}}}
    patch = {"trainingRuntimeSpec": {"template": {"spec": {"replicatedJobs": [rjob]}}}}
    return shape, {"manager": "example.com/edit", **patch}


def _add(tj: Obj, target: Target, entry: tuple[str, Obj]) -> None:
    shape, value = entry
    tj["spec"].setdefault(shape, []).append(value)


def _trainer(tj: Obj) -> Obj:
    trainer: Obj = tj["spec"].setdefault("trainer", {})
    return trainer


#: edit name -> (edit of a TrainJob emitted for a target, the rule it breaks)
EDITS: dict[str, tuple[Callable[[Obj, Target], None], str]] = {
    "numNodes a string": (lambda tj, t: _trainer(tj).update(numNodes="two"), "v2-schema"),
    "unknown field": (lambda tj, t: _trainer(tj).update(bogusField=1), "v2-schema"),
    "duplicate env": (
        lambda tj, t: _trainer(tj).update(env=[{"name": "A"}, {"name": "A", "value": "1"}]),
        "v2-schema",
    ),
    "another release's shape": (
        lambda tj, t: tj["spec"].update(
            {"runtimePatches" if t.override_shape != "runtimePatches" else "podSpecOverrides": []}
        ),
        "v2-schema",
    ),
    "managedBy": (lambda tj, t: tj["spec"].update(managedBy="example.com/x"), "v2-cel"),
    "runtime missing": (
        lambda tj, t: tj["spec"]["runtimeRef"].update(name="no-such-runtime"),
        "v2-runtime-ref",
    ),
    "patch names a missing job": (lambda tj, t: _add(tj, t, _entry(t, "nope")), "v2-patch-target"),
    "patch names a missing container": (
        lambda tj, t: _add(tj, t, _entry(t, "node", {"name": "nope"})),
        "v2-patch-target",
    ),
    "env on node through the patch": (
        lambda tj, t: _add(tj, t, _entry(t, "node", {"name": "node", "env": [{"name": "A"}]})),
        "v2-patch-env",
    ),
    "reserved torch env": (
        lambda tj, t: _trainer(tj).setdefault("env", []).append({"name": "PET_NNODES"}),
        "v2-reserved-env",
    ),
    "name over the pod-name budget": (
        lambda tj, t: tj["metadata"].update(name="n" * 60),
        "v2-jobset-name-length",
    ),
    "initializer without its job": (
        lambda tj, t: tj["spec"].update(initializer={"model": {"storageUri": "hf://m"}}),
        "v2-initializer-runtime",
    ),
}


def _emitted() -> list[tuple[str, Target, Obj, list[Obj]]]:
    return [
        (case, target, obj, items)
        for case, target, items in OUTPUTS
        for obj in items
        if v2check.is_v2(obj) and obj["kind"] == "TrainJob"
    ]


@pytest.mark.parametrize("edit", list(EDITS))
def test_known_bad_edits_fail_with_their_rule(edit):
    change, rule = EDITS[edit]
    emitted = _emitted()
    assert len(emitted) > 40
    for case, target, tj, items in emitted:
        if edit == "reserved torch env" and not _torch(tj, target, items):
            continue  # PET_* is reserved by the torch plugin only
        bad = copy.deepcopy(tj)
        change(bad, target)
        others = [i for i in items if i is not tj]
        rules = {i.rule for i in _issues(bad, target, [*others, bad])}
        assert rule in rules, (case, edit, rules)


def test_patch_manager_edit_where_patches_exist():
    checked = 0
    for case, target, tj, items in _emitted():
        if target.override_shape != "runtimePatches":
            continue
        bad = copy.deepcopy(tj)
        bad["spec"]["runtimePatches"] = [{"manager": "Not A Domain"}]
        assert "v2-patch-manager" in {i.rule for i in _issues(bad, target, items)}, case
        checked += 1
    assert checked > 40  # the loop really ran over the emitted TrainJobs of 2.2 and 2.3


def _upstream_examples() -> list[Path]:
    return sorted(
        p
        for p in EXAMPLES.rglob("*.yaml")
        if "kind: TrainJob" in p.read_text() or "TrainingRuntime" in p.read_text()
    )


#: upstream examples the release's own webhook rejects, by reading its code
UPSTREAM_REJECTED = {
    # kubeflow/trainer v2.3.0 examples/yaml/05-multi-step.yaml: its dataset-initializer
    # container mounts no volume "initializer", which jobset.go Validate requires since
    # trainer#3714 (v2.3.0)
    "05-multi-step.yaml": {("TrainJob", "multi-step-example", "v2-initializer-runtime")},
}


@pytest.mark.parametrize("path", _upstream_examples(), ids=lambda p: p.name)
def test_upstream_examples_pass(path):
    items = [d for d in yaml.safe_load_all(path.read_text()) if d]
    target = targets.get("2.3")  # every vendored v2 example is of v2.3.0
    found = {
        (obj["kind"], obj["metadata"]["name"], issue.rule)
        for obj in items
        for issue in _issues(obj, target, items)
    }
    assert found == UPSTREAM_REJECTED.get(path.name, set())


@pytest.mark.parametrize("tag", RELEASES)
def test_default_runtimes_of_every_release_pass(tag):
    """Every shipped release (patch releases too), against its minor's schema and rules."""
    target = targets.get(tag[1:].rsplit(".", 1)[0])
    defaults = runtimes.defaults(tag)
    if tag == target.release:
        assert {r["metadata"]["name"] for r in defaults} >= target.runtimes
    for runtime in defaults:
        assert _issues(runtime, target, defaults) == [], runtime["metadata"]["name"]
