"""``--output json``: the whole report for machines (jobs with verdicts, results, summary)."""

from __future__ import annotations

import json
from typing import Any

from trainjob_migrate.report import Report, counts, shown


def render(report: Report) -> str:
    jobs: list[dict[str, Any]] = [
        {
            **job.resource.to_dict(),
            "file": shown(job.file.path),
            "line": job.file.line,
            "verdict": verdict,
        }
        for job, verdict in zip(report.jobs, report.verdicts, strict=True)
    ]
    results = []
    for result in report.results:
        entry = result.to_dict()
        if result.file is not None:
            entry["file"] = {"path": shown(result.file.path), "line": result.file.line}
        results.append(entry)
    body = {
        "summary": {**counts(report), "exitCode": report.exit_code},
        "jobs": jobs,
        "results": results,
    }
    return json.dumps(body, indent=2, sort_keys=False) + "\n"
