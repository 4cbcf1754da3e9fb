"""The MPIJob's launch settings become the Trainer's MPI ML policy (``mlPolicy.mpi``).

- ``slotsPerWorker`` (default 1) → ``trainer.numProcPerNode``, always explicit: the hostfile's
  ``slots=`` of every host and ``OMPI_MCA_orte_set_default_slots``, as in v1 (kubeflow/trainer
  ``pkg/runtime/framework/plugins/mpi/mpi.go`` ``buildHostFileConfigMap``; a TrainJob's value
  wins over the runtime's in ``EnforceMLPolicy``);
- ``mpiImplementation``: the Trainer's MPI plugin runs OpenMPI only (``EnforceMLPolicy``
  returns an error for any other), so ``Intel`` and ``MPICH`` are errors;
- ``sshAuthMountPath`` (default ``/root/.ssh``), ``runLauncherAsWorker`` and
  ``launcherCreationPolicy`` are the runtime's (``sshAuthMountPath``, ``runLauncherAsNode``,
  the launcher's ``dependsOn``): the ``mpi-runtime`` rule compares them with the runtime used;
- Training Operator v1: ``mainContainer`` (the container ``kubectl exec`` entered) must be the
  first one, which the Trainer runs; the deprecated ``spec.cleanPodPolicy`` is reported as
  ``runPolicy.cleanPodPolicy`` is.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.sources.mpi import job

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "mpi-policy"
CONSUMES: Final = (
    "spec.slotsPerWorker",
    "spec.mpiImplementation",
    "spec.sshAuthMountPath",
    "spec.runLauncherAsWorker",
    "spec.launcherCreationPolicy",
    "spec.mainContainer",
    "spec.cleanPodPolicy",
)


def apply(ctx: Context) -> None:
    for path in CONSUMES:
        ctx.consume(tuple(path.split(".")))
    slots = job.slots(ctx)
    if slots < 1:
        ctx.error(
            ID,
            ("spec", "slotsPerWorker"),
            f"slotsPerWorker {slots}: a Trainer MPI runtime runs at least one process per node "
            "(numProcPerNode); set it to 1 or more",
        )
    else:
        ctx.draft.trainer["numProcPerNode"] = slots
    implementation = ctx.value(("spec", "mpiImplementation")) or "OpenMPI"
    if implementation != "OpenMPI":
        ctx.error(
            ID,
            ("spec", "mpiImplementation"),
            f"mpiImplementation {implementation}: the Trainer's MPI plugin supports only OpenMPI "
            "in every release (its hostfile and env are OpenMPI's); keep the job on mpi-operator, "
            "or rebuild its images on OpenMPI",
        )
    _main_container(ctx)
    _clean_pod_policy(ctx)


def _main_container(ctx: Context) -> None:
    name = ctx.value(("spec", "mainContainer"))
    if name is None:
        return
    first = job.main(ctx, job.role(ctx, job.WORKER)).get("name")
    if first is not None and name != first:
        ctx.error(
            ID,
            ("spec", "mainContainer"),
            f"mainContainer {name!r} is not the Worker's first container ({first!r}): the "
            "Trainer runs the ranks in the first container; put that container first",
        )
        return
    ctx.info(ID, ("spec", "mainContainer"), "the first container, which the Trainer runs too")


def _clean_pod_policy(ctx: Context) -> None:
    value = ctx.value(("spec", "cleanPodPolicy"))
    if value is None or value == "None":
        return
    ctx.lossy(
        ID,
        ("spec", "cleanPodPolicy"),
        f"cleanPodPolicy {value} has no TrainJob equivalent: finished pods stay until the "
        "TrainJob is deleted (as cleanPodPolicy None)",
    )
