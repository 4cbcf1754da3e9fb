"""MPIJob (``kubeflow.org/v2beta1`` from mpi-operator, ``kubeflow.org/v1`` from the Training
Operator): to a TrainJob on an MPI runtime.

Types: kubeflow/mpi-operator ``pkg/apis/kubeflow/v2beta1/types.go`` and kubeflow/trainer@v1.9.4
``pkg/apis/kubeflow.org/v1/mpi_types.go``: Launcher and Worker replicas, ``slotsPerWorker``,
a hostfile and SSH keys the operator generates. The Launcher becomes ``spec.trainer`` (the
Trainer's ``launcher`` job), the Worker the ``node`` job of the runtime the ``mpi-runtime``
rule chooses; the Trainer's MPI plugin writes the same hostfile (``/etc/mpi/hostfile``) and
``OMPI_MCA_*`` env, and generates the SSH keys (Secret ``<name>-mpi-ssh-auth``).
"""

from __future__ import annotations

from trainjob_migrate.sources.model import LazyRules, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="mpi",
    kind="MPIJob",
    list_kind="MPIJobList",
    groups=("kubeflow.org",),
    versions={"v2beta1": "mpijob-v2beta1", "v1": "mpijob-v1"},
    replica_specs="mpiReplicaSpecs",
    roles=("Launcher", "Worker"),
    single_roles=("Launcher",),
    container="0",  # both operators run the first container, whatever its name
    v1_port=None,
    runtime=None,  # chosen per job and release by mpi-runtime
    framework="mpi",
    rules=LazyRules("trainjob_migrate.sources.mpi.rules"),
    pods="trainjob_migrate.sources.mpi.pods",
    # mpi-operator ran the launcher as a batch Job (default backoffLimit 6): its own rules
    other_operator_versions=("v2beta1",),
    # v1.9 mpijob_controller.go UpdateJobStatus: failed > 0 and not ExitCode -> JobFailed
    fails_on_pod_failure=True,
)
