"""``--output markdown``: a pull-request summary (``$GITHUB_STEP_SUMMARY``, a PR comment).

Counts per kind and verdict, the v1 jobs that still need attention with their file:line,
and the Trainer v2 objects the target release would reject, each with its findings. In
GitHub Actions (``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY`` and ``GITHUB_SHA`` set), each
file:line of a relative path links to that line of the commit.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.report import Finding, Report, counts, findings, invalid_objects, is_v2_rule

_STATUS = {
    0: "nothing to do",
    2: "v1 jobs remain that convert cleanly",
    3: "v1 jobs remain that need attention",
    4: "input could not be read",
    5: "Trainer v2 objects would be rejected",
}


def render(report: Report) -> str:
    c = counts(report)
    status = _STATUS.get(report.exit_code, f"exit {report.exit_code}")
    icon = "✅" if report.exit_code == 0 else "❌"
    out = [f"## {icon} trainjob-migrate check: {status}", ""]
    out += _counts(report, c)
    every = findings(report)
    attention = [n for n, verdict in enumerate(report.verdicts) if verdict == "attention"]
    if attention:
        out += ["", "### v1 jobs that need attention", ""]
        for n in attention:
            job = report.jobs[n]
            out.append(f"- {_where(job.file.path, job.file.line)} {_text(job.resource.display())}")
            out += [
                f"  - {_finding(f)}" for f in every if f.job == n and f.rule not in _VERDICT_RULES
            ]
    convertible = [
        j for j, v in zip(report.jobs, report.verdicts, strict=True) if v == "convertible"
    ]
    if convertible:
        out += ["", "### v1 jobs that convert cleanly (`trainjob-migrate convert --write`)", ""]
        out += [
            f"- {_where(j.file.path, j.file.line)} {_text(j.resource.display())}"
            for j in convertible
        ]
    invalid = invalid_objects(report)
    if invalid:
        out += ["", "### Trainer v2 objects that fail validation", ""]
        for display, path, line in invalid:
            out.append(f"- {_where(path, line)} {_text(display)}")
            for f in every:
                if is_v2_rule(f.rule) and f.path == path and f.subject == f"{display}: ":
                    out.append(f"  - {_finding(f)}")
    if report.unreadable:
        out += ["", "### Input that could not be read", ""]
        out += [f"- {_finding(f)}" for f in every if f.rule == RuleId.READ]
    return "\n".join(out) + "\n"


_VERDICT_RULES = frozenset({RuleId.V1_JOB_CONVERTIBLE.value, RuleId.V1_JOB_NEEDS_ATTENTION.value})


def _counts(report: Report, c: dict[str, object]) -> list[str]:
    rows = ["| kind | convert cleanly | need attention |", "|---|---:|---:|"]
    per_kind: dict[str, list[int]] = {}
    for job, verdict in zip(report.jobs, report.verdicts, strict=True):
        cell = per_kind.setdefault(job.resource.kind, [0, 0])
        cell[0 if verdict == "convertible" else 1] += 1
    for kind, (clean, attention) in sorted(per_kind.items()):
        rows.append(f"| {_text(kind)} | {clean} | {attention} |")
    v2_kinds: dict[str, int] = {}
    for display, _, _ in invalid_objects(report):
        kind = display.split(" ", 1)[0]
        v2_kinds[kind] = v2_kinds.get(kind, 0) + 1
    rows += [
        "",
        f"{c['files']} file(s) read; {c['jobs']} Training Operator v1 job(s); "
        f"{c['unreadable']} input problem(s); {c['invalidV2Objects']} Trainer v2 object(s) "
        "failing validation"
        + (
            " (" + ", ".join(f"{n} {k}" for k, n in sorted(v2_kinds.items())) + ")"
            if v2_kinds
            else ""
        )
        + ".",
    ]
    return rows if per_kind else rows[3:]


def _finding(f: Finding) -> str:
    return f"{_where(f.path, f.line)} **{f.level}** {_text(f.message)} (`{f.rule}`)"


def _where(path: str, line: int | None) -> str:
    """``path:line`` as code; a link to the line of the commit in GitHub Actions."""
    shown = f"`{_code(path)}:{line or 1}`"
    env = os.environ
    base = [env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")]
    relative = path.removeprefix("./")
    if not all(base) or relative.startswith(("/", "../")) or relative == "-":
        return shown
    server, repo, sha = base
    url = f"{server}/{repo}/blob/{sha}/{quote(relative)}#L{line or 1}"
    return f"[{shown}]({url})"


def _code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


def _text(text: str) -> str:
    """Input text in Markdown: no HTML, no link or emphasis syntax, one line."""
    out = text.replace("\n", " ").replace("\r", " ")
    for ch in "\\`*_[]<>|#!":
        out = out.replace(ch, "\\" + ch)
    return out
