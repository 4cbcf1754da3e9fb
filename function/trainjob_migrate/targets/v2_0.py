"""Trainer v2.0.x: ``podSpecOverrides``, IntOrString ``numProcPerNode``, a runtime with a command."""

from __future__ import annotations

from trainjob_migrate.targets import Target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: set by torchrun from the TrainJob (pkg/constants/constants.go TorchRunReservedEnvNames)
TORCHRUN_ENV: Final = frozenset(
    {"PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"}
)

TARGET: Final = Target(
    version="2.0",
    release="v2.0.1",
    override_shape="podSpecOverrides",
    pod_fields=frozenset(
        {"serviceAccountName", "nodeSelector", "tolerations", "volumes", "schedulingGates"}
    ),
    container_fields=frozenset({"volumeMounts"}),
    pod_metadata=False,
    num_proc_type="int-or-string",
    active_deadline=False,
    runtime_has_command=True,
    runtime_image="pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
    max_command_item=None,
    runtime_schema=None,
    runtimes=frozenset(
        {
            "deepspeed-distributed",
            "mlx-distributed",
            "mpi-distributed",
            "torch-distributed",
            "torchtune-llama3.2-1b",
            "torchtune-llama3.2-3b",
        }
    ),
    resources_merged=False,
    crd_markers=("podSpecOverrides",),
    # pkg/runtime/framework/plugins/torch/torch.go Validate; pkg/constants TorchRunReservedEnvNames
    reserved_env=(("torch", TORCHRUN_ENV),),
    # 2.0.1 names llama3_2/7B, not the 3B its own torchtune-llama3.2-3b runtime is for
    torchtune_models=frozenset({"llama3_2/1B", "llama3_2/7B", "llama3_3/70B"}),
    # v2.0.1 pkg/runtime/framework/plugins/torch/torch.go EnforceMLPolicy: the CPU fallback
    # (calculateNumProcPerNode) runs only when trainer.resourcesPerNode is set
    nproc_cpu_always=False,
    mpi_gpu_slots=False,  # v2.0.1 plugins/mpi: no GPU count for numProcPerNode 1
    trainer_to_mpi_nodes=False,  # v2.0.1 jobset builder.go Trainer: the trainer job only
)
