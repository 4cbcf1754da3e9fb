"""Reading a repository: every file-system fault is a finding naming the file and the cause,
in check's "unreadable" category (exit 4; convert exits 1), never a hang, an abort or a
silent skip (issue 11). Only regular files are opened; per-file and per-tree limits."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from trainjob_migrate.repo import fsio, walk

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
ROOT = os.geteuid() == 0


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "ok.yaml").write_text(JOB)
    return root


def _make_fifo(root: Path) -> str:
    os.mkfifo(root / "x.yaml")
    return "a FIFO"


def _make_socket(root: Path) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "x.yaml"))
    return "a socket"


def _make_device(root: Path) -> str:
    if not ROOT:
        pytest.skip("mknod of a character device needs root")
    os.mknod(root / "x.yaml", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    return "a device node"


def _make_loop(root: Path) -> str:
    (root / "x.yaml").symlink_to("y.yaml")
    (root / "y.yaml").symlink_to("x.yaml")
    return "symlink loop"


def _make_deep(root: Path) -> str:
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(24):  # 24 * 201 bytes: over PATH_MAX (4096)
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("x.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, JOB.encode())
        os.close(out)
    finally:
        os.close(fd)
    return "too long"


MAKERS = {
    "fifo": _make_fifo,
    "socket": _make_socket,
    "device": _make_device,
    "symlink-loop": _make_loop,
    "path-over-path-max": _make_deep,
}


@pytest.mark.parametrize("case", MAKERS)
def test_fault_is_a_finding_in_check_and_convert(case: str, tmp_path: Path, cli) -> None:
    root = _tree(tmp_path)
    said = MAKERS[case](root)
    code, out, _ = cli("check", str(root))
    assert code == 4, out
    assert said in out
    assert "[read]" in out
    code, out, err = cli("convert", str(root))
    assert code == 1
    assert said in err
    assert "+kind: TrainJob" in out, "the readable file is still converted"
    assert "internal error" not in err


def test_an_unreadable_directory_is_a_finding(tmp_path: Path, cli, monkeypatch) -> None:
    # root reads a mode-000 directory anyway: the listing is refused by a hook instead
    root = _tree(tmp_path)
    (root / "closed").mkdir()
    (root / "closed" / "job.yaml").write_text(JOB)
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith("closed"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(walk.os, "scandir", scandir)
    code, out, _ = cli("check", str(root))
    assert code == 4
    assert f"{root}/closed: error: cannot read the directory: permission denied" in out
    code, _, err = cli("check", "--ignore-convertible", str(root / "closed"))
    assert code == 4, "a tree it could not read is never a clean tree"
    assert "permission denied" in err + _


@pytest.mark.skipif(not ROOT, reason="drops to user nobody in a forked child (needs root)")
def test_mode_000_directory_as_an_unprivileged_user(tmp_path: Path) -> None:
    base = Path("/tmp") / f"tjm-{os.getpid()}-{tmp_path.name}"  # traversable by nobody
    base.mkdir(mode=0o755)
    try:
        (base / "ok.yaml").write_text(JOB)
        (base / "closed").mkdir(mode=0o000)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: walk as nobody, send the faults, leave
            code = 1
            try:
                os.close(read_end)
                os.setuid(65534)
                faults = [f"{f.display}: {f.fault}" for f in walk.files([base]) if f.fault]
                os.write(write_end, "\n".join(faults).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as answer:
            said = answer.read().decode()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert said == f"{base}/closed: cannot read the directory: permission denied"
    finally:
        (base / "closed").chmod(0o755)
        for path in sorted(base.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        base.rmdir()


def test_dev_zero_given_is_not_read(cli) -> None:
    code, _, err = cli("convert", "/dev/zero")
    assert code == 1
    assert "/dev/zero: error: not read: a device node" in err


def test_stdin_is_bounded(tmp_path: Path) -> None:
    with Path("/dev/zero").open("rb") as zero:
        run = subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", "convert", "-"],
            stdin=zero,
            capture_output=True,
            timeout=60,
            env={**os.environ, "TRAINJOB_MIGRATE_MAX_INPUT_MB": "1"},
            check=False,
        )
    assert run.returncode == 1
    assert b"over the limit of 1 MiB" in run.stderr
    assert run.stdout == b""


def test_per_file_and_per_tree_limits(tmp_path: Path, cli, monkeypatch) -> None:
    root = _tree(tmp_path)
    filler = "# " + "x" * 1000 + "\n"
    (root / "big.yaml").write_text(filler * 1100)  # 1.1 MB: over a 1 MiB per-file limit
    for n in range(9):  # 9 * 0.95 MB: over the tree limit of 8 MiB
        (root / f"part{n}.yaml").write_text(filler * 950)
    monkeypatch.setenv("TRAINJOB_MIGRATE_MAX_INPUT_MB", "1")
    code, out, _ = cli("check", str(root))
    assert code == 4
    assert "big.yaml: error: not read: 1.1 MiB, over the limit of 1 MiB per file" in out
    assert "part8.yaml: error: not read: the files before it hold" in out
    assert "TRAINJOB_MIGRATE_MAX_INPUT_MB" in out
    assert fsio.tree_limit() == fsio.TREE_FACTOR * 1024 * 1024


def test_json_files_are_scanned(tmp_path: Path, cli) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "job.json").write_text(
        '{"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "metadata": {"name": "j"},'
        ' "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": 1, "template": {"spec":'
        ' {"containers": [{"name": "pytorch", "image": "i"}]}}}}}}\n'
    )
    code, out, _ = cli("check", str(root))
    assert code == 2
    assert "job.json" in out


@pytest.mark.parametrize("command", ["check", "doctor"])
def test_stdin_is_bounded_in_check_and_doctor_too(command: str) -> None:
    """As `convert -` (above) and `fn`: `check -` stops at the limit, and says so (exit 4)."""
    with Path("/dev/zero").open("rb") as zero:
        run = subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", command, "-"],
            stdin=zero,
            capture_output=True,
            timeout=60,
            env={**os.environ, "TRAINJOB_MIGRATE_MAX_INPUT_MB": "1"},
            check=False,
        )
    assert run.returncode == 4
    assert b"over the limit of 1 MiB" in run.stdout
