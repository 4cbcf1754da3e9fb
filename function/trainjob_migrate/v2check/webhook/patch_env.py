"""`v2-patch-env`: an override or patch sets `env` on the trainer or an initializer container.

The JobSet plugin of the Trainer rejects `env` on the containers `node`,
`dataset-initializer` and `model-initializer` through `podSpecOverrides` (2.0),
`podTemplateOverrides` (2.1) or `runtimePatches` (2.2+)
(`pkg/runtime/framework/plugins/jobset/jobset.go` `Validate`: "must not have envs for the
dataset-initializer, model-initializer, node containers"). Set the trainer's env in
`spec.trainer.env`, an initializer's in `spec.initializer.dataset.env` or `.model.env`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from trainjob_migrate.paths import Path
from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-patch-env"
KINDS: Final = ("TrainJob",)
RESERVED: Final = {
    "node": "spec.trainer.env",
    "dataset-initializer": "spec.initializer.dataset.env",
    "model-initializer": "spec.initializer.model.env",
}


def pod_specs(subject: Subject) -> Iterator[tuple[Path, Any]]:
    """Each pod spec an override/patch of the target's shape carries, with its path."""
    shape = subject.target.override_shape
    entries = subject.spec(shape)
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        if shape == "podSpecOverrides":
            yield ("spec", shape, i), entry
        elif shape == "podTemplateOverrides":
            yield ("spec", shape, i, "spec"), entry.get("spec")
        else:
            jobs = subject.get("spec", shape, i, "trainingRuntimeSpec", "template", "spec")
            jobs = jobs.get("replicatedJobs") if isinstance(jobs, dict) else None
            base: Path = ("spec", shape, i, "trainingRuntimeSpec", "template", "spec")
            for j, job in enumerate(jobs if isinstance(jobs, list) else []):
                path: Path = (*base, "replicatedJobs", j, "template", "spec", "template", "spec")
                pod = job
                for part in ("template", "spec", "template", "spec"):
                    pod = pod.get(part) if isinstance(pod, dict) else None
                yield path, pod


def check(subject: Subject) -> Iterator[Issue]:
    for path, pod in pod_specs(subject):
        if not isinstance(pod, dict):
            continue
        containers = pod.get("containers")
        for c, container in enumerate(containers if isinstance(containers, list) else []):
            if not isinstance(container, dict):
                continue
            name = container.get("name")
            if name in RESERVED and container.get("env"):
                yield Issue(
                    ID,
                    (*path, "containers", c, "env"),
                    f"env of container {name} set through {subject.target.override_shape}: the "
                    f"Trainer {subject.target.version} webhook rejects it; move it to "
                    f"{RESERVED[str(name)]}",
                )
