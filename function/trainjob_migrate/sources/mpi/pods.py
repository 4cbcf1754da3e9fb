"""The pods the v1 operators build for an MPIJob (launcher and workers), for ``compare``.

mpi-operator v0.8.0 (``kubeflow.org/v2beta1``), ``pkg/controller/mpi_job_controller.go``:
``newLauncherPodTemplate`` (pod of Job ``<job>-launcher``: labels ``training.kubeflow.org/``
``operator-name: mpi-operator``, ``job-name``, ``job-role: launcher``; hostname, subdomain;
``K_MPI_JOB_ROLE``, the implementation's env (``ompiEnvVars`` and
``OMPI_MCA_orte_set_default_slots``, ``intelEnvVars``, ``mpichEnvVars``), the hidden GPUs
(``nvidiaDisableEnvVars``) unless ``runLauncherAsWorker``; the hostfile ConfigMap at
``/etc/mpi``), ``newWorker`` (``<job>-worker-<i>``, sshd when no command, the DNS search
``<job>.<ns>.svc.cluster.local``) and ``setupSSHOnPod`` (Secret ``<job>-ssh`` at
``sshAuthMountPath``, mode 0600 at ``/root/.ssh``), all on the first container.

Training Operator v1.9.4 (``kubeflow.org/v1``), ``pkg/controller.v1/mpi/mpijob_controller.go``
``newLauncher``/``newWorker``: labels ``operator-name: mpijob-controller``, ``job-name``,
``replica-type``, the launcher ``job-role: master``; the kubectl-exec transport (init container
``kubectl-delivery``, ``kubexec.sh`` in ConfigMap ``<job>-config``, ``OMPI_MCA_plm_rsh_agent``,
``I_MPI_HYDRA_BOOTSTRAP*``, ServiceAccount ``<job>-launcher``); workers ``sleep 365d``.

Pods pair with the TrainJob's by ``group``: the launcher with job ``launcher``, worker ``i``
with node ``i``. The PodGroup scheduler name (gang scheduling) is not modelled.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.paths import Path
from trainjob_migrate.sources import operator_pods
from trainjob_migrate.sources.mpi import SOURCE

Obj = dict[str, Any]

CONFIG_DIR: Final = "/etc/mpi"
HOSTFILE: Final = f"{CONFIG_DIR}/hostfile"
KUBEXEC: Final = f"{CONFIG_DIR}/kubexec.sh"
#: kubeflow/trainer@v1.9.4 pkg/config/config.go MPIKubectlDeliveryImageDefault
KUBECTL_DELIVERY_IMAGE: Final = "ghcr.io/kubeflow/training-v1/kubectl-delivery:latest"
_RSH_ARGS: Final = "-o ConnectionAttempts=10"
_SSH_ITEMS: Final = [
    {"key": "ssh-privatekey", "path": "id_rsa"},
    {"key": "ssh-publickey", "path": "id_rsa.pub"},
    {"key": "ssh-publickey", "path": "authorized_keys"},
]
_LAUNCHER_GROUP: Final = "launcher"


def _is_v1(job: Mapping[str, Any]) -> bool:
    """The Training Operator's ``kubeflow.org/v1`` MPIJob (else mpi-operator's v2beta1)."""
    return str(job.get("apiVersion", "")).endswith("/v1")


def _spec(job: Mapping[str, Any]) -> Mapping[str, Any]:
    spec: Mapping[str, Any] = job.get("spec") or {}
    return spec


def workers(job: Mapping[str, Any]) -> int:
    found = operator_pods.roles(job, SOURCE).get("Worker")
    value = (found[1] if found else {}).get("replicas")
    return 0 if value is None else int(value)  # both defaulters: Worker replicas 0


def launcher_as_worker(job: Mapping[str, Any]) -> bool:
    """A host of the hostfile: ``runLauncherAsWorker`` (v2beta1), a GPU launcher (v1)."""
    if _is_v1(job):
        found = operator_pods.roles(job, SOURCE).get("Launcher")
        containers = (((found[1] if found else {}).get("template") or {}).get("spec") or {}).get(
            "containers"
        ) or []
        return any(
            str(k).endswith(".com/gpu") or "gpu" in str(k)
            for c in containers
            for k in ((c.get("resources") or {}).get("limits") or {})
        )
    return bool(_spec(job).get("runLauncherAsWorker", False))


def count(job: Mapping[str, Any]) -> int:
    """The hosts of the hostfile: the workers, and the launcher when it is one."""
    return workers(job) + (1 if launcher_as_worker(job) else 0)


def groups(job: Mapping[str, Any]) -> dict[str, int]:
    """How many pods pair with each v2 replicatedJob."""
    return {_LAUNCHER_GROUP: 1, "node": workers(job)}


def success(job: Mapping[str, Any]) -> tuple[str, Path]:
    """Both operators mark the job Succeeded when the launcher succeeds."""
    found = operator_pods.roles(job, SOURCE).get("Launcher")
    return "launcher succeeded", ("spec", SOURCE.replica_specs, found[0] if found else "Launcher")


def render(job: Mapping[str, Any], indexes: set[int] | None = None) -> list[Pod]:
    """The launcher, then the workers (only the worker indexes in ``indexes`` when given)."""
    found = operator_pods.roles(job, SOURCE)
    out: list[Pod] = []
    if "Launcher" in found:
        out.append(_pod(job, found["Launcher"], "Launcher", 0))
    if "Worker" in found:
        out.extend(
            _pod(job, found["Worker"], "Worker", i)
            for i in range(workers(job))
            if indexes is None or i in indexes
        )
    return out


def _pod(job: Mapping[str, Any], entry: tuple[str, Mapping[str, Any]], role: str, i: int) -> Pod:
    key, spec = entry
    meta = job.get("metadata") or {}
    name = str(meta.get("name", ""))
    v1 = _is_v1(job)
    launcher = role == "Launcher"
    template_path: Path = ("spec", SOURCE.replica_specs, key, "template")
    template = copy.deepcopy(spec.get("template") or {})
    pod_spec: Obj = template.get("spec") or {}
    containers = pod_spec.get("containers") or [{}]
    main: Obj = containers[0]
    main_path: Path = (*template_path, "spec", "containers", 0)
    injected: dict[Path, Path] = {("metadata", "name"): ("metadata", "name")}
    pod_name = f"{name}-launcher" if launcher else f"{name}-worker-{i}"
    labels = {**((template.get("metadata") or {}).get("labels") or {}), **_labels(job, role, i)}
    for label in labels:
        if label.startswith("training.kubeflow.org/"):
            injected[("metadata", "labels", label)] = ("metadata", "name")
    restart = str(spec.get("restartPolicy") or ("OnFailure" if launcher and not v1 else "Never"))
    pod_spec["restartPolicy"] = "Never" if restart == "ExitCode" else restart
    injected[("spec", "restartPolicy")] = (*template_path[:-1], "restartPolicy")
    env: list[Obj] = []
    volumes: list[Obj] = []
    mounts: list[Obj] = []
    if v1:
        _v1_transport(job, pod_spec, main, launcher, env, volumes, mounts)
    else:
        pod_spec["hostname"] = pod_name
        pod_spec["subdomain"] = name
        if pod_spec.get("hostNetwork"):
            pod_spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        if not launcher:
            search = f"{name}.{meta.get('namespace') or 'default'}.svc.cluster.local"
            dns = pod_spec.setdefault("dnsConfig", {})
            dns["searches"] = [*(dns.get("searches") or []), search]
            if not main.get("command") and not main.get("args"):
                main["command"] = ["/usr/sbin/sshd", "-De"]
                injected[("spec", "containers", "node", "command")] = (*main_path, "command")
        _v2beta1_env(job, launcher, env)
        if launcher:
            volumes.append(_config_volume(name, ("hostfile", 0o444), ("discover_hosts.sh", 0o555)))
            mounts.append({"name": "mpi-job-config", "mountPath": CONFIG_DIR})
        _ssh(job, volumes, mounts)
    main["env"] = [*(main.get("env") or []), *env]
    main["volumeMounts"] = [*(main.get("volumeMounts") or []), *mounts]
    pod_spec["volumes"] = [*(pod_spec.get("volumes") or []), *volumes]
    for var in env:
        injected[("spec", "containers", "node", "env", var["name"])] = (*main_path, "env")
    for mount in mounts:
        injected[("spec", "containers", "node", "volumeMounts", mount["mountPath"])] = (
            ("spec", "sshAuthMountPath")
            if mount["name"] == "ssh-auth"
            else (*main_path, "volumeMounts")
        )
    for volume in volumes:
        injected[("spec", "volumes", volume["name"])] = (*template_path, "spec", "volumes")
    for field in ("hostname", "subdomain", "dnsConfig", "dnsPolicy", "serviceAccountName"):
        if field in pod_spec and field not in (spec.get("template") or {}).get("spec", {}):
            injected[("spec", field)] = (*template_path, "spec", field)
    for init in pod_spec.get("initContainers") or []:
        if init.get("name") == "kubectl-delivery":
            injected[("spec", "initContainers", "kubectl-delivery")] = (
                *template_path,
                "spec",
                "initContainers",
            )
    metadata: Obj = {"name": pod_name, "labels": labels}
    annotations = (template.get("metadata") or {}).get("annotations")
    if annotations:
        metadata["annotations"] = annotations
    return Pod(
        i,
        role,
        {"metadata": metadata, "spec": pod_spec},
        str(main.get("name", "")),
        template_path,
        injected,
        _LAUNCHER_GROUP if launcher else "node",
    )


def _labels(job: Mapping[str, Any], role: str, i: int) -> dict[str, str]:
    name = str((job.get("metadata") or {}).get("name", ""))
    lower = role.lower()
    if _is_v1(job):
        labels = {
            "training.kubeflow.org/operator-name": "mpijob-controller",
            "training.kubeflow.org/job-name": name,
            "training.kubeflow.org/replica-type": lower,
        }
        if role == "Launcher":
            labels["training.kubeflow.org/job-role"] = "master"  # IsMasterRole
        else:
            labels["training.kubeflow.org/replica-index"] = str(i)
        return labels
    labels = {
        "training.kubeflow.org/operator-name": "mpi-operator",
        "training.kubeflow.org/job-name": name,
        "training.kubeflow.org/job-role": lower,
    }
    as_worker = launcher_as_worker(job)
    if role == "Worker":
        labels["training.kubeflow.org/replica-index"] = str(i + 1 if as_worker else i)
    elif as_worker:
        labels["training.kubeflow.org/replica-index"] = "0"
    return labels


def _v2beta1_env(job: Mapping[str, Any], launcher: bool, env: list[Obj]) -> None:
    env.append({"name": "K_MPI_JOB_ROLE", "value": "launcher" if launcher else "worker"})
    if not launcher:
        return
    spec = _spec(job)
    slots = str(spec.get("slotsPerWorker", 1))
    implementation = str(spec.get("mpiImplementation") or "OpenMPI")
    if implementation == "OpenMPI":
        env += [
            {"name": "OMPI_MCA_orte_keep_fqdn_hostnames", "value": "true"},
            {"name": "OMPI_MCA_orte_default_hostfile", "value": HOSTFILE},
            {"name": "OMPI_MCA_plm_rsh_args", "value": _RSH_ARGS},
            {"name": "OMPI_MCA_orte_set_default_slots", "value": slots},
        ]
    elif implementation == "Intel":
        env += [
            {"name": "I_MPI_HYDRA_HOST_FILE", "value": HOSTFILE},
            {"name": "I_MPI_HYDRA_BOOTSTRAP_EXEC_EXTRA_ARGS", "value": _RSH_ARGS},
            {"name": "I_MPI_PERHOST", "value": slots},
        ]
    elif implementation == "MPICH":
        env += [
            {"name": "HYDRA_HOST_FILE", "value": HOSTFILE},
            {"name": "HYDRA_LAUNCH_EXTRA_ARGS", "value": _RSH_ARGS},
        ]
    if not launcher_as_worker(job):
        # nvidiaDisableEnvVars: no value, the same as an empty one
        env += [
            {"name": "NVIDIA_VISIBLE_DEVICES", "value": ""},
            {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": ""},
        ]


def _ssh(job: Mapping[str, Any], volumes: list[Obj], mounts: list[Obj]) -> None:
    name = str((job.get("metadata") or {}).get("name", ""))
    path = str(_spec(job).get("sshAuthMountPath") or "/root/.ssh")
    secret: Obj = {"secretName": f"{name}-ssh", "items": copy.deepcopy(_SSH_ITEMS)}
    if path == "/root/.ssh":
        secret["defaultMode"] = 0o600
    volumes.append({"name": "ssh-auth", "secret": secret})
    mounts.append({"name": "ssh-auth", "mountPath": path})


def _config_volume(name: str, *items: tuple[str, int]) -> Obj:
    return {
        "name": "mpi-job-config",
        "configMap": {
            "name": f"{name}-config",
            "items": [{"key": k, "path": k, "mode": mode} for k, mode in items],
        },
    }


def _v1_transport(
    job: Mapping[str, Any],
    pod_spec: Obj,
    main: Obj,
    launcher: bool,
    env: list[Obj],
    volumes: list[Obj],
    mounts: list[Obj],
) -> None:
    """The Training Operator's kubectl-exec transport (``newLauncher``, ``newWorker``)."""
    name = str((job.get("metadata") or {}).get("name", ""))
    if not launcher:
        if not main.get("command"):
            main["command"], main["args"] = ["sleep"], ["365d"]
        mounts.append({"name": "mpi-job-config", "mountPath": CONFIG_DIR})
        volumes.append(_config_volume(name, ("kubexec.sh", 0o555)))
        return
    if not pod_spec.get("serviceAccountName"):
        pod_spec["serviceAccountName"] = f"{name}-launcher"
    limits = {"cpu": "100m", "memory": "512Mi", "ephemeral-storage": "5Gi"}
    pod_spec["initContainers"] = [
        *(pod_spec.get("initContainers") or []),
        {
            "name": "kubectl-delivery",
            "image": KUBECTL_DELIVERY_IMAGE,
            "imagePullPolicy": "IfNotPresent",
            "env": [
                {"name": "TARGET_DIR", "value": "/opt/kube"},
                {"name": "NAMESPACE", "value": (job.get("metadata") or {}).get("namespace", "")},
            ],
            "volumeMounts": [
                {"name": "mpi-job-kubectl", "mountPath": "/opt/kube"},
                {"name": "mpi-job-config", "mountPath": CONFIG_DIR},
            ],
            "resources": {"limits": dict(limits), "requests": dict(limits)},
        },
    ]
    env += [
        {"name": "OMPI_MCA_plm_rsh_agent", "value": KUBEXEC},
        {"name": "OMPI_MCA_orte_default_hostfile", "value": HOSTFILE},
    ]
    if not launcher_as_worker(job):
        env += [
            {"name": "NVIDIA_VISIBLE_DEVICES", "value": ""},
            {"name": "NVIDIA_DRIVER_CAPABILITIES", "value": ""},
        ]
    names = {e.get("name") for e in main.get("env") or []}
    if "I_MPI_HYDRA_BOOTSTRAP" not in names:
        env.append({"name": "I_MPI_HYDRA_BOOTSTRAP", "value": "rsh"})
    if "I_MPI_HYDRA_BOOTSTRAP_EXEC" not in names:
        env.append({"name": "I_MPI_HYDRA_BOOTSTRAP_EXEC", "value": KUBEXEC})
    mounts += [
        {"name": "mpi-job-kubectl", "mountPath": "/opt/kube"},
        {"name": "mpi-job-config", "mountPath": CONFIG_DIR},
    ]
    volumes += [
        {"name": "mpi-job-kubectl", "emptyDir": {}},
        _config_volume(
            name, ("kubexec.sh", 0o555), ("hostfile", 0o444), ("discover_hosts.sh", 0o555)
        ),
    ]
