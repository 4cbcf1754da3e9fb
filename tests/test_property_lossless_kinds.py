"""Property tests: "lossless or loud" over arbitrary valid XGBoostJobs and JAXJobs.

The kinds beside PyTorchJob, on the strategies of ``test_property_lossless.py`` (pod and
container fields, run policies, function options, unrelated items around the job). A job is
valid as its v1 webhook saw it (``pkg/webhooks/{xgboost,jax}`` at kubeflow/trainer@v1.9.4:
XGBoost Master replicas 1, JAX only Worker, a container named ``xgboost``/``jax`` with an
image). For every example, as there: (a) no exception; (b) every input leaf carried, or named
by a warning/error, or on the by-design list below; (c) converted, or untouched with an
error, and refused exactly for the reasons :func:`refusals` derives from upstream; (d)
deterministic; (e) idempotent; (f) the other items unchanged. Besides: the variables the v1
operator set are in ``trainer.env`` with the v1 meaning (``pkg/controller.v1/xgboost/
xgboost.go`` ``SetPodEnv``, ``pkg/controller.v1/jax/envvar.go`` ``setPodEnv``), addressed
to the v2 nodes, unless ``launchEnv: none``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from test_property_lossless import (
    ANNOTATION_VALUES,
    DNS_NAMES,
    ENV_VALUE_FROM,
    FILLERS,
    LABEL_KEYS,
    LABEL_VALUES,
    PLAIN_RUN_POLICY,
    POD_FIELDS,
    RARELY,
    RENAMED,
    RESOURCES,
    RUN_POLICY,
    RUNTIME_CONTAINER_FIELDS,
    RUNTIME_POD_FIELDS,
    SETTINGS,
    TRICKY_STRINGS,
    VOLUME_SOURCES,
    canon,
    fmt,
    get,
    last_key,
    leaves,
)
from trainjob_migrate.config import FunctionConfig, from_function_config
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import Result, Severity

Path = tuple[str | int, ...]
INDEX = "metadata.annotations['batch.kubernetes.io/job-completion-index']"


class Kind:
    """What the test knows of a kind, written from upstream, not from the package."""

    def __init__(
        self,
        kind: str,
        specs: str,
        container: str,
        port: str,
        default_port: int,
        runtime: str,
        injected: tuple[str, ...],
        reserved: tuple[str, ...],
    ) -> None:
        self.kind, self.specs, self.container, self.port = kind, specs, container, port
        self.default_port, self.runtime = default_port, runtime
        self.injected, self.reserved = injected, reserved


XGBOOST = Kind(
    "XGBoostJob",
    "xgbReplicaSpecs",
    "xgboost",
    "xgboostjob-port",
    9999,
    "xgboost-distributed",
    ("MASTER_PORT", "MASTER_ADDR", "WORLD_SIZE", "RANK", "PYTHONUNBUFFERED"),
    ("DMLC_TRACKER_URI", "DMLC_TRACKER_PORT", "DMLC_TASK_ID", "DMLC_NUM_WORKER"),
)
JAX = Kind(
    "JAXJob",
    "jaxReplicaSpecs",
    "jax",
    "jaxjob-port",
    6666,
    "jax-distributed",
    ("PYTHONUNBUFFERED", "COORDINATOR_PORT", "COORDINATOR_ADDRESS", "NUM_PROCESSES", "PROCESS_ID"),
    ("JAX_NUM_PROCESSES", "JAX_PROCESS_ID", "JAX_COORDINATOR_ADDRESS"),
)
KINDS = {k.kind: k for k in (XGBOOST, JAX)}
WORKER_ENV = ("WORKER_PORT", "WORKER_ADDRS")  # XGBoost, with more than one replica


def injected(kind: Kind, nodes: int) -> tuple[str, ...]:
    extra = WORKER_ENV if kind is XGBOOST and nodes > 1 else ()
    return (*kind.injected, *extra)


# --------------------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------------------

COMMANDS = st.sampled_from(
    [
        None,
        ["python3", "train.py"],
        ["python", "-u", "/app/main.py", "--job_type=Train"],
        ["bash", "-c", "cd /w && python train.py"],
        [],
    ]
)
ARGS = st.sampled_from([None, ["--n_estimators=10", "--learning_rate=0.1"], []])


@st.composite
def env_lists(draw: st.DrawFn, kind: Kind) -> list[dict[str, Any]]:
    pool = [*kind.injected, *WORKER_ENV, "OMP_NUM_THREADS", "DATA_URI", "LOGLEVEL", "HF_HOME"]
    if draw(RARELY):
        pool.append(draw(st.sampled_from(kind.reserved)))
    names = draw(st.lists(st.sampled_from(pool), unique=True, max_size=4))
    env = []
    for name in names:
        if draw(st.integers(0, 3)) == 0:
            env.append({"name": name, "valueFrom": draw(ENV_VALUE_FROM)})
        else:
            env.append({"name": name, "value": draw(st.one_of(TRICKY_STRINGS, st.just("1")))})
    return env


@st.composite
def containers(draw: st.DrawFn, kind: Kind, volume: str | None, rich: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": kind.container, "image": "ghcr.io/acme/train:v1"}
    launch = {"command": draw(COMMANDS), "args": draw(ARGS)}
    container.update({k: v for k, v in launch.items() if v is not None})
    ports = st.sampled_from(
        [
            [{"name": kind.port, "containerPort": 9991}],
            [{"name": kind.port, "containerPort": kind.default_port, "protocol": "TCP"}],
            [
                {"name": kind.port, "containerPort": 1234},
                {"name": "metrics", "containerPort": 8080},
            ],
        ]
    )
    fields: dict[str, Any] = {
        "env": env_lists(kind),
        "resources": RESOURCES,
        "ports": ports,
        "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent"]),
        "securityContext": st.sampled_from([{"runAsNonRoot": True}, {}]),
    }
    if rich:
        fields.update(RUNTIME_CONTAINER_FIELDS)
    container.update(draw(st.fixed_dictionaries({}, optional=fields)))
    if volume is not None:
        container["volumeMounts"] = [{"name": volume, "mountPath": "/data"}]
    return container


@st.composite
def templates(draw: st.DrawFn, kind: Kind, rich: bool) -> dict[str, Any]:
    volume = draw(st.sampled_from([None, "data"]))
    fields = {**POD_FIELDS, **RUNTIME_POD_FIELDS} if rich else POD_FIELDS
    pod: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=fields))
    pod["containers"] = [draw(containers(kind, volume, rich))]
    if rich and draw(RARELY):
        sidecar = {"name": draw(st.sampled_from(["logger", "node"])), "image": "fluent-bit:3"}
        pod["containers"].insert(draw(st.integers(0, 1)), sidecar)
    if volume is not None:
        pod["volumes"] = [{"name": volume, **draw(VOLUME_SOURCES)}]
    template: dict[str, Any] = {"spec": pod}
    if draw(st.booleans()):
        labels = draw(st.dictionaries(LABEL_KEYS, LABEL_VALUES, min_size=1, max_size=2))
        template = {"metadata": {"labels": labels}, **template}
    return template


RESTART_POLICIES = st.sampled_from([None, None, "OnFailure", "Never", "ExitCode", "Always"])


def _replica(template: dict[str, Any], replicas: int | None, restart: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if replicas is not None:
        spec["replicas"] = replicas
    if restart is not None:
        spec["restartPolicy"] = restart
    spec["template"] = template
    return spec


@st.composite
def jobs(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([XGBOOST, JAX]))
    metadata: dict[str, Any] = {"name": draw(DNS_NAMES)}
    if draw(st.booleans()):
        metadata["namespace"] = draw(st.sampled_from(["team-a", "ml"]))
    annotations = draw(st.dictionaries(LABEL_KEYS, ANNOTATION_VALUES, max_size=2))
    if annotations:
        metadata["annotations"] = annotations
    rich = draw(st.booleans())
    template = draw(templates(kind, rich))
    specs: dict[str, Any] = {}
    workers = draw(st.one_of(st.none(), st.integers(1, 5)))
    if kind is XGBOOST:
        roles = draw(st.sampled_from(["master", "both", "both", "worker"]))
        if roles != "worker":
            specs["Master"] = _replica(
                template, draw(st.sampled_from([1, None])), draw(RESTART_POLICIES)
            )
        if roles != "master":
            other = copy.deepcopy(template)
            if roles == "both" and draw(RARELY):  # a template that differs
                other["spec"]["containers"][-1]["args"] = ["--worker"]
            restart = draw(RESTART_POLICIES)
            if roles == "both" and draw(st.booleans()):
                restart = specs["Master"].get("restartPolicy")
            specs["Worker"] = _replica(other, workers, restart)
    else:
        specs["Worker"] = _replica(template, workers, draw(RESTART_POLICIES))
    spec: dict[str, Any] = {kind.specs: specs}
    run_policy = draw(RUN_POLICY if rich else PLAIN_RUN_POLICY)
    if run_policy:
        spec["runPolicy"] = run_policy
    return {"apiVersion": "kubeflow.org/v1", "kind": kind.kind, "metadata": metadata, "spec": spec}


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "targetVersion": st.sampled_from(["2.1", "2.2", "2.3", "2.3"]),
        "templateMismatch": st.sampled_from(["error", "master", "worker"]),
        "launchEnv": st.sampled_from(["v1-compat", "v1-compat", "torchrun", "none"]),
        "generateRuntime": st.sampled_from(["true", "false"]),
        "strict": st.sampled_from(["true", "false", "false"]),
        "mode": st.sampled_from(["replace", "replace", "side-by-side"]),
    },
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Any], int, dict[str, str]]:
    job = draw(jobs())
    fillers = draw(st.lists(FILLERS, max_size=2))
    position = draw(st.integers(0, len(fillers)))
    items = [copy.deepcopy(f) for f in fillers]
    items.insert(position, job)
    return items, position, draw(OPTIONS)


# --------------------------------------------------------------------------------------
# what the conversion must do, from upstream
# --------------------------------------------------------------------------------------


class Case:
    def __init__(self, job: dict[str, Any], config: FunctionConfig, results: list[Result]) -> None:
        self.job, self.config, self.results = job, config, results
        self.kind = KINDS[job["kind"]]
        self.roles: dict[str, Any] = job["spec"][self.kind.specs]
        self.fields = {r.field for r in results if r.field}
        if config.template_mismatch == "worker" and "Worker" in self.roles:
            self.primary = "Worker"
        else:
            self.primary = "Master" if "Master" in self.roles else "Worker"
        self.pod_path: Path = ("spec", self.kind.specs, self.primary, "template", "spec")
        pod = self.roles[self.primary]["template"]["spec"]
        self.index = next(
            i for i, c in enumerate(pod["containers"]) if c["name"] == self.kind.container
        )
        self.container = pod["containers"][self.index]
        self.container_path: Path = (*self.pod_path, "containers", self.index)
        self.nodes = sum(r.get("replicas") or 1 for r in self.roles.values())

    def names(self, path: Path) -> bool:
        return fmt(path) in self.fields


def refusals(case: Case) -> list[str]:
    reasons = []
    config, kind, roles = case.config, case.kind, case.roles
    if config.target_version in ("2.0", "2.1"):
        reasons.append(f"no {kind.runtime} runtime before 2.2")
        return reasons
    if kind is XGBOOST and "Master" not in roles:
        reasons.append("the v1 webhook requires a Master")
    if len(roles) == 2 and config.template_mismatch == "error":
        sides = []
        for role in ("Master", "Worker"):
            side = {k: v for k, v in roles[role].items() if k != "replicas"}
            side.setdefault("restartPolicy", "Never")  # both kinds' v1 default
            sides.append(side)
        if sides[0] != sides[1]:
            reasons.append("templates differ")
    if any(e["name"] in kind.reserved for e in case.container.get("env") or []):
        reasons.append("env reserved by the v2 plugin")
    pod = case.roles[case.primary]["template"]["spec"]
    others = [c for c in pod["containers"] if c is not case.container]
    others += pod.get("initContainers", [])
    if others and not config.generate_runtime:
        reasons.append("sidecar or init container without a generated runtime")
    if any(c["name"] == "node" for c in others):
        reasons.append("a container named node besides the training container")
    return reasons


def by_design(case: Case, path: Path, value: Any) -> str | None:
    if path in (("apiVersion",), ("kind",)):
        return "the TrainJob's apiVersion/kind"
    if path == ("metadata", "name") and case.config.mode == "side-by-side":
        return "side-by-side: the TrainJob is <name><suffix>, beside the v1 job"
    specs = ("spec", case.kind.specs)
    if path[:2] == specs and len(path) >= 4:
        role, rest = path[2], path[3:]
        if rest == ("replicas",):
            return "summed into numNodes"
        if rest == ("restartPolicy",) and value == "OnFailure":
            return "OnFailure is the JobSet default"
        if role != case.primary:
            primary = get(case.job, (*specs, case.primary, *rest), _MISSING)
            if rest == ("restartPolicy",):
                primary = case.roles[case.primary].get("restartPolicy", "Never")
            if primary == value:
                return "identical to the primary template"
            ports = rest[:3] == ("template", "spec", "containers") and rest[4:5] == ("ports",)
            if ports and _port_name(case, path) == case.kind.port:
                return "the Worker's v1 port: only WORKER_PORT reads it"
            return None
    if path == (*case.container_path, "name"):
        return "the training container is the runtime's container node"
    never = all(r.get("restartPolicy", "Never") == "Never" for r in case.roles.values())
    if path == ("spec", "runPolicy", "backoffLimit") and never and case.names(path):
        return "v1 ignored backoffLimit for Never replicas (pkg/core PastBackoffLimit): an info"
    if "ports" in path and _port_name(case, path) == case.kind.port:
        return "the v1 port: only the v1 env read it (re-derived, or named as lost)"
    env = _under(case, path, "env")
    if env is not None:
        entry = case.container["env"][env]
        if entry["name"] in injected(case.kind, case.nodes) and case.names(
            (*case.container_path, "env", env)
        ):
            return "v1 overwrote this name in every pod"
    if path == (*case.container_path, "imagePullPolicy") and case.names(path):
        return "imagePullPolicy: an info-level drop"
    if value in ({}, []) and case.names(path):
        return "empty, named as the same as absent"
    if path == ("spec", "runPolicy", "cleanPodPolicy") and value == "None":
        return "cleanPodPolicy None is the v2 behaviour"
    if path == ("spec", "runPolicy", "managedBy") and value == "kubeflow.org/training-operator":
        return "the v1 operator's managedBy"
    return None


_MISSING = object()


def _port_name(case: Case, path: Path) -> Any:
    at = path.index("ports")
    return (get(case.job, path[: at + 2]) or {}).get("name")


def _under(case: Case, path: Path, key: str) -> int | None:
    base = (*case.container_path, key)
    if path[: len(base)] == base and len(path) > len(base) and isinstance(path[len(base)], int):
        return int(path[len(base)])
    return None


def check_lossless(case: Case, objects: list[dict[str, Any]]) -> None:
    loud = {
        r.field
        for r in case.results
        if r.field and r.severity in (Severity.ERROR, Severity.WARNING)
    }
    carried = {(last_key(p), canon(v)) for obj in objects for p, v in leaves(obj)}
    silent = []
    for path, value in leaves(case.job):
        if any(fmt(path[:n]) in loud for n in range(1, len(path) + 1)):
            continue
        key = last_key(path)
        if (key, canon(value)) in carried or (RENAMED.get(key or ""), canon(value)) in carried:
            continue
        if by_design(case, path, value):
            continue
        silent.append(f"{fmt(path)} = {value!r}")
    assert not silent, "neither carried nor named:\n  " + "\n  ".join(silent)


def check_env(case: Case, trainjob: Mapping[str, Any]) -> None:
    """The user's env kept whole; the v1 variables with the v1 meaning on the v2 nodes."""
    env = {e["name"]: e for e in trainjob["spec"]["trainer"].get("env") or []}
    names = injected(case.kind, case.nodes)
    for entry in case.container.get("env") or []:
        if entry["name"] not in names:
            assert env.get(entry["name"]) == entry, entry
    assert env["PYTHONUNBUFFERED"] == {"name": "PYTHONUNBUFFERED", "value": "1"}
    if case.config.launch_env == "none":
        assert not set(names) - {"PYTHONUNBUFFERED"} & set(env)
        return
    name = trainjob["metadata"]["name"]
    node0 = f"{name}-node-0-0.{name}"
    index = {"name": "", "valueFrom": {"fieldRef": {"fieldPath": INDEX}}}
    expected: dict[str, Any]
    if case.kind is XGBOOST:
        expected = {
            "MASTER_ADDR": node0,
            "MASTER_PORT": str(_v1_port(case, "Master")),
            "WORLD_SIZE": str(case.nodes),
            "RANK": index,
        }
        if case.nodes > 1:
            expected["WORKER_PORT"] = str(_v1_port(case, "Worker"))
            expected["WORKER_ADDRS"] = ",".join(
                f"{name}-node-0-{i}.{name}" for i in range(1, case.nodes)
            )
    else:
        expected = {
            "COORDINATOR_ADDRESS": node0,
            "COORDINATOR_PORT": str(_v1_port(case, "Worker")),
            "NUM_PROCESSES": str(case.nodes),
            "PROCESS_ID": index,
        }
    for var, value in expected.items():
        if isinstance(value, dict):
            assert env[var] == {**value, "name": var}, env[var]
        else:
            assert env[var] == {"name": var, "value": value}, env[var]


