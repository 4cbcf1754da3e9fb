"""The pods the Training Operator v1.9 builds for a PyTorchJob (kubeflow/trainer@v1.9.4
``pkg/controller.v1/pytorch/{envvar,master,initcontainer}.go``), for ``compare``.

Per replica: the role's template, pod name ``<job>-<role>-<i>``, labels
``training.kubeflow.org/*``, the replica's restartPolicy (default OnFailure; ExitCode is
Never at pod level), port ``pytorchjob-port: 23456`` on container ``pytorch``, the worker
init container ``init-pytorch``, and the env the operator appends to **every** container:
PYTHONUNBUFFERED; with a Master MASTER_ADDR/PET_MASTER_ADDR, MASTER_PORT/PET_MASTER_PORT,
WORLD_SIZE, RANK/PET_NODE_RANK; PET_NPROC_PER_NODE; PET_NNODES (``min:max`` and the
rendezvous variables with an elasticPolicy). The operator's env comes after the user's, so
it wins.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.paths import Path
from trainjob_migrate.sources.pytorch import SOURCE

Obj = dict[str, Any]

DEFAULT_PORT: Final = int(SOURCE.v1_port_default or 0)  # the v1 defaulter's port
PORT_NAME: Final = "pytorchjob-port"
CONTAINER: Final = "pytorch"
INIT_IMAGE: Final = "alpine:3.10"
_ELASTIC_ENV: Final = {
    "rdzvBackend": "PET_RDZV_BACKEND",
    "rdzvId": "PET_RDZV_ID",
    "rdzvConf": "PET_RDZV_CONF",
    "standalone": "PET_STANDALONE",
    "maxRestarts": "PET_MAX_RESTARTS",
}


def roles(job: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Canonical role -> (key as written, replica spec)."""
    specs = (job.get("spec") or {}).get("pytorchReplicaSpecs") or {}
    return {str(k).capitalize(): (str(k), v or {}) for k, v in specs.items()}


def count(job: Mapping[str, Any]) -> int:
    """How many pods (nodes) the job runs."""
    return sum(_replicas(spec) for _, spec in roles(job).values())


def render(job: Mapping[str, Any], indexes: set[int] | None = None) -> list[Pod]:
    """The pods of the job in rank order (only the ranks in ``indexes`` when given)."""
    name = str((job.get("metadata") or {}).get("name", ""))
    found = roles(job)
    total = sum(_replicas(spec) for _, spec in found.values())
    ranks: list[tuple[str, int, int]] = []  # role, replica index, rank
    if "Master" in found:
        ranks.append(("Master", 0, 0))
    offset = 1 if "Master" in found else 0
    if "Worker" in found:
        ranks.extend(("Worker", i, i + offset) for i in range(_replicas(found["Worker"][1])))
    return [
        _pod(job, name, role, found[role], replica, rank, total)
        for role, replica, rank in ranks
        if indexes is None or rank in indexes
    ]


def success(job: Mapping[str, Any]) -> tuple[str, Path]:
    """When the v1 operator marked the job Succeeded, and the job path that decides it
    (pytorchjob_controller.go UpdateJobStatus): the Master alone when there is one (it is
    node 0), any Worker of an elastic job, else every pod."""
    found = roles(job)
    workers = _replicas(found["Worker"][1]) if "Worker" in found else 0
    if "Master" in found and workers:
        return "node 0 succeeded", ("spec", "pytorchReplicaSpecs", found["Master"][0])
    if "elasticPolicy" in (job.get("spec") or {}) and workers > 1:
        return "any node succeeded", ("spec", "pytorchReplicaSpecs", found["Worker"][0])
    return "every node succeeded", ("spec", "pytorchReplicaSpecs")


def _replicas(spec: Mapping[str, Any]) -> int:
    value = spec.get("replicas")
    return 1 if value is None else int(value)


