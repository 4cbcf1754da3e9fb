"""The per-release tables in targets/ agree with the schemas generated from the upstream CRDs."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from trainjob_migrate import targets

SCHEMAS = resources.files("trainjob_migrate") / "schemas"


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    return loaded


def _pod_patch(target: targets.Target) -> dict[str, Any]:
    """The schema of the pod spec the target's override/patch accepts."""
    spec = _schema(target.schema)["properties"]["spec"]["properties"]
    entry = spec[target.override_shape]["items"]["properties"]
    if target.override_shape == "podSpecOverrides":
        return {k: v for k, v in entry.items() if k != "targetJobs"}
    if target.override_shape == "podTemplateOverrides":
        return entry["spec"]["properties"]  # type: ignore[no-any-return]
    job = entry["trainingRuntimeSpec"]["properties"]["template"]["properties"]["spec"]
    rjob = job["properties"]["replicatedJobs"]["items"]["properties"]["template"]
    pod = rjob["properties"]["spec"]["properties"]["template"]["properties"]["spec"]
    return pod["properties"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", targets.VERSIONS)
def test_pod_fields_match_the_schema(version: str) -> None:
    target = targets.get(version)
    accepted = set(_pod_patch(target))
    assert target.pod_fields == accepted - {"containers", "initContainers"}


@pytest.mark.parametrize("version", targets.VERSIONS)
def test_container_fields_match_the_schema(version: str) -> None:
    target = targets.get(version)
    container = _pod_patch(target)["containers"]["items"]["properties"]
    # env of container node goes through spec.trainer.env (the webhook rejects it in patches)
    assert target.container_fields == set(container) - {"name", "env"}


@pytest.mark.parametrize("version", targets.VERSIONS)
def test_version_dependent_fields_match_the_schema(version: str) -> None:
    target = targets.get(version)
    spec = _schema(target.schema)["properties"]["spec"]["properties"]
    assert ("activeDeadlineSeconds" in spec) == target.active_deadline
    num_proc = spec["trainer"]["properties"]["numProcPerNode"]["type"]
    expected = ["integer", "string"] if target.num_proc_type == "int-or-string" else "integer"
    assert num_proc == expected
    command_items = spec["trainer"]["properties"]["command"]["items"]
    assert command_items.get("maxLength") == target.max_command_item
    if target.override_shape == "runtimePatches":
        assert _pod_patch(target)  # and the pod metadata of a patch is always patchable
    else:
        entry = spec[target.override_shape]["items"]["properties"]
        assert ("metadata" in entry) == target.pod_metadata
