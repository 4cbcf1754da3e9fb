"""`v2-initializer-runtime`: the TrainJob configures an initializer its runtime has no job for.

With `spec.initializer.dataset` (or `.model`), the runtime must have a
`dataset-initializer` (`model-initializer`) job with a container of that name
(`pkg/runtime/framework/plugins/jobset/jobset.go` `Validate`, every release); from 2.3 that
container must also mount the volume `initializer` (trainer#3714). Upstream's own 2.3
example `examples/yaml/05-multi-step.yaml` lacks the mount. Use a runtime with the initializer job, or drop the initializer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-initializer-runtime"
KINDS: Final = ("TrainJob",)
VOLUME: Final = "initializer"


def check(subject: Subject) -> Iterator[Issue]:
    found = subject.runtime()
    initializer = subject.spec("initializer")
    if found is None or not isinstance(initializer, dict):
        return
    jobs = {str(j.get("name")): j for j in runtimes.replicated_jobs(found.runtime)}
    name = found.runtime["metadata"].get("name")
    for key in ("dataset", "model"):
        if initializer.get(key) is None:
            continue
        job_name = f"{key}-initializer"
        job = jobs.get(job_name)
        containers = runtimes.pod_spec(job).get("containers") or [] if job else []
        container = next((c for c in containers if c.get("name") == job_name), None)
        mounts = {m.get("name") for m in (container or {}).get("volumeMounts") or []}
        if job is None:
            why = f"has no {job_name} job"
        elif container is None:
            why = f"has no container {job_name} in its {job_name} job"
        elif VOLUME not in mounts and subject.target.initializer_volume:
            why = f"does not mount volume {VOLUME} in container {job_name}"
        else:
            continue
        yield Issue(
            ID,
            ("spec", "initializer", key),
            f"runtime {name} {why}: the Trainer {subject.target.version} webhook rejects a "
            f"TrainJob with spec.initializer.{key}; use a runtime with the initializer",
        )
