"""Output formats of ``check`` (and the summary of ``convert``): one module a format.

A reporter is a pure function ``render(report) -> str``; the command writes it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, Final

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.repo.engine import JobRef
from trainjob_migrate.results import Result


@dataclasses.dataclass(frozen=True, slots=True)
class Report:
    results: list[Result]
    jobs: list[JobRef]
    #: per job (by index in ``jobs``): convertible | attention
    verdicts: list[str]
    unreadable: list[Result]
    files: int
    exit_code: int
    #: whether a job that converts cleanly fails the run (no --ignore-convertible)
    convertible_fails: bool = True


def reporters() -> dict[str, Callable[[Report], str]]:
    from trainjob_migrate.report import github, json_report, junit, sarif, text

    return {
        "text": text.render,
        "json": json_report.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "github": github.render,
    }


FORMATS: Final = ("text", "json", "sarif", "junit", "github")


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One line of any format: a remaining job's verdict, or a result about it or a file."""

    path: str
    line: int | None
    level: str  # error | warning | info
    rule: str
    rule_text: str
    subject: str  # "<Kind> ns/name: " or ""
    message: str
    job: int | None  # index into Report.jobs

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


_VERDICTS: Final = {
    "convertible": (
        "warning",
        RuleId.V1_JOB_CONVERTIBLE,
        "A Training Operator v1 job remains that converts cleanly",
        (
            "a Training Operator v1 job remains; it converts cleanly to a TrainJob: run "
            "trainjob-migrate convert --write"
        ),
    ),
    "attention": (
        "error",
        RuleId.V1_JOB_NEEDS_ATTENTION,
        "A Training Operator v1 job remains that needs attention",
        (
            "a Training Operator v1 job remains that cannot be converted as it is; see the "
            "findings about it"
        ),
    ),
}


def job_key(path: str, index: int, subject: str) -> tuple[str, int, str]:
    return (path, index, subject)


_NEED: Final = re.compile(r"^template (?:variable (\S+) \(|expression (.+?) is carried into)")


def _template_needs(results: list[Result]) -> dict[tuple[str, int, str], list[str]]:
    """The template variables (expressions) each job's TrainJob carries, by job."""
    needs: dict[tuple[str, int, str], list[str]] = {}
    for r in results:
        match = _NEED.match(r.message) if r.rule == RuleId.PLACEHOLDER else None
        if match is not None and r.resource is not None and r.file is not None:
            key = job_key(r.file.path, r.file.index, r.resource.display())
            needs.setdefault(key, []).append(match.group(1) or match.group(2))
    return {key: list(dict.fromkeys(names)) for key, names in needs.items()}


def findings(report: Report) -> list[Finding]:
    jobs = {
        job_key(job.file.path, job.file.index, job.resource.display()): n
        for n, job in enumerate(report.jobs)
    }
    needs = _template_needs(report.results)
    out: list[Finding] = []
    for n, (job, verdict) in enumerate(zip(report.jobs, report.verdicts, strict=True)):
        level, rule, rule_text, message = _VERDICTS[verdict]
        need = needs.get(job_key(job.file.path, job.file.index, job.resource.display()))
        if need:
            message = f"{message} (the converted template needs {', '.join(need)})"
        if verdict == "convertible" and report.convertible_fails:
            level = "error"  # it fails the check: annotate it as what it is
        out.append(
            Finding(
                job.file.path,
                job.file.line,
                level,
                rule,
                rule_text,
                f"{job.resource.display()}: ",
                message,
                n,
            )
        )
    for result in report.results:
        if result.severity == "info" or result.file is None:
            continue
        subject = f"{result.resource.display()}: " if result.resource else ""
        field = f"{result.field}: " if result.field else ""
        key = (
            job_key(result.file.path, result.file.index, result.resource.display())
            if result.resource
            else None
        )
        out.append(
            Finding(
                result.file.path,
                result.file.line,
                str(result.severity),
                result.rule,
                f"trainjob-migrate rule {result.rule}",
                subject,
                field + result.message,
                jobs.get(key) if key else None,
            )
        )
    return sorted(out, key=lambda f: (f.path, f.line or 0))  # stable: verdicts first


def counts(report: Report) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    for job in report.jobs:
        by_kind[job.resource.kind] = by_kind.get(job.resource.kind, 0) + 1
    return {
        "files": report.files,
        "jobs": len(report.jobs),
        "jobsByKind": dict(sorted(by_kind.items())),
        "convertible": report.verdicts.count("convertible"),
        "needAttention": report.verdicts.count("attention"),
        "unreadable": len(report.unreadable),
    }


def summary(report: Report) -> str:
    c = counts(report)
    kinds = ", ".join(f"{n} {kind}" for kind, n in c["jobsByKind"].items())
    return (
        f"{c['jobs']} Training Operator job(s){f' ({kinds})' if kinds else ''} in "
        f"{c['files']} file(s): {c['convertible']} convert "
        f"cleanly, {c['needAttention']} need attention; {c['unreadable']} input problem(s)"
    )
