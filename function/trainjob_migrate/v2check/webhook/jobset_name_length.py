"""`v2-jobset-name-length`: the pod names the JobSet of the TrainJob would get exceed 63 characters.

The TrainJob's JobSet has the TrainJob's name; the JobSet webhook rejects a JobSet whose
longest pod name, `<name>-<replicatedJob>-<last job index>-<last pod index>-abcde`, is not a
DNS-1035 label of at most 63 characters (kubernetes-sigs/jobset `pkg/webhooks/
jobset_webhook.go` `ValidateCreate`, `placement.GenPodName`; jobs are Indexed by the
JobSet's defaulting). The Trainer sets the trainer job's completions to `numNodes`
(`pkg/runtime/framework/plugins/jobset/jobset.go`). The TrainJob is accepted, and its
JobSet is never created: the job never starts. Shorten the TrainJob's name (or the
runtime's job names).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject, placeholders

ID: Final = "v2-jobset-name-length"
KINDS: Final = ("TrainJob",)
LIMIT: Final = 63
SUFFIX: Final = "-abcde"  # the random suffix of a Job's pod


def _count(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def check(subject: Subject) -> Iterator[Issue]:
    name = subject.get("metadata", "name")
    found = subject.runtime()
    if not isinstance(name, str) or placeholders.holds(name) or found is None:
        return
    nodes = _count(
        subject.spec("trainer", "numNodes"), _count(subject.ml_policy().get("numNodes"), 1)
    )
    trainer = runtimes.trainer_job(found.runtime)
    for job in runtimes.replicated_jobs(found.runtime):
        spec = (job.get("template") or {}).get("spec") or {}
        replicas = _count(job.get("replicas"), 1)
        pods = nodes if job is trainer else _count(spec.get("completions"), 1)
        pod = f"{name}-{job.get('name')}-{replicas - 1}-{pods - 1}{SUFFIX}"
        if len(pod) > LIMIT:
            budget = LIMIT - (len(pod) - len(name))
            yield Issue(
                ID,
                ("metadata", "name"),
                f"name too long for runtime {found.runtime['metadata'].get('name')}: its pods "
                f"would be named like {pod} ({len(pod)} characters, at most {LIMIT}), so the "
                f"JobSet webhook rejects the TrainJob's JobSet and it never starts; use a name "
                f"of at most {max(budget, 0)} characters",
            )
            return
