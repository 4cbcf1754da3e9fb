"""Output formats of ``check`` (and the summary of ``convert``): one module a format.

A reporter is a pure function ``render(report) -> str``; the command writes it.
"""

from __future__ import annotations

import os
import re
import sys

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.records import Frozen, Record, init

TYPE_CHECKING = False  # no typing, dataclasses or urllib at the start of check
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Final

    from trainjob_migrate.repo.engine import JobRef
    from trainjob_migrate.results import Result


class Report(Frozen):
    __slots__ = (
        "results",
        "jobs",
        "verdicts",
        "unreadable",
        "files",
        "exit_code",
        "convertible_fails",
        "attention_fails",
        "verbosity",
        "other_attention",
        "embedded",
        "invalid_v2",
    )
    results: list[Result]
    jobs: list[JobRef]
    #: per job (by index in ``jobs``): convertible | attention
    verdicts: list[str]
    unreadable: list[Result]
    files: int
    exit_code: int
    #: whether a job that converts cleanly fails the run (no --ignore-convertible)
    convertible_fails: bool
    #: whether a job that needs attention (errors, or warnings to review) fails the run (no
    #: --ignore-attention)
    attention_fails: bool
    #: -1 (-q): text shows the summary only; 1 (-v): info findings too
    verbosity: int
    #: findings that need attention but concern no remaining job (a kustomize patch, say)
    other_attention: int
    #: jobs inside other objects, by container plug-in: [found, converted, findings]
    embedded: dict[str, list[int]]
    #: results of the v2 validation: TrainJobs and runtimes the target release would reject
    invalid_v2: list[Result]

    def __init__(
        self,
        results: list[Result],
        jobs: list[JobRef],
        verdicts: list[str],
        unreadable: list[Result],
        files: int,
        exit_code: int,
        convertible_fails: bool = True,
        verbosity: int = 0,
        attention_fails: bool = True,
        other_attention: int = 0,
        embedded: dict[str, list[int]] | None = None,
        invalid_v2: list[Result] | None = None,
    ) -> None:
        init(
            self,
            results,
            jobs,
            verdicts,
            unreadable,
            files,
            exit_code,
            convertible_fails,
            attention_fails,
            verbosity,
            other_attention,
            {} if embedded is None else embedded,
            [] if invalid_v2 is None else invalid_v2,
        )


#: format -> the module of its renderer
_MODULES: Final = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "markdown": "markdown",
}


def reporters() -> dict[str, Callable[[Report], str]]:
    """format -> its renderer; a renderer's module (xml.etree for junit, json...) is imported
    only when it renders (start-up time of a check in the text format)."""
    return {name: _renderer(module) for name, module in _MODULES.items()}


def _renderer(module: str) -> Callable[[Report], str]:
    def render(report: Report) -> str:
        name = f"trainjob_migrate.report.{module}"
        __import__(name)  # not importlib (warnings...): the start of every check
        renderer: Callable[[Report], str] = sys.modules[name].render
        return renderer(report)

    return render


FORMATS: Final = ("text", "json", "sarif", "junit", "github", "markdown")
#: the ids of the v2 validation (trainjob_migrate.v2check) start so
V2_RULE_PREFIX: Final = "v2-"


def is_v2_rule(rule: str) -> bool:
    """Whether a result comes from the validation of Trainer v2 objects (its own category)."""
    return rule.startswith(V2_RULE_PREFIX)


def invalid_objects(report: Report) -> list[tuple[str, str, int | None]]:
    """The v2 objects that fail validation: (display, file, first line of its findings)."""
    seen: dict[tuple[str, str, int], tuple[str, str, int | None]] = {}
    for r in report.invalid_v2:
        if r.resource is None or r.file is None:
            continue
        key = (r.resource.display(), r.file.path, r.file.index)
        _, _, line = seen.get(key, (None, None, r.file.line))
        lines = [n for n in (line, r.file.line) if n is not None]
        seen[key] = (r.resource.display(), r.file.path, min(lines) if lines else None)
    return sorted(seen.values(), key=lambda o: (o[1], o[2] or 0))


