"""``--output sarif``: SARIF 2.1.0 for code-scanning annotations on a pull request.

``rules[]`` holds every rule the results name, described from the rule registry
(:mod:`~trainjob_migrate.catalogue`); each result points at its rule by ``ruleIndex``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from trainjob_migrate import __version__, catalogue
from trainjob_migrate.report import Report, findings

SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS: Final = {"error": "error", "warning": "warning", "info": "note"}


def render(report: Report) -> str:
    found = findings(report)
    texts = {f.rule: f.rule_text for f in found}
    rules = [_rule(rule_id, texts[rule_id]) for rule_id in sorted(texts)]
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for finding in found:
        location: dict[str, Any] = {"artifactLocation": {"uri": finding.uri}}
        if finding.line is not None:
            location["region"] = {"startLine": finding.line}
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
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
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule(rule_id: str, fallback: str) -> dict[str, Any]:
    """A ``reportingDescriptor`` from the registry (an unregistered id: its id alone)."""
    entry = catalogue.get(rule_id)
    if entry is None:  # tests/unit/test_catalogue.py keeps this from happening
        return {"id": rule_id, "shortDescription": {"text": fallback}}
    explain = f"trainjob-migrate explain {rule_id}"
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": f"{entry.description}."},
        "fullDescription": {"text": f"{entry.description}. {_plain(entry.help)}"},
        "help": {
            "text": f"{_plain(entry.help)}\n\n({explain})",
            "markdown": f"**{entry.description}.**\n\n{entry.help}\n\n`{explain}`",
        },
        "properties": {"tags": [str(entry.kind)]},
    }
    if entry.severity is not None:
        rule["defaultConfiguration"] = {"level": _LEVELS[entry.severity]}
    return rule


def _plain(text: str) -> str:
    """Help text without the docstrings' line wrapping (SARIF viewers show text as is):
    a line break stays only before a list item."""
    return re.sub(r"\n(?!\n|- )\s*", " ", text)
