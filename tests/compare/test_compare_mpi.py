"""compare on MPIJobs: the v1 operators' launcher and workers against the MPI runtime's jobs."""

from __future__ import annotations

import copy

import pytest
from compare_cases import GOLDEN, case_jobs, case_options, converted

from trainjob_migrate import runtimes, targets
from trainjob_migrate.compare import Kind, compare, v2pods
from trainjob_migrate.sources.mpi import pods


def _job(api_version: str = "kubeflow.org/v2beta1", **spec):
    template = {"spec": {"containers": [{"name": "mpi", "image": "img", "command": ["mpirun"]}]}}
    worker = {"spec": {"containers": [{"name": "w", "image": "img"}]}}
    return {
        "apiVersion": api_version,
        "kind": "MPIJob",
        "metadata": {"name": "pi", "namespace": "ns"},
        "spec": {
            **spec,
            "mpiReplicaSpecs": {
                "Launcher": {"replicas": 1, "template": template},
                "Worker": {"replicas": 3, "template": worker},
            },
        },
    }


def _env(pod):
    return {e["name"]: e.get("value") for e in pod.obj["spec"]["containers"][0].get("env") or []}


def test_mpi_operator_launcher_and_workers():
    launcher, *workers = pods.render(_job(slotsPerWorker=2))
    assert [p.name for p in (launcher, *workers)] == [
        "pi-launcher", "pi-worker-0", "pi-worker-1", "pi-worker-2",
    ]  # fmt: skip
    assert (launcher.group, [w.group for w in workers]) == ("launcher", ["node"] * 3)
    assert _env(launcher) == {
        "K_MPI_JOB_ROLE": "launcher",
        "OMPI_MCA_orte_keep_fqdn_hostnames": "true",
        "OMPI_MCA_orte_default_hostfile": "/etc/mpi/hostfile",
        "OMPI_MCA_plm_rsh_args": "-o ConnectionAttempts=10",
        "OMPI_MCA_orte_set_default_slots": "2",
        "NVIDIA_VISIBLE_DEVICES": "",
        "NVIDIA_DRIVER_CAPABILITIES": "",
    }
    spec = launcher.obj["spec"]
    assert spec["restartPolicy"] == "OnFailure"  # DefaultLauncherRestartPolicy
    assert {v["name"] for v in spec["volumes"]} == {"mpi-job-config", "ssh-auth"}
    assert spec["volumes"][-1]["secret"]["defaultMode"] == 0o600  # keys at /root/.ssh
    worker = workers[1].obj
    assert worker["spec"]["containers"][0]["command"] == ["/usr/sbin/sshd", "-De"]
    assert worker["spec"]["dnsConfig"] == {"searches": ["pi.ns.svc.cluster.local"]}
    assert worker["spec"]["restartPolicy"] == "Never"
    assert worker["metadata"]["labels"]["training.kubeflow.org/job-role"] == "worker"
    assert worker["metadata"]["labels"]["training.kubeflow.org/replica-index"] == "1"


def test_run_launcher_as_worker_shifts_the_worker_indexes_and_keeps_the_gpus():
    job = _job(runLauncherAsWorker=True)
    launcher, worker = pods.render(job, {0})
    assert pods.count(job) == 4
    assert "NVIDIA_VISIBLE_DEVICES" not in _env(launcher)
    assert launcher.obj["metadata"]["labels"]["training.kubeflow.org/replica-index"] == "0"
    assert worker.obj["metadata"]["labels"]["training.kubeflow.org/replica-index"] == "1"


