"""`v2-jobset-depends-on`: a runtime's `dependsOn` the JobSet webhook refuses.

Every TrainJob of the runtime becomes a JobSet with the runtime's replicatedJobs, and the
JobSet webhook (kubernetes-sigs/jobset `pkg/webhooks/jobset_webhook.go` `ValidateCreate`,
in the JobSet v0.8.2 to v0.12.0 that Trainer 2.0 to 2.3 install) refuses `dependsOn` on the
first replicatedJob, and a `dependsOn` naming a replicatedJob that does not come before it.
The runtime is accepted; each of its TrainJobs is, and its JobSet is never created. List the
replicatedJobs in the order they run; each may depend on earlier ones only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-jobset-depends-on"
KINDS: Final = ("TrainingRuntime", "ClusterTrainingRuntime")


def check(subject: Subject) -> Iterator[Issue]:
    jobs = subject.spec("template", "spec", "replicatedJobs")
    earlier: list[str] = []
    for i, job in enumerate(jobs if isinstance(jobs, list) else []):
        if not isinstance(job, dict):
            continue
        path = ("spec", "template", "spec", "replicatedJobs", i, "dependsOn")
        depends = job.get("dependsOn")
        if i == 0 and depends is not None:
            yield Issue(
                ID,
                path,
                "dependsOn on the first replicatedJob: the JobSet webhook refuses the JobSet of "
                "every TrainJob of this runtime; move the job after the one it waits for",
            )
        for k, item in enumerate(depends if isinstance(depends, list) and i else []):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and name not in earlier:
                yield Issue(
                    ID,
                    (*path, k, "name"),
                    f"replicatedJob {job.get('name')} depends on {name!r}, which does not come "
                    "before it: the JobSet webhook refuses the JobSet of every TrainJob of this "
                    "runtime; list the jobs in the order they run",
                )
        earlier.append(str(job.get("name")))
