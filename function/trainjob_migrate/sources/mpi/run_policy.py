"""``spec.runPolicy`` of an MPIJob, as the shared ``run-policy`` rule maps it.

mpi-operator's own ``managedBy`` value (``kubeflow.org/mpi-operator``) means what the
Training Operator's does: the TrainJob uses the Trainer's controller. The Job-level values a
generated runtime carries (``backoffLimit``) go to the ``launcher`` Job, as mpi-operator set them
on its launcher Job (``newLauncherJob``), and to the ``node`` Job.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.rules import run_policy as shared
from trainjob_migrate.sources.mpi import job

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = shared.ID
CONSUMES: Final = shared.CONSUMES


def apply(ctx: Context) -> None:
    shared.apply(ctx, own_manager=job.OPERATOR)
