"""``side-by-side``: a v1 job and its TrainJob both active would train twice.

With ``mode: side-by-side`` both are kept; unless one of them is suspended
(``spec.runPolicy.suspend`` / ``spec.suspend``), both start and use twice the accelerators.
A TrainJob annotated ``trainjob-migrate.dev/both-active: intended`` (a comparison run, say)
says so: then the finding is an info. A pair this tool made in side-by-side mode (the
TrainJob's ``converted-from`` annotation names the v1 job, under another name) is intended
too: an info for each pair, and the risk of training twice one warning for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate import DOMAIN, sources
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.doctor.manifests import Manifest
from trainjob_migrate.results import Result, Severity
from trainjob_migrate.rules.metadata import CONVERTED_FROM

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "side-by-side"
INTENDED: Final = f"{DOMAIN}/both-active"


def check(ctx: DoctorContext) -> Iterator[Result]:
    active: dict[str, Manifest] = {}
    for job in ctx.manifests:
        if sources.is_job(job.obj) and not job.get("spec", "runPolicy", "suspend"):
            scoped = f"{job.namespace}/{job.name}" if job.namespace else job.name
            active[f"{job.obj.get('apiVersion')} {job.kind} {scoped}"] = job
    made: list[tuple[Manifest, Manifest]] = []  # side-by-side pairs this tool made
    for tj in ctx.of_kind("TrainJob"):
        pair = active.get(str((tj.get("metadata", "annotations") or {}).get(CONVERTED_FROM)))
        if pair is None or tj.get("spec", "suspend"):
            continue
        both = (
            f"TrainJob {tj.name} and {pair.kind} {pair.name} ({pair.path}:{pair.file().line}) are "
            "both active"
        )
        if (tj.get("metadata", "annotations") or {}).get(INTENDED) == "intended":
            yield tj.result(Severity.INFO, ID, (), f"{both}, as its {INTENDED} annotation says")
            continue
        if tj.name != pair.name:  # made with mode: side-by-side (the annotation names the job)
            made.append((tj, pair))
            yield tj.result(
                Severity.INFO,
                ID,
                (),
                f"{both}, as trainjob-migrate's side-by-side mode made them (its "
                f"{CONVERTED_FROM} annotation)",
            )
            continue
        yield tj.result(
            Severity.WARNING,
            ID,
            ("spec", "suspend"),
            f"{both}: the training runs twice on twice the accelerators; suspend one of them, "
            f"or annotate the TrainJob {INTENDED}: intended if both should run",
        )
    if made:
        first, _ = made[0]
        pairs = ", ".join(f"{tj.name} and {pair.name}" for tj, pair in made)
        yield first.result(
            Severity.WARNING,
            ID,
            ("spec", "suspend"),
            f"{len(made)} side-by-side pair(s) both active ({pairs}): each trains twice on twice "
            "the accelerators; suspend or delete one of each pair when the comparison is done, "
            f"or annotate the TrainJob {INTENDED}: intended to accept it",
        )
