"""MPIJob (``kubeflow.org/v2beta1`` from mpi-operator, ``kubeflow.org/v1`` from the Training
Operator): to a TrainJob on an MPI runtime.

Types: kubeflow/mpi-operator ``pkg/apis/kubeflow/v2beta1/types.go`` and kubeflow/trainer@v1.9.4
``pkg/apis/kubeflow.org/v1/mpi_types.go``: Launcher and Worker replicas, ``slotsPerWorker``,
a hostfile and SSH keys the operator generates.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

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
    container="mpi",
    v1_port=None,
    runtime="mpi-distributed",
    framework="mpi",
    rules=(),
    unsupported=(
        "this version of trainjob-migrate does not convert MPIJobs yet (the launcher/worker "
        "model, hostfile and SSH keys need the Trainer's MPI runtime): convert it by hand, or "
        "keep it on its operator"
    ),
)
