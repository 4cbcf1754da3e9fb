"""Trainer v2.3.x: adds ``terminationGracePeriodSeconds`` to pod patches; longer command items."""

from __future__ import annotations

from trainjob_migrate.targets import v2_2

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

TARGET: Final = v2_2.TARGET.replace(
    version="2.3",
    release="v2.3.0",
    pod_fields=v2_2.TARGET.pod_fields | {"terminationGracePeriodSeconds"},
    runtime_image="pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime",
    max_command_item=1048576,
    resources_merged=True,  # kubeflow/trainer#3602
    crd_markers=("runtimePatches", "terminationGracePeriodSeconds"),
    initializer_volume=True,  # jobset.go Validate checks the volumeMount (trainer#3714)
    # + pkg/runtime/framework/plugins/mpi/mpi.go Validate (MPIReservedEnvNames), new in v2.3
    reserved_env=(
        *v2_2.TARGET.reserved_env,
        (
            "mpi",
            frozenset(
                {
                    "OMPI_MCA_orte_default_hostfile",
                    "OMPI_MCA_plm_rsh_args",
                    "OMPI_MCA_orte_keep_fqdn_hostnames",
                    "OMPI_MCA_orte_set_default_slots",
                }
            ),
        ),
    ),
)