def test_training_operator_kubectl_exec_transport():
    launcher, worker = pods.render(_job("kubeflow.org/v1"), {0})
    spec = launcher.obj["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["kubectl-delivery"]
    assert spec["serviceAccountName"] == "pi-launcher"
    assert _env(launcher)["OMPI_MCA_plm_rsh_agent"] == "/etc/mpi/kubexec.sh"
    assert launcher.obj["metadata"]["labels"]["training.kubeflow.org/job-role"] == "master"
    assert spec["restartPolicy"] == "Never"
    main = worker.obj["spec"]["containers"][0]
    assert (main["command"], main["args"]) == (["sleep"], ["365d"])
    assert "ssh-auth" not in {v["name"] for v in worker.obj["spec"]["volumes"]}


def _compare(case, target="2.3"):
    job = case_jobs(GOLDEN / case)[0]
    conversion, catalog = converted(job, target, **case_options(GOLDEN / case))
    assert conversion.converted
    return compare(job, conversion.trainjob, targets.get(target), catalog)


@pytest.mark.parametrize(
    ("case", "target"),
    [("mpi-pi-generated", "2.3"), ("mpi-v1-horovod-generated", "2.3"), ("mpi-pi", "2.0")],
)
def test_launcher_pairs_with_launcher_and_workers_with_nodes(case, target):
    result = _compare(case, target)
    assert not result.problems
    # mpi-pi@2.0 loses the TTL (the conversion names it): no pod field is lost
    assert not [d for d in result.lost if not d.field.startswith("job.")]
    by_design = {d.field: d for d in result.differences if d.kind is Kind.BY_DESIGN}
    hostfile = by_design["spec.volumes[mpi-hostfile]"].pods
    keys = by_design["spec.volumes[mpi-ssh-auth]"].pods
    assert hostfile and all(p.endswith("-launcher") for p in hostfile)
    assert any("-worker-" in p for p in keys)


def test_generated_runtime_carries_the_launch_env():
    result = _compare("mpi-pi-generated")
    fields = {d.field: d for d in result.differences}
    # same names and values on both sides: no difference at all
    for var in ("orte_default_hostfile", "orte_set_default_slots", "plm_rsh_args"):
        assert f"spec.containers[node].env[OMPI_MCA_{var}]" not in fields
    assert fields["spec.containers[node].env[K_MPI_JOB_ROLE]"].kind is Kind.BY_DESIGN
    assert fields["spec.containers[node].env[NVIDIA_VISIBLE_DEVICES]"].kind is Kind.RISK


@pytest.mark.parametrize(
    ("target", "runtime", "reaches_nodes"),
    [("2.0", "mpi-distributed", False), ("2.3", "deepspeed-distributed", True)],
)
def test_v2_node_job_with_run_launcher_as_node(target, runtime, reaches_nodes):
    catalog = runtimes.Catalog.of(target)
    trainjob = {
        "metadata": {"name": "t"},
        "spec": {
            "runtimeRef": {"name": runtime},
            "trainer": {"numNodes": 3, "env": [{"name": "A", "value": "1"}]},
        },
    }
    rendered = v2pods.render(trainjob, targets.get(target), catalog)
    by_group = {(p.group, p.index): p for p in rendered.pods}
    assert sorted(by_group) == [("launcher", 0), ("node", 0), ("node", 1)]  # numNodes - 1
    node = by_group[("node", 1)].obj["spec"]["containers"][0]
    # the trainer env reaches the node job from v2.1.0 (jobset builder.go isRunLauncherAsNode)
    assert ({"name": "A", "value": "1"} in node.get("env", [])) is reaches_nodes
    launcher = by_group[("launcher", 0)].obj
    assert launcher["metadata"]["name"] == "t-launcher-0-0"
    assert {v["name"] for v in launcher["spec"]["volumes"]} >= {"mpi-ssh-auth", "mpi-hostfile"}
    env = {e["name"]: e.get("value") for e in launcher["spec"]["containers"][0]["env"]}
    assert env["OMPI_MCA_orte_default_hostfile"] == "/etc/mpi/hostfile"
    assert {"name": "A", "value": "1"} in launcher["spec"]["containers"][0]["env"]
    assert "OMPI_MCA_orte_default_hostfile" not in {e["name"] for e in node.get("env", [])}


def test_success_is_the_launchers_on_both_sides():
    result = _compare("mpi-pi-generated")
    assert "job.successPolicy" not in {d.field for d in result.differences}
    job = copy.deepcopy(case_jobs(GOLDEN / "mpi-pi-generated")[0])
    assert pods.success(job)[0] == "launcher succeeded"


def test_training_operator_workers_idled_and_now_run_sshd():
    result = _compare("mpi-v1-horovod-generated")
    kinds = {d.field: d.kind for d in result.differences}
    assert kinds["spec.containers[node].command"] is Kind.BY_DESIGN
    assert kinds["spec.initContainers[kubectl-delivery]"] is Kind.BY_DESIGN
    assert kinds["spec.containers[node].env[OMPI_MCA_plm_rsh_agent]"] is Kind.BY_DESIGN
