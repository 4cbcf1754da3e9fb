"""The launch of a kind whose v1 operator ran the command as is and injected variables into it.

Shared by the launch rules of the kinds without a launcher (XGBoostJob, JAXJob): the command
and args are carried unchanged (their Trainer runtimes set no command, so an image
ENTRYPOINT still runs); the user's ``env`` is carried, except names the v1 operator
overwrote in every pod (it appended its own after the user's, and the last one wins) and
names the Trainer plugin reserves; the variables v1 injected are re-derived in
``trainer.env`` for the v2 pods (``launchEnv: v1-compat``, the default) or named as lost
(``launchEnv: none``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trainjob_migrate.context import Context
from trainjob_migrate.sources.v1common import COMPLETION_INDEX

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


def index_ref() -> Obj:
    """An env value source of the node index (a new object each time: YAML would alias one
    object emitted twice)."""
    return {"valueFrom": {"fieldRef": {"fieldPath": COMPLETION_INDEX}}}


def first_node(ctx: Context) -> str:
    """The DNS name of node 0 of the TrainJob: ``<name>-node-0-0.<name>`` (JobSet's headless
    service), where the Trainer plugins put the rank-0 process."""
    name = ctx.draft.name
    return f"{name}-node-0-0.{name}"


def node(ctx: Context, index: int) -> str:
    name = ctx.draft.name
    return f"{name}-node-0-{index}.{name}"


def v1_port(ctx: Context, role: str, default: int) -> int:
    """The port v1 read from ``role``'s training container (its named port, else the default
    the v1 defaulter added)."""
    found = ctx.roles.get(role)
    if found is None:
        return default
    containers = ((found.spec.get("template") or {}).get("spec") or {}).get("containers") or []
    for container in containers:
        if isinstance(container, Mapping) and container.get("name") == ctx.source.container:
            for port in container.get("ports") or []:
                if port.get("name") == ctx.source.v1_port and port.get("containerPort"):
                    return int(port["containerPort"])
    return default


def carry_command(ctx: Context, rule: str) -> None:
    """``command`` and ``args`` as they are: the runtimes of these kinds set no command."""
    base = ctx.container_path
    for key in ("command", "args", "env"):
        ctx.consume((*base, key))
        if key in ctx.container and not ctx.container[key]:
            ctx.empty(rule, (*base, key))
    limit = ctx.target.max_command_item
    for key in ("command", "args"):
        items = [str(t) for t in ctx.container.get(key) or []]
        if items:
            ctx.draft.trainer[key] = items
        for i, item in enumerate(items):
            if limit is not None and len(item) > limit:
                ctx.error(
                    rule,
                    (*base, key, i),
                    f"{len(item)} characters: Trainer {ctx.target.version} accepts at most "
                    f"{limit} per {key} item; move the script into the image or a ConfigMap",
                )


def carry_env(
    ctx: Context,
    rule: str,
    injected: Sequence[tuple[str, Obj]],
    reserved: Mapping[str, str],
    v2_note: str,
) -> None:
    """The user's env, then the v1-injected variables (``injected``: name, value) re-derived.

    ``reserved``: names the Trainer plugin sets, with what to do about a user value;
    ``v2_note``: what the plugin sets instead, for the messages.
    """
    env_path = (*ctx.container_path, "env")
    names = [name for name, _ in injected]
    out: list[Obj] = []
    seen: set[str] = set()
    for i, entry in enumerate(ctx.container.get("env") or []):
        name = str(entry.get("name", ""))
        path = (*env_path, i)
        if name in seen:
            ctx.error(
                rule, path, f"env {name} is set twice; keep one (TrainJob env is keyed by name)"
            )
            continue
        seen.add(name)
        if name in reserved:
            ctx.error(rule, path, f"env {name} {reserved[name]}")
            continue
        if name in names:
            ctx.info(
                rule,
                path,
                f"env {name} dropped: the v1 operator replaced this value with its own in every pod",
            )
            continue
        out.append(dict(entry))
    mode = ctx.config.launch_env
    unbuffered = [(n, v) for n, v in injected if n == "PYTHONUNBUFFERED"]
    others = [(n, v) for n, v in injected if n != "PYTHONUNBUFFERED"]
    if mode == "none":
        shown = ", ".join(n for n, _ in others)
        ctx.lossy(
            rule,
            env_path,  # where v1 put them, written or not
            f"v1 gave every pod {shown}; v2 sets none of them (launchEnv=none), so a program "
            f"that reads them fails or trains alone; {v2_note}. Use launchEnv=v1-compat, or "
            "change the program",
        )
        added = unbuffered
    else:
        if mode == "torchrun":
            ctx.info(
                rule,
                ctx.container_path,
                "launchEnv=torchrun applies to torchrun jobs only; this job gets the v1 "
                "variables (v1-compat)",
            )
        added = list(injected)  # in the order v1 appended them
        shown = ", ".join(n for n, _ in others)
        ctx.info(
            rule,
            ctx.container_path,  # the container that gets them: a finding names its field
            f"added {shown} to trainer.env with the values the v1 operator gave each pod, "
            f"addressed to the v2 nodes ({first_node(ctx)} is node 0); {v2_note}",
        )
    out.extend({"name": n, **v} for n, v in added)
    if out:
        ctx.draft.trainer["env"] = out
    # a sidecar, which v1 gave the variables too, gets none in a generated runtime: the pod
    # rule warns of it for every kind (one finding, not an info here and a warning there)
