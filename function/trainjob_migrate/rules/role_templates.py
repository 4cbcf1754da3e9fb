"""The replica types (Master and Worker) must describe the same pod: a TrainJob has one ``node`` template.

v1 ran each replica type from its own template; v2 runs every node from one.
Templates that are identical after the v1 defaulter ran (``replicas`` aside,
``restartPolicy`` defaulted, the v1 port added to the training container of every
role) and with quantities compared by value (``1000m`` == ``1``, ``1Gi`` ==
``1024Mi``) convert as one. Different ones are an error naming every differing field, unless
``templateMismatch`` picks a side (``master`` or ``worker``): then each field of
the other side that differs is reported as lost.

``restartPolicy``: ``OnFailure`` is what JobSet uses too; an unwritten one is the
kind's v1 default (``Source.restart_policy``: ``OnFailure`` or ``Never``).
``Never``/``ExitCode`` need a generated runtime; ``Always`` is not valid for Jobs.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate.context import Context, Role
from trainjob_migrate.paths import Path, format_path, get, leaves
from trainjob_migrate.rules import run_policy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "role-templates"
CONSUMES: Final = (
    "{roles}.restartPolicy",
    "{roles}.template",
)


def apply(ctx: Context) -> None:
    others = [role for role in ctx.roles.values() if role is not ctx.primary]
    for other in others:
        diffs = _differences(ctx, ctx.primary, other)
        ctx.consume((*other.path, "restartPolicy"))
        ctx.consume((*other.path, "template"))
        if not diffs:
            continue
        shown = ", ".join(format_path(p) for p in diffs[:8])
        more = f" and {len(diffs) - 8} more" if len(diffs) > 8 else ""
        if ctx.config.template_mismatch == "error":
            ctx.error(
                ID,
                other.path,
                f"the {other.name} and {ctx.primary.name} templates differ ({shown}{more}); a "
                "TrainJob runs every node from one template. Make them identical, or set "
                f"templateMismatch={ctx.primary.name.lower()} to keep the "
                f"{ctx.primary.name} template and drop the differences",
            )
            continue
        mine, theirs = _comparable(ctx, ctx.primary.spec), _comparable(ctx, other.spec)
        for path in diffs:
            rel = path[len(other.path) :]
            kept = f"the {ctx.primary.name} template, which the TrainJob keeps"
            why = f"templateMismatch={ctx.config.template_mismatch}"
            if get(theirs, rel, _MISSING) is _MISSING:
                message = (
                    f"not set in the {other.name} template but set in {kept} ({why}): the "
                    f"{other.name} pods now get the {ctx.primary.name} value"
                )
            elif get(mine, rel, _MISSING) is _MISSING:
                message = f"set only in the {other.name} template, not in {kept} ({why}); dropped"
            else:
                message = f"differs from {kept} ({why}); this value is dropped"
            ctx.lossy(ID, path, message)
    _restart_policy(ctx)


def _differences(ctx: Context, primary: Role, other: Role) -> list[Path]:
    """Paths (on ``other``) whose values differ from ``primary``, replicas aside."""
    mine = _comparable(ctx, primary.spec)
    theirs = _comparable(ctx, other.spec)
    if mine == theirs and not _has_nan(mine):
        return []  # the same everywhere (but a NaN, equal to itself only as the same object)
    paths = set(leaves(mine)) | set(leaves(theirs))
    diffs = [p for p in paths if get(mine, p, _MISSING) != get(theirs, p, _MISSING)]
    return sorted(((*other.path, *p) for p in diffs), key=format_path)


_MISSING: Final = object()


def _has_nan(value: Any) -> bool:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, (dict, Mapping)):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, float) and current != current:  # noqa: PLR0124 - NaN
            return True
    return False


def _comparable(ctx: Context, spec: Mapping[str, Any]) -> dict[str, Any]:
    """The replica spec as the v1 operator ran it, with quantities as numbers."""
    out = {k: v for k, v in spec.items() if k != "replicas"}
    out["restartPolicy"] = spec.get("restartPolicy") or ctx.source.restart_policy
    template = spec.get("template")
    if not isinstance(template, Mapping) or not isinstance(template.get("spec"), Mapping):
        return out
    pod = dict(template["spec"])
    for key in ("containers", "initContainers"):
        if isinstance(pod.get(key), list):
            pod[key] = [_container(ctx, c, key == "containers") for c in pod[key]]
    out["template"] = {**template, "spec": pod}
    return out


def _container(ctx: Context, container: Any, main: bool) -> Any:
    if not isinstance(container, Mapping):
        return container
    out = dict(container)
    port, number = ctx.source.v1_port, ctx.source.v1_port_default
    ports = out.get("ports") or []
    if (
        main
        and out.get("name") == ctx.source.container
        and port is not None
        and number is not None
        and isinstance(ports, list)
        and not any(isinstance(p, Mapping) and p.get("name") == port for p in ports)
    ):
        # the v1 defaulter appends it to every role (defaulting_utils.go setDefaultPort)
        out["ports"] = [*ports, {"name": port, "containerPort": number}]
    resources = out.get("resources")
    if isinstance(resources, Mapping):
        out["resources"] = {
            k: {n: _amount(q) for n, q in v.items()} if isinstance(v, Mapping) else v
            for k, v in resources.items()
        }
    return out


def _amount(value: Any) -> Any:
    from trainjob_migrate import quantity

    parsed = quantity.parse(value)
    return value if parsed is None else parsed


def _restart_policy(ctx: Context) -> None:
    path = (*ctx.primary.path, "restartPolicy")
    ctx.consume(path)
    policy = ctx.primary.restart_policy
    if policy == "OnFailure":
        return  # JobSet's default pod restartPolicy: equivalent
    if policy == "Always":
        ctx.lossy(
            ID,
            path,
            "restartPolicy Always is not valid for the Jobs a TrainJob creates; its pods "
            "use OnFailure",
        )
        return
    if policy == "ExitCode" and run_policy.carries_exit_codes(ctx):
        ctx.draft.runtime.pod_spec["restartPolicy"] = "Never"
        ctx.info(
            ID,
            path,
            "restartPolicy ExitCode: the generated runtime's pods use Never (as v1's did) and its "
            "Job a podFailurePolicy on the exit codes (option retryBudget=v1; see "
            "spec.runPolicy.backoffLimit)",
        )
        return
    if policy == "ExitCode":
        approximated = (
            " (approximated as Never in the generated runtime)"
            if ctx.config.generate_runtime
            else ""
        )
        ctx.consume(path)
        ctx.lossy(
            ID,
            path,
            "restartPolicy ExitCode (restart on retryable exit codes only) has no Job equivalent: "
            f"Never plus the Job backoffLimit comes closest{approximated}",
        )
        if ctx.config.generate_runtime:
            ctx.draft.runtime.pod_spec["restartPolicy"] = "Never"
        return
    defaulted = "" if "restartPolicy" in ctx.primary.spec else f" ({ctx.source.kind} default)"
    if ctx.runtime_only(
        ID,
        path,
        "pod restartPolicy",
        f"restartPolicy {policy}{defaulted} differs from the TrainJob default OnFailure",
    ):
        ctx.draft.runtime.pod_spec["restartPolicy"] = "Never"
        # v1 failed the job on the first failed Never pod (pytorchjob_controller.go
        # UpdateJobStatus: failed > 0 and RestartPolicyNever -> JobFailed); a Job recreates
        # failed pods up to its backoffLimit
        ctx.draft.runtime.job_spec["backoffLimit"] = 0
        ctx.info(
            ID,
            path,
            "restartPolicy Never: the generated runtime sets the Job's backoffLimit to 0, so the "
            "first failed pod fails the TrainJob as it failed the v1 job",
        )
