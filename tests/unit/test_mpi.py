"""MPIJob rules: which runtime runs the job, numNodes, the MPI policy, what is refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import Severity


def _mpijob(**spec: Any) -> dict[str, Any]:
    """mpi-operator v0.8.0 examples/v2beta1/pi/pi.yaml, trimmed: it fits mpi-distributed (2.0)."""
    image = "mpioperator/mpi-pi:openmpi"
    job: dict[str, Any] = {
        "apiVersion": "kubeflow.org/v2beta1",
        "kind": "MPIJob",
        "metadata": {"name": "pi"},
        "spec": {
            "slotsPerWorker": 1,
            "sshAuthMountPath": "/home/mpiuser/.ssh",
            "mpiReplicaSpecs": {
                "Launcher": {
                    "replicas": 1,
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "mpi-launcher", "image": image, "command": ["mpirun"]}
                            ]
                        }
                    },
                },
                "Worker": {
                    "replicas": 2,
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "mpi-worker",
                                    "image": image,
                                    "command": ["/usr/sbin/sshd"],
                                    "args": ["-De", "-f", "/home/mpiuser/.sshd_config"],
                                }
                            ]
                        }
                    },
                },
            },
        },
    }
    job["spec"].update(spec)
    return job


def _run(job: dict[str, Any], **options: Any) -> tuple[list[Any], dict[str, set[str]]]:
    outcome = process([copy.deepcopy(job)], FunctionConfig(target_given=True, **options))
    by_severity: dict[str, set[str]] = {}
    for r in outcome.results:
        by_severity.setdefault(r.severity.value, set()).add(r.rule)
    return outcome.items, by_severity


def _errors(job: dict[str, Any], **options: Any) -> set[str]:
    return _run(job, **options)[1].get(Severity.ERROR.value, set())


@pytest.mark.parametrize(
    ("target", "options", "runtime", "num_nodes"),
    [
        ("2.0", {}, ("ClusterTrainingRuntime", "mpi-distributed"), 3),  # + the launcher
        ("2.3", {"generate_runtime": True}, ("TrainingRuntime", "pi"), 2),
        ("2.1", {"runtime_name": "mine"}, ("ClusterTrainingRuntime", "mine"), 2),
        (
            "2.3",
            {"runtime_name": "mine", "runtime_kind": "TrainingRuntime"},
            ("TrainingRuntime", "mine"),
            2,
        ),
    ],
)
def test_the_runtime_and_num_nodes(target, options, runtime, num_nodes):
    items, results = _run(_mpijob(), target_version=target, **options)
    assert "error" not in results
    trainjob = items[-1]
    ref = trainjob["spec"]["runtimeRef"]
    assert (ref["kind"], ref["name"]) == runtime
    assert trainjob["spec"]["trainer"]["numNodes"] == num_nodes
    assert trainjob["spec"]["trainer"]["command"] == ["mpirun"]  # the launcher's


@pytest.mark.parametrize("target", ["2.1", "2.2", "2.3"])
def test_no_default_runtime_after_2_0_is_an_error(target):
    assert _errors(_mpijob(), target_version=target) == {"mpi-runtime"}


def test_a_worker_image_the_default_runtime_does_not_run_is_an_error():
    job = _mpijob()
    job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]["image"] = "x:1"
    assert _errors(job, target_version="2.0") == {"mpi-runtime"}


def test_deepspeed_jobs_run_on_deepspeed_distributed():
    job = _mpijob(runLauncherAsWorker=True)
    for role in ("Launcher", "Worker"):
        container = job["spec"]["mpiReplicaSpecs"][role]["template"]["spec"]["containers"][0]
        container["image"] = "ghcr.io/kubeflow/trainer/deepspeed-runtime:v2.1.0"
    items, results = _run(job, target_version="2.1")
    assert "error" not in results
    assert items[-1]["spec"]["runtimeRef"]["name"] == "deepspeed-distributed"
    assert items[-1]["spec"]["trainer"]["numNodes"] == 3  # the launcher is a host, as in v1


@pytest.mark.parametrize("implementation", ["Intel", "MPICH"])
def test_mpi_implementations_other_than_openmpi_are_errors(implementation):
    job = _mpijob(mpiImplementation=implementation)
    assert "mpi-policy" in _errors(job, target_version="2.3", generate_runtime=True)


@pytest.mark.parametrize(("implementation", "told"), [("Intel", True), ("OpenMPI", False)])
def test_generating_a_runtime_is_offered_after_openmpi(implementation, told):
    """Without a default runtime, generateRuntime is the way out, but not for an Intel MPI
    job, which mpi-policy refuses on any runtime: it is told to move to OpenMPI first."""
    job = _mpijob(mpiImplementation=implementation)
    outcome = process([job], FunctionConfig(target_given=True, target_version="2.3"))
    [message] = [r.message for r in outcome.results if r.rule == "mpi-runtime"]
    assert "set generateRuntime=true" in message
    assert ("once the job runs OpenMPI (see mpi-policy), set" in message) is told


def test_the_generated_runtime_carries_the_mpi_policy_and_both_templates():
    job = _mpijob(slotsPerWorker=4, runLauncherAsWorker=True)
    job["spec"]["launcherCreationPolicy"] = "WaitForWorkersReady"
    items, results = _run(job, target_version="2.3", generate_runtime=True)
    assert "error" not in results
    runtime, trainjob = items
    assert runtime["spec"]["mlPolicy"]["mpi"] == {
        "numProcPerNode": 4,
        "mpiImplementation": "OpenMPI",
        "sshAuthMountPath": "/home/mpiuser/.ssh",
        "runLauncherAsNode": True,
    }
    node, launcher = runtime["spec"]["template"]["spec"]["replicatedJobs"]
    assert launcher["dependsOn"] == [{"name": "node", "status": "Ready"}]
    assert node["template"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "/usr/sbin/sshd"
    ]
    assert trainjob["spec"]["trainer"]["numNodes"] == 3
    assert trainjob["spec"]["trainer"]["numProcPerNode"] == 4


def test_a_worker_without_command_runs_sshd_in_the_generated_runtime():
    job = _mpijob()
    container = job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]
    del container["command"], container["args"]
    items, _ = _run(job, target_version="2.3", generate_runtime=True)
    node = items[0]["spec"]["template"]["spec"]["replicatedJobs"][1]
    assert node["template"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "/usr/sbin/sshd",
        "-De",
    ]


def test_training_operator_v1_gpu_launcher_is_a_node():
    job = _mpijob()
    job["apiVersion"] = "kubeflow.org/v1"
    del job["spec"]["sshAuthMountPath"]
    launcher = job["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    launcher["resources"] = {"limits": {"nvidia.com/gpu": 1}}
    items, results = _run(job, target_version="2.3", generate_runtime=True)
    assert "error" not in results
    assert items[0]["spec"]["mlPolicy"]["mpi"]["runLauncherAsNode"] is True
    assert items[0]["spec"]["mlPolicy"]["mpi"]["sshAuthMountPath"] == "/root/.ssh"
    assert "mpi-worker" in results["warning"]  # kubectl exec becomes SSH


def test_reserved_env_is_left_to_the_mpi_plugin():
    job = _mpijob()
    launcher = job["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    launcher["env"] = [
        {"name": "OMPI_MCA_orte_default_hostfile", "value": "/x"},
        {"name": "A", "value": "1"},
    ]
    items, results = _run(job, target_version="2.0")
    assert "error" not in results
    assert items[-1]["spec"]["trainer"]["env"] == [{"name": "A", "value": "1"}]


def test_a_sidecar_needs_a_generated_runtime():
    job = _mpijob()
    pod = job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]
    pod["containers"].append({"name": "logger", "image": "fluent-bit"})
    assert _errors(job, target_version="2.0") == {"mpi-worker"}
    items, results = _run(job, target_version="2.3", generate_runtime=True)
    assert "error" not in results
    node = items[0]["spec"]["template"]["spec"]["replicatedJobs"][1]
    assert [c["name"] for c in node["template"]["spec"]["template"]["spec"]["containers"]] == [
        "node",
        "logger",
    ]


def test_pod_fields_patch_the_right_job():
    job = _mpijob()
    for role, pool in (("Launcher", "cpu"), ("Worker", "gpu")):
        job["spec"]["mpiReplicaSpecs"][role]["template"]["spec"]["nodeSelector"] = {"pool": pool}
    items, results = _run(job, target_version="2.0")
    assert "error" not in results
    overrides = items[-1]["spec"]["podSpecOverrides"]
    assert [(o["targetJobs"][0]["name"], o["nodeSelector"]["pool"]) for o in overrides] == [
        ("launcher", "cpu"),
        ("node", "gpu"),
    ]


def test_mpi_operator_managed_by_is_its_own():
    job = _mpijob(runPolicy={"managedBy": "kubeflow.org/mpi-operator"})
    assert _errors(job, target_version="2.0") == set()


def test_no_worker_is_an_error():
    job = _mpijob()
    del job["spec"]["mpiReplicaSpecs"]["Worker"]
    assert "mpi-runtime" in _errors(job, target_version="2.3", generate_runtime=True)


def test_a_name_too_long_for_the_launcher_pods_is_an_error():
    job = _mpijob()
    job["metadata"]["name"] = "a" * 45
    assert _errors(job, target_version="2.0") == {"mpi-runtime"}


def test_a_worker_without_container_is_an_error():
    job = _mpijob()
    job["spec"]["mpiReplicaSpecs"]["Worker"]["template"] = {"spec": {"containers": []}}
    for options in ({"target_version": "2.0"}, {"target_version": "2.3", "generate_runtime": True}):
        errors = _errors(job, **options)
        assert errors and "internal" not in errors


def test_a_kind_that_is_not_a_string_is_passed_through():
    item = {"apiVersion": "kubeflow.org/v2beta1", "kind": ["MPIJob"], "metadata": {"name": "x"}}
    outcome = process([copy.deepcopy(item)], FunctionConfig())
    assert outcome.items == [item]
    assert outcome.results == []


@pytest.mark.parametrize(
    ("target", "options"),
    [("2.0", {}), ("2.1", {"runtime_name": "mine"}), ("2.3", {"runtime_name": "mine"})],
)
def test_a_sidecar_without_a_generated_runtime_gets_the_targets_advice(
    target: str, options: dict[str, Any]
) -> None:
    """The same advice as the pod rule of the other kinds: generateRuntime only where the
    target has a runtime schema (not ``Trainer 2.2+`` written into the plug-in)."""
    from trainjob_migrate.targets import get

    job = _mpijob()
    pod = job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]
    pod["containers"].append({"name": "logger", "image": "fluent-bit"})
    outcome = process(
        [copy.deepcopy(job)], FunctionConfig(target_given=True, target_version=target, **options)
    )
    [message] = [
        r.message
        for r in outcome.results
        if r.severity is Severity.ERROR and (r.field or "").endswith("containers[1]")
    ]
    assert "runtime patches cannot add containers" in message
    if get(target).runtime_schema is None:
        assert "generateRuntime=true" not in message
        assert f"generateRuntime is not available for Trainer {target}" in message
    else:
        assert message.endswith("set generateRuntime=true")


@pytest.mark.parametrize(("account", "lossy"), [(None, False), ("trainer", False), ("other", True)])
def test_a_patched_pods_service_account_as_the_pod_rule_has_it(
    account: str | None, lossy: bool
) -> None:
    """serviceAccount equal to serviceAccountName loses nothing; a different one is lost."""
    job = _mpijob()
    pod = job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["spec"]
    pod["serviceAccount"] = "trainer"
    if account is not None:
        pod["serviceAccountName"] = account
    outcome = process([copy.deepcopy(job)], FunctionConfig(target_given=True, target_version="2.0"))
    found = [r for r in outcome.results if (r.field or "").endswith("spec.serviceAccount")]
    assert any(r.severity is Severity.WARNING for r in found) is lossy
    overrides = outcome.items[-1]["spec"]["podSpecOverrides"]
    [worker] = [o for o in overrides if "serviceAccountName" in o]
    assert worker["serviceAccountName"] == (account or "trainer")


@pytest.mark.parametrize("key", ["command", "args"])
def test_a_launcher_running_the_operators_discover_hosts_script_is_told(key):
    """mpi-operator's elastic Horovod example (examples/horovod/tensorflow-mnist-elastic.yaml)
    runs ``horovodrun --host-discovery-script /etc/mpi/discover_hosts.sh``: the operator wrote
    that script, the Trainer writes only the hostfile, so the converted launcher fails at start;
    it converted without a word."""
    job = _mpijob()
    launcher = job["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    words = ["-np", "2", "--host-discovery-script", "/etc/mpi/discover_hosts.sh", "python", "t.py"]
    launcher.update({"command": ["horovodrun"], "args": words} if key == "args" else {})
    if key == "command":
        launcher["command"] = ["sh", "-c", "horovodrun " + " ".join(words)]
    outcome = process([job], FunctionConfig(target_given=True, generate_runtime=True))
    told = [r for r in outcome.results if "discover_hosts.sh" in r.message]
    assert [(r.severity, r.rule) for r in told] == [(Severity.WARNING, "mpi-launcher")]
    index = 3 if key == "args" else 2
    assert (
        told[0].field == f"spec.mpiReplicaSpecs.Launcher.template.spec.containers[0].{key}[{index}]"
    )
    assert "fixed-size job" in told[0].message


def test_a_launcher_using_the_hostfile_is_not_told():
    """/etc/mpi/hostfile is where the Trainer mounts its own hostfile: nothing to say."""
    job = _mpijob()
    launcher = job["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    launcher["args"] = ["--hostfile", "/etc/mpi/hostfile", "python", "t.py"]
    outcome = process([job], FunctionConfig(target_given=True, generate_runtime=True))
    assert not [r for r in outcome.results if "/etc/mpi/" in r.message]


@pytest.mark.parametrize(
    ("api_version", "before"),
    [
        ("kubeflow.org/v1", "the Training Operator mounted no key"),
        ("kubeflow.org/v2beta1", "mpi-operator mounted the private key with mode 0600"),
    ],
)
def test_keys_at_root_ssh_are_told_as_the_operator_of_the_job_had_them(api_version, before):
    """The Training Operator's MPIJob (kubeflow.org/v1: NVIDIA/deepops, mpi-operator v0.3.0's
    v1 examples) ran the ranks with kubectl exec and mounted no key: the warning said
    'mpi-operator mounted the private key with mode 0600 there', of an operator it never ran on."""
    job = _mpijob()
    job["apiVersion"] = api_version
    job["spec"]["sshAuthMountPath"] = "/root/.ssh"
    if api_version == "kubeflow.org/v1":
        del job["spec"]["sshAuthMountPath"]
    outcome = process([job], FunctionConfig(target_given=True, generate_runtime=True))
    (told,) = [r for r in outcome.results if r.field == "spec.sshAuthMountPath"]
    assert told.severity is Severity.WARNING
    assert told.message.startswith(f"keys at /root/.ssh: {before}")
