"""compare on the seed and upstream v1 examples: it names what mapping.md predicts."""

from __future__ import annotations

import json

import pytest
import yaml
from compare_cases import GOLDEN, case_jobs, converted

from trainjob_migrate import cli, runtimes, targets
from trainjob_migrate.compare import Kind, compare
from trainjob_migrate.compare.v2pods import num_proc

V1_ENV = {
    f"spec.containers[node].env[{v}]" for v in ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK")
}
#: mapping.md b.2 case B (plain script or image ENTRYPOINT, with a Master) and case A (torchrun)
CASE_B = (
    "upstream-simple",
    "upstream-mnist-gloo",
    "upstream-mnist-nccl",
    "upstream-smoke-sendrecv",
    "seed-single-node",
    "seed-distributed-nccl",
    "seed-simple-cpu",
    "migration-guide",
)
CASE_A = ("upstream-cpu-demo", "upstream-deepspeed-demo")


def _compare(case: str, target: str = "2.3", **options):
    job = case_jobs(GOLDEN / case)[0]
    conversion, catalog = converted(job, target, **options)
    assert conversion.converted, [r.message for r in conversion.results]
    return compare(job, conversion.trainjob, targets.get(target), catalog), conversion


def _fields(result, kind):
    return {d.field for d in result.differences if d.kind is kind}


@pytest.mark.parametrize("case", CASE_B)
@pytest.mark.parametrize("target", ["2.1", "2.3"])
def test_plain_script_without_the_shim_loses_the_v1_env(case, target):
    result, conversion = _compare(case, target, launchEnv="none")
    if not any(d.field == "spec.containers[node].env[RANK]" for d in result.differences):
        pytest.skip("no Master: v1 set no RANK either")
    assert _fields(result, Kind.LOST) == V1_ENV
    assert any(r.rule == "launch" and r.severity == "warning" for r in conversion.results)


@pytest.mark.parametrize("case", CASE_B + CASE_A)
@pytest.mark.parametrize("target", ["2.1", "2.2", "2.3"])
def test_with_the_default_shim_nothing_is_lost(case, target):
    result, _ = _compare(case, target)
    assert result.lost == []
    assert not result.failed


@pytest.mark.parametrize("case", CASE_A)
def test_torchrun_jobs_get_the_v1_env_from_torchrun(case):
    result, _ = _compare(case, launchEnv="none")
    assert result.lost == []
    equivalent = _fields(result, Kind.EQUIVALENT)
    if "spec.containers[node].env[RANK]" in {d.field for d in result.differences}:
        assert equivalent >= V1_ENV


def test_master_address_port_pod_names_and_labels_are_changed_by_design():
    result, _ = _compare("upstream-simple")
    by_design = _fields(result, Kind.BY_DESIGN)
    assert {
        "metadata.name",
        "spec.containers[node].env[MASTER_ADDR]",
        "spec.containers[node].env[PET_MASTER_ADDR]",
        "spec.containers[node].env[PET_MASTER_PORT]",
        "spec.containers[node].ports[23456]",
        "spec.containers[node].ports[29500]",
        "spec.initContainers[init-pytorch]",
        "metadata.labels[training.kubeflow.org/job-name]",
        "metadata.labels[jobset.sigs.k8s.io/jobset-name]",
    } <= by_design
    master = next(
        d for d in result.differences if d.field == "spec.containers[node].env[PET_MASTER_ADDR]"
    )
    assert (master.v1, master.v2) == (
        "pytorch-simple-master-0",
        "pytorch-simple-node-0-0.pytorch-simple",
    )


def test_rank_from_the_completion_index_equals_v1_rank_on_every_node():
    result, _ = _compare("upstream-simple")
    fields = {d.field for d in result.differences}
    assert "spec.containers[node].env[RANK]" not in fields  # shim: resolved per node, equal
    assert "spec.containers[node].env[PET_NODE_RANK]" not in fields
    assert "spec.containers[node].env[WORLD_SIZE]" not in fields


def test_pod_fields_lost_on_2_0_are_lost_in_compare():
    result, _ = _compare("pod-fields", "2.0")
    lost = _fields(result, Kind.LOST)
    assert {"spec.affinity", "spec.imagePullSecrets[regcred]", "spec.priorityClassName"} <= lost
    result, _ = _compare("pod-fields", "2.3")
    assert "spec.affinity" not in _fields(result, Kind.LOST)


def test_restart_policy_never_is_a_risk():
    result, _ = _compare("template-mismatch-master", templateMismatch="master")
    assert "spec.restartPolicy" in _fields(result, Kind.RISK)


def test_unresolvable_runtime_is_a_problem():
    job = case_jobs(GOLDEN / "upstream-simple")[0]
    conversion, _ = converted(job, "2.3", runtimeName="my-runtime")
    result = compare(job, conversion.trainjob, targets.get("2.3"), runtimes.Catalog.of("2.3"))
    assert result.failed and "my-runtime" in result.problems[0]


