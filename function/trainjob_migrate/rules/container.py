"""The training container (``pytorch``) becomes ``spec.trainer`` plus the ``node`` container patch.

The container is chosen by the name the v1 operator gives it (``pytorch``; the webhook requires it),
never by position. ``image`` → ``trainer.image``, ``resources`` →
``trainer.resourcesPerNode``, ``volumeMounts`` (and ``securityContext`` from
2.2) → the patch of container ``node``. ``command``, ``args`` and ``env`` belong to
the launch rule. ``ports`` are replaced by the Trainer's own port 29500 (the v1
port, ``pytorchjob-port``, only feeds MASTER_PORT). Every other container field
(``envFrom``, probes, ``workingDir``, ``lifecycle``...) needs a generated runtime.
"""

from __future__ import annotations

from trainjob_migrate import assemble
from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "container"
CONSUMES: Final = ("{container}",)

#: handled by the launch rule
_LAUNCH_FIELDS: Final = frozenset({"command", "args", "env"})


def apply(ctx: Context) -> None:
    base = ctx.container_path
    trainer = ctx.draft.trainer
    for key, value in ctx.container.items():
        path = (*base, key)
        if key in _LAUNCH_FIELDS:
            continue
        ctx.consume(path)
        if key == "name":
            continue
        if key == "image":
            trainer["image"] = value
        elif key == "resources":
            if value:
                trainer["resourcesPerNode"] = value
            else:
                ctx.empty(ID, path)
        elif key in ctx.target.container_fields:
            ctx.draft.container[key] = value
        elif key == "ports":
            _ports(ctx, value)
        elif key == "imagePullPolicy" and not ctx.config.generate_runtime:
            _pull_policy(ctx, value)
        elif ctx.runtime_only(ID, path, f"container field {key}", f"container field {key!r}"):
            ctx.draft.runtime.container[key] = value
    if "image" not in ctx.container:
        ctx.lossy(
            ID,
            (*base, "image"),
            f"the {ctx.source.container} container has no image: the runtime image "
            f"{assemble.runtime_image(ctx)} "
            "would run; set the image",
        )


def _pull_policy(ctx: Context, value: object) -> None:
    """No release's patch of container ``node`` has imagePullPolicy: the API server's default
    for the image applies (k8s ``pkg/apis/core/v1/defaults.go`` SetDefaults_Container)."""
    path = (*ctx.container_path, "imagePullPolicy")
    image = str(ctx.container.get("image") or "")
    default = _default_pull_policy(image)
    if value == default:
        ctx.info(
            ID, path, f"imagePullPolicy {value} dropped: the default for this image is the same"
        )
        return
    if value == "Always":
        # a tagged image is pulled once per node instead of on every start: only a tag that
        # is moved to a new image behaves differently
        ctx.info(
            ID,
            path,
            f"imagePullPolicy Always dropped: the pods get the default for a tagged image, "
            f"IfNotPresent (a tag moved to a new image is not pulled again on a node that "
            f"has it); {ctx.runtime_advice} to keep Always",
        )
        return
    effect = (
        "a kind or air-gapped cluster with a preloaded image then fails to pull it"
        if default == "Always"
        else "the image is pulled where v1 never pulled it"
    )
    other = ", or use a tagged image" if default == "Always" else ""
    ctx.lossy(
        ID,
        path,
        f"imagePullPolicy {value} dropped: no runtime patch carries it, so the pods get the "
        f"default for {image or 'the image'}, {default} ({effect}); {ctx.runtime_advice}{other}",
    )


def _default_pull_policy(image: str) -> str:
    """Always for ``:latest`` or an untagged image without a digest, else IfNotPresent."""
    if "@" in image:
        return "IfNotPresent"
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _ports(ctx: Context, ports: list[dict[str, object]]) -> None:
    """v1's own port (``pytorchjob-port``) is only an input to MASTER_PORT; other ports need a
    runtime."""
    own = ctx.source.v1_port
    others = [p for p in ports if p.get("name") != own]
    if not others:
        return
    path = (*ctx.container_path, "ports")
    if ctx.runtime_only(
        ID,
        path,
        "container ports",
        f"container ports other than {own} (the Trainer declares only 29500)",
    ):
        ctx.draft.runtime.container["ports"] = others
