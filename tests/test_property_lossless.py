"""Property tests: "lossless or loud" over arbitrary valid PyTorchJobs and function options.

A Hypothesis strategy builds valid kubeflow.org/v1 PyTorchJobs (the v1 webhook's rules:
Master replicas 1, a container named ``pytorch`` with an image in every template, Worker
present when elastic, ``nprocPerNode`` and ``elasticPolicy.nProcPerNode`` not both set)
plus a random functionConfig, puts the job among unrelated items and runs the pipeline
in-process. For every example:

(a) no exception;
(b) every input leaf (scalar, empty map, empty list) is carried into the emitted
    TrainJob/TrainingRuntime, or named (exactly or by a prefix) by a warning/error result,
    or is on the narrow by-design allowlist below (each entry says why);
(c) the job converts (TrainJob out, no error) or stays exactly as it was with an error;
(d) the same input gives the same output and results;
(e) the output run again gives the same items, and no error for a converted job;
(f) every other item passes through unchanged, in order.

The paths in results are compared in their printed form, formatted here independently of
the package (``a.b[0][app.kubernetes.io/x]``), so the test also pins the path format.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trainjob_migrate import krm
from trainjob_migrate.config import FunctionConfig, from_function_config
from trainjob_migrate.errors import ConfigError
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import Result, Severity

# When a property fails, Hypothesis' pytest plugin imports libcst to suggest a patch; libcst's
# import raises a DeprecationWarning (mypy_extensions.TypedDict), which `filterwarnings = error`
# turns into an INTERNALERROR that hides the failure. Import it once here, warning ignored.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

Path = tuple[str | int, ...]
SPECS: Path = ("spec", "pytorchReplicaSpecs")
CONVERTED_FROM = "trainjob-migrate.dev/converted-from"

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the repository; a failure prints its example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------------------
# paths and leaves, written independently of trainjob_migrate.paths
# --------------------------------------------------------------------------------------


def fmt(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) or "." in part or "/" in part or not part:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def leaves(value: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, Mapping):
        if not value:
            yield prefix, value
        for key, child in value.items():
            yield from leaves(child, (*prefix, key))
    elif isinstance(value, list):
        if not value:
            yield prefix, value
        for i, child in enumerate(value):
            yield from leaves(child, (*prefix, i))
    else:
        yield prefix, value


def get(value: Any, path: Path, default: Any = None) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return default
        elif not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value


def last_key(path: Path) -> str | None:
    return next((p for p in reversed(path) if isinstance(p, str)), None)


def canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# --------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------

DNS_NAMES = st.from_regex(r"\A[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5})?\Z")
LABEL_KEYS = st.sampled_from(
    [
        "app",
        "team",
        "app.kubernetes.io/name",
        "app.kubernetes.io/part-of",
        "kueue.x-k8s.io/queue-name",
        "example.com/owner",
        "a.b",
    ]
)
LABEL_VALUES = st.from_regex(r"\A([a-z0-9]([a-z0-9.-]{0,6}[a-z0-9])?)?\Z")
TRICKY_STRINGS = st.sampled_from(
    [
        "yes",
        "on",
        "NO",
        "null",
        "~",
        "1.0",
        "0x1F",
        "2025-09-10T05:19:30Z",
        "",
        "a: b",
        "- x",
        "{x}",
        "line1\nline2",
        "trail\n",
        " lead",
        "true",
        "1_000",
        "=",
        "#c",
        "y",
        "n",
        "1e3",
        "-.5",
        "0o17",
    ]
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
ANNOTATION_VALUES = st.one_of(TRICKY_STRINGS, TEXT)

IMAGES = st.sampled_from(
    ["pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime", "ghcr.io/acme/train:v1", "train:latest"]
)
ENV_NAMES = st.sampled_from(
    [
        "PYTHONUNBUFFERED",
        "MASTER_ADDR",
        "MASTER_PORT",
        "WORLD_SIZE",
        "RANK",
        "PET_NNODES",
        "NCCL_DEBUG",
        "LOGLEVEL",
        "HF_HOME",
        "OMP_NUM_THREADS",
        "NCCL_DEBUG",
        "LOGLEVEL",
    ]
)
ENV_VALUE_FROM = st.sampled_from(
    [
        {"fieldRef": {"fieldPath": "metadata.name"}},
        {"secretKeyRef": {"name": "hf-token", "key": "token"}},
        {"configMapKeyRef": {"name": "settings", "key": "level", "optional": True}},
    ]
)
TORCHRUN_FLAGS = st.sampled_from(
    [
        ("--nnodes=2",),
        ("--nnodes", "3"),
        ("--nnodes=1:4",),
        ("--nproc_per_node=4",),
        ("--nproc-per-node", "2"),
        ("--nproc_per_node=gpu",),
        ("--rdzv_backend=c10d",),
        ("--rdzv-endpoint=$(MASTER_ADDR):29400",),
        ("--rdzv_id", "job1"),
        ("--standalone",),
        ("--master_port=29500",),
        ("--node_rank", "0"),
        ("--max_restarts=3",),  # kept: not a rendezvous flag
        ("--log-dir", "/tmp/logs"),  # kept
        ("--no-python",),  # kept
    ]
)
SCRIPTS = st.sampled_from(
    [("train.py",), ("/workspace/train.py", "--epochs=3"), ("python3", "t.py")]
)
SCRIPT_ARGS = st.lists(
    st.sampled_from(["--epochs", "2", "--lr=0.01", "--backend=nccl"]), max_size=3
)


@st.composite
def launch(draw: st.DrawFn) -> dict[str, Any]:
    """command/args of the pytorch container."""
    form = draw(
        st.sampled_from(
            ["torchrun", "module", "torchrun-args", "plain", "plain", "shell", "absent", "empty"]
        )
    )
    flags = [t for f in draw(st.lists(TORCHRUN_FLAGS, unique=True, max_size=4)) for t in f]
    script = list(draw(SCRIPTS))
    out: dict[str, Any] = {}
    if form == "torchrun":
        out["command"] = ["torchrun", *flags, *script]
    elif form == "module":
        out["command"] = ["python3", "-m", "torch.distributed.run", *flags, *script]
    elif form == "torchrun-args":
        out["command"] = ["torchrun"]
        out["args"] = [*flags, *script]
    elif form == "plain":
        out["command"] = ["python3", "train.py"]
    elif form == "shell":
        out["command"] = [
            "bash",
            "-c",
            draw(
                st.sampled_from(
                    ["torchrun --nnodes=2 --nproc_per_node=4 train.py", "cd /w && python train.py"]
                )
            ),
        ]
    elif form == "empty":
        out["command"] = []
    if form != "torchrun-args" and draw(st.booleans()):
        out["args"] = draw(SCRIPT_ARGS)
    return out


@st.composite
def env_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(ENV_NAMES, unique=True, max_size=4))
    env = []
    for name in names:
        if draw(st.integers(0, 3)) == 0:
            env.append({"name": name, "valueFrom": draw(ENV_VALUE_FROM)})
        else:
            env.append({"name": name, "value": draw(st.one_of(TRICKY_STRINGS, st.just("1")))})
    return env


RESOURCE_AMOUNTS = {
    "cpu": st.sampled_from(["500m", "2", 4, "1.5"]),
    "memory": st.sampled_from(["1Gi", "512Mi", 1073741824]),
    "nvidia.com/gpu": st.sampled_from([1, 2, "4"]),
    "nvidia.com/mig-1g.5gb": st.just(1),
}
RESOURCE_LISTS = st.fixed_dictionaries({}, optional=RESOURCE_AMOUNTS)
RESOURCES = st.one_of(
    st.fixed_dictionaries({}, optional={"limits": RESOURCE_LISTS, "requests": RESOURCE_LISTS}),
    st.just({}),
)
VOLUME_SOURCES = st.sampled_from(
    [
        {"emptyDir": {}},
        {"persistentVolumeClaim": {"claimName": "pvc"}},
        {"configMap": {"name": "cfg", "defaultMode": 420}},
    ]
)
PORTS = st.sampled_from(
    [
        [{"name": "pytorchjob-port", "containerPort": 23456}],
        [{"name": "pytorchjob-port", "containerPort": 29400, "protocol": "TCP"}],
        [
            {"name": "pytorchjob-port", "containerPort": 23456},
            {"name": "metrics", "containerPort": 8080},
        ],
        [{"containerPort": 8080}],
    ]
)


CONTAINER_FIELDS = {
    "env": env_lists(),
    "resources": RESOURCES,
    "ports": PORTS,
    "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent"]),
    "securityContext": st.sampled_from([{"runAsNonRoot": True}, {}]),
}
#: container fields only a generated TrainingRuntime carries (drawn for "rich" jobs)
RUNTIME_CONTAINER_FIELDS = {
    "workingDir": st.just("/workspace"),
    "envFrom": st.just([{"configMapRef": {"name": "env"}}]),
}


@st.composite
def pytorch_container(draw: st.DrawFn, volume: str | None, rich: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "pytorch", "image": draw(IMAGES)}
    container.update(draw(launch()))
    fields = {**CONTAINER_FIELDS, **RUNTIME_CONTAINER_FIELDS} if rich else CONTAINER_FIELDS
    container.update(draw(st.fixed_dictionaries({}, optional=fields)))
    if volume is not None:
        container["volumeMounts"] = [{"name": volume, "mountPath": "/data", "readOnly": True}]
    return container


#: pod fields a TrainJob patch carries (per target)
POD_FIELDS = {
    "nodeSelector": st.dictionaries(
        st.sampled_from(["node.kubernetes.io/instance-type", "gpu", "zone"]),
        LABEL_VALUES,
        max_size=2,
    ),
    "tolerations": st.sampled_from(
        [[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}], []]
    ),
    "affinity": st.just(
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": "zone", "operator": "In", "values": ["a", "b"]}
                            ]
                        }
                    ]
                }
            }
        }
    ),
    "serviceAccountName": st.just("trainer"),
    "securityContext": st.sampled_from([{"fsGroup": 1000, "runAsUser": 1000}, {}]),
    "imagePullSecrets": st.just([{"name": "regcred"}]),
    "terminationGracePeriodSeconds": st.integers(0, 120),
}
#: pod fields only a generated TrainingRuntime carries (drawn for "rich" jobs)
RUNTIME_POD_FIELDS = {
    "priorityClassName": st.sampled_from(["high", "low"]),
    "hostNetwork": st.booleans(),
    "schedulerName": st.just("volcano"),
    "initContainers": st.builds(
        lambda name: [{"name": name, "image": "busybox", "command": ["sh", "-c", "true"]}],
        st.sampled_from(["init", "node"]),
    ),
}
SIDECARS = st.builds(
    lambda name: {"name": name, "image": "fluent/fluent-bit:3", "args": ["-c", "/fb.conf"]},
    st.sampled_from(["logger", "node"]),
)
RARELY = st.sampled_from([False, False, False, True])


@st.composite
def templates(draw: st.DrawFn, rich: bool) -> dict[str, Any]:
    volume = draw(st.sampled_from([None, "data"]))
    fields = {**POD_FIELDS, **RUNTIME_POD_FIELDS} if rich else POD_FIELDS
    pod: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=fields))
    containers = [draw(pytorch_container(volume, rich))]
    if rich and draw(RARELY):
        containers.insert(draw(st.integers(0, 1)), draw(SIDECARS))
    pod["containers"] = containers
    if volume is not None:
        pod["volumes"] = [{"name": volume, **draw(VOLUME_SOURCES)}]
    template: dict[str, Any] = {}
    meta = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "labels": st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=2),
                "annotations": st.dictionaries(
                    st.sampled_from(["sidecar.istio.io/inject", "prometheus.io/scrape"]),
                    st.sampled_from(["false", "true"]),
                    max_size=2,
                ),
            },
        )
    )
    if meta:
        template["metadata"] = meta
    template["spec"] = pod
    return template


RESTART_POLICIES = st.sampled_from(
    [None, None, "OnFailure", "OnFailure", "Never", "ExitCode", "Always"]
)


def _replica(template: dict[str, Any], replicas: int | None, restart: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    if restart is not None:
        spec["restartPolicy"] = restart
    spec["template"] = template
    return spec


@st.composite
def tweak(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """The same template, or one slightly different (what templateMismatch is about)."""
    other = copy.deepcopy(template)
    change = draw(
        st.sampled_from(["same", "same", "same", "image", "env", "node-selector", "args"])
    )
    container = next(c for c in other["spec"]["containers"] if c["name"] == "pytorch")
    if change == "image":
        container["image"] = container["image"] + "-worker"
    elif change == "env":
        container.setdefault("env", []).append({"name": "ROLE", "value": "worker"})
    elif change == "node-selector":
        other["spec"]["nodeSelector"] = {"pool": "workers"}
    elif change == "args":
        container["args"] = ["--worker"]
    return other


PLAIN_RUN_POLICY = st.fixed_dictionaries(
    {},
    optional={
        "suspend": st.booleans(),
        "activeDeadlineSeconds": st.integers(1, 100_000),
        "cleanPodPolicy": st.just("None"),
        "managedBy": st.sampled_from(
            ["kubeflow.org/training-operator", "kueue.x-k8s.io/multikueue"]
        ),
    },
)
RUN_POLICY = st.fixed_dictionaries(
    {},
    optional={
        "suspend": st.booleans(),
        "backoffLimit": st.integers(0, 10),
        "activeDeadlineSeconds": st.integers(0, 100_000),
        "ttlSecondsAfterFinished": st.integers(0, 10_000),
        "cleanPodPolicy": st.sampled_from(["None", "All", "Running"]),
        "managedBy": st.sampled_from(
            ["kubeflow.org/training-operator", "kueue.x-k8s.io/multikueue"]
        ),
        "schedulingPolicy": st.fixed_dictionaries(
            {},
            optional={
                "minAvailable": st.integers(1, 4),
                "queue": st.just("research"),
                "priorityClass": st.sampled_from(["high", "batch"]),
                "scheduleTimeoutSeconds": st.integers(1, 600),
                "minResources": st.just({"cpu": "8", "nvidia.com/gpu": 2}),
            },
        ),
    },
)


@st.composite
def pytorchjobs(draw: st.DrawFn) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": draw(DNS_NAMES)}
    if draw(st.booleans()):
        metadata["namespace"] = draw(st.sampled_from(["team-a", "ml"]))
    labels = draw(st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=3))
    if labels:
        metadata["labels"] = labels
    annotations = draw(st.dictionaries(LABEL_KEYS, ANNOTATION_VALUES, max_size=3))
    if annotations:
        metadata["annotations"] = annotations

    rich = draw(st.booleans())  # also fields only a generated runtime can carry
    roles = draw(st.sampled_from(["master", "worker", "both", "both"]))
    template = draw(templates(rich))
    specs: dict[str, Any] = {}
    if roles in ("master", "both"):
        specs["Master"] = _replica(
            template, draw(st.sampled_from([1, None])), draw(RESTART_POLICIES)
        )
    if roles in ("worker", "both"):
        worker_template = draw(tweak(template)) if roles == "both" else template
        restart = draw(RESTART_POLICIES)
        if roles == "both" and draw(st.booleans()):  # usually the same policy as the Master
            restart = specs["Master"].get("restartPolicy")
        specs["Worker"] = _replica(
            worker_template, draw(st.one_of(st.none(), st.integers(1, 8))), restart
        )

    spec: dict[str, Any] = {"pytorchReplicaSpecs": specs}
    nproc = draw(st.sampled_from([None, "auto", "gpu", "cpu", "4"]))
    if nproc is not None:
        spec["nprocPerNode"] = nproc
    run_policy = draw(RUN_POLICY if rich else PLAIN_RUN_POLICY)
    if run_policy or draw(st.booleans()):
        spec["runPolicy"] = run_policy
    if "Worker" in specs and draw(RARELY):  # v1: elastic needs a Worker
        fixed = sum(s.get("replicas") or 1 for s in specs.values())
        elastic = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "minReplicas": st.sampled_from([1, fixed]),
                    "maxReplicas": st.sampled_from([fixed, fixed + 2]),
                    "rdzvBackend": st.just("c10d"),
                    "rdzvId": st.just("abc"),
                    "maxRestarts": st.integers(0, 5),
                    "standalone": st.booleans(),
                    "metrics": st.just(
                        [
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "target": {"type": "Utilization", "averageUtilization": 80},
                                },
                            }
                        ]
                    ),
                },
            )
        )
        if nproc is None and draw(st.booleans()):  # v1: not both nprocPerNode and this
            elastic["nProcPerNode"] = draw(st.sampled_from([1, 4]))
        spec["elasticPolicy"] = elastic
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": metadata,
        "spec": spec,
    }


FILLERS = st.sampled_from(
    [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}},
        {  # a lookalike of another group: not a Training Operator job
            "apiVersion": "example.com/v1",
            "kind": "TFJob",
            "metadata": {"name": "tf"},
            "spec": {"tfReplicaSpecs": {"Worker": {"replicas": 2}}},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "PyTorchJob"},
            "spec": {"replicas": 1},
        },
        {
            "apiVersion": "example.com/v1",
            "kind": "PyTorchJob",
            "metadata": {"name": "not-ours"},
            "spec": {"pytorchReplicaSpecs": {"Master": {"replicas": "x"}}},
        },
        {
            "apiVersion": "trainer.kubeflow.org/v1alpha1",
            "kind": "TrainJob",
            "metadata": {"name": "existing"},
            "spec": {"runtimeRef": {"name": "torch-distributed"}},
        },
    ]
)

OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "targetVersion": st.sampled_from(["2.0", "2.1", "2.2", "2.3"]),
        "elastic": st.sampled_from(["error", "fixed"]),
        "templateMismatch": st.sampled_from(["error", "master", "master", "worker"]),
        "launchEnv": st.sampled_from(["v1-compat", "torchrun", "none"]),
        "generateRuntime": st.sampled_from(["true", "false"]),
        "strict": st.sampled_from(["true", "false"]),
    },
)


def is_torchrun(container: Mapping[str, Any]) -> bool:
    """The command is torchrun or python -m torch.distributed.run (what the converter strips)."""
    command = [str(t) for t in container.get("command") or []]
    if not command:
        return False
    program = command[0].rsplit("/", 1)[-1]
    return program == "torchrun" or (
        program.startswith("python") and "torch.distributed.run" in command[1:4]
    )


def runs_torchrun(container: Mapping[str, Any]) -> bool:
    """torchrun directly, or inside a ``sh -c`` script: either reads PET_NPROC_PER_NODE."""
    command = [str(t) for t in container.get("command") or []]
    shell = bool(command) and command[0].rsplit("/", 1)[-1] in ("sh", "bash") and "-c" in command
    return is_torchrun(container) or (shell and "torchrun" in " ".join(command))


def avoid_known_bugs(job: dict[str, Any], options: Mapping[str, str]) -> None:
    """Steer clear of converter bugs already reported, so the properties keep finding new ones.

    Each shape changed here has an xfail(strict) test at the end of this file; when the bug
    is fixed that test passes (and so fails as XPASS): delete its xfail mark and the lines here.
    """
    # no open bug to avoid at the moment


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Any], int, dict[str, str]]:
    job = draw(pytorchjobs())
    options = draw(OPTIONS)
    avoid_known_bugs(job, options)
    fillers = draw(st.lists(FILLERS, max_size=3))
    position = draw(st.integers(0, len(fillers)))
    items = [copy.deepcopy(f) for f in fillers]
    items.insert(position, job)
    return items, position, options


# --------------------------------------------------------------------------------------
# the by-design allowlist: leaves that are transformed, not copied, on purpose
# --------------------------------------------------------------------------------------

V1_INJECTED_ENV = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK")
TORCHRUN_VALUE_FLAGS = {
    "nnodes",
    "nproc-per-node",
    "rdzv-backend",
    "rdzv-endpoint",
    "rdzv-id",
    "rdzv-conf",
    "max-restarts",
    "node-rank",
    "master-addr",
    "master-port",
    "log-dir",
    "tee",
    "redirects",
}
#: keys carried under another name
RENAMED = {
    # runPolicy.schedulingPolicy.priorityClass -> pod priorityClassName of a generated runtime
    "priorityClass": "priorityClassName",
}


class Job:
    """What the allowlist needs to know about one job and its conversion."""

    def __init__(
        self,
        job: dict[str, Any],
        config: FunctionConfig,
        trainjob: dict[str, Any],
        results: list[Result],
    ) -> None:
        self.job = job
        self.config = config
        self.trainjob = trainjob
        self.trainer = trainjob["spec"]["trainer"]
        self.results = results
        self.fields = {r.field for r in results if r.field}
        specs = job["spec"]["pytorchReplicaSpecs"]
        self.roles = dict(specs)
        if config.template_mismatch == "worker" and "Worker" in specs:
            self.primary = "Worker"
        else:
            self.primary = "Master" if "Master" in specs else "Worker"
        self.pod_path: Path = (*SPECS, self.primary, "template", "spec")
        containers = get(job, (*self.pod_path, "containers"))
        self.index = next(i for i, c in enumerate(containers) if c["name"] == "pytorch")
        self.container_path: Path = (*self.pod_path, "containers", self.index)
        self.container = containers[self.index]

    def names(self, path: Path) -> bool:
        """A result of any severity names exactly this path."""
        return fmt(path) in self.fields

    def under_container(self, path: Path, key: str) -> int | None:
        """The index i when path is <pytorch container>.<key>[i]..., else None."""
        base = (*self.container_path, key)
        if path[: len(base)] == base and len(path) > len(base) and isinstance(path[len(base)], int):
            return path[len(base)]
        return None

    def launch_tokens(self) -> list[tuple[str, Path]]:
        c = self.container
        return [
            (str(t), (*self.container_path, "command", i))
            for i, t in enumerate(c.get("command") or [])
        ] + [(str(t), (*self.container_path, "args", i)) for i, t in enumerate(c.get("args") or [])]

    def is_torchrun(self) -> bool:
        return is_torchrun(self.container)

    def nproc_flag(self) -> Path | None:
        for token, path in self.launch_tokens():
            if token.lstrip("-").split("=")[0].replace("_", "-") == "nproc-per-node":
                return path
            if " " in token and re.search(r"--nproc[-_]per[-_]node", token):
                return path  # inside a shell -c script (the converter cuts it there)
        return None


def by_design(case: Job, path: Path, value: Any) -> str | None:
    """Why a leaf that is neither copied nor named by a warning/error is fine, or None."""
    job, trainer = case.job, case.trainer
    # apiVersion/kind: the object becomes a trainer.kubeflow.org/v1alpha1 TrainJob (b.1 #1).
    if path in (("apiVersion",), ("kind",)):
        return "replaced by the TrainJob's apiVersion/kind"
    if path[:2] == SPECS and len(path) >= 4:
        role, rest = path[2], path[3:]
        # replicas of all roles are summed into trainer.numNodes (b.1 #6); checked here.
        if rest == ("replicas",):
            total = sum((s.get("replicas") or 1) for s in case.roles.values())
            assert trainer.get("numNodes") == total, (trainer, total)
            return "summed into numNodes"
        # restartPolicy OnFailure is JobSet's default pod restartPolicy (b.1 #7).
        if rest == ("restartPolicy",) and value == "OnFailure":
            return "OnFailure is the JobSet default"
        # a non-primary template value identical to the primary's is carried from there.
        if role != case.primary:
            primary_value = get(job, (*SPECS, case.primary, *rest), _MISSING)
            if rest == ("restartPolicy",):
                primary_value = job["spec"]["pytorchReplicaSpecs"][case.primary].get(
                    "restartPolicy", "OnFailure"
                )
            if primary_value == value:
                return f"identical to the {case.primary} template"
            return None
    # the container named pytorch becomes container node of the runtime (b.4).
    if path == (*case.container_path, "name"):
        return "container pytorch is the runtime's container node"
    # v1's own pytorchjob-port: v2 declares port 29500 itself (b.1 #17).
    port = case.under_container(path, "ports")
    if (
        port is not None
        and (case.container.get("ports") or [])[port].get("name") == "pytorchjob-port"
    ):
        return "pytorchjob-port replaced by the Trainer's port 29500"
    # MASTER_ADDR/MASTER_PORT/WORLD_SIZE/RANK set by the user were overridden by the v1
    # operator in every pod when a Master exists (b.1 #12); dropped with a result naming them.
    env = case.under_container(path, "env")
    if env is not None:
        entry = (case.container.get("env") or [])[env]
        if (
            entry.get("name") in V1_INJECTED_ENV
            and "Master" in case.roles
            and case.names((*case.container_path, "env", env))
        ):
            return "v1-injected env name: v1 overrode it"
    # torchrun rendezvous flags are removed with a result naming command[i]/args[i] (b.2);
    # a flag's separate value token goes with it.
    if (
        case.under_container(path, "command") is not None
        or case.under_container(path, "args") is not None
    ):
        tokens = case.launch_tokens()
        at = next(i for i, (_, p) in enumerate(tokens) if p == path)
        if case.names(path):
            return "torchrun flag removed, named by a result"
        if at > 0 and case.names(tokens[at - 1][1]):
            flag = tokens[at - 1][0]
            if "=" not in flag and flag.lstrip("-").replace("_", "-") in TORCHRUN_VALUE_FLAGS:
                return "value of a removed torchrun flag"
        return None
    # nprocPerNode: mapped into numProcPerNode, or omitted where v2's default is the same (b.2).
    if path in (("spec", "nprocPerNode"), ("spec", "elasticPolicy", "nProcPerNode")):
        return _nproc(case, str(value))
    # imagePullPolicy: mapping b.1 #18 makes this drop info-level (a result names it).
    if path == (*case.container_path, "imagePullPolicy") and case.names(path):
        return "imagePullPolicy: info-level drop by design"
    # an explicitly empty map/list is the same as leaving it out; the converter says so in a
    # result naming it ("empty: the same as leaving it out").
    if value in ({}, []) and case.names(path):
        return "empty, named by a result as the same as absent"
    # pkg/core/job.go PastBackoffLimit counts no restartPolicy Never replica: v1 ignored it.
    if (
        path == ("spec", "runPolicy", "backoffLimit")
        and all(
            (spec or {}).get("restartPolicy") == "Never" for spec in job["spec"][SPECS[1]].values()
        )
        and case.names(path)
    ):
        return "backoffLimit had no effect on Never replicas in v1"
    # runPolicy.cleanPodPolicy None is what v2 does (b.1 #37).
    if path == ("spec", "runPolicy", "cleanPodPolicy") and value == "None":
        return "cleanPodPolicy None is the v2 behaviour"
    # the v1 operator's own managedBy: the TrainJob's default controller takes over (b.1 #33).
    if path == ("spec", "runPolicy", "managedBy") and value == "kubeflow.org/training-operator":
        return "v1 operator's managedBy"
    # elastic=fixed: min/maxReplicas equal to the fixed node count lose nothing (b.1 #36).
    if (
        path[:2] == ("spec", "elasticPolicy")
        and path[2:] in (("minReplicas",), ("maxReplicas",))
        and value == trainer.get("numNodes")
        and case.names(path)
    ):
        return "equals the fixed numNodes"
    return None


def _nproc(case: Job, value: str) -> str | None:
    """nprocPerNode / elasticPolicy.nProcPerNode, per mapping.md b.2."""
    emitted = case.trainer.get("numProcPerNode")
    if emitted == value or (value.isdigit() and emitted == int(value)):
        return "carried as numProcPerNode"
    flag = case.nproc_flag()
    if runs_torchrun(case.container) and flag is not None and case.names(flag):
        return "overridden by --nproc-per-node (torchrun preferred the flag in v1 too)"
    if not runs_torchrun(case.container) and not value.isdigit():
        return "a non-torchrun command never read a symbolic nprocPerNode"
    if value == "auto" and emitted is None and case.config.target_version in ("2.0", "2.1"):
        return "auto is the 2.0/2.1 runtime default"
    resources = case.container.get("resources") or {}
    names = {n for section in resources.values() for n in (section or {})}
    if value in ("auto", "gpu") and emitted is None and any("gpu" in n.lower() for n in names):
        return "v2 resolves auto to the GPUs of the node"
    if value in ("auto", "gpu") and emitted is not None and emitted == _accelerators(resources):
        return "made explicit: the accelerator count"
    if value == "cpu" and emitted is not None:
        cpu = (resources.get("requests") or {}).get(
            "cpu", (resources.get("limits") or {}).get("cpu")
        )
        if cpu is not None and emitted == max(1, math.ceil(_quantity(cpu))):
            return "made explicit: the CPU request"
    return None


def _accelerators(resources: Mapping[str, Any]) -> int | None:
    """Accelerators per node: limits, else requests, of every resource but cpu and memory."""
    for section in ("limits", "requests"):
        total = sum(
            int(_quantity(v))
            for n, v in (resources.get(section) or {}).items()
            if n not in ("cpu", "memory")
        )
        if total:
            return total
    return None


_MISSING = object()


# --------------------------------------------------------------------------------------
# the properties
# --------------------------------------------------------------------------------------


def _job_results(results: list[Result], job: dict[str, Any]) -> list[Result]:
    meta = job["metadata"]
    return [
        r
        for r in results
        if r.resource is not None
        and r.resource.kind == "PyTorchJob"
        and r.resource.name == meta["name"]
        and (r.resource.namespace or None) == meta.get("namespace")
    ]


def _output_index(objects: list[dict[str, Any]]) -> set[tuple[str | None, str]]:
    return {(last_key(p), canon(v)) for obj in objects for p, v in leaves(obj)}


def check_lossless(
    job: dict[str, Any],
    objects: list[dict[str, Any]],
    results: list[Result],
    config: FunctionConfig,
) -> None:
    trainjob = objects[-1]
    case = Job(job, config, trainjob, results)
    loud = {
        r.field for r in results if r.field and r.severity in (Severity.ERROR, Severity.WARNING)
    }
    carried = _output_index(objects)
    silent = []
    for path, value in leaves(job):
        if any(fmt(path[:n]) in loud for n in range(1, len(path) + 1)):
            continue
        key = last_key(path)
        if (key, canon(value)) in carried or (RENAMED.get(key or ""), canon(value)) in carried:
            continue
        if by_design(case, path, value) is not None:
            continue
        silent.append(f"{fmt(path)} = {value!r}")
    assert not silent, (
        "input fields neither carried into the output nor named by a warning/error result:\n  "
        + "\n  ".join(silent)
        + "\nresults:\n  "
        + "\n  ".join(r.one_line() for r in results)
    )
    # stronger than the (key, value) index for env: a kept user env entry is kept whole.
    for i, entry in enumerate(case.container.get("env") or []):
        path = (*case.container_path, "env", i)
        if any(fmt(path[:n]) in loud for n in range(1, len(path) + 1)) or by_design(
            case, (*path, "name"), entry["name"]
        ):
            continue
        assert entry in trainjob["spec"]["trainer"].get("env", []), (
            entry,
            trainjob["spec"]["trainer"],
        )
    if "image" in case.container:
        assert trainjob["spec"]["trainer"]["image"] == case.container["image"]


def check_valid_output(objects: list[dict[str, Any]]) -> None:
    """Names the API server keys lists by are unique in every emitted pod spec."""
    for obj in objects:
        for pod in _pod_specs(obj):
            names = [
                c.get("name") for c in pod.get("containers", []) + pod.get("initContainers", [])
            ]
            assert len(names) == len(set(names)), (
                f"duplicate container names {names} in {obj['kind']}"
            )
            volumes = [v.get("name") for v in pod.get("volumes", [])]
            assert len(volumes) == len(set(volumes)), f"duplicate volume names {volumes}"


def _pod_specs(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, Mapping):
        if "containers" in value and isinstance(value["containers"], list):
            yield value  # type: ignore[misc]
        for child in value.values():
            yield from _pod_specs(child)
    elif isinstance(value, list):
        for child in value:
            yield from _pod_specs(child)


def _quantity(value: Any) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def refusals(job: dict[str, Any], config: FunctionConfig) -> list[str]:
    """Why a valid job must not convert (mapping.md b.1/b.2 errors), independent of the code.

    ``strict`` is left out: it refuses whatever else is lossy.
    """
    reasons = []
    spec = job["spec"]
    specs = spec["pytorchReplicaSpecs"]
    elastic = "elasticPolicy" in spec
    if elastic and config.elastic == "error":
        reasons.append("elastic")
    if len(specs) == 2 and config.template_mismatch == "error":
        master, worker = (
            {k: v for k, v in specs[r].items() if k != "replicas"} for r in ("Master", "Worker")
        )
        for side in (master, worker):
            side.setdefault("restartPolicy", "OnFailure")
        if master != worker:
            reasons.append("templates differ")
    primary = (
        "Worker"
        if config.template_mismatch == "worker" and "Worker" in specs
        else ("Master" if "Master" in specs else "Worker")
    )
    pod = specs[primary]["template"]["spec"]
    container = next(c for c in pod["containers"] if c["name"] == "pytorch")
    reserved = {
        "PET_NNODES",
        "PET_NPROC_PER_NODE",
        "PET_NODE_RANK",
        "PET_MASTER_ADDR",
        "PET_MASTER_PORT",
    }
    # v1 overrode PET_NNODES/PET_NPROC_PER_NODE always, the rest with a Master (envvar.go
    # setPodEnv): those are dropped with a warning; one v1 left in place is an error
    overridden = {"PET_NNODES", "PET_NPROC_PER_NODE"} | (reserved if "Master" in specs else set())
    if any(e["name"] in reserved - overridden for e in container.get("env") or []):
        reasons.append("reserved env")
    others = [c for c in pod["containers"] if c is not container] + pod.get("initContainers", [])
    if others and not config.generate_runtime:
        reasons.append("sidecar or init container without a generated runtime")
    if any(c["name"] == "node" for c in others):  # b.4: the runtime's container is named node
        reasons.append("a container named node besides pytorch")
    command = container.get("command") or []
    if not command and config.target_version == "2.0":
        reasons.append("2.0 runtime command replaces the ENTRYPOINT")
    torchrun = is_torchrun(container)
    if not torchrun and not command and config.launch_env == "torchrun" and "Master" in specs:
        reasons.append("launchEnv torchrun without a command")
    if runs_torchrun(container) and config.target_version in ("2.2", "2.3"):
        nproc = str(
            spec.get("nprocPerNode", spec.get("elasticPolicy", {}).get("nProcPerNode", "auto"))
        )
        tokens = [str(t) for t in command + (container.get("args") or [])]
        for i, token in enumerate(tokens):
            name, eq, value = token.lstrip("-").partition("=")
            if torchrun and token.startswith("--") and name.replace("_", "-") == "nproc-per-node":
                nproc = value if eq else tokens[i + 1]
            # in a shell -c script the converter moves a literal flag value too (launcher.py)
            found = re.search(r"--nproc[-_]per[-_]node[= ]([\w]+)", token) if " " in token else None
            if (
                not torchrun
                and found
                and (found[1].isdigit() or found[1] in ("auto", "cpu", "gpu"))
            ):
                nproc = found[1]
        resources = container.get("resources") or {}
        names = {n for section in resources.values() for n in section}
        gpu = any("gpu" in n for n in names)
        accelerator = any(n not in ("cpu", "memory") for n in names)
        cpu = any("cpu" in section for section in resources.values())
        if nproc == "gpu" and not accelerator:
            reasons.append("nprocPerNode gpu without a GPU")
        if nproc == "cpu" and gpu and not cpu:
            reasons.append("nprocPerNode cpu on a GPU node without a CPU request")
    return reasons


@SETTINGS
@given(cases())
def test_lossless_or_loud(case: tuple[list[Any], int, dict[str, str]]) -> None:
    items, position, options = case
    config = from_function_config(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "fn-config"},
            "data": options,
        }
    )
    snapshot = copy.deepcopy(items)
    job = snapshot[position]

    if config.generate_runtime and config.target_version in ("2.0", "2.1"):
        # no runtime schema is shipped for these releases: the run stops, naming the option
        with pytest.raises(ConfigError, match="generateRuntime"):
            process(items, config)
        config = config.replace(generate_runtime=False)

    outcome = process(items, config)  # (a): no exception
    assert items == snapshot, "process() changed its input"
    internal = [
        r.one_line()
        for r in outcome.results
        if r.rule in ("structure", "internal", "output-schema")
    ]
    # structure: the strategy built an invalid PyTorchJob (a test bug); internal: a crash the
    # pipeline caught; output-schema: the converter built an invalid TrainJob/TrainingRuntime
    assert not internal, internal
    results = _job_results(outcome.results, job)
    assert results == outcome.results, "a result that is not about the PyTorchJob"

    # (f) the other items, unchanged and in order, around what stands for the job
    tail = len(snapshot) - position - 1
    out = outcome.items
    assert out[:position] == snapshot[:position]
    assert out[len(out) - tail :] == snapshot[position + 1 :]
    produced = out[position : len(out) - tail]

    # (c) converted, or untouched with an error; and refused exactly when mapping.md says so
    errors = [r for r in results if r.severity is Severity.ERROR]
    reasons = refusals(job, config)
    if reasons:
        assert errors, f"converted although {reasons}"
    elif not config.strict:
        assert not errors, "refused a job mapping.md says converts:\n" + "\n".join(
            r.one_line() for r in errors
        )
    if errors:
        event("left unchanged")
        assert produced == [job], "a job with errors must stay exactly as it was"
    else:
        event("converted" + (" with runtime" if len(produced) == 2 else ""))
        kinds = [o["kind"] for o in produced]
        assert kinds in (["TrainJob"], ["TrainingRuntime", "TrainJob"]), kinds
        trainjob = produced[-1]
        assert trainjob["apiVersion"] == "trainer.kubeflow.org/v1alpha1"
        assert trainjob["metadata"]["name"] == job["metadata"]["name"]
        assert trainjob["metadata"].get("namespace") == job["metadata"].get("namespace")
        assert CONVERTED_FROM in trainjob["metadata"]["annotations"]
        if len(produced) == 2:
            runtime = produced[0]
            assert config.generate_runtime
            assert trainjob["spec"]["runtimeRef"] == {
                "apiGroup": "trainer.kubeflow.org",
                "kind": "TrainingRuntime",
                "name": runtime["metadata"]["name"],
            }
        check_valid_output(produced)
        # (b) every input leaf carried or named
        check_lossless(job, produced, results, config)
    assert errors or results, "a converted job always has its summary result"

    # (d) determinism
    again = process(copy.deepcopy(snapshot), config)
    assert again.items == outcome.items
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in outcome.results]

    # (e) idempotence: the output run again is unchanged, and a converted job adds no error
    rerun = process(copy.deepcopy(outcome.items), config)
    assert rerun.items == outcome.items
    rerun_errors = [r.to_dict() for r in rerun.results if r.severity is Severity.ERROR]
    assert rerun_errors == [r.to_dict() for r in errors]

    # the wire format carries the output as it is (YAML round trip)
    text = krm.serialize(krm.ResourceList(items=outcome.items, function_config=None))
    assert krm.parse(text).items == outcome.items


# --------------------------------------------------------------------------------------
# the checker itself can fail
# --------------------------------------------------------------------------------------


def _job(
    pod: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    restart: str | None = None,
) -> dict[str, Any]:
    pytorch = {
        "name": "pytorch",
        "image": "img:1",
        "command": ["torchrun", "train.py"],
        **(container or {}),
    }
    pod_spec = {**(pod or {})}
    pod_spec["containers"] = [*pod_spec.get("containers", []), pytorch]
    master: dict[str, Any] = {"replicas": 1, "template": {"spec": pod_spec}}
    if restart is not None:
        master["restartPolicy"] = restart
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "job"},
        "spec": {"pytorchReplicaSpecs": {"Master": master}, **(spec or {})},
    }


def _convert(
    job: dict[str, Any], **options: Any
) -> tuple[list[dict[str, Any]], list[Result], FunctionConfig]:
    config = FunctionConfig(**options)
    outcome = process([copy.deepcopy(job)], config)
    return outcome.items, outcome.results, config


def test_checker_reports_a_field_missing_from_the_output() -> None:
    job = _job(pod={"nodeSelector": {"pool": "gpu"}}, spec={"nprocPerNode": "4"})
    objects, results, config = _convert(job)
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(job, objects, results, config)  # as converted: fine
    patch = objects[-1]["spec"]["runtimePatches"][0]["trainingRuntimeSpec"]["template"]["spec"]
    del patch["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]["nodeSelector"]
    try:
        check_lossless(job, objects, results, config)
    except AssertionError as exc:
        assert "spec.pytorchReplicaSpecs.Master.template.spec.nodeSelector.pool = 'gpu'" in str(exc)
    else:
        raise AssertionError("a dropped nodeSelector went unnoticed")
    # ... and a warning naming the field (or a parent of it) makes the loss loud enough
    loud = Result(
        "dropped",
        Severity.WARNING,
        "test",
        results[0].resource,
        "spec.pytorchReplicaSpecs.Master.template.spec.nodeSelector",
    )
    check_lossless(job, objects, [*results, loud], config)
    info = loud.replace(severity=Severity.INFO)
    try:
        check_lossless(job, objects, [*results, info], config)
    except AssertionError:
        pass
    else:
        raise AssertionError("an info result must not count as loud")


def test_checker_prints_paths_as_the_results_do() -> None:
    assert (
        fmt(("metadata", "labels", "app.kubernetes.io/name"))
        == "metadata.labels[app.kubernetes.io/name]"
    )
    assert fmt((*SPECS, "Master", "template", "spec", "containers", 0, "env", 1)) == (
        "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].env[1]"
    )
    job = _job(container={"env": [{"name": "PET_NNODES", "value": "2"}]})
    _, results, _ = _convert(job)
    assert "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].env[0]" in {
        r.field for r in results if r.severity is not Severity.INFO
    }


def test_checker_reports_duplicate_container_names() -> None:
    pod = {"containers": [{"name": "node", "image": "a"}, {"name": "node", "image": "b"}]}
    try:
        check_valid_output([{"kind": "TrainingRuntime", "spec": {"template": {"spec": pod}}}])
    except AssertionError:
        return
    raise AssertionError("duplicate container names went unnoticed")


# --------------------------------------------------------------------------------------
# reported converter bugs (avoid_known_bugs keeps the property test clear of them)
# --------------------------------------------------------------------------------------

EMPTY_SHAPES = {
    "command []": _job(container={"command": []}),
    "args []": _job(container={"args": []}),
    "env []": _job(container={"env": []}),
    "resources {}": _job(container={"resources": {}}),
    "runPolicy {}": _job(spec={"runPolicy": {}}),
    "schedulingPolicy {}": _job(spec={"runPolicy": {"schedulingPolicy": {}}}),
}


@pytest.mark.parametrize("shape", list(EMPTY_SHAPES))
def test_empty_values_are_named(shape: str) -> None:
    job = EMPTY_SHAPES[shape]
    objects, results, config = _convert(job)
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(job, objects, results, config)


WORKER_ONLY_ELASTIC = {
    "apiVersion": "kubeflow.org/v1",
    "kind": "PyTorchJob",
    "metadata": {"name": "job"},
    "spec": {
        "pytorchReplicaSpecs": {
            "Worker": {
                "replicas": 2,
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "pytorch", "image": "img:1", "command": ["torchrun", "t.py"]}
                        ]
                    }
                },
            }
        },
        # v1 treats any elasticPolicy, even {}, as elastic (PET_RDZV_* env, PET_NNODES min:max)
        "elasticPolicy": {},
    },
}


def test_bug_empty_elastic_policy_vanishes() -> None:
    objects, results, config = _convert(WORKER_ONLY_ELASTIC, elastic="fixed")
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(WORKER_ONLY_ELASTIC, objects, results, config)


def test_pod_priority_class_is_not_overwritten_silently() -> None:
    """Was BUG 2: schedulingPolicy.priorityClass replaced the pod's priorityClassName."""
    job = _job(
        pod={"priorityClassName": "low"},
        spec={"runPolicy": {"schedulingPolicy": {"priorityClass": "high"}}},
    )
    objects, results, config = _convert(job, generate_runtime=True)
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(job, objects, results, config)


