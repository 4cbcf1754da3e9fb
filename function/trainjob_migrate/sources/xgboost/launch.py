"""``xgboost-launch``: the command, args and env of container ``xgboost``, and the Rabit/LightGBM variables v1 set.

The v1 operator (kubeflow/trainer@v1.9.4 ``pkg/controller.v1/xgboost/xgboost.go``,
``SetPodEnv``) ran the command as is and appended to every container ``MASTER_PORT`` (the
Master's ``xgboostjob-port``, default 9999), ``MASTER_ADDR`` (``<job>-master-0``),
``WORLD_SIZE`` (all replicas), ``RANK`` (Master 0, Worker i: i+1), ``PYTHONUNBUFFERED=1``
and, with more than one replica, ``WORKER_PORT`` and ``WORKER_ADDRS`` (the other pods, for
LightGBM). Trainer 2.2+ ``xgboost-distributed`` (plugin ``pkg/runtime/framework/plugins/
xgboost``) runs every node from one template, node 0 first, and sets only
``DMLC_TRACKER_URI`` (node 0), ``DMLC_TRACKER_PORT`` (29500), ``DMLC_TASK_ID`` (the node
index) and ``DMLC_NUM_WORKER`` (nodes x GPUs per node).

So, with ``launchEnv: v1-compat`` (default), ``trainer.env`` gets the v1 variables with
their v1 values, addressed to the v2 pods: ``MASTER_ADDR`` is node 0 (the Master's rank),
``RANK`` the node index, ``WORKER_ADDRS`` nodes 1..N-1 (ranks 1..N-1, as v1's workers). With
``launchEnv: none`` they are named as lost. A user value for one of them is dropped (v1
overwrote it); ``DMLC_*`` in ``env`` is an error (the Trainer webhook rejects it). An
XGBoostJob without a Master is an error: the v1 webhook required one.

Passes: Master + 2 Workers running ``python train.py`` (``MASTER_ADDR`` →
``<job>-node-0-0.<job>``). Fails: ``env: [{name: DMLC_NUM_WORKER, value: "3"}]``.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate.context import Context
from trainjob_migrate.sources import v1_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "xgboost-launch"
CONSUMES: Final = ("{container}.command", "{container}.args", "{container}.env")

#: XGBoostJobDefaultPort (pkg/apis/kubeflow.org/v1/xgboost_types.go)
#: constants.ContainerTrainerPort: the tracker port of the v2 plugin
V2_TRACKER_PORT: Final = 29500
_WHY_RESERVED: Final = (
    "is reserved by the Trainer's xgboost plugin (its webhook rejects the TrainJob); remove "
    "it: the plugin sets it for every node"
)
#: constants.XGBoostReservedEnvNames (kubeflow/trainer@v2.2.1, v2.3.0)
RESERVED_ENV: Final = dict.fromkeys(
    ("DMLC_TRACKER_URI", "DMLC_TRACKER_PORT", "DMLC_TASK_ID", "DMLC_NUM_WORKER"), _WHY_RESERVED
)


def apply(ctx: Context) -> None:
    v1_env.carry_command(ctx, ID)
    if "Master" not in ctx.roles:
        ctx.error(
            ID,
            ("spec", ctx.source.replica_specs),
            "an XGBoostJob needs a Master replica (the v1 webhook required one, and its rank 0 "
            "ran the tracker); add a Master with 1 replica, or make one Worker the Master",
        )
        return
    nodes = ctx.num_nodes
    injected: list[tuple[str, v1_env.Obj]] = [
        (
            "MASTER_PORT",
            {"value": str(v1_env.v1_port(ctx, "Master", int(ctx.source.v1_port_default or 0)))},
        ),
        ("MASTER_ADDR", {"value": v1_env.first_node(ctx)}),
        ("WORLD_SIZE", {"value": str(nodes)}),
        ("RANK", v1_env.index_ref()),
        ("PYTHONUNBUFFERED", {"value": "1"}),
    ]
    if nodes > 1:
        workers = ",".join(v1_env.node(ctx, i) for i in range(1, nodes))
        injected += [
            (
                "WORKER_PORT",
                {"value": str(v1_env.v1_port(ctx, "Worker", int(ctx.source.v1_port_default or 0)))},
            ),
            ("WORKER_ADDRS", {"value": workers}),
        ]
    v1_env.carry_env(
        ctx,
        ID,
        injected,
        RESERVED_ENV,
        "the xgboost plugin also sets DMLC_TRACKER_URI (node 0), DMLC_TRACKER_PORT "
        f"({V2_TRACKER_PORT}), DMLC_TASK_ID and DMLC_NUM_WORKER for xgboost.collective",
    )
    gpus = _gpus(ctx.container.get("resources") or {})
    if gpus > 1:
        ctx.info(
            ID,
            (*ctx.container_path, "resources"),
            f"{gpus} GPUs per node: the xgboost plugin sets DMLC_NUM_WORKER to {nodes * gpus} "
            f"(one worker per GPU), while WORLD_SIZE keeps v1's {nodes} (one per pod)",
        )


def _gpus(resources: Mapping[str, Any]) -> int:
    """GPUs per node as the plugin counts them (runtime.GetNumGPUPerNode: requests, then
    limits; the first resource whose name contains ``gpu``)."""
    for section in ("requests", "limits"):
        for name, amount in (resources.get(section) or {}).items():
            if "gpu" in str(name).lower():
                try:
                    return int(str(amount))
                except ValueError:
                    return 0
    return 0
