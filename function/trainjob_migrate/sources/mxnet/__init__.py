"""MXJob (``kubeflow.org/v1``): recognised and refused — retired from the Training Operator.

MXJob was removed from the Training Operator in v1.7 (Apache MXNet was retired), and no
Trainer v2 release runs MXNet: such a job already fails on a current v1 operator.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="mxnet",
    kind="MXJob",
    list_kind="MXJobList",
    groups=("kubeflow.org",),
    versions={},
    replica_specs="mxReplicaSpecs",
    roles=("Scheduler", "Server", "Worker", "TunerTracker", "TunerServer", "Tuner"),
    single_roles=("Scheduler",),
    container="mxnet",
    v1_port="mxjob-port",
    runtime=None,
    framework="mxnet",
    rules=(),
    unsupported=(
        "MXJob was removed from the Training Operator (v1.7) and no Kubeflow Trainer v2 "
        "release runs MXNet: port the training to PyTorch, or remove the job"
    ),
)
