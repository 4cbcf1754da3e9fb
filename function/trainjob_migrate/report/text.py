"""``--output text``: one line a finding, ``file:line: severity: message``, then a summary."""

from __future__ import annotations

from trainjob_migrate.report import Finding, Report, findings, summary


def render(report: Report) -> str:
    lines = [] if report.verbosity < 0 else [line(f) for f in findings(report)]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def line(f: Finding) -> str:
    """A finding's line (without its end), as :func:`render` and a streamed check write it."""
    return f"{f.location}: {f.level}: {f.subject}{f.message} [{f.rule}]"
