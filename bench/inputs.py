"""Realistic, deterministic inputs for the benchmarks.

A ResourceList as ``kpt fn source`` sends it: every item carries its
``config.kubernetes.io/path``/``index`` annotations (and the ``internal.`` copies),
PyTorchJobs of the shapes seen in practice (a Master/Worker pair running a plain
``python`` command, GPU workers launched by torchrun, a ``kubectl get -o yaml``
export with server-set metadata and status, Kueue-queued jobs with a runPolicy, a
few elastic jobs that cannot be converted) mixed with the objects that live beside
them in a manifest repository (ConfigMaps, Services, Deployments, PVCs,
ServiceAccounts). The same arguments always give the same bytes.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import yaml

Obj = dict[str, Any]

#: other objects per PyTorchJob, on average (a job usually comes with a ConfigMap, often a
#: Service, sometimes a PVC or a Deployment of tooling)
OTHERS_PER_JOB = 1.0
_TEAMS = ("vision", "nlp", "speech", "recsys", "research", "platform")
_IMAGES = (
    "docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727",
    "ghcr.io/acme/bert-finetune:1.4.2",
    "nvcr.io/nvidia/pytorch:24.05-py3",
    "registry.example.com/ml/resnet50:2025.03",
)


def resource_list(jobs: int, *, seed: int = 6, others_per_job: float = OTHERS_PER_JOB) -> str:
    """A ResourceList (block YAML) with ``jobs`` PyTorchJobs among other objects."""
    rng = random.Random(seed)
    items = list(_items(rng, jobs, others_per_job))
    document = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "function-input"},
            "data": {"targetVersion": "2.3"},
        },
    }
    return yaml.dump(
        document, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False, width=1 << 20
    )


def _items(rng: random.Random, jobs: int, others_per_job: float) -> Iterator[Obj]:
    """Items in file order: each file holds one job and the objects that go with it."""
    others_due = 0.0
    for n in range(jobs):
        team = _TEAMS[n % len(_TEAMS)]
        path = f"teams/{team}/job-{n:05d}.yaml"
        objects = [_job(rng, n, team)]
        others_due += others_per_job
        while others_due >= 1:
            others_due -= 1
            objects.append(_other(rng, n, team, len(objects)))
        rng.shuffle(objects)
        for index, obj in enumerate(objects):
            yield _placed(obj, path, index)
    if jobs == 0:
        yield _placed(_other(rng, 0, _TEAMS[0], 0), "teams/empty.yaml", 0)


def _placed(obj: Obj, path: str, index: int) -> Obj:
    annotations = obj["metadata"].setdefault("annotations", {})
    annotations.update(
        {
            "config.kubernetes.io/path": path,
            "config.kubernetes.io/index": str(index),
            "internal.config.kubernetes.io/path": path,
            "internal.config.kubernetes.io/index": str(index),
        }
    )
    return obj


# --- PyTorchJobs -------------------------------------------------------------------------------


def _job(rng: random.Random, n: int, team: str) -> Obj:
    shape = rng.random()
    if shape < 0.35:
        return _plain_python(rng, n, team)
    if shape < 0.70:
        return _torchrun_gpu(rng, n, team)
    if shape < 0.85:
        return _queued(rng, n, team)
    if shape < 0.98:
        return _exported(rng, n, team)
    return _elastic(rng, n, team)


def _meta(n: int, team: str, prefix: str) -> Obj:
    return {
        "name": f"{prefix}-{n:05d}",
        "namespace": f"team-{team}",
        "labels": {"app.kubernetes.io/name": prefix, "app.kubernetes.io/part-of": team},
    }


def _container(rng: random.Random, command: list[str], resources: Obj, **extra: Any) -> Obj:
    container: Obj = {
        "name": "pytorch",
        "image": rng.choice(_IMAGES),
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": [
            {"name": "EPOCHS", "value": str(rng.randint(1, 90))},
            {"name": "DATA_DIR", "value": "/data/train"},
        ],
        "resources": resources,
    }
    container.update(extra)
    return container


def _replica(replicas: int, pod_spec: Obj, restart: str = "OnFailure") -> Obj:
    return {"replicas": replicas, "restartPolicy": restart, "template": {"spec": pod_spec}}


def _plain_python(rng: random.Random, n: int, team: str) -> Obj:
    """Master + Workers running ``python train.py`` (v1 injected MASTER_ADDR etc.)."""
    resources = {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": rng.choice([1, 2, 4]), "memory": "4Gi"},
    }
    command = ["python3", "/opt/train/mnist.py", f"--epochs={rng.randint(1, 20)}", "--backend=gloo"]

    pod = {"containers": [_container(rng, command, resources)]}
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": _meta(n, team, "mnist"),
        "spec": {
            "pytorchReplicaSpecs": {
                "Master": _replica(1, copy.deepcopy(pod)),
                "Worker": _replica(rng.randint(1, 7), copy.deepcopy(pod)),
            }
        },
    }


def _gpu_pod(rng: random.Random, gpus: int, command: list[str]) -> Obj:
    return {
        "serviceAccountName": "trainer",
        "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB"},
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "volumes": [
            {"name": "dshm", "emptyDir": {"medium": "Memory"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "datasets"}},
        ],
        "containers": [
            _container(
                rng,
                command,
                {"limits": {"nvidia.com/gpu": gpus, "cpu": 8 * gpus, "memory": f"{64 * gpus}Gi"}},
                volumeMounts=[
                    {"name": "dshm", "mountPath": "/dev/shm"},
                    {"name": "data", "mountPath": "/data", "readOnly": True},
                ],
            )
        ],
    }


def _torchrun_gpu(rng: random.Random, n: int, team: str) -> Obj:
    """Workers only, torchrun with hard-coded launcher flags, GPUs, volumes, tolerations."""
    nodes, gpus = rng.choice([2, 4, 8]), rng.choice([1, 4, 8])
    command = [
        "torchrun",
        f"--nnodes={nodes}",
        f"--nproc_per_node={gpus}",
        "train.py",
        "--model=bert-large",
        f"--lr={rng.choice(['1e-4', '3e-5', '5e-5'])}",
    ]
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": _meta(n, team, "bert"),
        "spec": {
            "nprocPerNode": str(gpus),
            "pytorchReplicaSpecs": {"Worker": _replica(nodes, _gpu_pod(rng, gpus, command))},
        },
    }


def _queued(rng: random.Random, n: int, team: str) -> Obj:
    """A Kueue-queued job with a runPolicy (some fields only warn) and pod labels."""
    job = _torchrun_gpu(rng, n, team)
    job["metadata"]["name"] = f"resnet-{n:05d}"
    job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] = f"{team}-queue"
    job["spec"]["runPolicy"] = {
        "suspend": True,
        "backoffLimit": rng.randint(0, 6),
        "ttlSecondsAfterFinished": 3600,
        "cleanPodPolicy": "None",
    }
    worker = job["spec"]["pytorchReplicaSpecs"]["Worker"]
    worker["template"]["metadata"] = {"labels": {"team": team}}
    return job


def _exported(rng: random.Random, n: int, team: str) -> Obj:
    """What ``kubectl get pytorchjobs -o yaml`` writes: server metadata and status."""
    job = _plain_python(rng, n, team)
    meta = job["metadata"]
    meta["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"kubeflow.org/v1",'
        f'"kind":"PyTorchJob","metadata":{{"name":"{meta["name"]}"}}}}\n'
    }
    meta.update(
        {
            "creationTimestamp": "2025-09-10T05:19:30Z",
            "generation": 1,
            "resourceVersion": str(5_000_000 + n),
            "uid": f"eeb24e2b-16ab-4fc2-8760-{n:012d}",
        }
    )
    job["status"] = {
        "conditions": [
            {
                "lastTransitionTime": "2025-09-10T05:19:30Z",
                "lastUpdateTime": "2025-09-10T05:19:30Z",
                "message": f"PyTorchJob {meta['name']} is created.",
                "reason": "PyTorchJobCreated",
                "status": "True",
                "type": "Created",
            }
        ],
        "replicaStatuses": {"Master": {"active": 1}, "Worker": {"active": 2}},
        "startTime": "2025-09-10T05:19:30Z",
    }
    return job


def _elastic(rng: random.Random, n: int, team: str) -> Obj:
    """An elastic job: refused with elastic=error (the default), so it is left unchanged."""
    job = _torchrun_gpu(rng, n, team)
    job["metadata"]["name"] = f"elastic-{n:05d}"
    job["spec"]["elasticPolicy"] = {
        "rdzvBackend": "c10d",
        "minReplicas": 1,
        "maxReplicas": 4,
        "maxRestarts": 10,
    }
    return job


# --- everything else ---------------------------------------------------------------------------


def _other(rng: random.Random, n: int, team: str, k: int) -> Obj:
    kind = rng.choices(
        ("ConfigMap", "Service", "PersistentVolumeClaim", "Deployment", "ServiceAccount"),
        weights=(5, 2, 1, 1, 1),
    )[0]
    name = f"{team}-{n:05d}-{k}"
    meta = {"name": name, "namespace": f"team-{team}", "labels": {"app.kubernetes.io/part-of": team}}
    if kind == "ConfigMap":
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {
                "EPOCHS": str(rng.randint(1, 90)),
                "train.yaml": "optimizer: adamw\nlr: 3.0e-5\nwarmup_steps: 500\nbatch_size: 32\n",
            },
        }
    if kind == "Service":
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "selector": {"app.kubernetes.io/name": name},
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
            },
        }
    if kind == "PersistentVolumeClaim":
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": meta,
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "resources": {"requests": {"storage": f"{rng.choice([10, 100, 500])}Gi"}},
                "storageClassName": "nfs",
            },
        }
    if kind == "Deployment":
        labels = {"app.kubernetes.io/name": name}
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [
                            {
                                "name": "tensorboard",
                                "image": "tensorflow/tensorflow:2.15.0",
                                "command": ["tensorboard", "--logdir", "/logs", "--bind_all"],
                                "ports": [{"containerPort": 6006}],
                            }
                        ]
                    },
                },
            },
        }
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
