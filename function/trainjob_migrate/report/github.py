"""``--output github``: GitHub Actions workflow commands, shown as annotations on the pull request."""

from __future__ import annotations

from trainjob_migrate.report import Finding, Report, findings, summary

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render(report: Report) -> str:
    lines = [line(finding) for finding in findings(report)]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def line(finding: Finding) -> str:
    """A finding's workflow command (without its end), as :func:`render` and a streamed
    check write it."""
    props = f"file={_prop(finding.path)}"
    if finding.line is not None:
        props += f",line={finding.line}"
    props += f",title={_prop('trainjob-migrate ' + finding.rule)}"
    return f"::{_COMMANDS[finding.level]} {props}::{_data(finding.subject + finding.message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
