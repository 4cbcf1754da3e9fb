"""PyTorchJob (``kubeflow.org/v1``, Training Operator v1.9): to a TrainJob on ``torch-distributed``.

Master and Worker replicas become ``numNodes`` nodes of one template; container
``pytorch`` becomes ``spec.trainer``; torchrun flags and ``nprocPerNode`` map to the
Trainer's torch plugin (``launch``); ``elasticPolicy`` has no v2 equivalent
(``elastic-policy``). The kind's v1 types: kubeflow/trainer@v1.9.4
``pkg/apis/kubeflow.org/v1/pytorch_types.go``.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import LazyRules, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="pytorch",
    kind="PyTorchJob",
    list_kind="PyTorchJobList",
    groups=("kubeflow.org",),
    versions={"v1": "pytorchjob-v1"},
    replica_specs="pytorchReplicaSpecs",
    roles=("Master", "Worker"),
    single_roles=("Master",),
    container="pytorch",
    v1_port="pytorchjob-port",
    # pytorch_types.go PyTorchJobDefaultPort; pytorch_defaults.go setPyTorchDefaultPort
    v1_port_default=23456,
    runtime="torch-distributed",
    framework="torch",
    rules=LazyRules("trainjob_migrate.sources.pytorch.rules"),
    pods="trainjob_migrate.sources.pytorch.pods",
)
