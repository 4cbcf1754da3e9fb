"""``convert --write`` on a realistic repository equals the golden tree; nothing else moves.

The fixture (``tests/golden/repo/realistic/before``): a base with a multi-document,
commented file; overlays patching PyTorchJob paths (JSON 6902 inline and in a file, a
merge patch, one patch that cannot be carried over) and re-tagging the image; Helm
templates (one converted, one whose blocks cannot be); envsubst templates (one converted, one whose numNodes a template cannot compute);
a kubectl export; CRLF and BOM files; a file with a
broken document; an already converted TrainJob. ``UPDATE_GOLDEN=1`` rewrites ``after``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trainjob_migrate.repo.documents import SourceText, split

FIXTURE = Path(__file__).parents[1] / "golden" / "repo" / "realistic"
BEFORE, AFTER = FIXTURE / "before", FIXTURE / "after"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
KUBECTL = shutil.which("kubectl")


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _convert(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def converted(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("repo") / "repo"
    shutil.copytree(BEFORE, work)
    run = _convert("--write", ".", cwd=work)
    if UPDATE:
        shutil.rmtree(AFTER, ignore_errors=True)
        shutil.copytree(work, AFTER)
    return work, run


def test_the_tree_equals_the_golden_tree(converted) -> None:
    work, run = converted
    assert "Traceback" not in run.stderr
    assert run.returncode == 1  # jobs left with errors (template, placeholder, a patch)
    assert _tree(work) == _tree(AFTER)


def test_untouched_files_are_byte_identical(converted) -> None:
    work, _ = converted
    for name in (
        "base/settings.yaml",
        "base/kustomization.yaml",
        "helm/templates/eval.yaml",
        "envsubst/master-worker.yaml-template",
        "other/deployment.yaml",
        "converted/trainjob.yaml",
    ):
        assert (work / name).read_bytes() == (BEFORE / name).read_bytes(), name


def test_untouched_documents_of_changed_files_are_byte_identical(converted) -> None:
    work, _ = converted
    for name, kept in (("base/training.yaml", [0, 2]), ("broken/mixed.yaml", [0])):
        old = SourceText.decode((BEFORE / name).read_bytes()).text
        new = SourceText.decode((work / name).read_bytes()).text
        old_docs, new_docs = split(old), split(new)
        assert len(old_docs) == len(new_docs)
        for index in kept:
            a, b = old_docs[index], new_docs[index]
            assert old[a.start : a.end] == new[b.start : b.end], (name, index)


def test_line_endings_bom_and_comments_are_kept(converted) -> None:
    work, _ = converted
    crlf = (work / "other/crlf-job.yaml").read_bytes()
    assert b"kind: TrainJob\r\n" in crlf and b"\n" not in crlf.replace(b"\r\n", b"")
    training = (work / "base/training.yaml").read_text()
    assert training.startswith("# Team A's training workloads.\n# Owned by the ML platform team.\n")
    assert (
        "# BERT fine-tuning on 4 GPU nodes.\napiVersion: trainer.kubeflow.org/v1alpha1" in training
    )
    assert (
        "    # Kueue admits the job through this queue.\n    kueue.x-k8s.io/queue-name" in training
    )
    assert "# GPU nodes are tainted.\n" in training  # moved with its field into the patch
    assert training.rstrip().endswith("...")


def test_a_second_run_changes_nothing(converted) -> None:
    work, _ = converted
    before = _tree(work)
    run = _convert("--write", ".", cwd=work)
    assert "Traceback" not in run.stderr
    assert _tree(work) == before
    assert "0 written" in run.stderr


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    work = tmp_path / "repo"
    shutil.copytree(BEFORE, work)
    run = _convert(".", cwd=work)
    assert "--- a/base/training.yaml\n+++ b/base/training.yaml\n" in run.stdout
    assert "+kind: TrainJob\n" in run.stdout
    assert _tree(work) == _tree(BEFORE)


def test_out_writes_a_mirror_and_leaves_the_sources(tmp_path: Path) -> None:
    work, out = tmp_path / "repo", tmp_path / "out"
    shutil.copytree(BEFORE, work)
    _convert(".", "--out", str(out), cwd=work)
    assert _tree(work) == _tree(BEFORE)
    assert _tree(out) == _tree(AFTER)


@pytest.mark.e2e
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (kustomize builds the result)")
@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        ("overlays/prod", ["numNodes: 9", "suspend: true", "image: ghcr.io/acme/bert:1.5"]),
        ("overlays/dev", ["name: NCCL_DEBUG", "numNodes: 4", "image: ghcr.io/acme/bert:1.4"]),
    ],
)
def test_the_converted_overlays_build_with_kustomize(
    converted, overlay: str, expected: list[str]
) -> None:
    work, _ = converted
    build = subprocess.run(
        [KUBECTL, "kustomize", overlay], cwd=work, capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr
    assert "kind: PyTorchJob" not in build.stdout
    for text in expected:
        assert text in build.stdout


JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: small
  labels: {team: a}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          tolerations: [{key: gpu, operator: Exists}]
          containers:
            - name: pytorch
              image: example.com/t:1
              command: [torchrun, t.py]
"""


def test_config_file_takes_the_function_config_and_flags_override_it(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(JOB)
    (tmp_path / "fn.yaml").write_text(
        "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        "metadata: {name: m}\nspec: {targetVersion: '2.1', mode: side-by-side}\n"
    )
    run = _convert("--config", "fn.yaml", "job.yaml", cwd=tmp_path)
    assert "+  name: small-v2\n" in run.stdout and "+  podTemplateOverrides:\n" in run.stdout
    run = _convert("--config", "fn.yaml", "--target-version", "2.3", "job.yaml", cwd=tmp_path)
    assert "+  runtimePatches:\n" in run.stdout
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: {mode: fast}\n")
    run = _convert("--config", "bad.yaml", "job.yaml", cwd=tmp_path)
    assert run.returncode == 78  # EX_CONFIG
    assert (
        "option mode: 'fast' is not allowed; allowed values: replace, side-by-side, report"
        in run.stderr
    )


def test_stdin_to_stdout(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "-"],
        input="# kept\n" + JOB + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(
        "# kept\napiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
    )
    assert run.stdout.endswith("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")


def test_selection_converts_only_the_named_jobs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(JOB)
    (tmp_path / "b.yaml").write_text(
        JOB.replace("name: small", "name: other").replace("team: a", "team: b")
    )
    run = _convert("--write", "-l", "team=b", ".", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "kind: PyTorchJob" in (tmp_path / "a.yaml").read_text()
    assert "kind: TrainJob" in (tmp_path / "b.yaml").read_text()


def test_writes_stay_inside_the_repository_and_are_atomic(tmp_path: Path) -> None:
    """Path annotations are data, symlinks out are not followed, modes are kept, no temp files."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "victim.yaml").write_text(JOB)
    (repo / "escape.yaml").symlink_to(outside / "victim.yaml")
    hostile = JOB.replace(
        "  labels: {team: a}\n",
        "  annotations: {config.kubernetes.io/path: ../../outside/pwned.yaml}\n",
    )
    (repo / "job.yaml").write_text(hostile)
    (repo / "job.yaml").chmod(0o640)
    run = _convert("--write", ".", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (outside / "victim.yaml").read_text() == JOB  # the link out was not followed
    assert not (outside / "pwned.yaml").exists() and not (tmp_path / "pwned.yaml").exists()
    assert "kind: TrainJob" in (repo / "job.yaml").read_text()
    assert ((repo / "job.yaml").stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in repo.iterdir()) == ["escape.yaml", "job.yaml"]
