"""Turn a finished :class:`~trainjob_migrate.context.Draft` into the objects to emit.

The TrainJob's pod fields go into the target's shape (``podSpecOverrides``,
``podTemplateOverrides`` or ``runtimePatches``), always aimed at the
torch-distributed runtime's job ``node`` and container ``node``. The optional
generated TrainingRuntime is derived from the target release's torch-distributed.
"""

from __future__ import annotations

from trainjob_migrate import DOMAIN
from trainjob_migrate.context import Context, RuntimeParts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

TRAINER_API_VERSION: Final = "trainer.kubeflow.org/v1alpha1"
#: the replicatedJob and container of torch-distributed that receive spec.trainer
NODE: Final = "node"
#: our runtimePatches entry; upstream requires a domain-prefixed path. One for every kind
#: (it used to name the first kind the tool converted; TrainJobs converted then keep that
#: value: nothing reads it back)
MANAGER: Final = f"{DOMAIN}/converter"
_TRAINER_ORDER: Final = (
    "numNodes",
    "numProcPerNode",
    "image",
    "command",
    "args",
    "env",
    "resourcesPerNode",
)


def trainjob(ctx: Context, runtime_ref: Obj) -> Obj:
    draft = ctx.draft
    trainer = {k: draft.trainer[k] for k in _TRAINER_ORDER if k in draft.trainer}
    spec: Obj = {"runtimeRef": runtime_ref, **draft.spec, "trainer": trainer}
    overrides = _overrides(ctx)
    if overrides:
        spec[ctx.target.override_shape] = overrides
    return {
        "apiVersion": TRAINER_API_VERSION,
        "kind": "TrainJob",
        "metadata": draft.metadata,
        "spec": spec,
    }


def runtime_ref(ctx: Context, generated: bool) -> Obj:
    if ctx.draft.runtime_ref is not None:
        return ctx.draft.runtime_ref
    if generated:
        return {
            "apiGroup": "trainer.kubeflow.org",
            "kind": "TrainingRuntime",
            "name": ctx.draft.name,
        }
    return {
        "apiGroup": "trainer.kubeflow.org",
        "kind": ctx.config.runtime_kind,
        "name": runtime_name(ctx),
    }


def runtime_name(ctx: Context) -> str:
    """The runtime the TrainJob references: ``runtimeName``, else the kind's default runtime."""
    return ctx.config.runtime_name or str(ctx.source.runtime)


def runtime_image(ctx: Context) -> str:
    """The image of the kind's default runtime in the target release."""
    from trainjob_migrate import runtimes  # not on the start-up path: a rare message, or
    # a generated runtime

    for runtime in runtimes.defaults(ctx.target.version):
        if runtime["metadata"]["name"] == ctx.source.runtime:
            job = runtimes.trainer_job(runtime)
            for container in runtimes.pod_spec(job or {}).get("containers") or []:
                if container.get("name") == NODE and container.get("image"):
                    return str(container["image"])
    return ctx.target.runtime_image


def _overrides(ctx: Context) -> list[Obj]:
    draft = ctx.draft
    pod_spec: Obj = dict(draft.pod_spec)
    if draft.container:
        pod_spec["containers"] = [{"name": NODE, **draft.container}]
    if not pod_spec and not draft.pod_metadata:
        return []
    shape = ctx.target.override_shape
    if shape == "podSpecOverrides":
        return [{"targetJobs": [{"name": NODE}], **pod_spec}]
    template: Obj = {}
    if draft.pod_metadata:
        template["metadata"] = draft.pod_metadata
    if pod_spec:
        template["spec"] = pod_spec
    if shape == "podTemplateOverrides":
        return [{"targetJobs": [{"name": NODE}], **template}]
    job = {"name": NODE, "template": {"spec": {"template": template}}}
    return [
        {
            "manager": MANAGER,
            "trainingRuntimeSpec": {"template": {"spec": {"replicatedJobs": [job]}}},
        }
    ]


def training_runtime(ctx: Context, annotations: Obj) -> Obj:
    """A namespaced TrainingRuntime: the kind's default runtime of the target (its ML policy,
    framework label and image) plus what only it can carry."""
    parts: RuntimeParts = ctx.draft.runtime
    container: Obj = {"name": NODE, "image": runtime_image(ctx), **parts.container}
    pod_spec: Obj = {**parts.pod_spec}
    if parts.init_containers:
        pod_spec["initContainers"] = parts.init_containers
    pod_spec["containers"] = [container, *parts.sidecars]
    pod_template: Obj = {}
    if parts.pod_metadata:
        pod_template["metadata"] = parts.pod_metadata
    pod_template["spec"] = pod_spec
    job_spec: Obj = {**parts.job_spec, "template": pod_template}
    job = {
        "name": NODE,
        "template": {
            "metadata": {"labels": {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}},
            "spec": job_spec,
        },
    }
    spec: Obj = {"mlPolicy": {"numNodes": 1, ctx.source.framework: {}}}
    if parts.pod_group_policy:
        spec["podGroupPolicy"] = parts.pod_group_policy
    spec["template"] = {"spec": {**parts.jobset_spec, "replicatedJobs": [job]}}
    metadata: Obj = {"name": ctx.draft.name}
    if "namespace" in ctx.draft.metadata:
        metadata["namespace"] = ctx.draft.metadata["namespace"]
    metadata["labels"] = {"trainer.kubeflow.org/framework": ctx.source.framework}
    metadata["annotations"] = annotations
    return {
        "apiVersion": TRAINER_API_VERSION,
        "kind": "TrainingRuntime",
        "metadata": metadata,
        "spec": spec,
    }
