"""`v2-reserved-env`: `spec.trainer.env` sets a variable the runtime's ML policy sets itself.

The policy plugins reject env names they own: with a torch runtime `PET_NNODES`,
`PET_NPROC_PER_NODE`, `PET_NODE_RANK`, `PET_MASTER_ADDR`, `PET_MASTER_PORT`
(`pkg/runtime/framework/plugins/torch/torch.go` `Validate`, every release); with an
XGBoost runtime `DMLC_TRACKER_URI`, `DMLC_TRACKER_PORT`, `DMLC_TASK_ID`, `DMLC_NUM_WORKER`
(`xgboost/xgboost.go` `Validate`, 2.2+); with an MPI runtime
`OMPI_MCA_orte_default_hostfile`, `OMPI_MCA_plm_rsh_args`,
`OMPI_MCA_orte_keep_fqdn_hostnames`, `OMPI_MCA_orte_set_default_slots` (`mpi/mpi.go`
`Validate`, 2.3+). The lists per release are in `targets/`. Remove the variable: the
Trainer sets it from `numNodes`, `numProcPerNode` and the runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-reserved-env"
KINDS: Final = ("TrainJob",)


def check(subject: Subject) -> Iterator[Issue]:
    env = subject.spec("trainer", "env")
    if not isinstance(env, list) or subject.runtime() is None:
        return
    policy = subject.ml_policy()
    for name, reserved in subject.target.reserved_env:
        if name not in policy:
            continue
        for i, var in enumerate(env):
            value = var.get("name") if isinstance(var, dict) else None
            if value in reserved:
                yield Issue(
                    ID,
                    ("spec", "trainer", "env", i, "name"),
                    f"{value} is set by the Trainer for a {name} runtime: the Trainer "
                    f"{subject.target.version} webhook rejects the TrainJob (reserved: "
                    f"{', '.join(sorted(reserved))}); remove it",
                )
