"""Which jobs and containers a TrainJob's overrides and patches name that its runtime lacks.

Shared by ``doctor``'s ``runtime-ref`` check and the v2 validation's ``v2-patch-target``
(kept out of ``doctor/`` so that validating does not import the doctor).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, Protocol

from trainjob_migrate import runtimes
from trainjob_migrate.paths import Path
from trainjob_migrate.results import Result, Severity

#: the id the results carry (doctor's check; v2check re-labels them)
ID: Final = "runtime-ref"


class Located(Protocol):
    """A TrainJob that can say where its fields are (a Manifest; v2check's subjects too)."""

    def get(self, *path: str | int) -> Any: ...

    def result(self, severity: Severity, rule: str, path: Path, message: str) -> Result: ...


def names(tj: Located, runtime: dict[str, Any]) -> Iterator[Result]:
    """Every override/patch of ``tj`` that names a job or container ``runtime`` lacks."""
    jobs = {
        str(j.get("name")): runtimes.container_names(j) for j in runtimes.replicated_jobs(runtime)
    }
    name = (runtime.get("metadata") or {}).get("name")
    for i, entry in enumerate(tj.get("spec", "podSpecOverrides") or []):
        for path, job, pod in _targets(("spec", "podSpecOverrides", i), entry, entry):
            yield from _check(tj, jobs, name, path, job, pod)
    for i, entry in enumerate(tj.get("spec", "podTemplateOverrides") or []):
        for path, job, pod in _targets(
            ("spec", "podTemplateOverrides", i), entry, entry.get("spec") or {}
        ):
            yield from _check(tj, jobs, name, path, job, pod, "spec")
    for i, patch in enumerate(tj.get("spec", "runtimePatches") or []):
        base: Path = (
            "spec",
            "runtimePatches",
            i,
            "trainingRuntimeSpec",
            "template",
            "spec",
            "replicatedJobs",
        )
        replicated = ((patch.get("trainingRuntimeSpec") or {}).get("template") or {}).get(
            "spec"
        ) or {}
        for j, job in enumerate(replicated.get("replicatedJobs") or []):
            pod = (((job.get("template") or {}).get("spec") or {}).get("template") or {}).get(
                "spec"
            ) or {}
            yield from _check(
                tj,
                jobs,
                name,
                (*base, j),
                str(job.get("name")),
                pod,
                "template",
                "spec",
                "template",
                "spec",
            )


def _targets(
    path: Path, entry: dict[str, Any], pod: dict[str, Any]
) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    for k, target in enumerate(entry.get("targetJobs") or []):
        yield (*path, "targetJobs", k), str(target.get("name")), pod


def _check(
    tj: Located,
    jobs: dict[str, dict[str, set[str]]],
    runtime: Any,
    path: Path,
    job: str,
    pod: dict[str, Any],
    *pod_path: str,
) -> Iterator[Result]:
    if job not in jobs:
        yield tj.result(
            Severity.ERROR,
            ID,
            (*path, "name"),
            f"runtime {runtime} has no replicatedJob {job!r} (it has {', '.join(sorted(jobs))}): "
            "the patch is accepted and never applies, or creates a job without a template",
        )
        return
    owner = path if path[-2] != "targetJobs" else path[:-2]
    for key in ("containers", "initContainers"):
        for c, container in enumerate(pod.get(key) or []):
            cname = str(container.get("name"))
            if cname not in jobs[job][key]:
                known = ", ".join(sorted(jobs[job][key])) or "none"
                yield tj.result(
                    Severity.ERROR,
                    ID,
                    (*owner, *pod_path, key, c, "name"),
                    f"{key[:-1]} {cname!r} is not in job {job} of runtime {runtime} ({key}: {known}): "
                    "upstream accepts the patch and the pod fails without an image (trainer#3948)",
                )
