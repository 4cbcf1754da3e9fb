"""Where a TrainJob's training pods are, from its runtime: what containers refer to when they
name the job's pods, containers or status (a Katib primary container, an Argo condition)."""

from __future__ import annotations

from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


class Trainer(Frozen):
    """The runtime's trainer replicatedJob: its name, its position among the replicatedJobs
    (the TrainJob's ``status.jobsStatus`` follows it), and its training container."""

    __slots__ = ("runtime", "job", "index", "container")
    runtime: str
    job: str
    index: int
    container: str

    def __init__(self, runtime: str, job: str, index: int, container: str) -> None:
        init(self, runtime, job, index, container)


def of(trainjob: Mapping[str, Any], version: str) -> Trainer | None:
    """The trainer of the runtime a TrainJob references, among the release's default runtimes
    (None: a runtime of the cluster's own, unknown here)."""
    from trainjob_migrate import runtimes

    ref = (trainjob.get("spec") or {}).get("runtimeRef") or {}
    name, kind = ref.get("name"), ref.get("kind") or runtimes.CLUSTER_KIND
    found = runtimes.Catalog.of(version).find(str(kind), str(name))
    if found is None:
        return None
    jobs = runtimes.replicated_jobs(found.runtime)
    trainer = runtimes.trainer_job(found.runtime)
    if trainer is None:
        return None
    containers = runtimes.container_names(trainer)["containers"]
    name_of_job = str(trainer.get("name"))
    container = name_of_job if name_of_job in containers else next(iter(sorted(containers)), "")
    return Trainer(str(name), name_of_job, jobs.index(trainer), container)
