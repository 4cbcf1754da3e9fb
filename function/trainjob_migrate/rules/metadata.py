"""Object metadata: name, namespace, labels and annotations carry over; server-set fields go.

``kubectl.kubernetes.io/last-applied-configuration`` and the fields the API server
sets (uid, resourceVersion, generation, creationTimestamp, managedFields,
selfLink, status) are dropped; ownerReferences and finalizers are reported.
A provenance annotation names the source object and the target release.
"""

from __future__ import annotations

from trainjob_migrate import DOMAIN
from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "metadata"
CONSUMES: Final = ("apiVersion", "kind", "metadata", "status")

CONVERTED_FROM: Final = f"{DOMAIN}/converted-from"
TARGET_VERSION: Final = f"{DOMAIN}/target-version"

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
SERVER_SET: Final = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def apply(ctx: Context) -> None:
    for key in ("apiVersion", "kind"):
        ctx.consume((key,))
    meta = ctx.value(("metadata",), {})
    ctx.consume(("metadata",))
    name = str(meta.get("name") or "")
    if ctx.config.mode == "side-by-side":
        name += ctx.config.name_suffix
    ctx.draft.name = name

    out = ctx.draft.metadata
    dropped: list[str] = []
    for key, value in meta.items():
        if key in SERVER_SET:
            dropped.append(key)
        elif key == "name":
            out["name"] = name
        elif key in ("namespace", "labels", "generateName"):
            out[key] = value
        elif key == "annotations":
            annotations = {k: v for k, v in value.items() if k != LAST_APPLIED}
            if LAST_APPLIED in value:
                dropped.append(f"annotation {LAST_APPLIED}")
            out["annotations"] = annotations
        elif key in ("ownerReferences", "finalizers"):
            ctx.lossy(
                ID,
                ("metadata", key),
                f"dropped: {key} of the {ctx.source.kind} do not apply to the new TrainJob; "
                "recreate them if something depends on them",
            )
        else:
            ctx.lossy(ID, ("metadata", key), f"metadata field {key!r} has no place in a TrainJob")
    if "status" in ctx.job:
        ctx.consume(("status",))
        dropped.append("status")
    if dropped:
        ctx.info(ID, None, f"dropped server-set data: {', '.join(dropped)}")

    annotations = dict(out.get("annotations") or {})
    annotations[CONVERTED_FROM] = f"{ctx.ref.api_version} {ctx.source.kind} {_scoped(ctx)}"
    annotations[TARGET_VERSION] = ctx.target.version
    out["annotations"] = annotations


def _scoped(ctx: Context) -> str:
    return f"{ctx.ref.namespace}/{ctx.ref.name}" if ctx.ref.namespace else ctx.ref.name
