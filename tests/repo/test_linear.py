"""A file of many jobs costs its length, not its length squared: each file's text is
decoded a bounded number of times however many of its documents are converted (a decode per
document made `convert` of one 8,000-document file take 27 s instead of 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import documents, engine, parallel, walk

JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: job-{n}
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
          - name: pytorch
            image: example.com/train:{n}
            command: [python, train.py]
"""


def _decodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> int:
    manifest = tmp_path / f"jobs-{jobs}.yaml"
    manifest.write_text("---\n".join(JOB.format(n=n) for n in range(jobs)), encoding="utf-8")
    monkeypatch.setattr(parallel, "MIN_WORK", 1 << 62)  # one process: its calls are counted
    calls = []
    decode = documents.SourceText.decode.__func__  # type: ignore[attr-defined]

    def counted(cls: type[documents.SourceText], raw: bytes) -> documents.SourceText:
        calls.append(len(raw))
        return decode(cls, raw)

    monkeypatch.setattr(documents.SourceText, "decode", classmethod(counted))
    outcome = engine.convert(list(walk.files([manifest])), FunctionConfig())
    assert outcome.converted == jobs
    new = outcome.files[0].new
    assert new is not None and list(yaml.safe_load_all(new))[-1]["kind"] == "TrainJob"
    return len(calls)


def test_a_file_of_many_jobs_is_decoded_a_bounded_number_of_times(tmp_path, monkeypatch):
    few, many = _decodes(tmp_path, monkeypatch, 3), _decodes(tmp_path, monkeypatch, 60)
    assert many == few <= 3
