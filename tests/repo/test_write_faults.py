"""Writing a repository: each fault is a finding naming the file and the cause, nothing is
written outside the root, modes are kept, a file that could not be read is never written
(issue 11). Every case runs under the timeout of the ``cli`` fixture."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest

from trainjob_migrate.repo import engine, fsio, parallel, transaction

JOB = """\
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
OTHER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(root).as_posix(): (
            p.lstat().st_mode,
            p.read_bytes() if p.is_file() and not p.is_symlink() else b"",
        )
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A repository, and a directory beside it that no run may touch."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / "apps" / "a").mkdir(parents=True)
    (repo / "apps" / "a" / "job.yaml").write_text(JOB)
    (repo / "apps" / "a" / "config.yaml").write_text(OTHER)
    (outside / "a").mkdir(parents=True)
    (outside / "a" / "job.yaml").write_text("# not yours\n")
    return repo, outside


def test_modes_are_mirrored_in_out(world, cli, tmp_path: Path) -> None:
    repo, _ = world
    (repo / "apps" / "a" / "job.yaml").chmod(0o600)
    (repo / "apps" / "a" / "config.yaml").chmod(0o640)
    out = tmp_path / "out"
    code, _, err = cli("convert", "--out", str(out), str(repo))
    assert code == 0, err
    assert stat.S_IMODE((out / "apps" / "a" / "job.yaml").stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "apps" / "a" / "config.yaml").stat().st_mode) == 0o640
    assert "kind: TrainJob" in (out / "apps" / "a" / "job.yaml").read_text()


def test_an_unreadable_source_is_not_mirrored(world, cli, tmp_path: Path, monkeypatch) -> None:
    repo, _ = world
    real = fsio.read

    def read(path, limit):  # type: ignore[no-untyped-def]  # root reads mode 000: a hook
        if str(path).endswith("config.yaml"):
            raise fsio.Fault("cannot read the file: permission denied")
        return real(path, limit)

    monkeypatch.setattr(engine.fsio, "read", read)
    out = tmp_path / "out"
    code, _, err = cli("convert", "--out", str(out), str(repo))
    assert code == 1
    assert "config.yaml: error: cannot read the file: permission denied [read]" in err
    assert not (out / "apps" / "a" / "config.yaml").exists(), "never an empty file"
    assert (out / "apps" / "a" / "job.yaml").exists()


def test_a_fifo_is_not_mirrored(world, cli, tmp_path: Path) -> None:
    repo, _ = world
    os.mkfifo(repo / "apps" / "a" / "pipe.yaml")
    out = tmp_path / "out"
    code, _, err = cli("convert", "--out", str(out), str(repo))
    assert code == 1
    assert "pipe.yaml: error: not read: a FIFO" in err
    assert not (out / "apps" / "a" / "pipe.yaml").exists()


def test_a_read_only_file_is_named(world, cli) -> None:
    repo, _ = world
    job = repo / "apps" / "a" / "job.yaml"
    job.chmod(0o444)
    code, _, err = cli("convert", "--write", str(repo))
    assert code == 0
    assert "job.yaml: warning: the file is read-only (mode 0444)" in err
    assert stat.S_IMODE(job.stat().st_mode) == 0o444
    assert "kind: TrainJob" in job.read_text()


@pytest.mark.parametrize("step", ["plan", "stage"])
@pytest.mark.parametrize("mode", ["--write", "--out"])
def test_a_directory_swapped_for_a_symlink_stops_the_write(
    world, cli, tmp_path: Path, monkeypatch, mode: str, step: str
) -> None:
    """Swapped before the directory is opened: refused by O_NOFOLLOW. Swapped after: the
    writes go through the descriptor of the directory that was there (now removed)."""
    repo, outside = world
    out = tmp_path / "out"
    target = repo if mode == "--write" else out
    if mode == "--out":
        (out / "apps" / "a").mkdir(parents=True)
    before_outside = _snapshot(outside)

    def swap(at: str, n: int) -> None:  # between the plan and the first write
        if (at, n) == (step, 0):
            victim = target / "apps" / "a"
            for child in victim.iterdir():
                child.unlink()
            victim.rmdir()
            victim.symlink_to(outside / "a", target_is_directory=True)

    monkeypatch.setattr(transaction, "hook", swap)
    args = (
        ["convert", "--write", str(repo)]
        if mode == "--write"
        else ["convert", "--out", str(out), str(repo)]
    )
    code, _, err = cli(*args)
    assert code == 1
    if step == "plan":
        assert "'apps/a' is no longer a directory" in err, err
    else:
        assert "no such file or directory" in err, err
    assert "nothing was written" in err
    assert _snapshot(outside) == before_outside, "nothing written outside the root"
    leftovers = [p for p in target.rglob(".*") if ".tjm-" in p.name or "journal" in p.name]
    assert leftovers == []


def test_a_write_error_names_the_real_file(world, cli, tmp_path: Path) -> None:
    repo, _ = world
    out = tmp_path / "out"
    (out / "apps").mkdir(parents=True)
    (out / "apps" / "a").write_text("a file where the mirror needs a directory")
    code, _, err = cli("convert", "--out", str(out), str(repo))
    assert code == 1
    assert (
        "apps/a/config.yaml: error: cannot write the file: 'apps/a' is no longer a directory" in err
    )
    assert "internal error" not in err


def test_the_reading_child_dies_with_its_parent() -> None:
    read_end, write_end = os.pipe()
    parent = os.fork()
    if parent == 0:  # the parent of a parallel.both run; killed below
        try:

            def there() -> None:
                os.write(write_end, str(os.getpid()).encode())
                time.sleep(60)

            parallel.both(lambda: time.sleep(60), there, fork=True)
        finally:
            os._exit(1)
    os.close(write_end)
    child = int(os.read(read_end, 32))
    os.close(read_end)
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    for _ in range(100):
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived its parent")
