"""Trainer v2.1.x: ``podTemplateOverrides`` (pod metadata, affinity, imagePullSecrets)."""

from __future__ import annotations

from trainjob_migrate.targets import v2_0

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

TARGET: Final = v2_0.TARGET.replace(
    version="2.1",
    release="v2.1.0",
    override_shape="podTemplateOverrides",
    pod_fields=v2_0.TARGET.pod_fields | {"affinity", "imagePullSecrets"},
    pod_metadata=True,
    runtime_has_command=False,
    # v2.1.0 dropped mpi-distributed from the default installation and added a torchtune
    runtimes=(v2_0.TARGET.runtimes - {"mpi-distributed"}) | {"torchtune-qwen2.5-1.5b"},
    crd_markers=("podTemplateOverrides",),
    torchtune_models=frozenset({"llama3_2/1B", "llama3_2/3B", "llama3_3/70B", "qwen2_5/1.5B"}),
    # v2.1.0 torch.go EnforceMLPolicy: "cpu", or "auto" without GPUs, is always
    # max(1, getNumCPUPerNode) (requests first, then limits), resources or not
    nproc_cpu_always=True,
    mpi_gpu_slots=True,  # v2.1.0 plugins/mpi EnforceMLPolicy: numProcPerNode 1 -> GPUs
    trainer_to_mpi_nodes=True,  # v2.1.0 jobset builder.go Trainer: isRunLauncherAsNode
)
