"""A Launcher or Worker template, carried whole into a generated runtime or patched per job.

Generated runtime: the template is the replicatedJob's pod, its first container renamed
``node`` (the container the Trainer's MPI plugin mounts the hostfile and SSH keys into).
Another runtime: the fields the target's override/patch accepts go to the job's patch; any
other is reported as lost; sidecars and initContainers are errors (a patch cannot add them).
``hostname``/``subdomain`` are JobSet's; the replica's ``restartPolicy`` decides the pods'.
"""

from __future__ import annotations

import copy

from trainjob_migrate.assemble import NODE
from trainjob_migrate.context import Context, Role
from trainjob_migrate.rules import pod
from trainjob_migrate.sources.mpi import job, overrides

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

_JOBSET_OWNED: Final = pod.JOBSET_OWNED


def for_runtime(ctx: Context, rule: str, role: Role, taken: frozenset[str]) -> Obj:
    """The role's pod template for a generated runtime, less the main container's ``taken``
    fields (carried by ``spec.trainer``)."""
    base = (*role.path, "template")
    ctx.consume(base)
    template: Mapping[str, Any] = ctx.value(base, {})
    out: Obj = {}
    meta = _metadata(ctx, rule, role, template.get("metadata") or {})
    if meta:
        out["metadata"] = meta
    spec: Obj = {}
    for key, value in (template.get("spec") or {}).items():
        path = (*base, "spec", key)
        if key in _JOBSET_OWNED:
            ctx.info(rule, path, f"dropped: JobSet sets the pod {key}")
        elif key == "restartPolicy":
            ctx.info(
                rule, path, f"ignored, as the operator did: the {role.name}'s restartPolicy decides"
            )
        elif key == "containers":
            spec[key] = _containers(ctx, rule, role, value, taken)
        else:
            spec[key] = copy.deepcopy(value)
    out["spec"] = spec
    return out


def _containers(
    ctx: Context, rule: str, role: Role, containers: list[Any], taken: frozenset[str]
) -> list[Obj]:
    path = job.main_path(role)
    main = containers[0]
    others = [copy.deepcopy(c) for c in containers[1:]]
    for i, other in enumerate(others, start=1):
        if other.get("name") == NODE:
            ctx.error(
                rule,
                (*role.path, "template", "spec", "containers", i),
                f"a container named {NODE!r} besides the first would collide with the training "
                "container, which the Trainer names node; rename it",
            )
    carried = {k: copy.deepcopy(v) for k, v in main.items() if k not in taken and k != "name"}
    if main.get("name") != NODE:
        ctx.info(
            rule,
            (*path, "name"),
            f"container {main.get('name')} is named node in the runtime (the Trainer mounts the "
            "hostfile and SSH keys into container node)",
        )
    if "env" in carried and not carried["env"]:
        ctx.empty(rule, (*path, "env"))
        del carried["env"]
    elif "env" in carried:
        carried["env"] = reserved(ctx, rule, role, carried["env"])
        if not carried["env"]:
            del carried["env"]
    return [{"name": NODE, **carried}, *others]


def reserved(ctx: Context, rule: str, role: Role, env: list[Any]) -> list[Any]:
    """The env less what the Trainer's MPI plugin sets (the operator set it too, after)."""
    kept = []
    for i, var in enumerate(env):
        if isinstance(var, dict) and var.get("name") in job.RESERVED_ENV:
            # the operators set these on the launcher only (after the user's value); on a
            # worker the user's value was live in v1: a loss either way it is not proven
            ctx.lossy(
                rule,
                (*job.main_path(role), "env", i),
                f"{var['name']} is reserved by the Trainer's MPI plugin (it sets it on the "
                "launcher); your value is dropped: set it another way if the job relied on it",
            )
        else:
            kept.append(var)
    return kept


def _metadata(ctx: Context, rule: str, role: Role, meta: Mapping[str, Any]) -> Obj:
    out: Obj = {}
    for key, value in meta.items():
        if key in ("labels", "annotations"):
            out[key] = copy.deepcopy(value)
        else:
            ctx.lossy(
                rule,
                (*role.path, "template", "metadata", key),
                f"pod template metadata {key!r} is set by JobSet; dropped",
            )
    return out


