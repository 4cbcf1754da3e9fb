"""The shipped default runtimes (tools/generate_runtimes.py) match the upstream reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from trainjob_migrate import runtimes, targets
from trainjob_migrate.runtimes.data import RELEASES

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "generate_runtimes.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


def test_committed_runtimes_are_up_to_date():
    result = _run("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reports_a_changed_file(tmp_path):
    assert _run("--out", str(tmp_path)).returncode == 0
    edited = tmp_path / "v2_1_0.py"
    edited.write_text(edited.read_text().replace("torch-distributed", "torch-distributes"))
    result = _run("--check", "--out", str(tmp_path))
    assert result.returncode == 1 and "v2_1_0.py: differs" in result.stderr


def test_every_target_has_torch_distributed_with_job_and_container_node():
    for version in targets.VERSIONS:
        found = runtimes.Catalog.of(version).find("ClusterTrainingRuntime", "torch-distributed")
        assert found is not None
        job = runtimes.trainer_job(found.runtime)
        assert job is not None and job["name"] == "node"
        (container,) = runtimes.pod_spec(job)["containers"]
        assert container["name"] == "node"
        assert container["image"] == targets.get(version).runtime_image


def test_release_contents_follow_mapping_c():
    names = {tag: {r["metadata"]["name"] for r in runtimes.defaults(tag)} for tag in RELEASES}
    assert "mpi-distributed" in names["v2.0.1"] and "mpi-distributed" not in names["v2.1.0"]
    assert "jax-distributed" in names["v2.2.0"] and "jax-distributed" not in names["v2.1.0"]
    assert all(
        "torch-distributed-with-cache" not in n for n in names.values()
    )  # not installed by default
    v23 = runtimes.defaults("2.3")
    assert all(
        r["metadata"]["labels"]["trainer.kubeflow.org/webhook-validation"] == "disabled"
        for r in v23
    )
    deepspeed = next(r for r in v23 if r["metadata"]["name"] == "deepspeed-distributed")
    images = {
        c["image"]
        for j in runtimes.replicated_jobs(deepspeed)
        for c in runtimes.pod_spec(j)["containers"]
    }
    assert images == {"ghcr.io/kubeflow/trainer/deepspeed-runtime:v2.3.0"}  # the overlay's tag


def test_repository_runtimes_come_first():
    own = {"kind": "ClusterTrainingRuntime", "metadata": {"name": "torch-distributed"}, "spec": {}}
    found = runtimes.Catalog.of("2.3", [own]).find("ClusterTrainingRuntime", "torch-distributed")
    assert found is not None and found.origin == "repository"
    assert runtimes.Catalog.of("2.3").find("TrainingRuntime", "torch-distributed") is None