def _v1_port(case: Case, role: str) -> int:
    pod = case.roles[role]["template"]["spec"]
    container = next(c for c in pod["containers"] if c["name"] == case.kind.container)
    for port in container.get("ports") or []:
        if port.get("name") == case.kind.port:
            return int(port["containerPort"])
    return case.kind.default_port


# --------------------------------------------------------------------------------------
# the property
# --------------------------------------------------------------------------------------


@settings(SETTINGS, max_examples=80)
@given(cases())
def test_lossless_or_loud(case: tuple[list[Any], int, dict[str, str]]) -> None:
    items, position, options = case
    config = from_function_config(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fn"}, "data": options}
    )
    if config.generate_runtime and config.target_version in ("2.0", "2.1"):
        config = config.replace(generate_runtime=False)  # refused as a whole run (see there)
    snapshot = copy.deepcopy(items)
    job = snapshot[position]
    outcome = process(items, config)  # (a)
    assert items == snapshot, "process() changed its input"
    broken = [r.one_line() for r in outcome.results if r.rule in ("structure", "internal")]
    broken += [r.one_line() for r in outcome.results if r.rule == "output-schema"]
    assert not broken, broken
    results = [r for r in outcome.results if r.resource and r.resource.kind == job["kind"]]
    assert results == outcome.results

    side = config.mode == "side-by-side"
    tail = len(snapshot) - position - 1
    out = outcome.items
    assert out[:position] == snapshot[:position]  # (f)
    assert out[len(out) - tail :] == snapshot[position + 1 :]
    produced = out[position : len(out) - tail]
    if side:
        assert produced[0] == job, "side-by-side keeps the v1 job"
        produced = produced[1:]

    this = Case(job, config, results)
    errors = [r for r in results if r.severity is Severity.ERROR]
    reasons = refusals(this)
    if reasons:
        assert errors, f"converted although {reasons}"
    elif not config.strict:
        assert not errors, "refused:\n" + "\n".join(r.one_line() for r in errors)
    if errors:  # (c)
        event("left unchanged")
        assert produced == ([] if side else [job])
    else:
        event(f"{job['kind']} converted")
        assert [o["kind"] for o in produced] in (["TrainJob"], ["TrainingRuntime", "TrainJob"])
        trainjob = produced[-1]
        ref = trainjob["spec"]["runtimeRef"]
        if len(produced) == 2:
            assert ref["kind"] == "TrainingRuntime"
            policy = produced[0]["spec"]["mlPolicy"]
            assert set(policy) == {"numNodes", job["kind"][:-3].lower()}  # xgboost / jax
        else:
            assert ref == {
                "apiGroup": "trainer.kubeflow.org",
                "kind": "ClusterTrainingRuntime",
                "name": this.kind.runtime,
            }
        assert trainjob["spec"]["trainer"]["numNodes"] == this.nodes
        assert "numProcPerNode" not in trainjob["spec"]["trainer"]
        check_lossless(this, produced)  # (b)
        check_env(this, trainjob)

    again = process(copy.deepcopy(snapshot), config)  # (d)
    assert again.items == outcome.items
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in outcome.results]
    rerun = process(copy.deepcopy(outcome.items), config)  # (e)
    assert rerun.items == outcome.items
    assert [r.to_dict() for r in rerun.results if r.severity is Severity.ERROR] == [
        r.to_dict() for r in errors
    ]