class Finding(Frozen):
    """One line of any format: a remaining job's verdict, or a result about it or a file."""

    __slots__ = ("path", "line", "level", "rule", "rule_text", "subject", "message", "job", "uri")
    path: str
    line: int | None
    level: str  # error | warning | info
    rule: str
    rule_text: str
    subject: str  # "<Kind> ns/name: " or ""
    message: str
    job: int | None  # index into Report.jobs
    uri: str  # the path as a URI reference (SARIF), percent-encoded where it must be

    def __init__(
        self,
        path: str,
        line: int | None,
        level: str,
        rule: str,
        rule_text: str,
        subject: str,
        message: str,
        job: int | None,
        uri: str = "",
    ) -> None:
        init(self, path, line, level, rule, rule_text, subject, message, job, uri)

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
        "a Training Operator v1 job remains that cannot be converted as it is; see the errors about it",
    ),
    "warnings": (
        "warning",
        RuleId.V1_JOB_NEEDS_ATTENTION,
        "A Training Operator v1 job remains that needs attention",
        (
            "a Training Operator v1 job remains; it converts, with {n} warning(s): review them, then run "
            "trainjob-migrate convert --write"
        ),
    ),
}


def shown(text: str) -> str:
    """``text`` with every character a report cannot carry as it is escaped: the bytes of
    a file name that are not UTF-8 (kept by the file system's surrogateescape) as ``\\xNN``,
    control characters as ``\\xNN``/``\\uNNNN``: valid Unicode, valid XML, one line."""
    if text.isprintable():
        return text
    return "".join(
        c
        if c.isprintable()
        else (f"\\x{ord(c) - 0xDC00:02x}" if "\udc80" <= c <= "\udcff" else ascii(c)[1:-1])
        for c in text
    )


def uri(path: str) -> str:
    """A file path as a URI reference: as it is when printable, else percent-encoded bytes."""
    if path.isprintable():
        return path
    from urllib.parse import quote  # only for a path that is not printable (start-up time)

    return quote(os.fsencode(path) if _escaped_bytes(path) else path.encode("utf-8", "replace"))


def _escaped_bytes(path: str) -> bool:
    try:
        os.fsencode(path)
    except UnicodeError:
        return False
    return True


def job_key(path: str, index: int, subject: str) -> tuple[str, int, str]:
    return (path, index, subject)


#: compiled when a run has a placeholder result (re caches it)
_NEED: Final = r"^template (?:variable (\S+) \(|expression (.+?) is carried into)"


def _template_needs(results: list[Result]) -> dict[tuple[str, int, str], list[str]]:
    """The template variables (expressions) each job's TrainJob carries, by job."""
    needs: dict[tuple[str, int, str], list[str]] = {}
    for r in results:
        match = re.match(_NEED, r.message) if r.rule == RuleId.PLACEHOLDER else None
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
    warned: dict[tuple[str, int, str], int] = {}
    for result in report.results:
        if result.severity == "warning" and result.resource and result.file:
            at = job_key(result.file.path, result.file.index, result.resource.display())
            warned[at] = warned.get(at, 0) + 1
    for n, (job, verdict) in enumerate(zip(report.jobs, report.verdicts, strict=True)):
        level, rule, rule_text, message = _VERDICTS[verdict]
        need = needs.get(job_key(job.file.path, job.file.index, job.resource.display()))
        if need:
            message = f"{message} (the converted template needs {', '.join(need)})"
        if (verdict == "convertible" and report.convertible_fails) or (
            verdict == "warnings" and report.attention_fails
        ):
            level = "error"  # it fails the check: annotate it as what it is
        if verdict == "warnings":
            at = job_key(job.file.path, job.file.index, job.resource.display())
            message = message.format(n=warned.get(at, 0))
        out.append(
            Finding(
                shown(job.file.path),
                job.file.line,
                level,
                rule,
                rule_text,
                shown(f"{job.resource.display()}: "),
                message,
                n,
                uri(job.file.path),
            )
        )
    for result in report.results:
        if (result.severity == "info" and report.verbosity <= 0) or result.file is None:
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
                shown(result.file.path),
                result.file.line,
                str(result.severity),
                result.rule,
                f"trainjob-migrate rule {result.rule}",
                shown(subject),
                shown(" ".join((field + result.message).split())),  # one line
                jobs.get(key) if key else None,
                uri(result.file.path),
            )
        )
    return sorted(out, key=lambda f: (f.path, f.line or 0))  # stable: verdicts first


