"""Realistic, deterministic inputs for the benchmarks.

A ResourceList as ``kpt fn source`` sends it: every item carries its
``config.kubernetes.io/path``/``index`` annotations (and the ``internal.`` copies),
PyTorchJobs of the shapes seen in practice (a Master/Worker pair running a plain
``python`` command, GPU workers launched by torchrun, a ``kubectl get -o yaml``
export with server-set metadata and status, Kueue-queued jobs with a runPolicy, a
few elastic jobs that cannot be converted) mixed with the objects that live beside
them in a manifest repository (ConfigMaps, Services, Deployments, PVCs,
ServiceAccounts). The same arguments always give the same bytes.

A manifest repository (:func:`repository`) as teams keep one: per application a kustomize
base and dev/prod overlays; the base's PyTorchJobs one to three a file, often with a
ConfigMap beside them, under header and field comments; the application's other objects
(ConfigMaps, Deployments with their Services, PVCs, ServiceAccounts) one or more a file;
some overlays patching a job (JSON 6902 inline, a merge patch in a file) or re-tagging its
image; half of the applications writing lists indented under their key, as kubectl does.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from pathlib import Path
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


# --- a manifest repository --------------------------------------------------------------------

#: the repository case of issue 6: files, and PyTorchJobs among them
REPO_FILES = 5_000
REPO_JOBS = 2_000
_JOBS_PER_APP = 8
_KUSTOMIZATIONS = ("base", "overlays/dev", "overlays/prod")


def repository(
    root: Path, *, files: int = REPO_FILES, jobs: int = REPO_JOBS, seed: int = 6
) -> None:
    """Write a manifest repository of exactly ``files`` YAML files holding ``jobs`` PyTorchJobs.

    ``teams/<team>/<app>/base`` holds the jobs and the objects beside them,
    ``overlays/{dev,prod}`` kustomizations over it (about a quarter of them patching a
    job); every application has about the same share of files and jobs.
    """
    rng = random.Random(seed)
    apps = max(1, jobs // _JOBS_PER_APP)
    job_number, other_number = 0, 0
    for app in range(apps):
        n_jobs = jobs // apps + (app < jobs % apps)
        n_files = files // apps + (app < files % apps)
        team = _TEAMS[app % len(_TEAMS)]
        folder = root / "teams" / team / f"app-{app:04d}"
        patched = app % 4 == 0  # a quarter of the overlays patch a job
        written = _application(rng, team, n_jobs, n_files, job_number, other_number, patched)
        for rel, text in written.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        job_number += n_jobs
        other_number += n_files


def _application(
    rng: random.Random,
    team: str,
    n_jobs: int,
    n_files: int,
    first_job: int,
    first_other: int,
    patched: bool,
) -> dict[str, str]:
    wide = rng.random() < 0.5  # the team's style: lists indented under their key
    jobs = [_job(rng, first_job + i, team) for i in range(n_jobs)]
    for job in jobs:
        job["metadata"].pop("namespace", None)  # set by the overlays (namespace: team-<team>)
    base: dict[str, str] = {}
    i = 0
    while i < len(jobs):  # one to three jobs a file, often with their ConfigMap
        group = jobs[i : i + rng.choice((1, 1, 2, 3))]
        i += len(group)
        objects: list[Obj] = list(group)
        if rng.random() < 0.5:
            objects.append(_job_config(rng, group[0]))
        base[f"{group[0]['metadata']['name']}.yaml"] = _file(rng, objects, team, wide)
    patch_file = "scale.yaml" if patched else None
    other = first_other
    while len(base) + len(_KUSTOMIZATIONS) + (patch_file is not None) < n_files:
        objects = [_other(rng, other, team, k) for k in range(rng.choice((1, 1, 1, 2, 3)))]
        for obj in objects:
            obj["metadata"].pop("namespace", None)
        other += 1
        base[f"{objects[0]['kind'].lower()}-{other:05d}.yaml"] = _file(rng, objects, team, wide)
    out = {f"base/{name}": text for name, text in base.items()}
    out["base/kustomization.yaml"] = _dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(base),
        },
        wide,
    )
    target = next((j for j in jobs if j["spec"].get("elasticPolicy") is None), jobs[0])
    out.update(_overlays(rng, team, target, patch_file, wide, patched))
    return out


def _overlays(
    rng: random.Random, team: str, job: Obj, patch_file: str | None, wide: bool, patched: bool
) -> dict[str, str]:
    name = job["metadata"]["name"]
    out: dict[str, str] = {}
    for env in ("dev", "prod"):
        k: Obj = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["../../base"],
            "namespace": f"team-{team}",
        }
        if env == "dev":
            k["namePrefix"] = "dev-"
        if patched and env == "dev":
            ops = [
                {
                    "op": "add",  # every role alike: their templates must stay the same
                    "path": f"/spec/pytorchReplicaSpecs/{role}/template/spec/containers/0/env/-",
                    "value": {"name": "NCCL_DEBUG", "value": "INFO"},
                }
                for role in job["spec"]["pytorchReplicaSpecs"]
            ]
            k["patches"] = [
                {"target": {"kind": "PyTorchJob", "name": name}, "patch": _dump(ops, wide=False)}
            ]
        if patched and env == "prod" and patch_file is not None:
            k["patches"] = [{"path": patch_file}]
            out[f"overlays/prod/{patch_file}"] = "# Production trains on 8 nodes.\n" + _dump(
                {
                    "apiVersion": "kubeflow.org/v1",
                    "kind": "PyTorchJob",
                    "metadata": {"name": name},
                    "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": 8}}},
                },
                wide,
            )
        if env == "prod" and rng.random() < 0.3:
            image = job["spec"]["pytorchReplicaSpecs"][
                next(iter(job["spec"]["pytorchReplicaSpecs"]))
            ]
            image = image["template"]["spec"]["containers"][0]["image"]
            k["images"] = [{"name": image.rsplit(":", 1)[0], "newTag": "2025.10"}]
        text = _dump(k, wide)
        out[f"overlays/{env}/kustomization.yaml"] = (
            f"# The {env} environment of team {team}.\n" + text
        )
    return out


def _job_config(rng: random.Random, job: Obj) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{job['metadata']['name']}-config"},
        "data": {
            "EPOCHS": str(rng.randint(1, 90)),
            "train.yaml": "optimizer: adamw\nlr: 3.0e-5\nbatch_size: 32\n",
        },
    }


#: comments a hand-kept file has: above these keys (indented like them), after an image
_COMMENTED = re.compile(r"^( *)(- )?(replicas|resources|tolerations|runPolicy|nodeSelector):")
_NOTES = (
    "# TODO: revisit after the migration",
    "# keep in sync with the dashboards",
    "# see the runbook",
    "# tuned for A100 nodes",
)


def _file(rng: random.Random, objects: list[Obj], team: str, wide: bool) -> str:
    """Documents under a header, each under its own comment, some fields commented."""
    parts = [f"# Owned by team {team}; changes need a review by #{team}-infra.\n"]
    for obj in objects:
        lines = []
        for line in _dump(obj, wide).splitlines():
            match = _COMMENTED.match(line)
            if match and rng.random() < 0.3:
                indent = match.group(1) + ("  " if match.group(2) else "")
                lines.append(f"{indent}{rng.choice(_NOTES)}")
            pinned = line.lstrip().startswith("image:") and rng.random() < 0.5
            lines.append(line + "  # pinned" if pinned else line)
        parts.append(f"---\n# {obj['kind']} {obj['metadata']['name']}\n" + "\n".join(lines) + "\n")
    return "".join(parts)


class _Dumper(yaml.CSafeDumper):
    pass


class _WideDumper(yaml.SafeDumper):
    """Lists indented under their key (kubectl's style; libyaml cannot write it)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: ARG002
        super().increase_indent(flow, False)


def _block_strings(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """A multi-line string (an inline patch, a config file) as a literal block."""
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


for _dumper in (_Dumper, _WideDumper):
    _dumper.add_representer(str, _block_strings)


def _dump(obj: Any, wide: bool) -> str:
    dumper = _WideDumper if wide else _Dumper
    return yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=False, width=1 << 20)


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
    meta = {
        "name": name,
        "namespace": f"team-{team}",
        "labels": {"app.kubernetes.io/part-of": team},
    }
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


def v2_resource_list() -> str:
    """A ResourceList of one TrainJob and the TrainingRuntime it references (v2 validation)."""
    labels = {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}
    runtime: Obj = {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainingRuntime",
        "metadata": {"name": "team-torch", "namespace": "ml"},
        "spec": {
            "mlPolicy": {"numNodes": 1, "torch": {}},
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {
                            "name": "node",
                            "template": {
                                "metadata": {"labels": labels},
                                "spec": {
                                    "template": {
                                        "spec": {
                                            "containers": [
                                                {"name": "node", "image": "pytorch/pytorch:2"}
                                            ]
                                        }
                                    }
                                },
                            },
                        }
                    ]
                }
            },
        },
    }
    trainjob: Obj = {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainJob",
        "metadata": {"name": "train-0", "namespace": "ml"},
        "spec": {
            "runtimeRef": {"kind": "TrainingRuntime", "name": "team-torch"},
            "trainer": {
                "numNodes": 2,
                "image": "registry.example.com/train:1",
                "command": ["torchrun", "train.py"],
                "env": [{"name": "EPOCHS", "value": "3"}],
            },
        },
    }
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [runtime, trainjob],
    }
    return yaml.safe_dump(rl, sort_keys=False)
