"""Argo workflows: a resource template whose `resource.manifest` string is a v1 job.

In a `Workflow`, `WorkflowTemplate`, `ClusterWorkflowTemplate` or `CronWorkflow`, the manifest is converted and written back in its own style (a block scalar stays one, with
the same indentation; JSON stays JSON); Argo's `{{...}}` placeholders in it stay where they
were (see `katib`). The step's `successCondition` and `failureCondition` are label selectors
whose keys are GJSON paths into the created object's JSON (argoproj/argo-workflows
`workflow/executor/resource.go` `matchConditions`); a requirement on
`status.replicaStatuses.<type>.succeeded` or `.failed` becomes one on the TrainJob's
`status.jobsStatus.<i>` of the runtime's trainer replicated job (`node`), a warning: JobSet
counts the Jobs of a replicated job, not its pods, so a count other than "more than 0" may
need changing. Any other requirement on the v1 job's `status` is an error (a label selector
cannot hold the GJSON query `#(type=="Complete")` that TrainJob conditions need): rewrite it
by hand.
"""

from __future__ import annotations

import re

from trainjob_migrate.containers import trainer
from trainjob_migrate.paths import format_path
from trainjob_migrate.results import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.containers.model import Embedded, Rewrite
    from trainjob_migrate.paths import Path

ID: Final = "argo"
WHAT: Final = "Argo workflow"
PLACEHOLDERS: Final = r"\{\{.+?\}\}"
NAMES_JOBS: Final = False

_REQUIREMENT: Final = re.compile(r"^(\s*!?)([^\s!=<>(),]+)(.*)$", re.DOTALL)
_REPLICA_STATUS: Final = re.compile(r"^status\.replicaStatuses\.[^.]+\.(succeeded|failed|active)$")


def claims(obj: Mapping[str, Any], path: Path) -> bool:  # noqa: ARG001 - the protocol's
    return path[-2:] == ("resource", "manifest") and "templates" in path


def kinds(obj: Mapping[str, Any], path: Path) -> dict[str, str]:  # noqa: ARG001
    return {}


def adjust(rewrite: Rewrite) -> None:
    for found in rewrite.jobs:
        resource = found.path[:-1]
        for key in ("successCondition", "failureCondition"):
            _condition(rewrite, found, (*resource, key))


def _condition(rewrite: Rewrite, found: Embedded, path: Path) -> None:
    from trainjob_migrate.paths import get

    condition = get(rewrite.original, path)
    if not isinstance(condition, str):
        return
    assert found.trainjob is not None
    node = trainer.of(found.trainjob, rewrite.target.version)
    parts = _split(condition)
    out: list[str] = []
    changed = False
    for part in parts:
        match = _REQUIREMENT.match(part)
        key = match.group(2) if match else ""
        if not key.startswith("status."):
            out.append(part)
            continue
        status = _REPLICA_STATUS.match(key)
        if status is None or node is None:
            why = (
                f"the TrainJob's runtime {node.runtime if node else ''} is not a default "
                "runtime of the target release, so the position of its trainer job in "
                "status.jobsStatus is unknown"
                if status is not None
                else "a TrainJob's status has conditions Complete and Failed and jobsStatus "
                "per replicated job"
            )
            rewrite.error(
                path,
                f"{key!r} reads the v1 job's status: {why}; rewrite the condition by hand "
                f"(status.jobsStatus.<i>.succeeded or .failed of the trainer job)",
            )
            return
        assert match is not None
        new_key = f"status.jobsStatus.{node.index}.{status.group(1)}"
        out.append(f"{match.group(1)}{new_key}{match.group(3)}")
        changed = True
    if not changed:
        return
    new = ",".join(out)
    rewrite.set(path, new)
    rewrite.report(
        Severity.WARNING,
        format_path(path),
        f"{condition!r} -> {new!r}: jobsStatus[{node.index if node else 0}] is the runtime's "
        f"trainer job {node.job if node else ''!r}, and counts its Jobs (one for all its "
        "nodes), not pods: check that the numbers still mean what they did",
    )


def _split(condition: str) -> list[str]:
    """The requirements of a label selector (commas inside ``in (a, b)`` kept)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(condition):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(condition[start:index])
            start = index + 1
    parts.append(condition[start:])
    return parts


def name_placeholder(rewrite: Rewrite) -> str | None:  # noqa: ARG001 - its jobs have names
    return None
