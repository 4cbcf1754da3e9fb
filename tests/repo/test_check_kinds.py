"""`check` on a folder holding only MPIJobs and TFJobs fails, with a finding per job (issue 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from trainjob_migrate import cli

UPSTREAM = Path(__file__).resolve().parents[1] / "vendored" / "upstream-examples"

TFJOB = """\
apiVersion: kubeflow.org/v1
kind: TFJob
metadata:
  name: mnist
  namespace: team-a
spec:
  tfReplicaSpecs:
    PS:
      replicas: 1
      template:
        spec:
          containers:
            - name: tensorflow
              image: kubeflow/tf-dist-mnist-test:1.0
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: tensorflow
              image: kubeflow/tf-dist-mnist-test:1.0
"""


def test_a_folder_of_mpijobs_and_tfjobs_fails_with_a_finding_per_job(
    tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "jobs"
    folder.mkdir()
    shutil.copy(
        UPSTREAM
        / "mpijob-v2beta1"
        / "mpi-operator-v0.8.0"
        / "examples"
        / "v2beta1"
        / "pi"
        / "pi.yaml",
        folder / "pi.yaml",
    )
    (folder / "tfjob.yaml").write_text(TFJOB)
    code = cli.main(["check", "--output", "json", str(folder)])
    body = json.loads(capsys.readouterr().out)
    assert code != 0
    assert body["summary"]["jobs"] == 2
    assert body["summary"]["jobsByKind"] == {"MPIJob": 1, "TFJob": 1}
    verdicts = {(j["kind"], j["name"]): j["verdict"] for j in body["jobs"]}
    assert set(verdicts) == {("MPIJob", "pi"), ("TFJob", "mnist")}
    assert verdicts[("TFJob", "mnist")] == "attention"
    refused = [r for r in body["results"] if r["tags"]["rule"] == "unsupported-kind"]
    assert [r["resourceRef"]["name"] for r in refused] == ["mnist"]
    assert refused[0]["file"]["line"] == 1


def test_text_names_each_job_with_its_file_and_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "tfjob.yaml").write_text("---\n" + TFJOB)
    code = cli.main(["check", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 3
    assert "tfjob.yaml:2: error: TFJob team-a/mnist:" in out
    assert out.splitlines()[-1].startswith("1 Training Operator job(s) (1 TFJob) in 1 file(s)")
