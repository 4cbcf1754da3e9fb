"""``inventory``: the v1 jobs (of every kind), TrainJobs and runtimes of the repository, by namespace and file.

One info result a namespace and kind (``3 <Kind>(s) in ns team-a: jobs/a.yaml, ...``);
whether each v1 job converts cleanly or needs attention is what ``check`` reports
about it. A v1 job whose TrainJob is already in the repository is counted as converted.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate import sources
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import FileRef, Result, Severity
from trainjob_migrate.rules.metadata import CONVERTED_FROM

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "inventory"
V2_KINDS: Final = ("TrainJob", "TrainingRuntime", "ClusterTrainingRuntime")


def check(ctx: DoctorContext) -> Iterator[Result]:
    notes = {
        (m.get("metadata", "annotations") or {}).get(CONVERTED_FROM)
        for m in ctx.of_kind("TrainJob")
    }
    groups: dict[tuple[str, str], list[str]] = {}
    firsts: dict[tuple[str, str], FileRef] = {}
    converted = 0
    for m in ctx.manifests:
        job = sources.is_job(m.obj)
        if m.kind not in V2_KINDS and not job:
            continue
        groups.setdefault((m.kind, m.namespace or "-"), []).append(f"{m.path}:{m.file().line}")
        firsts.setdefault((m.kind, m.namespace or "-"), m.file())
        scoped = f"{m.namespace}/{m.name}" if m.namespace else m.name
        if job and f"{m.obj.get('apiVersion')} {m.kind} {scoped}" in notes:
            converted += 1
    first = ctx.manifests[0] if ctx.manifests else None
    if first is None:
        return
    for (kind, namespace), where in sorted(groups.items()):  # at its first object, no one's
        message = f"{len(where)} {kind}(s) in namespace {namespace}: {', '.join(where)}"
        yield Result(message, Severity.INFO, ID, None, None, firsts[(kind, namespace)])
    if converted:
        yield first.result(
            Severity.INFO, ID, (), f"{converted} v1 job(s) already have their TrainJob"
        )


def totals(ctx: DoctorContext) -> str:
    """``1 TrainJob, 2 TrainingRuntime``: the objects the inventory counts, by kind."""
    counted: dict[str, int] = {}
    for m in ctx.manifests:
        if m.kind in V2_KINDS or sources.is_job(m.obj):
            counted[m.kind] = counted.get(m.kind, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counted.items())) or "no jobs or runtimes"
