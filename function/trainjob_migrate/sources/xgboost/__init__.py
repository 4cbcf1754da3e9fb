"""XGBoostJob (``kubeflow.org/v1``): to a TrainJob on ``xgboost-distributed`` (Trainer 2.2+).

The Master (rank 0, where v1 programs start the Rabit tracker) and the Workers become
``numNodes`` nodes of one template, the Master as node 0; container ``xgboost`` becomes
``spec.trainer``; the variables the v1 operator set are re-derived (``launch``). Replicas
restart ``Never`` unless written (the v1 defaulter). Types: kubeflow/trainer@v1.9.4
``pkg/apis/kubeflow.org/v1/xgboost_types.go``. The old group ``xgboostjob.kubeflow.org``
is recognised and refused by version.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import LazyRules, Source

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
    v1_port_default=9999,  # XGBoostJobDefaultPort
    runtime="xgboost-distributed",
    framework="xgboost",
    rules=LazyRules("trainjob_migrate.sources.xgboost.rules"),
    pods="trainjob_migrate.sources.xgboost.pods",
    restart_policy="Never",  # XGBoostJobDefaultRestartPolicy
)
