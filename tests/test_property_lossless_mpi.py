"""Property tests for MPIJobs: "lossless or loud" over valid MPIJobs of both operators.

A Hypothesis strategy builds valid MPIJobs — ``kubeflow.org/v2beta1`` (mpi-operator v0.8.0
validation: Launcher replicas 1, Worker replicas >= 1, restartPolicy Never/OnFailure) and
``kubeflow.org/v1`` (Training Operator v1.9.4) — on the images of the Trainer's MPI runtimes
or of their own, with random options, among unrelated items. For every example:

(a) no exception, no ``structure``/``internal``/``output-schema`` result;
(b) every input leaf is carried into the emitted TrainJob/TrainingRuntime (same key and
    value somewhere), or named (exactly or by a prefix) by a warning/error, or on the
    by-design list below (each entry says why);
(c) the job converts (TrainJob out, no error) or stays exactly as it was with an error;
(d) the same input gives the same output and results; (e) the output run again is unchanged;
(f) every other item passes through unchanged, in order.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from trainjob_migrate.config import from_function_config
from trainjob_migrate.errors import ConfigError
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import Result, Severity

Path = tuple[str | int, ...]
SPECS: Path = ("spec", "mpiReplicaSpecs")

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


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


def last_key(path: Path) -> str | None:
    return next((p for p in reversed(path) if isinstance(p, str)), None)


# --------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------

#: the Trainer's MPI runtime images (mpi-distributed 2.0, deepspeed-distributed 2.1) and others
IMAGES = st.sampled_from(
    [
        "mpioperator/mpi-pi:openmpi",
        "ghcr.io/kubeflow/trainer/deepspeed-runtime:v2.1.0",
        "horovod/horovod:0.28.1",
    ]
)
SSHD = {"command": ["/usr/sbin/sshd"], "args": ["-De", "-f", "/home/mpiuser/.sshd_config"]}
LAUNCH = st.sampled_from(
    [
        {"command": ["mpirun"], "args": ["-n", "2", "/home/mpiuser/pi"]},
        {"command": ["mpirun", "-np", "4", "python", "train.py", "--deepspeed"]},
        {"args": ["mpirun", "-n", "2", "/home/mpiuser/pi"]},
    ]
)
ENV = st.lists(
    st.sampled_from(
        [
            {"name": "NCCL_DEBUG", "value": "INFO"},
            {"name": "OMPI_MCA_orte_default_hostfile", "value": "/tmp/h"},
            {"name": "LOGLEVEL", "value": "yes"},
        ]
    ),
    unique_by=lambda e: e["name"],
    max_size=2,
)
RESOURCES = st.sampled_from(
    [{"limits": {"cpu": 1, "memory": "1Gi"}}, {"limits": {"nvidia.com/gpu": 2}}, {}]
)
POD_FIELDS = {
    "nodeSelector": st.just({"pool": "mpi"}),
    "tolerations": st.just([{"key": "gpu", "operator": "Exists"}]),
    "serviceAccountName": st.just("mpi"),
    "priorityClassName": st.just("high"),
    "hostNetwork": st.booleans(),
}
CONTAINER_FIELDS = {
    "env": ENV,
    "resources": RESOURCES,
    "securityContext": st.just({"runAsUser": 1000}),
    "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent"]),
    "workingDir": st.just("/workspace"),
}


@st.composite
def template(draw: st.DrawFn, launcher: bool, image: str) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": draw(st.sampled_from(["mpi", "mpi-launcher" if launcher else "mpi-worker"])),
        "image": image,
    }
    if launcher:
        container.update(draw(LAUNCH))
    elif draw(st.booleans()):
        container.update(SSHD)
    container.update(draw(st.fixed_dictionaries({}, optional=CONTAINER_FIELDS)))
    pod: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=POD_FIELDS))
    pod["containers"] = [container]
    if draw(st.sampled_from([False, False, True])):
        pod["containers"].append({"name": "logger", "image": "fluent/fluent-bit:3"})
    out: dict[str, Any] = {"spec": pod}
    if draw(st.booleans()):
        out["metadata"] = {"labels": {"app": "mpi"}}
    return out


@st.composite
def mpijobs(draw: st.DrawFn) -> dict[str, Any]:
    v1 = draw(st.sampled_from([False, False, True]))
    image = draw(IMAGES)
    restarts = ["OnFailure", "Never", None] if not v1 else ["OnFailure", "Never", "ExitCode", None]
    launcher: dict[str, Any] = {"replicas": 1, "template": draw(template(True, image))}
    worker: dict[str, Any] = {
        "replicas": draw(st.integers(1, 4)),
        "template": draw(template(False, image if draw(st.booleans()) else draw(IMAGES))),
    }
    for spec in (launcher, worker):
        policy = draw(st.sampled_from(restarts))
        if policy is not None:
            spec["restartPolicy"] = policy
    spec: dict[str, Any] = {"mpiReplicaSpecs": {"Launcher": launcher, "Worker": worker}}
    if v1:
        spec.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "slotsPerWorker": st.integers(1, 4),
                        "cleanPodPolicy": st.sampled_from(["None", "Running"]),
                    },
                )
            )
        )
    else:
        spec["slotsPerWorker"] = draw(st.integers(1, 4))  # required by mpi-operator
        spec.update(
            draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "runLauncherAsWorker": st.booleans(),
                        "sshAuthMountPath": st.sampled_from(["/home/mpiuser/.ssh", "/root/.ssh"]),
                        "mpiImplementation": st.sampled_from(["OpenMPI", "OpenMPI", "Intel"]),
                        "launcherCreationPolicy": st.sampled_from(
                            ["AtStartup", "WaitForWorkersReady"]
                        ),
                    },
                )
            )
        )
    run_policy = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "cleanPodPolicy": st.sampled_from(["None", "Running"]),
                "backoffLimit": st.integers(0, 6),
                "ttlSecondsAfterFinished": st.integers(0, 600),
                "activeDeadlineSeconds": st.integers(1, 3600),
                "schedulingPolicy": st.fixed_dictionaries(
                    {},
                    optional={
                        "minAvailable": st.integers(1, 5),
                        "queue": st.just("team-queue"),
                        "priorityClass": st.just("urgent"),
                        "scheduleTimeoutSeconds": st.integers(1, 600),
                    },
                ),
                "suspend": st.booleans(),
                "managedBy": st.sampled_from(
                    ["kubeflow.org/training-operator" if v1 else "kubeflow.org/mpi-operator"]
                ),
            },
        )
    )
    if run_policy:
        spec["runPolicy"] = run_policy
    metadata: dict[str, Any] = {"name": draw(st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z"))}
    if draw(st.booleans()):
        metadata["namespace"] = "team-a"
    return {
        "apiVersion": "kubeflow.org/v1" if v1 else "kubeflow.org/v2beta1",
        "kind": "MPIJob",
        "metadata": metadata,
        "spec": spec,
    }


FILLERS = st.sampled_from(
    [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}},
        {"apiVersion": "example.com/v1", "kind": "MPIJob", "metadata": {"name": "x"}},
    ]
)
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "targetVersion": st.sampled_from(["2.0", "2.1", "2.2", "2.3"]),
        "generateRuntime": st.sampled_from(["true", "false"]),
        "runtimeName": st.sampled_from(["deepspeed-distributed", "openmpi-runtime"]),
        "strict": st.sampled_from(["true", "false"]),
    },
)


# --------------------------------------------------------------------------------------
# the by-design list
# --------------------------------------------------------------------------------------


def by_design(job: dict[str, Any], path: Path, value: Any, trainjob: dict[str, Any]) -> str | None:
    trainer = trainjob["spec"]["trainer"]
    if path in (("apiVersion",), ("kind",)):
        return "replaced by the TrainJob's apiVersion/kind"
    if path[:2] == SPECS and len(path) == 4 and path[3] == "replicas":
        workers = job["spec"]["mpiReplicaSpecs"]["Worker"]["replicas"]
        assert trainer["numNodes"] in (workers, workers + 1), (trainer, workers)
        return "Worker replicas (plus the launcher as a node) are numNodes; Launcher's is 1"
    if path[:2] == SPECS and len(path) == 4 and path[3] == "restartPolicy":
        return "OnFailure/Never: the pods' restartPolicy, or reported when it changes"
    if path[:2] == SPECS and path[3:] == ("template", "spec", "containers", 0, "name"):
        return "the first container is the runtime's container node"
    roles = job["spec"]["mpiReplicaSpecs"].values()
    never = all(r.get("restartPolicy", "OnFailure") == "Never" for r in roles)
    if (
        path == ("spec", "runPolicy", "backoffLimit")
        and never
        and job["apiVersion"].endswith("/v1")
    ):
        return "the Training Operator ignored backoffLimit for Never replicas (an info says so)"
    if path == ("spec", "slotsPerWorker"):
        assert trainer["numProcPerNode"] == value
        return "numProcPerNode"
    if path in (
        ("spec", "runLauncherAsWorker"),
        ("spec", "sshAuthMountPath"),
        ("spec", "mpiImplementation"),
        ("spec", "launcherCreationPolicy"),
    ):
        return "the runtime's MPI policy; a difference is reported by mpi-runtime"
    if path in (("spec", "cleanPodPolicy"), ("spec", "runPolicy", "cleanPodPolicy")):
        return "None is the v2 behaviour" if value == "None" else None
    if path == ("spec", "runPolicy", "managedBy"):
        return "the operator's own managedBy"
    if path[:2] == SPECS and "env" in path and value == "OMPI_MCA_orte_default_hostfile":
        return "set by the Trainer's MPI plugin (and by the operator, after the user's)"
    if path[:2] == SPECS and "env" in path and path[-1] == "value":
        env = job
        for part in path[:-1]:
            env = env[part]
        if env["name"] == "OMPI_MCA_orte_default_hostfile":
            return "set by the Trainer's MPI plugin"
    return None


#: runPolicy.schedulingPolicy.priorityClass -> pod priorityClassName of a generated runtime
RENAMED = {"priorityClass": "priorityClassName"}


def check_lossless(
    job: dict[str, Any], produced: list[dict[str, Any]], results: list[Result]
) -> None:
    loud = {
        r.field for r in results if r.field and r.severity in (Severity.ERROR, Severity.WARNING)
    }
    named = {r.field for r in results if r.field}
    carried = {(last_key(p), json.dumps(v, sort_keys=True)) for o in produced for p, v in leaves(o)}
    trainjob = produced[-1]
    silent = []
    for path, value in leaves(job):
        if any(fmt(path[:n]) in loud for n in range(1, len(path) + 1)):
            continue
        key, text = last_key(path), json.dumps(value, sort_keys=True)
        if (key, text) in carried or (RENAMED.get(key or ""), text) in carried:
            continue
        if by_design(job, path, value, trainjob) is not None:
            continue
        if value in ({}, []) and fmt(path) in named:
            continue
        if (
            path[:2] == SPECS
            and path[2] == "Worker"
            and any(fmt(path[:n]) in named for n in (8, 9))
        ):  # the Worker's image/command/args, the same as the runtime's node (an info says so)
            continue
        silent.append(f"{fmt(path)} = {value!r}")
    assert not silent, (
        "neither carried nor named:\n  "
        + "\n  ".join(silent)
        + "\n"
        + "\n".join(r.one_line() for r in results)
    )


@SETTINGS
@given(
    job=mpijobs(),
    options=OPTIONS,
    fillers=st.lists(FILLERS, max_size=2),
    position=st.integers(0, 2),
)
def test_mpijob_lossless_or_loud(
    job: dict[str, Any], options: dict[str, str], fillers: list[Any], position: int
) -> None:
    _lossless_or_loud(job, options, fillers, position)


@SETTINGS
@given(
    job=mpijobs(),
    target=st.sampled_from(["2.2", "2.3"]),
    fillers=st.lists(FILLERS, max_size=2),
    position=st.integers(0, 2),
)
def test_mpijob_with_a_generated_runtime_converts(
    job: dict[str, Any], target: str, fillers: list[Any], position: int
) -> None:
    """The property above, where the job must convert: Hypothesis draws its options mostly
    empty, and with no generated runtime most MPIJobs match no installed runtime and are
    refused, so the lossless check (b) ran on a few examples in a hundred. With
    ``generateRuntime: true`` every valid MPIJob converts but an Intel one (mpi-operator's
    Intel MPI: the Trainer's MPI plugin runs only OpenMPI)."""
    options = {"generateRuntime": "true", "targetVersion": target}
    errors = _lossless_or_loud(job, options, fillers, position)
    if job["spec"].get("mpiImplementation") == "Intel":
        assert errors
    else:
        assert not errors, "refused:\n" + "\n".join(r.one_line() for r in errors)


def _lossless_or_loud(
    job: dict[str, Any], options: dict[str, str], fillers: list[Any], position: int
) -> list[Result]:
    position = min(position, len(fillers))
    items = [copy.deepcopy(f) for f in fillers]
    items.insert(position, job)
    config = from_function_config(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": options}
    )
    snapshot = copy.deepcopy(items)
    if config.generate_runtime and config.target_version in ("2.0", "2.1"):
        with pytest.raises(ConfigError, match="generateRuntime"):
            process(items, config)
        config = config.replace(generate_runtime=False)
    outcome = process(items, config)
    assert items == snapshot
    bad = [
        r.one_line()
        for r in outcome.results
        if r.rule in ("structure", "internal", "output-schema")
    ]
    assert not bad, bad
    tail = len(snapshot) - position - 1
    out = outcome.items
    assert out[:position] == snapshot[:position]
    assert out[len(out) - tail :] == snapshot[position + 1 :]
    produced = out[position : len(out) - tail]
    errors = [r for r in outcome.results if r.severity is Severity.ERROR]
    if job["spec"].get("mpiImplementation") == "Intel":
        assert errors
    if errors:
        event("left unchanged")
        assert produced == [job]
    else:
        event("converted" + (" with runtime" if len(produced) == 2 else ""))
        assert [o["kind"] for o in produced] in (["TrainJob"], ["TrainingRuntime", "TrainJob"])
        check_lossless(job, produced, outcome.results)
    again = process(copy.deepcopy(snapshot), config)
    assert again.items == outcome.items
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in outcome.results]
    rerun = process(copy.deepcopy(outcome.items), config)
    assert rerun.items == outcome.items
    return errors
