"""Per-job pod fields of a TrainJob on a runtime it does not own, in the target's shape.

The shared assembly aims every override at job ``node``; an MPI TrainJob also patches job
``launcher``. Both runtimes' training containers are named ``node``.
"""

from __future__ import annotations

from trainjob_migrate.assemble import MANAGER, NODE
from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


def add(ctx: Context, job: str, pod_spec: Obj, pod_metadata: Obj, container: Obj) -> None:
    """Patch replicatedJob ``job`` with pod fields, pod metadata and container ``node`` fields."""
    spec = dict(pod_spec)
    if container:
        spec["containers"] = [{"name": NODE, **container}]
    if not spec and not pod_metadata:
        return
    shape = ctx.target.override_shape
    entries: list[Obj] = ctx.draft.spec.setdefault(shape, [])
    if shape == "podSpecOverrides":
        entries.append({"targetJobs": [{"name": job}], **spec})
        return
    template: Obj = {}
    if pod_metadata:
        template["metadata"] = pod_metadata
    if spec:
        template["spec"] = spec
    if shape == "podTemplateOverrides":
        entries.append({"targetJobs": [{"name": job}], **template})
        return
    if not entries:
        entries.append(
            {
                "manager": MANAGER,
                "trainingRuntimeSpec": {"template": {"spec": {"replicatedJobs": []}}},
            }
        )
    jobs = entries[0]["trainingRuntimeSpec"]["template"]["spec"]["replicatedJobs"]
    jobs.append({"name": job, "template": {"spec": {"template": template}}})