def _pod(
    job: Mapping[str, Any],
    name: str,
    role: str,
    entry: tuple[str, Mapping[str, Any]],
    replica: int,
    rank: int,
    total: int,
) -> Pod:
    key, spec = entry
    template_path: Path = ("spec", "pytorchReplicaSpecs", key, "template")
    template = copy.deepcopy(spec.get("template") or {})
    meta = template.get("metadata") or {}
    pod_spec: Obj = template.get("spec") or {}
    labels = {
        **(meta.get("labels") or {}),
        "training.kubeflow.org/job-name": name,
        "training.kubeflow.org/operator-name": "pytorchjob-controller",
        "training.kubeflow.org/replica-type": role.lower(),
        "training.kubeflow.org/replica-index": str(replica),
    }
    if role == "Master":
        labels["training.kubeflow.org/job-role"] = "master"
    metadata: Obj = {"name": f"{name}-{role.lower()}-{replica}", "labels": labels}
    if meta.get("annotations"):
        metadata["annotations"] = meta["annotations"]
    restart = str(spec.get("restartPolicy") or "OnFailure")
    pod_spec["restartPolicy"] = "Never" if restart == "ExitCode" else restart
    injected: dict[Path, Path] = {("spec", "restartPolicy"): (*template_path[:-1], "restartPolicy")}
    containers = pod_spec.get("containers") or []
    port = _port(containers)
    master = "Master" in roles(job)
    for number, container in enumerate(containers):
        container_path: Path = (*template_path, "spec", "containers", number)
        env, origins = _env(job, name, port, rank, total, master, container_path)
        merged = {str(e.get("name")): e for e in container.get("env") or []}
        merged.update({e["name"]: e for e in env})
        container["env"] = list(merged.values())
        cname = "node" if container.get("name") == CONTAINER else str(container.get("name"))
        for var, origin in origins.items():
            # in another container nothing but the container itself decides what it reads
            here = origin if cname == "node" else (*container_path, "env")
            injected[("spec", "containers", cname, "env", var)] = here
        if cname == "node" and not any(
            p.get("name") == PORT_NAME for p in container.get("ports") or []
        ):
            container.setdefault("ports", []).append(
                {"name": PORT_NAME, "containerPort": DEFAULT_PORT}
            )
            injected[("spec", "containers", cname, "ports", str(DEFAULT_PORT))] = (
                *container_path,
                "ports",
            )
    if role == "Worker" and master:
        init = {
            "name": "init-pytorch",
            "image": INIT_IMAGE,
            "command": ["sh", "-c", f"until nslookup {name}-master-0; do sleep 2; done"],
        }
        pod_spec["initContainers"] = [init, *(pod_spec.get("initContainers") or [])]
        injected[("spec", "initContainers", "init-pytorch")] = template_path
    for label in labels:
        if label.startswith("training.kubeflow.org/"):
            injected[("metadata", "labels", label)] = ("metadata", "name")
    injected[("metadata", "name")] = ("metadata", "name")
    return Pod(
        rank, role, {"metadata": metadata, "spec": pod_spec}, CONTAINER, template_path, injected
    )


def _port(containers: list[Any]) -> int:
    for container in containers:
        if container.get("name") != CONTAINER:
            continue
        for port in container.get("ports") or []:
            if port.get("name") == PORT_NAME and port.get("containerPort"):
                return int(port["containerPort"])
    return DEFAULT_PORT


def _nproc(job: Mapping[str, Any]) -> str:
    spec = job.get("spec") or {}
    if spec.get("nprocPerNode") is not None:
        return str(spec["nprocPerNode"])
    elastic = (spec.get("elasticPolicy") or {}).get("nProcPerNode")
    return str(elastic) if elastic is not None else "auto"


def _nproc_int(job: Mapping[str, Any]) -> int:
    value = str((job.get("spec") or {}).get("nprocPerNode", ""))
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _env(
    job: Mapping[str, Any],
    name: str,
    port: int,
    rank: int,
    total: int,
    master: bool,
    container_path: Path,
) -> tuple[list[Obj], dict[str, Path]]:
    """The operator's env for one container, and the input path that decides each variable."""
    command: Path = (*container_path, "command")
    nproc = _nproc(job)
    nproc_path: Path = ("spec", "nprocPerNode")
    env: list[Obj] = [{"name": "PYTHONUNBUFFERED", "value": "1"}]
    origins: dict[str, Path] = {"PYTHONUNBUFFERED": command}
    if master:
        address = f"{name}-master-0"
        for var, value in (
            ("MASTER_PORT", str(port)),
            ("PET_MASTER_PORT", str(port)),
            ("MASTER_ADDR", address),
            ("PET_MASTER_ADDR", address),
            # envvar.go getNprocPerNodeInt: spec.nprocPerNode only, 1 unless a number
            ("WORLD_SIZE", str(total * _nproc_int(job))),
            ("RANK", str(rank)),
            ("PET_NODE_RANK", str(rank)),
        ):
            env.append({"name": var, "value": value})
            origins[var] = command
    elastic = (job.get("spec") or {}).get("elasticPolicy")
    if elastic is not None:
        low, high = elastic.get("minReplicas", total), elastic.get("maxReplicas", total)
        env.append({"name": "PET_NNODES", "value": f"{low}:{high}"})
        origins["PET_NNODES"] = ("spec", "elasticPolicy")
        for field, var in _ELASTIC_ENV.items():
            if elastic.get(field) is not None:
                value = elastic[field]
                text = (
                    ",".join(f"{c['key']}={c['value']}" for c in value)
                    if field == "rdzvConf"
                    else str(value)
                )
                env.append({"name": var, "value": text.lower() if field == "standalone" else text})
                origins[var] = ("spec", "elasticPolicy", field)
        host, rport = elastic.get("rdzvHost"), elastic.get("rdzvPort")
        if host or rport:
            env.append({"name": "PET_RDZV_ENDPOINT", "value": f"{host or ''}:{rport or ''}"})
            origins["PET_RDZV_ENDPOINT"] = ("spec", "elasticPolicy")
    else:
        env.append({"name": "PET_NNODES", "value": str(total)})
        origins["PET_NNODES"] = command
    env.append({"name": "PET_NPROC_PER_NODE", "value": nproc})
    origins["PET_NPROC_PER_NODE"] = nproc_path
    return env, origins
