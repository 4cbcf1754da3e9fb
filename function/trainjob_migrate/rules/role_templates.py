"""The replica types (Master and Worker) must describe the same pod: a TrainJob has one ``node`` template.

v1 ran each replica type from its own template; v2 runs every node from one.
Identical templates (``replicas`` aside, ``restartPolicy`` defaulted) convert
as one. Different ones are an error naming every differing field, unless
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
        diffs = _differences(ctx.primary, other)
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
        for path in diffs:
            ctx.lossy(
                ID,
                path,
                f"differs from the {ctx.primary.name} template, which the TrainJob keeps "
                f"(templateMismatch={ctx.config.template_mismatch}); this value is dropped",
            )
    _restart_policy(ctx)


def _differences(primary: Role, other: Role) -> list[Path]:
    """Paths (on ``other``) whose values differ from ``primary``, replicas aside."""
    mine = _comparable(primary)
    theirs = _comparable(other)
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


def _comparable(role: Role) -> dict[str, Any]:
    out = {k: v for k, v in role.spec.items() if k != "replicas"}
    out["restartPolicy"] = role.restart_policy
    return out


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