class Totals(Record):
    """What the summary and the exit code of a report need, summed over the reports of the
    groups of a streamed check (counters, not the results and jobs: those are let go of as
    each group's findings are written)."""

    __slots__ = (
        "files", "by_kind", "jobs", "convertible", "attention", "warnings", "other",
        "unreadable", "embedded", "invalid_objects", "invalid_findings",
    )  # fmt: skip
    files: int
    by_kind: dict[str, int]
    jobs: int
    convertible: int
    attention: int
    warnings: int
    other: int
    unreadable: int
    embedded: dict[str, list[int]]
    invalid_objects: int
    invalid_findings: int

    def __init__(self, files: int) -> None:
        self.files = files
        self.by_kind = {}
        self.jobs = self.convertible = self.attention = self.warnings = self.other = 0
        self.unreadable = self.invalid_objects = self.invalid_findings = 0
        self.embedded = {}

    def add(self, report: Report) -> None:
        """Count a report of some of the files (its ``files`` is not counted: the whole's)."""
        for job in report.jobs:
            self.by_kind[job.resource.kind] = self.by_kind.get(job.resource.kind, 0) + 1
        self.jobs += len(report.jobs)
        self.convertible += report.verdicts.count("convertible")
        self.attention += report.verdicts.count("attention")
        self.warnings += report.verdicts.count("warnings")
        self.other += report.other_attention
        self.unreadable += len(report.unreadable)
        for name, numbers in report.embedded.items():
            mine = self.embedded.setdefault(name, [0, 0, 0])
            for i, number in enumerate(numbers):
                mine[i] += number
        self.invalid_objects += len(invalid_objects(report))
        self.invalid_findings += len(report.invalid_v2)

    def counts(self) -> dict[str, Any]:
        """:func:`counts` of the whole."""
        return {
            "files": self.files,
            "jobs": self.jobs,
            "jobsByKind": dict(sorted(self.by_kind.items())),
            "convertible": self.convertible,
            "needAttention": self.attention + self.warnings,
            "convertWithWarnings": self.warnings,
            "otherFindings": self.other,
            "unreadable": self.unreadable,
            **(
                {
                    "embeddedJobs": {
                        name: {"jobs": found, "converted": converted, "findings": findings}
                        for name, (found, converted, findings) in sorted(self.embedded.items())
                    }
                }
                if self.embedded
                else {}
            ),
            "invalidV2Objects": self.invalid_objects,
            "invalidV2Findings": self.invalid_findings,
        }


def counts(report: Report) -> dict[str, Any]:
    totals = Totals(report.files)
    totals.add(report)
    return totals.counts()


def summary(report: Report) -> str:
    return summary_of(counts(report), report.embedded)


def summary_of(c: dict[str, Any], embedded: dict[str, list[int]]) -> str:
    """The summary line of :func:`counts` (``embedded``: :attr:`Report.embedded`)."""
    from trainjob_migrate.sources import KINDS  # (a tuple: no kind's package is imported)

    # a job inside another object (a Katib Experiment, a ConfigMap, an AppWrapper) is counted
    # by the object that holds it, as convert's summary names it: "inside other objects"
    own = {k: n for k, n in c["jobsByKind"].items() if k in KINDS}
    held = {k: n for k, n in c["jobsByKind"].items() if k not in KINDS}
    kinds = ", ".join(f"{n} {kind}" for kind, n in own.items())
    detail = (
        f" ({c['convertWithWarnings']} convert with warnings)" if c["convertWithWarnings"] else ""
    )
    other = f", {c['otherFindings']} other finding(s) need attention" if c["otherFindings"] else ""
    invalid = (
        f"; {c['invalidV2Objects']} Trainer v2 object(s) the target release would reject"
        if c["invalidV2Objects"]
        else ""
    )
    counted = f"{sum(own.values())} Training Operator job(s){f' ({kinds})' if kinds else ''}"
    if held:
        holders = ", ".join(f"{n} {kind}" for kind, n in held.items())
        holding = f"{sum(held.values())} object(s) holding jobs ({holders})"
        counted = f"{counted} and {holding}" if own else holding
    return (
        f"{counted} in {c['files']} file(s): {c['convertible']} convert "
        f"cleanly, {c['needAttention']} need attention{detail}{other}; "
        f"{c['unreadable']} input problem(s)"
        f"{invalid}" + (f"; {_embedded(embedded)}" if embedded else "")
    )


def _embedded(embedded: dict[str, list[int]]) -> str:
    from trainjob_migrate import containers  # only when jobs were found inside other objects

    return containers.summary(embedded)
