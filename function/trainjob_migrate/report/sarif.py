"""``--output sarif``: SARIF 2.1.0 for code-scanning annotations on a pull request."""

from __future__ import annotations

import json
from typing import Any, Final

from trainjob_migrate import __version__
from trainjob_migrate.report import Report, findings

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS: Final = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report) -> str:
    results: list[dict[str, Any]] = []
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings(report):
        rules.setdefault(
            finding.rule, {"id": finding.rule, "shortDescription": {"text": finding.rule_text}}
        )
        location: dict[str, Any] = {"artifactLocation": {"uri": finding.uri}}
        if finding.line is not None:
            location["region"] = {"startLine": finding.line}
        results.append(
            {
                "ruleId": finding.rule,
                "level": _LEVELS[finding.level],
                "message": {"text": f"{finding.subject}{finding.message}"},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "trainjob-migrate",
                        "version": __version__,
                        "informationUri": "https://github.com/trainjob-migrate/trainjob-migrate",
                        "rules": sorted(rules.values(), key=lambda r: str(r["id"])),
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
