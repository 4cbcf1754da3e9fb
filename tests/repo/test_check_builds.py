"""check builds every kustomization: a tree that does not build never passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainjob_migrate import cli
from trainjob_migrate.repo import build

OVERLAYS = Path(__file__).parents[1] / "golden" / "repo" / "overlays" / "before"


@pytest.fixture
def converted(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(OVERLAYS, work)
    cli.main(["convert", "--write", str(work)])
    return work


@pytest.mark.skipif(build.command() is None, reason="no kubectl or kustomize on PATH")
def test_a_kustomization_that_no_longer_builds_fails_check_at_its_file_and_line(
    capsys, converted: Path
) -> None:
    patch = converted / "overlays/staging/replicas.yaml"
    patch.write_text(patch.read_text().replace("  namespace: ml\n", ""))
    capsys.readouterr()
    assert cli.main(["check", "--ignore-attention", str(converted / "overlays/image")]) == 0
    assert cli.main(["check", str(converted)]) == 3
    out = capsys.readouterr().out
    assert (
        f"{converted.as_posix()}/overlays/staging/kustomization.yaml:3: error: this "
        'kustomization does not build: no resource matches strategic merge patch "TrainJob.' in out
    )
    assert out.count("[kustomize-build]") == 1


@pytest.mark.skipif(build.command() is None, reason="no kubectl or kustomize on PATH")
def test_the_converted_overlays_build(capsys, converted: Path) -> None:
    assert cli.main(["check", "-v", str(converted)]) == 3  # the job the split overlay keeps
    assert "kustomize-build" not in capsys.readouterr().out


def test_without_a_kustomize_one_info_says_nothing_was_built(
    capsys, converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    capsys.readouterr()
    cli.main(["check", "-v", str(converted)])
    lines = [line for line in capsys.readouterr().out.splitlines() if "kustomize-build" in line]
    assert len(lines) == 1
    assert ": info: 6 kustomization(s) not built: no kubectl or kustomize on PATH" in lines[0]


JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: train
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/acme/train:1
              command: [torchrun, train.py]
"""


@pytest.mark.skipif(build.command() is None, reason="no kubectl or kustomize on PATH")
def test_convert_write_builds_what_it_wrote(capsys, tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(JOB)
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - job.yaml\n")
    assert cli.main(["convert", "--write", str(tmp_path)]) == 0
    assert "[kustomize-build]" not in capsys.readouterr().err  # the converted tree builds
    (tmp_path / "job.yaml").write_text(JOB)  # back to v1, with a resource that is not there
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - job.yaml\n  - gone.yaml\n")
    assert cli.main(["convert", "--write", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "kustomization.yaml:3: error: this kustomization does not build" in err  # gone.yaml
    assert "[kustomize-build]" in err


def test_doctor_reports_the_builds_as_check_does(
    capsys, converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """doctor says everything check says (commands/doctor.py): the kustomize builds too."""
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    capsys.readouterr()
    check_code = cli.main(["check", "-v", str(converted)])
    checked = [line for line in capsys.readouterr().out.splitlines() if "kustomize-build" in line]
    doctor_code = cli.main(["doctor", "-v", str(converted)])
    doctored = [line for line in capsys.readouterr().out.splitlines() if "kustomize-build" in line]
    assert doctor_code == check_code
    assert len(checked) == 1
    assert doctored == checked


@pytest.mark.skipif(build.command() is None, reason="no kubectl or kustomize on PATH")
def test_a_kustomization_that_no_longer_builds_fails_doctor_too(capsys, converted: Path) -> None:
    patch = converted / "overlays/staging/replicas.yaml"
    patch.write_text(patch.read_text().replace("  namespace: ml\n", ""))
    capsys.readouterr()
    assert cli.main(["doctor", str(converted)]) == 3
    out = capsys.readouterr().out
    assert "this kustomization does not build" in out
    assert out.count("[kustomize-build]") == 1
