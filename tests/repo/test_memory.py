"""What a repository conversion keeps until it renders: no more than the conversion needs
(the memory of a 20,000-file tree, ``bench/run.py --case convert-repo-20000``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import engine, fsio, kustomize, transaction, walk

KUSTOMIZATION = """\
resources:
- job.yaml
images:
- name: pytorch
  newTag: "2.4"
"""


def test_a_kustomization_keeps_no_node_tree_until_a_line_is_asked() -> None:
    k = kustomize.read("app/kustomization.yaml", KUSTOMIZATION)
    assert k is not None
    assert k.data["images"] == [{"name": "pytorch", "newTag": "2.4"}]
    assert k.node is None  # read once, for its data: positions are composed when asked
    assert k.line("images", 0) == 4
    tree = k.node
    assert tree is not None and k.tree() is tree  # composed once
    assert k.line("resources", 0) == 2
    assert k.line("nowhere") == 1


def test_a_kustomization_that_is_no_mapping_is_not_read() -> None:
    assert kustomize.read("kustomization.yaml", "- a\n- b\n") is None
    assert kustomize.read("kustomization.yaml", "a: [\n") is None
    assert kustomize.read("kustomization.yaml", "a: 1\n---\nb: 2\n") is None


# --- a run that writes keeps no bytes it read once nothing needs them -------------------

JOB = """\
# a comment the rewrite keeps
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: a}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
          - {name: pytorch, image: img}
"""
OTHER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n"
NOT_UTF8 = b"kind: ConfigMap\ndata: {a: '\xff'}\n"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    (repo / "apps" / "job.yaml").write_text(JOB)
    (repo / "apps" / "config.yaml").write_text(OTHER)
    (repo / "apps" / "latin1.yaml").write_bytes(NOT_UTF8)
    (repo / "apps" / "empty.yaml").write_bytes(b"")
    (repo / "apps" / "kustomization.yaml").write_text("resources:\n- job.yaml\n- config.yaml\n")
    return repo


def _outcomes(repo: Path, *, keep_bytes: bool) -> dict[str, engine.FileOutcome]:
    outcome = engine.convert(walk.files([str(repo)]), FunctionConfig(), keep_bytes=keep_bytes)
    return {Path(f.found.rel).name: f for f in outcome.files}


def test_bytes_are_released_once_nothing_needs_them(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    kept = _outcomes(repo, keep_bytes=True)
    released = _outcomes(repo, keep_bytes=False)
    assert kept.keys() == released.keys() == {
        "job.yaml", "config.yaml", "latin1.yaml", "empty.yaml", "kustomization.yaml"
    }  # fmt: skip
    for name, f in kept.items():
        assert f.raw == (repo / "apps" / name).read_bytes() and f.sign is None, name
    for name, f in released.items():
        assert f.new == kept[name].new and f.status == kept[name].status, name
        assert f.raw == b"", name
    assert released["job.yaml"].new is not None and released["job.yaml"].sign is None
    for name in ("config.yaml", "latin1.yaml", "kustomization.yaml"):  # copied from the source
        assert released[name].sign == fsio.digest((repo / "apps" / name).read_bytes()), name
    assert released["empty.yaml"].sign is None  # nothing to release: written as it is


def test_out_copies_released_files_from_their_source(tmp_path: Path, cli) -> None:
    repo = _repo(tmp_path)
    code, _, err = cli("convert", "--out", str(tmp_path / "out"), str(repo))
    assert code == 1, err  # latin1.yaml is not UTF-8: an error, and copied as it is
    out = tmp_path / "out" / "apps"
    for name in ("config.yaml", "latin1.yaml", "empty.yaml", "kustomization.yaml"):
        assert (out / name).read_bytes() == (repo / "apps" / name).read_bytes(), name
    assert (out / "job.yaml").read_text().startswith("# a comment the rewrite keeps\n")
    assert "kind: TrainJob" in (out / "job.yaml").read_text()


@pytest.fixture
def before_staging(monkeypatch) -> list[Callable[[], None]]:
    """Callables run when the write's plan is made (after every file was read)."""
    todo: list[Callable[[], None]] = []

    def hook(step: str, n: int) -> None:
        if step == "plan":
            while todo:
                todo.pop()()

    monkeypatch.setattr(transaction, "hook", hook)
    return todo


def test_a_file_that_changes_before_it_is_copied_is_not_copied(
    tmp_path: Path, cli, before_staging
) -> None:
    repo = _repo(tmp_path)
    config = repo / "apps" / "config.yaml"
    # same size, other bytes (a job now, say): never copied as if it had been converted
    before_staging.append(lambda: config.write_text(OTHER.replace("'1'", "'2'")))
    code, _, err = cli("convert", "--out", str(tmp_path / "out"), str(repo))
    assert code == 1
    assert (
        f"{repo.as_posix()}/apps/config.yaml: error: the file changed while it was converted "
        "(its bytes are no longer those read): it is not copied; run the conversion again "
        "[read]"
    ) in err
    out = tmp_path / "out" / "apps"
    assert not (out / "config.yaml").exists()
    assert "kind: TrainJob" in (out / "job.yaml").read_text()  # the rest is written
    assert (out / "kustomization.yaml").read_bytes() == (
        repo / "apps" / "kustomization.yaml"
    ).read_bytes()
    assert not [p for p in out.iterdir() if ".tjm-" in p.name]


def test_a_file_rewritten_with_the_same_bytes_is_copied(
    tmp_path: Path, cli, before_staging
) -> None:
    repo = _repo(tmp_path)
    config = repo / "apps" / "config.yaml"
    before_staging.append(lambda: (config.unlink(), config.write_text(OTHER)))
    code, _, err = cli("convert", "--out", str(tmp_path / "out"), str(repo))
    assert code == 1  # (latin1.yaml)
    assert "config.yaml" not in err
    assert (tmp_path / "out" / "apps" / "config.yaml").read_text() == OTHER


def test_a_file_gone_before_it_is_copied_is_a_read_finding(
    tmp_path: Path, cli, before_staging
) -> None:
    repo = _repo(tmp_path)
    config = repo / "apps" / "config.yaml"
    before_staging.append(config.unlink)
    code, _, err = cli("convert", "--out", str(tmp_path / "out"), str(repo))
    assert code == 1
    assert (
        f"{repo.as_posix()}/apps/config.yaml: error: cannot read the file: no such file or "
        "directory (to copy it); it is not copied [read]"
    ) in err
    assert not (tmp_path / "out" / "apps" / "config.yaml").exists()
    assert (tmp_path / "out" / "apps" / "job.yaml").exists()


def test_equal_messages_and_fields_of_results_are_one_string(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for n in range(6):  # six jobs alike: the same findings, in as many strings as differ
        (repo / f"job-{n}.yaml").write_text(JOB.replace("name: a", f"name: a{n}"))
    outcome = engine.convert(walk.files([str(repo)]), FunctionConfig(), keep_bytes=False)
    messages = [r.message for r in outcome.results]
    fields = [r.field for r in outcome.results if r.field is not None]
    assert len(messages) - len(set(messages)) >= 5 and len(fields) - len(set(fields)) >= 5
    assert len({id(m) for m in messages}) == len(set(messages))  # one string each
    assert len({id(f) for f in fields}) == len(set(fields))


def test_a_file_found_names_its_path_and_display_with_one_string(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "job.yaml").write_text(JOB)
    (found,) = walk.files([str(tmp_path)])
    assert found.display == found.path and found.display is found.path
    (other,) = walk.files([f"{tmp_path}/./a/"])  # not normalised: two strings
    assert other.display == f"{tmp_path}/a/job.yaml" != other.path
