"""`v2-runtime-ancestor`: a runtime's trainer or initializer job has replicas other than 1, or
lacks its container.

The TrainingRuntime and ClusterTrainingRuntime webhooks check every replicatedJob labelled
`trainer.kubeflow.org/trainjob-ancestor-step` `trainer`, `dataset-initializer` or
`model-initializer`: `replicas` must be 1 ("always must be 1"), and its pod must have the
container `node`, `dataset-initializer` or `model-initializer`
(`pkg/webhooks/trainingruntime_webhook.go` `validateReplicatedJobs`, every release).
Set `replicas: 1` (the node count is the TrainJob's `numNodes`) and name the container
as the ancestor requires.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-runtime-ancestor"
KINDS: Final = ("TrainingRuntime", "ClusterTrainingRuntime")
CONTAINER: Final = {
    "trainer": "node",
    "dataset-initializer": "dataset-initializer",
    "model-initializer": "model-initializer",
}


def check(subject: Subject) -> Iterator[Issue]:
    jobs = subject.spec("template", "spec", "replicatedJobs")
    for i, job in enumerate(jobs if isinstance(jobs, list) else []):
        if not isinstance(job, dict):
            continue
        labels = ((job.get("template") or {}).get("metadata") or {}).get("labels") or {}
        ancestor = labels.get(runtimes.ANCESTOR_LABEL) if isinstance(labels, dict) else None
        if ancestor not in CONTAINER:
            continue
        path = ("spec", "template", "spec", "replicatedJobs", i)
        replicas = job.get("replicas", 1)
        if replicas != 1:
            yield Issue(
                ID,
                (*path, "replicas"),
                f"replicas {replicas} on the {ancestor} job: the Trainer "
                f"{subject.target.version} webhook takes 1 only; set the node count in the "
                "TrainJob's numNodes",
            )
        names = runtimes.container_names(job)["containers"]
        if CONTAINER[str(ancestor)] not in names:
            yield Issue(
                ID,
                (*path, "template", "spec", "template", "spec", "containers"),
                f"the {ancestor} job has no container {CONTAINER[str(ancestor)]} (it has "
                f"{', '.join(sorted(names)) or 'none'}): the Trainer {subject.target.version} "
                "webhook rejects the runtime; rename its training container",
            )
