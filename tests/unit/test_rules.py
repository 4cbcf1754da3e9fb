"""Rules: their declared CONSUMES cover the PyTorchJob schema; table-driven behaviour checks."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.convert import convert
from trainjob_migrate.sources.pytorch import SOURCE

RULES = SOURCE.rules
from trainjob_migrate.targets import get

SCHEMAS = resources.files("trainjob_migrate") / "schemas"


def _schema_paths() -> list[str]:
    """PyTorchJob paths down to the pod template and container fields, ``*`` for map keys."""
    root = json.loads((SCHEMAS / "pytorchjob-v1.json").read_text())
    spec = root["properties"]["spec"]
    paths: list[str] = []

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        props = node.get("properties")
        if props and depth:
            for key, child in props.items():
                walk(child, f"{prefix}.{key}", depth - 1)
        else:
            paths.append(prefix)

    for key, child in spec["properties"].items():
        if key != "pytorchReplicaSpecs":
            walk(child, f"spec.{key}", 2)
    replica = spec["properties"]["pytorchReplicaSpecs"]["additionalProperties"]
    base = "spec.pytorchReplicaSpecs.*"
    paths.extend(f"{base}.{key}" for key in replica["properties"] if key != "template")
    template = replica["properties"]["template"]["properties"]
    paths.append(f"{base}.template.metadata")
    pod = template["spec"]["properties"]
    paths.extend(f"{base}.template.spec.{k}" for k in pod if k != "containers")
    container = pod["containers"]["items"]["properties"]
    paths.extend(f"{base}.template.spec.containers[pytorch].{k}" for k in container)
    return paths


def _covers(pattern: str, path: str) -> bool:
    p, q = pattern.split("."), path.split(".")
    return len(p) <= len(q) and all(a in ("*", b) for a, b in zip(p, q, strict=False))


def test_every_pytorchjob_field_is_claimed_by_a_rule() -> None:
    patterns = [SOURCE.pattern(p) for rule in RULES for p in rule.CONSUMES]
    unclaimed = [path for path in _schema_paths() if not any(_covers(p, path) for p in patterns)]
    assert unclaimed == []
    assert len(_schema_paths()) > 60  # the walk really reached pod and container fields


def test_rule_ids_are_unique_kebab_case() -> None:
    ids = [rule.ID for rule in RULES]
    assert len(set(ids)) == len(ids)
    assert all(i == i.lower() and "_" not in i for i in ids)


BASE_JOB: dict[str, Any] = {
    "apiVersion": "kubeflow.org/v1",
    "kind": "PyTorchJob",
    "metadata": {"name": "job"},
    "spec": {
        "pytorchReplicaSpecs": {
            "Worker": {
                "replicas": 2,
                "template": {
                    "spec": {"containers": [{"name": "pytorch", "image": "img", "command": []}]}
                },
            }
        }
    },
}


def _run(command: list[str], args: list[str] | None = None, **options: Any) -> Any:
    job = copy.deepcopy(BASE_JOB)
    container = job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]
    container["command"] = command
    container["resources"] = {"limits": {"nvidia.com/gpu": 1}}
    if args is not None:
        container["args"] = args
    config = FunctionConfig(**options)
    return convert(job, config, get(config.target_version))


@pytest.mark.parametrize(
    ("command", "args", "expected_command", "expected_args", "nproc"),
    [
        (["torchrun", "t.py"], None, ["torchrun", "t.py"], None, None),
        (["torchrun", "--nproc_per_node=4", "t.py"], None, ["torchrun", "t.py"], None, 4),
        (["torchrun", "--nproc-per-node", "4", "t.py"], None, ["torchrun", "t.py"], None, 4),
        (
            ["torchrun", "--nnodes", "2", "--standalone", "t.py"],
            None,
            ["torchrun", "t.py"],
            None,
            None,
        ),
        # flags after the script belong to the script
        (["torchrun", "t.py", "--nnodes=9"], None, ["torchrun", "t.py", "--nnodes=9"], None, None),
        # the launcher in command, its flags in args
        (
            ["torchrun"],
            ["--master_port=1", "-m", "pkg.train"],
            ["torchrun"],
            ["-m", "pkg.train"],
            None,
        ),
        (
            ["python3", "-m", "torch.distributed.run", "--node_rank=0", "t.py"],
            None,
            ["python3", "-m", "torch.distributed.run", "t.py"],
            None,
            None,
        ),
        (
            ["/usr/bin/torchrun", "--max_restarts=3", "t.py"],
            None,
            ["/usr/bin/torchrun", "--max_restarts=3", "t.py"],
            None,
            None,
        ),
    ],
)
def test_torchrun_flags(command, args, expected_command, expected_args, nproc) -> None:
    conversion = _run(command, args)
    assert conversion.converted
    trainer = conversion.trainjob["spec"]["trainer"]
    assert trainer["command"] == expected_command
    assert trainer.get("args") == expected_args
    assert trainer.get("numProcPerNode") == nproc
    assert not any(e["name"] in ("MASTER_ADDR", "RANK") for e in trainer["env"])


@pytest.mark.parametrize(
    ("launch_env", "command", "env_names"),
    [
        (
            "v1-compat",
            ["python3", "t.py"],
            ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "PYTHONUNBUFFERED"],
        ),
        ("torchrun", ["torchrun", "--no-python", "python3", "t.py"], ["PYTHONUNBUFFERED"]),
        ("none", ["python3", "t.py"], ["PYTHONUNBUFFERED"]),
    ],
)
def test_plain_scripts_with_a_master(
    launch_env: str, command: list[str], env_names: list[str]
) -> None:
    job = copy.deepcopy(BASE_JOB)
    specs = job["spec"]["pytorchReplicaSpecs"]
    specs["Worker"]["template"]["spec"]["containers"][0]["command"] = ["python3", "t.py"]
    specs["Master"] = copy.deepcopy(specs["Worker"])
    specs["Master"]["replicas"] = 1
    config = FunctionConfig(launch_env=launch_env)
    conversion = convert(job, config, get("2.3"))
    trainer = conversion.trainjob["spec"]["trainer"]
    assert trainer["command"] == command
    assert [e["name"] for e in trainer["env"]] == env_names
    if launch_env == "v1-compat":
        env = {e["name"]: e for e in trainer["env"]}
        assert env["MASTER_ADDR"]["value"] == "job-node-0-0.job"
        assert env["WORLD_SIZE"]["value"] == "3"
        assert env["MASTER_PORT"]["value"] == "23456"
    if launch_env == "none":
        assert any(r.severity == "warning" and r.rule == "launch" for r in conversion.results)


def test_side_by_side_name_feeds_the_master_address() -> None:
    job = copy.deepcopy(BASE_JOB)
    specs = job["spec"]["pytorchReplicaSpecs"]
    specs["Worker"]["template"]["spec"]["containers"][0]["command"] = ["python3", "t.py"]
    specs["Master"] = copy.deepcopy(specs["Worker"])
    specs["Master"]["replicas"] = 1
    conversion = convert(job, FunctionConfig(mode="side-by-side"), get("2.3"))
    env = {e["name"]: e for e in conversion.trainjob["spec"]["trainer"]["env"]}
    assert env["MASTER_ADDR"]["value"] == "job-v2-node-0-0.job-v2"


def test_a_failed_job_is_returned_untouched() -> None:
    conversion = _run(["torchrun", "t.py"], None, elastic="error")
    assert conversion.converted
    job = copy.deepcopy(BASE_JOB)
    job["spec"]["elasticPolicy"] = {"minReplicas": 1, "maxReplicas": 4}
    failed = convert(job, FunctionConfig(), get("2.3"))
    assert not failed.converted
    assert failed.objects == [job]
    assert [r.field for r in failed.results if r.severity == "error"] == ["spec.elasticPolicy"]


@pytest.mark.parametrize(
    ("restart_policy", "backoff_limit", "budget", "expected"),
    [
        # v1 without runPolicy.backoffLimit: no limit; retryBudget v1 carries the largest int32
        ("OnFailure", None, "v1", {"backoffLimit": 2**31 - 1}),
        ("OnFailure", None, "v2-default", {}),
        ("OnFailure", 3, "v1", {"backoffLimit": 3}),  # an explicit limit wins
        ("Never", None, "v1", {"backoffLimit": 0}),  # v1 failed on the first failed pod
        ("ExitCode", None, "v1", {"backoffLimit": 2**31 - 1, "codes": list(range(1, 128))}),
    ],
)
def test_retry_budget_in_the_generated_runtime(
    restart_policy: str, backoff_limit: int | None, budget: str, expected: dict[str, Any]
) -> None:
    job = copy.deepcopy(BASE_JOB)
    job["spec"]["pytorchReplicaSpecs"]["Worker"]["restartPolicy"] = restart_policy
    if backoff_limit is not None:
        job["spec"]["runPolicy"] = {"backoffLimit": backoff_limit}
    config = FunctionConfig(generate_runtime=True, retry_budget=budget)
    conversion = convert(job, config, get("2.3"))
    runtime = next((o for o in conversion.objects if o["kind"] == "TrainingRuntime"), None)
    if runtime is None:  # nothing needs one: the TrainJob uses the default runtime
        assert not expected
        return
    jobset = runtime["spec"]["template"]["spec"]
    assert "failurePolicy" not in jobset
    spec = jobset["replicatedJobs"][0]["template"]["spec"]
    assert spec.get("backoffLimit") == expected.get("backoffLimit")
    rules = (spec.get("podFailurePolicy") or {}).get("rules") or [{}]
    assert (rules[0].get("onExitCodes") or {}).get("values") == expected.get("codes")


@pytest.mark.parametrize(("cpu", "nproc"), [("3500m", 4), ("2k", 2000), (3, 3)])
def test_nproc_cpu_reads_the_cpu_request_as_a_quantity(cpu: Any, nproc: int) -> None:
    """``2k`` is a CPU request (the API server's quantity), not 'no CPU request'."""
    container = {
        "name": "pytorch",
        "image": "i",
        "command": ["torchrun", "train.py"],
        "resources": {"limits": {"nvidia.com/gpu": 1}, "requests": {"cpu": cpu}},
    }
    job = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "j"},
        "spec": {
            "nprocPerNode": "cpu",
            "pytorchReplicaSpecs": {
                "Worker": {"replicas": 2, "template": {"spec": {"containers": [container]}}}
            },
        },
    }
    conversion = convert(job, FunctionConfig(), get("2.3"))
    assert conversion.converted
    assert conversion.trainjob is not None
    assert conversion.trainjob["spec"]["trainer"]["numProcPerNode"] == nproc
