"""The pods a TrainJob runs: runtime template + overrides/patches + ``spec.trainer`` + ML plugin.

Order as upstream (``T@v2.x:pkg/runtime/core/trainingruntime.go``): the runtime's JobSet
template; the TrainJob's ``podSpecOverrides`` (2.0, onto each target job's PodSpec),
``podTemplateOverrides`` (2.1, onto its PodTemplateSpec) or ``runtimePatches`` (2.2+,
each entry's ``trainingRuntimeSpec`` onto the runtime spec, in list order), all by the
strategic-merge rules of :mod:`~trainjob_migrate.compare.merge`; then ``spec.trainer``
on container ``node`` of the trainer job (image, command, args replace; env merges by
name; ``resourcesPerNode`` replaces up to 2.2 and merges from 2.3); then the torch
plugin's PET_* env (the xgboost plugin's DMLC_*, the jax plugin's JAX_*) and port 29500 on
container ``node``; JobSet's defaults (pod restartPolicy OnFailure) and labels. With
the MPI policy both jobs are rendered, each pod's ``group`` its job's name: the trainer job
``launcher`` (one pod) and ``node``; the MPI plugin's SSH-key volume on both, its hostfile
and OpenMPI env on the launcher (``T@v2.x:pkg/runtime/framework/plugins/mpi/mpi.go``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping

from trainjob_migrate import runtimes
from trainjob_migrate.compare.merge import merge
from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.targets import Target

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

NODE: Final = "node"
PORT: Final = 29500
MPI_DIR: Final = "/etc/mpi"  # constants.MPIHostfileDir
COMPLETION_INDEX: Final = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


class Rendered(Frozen):
    __slots__ = ("pods", "problems", "runtime_origin", "num_nodes")
    pods: list[Pod]
    #: what went wrong before any pod could be rendered (unresolved runtime...)
    problems: list[str]
    runtime_origin: str
    num_nodes: int

    def __init__(
        self, pods: list[Pod], problems: list[str], runtime_origin: str = "", num_nodes: int = 0
    ) -> None:
        init(self, pods, problems, runtime_origin, num_nodes)


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
    pods: list[Pod] = []
    for rjob, count in _rendered_jobs(runtime_spec, job, nodes):
        pods.extend(
            _job_pods(rjob, count, rjob is job, name, trainer, policy, nodes, target, indexes)
        )
    return Rendered(pods, [], found.origin, nodes)


def _rendered_jobs(runtime_spec: Obj, trainer_job: Obj, nodes: int) -> list[tuple[Obj, int]]:
    """The replicatedJobs whose pods are rendered, with their pod counts: the trainer job
    (``numNodes`` pods; one when another job is the ``node`` job) and, with the MPI policy,
    job ``node`` (``numNodes``, less the launcher with ``runLauncherAsNode``: ``EnforceMLPolicy``
    in kubeflow/trainer@v2.3.0 ``pkg/runtime/framework/plugins/mpi/mpi.go``)."""
    mpi = (runtime_spec.get("mlPolicy") or {}).get("mpi")
    if mpi is None:
        return [(trainer_job, nodes)]
    out: list[tuple[Obj, int]] = []
    for rjob in runtimes.replicated_jobs({"spec": runtime_spec}):
        if rjob.get("name") == NODE:
            as_node = bool(mpi.get("runLauncherAsNode", False))
            out.append((rjob, max(nodes - 1, 1) if as_node else nodes))
        elif rjob is trainer_job:
            job_spec = (rjob.get("template") or {}).get("spec") or {}
            out.append((rjob, int(job_spec.get("parallelism") or 1)))
    return out


def _job_pods(
    job: Obj,
    count: int,
    is_trainer: bool,
    name: str,
    trainer: Mapping[str, Any],
    policy: Mapping[str, Any],
    nodes: int,
    target: Target,
    indexes: set[int] | None,
) -> list[Pod]:
    template = copy.deepcopy(((job.get("template") or {}).get("spec") or {}).get("template") or {})
    pod_spec: Obj = template.setdefault("spec", {})
    container = _node_container(pod_spec)
    job_name = str(job.get("name"))
    mpi = policy.get("mpi")
    if container is not None:
        if is_trainer:
            _trainer(container, trainer, target)
        elif (
            mpi is not None
            and mpi.get("runLauncherAsNode")
            and job_name == NODE
            and target.trainer_to_mpi_nodes
        ):
            # jobset builder.go Trainer, core/trainingruntime.go: env and resourcesPerNode
            # reach the node job too
            _trainer(
                container,
                {k: v for k, v in trainer.items() if k in ("env", "resourcesPerNode")},
                target,
            )
        if "torch" in policy:
            _torch(container, name, nodes, trainer, policy, target)
        elif "xgboost" in policy or "jax" in policy:
            _plugin_env(container, _xgboost_or_jax(policy, name, nodes, container))
    if mpi is not None:
        _mpi(pod_spec, container, job_name, name, trainer, mpi, target)
    pod_spec.setdefault("restartPolicy", "OnFailure")  # JobSet webhook default
    labels = {
        **((template.get("metadata") or {}).get("labels") or {}),
        "jobset.sigs.k8s.io/jobset-name": name,
        "jobset.sigs.k8s.io/replicatedjob-name": job_name,
    }
    pods = []
    for index in range(count):
        if indexes is not None and index not in indexes:
            continue
        metadata: Obj = {"name": f"{name}-{job_name}-0-{index}", "labels": labels}
        annotations = (template.get("metadata") or {}).get("annotations")
        if annotations:
            metadata["annotations"] = annotations
        obj = {"metadata": metadata, "spec": copy.deepcopy(pod_spec)}
        pods.append(Pod(index, job_name, obj, NODE, group=job_name))
    return pods


def _mpi(
    pod_spec: Obj,
    container: Obj | None,
    job_name: str,
    name: str,
    trainer: Mapping[str, Any],
    mpi: Mapping[str, Any],
    target: Target,
) -> None:
    """The MPI plugin (kubeflow/trainer@v2.x ``plugins/mpi/mpi.go`` ``EnforceMLPolicy``): the
    SSH keys' Secret on both jobs, the hostfile and the OpenMPI env on the launcher's
    container ``node``. Items' file modes are not modelled (2.3 adds them)."""
    secret = {
        "secretName": f"{name}-mpi-ssh-auth",
        "items": [
            {"key": "ssh-privatekey", "path": "id_rsa"},
            {"key": "ssh-publickey", "path": "id_rsa.pub"},
            {"key": "ssh-publickey", "path": "authorized_keys"},
        ],
    }
    volumes = [{"name": "mpi-ssh-auth", "secret": secret}]
    launcher = job_name != NODE
    if launcher:
        volumes.append(
            {
                "name": "mpi-hostfile",
                "configMap": {
                    "name": f"{name}-mpi-hostfile",
                    "items": [{"key": "hostfile", "path": "hostfile", "mode": 0o444}],
                },
            }
        )
    pod_spec["volumes"] = merge({"volumes": pod_spec.get("volumes") or []}, {"volumes": volumes})[
        "volumes"
    ]
    if container is None:
        return
    mounts = [
        {"name": "mpi-ssh-auth", "mountPath": str(mpi.get("sshAuthMountPath") or "/root/.ssh")}
    ]
    if launcher:
        mounts.append({"name": "mpi-hostfile", "mountPath": MPI_DIR})
        env = [
            {"name": "OMPI_MCA_orte_default_hostfile", "value": f"{MPI_DIR}/hostfile"},
            {"name": "OMPI_MCA_orte_keep_fqdn_hostnames", "value": "true"},
            {
                "name": "OMPI_MCA_orte_set_default_slots",
                "value": _mpi_slots(trainer, mpi, container, target),
            },
            {"name": "OMPI_MCA_plm_rsh_args", "value": "-o ConnectionAttempts=10"},
        ]
        container["env"] = merge({"env": container.get("env") or []}, {"env": env})["env"]
    container["volumeMounts"] = merge(
        {"volumeMounts": container.get("volumeMounts") or []}, {"volumeMounts": mounts}
    )["volumeMounts"]


