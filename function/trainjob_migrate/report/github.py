"""``--output github``: GitHub Actions workflow commands, shown as annotations on the pull request."""

from __future__ import annotations

from trainjob_migrate.report import Report, findings, summary

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render(report: Report) -> str:
    lines = []
    for finding in findings(report):
        props = f"file={_prop(finding.path)}"
        if finding.line is not None:
            props += f",line={finding.line}"
        props += f",title={_prop('trainjob-migrate ' + finding.rule)}"
        lines.append(
            f"::{_COMMANDS[finding.level]} {props}::{_data(finding.subject + finding.message)}"
        )
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
