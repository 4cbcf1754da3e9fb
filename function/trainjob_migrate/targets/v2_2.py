"""Trainer v2.2.x: ``runtimePatches``, int ``numProcPerNode``, ``activeDeadlineSeconds``, securityContext."""

from __future__ import annotations

from trainjob_migrate.targets import v2_1

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

TARGET: Final = v2_1.TARGET.replace(
    version="2.2",
    release="v2.2.1",
    override_shape="runtimePatches",
    pod_fields=v2_1.TARGET.pod_fields | {"securityContext"},
    container_fields=v2_1.TARGET.container_fields | {"securityContext"},
    num_proc_type="int",
    active_deadline=True,
    runtime_image="pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime",
    max_command_item=65536,
    runtime_schema="trainingruntime-2.2",
    runtimes=v2_1.TARGET.runtimes | {"jax-distributed", "xgboost-distributed"},
    crd_markers=("runtimePatches",),
    # + pkg/runtime/framework/plugins/xgboost/xgboost.go Validate (XGBoostReservedEnvNames)
    reserved_env=(
        *v2_1.TARGET.reserved_env,
        (
            "xgboost",
            frozenset({"DMLC_TRACKER_URI", "DMLC_TRACKER_PORT", "DMLC_TASK_ID", "DMLC_NUM_WORKER"}),
        ),
    ),
)
