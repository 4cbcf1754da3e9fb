"""XGBoostJob and JAXJob: the upstream examples, the releases without a runtime, the launch env."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import sources
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.convert import convert
from trainjob_migrate.results import Severity
from trainjob_migrate.targets import get
from trainjob_migrate.validation import validate

EXAMPLES = Path(__file__).resolve().parents[1] / "vendored" / "upstream-examples"
INDEX = {
    "fieldRef": {"fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}
}


def _examples(folder: str) -> list[Path]:
    found = sorted((EXAMPLES / folder).rglob("*.yaml"))
    assert found
    return found


@pytest.mark.parametrize(
    "path",
    [*_examples("xgboostjob-v1"), *_examples("jaxjob-v1")],
    ids=lambda p: p.name,
)
def test_upstream_examples_are_valid_and_recognised(path: Path) -> None:
    job = yaml.safe_load(path.read_text())
    source = sources.identify(job)
    assert source is not None and source.unsupported is None
    assert validate(job, source.versions["v1"]) == []


def _job(kind: str, replicas: dict[str, int], **container: Any) -> dict[str, Any]:
    name = "xgboost" if kind == "XGBoostJob" else "jax"
    field = "xgbReplicaSpecs" if kind == "XGBoostJob" else "jaxReplicaSpecs"
    template = {"spec": {"containers": [{"name": name, "image": "img", **container}]}}
    specs = {
        role: {"replicas": n, "restartPolicy": "OnFailure", "template": copy.deepcopy(template)}
        for role, n in replicas.items()
    }
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": kind,
        "metadata": {"name": "job"},
        "spec": {field: specs},
    }


def _env(conversion: Any) -> dict[str, Any]:
    assert conversion.trainjob is not None, [r.one_line() for r in conversion.results]
    return {e["name"]: e for e in conversion.trainjob["spec"]["trainer"].get("env", [])}


@pytest.mark.parametrize("kind", ["XGBoostJob", "JAXJob"])
@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_releases_without_the_runtime_name_the_first_that_has_it(kind: str, version: str) -> None:
    conversion = convert(_job(kind, {"Worker": 1} if kind == "JAXJob" else {"Master": 1}),
                         FunctionConfig(target_version=version), get(version))  # fmt: skip
    [error] = [r for r in conversion.results if r.severity is Severity.ERROR]
    assert error.rule == "unsupported-kind"
    assert "the first release that ships it is 2.2" in error.message
    assert not conversion.converted


def test_xgboost_ranks_follow_the_master_as_node_0() -> None:
    job = _job("XGBoostJob", {"Master": 1, "Worker": 2}, command=["python", "t.py"])
    env = _env(convert(job, FunctionConfig(mode="side-by-side"), get("2.3")))
    # side-by-side: the TrainJob (and so its pods) is job-v2
    assert env["MASTER_ADDR"]["value"] == "job-v2-node-0-0.job-v2"
    assert env["MASTER_PORT"]["value"] == "9999"  # XGBoostJobDefaultPort
    assert env["WORLD_SIZE"]["value"] == "3"
    assert env["RANK"]["valueFrom"] == INDEX
    assert env["WORKER_ADDRS"]["value"] == "job-v2-node-0-1.job-v2,job-v2-node-0-2.job-v2"


@pytest.mark.parametrize(
    ("replicas", "kept"), [({"Master": 1}, True), ({"Master": 1, "Worker": 1}, False)]
)
def test_xgboost_worker_env_is_v1s_only_with_workers(replicas: dict[str, int], kept: bool) -> None:
    job = _job("XGBoostJob", replicas, env=[{"name": "WORKER_ADDRS", "value": "mine"}])
    env = _env(convert(job, FunctionConfig(), get("2.3")))
    assert (env["WORKER_ADDRS"].get("value") == "mine") is kept


def test_xgboost_gpus_per_node_change_the_dmlc_worker_count() -> None:
    job = _job(
        "XGBoostJob", {"Master": 1, "Worker": 1}, resources={"limits": {"nvidia.com/gpu": 4}}
    )
    conversion = convert(job, FunctionConfig(), get("2.3"))
    assert any("DMLC_NUM_WORKER to 8" in r.message for r in conversion.results)


def test_jax_coordinator_is_node_0_with_the_v1_port() -> None:
    ports = [{"name": "jaxjob-port", "containerPort": 1234}]
    env = _env(convert(_job("JAXJob", {"Worker": 3}, ports=ports), FunctionConfig(), get("2.2")))
    assert env["COORDINATOR_ADDRESS"]["value"] == "job-node-0-0.job"
    assert env["COORDINATOR_PORT"]["value"] == "1234"
    assert env["NUM_PROCESSES"]["value"] == "3"
    assert env["PROCESS_ID"]["valueFrom"] == INDEX


def test_launch_env_torchrun_is_v1_compat_for_these_kinds() -> None:
    conversion = convert(_job("JAXJob", {"Worker": 2}), FunctionConfig(launch_env="torchrun"),
                         get("2.3"))  # fmt: skip
    assert "COORDINATOR_ADDRESS" in _env(conversion)
    assert any("applies to torchrun jobs only" in r.message for r in conversion.results)


def test_a_sidecar_of_a_generated_runtime_is_told_it_loses_the_v1_env() -> None:
    job = _job("JAXJob", {"Worker": 2})
    pod = job["spec"]["jaxReplicaSpecs"]["Worker"]["template"]["spec"]
    pod["containers"].append({"name": "logger", "image": "fluent-bit:3"})
    conversion = convert(job, FunctionConfig(generate_runtime=True), get("2.3"))
    assert conversion.converted
    # one finding, a warning (the pod rule's, as for every kind), not an info beside it
    told = [r for r in conversion.results if r.field and "containers[1]" in r.field
            and ("loses the variables" in r.message or "also gave" in r.message)]  # fmt: skip
    assert [r.severity for r in told] == [Severity.WARNING], told
    assert told[0].field.endswith("containers[1].env")


@pytest.mark.parametrize(
    ("case", "by_design"),
    [
        (
            "xgboost-upstream-rabit",
            {"env[WORKER_ADDRS]", "env[DMLC_NUM_WORKER]", "env[MASTER_ADDR]"},
        ),
        ("jax-upstream-cpu-demo", {"env[COORDINATOR_ADDRESS]", "env[JAX_PROCESS_ID]"}),
    ],
)
def test_compare_renders_both_sides(case: str, by_design: set[str]) -> None:
    from trainjob_migrate import runtimes
    from trainjob_migrate.compare import compare

    golden = Path(__file__).resolve().parents[1] / "golden" / "fn" / case / "resources.yaml"
    job = yaml.safe_load(golden.read_text())
    conversion = convert(job, FunctionConfig(), get("2.3"))
    assert conversion.trainjob is not None
    result = compare(job, conversion.trainjob, get("2.3"), runtimes.Catalog.of("2.3"))
    assert not result.problems and not result.lost
    designed = {d.field.split(".")[-1] for d in result.differences if d.kind == "changed-by-design"}
    assert by_design <= designed, designed