def _mpi_slots(
    trainer: Mapping[str, Any], mpi: Mapping[str, Any], container: Obj, target: Target
) -> str:
    """numProcPerNode: the TrainJob's, else the runtime's; from 2.1 a runtime's 1 becomes the
    GPUs per node when there are more (``Target.mpi_gpu_slots``)."""
    if trainer.get("numProcPerNode") is not None:
        return str(trainer["numProcPerNode"])
    value = int(mpi.get("numProcPerNode") or 1)
    if value == 1 and target.mpi_gpu_slots:
        resources = trainer.get("resourcesPerNode") or container.get("resources") or {}
        gpus = _gpus(resources)
        if gpus > 1:
            return str(gpus)
    return str(value)


def _gpus(resources: Mapping[str, Any]) -> int:
    for section in ("requests", "limits"):  # runtime.GetNumGPUPerNode
        for n, v in (resources.get(section) or {}).items():
            if "gpu" in str(n):
                try:
                    return int(str(v))
                except ValueError:
                    return 0
    return 0


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


def _xgboost_or_jax(policy: Mapping[str, Any], name: str, nodes: int, container: Obj) -> list[Obj]:
    """The env of plugins/xgboost (DMLC_*; workers: nodes x GPUs per node) or plugins/jax
    (JAX_*) at kubeflow/trainer@v2.2.1 and v2.3.0."""
    first = f"{name}-{NODE}-0-0.{name}"
    index = {"fieldRef": {"fieldPath": COMPLETION_INDEX}}
    if "jax" in policy:
        return [
            {"name": "JAX_NUM_PROCESSES", "value": str(nodes)},
            {"name": "JAX_PROCESS_ID", "valueFrom": index},
            {"name": "JAX_COORDINATOR_ADDRESS", "value": f"{first}:{PORT}"},
        ]
    resources = container.get("resources") or {}
    gpus = 0
    for section in ("requests", "limits"):  # runtime.GetNumGPUPerNode
        if not gpus:
            gpus = next(
                (int(str(v)) for n, v in (resources.get(section) or {}).items() if "gpu" in n), 0
            )
    return [
        {"name": "DMLC_TRACKER_URI", "value": first},
        {"name": "DMLC_TRACKER_PORT", "value": str(PORT)},
        {"name": "DMLC_TASK_ID", "valueFrom": index},
        {"name": "DMLC_NUM_WORKER", "value": str(nodes * max(gpus, 1))},
    ]


def _plugin_env(container: Obj, env: list[Obj]) -> None:
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
