"""The pods a TrainJob runs: runtime template + overrides/patches + ``spec.trainer`` + torch plugin.

Order as upstream (``T@v2.x:pkg/runtime/core/trainingruntime.go``): the runtime's JobSet
template; the TrainJob's ``podSpecOverrides`` (2.0, onto each target job's PodSpec),
``podTemplateOverrides`` (2.1, onto its PodTemplateSpec) or ``runtimePatches`` (2.2+,
each entry's ``trainingRuntimeSpec`` onto the runtime spec, in list order), all by the
strategic-merge rules of :mod:`~trainjob_migrate.compare.merge`; then ``spec.trainer``
on container ``node`` of the trainer job (image, command, args replace; env merges by
name; ``resourcesPerNode`` replaces up to 2.2 and merges from 2.3); then the torch
plugin's PET_* env and port 29500 on container ``node``; JobSet's defaults (pod
restartPolicy OnFailure) and labels.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate import runtimes
from trainjob_migrate.compare.merge import merge
from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.targets import Target

Obj = dict[str, Any]

NODE: Final = "node"
PORT: Final = 29500
COMPLETION_INDEX: Final = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


@dataclasses.dataclass(frozen=True, slots=True)
class Rendered:
    pods: list[Pod]
    #: what went wrong before any pod could be rendered (unresolved runtime...)
    problems: list[str]
    runtime_origin: str = ""
    num_nodes: int = 0


def render(
    trainjob: Mapping[str, Any],
    target: Target,
    catalog: runtimes.Catalog,
    indexes: set[int] | None = None,
) -> Rendered:
    meta = trainjob.get("metadata") or {}
    name, namespace = str(meta.get("name", "")), meta.get("namespace")
    spec = trainjob.get("spec") or {}
    ref = spec.get("runtimeRef") or {}
    kind = str(ref.get("kind") or runtimes.CLUSTER_KIND)
    found = catalog.find(kind, str(ref.get("name", "")), namespace)
    if found is None:
        problem = (
            f"runtimeRef {kind} {ref.get('name')!r} is neither in the repository nor a "
            f"default runtime of Trainer {runtimes.release_of(target.version)}; give the file "
            "that defines it with --runtimes FILE"
        )
        return Rendered([], [problem])
    runtime_spec = copy.deepcopy(found.runtime.get("spec") or {})
    runtime_spec = _apply_overrides(runtime_spec, spec)
    job = runtimes.trainer_job({"spec": runtime_spec})
    if job is None:
        return Rendered(
            [], ["the runtime has no replicatedJob labelled as the trainer step"], found.origin
        )
    trainer = spec.get("trainer") or {}
    policy = runtime_spec.get("mlPolicy") or {}
    nodes = int(trainer.get("numNodes") or policy.get("numNodes") or 1)
    template = copy.deepcopy(((job.get("template") or {}).get("spec") or {}).get("template") or {})
    pod_spec: Obj = template.setdefault("spec", {})
    container = _node_container(pod_spec)
    if container is not None:
        _trainer(container, trainer, target)
        if "torch" in policy:
            _torch(container, name, nodes, trainer, policy, target)
    pod_spec.setdefault("restartPolicy", "OnFailure")  # JobSet webhook default
    labels = {
        **((template.get("metadata") or {}).get("labels") or {}),
        "jobset.sigs.k8s.io/jobset-name": name,
        "jobset.sigs.k8s.io/replicatedjob-name": str(job.get("name")),
    }
    pods = []
    for index in range(nodes):
        if indexes is not None and index not in indexes:
            continue
        metadata: Obj = {"name": f"{name}-{job.get('name')}-0-{index}", "labels": labels}
        annotations = (template.get("metadata") or {}).get("annotations")
        if annotations:
            metadata["annotations"] = annotations
        obj = {"metadata": metadata, "spec": copy.deepcopy(pod_spec)}
        pods.append(Pod(index, str(job.get("name")), obj, NODE))
    return Rendered(pods, [], found.origin, nodes)


def _apply_overrides(runtime_spec: Obj, spec: Mapping[str, Any]) -> Obj:
    for entry in spec.get("podSpecOverrides") or []:
        patch = {k: v for k, v in entry.items() if k != "targetJobs"}
        runtime_spec = _per_job(
            runtime_spec, entry, lambda job, p=patch: _patch_pod(job, p, spec_only=True)
        )
    for entry in spec.get("podTemplateOverrides") or []:
        patch = {k: v for k, v in entry.items() if k != "targetJobs"}
        runtime_spec = _per_job(
            runtime_spec, entry, lambda job, p=patch: _patch_pod(job, p, spec_only=False)
        )
    for entry in spec.get("runtimePatches") or []:
        runtime_spec = merge(runtime_spec, entry.get("trainingRuntimeSpec") or {})
    return runtime_spec


def _per_job(runtime_spec: Obj, entry: Mapping[str, Any], apply: Any) -> Obj:
    names = {str(t.get("name")) for t in entry.get("targetJobs") or []}
    for job in runtimes.replicated_jobs({"spec": runtime_spec}):
        if job.get("name") in names:
            apply(job)
    return runtime_spec


def _patch_pod(job: Obj, patch: Obj, *, spec_only: bool) -> None:
    template = job.setdefault("template", {}).setdefault("spec", {}).setdefault("template", {})
    if spec_only:
        template["spec"] = merge(template.get("spec") or {}, patch)
    else:
        merged = merge(template, patch)
        template.clear()
        template.update(merged)


def _node_container(pod_spec: Obj) -> Obj | None:
    for container in pod_spec.get("containers") or []:
        if container.get("name") == NODE:
            found: Obj = container
            return found
    return None


def _trainer(container: Obj, trainer: Mapping[str, Any], target: Target) -> None:
    for key in ("image", "command", "args"):
        if trainer.get(key):
            container[key] = copy.deepcopy(trainer[key])
    if trainer.get("env"):
        container["env"] = merge({"env": container.get("env") or []}, {"env": trainer["env"]})[
            "env"
        ]
    resources = trainer.get("resourcesPerNode")
    if resources:
        if target.resources_merged:  # trainer#3602: merged with the runtime's
            container["resources"] = merge(container.get("resources") or {}, resources)
        else:
            container["resources"] = copy.deepcopy(resources)


def _torch(
    container: Obj,
    name: str,
    nodes: int,
    trainer: Mapping[str, Any],
    policy: Mapping[str, Any],
    target: Target,
) -> None:
    env = [
        {"name": "PET_NNODES", "value": str(nodes)},
        {"name": "PET_NPROC_PER_NODE", "value": num_proc(trainer, policy, target)},
        {"name": "PET_NODE_RANK", "valueFrom": {"fieldRef": {"fieldPath": COMPLETION_INDEX}}},
        {"name": "PET_MASTER_ADDR", "value": f"{name}-{NODE}-0-0.{name}"},
        {"name": "PET_MASTER_PORT", "value": str(PORT)},
    ]
    container["env"] = merge({"env": container.get("env") or []}, {"env": env})["env"]
    container["ports"] = merge(
        {"ports": container.get("ports") or []}, {"ports": [{"containerPort": PORT}]}
    )["ports"]


def num_proc(trainer: Mapping[str, Any], policy: Mapping[str, Any], target: Target) -> str:
    """PET_NPROC_PER_NODE per kubeflow/trainer@<release>:pkg/runtime/framework/plugins/torch."""
    value = trainer.get("numProcPerNode")
    if value is None:
        value = (policy.get("torch") or {}).get("numProcPerNode")
    resources = trainer.get("resourcesPerNode") or {}
    gpu = any(
        "gpu" in str(n).lower() for s in ("limits", "requests") for n in (resources.get(s) or {})
    )
    if target.num_proc_type == "int":
        if value is not None:
            return str(value)
        return "auto" if gpu else str(_cpus(resources) or 1)
    value = "auto" if value is None else str(value)
    if value == "auto" and resources and not gpu:
        return str(_cpus(resources) or 1)
    return value


def _cpus(resources: Mapping[str, Any]) -> int | None:
    for section in ("requests", "limits"):
        raw = (resources.get(section) or {}).get("cpu")
        if raw is None:
            continue
        text = str(raw)
        try:
            amount = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
        except ValueError:
            return None
        return max(1, math.ceil(amount))
    return None
