"""PaddleJob (``kubeflow.org/v1``): recognised and refused — no Trainer v2 release runs Paddle.

Trainer v2.0 to v2.3 ship no PaddlePaddle runtime or ML policy (v1 set
``PADDLE_MASTER``/``PADDLE_NNODES``/``PADDLE_TRAINER_ID`` and the elastic etcd
settings). Types: kubeflow/trainer@v1.9.4 ``pkg/apis/kubeflow.org/v1/paddlepaddle_types.go``.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="paddle",
    kind="PaddleJob",
    list_kind="PaddleJobList",
    groups=("kubeflow.org",),
    versions={"v1": "paddlejob-v1"},
    replica_specs="paddleReplicaSpecs",
    roles=("Master", "Worker"),
    single_roles=("Master",),
    container="paddle",
    v1_port="master",
    runtime=None,
    framework="paddle",
    rules=(),
    unsupported=(
        "no Kubeflow Trainer v2 release has a PaddlePaddle runtime (none sets the PADDLE_* "
        "variables v1 injected): keep this PaddleJob on the Training Operator v1"
    ),
)
