"""``inventory``: the PyTorchJobs, TrainJobs and runtimes of the repository, by namespace and file.

One info result a namespace and kind (``3 PyTorchJob(s) in ns team-a: jobs/a.yaml, ...``);
whether each PyTorchJob converts cleanly or needs attention is what ``check`` reports
about it. A PyTorchJob whose TrainJob is already in the repository is counted as converted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate.convert import is_pytorchjob
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import Result, Severity
from trainjob_migrate.rules.metadata import CONVERTED_FROM

ID: Final = "inventory"
KINDS: Final = ("PyTorchJob", "TrainJob", "TrainingRuntime", "ClusterTrainingRuntime")


def check(ctx: DoctorContext) -> Iterator[Result]:
    notes = {
        (m.get("metadata", "annotations") or {}).get(CONVERTED_FROM)
        for m in ctx.of_kind("TrainJob")
    }
    groups: dict[tuple[str, str], list[str]] = {}
    converted = 0
    for m in ctx.manifests:
        if m.kind not in KINDS or (m.kind == "PyTorchJob" and not is_pytorchjob(m.obj)):
            continue
        groups.setdefault((m.kind, m.namespace or "-"), []).append(f"{m.path}:{m.file().line}")
        scoped = f"{m.namespace}/{m.name}" if m.namespace else m.name
        if m.kind == "PyTorchJob" and f"{m.obj.get('apiVersion')} PyTorchJob {scoped}" in notes:
            converted += 1
    first = ctx.manifests[0] if ctx.manifests else None
    if first is None:
        return
    for (kind, namespace), where in sorted(groups.items()):
        yield first.result(
            Severity.INFO,
            ID,
            (),
            f"{len(where)} {kind}(s) in namespace {namespace}: {', '.join(where)}",
        )
    if converted:
        yield first.result(
            Severity.INFO, ID, (), f"{converted} PyTorchJob(s) already have their TrainJob"
        )
