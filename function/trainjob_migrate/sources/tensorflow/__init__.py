"""TFJob (``kubeflow.org/v1``): recognised and refused — no Trainer v2 release runs TensorFlow.

Trainer v2.0 to v2.3 ship no TensorFlow runtime and no ML policy that writes ``TF_CONFIG``
(the cluster spec v1 injected into every replica), so a TrainJob cannot start a
parameter-server or multi-worker TFJob the way v1 did. Types: kubeflow/trainer@v1.9.4
``pkg/apis/kubeflow.org/v1/tensorflow_types.go``.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="tensorflow",
    kind="TFJob",
    list_kind="TFJobList",
    groups=("kubeflow.org",),
    versions={"v1": "tfjob-v1"},
    replica_specs="tfReplicaSpecs",
    roles=("Chief", "Master", "PS", "Worker", "Evaluator"),
    single_roles=("Chief", "Master"),
    container="tensorflow",
    v1_port="tfjob-port",
    runtime=None,
    framework="tensorflow",
    rules=(),
    unsupported=(
        "no Kubeflow Trainer v2 release has a TensorFlow runtime (none sets TF_CONFIG, which "
        "v1 gave every replica): keep this TFJob on the Training Operator v1 until you port "
        "it to PyTorch or JAX, or run it as a plain Kubernetes Job per replica"
    ),
)
