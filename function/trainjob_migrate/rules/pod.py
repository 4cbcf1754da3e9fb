"""Pod-level fields of the template go into the target's override or patch of job ``node``.

Which fields a target accepts is data (``Target.pod_fields``): serviceAccountName,
nodeSelector, tolerations, volumes, schedulingGates everywhere; affinity and
imagePullSecrets from 2.1; securityContext from 2.2; terminationGracePeriodSeconds
from 2.3. Pod labels/annotations from 2.1. Everything else (priorityClassName,
schedulerName, hostNetwork, sidecar containers, initContainers...) only a
generated TrainingRuntime can carry; sidecars and initContainers are errors
without one, since the job would run without them. ``hostname``/``subdomain``
are owned by JobSet.
"""

from __future__ import annotations

from trainjob_migrate.assemble import NODE
from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.paths import Path

ID: Final = "pod"
CONSUMES: Final = (
    "{roles}.template.metadata",
    "{roles}.template.spec",
)

#: pod fields JobSet sets itself (its pods' host names): never carried, from any kind
JOBSET_OWNED: Final = frozenset({"hostname", "subdomain"})


def apply(ctx: Context) -> None:
    _metadata(ctx)
    spec_path = ctx.pod_spec_path
    pod_spec = ctx.value(spec_path, {})
    for key, value in pod_spec.items():
        path = (*spec_path, key)
        if key == "containers":
            _sidecars(ctx, value)
            continue
        ctx.consume(path)
        if key in ctx.target.pod_fields:
            ctx.draft.pod_spec[key] = value
        elif key == "serviceAccount":
            _service_account(ctx, value)
        elif key == "restartPolicy":
            ctx.info(ID, path, "ignored, as v1 did: the replica's restartPolicy decides")
        elif key in JOBSET_OWNED:
            ctx.info(ID, path, f"dropped: JobSet sets the pod {key}")
        elif key == "initContainers":
            if _clashes(ctx, path, value) or not _needs_runtime(
                ctx, path, "initContainers", "initContainers would not run"
            ):
                continue
            ctx.draft.runtime.init_containers.extend(value)
        elif ctx.runtime_only(ID, path, f"pod field {key}", f"pod field {key!r}"):
            ctx.draft.runtime.pod_spec[key] = value


def _metadata(ctx: Context) -> None:
    path = (*ctx.template_path, "metadata")
    meta = ctx.value(path)
    if meta is None:
        return
    if not meta:
        ctx.empty(ID, path)
    for key, value in meta.items():
        field = (*path, key)
        ctx.consume(field)
        if key not in ("labels", "annotations"):
            ctx.lossy(ID, field, f"pod template metadata {key!r} is set by JobSet; dropped")
        elif ctx.target.pod_metadata:
            ctx.draft.pod_metadata[key] = value
        elif ctx.runtime_only(
            ID,
            field,
            f"pod template {key}",
            f"pod {key} cannot be patched on Trainer {ctx.target.version}",
        ):
            ctx.draft.runtime.pod_metadata[key] = value


def _sidecars(ctx: Context, containers: list[Any]) -> None:
    base = (*ctx.pod_spec_path, "containers")
    for i, container in enumerate(containers):
        if i == ctx.container_index:
            continue
        path = (*base, i)
        name = container.get("name", f"#{i}")
        if _clashes(ctx, path, [container]):
            continue
        if _needs_runtime(
            ctx, path, f"container {name}", f"sidecar container {name!r} would not run"
        ):
            ctx.draft.runtime.sidecars.append(container)
            # the v1 operators set their env in every container; the Trainer only in node
            ctx.lossy(
                ID,
                (*path, "env"),
                f"container {name} loses the variables the v1 operator set in every container "
                "(the Trainer sets its own only in container node); add the ones it reads to "
                "its env",
            )


def _clashes(ctx: Context, path: tuple[Any, ...], containers: list[Any]) -> bool:
    """A container named ``node`` would collide with the runtime's training container."""
    if not any(isinstance(c, dict) and c.get("name") == NODE for c in containers):
        return False
    ctx.consume(path)
    ctx.error(
        ID,
        path,
        f"a container named {NODE!r} besides the {ctx.source.container} container would "
        "collide with the "
        "runtime's training container of that name; rename it",
    )
    return True


def _needs_runtime(ctx: Context, path: tuple[Any, ...], place: str, what: str) -> bool:
    """Containers a patch cannot add: error without a generated runtime (the pod would differ)."""
    ctx.consume(path)
    if ctx.config.generate_runtime:
        ctx.info(ID, path, f"carried by the generated TrainingRuntime ({place})")
        return True
    ctx.error(
        ID,
        path,
        f"{what}: runtime patches cannot add containers (upstream accepts the patch and the "
        f"pod then fails); {ctx.runtime_advice}",
    )
    return False


def _service_account(ctx: Context, value: Any) -> None:
    path = (*ctx.pod_spec_path, "serviceAccount")
    current = ctx.draft.pod_spec.get("serviceAccountName") or ctx.value(
        (*ctx.pod_spec_path, "serviceAccountName")
    )
    service_account(ctx, ID, path, value, current, ctx.draft.pod_spec)


def service_account(
    ctx: Context, rule: str, path: Path, value: Any, current: Any, out: dict[str, Any]
) -> None:
    """The deprecated ``serviceAccount`` ``value`` of a pod spec whose ``serviceAccountName`` is
    ``current``: carried as ``serviceAccountName`` (into ``out``) unless that is set (Kubernetes
    then uses serviceAccountName; a different value is lost). Every kind's pod rule uses it."""
    if current is None:
        out["serviceAccountName"] = value
        ctx.info(rule, path, "deprecated serviceAccount carried as serviceAccountName")
    elif current != value:
        ctx.lossy(rule, path, f"differs from serviceAccountName {current!r}, which wins; dropped")
