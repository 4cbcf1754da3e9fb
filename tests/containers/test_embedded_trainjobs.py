"""The TrainJobs written inside containers (golden ``container-*`` cases) are valid against the
target release's CRD once the container's own placeholders are replaced by sample values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import validation
from trainjob_migrate.containers import strings

CASES = Path(__file__).parents[1] / "golden" / "fn"
_PLACEHOLDER = re.compile(r"\$\{trialParameters\.[^}]+\}|\{\{.+?\}\}")
#: TrainJobs each case's containers hold (strings and objects), at least
EXPECTED = {
    "container-katib-experiment": 1,
    "container-katib-trial-template": 1,
    "container-argo-resource": 1,
    "container-kfp-pipeline": 1,
    "container-configmap-job": 2,
}


def _samples(text: str) -> str:
    """Katib and Argo substitute text: an integer where a placeholder stands alone as a YAML
    value, a DNS-safe word elsewhere."""
    alone = re.compile(rf"(:|-)[ \t]+({_PLACEHOLDER.pattern})[ \t]*$", re.MULTILINE)
    text = alone.sub(lambda m: f"{m.group(1)} 2", text)
    return _PLACEHOLDER.sub("sample", text)


def _embedded(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if current.get("kind") == "TrainJob":
                found.append(current)
                continue
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, str) and "TrainJob" in current:
            parsed = strings.parse(_samples(current))
            if isinstance(parsed, dict) and parsed.get("kind") == "TrainJob":
                found.append(parsed)
    return found


RUNS = [(case, target) for case in sorted(EXPECTED) for target in ("2.3", "2.1")]


@pytest.mark.parametrize(("case", "target"), RUNS, ids=[f"{c}@{t}" for c, t in RUNS])
def test_embedded_trainjobs_validate(case: str, target: str) -> None:
    expected = yaml.safe_load((CASES / case / f"_expected.{target}.yaml").read_text())
    trainjobs = [
        trainjob for item in expected["items"] for trainjob in _embedded(_sampled_object(item))
    ]
    assert len(trainjobs) >= EXPECTED[case]
    for trainjob in trainjobs:
        trainjob.setdefault("metadata", {}).setdefault("name", "trial-1")  # Katib names it
        assert validation.validate(trainjob, f"trainjob-{target}") == []


def _sampled_object(item: Any) -> Any:
    """Object-form templates (a Katib trialSpec) hold placeholders inside strings only."""
    if isinstance(item, dict):
        return {k: _sampled_object(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_sampled_object(v) for v in item]
    if isinstance(item, str) and "TrainJob" not in item:
        return _PLACEHOLDER.sub("sample", item)
    return item
