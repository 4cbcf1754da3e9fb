"""What the MPI rules read from an MPIJob: its roles, main containers, launch policy and route.

Both operators run the first container of each template (mpi-operator v0.8.0
``pkg/controller/mpi_job_controller.go`` ``newWorker``/``newLauncherPodTemplate``:
``podTemplate.Spec.Containers[0]``; kubeflow/trainer@v1.9.4 ``pkg/controller.v1/mpi/``
``newWorker``/``newLauncher`` likewise). Defaults: mpi-operator ``v2beta1/default.go``
(``slotsPerWorker`` 1, ``sshAuthMountPath`` ``/root/.ssh``, ``mpiImplementation`` OpenMPI,
Worker ``replicas`` 0) and Training Operator ``v1/mpi_defaults.go`` (Worker ``replicas`` 0).
"""

from __future__ import annotations

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.context import Context, Role
from trainjob_migrate.paths import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final, Literal, TypeAlias

    Route: TypeAlias = Literal["generated", "named", "default"]

LAUNCHER: Final = "Launcher"
WORKER: Final = "Worker"
#: the replicatedJobs of a Trainer MPI runtime (kubeflow/trainer@v2.3.0 pkg/constants:
#: ``Launcher``, ``Node``); both run their training container under the name ``node``
LAUNCHER_JOB: Final = "launcher"
NODE_JOB: Final = "node"
#: mpi-operator's own ``runPolicy.managedBy`` (v2beta1 ``KubeflowJobController``)
OPERATOR: Final = "kubeflow.org/mpi-operator"
#: env the Trainer's MPI plugin sets and its webhook refuses in ``spec.trainer.env``
#: (v2.3.0 pkg/constants ``MPIReservedEnvNames``); the v1 operators set them as well
RESERVED_ENV: Final = frozenset(
    {
        "OMPI_MCA_orte_default_hostfile",
        "OMPI_MCA_plm_rsh_args",
        "OMPI_MCA_orte_keep_fqdn_hostnames",
        "OMPI_MCA_orte_set_default_slots",
    }
)
_DEFAULT_RUNTIME_NAME: Final = FunctionConfig().runtime_name


def training_operator(ctx: Context) -> bool:
    """The Training Operator's ``kubeflow.org/v1`` MPIJob (kubectl exec, no SSH)."""
    return str(ctx.job.get("apiVersion", "")).endswith("/v1")


def role(ctx: Context, name: str) -> Role | None:
    return ctx.roles.get(name)


def main_path(role: Role) -> Path:
    return (*role.path, "template", "spec", "containers", 0)


def main(ctx: Context, role: Role | None) -> Mapping[str, Any]:
    if role is None:
        return {}
    found: Mapping[str, Any] = ctx.value(main_path(role), {})
    return found


def workers(ctx: Context) -> int:
    worker = role(ctx, WORKER)
    if worker is None or worker.spec.get("replicas") is None:
        return 0  # both defaulters
    return int(worker.spec["replicas"])


def slots(ctx: Context) -> int:
    value = ctx.value(("spec", "slotsPerWorker"))
    return 1 if value is None else int(value)


def launcher_as_worker(ctx: Context) -> bool:
    """The launcher is a host of the hostfile: ``runLauncherAsWorker`` (mpi-operator), or a
    launcher with GPU limits (Training Operator v1 ``isGPULauncher``)."""
    if training_operator(ctx):
        limits = (main(ctx, role(ctx, LAUNCHER)).get("resources") or {}).get("limits") or {}
        return any(str(k).endswith(".com/gpu") or "gpu" in str(k) for k in limits)
    return bool(ctx.value(("spec", "runLauncherAsWorker"), False))


def ssh_path(ctx: Context) -> str:
    return str(ctx.value(("spec", "sshAuthMountPath")) or "/root/.ssh")


def wait_for_workers(ctx: Context) -> bool:
    return bool(ctx.value(("spec", "launcherCreationPolicy")) == "WaitForWorkersReady")


def deepspeed(ctx: Context) -> bool:
    """A DeepSpeed job: its image, command or args name deepspeed."""
    for name in (LAUNCHER, WORKER):
        container = main(ctx, role(ctx, name))
        words = [container.get("image"), *(container.get("command") or [])]
        words += list(container.get("args") or [])
        if any("deepspeed" in str(word).lower() for word in words):
            return True
    return False


def route(ctx: Context) -> Route:
    """Where the node pods come from: a generated runtime, a runtime the user named, or a
    default runtime of the release."""
    if ctx.config.generate_runtime:
        return "generated"
    if ctx.config.runtime_name != _DEFAULT_RUNTIME_NAME:
        return "named"
    return "default"


def candidate(ctx: Context) -> str | None:
    """The default runtime of the release an MPIJob can run on (issue 10's order)."""
    if "mpi-distributed" in ctx.target.runtimes:
        return "mpi-distributed"
    if deepspeed(ctx) and "deepspeed-distributed" in ctx.target.runtimes:
        return "deepspeed-distributed"
    return None


def runtime_name(ctx: Context) -> str | None:
    """The runtime the TrainJob references (None: none fits)."""
    chosen = route(ctx)
    if chosen == "generated":
        return ctx.draft.name
    if chosen == "named":
        return ctx.config.runtime_name
    return candidate(ctx)


def known_runtime(ctx: Context) -> Mapping[str, Any] | None:
    """The referenced runtime when it is a default runtime of the release (None: unknown)."""
    chosen = route(ctx)
    if chosen == "generated":
        return None
    kind = ctx.config.runtime_kind if chosen == "named" else "ClusterTrainingRuntime"
    name = runtime_name(ctx)
    if name is None:
        return None
    from trainjob_migrate import runtimes  # only MPI conversions need the default runtimes

    found = runtimes.Catalog.of(ctx.target.version).find(kind, name)
    return None if found is None else found.runtime


def policy_of(runtime: Mapping[str, Any]) -> Mapping[str, Any]:
    found: Mapping[str, Any] = ((runtime.get("spec") or {}).get("mlPolicy") or {}).get("mpi") or {}
    return found


def launcher_as_node(ctx: Context) -> bool:
    """Whether the Trainer lists the launcher in the hostfile (``runLauncherAsNode``)."""
    known = known_runtime(ctx)
    if known is not None:
        return bool(policy_of(known).get("runLauncherAsNode", False))
    return launcher_as_worker(ctx)


def runtime_job(runtime: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    from trainjob_migrate import runtimes

    return next((j for j in runtimes.replicated_jobs(runtime) if j.get("name") == name), None)


def runtime_container(runtime: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """Container ``node`` of the runtime's replicatedJob ``name`` ({} when absent)."""
    from trainjob_migrate import runtimes

    job = runtime_job(runtime, name)
    if job is None:
        return {}
    containers = runtimes.pod_spec(job).get("containers") or []
    found: Mapping[str, Any] = next((c for c in containers if c.get("name") == NODE_JOB), {})
    return found
