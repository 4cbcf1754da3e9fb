"""Argo workflows: a resource template whose `resource.manifest` string is a v1 job.

In a `Workflow`, `WorkflowTemplate`, `ClusterWorkflowTemplate` or `CronWorkflow`, the manifest is converted and written back in its own style (a block scalar stays one, with
the same indentation; JSON stays JSON); Argo's `{{...}}` placeholders in it stay where they
were (see `katib`). The step's `successCondition` and `failureCondition` are label selectors
whose keys are GJSON paths into the created object's JSON (argoproj/argo-workflows
`workflow/executor/resource.go` `matchConditions`); a requirement on
`status.replicaStatuses.<type>.succeeded` or `.failed` becomes one on the TrainJob's
`status.jobsStatus.<i>` of the runtime's trainer replicated job (`node`), a warning: JobSet
counts the Jobs of a replicated job (one Job runs all the nodes: 0 or 1), not its pods. So
"more than 0" stays; "succeeded = N", N the replicas of that type (every pod), becomes
"succeeded = 1"; any other count of pods is an error (the step would never end as before). Any other requirement on the v1 job's `status` is an error (a label selector
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
#: the rest of a requirement that compares with a number (label selector operators)
_COMPARED: Final = re.compile(r"^\s*(==|=|!=|>|<)\s*([0-9]+)\s*$")


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
        rest = _count(rewrite, found, path, key, status.group(1), match.group(3))
        if rest is None:
            return
        out.append(f"{match.group(1)}{new_key}{rest}")
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


def _count(
    rewrite: Rewrite, found: Embedded, path: Path, key: str, counter: str, rest: str
) -> str | None:
    """The requirement's operator and number for the trainer job's Jobs, which JobSet counts
    (0 or 1: one Job runs all the nodes), where v1 counted the pods of one replica type; None
    (an error reported) for a count of pods no count of Jobs can stand for."""
    compared = _COMPARED.match(rest)
    if compared is None:  # a placeholder, in (...), a requirement of no number: as it was
        return rest
    operator, number = compared.group(1), int(compared.group(2))
    if operator == ">" and number == 0:
        return rest  # any pod -> the Job: the same test
    role = key.split(".")[2]
    replicas = _replicas(found, role)
    if counter == "succeeded" and operator in ("=", "==") and number == replicas and number:
        rewrite.report(
            Severity.INFO,
            format_path(path),
            f"{key} {operator} {number} (every {role} pod succeeded) -> the trainer job's "
            "Job succeeded (1): it succeeds when all its nodes do",
        )
        return rest.replace(compared.group(2), "1", 1)
    rewrite.error(
        path,
        f"{key}{rest.rstrip()} counts the v1 job's {role} pods; the TrainJob's status counts "
        "the Jobs of its trainer job (one for all nodes: 0 or 1), so the step would never "
        f"{'succeed' if path[-1] == 'successCondition' else 'fail'} as before: rewrite it by "
        "hand (status.jobsStatus.<i>.succeeded = 1 when every node succeeded, .failed > 0)",
    )
    return None


def _replicas(found: Embedded, role: str) -> int | None:
    if found.job is None or found.source is None:
        return None
    specs = (found.job.get("spec") or {}).get(found.source.replica_specs) or {}
    spec = specs.get(role) if isinstance(specs, dict) else None
    if not isinstance(spec, dict):
        return None
    replicas = spec.get("replicas", 1)
    return replicas if type(replicas) is int else None


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
