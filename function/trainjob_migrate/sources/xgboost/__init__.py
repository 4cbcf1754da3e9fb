"""XGBoostJob (``kubeflow.org/v1``): to a TrainJob on ``xgboost-distributed`` (Trainer 2.2+).

Types: kubeflow/trainer@v1.9.4 ``pkg/apis/kubeflow.org/v1/xgboost_types.go``; the v1
controller set ``MASTER_ADDR``/``MASTER_PORT``/``WORLD_SIZE``/``RANK``/``WORKER_PORT``/
``WORKER_ADDRS`` for the Rabit tracker. The old group ``xgboostjob.kubeflow.org`` is
recognised and refused by version.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="xgboost",
    kind="XGBoostJob",
    list_kind="XGBoostJobList",
    groups=("kubeflow.org", "xgboostjob.kubeflow.org"),
    versions={"v1": "xgboostjob-v1"},
    replica_specs="xgbReplicaSpecs",
    roles=("Master", "Worker"),
    single_roles=("Master",),
    container="xgboost",
    v1_port="xgboostjob-port",
    runtime="xgboost-distributed",
    framework="xgboost",
    rules=(),
    unsupported=(
        "this version of trainjob-migrate does not convert XGBoostJobs yet (Trainer 2.2 and "
        "later ship the xgboost-distributed runtime): convert it by hand, or keep it on the "
        "Training Operator v1"
    ),
)