def patch(
    ctx: Context, rule: str, role: Role, replicated_job: str, taken: frozenset[str], lost: str
) -> None:
    """Patch the runtime's ``replicated_job`` with what the target accepts; report the rest
    (``lost`` says why a field is not carried). The main container's ``taken`` fields are
    another rule's."""
    base = (*role.path, "template")
    template: Mapping[str, Any] = ctx.value(base, {})
    pod_meta: Obj = {}
    for key, value in (template.get("metadata") or {}).items():
        path = (*base, "metadata", key)
        ctx.consume(path)
        if key in ("labels", "annotations") and ctx.target.pod_metadata:
            pod_meta[key] = value
        else:
            ctx.lossy(rule, path, f"pod template {key} cannot be patched here; {lost}")
    pod_spec: Obj = {}
    container: Obj = {}
    for key, value in (template.get("spec") or {}).items():
        path = (*base, "spec", key)
        if key == "containers":
            container = _main_patch(ctx, rule, role, value, taken, lost)
            continue
        ctx.consume(path)
        if key in ctx.target.pod_fields:
            pod_spec[key] = value
        elif key == "serviceAccount":
            current = (template.get("spec") or {}).get("serviceAccountName")
            pod.service_account(ctx, rule, path, value, current, pod_spec)
        elif key in _JOBSET_OWNED:
            ctx.info(rule, path, f"dropped: JobSet sets the pod {key}")
        elif key == "restartPolicy":
            ctx.info(
                rule, path, f"ignored, as the operator did: the {role.name}'s restartPolicy decides"
            )
        elif key == "initContainers":
            _no_containers(ctx, rule, path, "initContainers would not run")
        else:
            ctx.lossy(rule, path, f"pod field {key!r} cannot be patched; {lost}")
    overrides.add(ctx, replicated_job, pod_spec, pod_meta, container)


def _main_patch(
    ctx: Context, rule: str, role: Role, containers: list[Any], taken: frozenset[str], lost: str
) -> Obj:
    base = (*role.path, "template", "spec", "containers")
    for i in range(1, len(containers)):
        name = containers[i].get("name", f"#{i}") if isinstance(containers[i], dict) else f"#{i}"
        _no_containers(ctx, rule, (*base, i), f"sidecar container {name!r} would not run")
    out: Obj = {}
    for key, value in containers[0].items():
        path = (*base, 0, key)
        if key in taken:
            continue
        ctx.consume(path)
        if key == "name":
            continue
        if key in ctx.target.container_fields:
            out[key] = value
        else:
            ctx.lossy(rule, path, f"container field {key!r} cannot be patched; {lost}")
    return out


def _no_containers(ctx: Context, rule: str, path: tuple[Any, ...], what: str) -> None:
    ctx.consume(path)
    ctx.error(
        rule,
        path,
        f"{what}: runtime patches cannot add containers (upstream accepts the patch and the "
        f"pod then fails); {ctx.runtime_advice}",
    )


def restart_policy(ctx: Context, rule: str, role: Role, default: str) -> str:
    """The pods' restartPolicy (a Job's: OnFailure or Never); reports what changes."""
    path = (*role.path, "restartPolicy")
    ctx.consume(path)
    given = role.spec.get("restartPolicy")
    policy = str(given or default)
    if job.route(ctx) == "generated":
        if policy in ("OnFailure", "Never"):
            return policy
        ctx.lossy(
            rule,
            path,
            f"restartPolicy {policy} is not valid for the Jobs a TrainJob creates: "
            + ("Never (as the operator ran ExitCode)" if policy == "ExitCode" else "OnFailure"),
        )
        return "Never" if policy == "ExitCode" else "OnFailure"
    if policy != "OnFailure":
        note = ctx.lossy if given else ctx.info
        note(
            rule,
            path if given else role.path,
            f"restartPolicy {policy}{'' if given else ' (the default)'}: the runtime's pods use "
            "OnFailure (restarted in place); only a generated runtime (generateRuntime=true) "
            "keeps it",
        )
    return "OnFailure"