def test_exit_code_restart_policy_is_loud() -> None:
    """Was BUG 3: ExitCode became Never in the generated runtime with an info "carried"."""
    job = _job(restart="ExitCode")
    objects, results, config = _convert(job, generate_runtime=True)
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(job, objects, results, config)


def test_torchrun_wrapper_does_not_drop_nproc_silently() -> None:
    """Was BUG 4: launchEnv=torchrun turned nprocPerNode 4 into numProcPerNode 1 silently
    (v1 gave the script WORLD_SIZE = 1 x 4; torchrun --nproc-per-node 1 gives it 1)."""
    job = _job(container={"command": ["python3", "train.py"]}, spec={"nprocPerNode": "4"})
    objects, results, config = _convert(job, launch_env="torchrun")
    assert not [r for r in results if r.severity is Severity.ERROR]
    check_lossless(job, objects, results, config)


@pytest.mark.parametrize("key", ["containers", "initContainers"])
def test_container_named_node_is_refused(key: str) -> None:
    """Was BUG 5: a sidecar/init container named node duplicated the runtime's container node."""
    job = _job(pod={key: [{"name": "node", "image": "exporter:1"}]})
    objects, results, _ = _convert(job, generate_runtime=True)
    errors = {r.field for r in results if r.severity is Severity.ERROR}
    if errors:  # refusing the job, naming the container, is one fix
        assert objects == [job]
        named = "spec.pytorchReplicaSpecs.Master.template.spec." + (
            "containers[0]" if key == "containers" else "initContainers"
        )
        assert any(f is not None and named.startswith(f) for f in errors), errors
    else:  # renaming it in the generated runtime would be another
        check_valid_output(objects)
