"""JAXJob (``kubeflow.org/v1``): to a TrainJob on ``jax-distributed`` (Trainer 2.2+).

Types: kubeflow/trainer@v1.9.4 ``pkg/apis/kubeflow.org/v1/jax_types.go``; the v1
controller set ``COORDINATOR_ADDRESS``/``COORDINATOR_PORT``/``NUM_PROCESSES``/``PROCESS_ID``.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="jax",
    kind="JAXJob",
    list_kind="JAXJobList",
    groups=("kubeflow.org",),
    versions={"v1": "jaxjob-v1"},
    replica_specs="jaxReplicaSpecs",
    roles=("Worker",),
    single_roles=(),
    container="jax",
    v1_port="jaxjob-port",
    runtime="jax-distributed",
    framework="jax",
    rules=(),
    unsupported=(
        "this version of trainjob-migrate does not convert JAXJobs yet (Trainer 2.2 and later "
        "ship the jax-distributed runtime): convert it by hand, or keep it on the Training "
        "Operator v1"
    ),
)