@pytest.mark.parametrize(
    ("trainer", "policy", "version", "expected"),
    [
        ({}, {"torch": {}}, "2.3", "1"),
        ({"resourcesPerNode": {"limits": {"nvidia.com/gpu": 2}}}, {"torch": {}}, "2.3", "auto"),
        ({"resourcesPerNode": {"requests": {"cpu": "3500m"}}}, {"torch": {}}, "2.2", "4"),
        ({"numProcPerNode": 8}, {"torch": {}}, "2.3", "8"),
        ({}, {"torch": {"numProcPerNode": "auto"}}, "2.1", "auto"),
        (
            {"resourcesPerNode": {"requests": {"cpu": 2}}},
            {"torch": {"numProcPerNode": "auto"}},
            "2.0",
            "2",
        ),
        ({"numProcPerNode": "gpu"}, {"torch": {"numProcPerNode": "auto"}}, "2.1", "gpu"),
    ],
)
def test_pet_nproc_per_node_follows_the_release(trainer, policy, version, expected):
    assert num_proc(trainer, policy, targets.get(version)) == expected


# --- the command ---------------------------------------------------------------------------


def test_cli_two_files_json_and_exit_codes(tmp_path, capsys):
    source = GOLDEN / "upstream-simple" / "resources.yaml"
    job = case_jobs(GOLDEN / "upstream-simple")[0]
    for launch, code in (("none", 1), ("v1-compat", 0)):
        conversion, _ = converted(job, "2.1", launchEnv=launch)
        v2 = tmp_path / f"{launch}.yaml"
        v2.write_text(yaml.safe_dump(conversion.trainjob))
        assert cli.main(["compare", "-o", "json", str(source), str(v2)]) == code
        body = json.loads(capsys.readouterr().out)
        (comparison,) = body["comparisons"]
        assert comparison["target"] == "2.1"  # from the TrainJob's annotation
        lost = {d["field"] for d in comparison["differences"] if d["class"] == "lost"}
        assert lost == (V1_ENV if launch == "none" else set())


def test_cli_convert_text(capsys):
    source = str(GOLDEN / "upstream-simple" / "resources.yaml")
    assert cli.main(["compare", "--convert", "--launch-env", "none", source]) == 1
    out = capsys.readouterr().out
    assert "lost: spec.containers[node].env[WORLD_SIZE]" in out
    assert cli.main(["compare", "--convert", "--target-version", "2.0", source]) == 0
    assert "nothing lost" in capsys.readouterr().out


def test_cli_conversion_error_fails(capsys):
    source = str(GOLDEN / "sidecar-error" / "resources.yaml")
    assert cli.main(["compare", "--convert", source]) == 1
    assert "error:" in capsys.readouterr().out


def test_cli_missing_trainjob_and_usage(tmp_path, capsys):
    source = str(GOLDEN / "upstream-simple" / "resources.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert cli.main(["compare", source, str(empty)]) == 1
    assert "no TrainJob" in capsys.readouterr().out
    assert cli.main(["compare", source]) == 64  # usage


# --- lifecycle facts (issue 16) ------------------------------------------------------------


def _job_level(result):
    return {d.field: (d.kind, d.v1, d.v2) for d in result.differences if d.field.startswith("job.")}


def test_success_rule_and_retry_budget_are_compared():
    result, _ = _compare("lifecycle")
    job = _job_level(result)
    assert job["job.successPolicy"] == (Kind.RISK, "node 0 succeeded", "every node succeeded")
    assert job["job.backoffLimit"] == (Kind.RISK, "unlimited", 6)


def test_a_generated_runtime_keeps_success_rule_and_never_budget():
    job = case_jobs(GOLDEN / "lifecycle-generated")[0]
    conversion, catalog = converted(job, "2.3", generateRuntime="true", elastic="fixed")
    result = compare(job, conversion.trainjob, targets.get("2.3"), catalog)
    assert "job.successPolicy" not in _job_level(result)
    assert "job.backoffLimit" not in _job_level(result)  # Never: 0 on both sides


def test_retry_budget_v1_keeps_the_unlimited_budget():
    job = case_jobs(GOLDEN / "retry-budget-v1")[0]  # OnFailure, no runPolicy.backoffLimit
    for budget, expected in (("v2-default", (Kind.RISK, "unlimited", 6)), ("v1", None)):
        conversion, catalog = converted(job, "2.3", generateRuntime="true", retryBudget=budget)
        result = compare(job, conversion.trainjob, targets.get("2.3"), catalog)
        assert _job_level(result).get("job.backoffLimit") == expected


def test_quantities_are_compared_by_value():
    result, _ = _compare("template-defaulting", templateMismatch="master")
    assert not [d for d in result.differences if "resources" in d.field]
