"""``convert --write`` and ``--out`` are transactions: the tree is either as before or fully
converted, after at most one re-run (issue 11).

Crash consistency: a test hook in ``repo/transaction.py`` stops the run at every step
(each file staged, the commit, each rename, the finish) as a kill would (an exception
nothing catches: no clean-up runs), or fails it with an OSError as a full disk would;
then the same command runs again. Every time the tree equals the uninterrupted result
(``tests/golden/repo/realistic/after``), no temporary file or journal remains, and
``kubectl kustomize`` builds every overlay (when kubectl is on PATH).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from trainjob_migrate.repo import build, transaction

FIXTURE = Path(__file__).parents[1] / "golden" / "repo" / "realistic"
BEFORE, AFTER = FIXTURE / "before", FIXTURE / "after"
KUBECTL = shutil.which("kubectl")
OVERLAYS = ("overlays/dev", "overlays/prod")


class Killed(BaseException):
    """What a SIGKILL leaves: nothing after this point runs."""


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def _leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob(".*") if p.name == transaction.JOURNAL or ".tjm-" in p.name]


class Stopper:
    """The test hook: records every step it passes; raises what ``at`` says at a step."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.at: dict[tuple[str, int], BaseException] = {}

    def __call__(self, step: str, n: int) -> None:
        self.seen.append((step, n))
        error = self.at.pop((step, n), None)
        if error is not None:
            raise error


@pytest.fixture
def stop_at(monkeypatch) -> Stopper:
    stopper = Stopper()
    monkeypatch.setattr(transaction, "hook", stopper)
    return stopper


def _repo(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(BEFORE, work)
    return work


def _steps_of_a_run(tmp_path: Path, cli, stopper: Stopper) -> list[tuple[str, int]]:
    work = _repo(tmp_path / "probe")
    code, _, _ = cli("convert", "--write", str(work))
    assert code == 1  # the fixture has jobs left with errors
    return list(stopper.seen)


def test_every_kill_point_then_a_rerun_gives_the_uninterrupted_result(
    tmp_path: Path, cli, stop_at, monkeypatch
) -> None:
    # A rerun that rewrites files then builds every kustomization (repo/build.py: kubectl,
    # four overlays): nothing here depends on those builds (the fixture's jobs with errors make
    # every exit code 1, and the tree is asserted byte for byte), and the tree is the golden
    # one, which test_after_a_kill_and_a_rerun_every_overlay_builds and the golden test build.
    # Recorded instead of run: 4 of this test's 5 seconds were 52 kubectl processes.
    builds: list[str] = []
    monkeypatch.setattr(build, "check", lambda found: builds.append("built") or [])
    steps = _steps_of_a_run(tmp_path, cli, stop_at)
    renames = [s for s in steps if s[0] == "rename"]
    expected = _tree(AFTER)
    before = _tree(BEFORE)
    written = [name for name, data in expected.items() if before.get(name) != data]
    assert len(renames) == len(written) > 5  # every file changed, trainjob-images.yaml created
    for number, step in enumerate(steps):
        work = _repo(tmp_path / f"kill{number}")
        stop_at.at[step] = Killed()
        with pytest.raises(Killed):
            cli("convert", "--write", str(work))
        code, _, err = cli("convert", "--write", str(work))
        assert code == 1, err
        assert "internal error" not in err
        assert _tree(work) == expected, step
        assert _leftovers(work) == [], step
        if step[0] in ("rename", "finish") or step == ("commit", 0):
            completed = (
                f"an interrupted conversion of {len(written)} file(s) was found and completed"
            )
            assert completed in err
    assert len(builds) > len(steps) // 3, "reruns that rewrite files reach the build check"


@pytest.mark.e2e
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (kustomize builds the result)")
@pytest.mark.parametrize("rename", [0, 8])
def test_after_a_kill_and_a_rerun_every_overlay_builds(
    tmp_path: Path, cli, stop_at, rename: int
) -> None:
    # (every kill point gives the golden tree above, which the golden test builds too)
    assert KUBECTL is not None
    work = _repo(tmp_path)
    stop_at.at[("rename", rename)] = Killed()
    with pytest.raises(Killed):
        cli("convert", "--write", str(work))
    cli("convert", "--write", str(work))
    for overlay in OVERLAYS:
        build = subprocess.run(
            [KUBECTL, "kustomize", overlay],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert build.returncode == 0, build.stderr
        assert "kind: PyTorchJob" not in build.stdout


def test_a_kill_then_rollback_restores_every_original(tmp_path: Path, cli, stop_at) -> None:
    for n in (0, 4, 8):
        work = _repo(tmp_path / f"r{n}")
        stop_at.at[("rename", n)] = Killed()
        with pytest.raises(Killed):
            cli("convert", "--write", str(work))
        assert (work / transaction.JOURNAL).exists()
        code, out, err = cli("check", str(work))
        assert code == 4, "a half-converted tree is never clean"
        assert "an interrupted conversion waits here" in out
        code, _, err = cli("convert", "--write", "--rollback", str(work))
        assert code == 0, err
        assert "rolled back" in err
        assert _tree(work) == _tree(BEFORE)
        assert _leftovers(work) == []


@pytest.mark.parametrize(
    ("failure", "points"), [("ENOSPC", range(9)), ("EACCES", (0, 4)), ("EROFS", (8,))]
)
def test_a_write_error_before_the_commit_point_changes_nothing(
    tmp_path: Path, cli, stop_at, failure: str, points: range
) -> None:
    code_of = getattr(errno, failure)
    for n in points:
        work = _repo(tmp_path / f"{failure}{n}")
        stop_at.at[("stage", n)] = OSError(code_of, os.strerror(code_of))
        code, _, err = cli("convert", "--write", str(work))
        assert code == 1
        assert "nothing was written (every file is as it was)" in err
        assert "internal error" not in err
        assert "0 written" in err
        assert _tree(work) == _tree(BEFORE), n
        assert _leftovers(work) == []


def test_a_write_error_after_the_commit_point_is_completed_by_a_rerun(
    tmp_path: Path, cli, stop_at
) -> None:
    work = _repo(tmp_path)
    stop_at.at[("rename", 3)] = OSError(errno.EIO, "Input/output error")
    code, _, err = cli("convert", "--write", str(work))
    assert code == 1
    assert "run the same command again to complete it" in err
    code, _, err = cli("convert", "--write", str(work))
    assert "completed" in err
    assert _tree(work) == _tree(AFTER)
    assert _leftovers(work) == []


def test_out_is_a_transaction_too(tmp_path: Path, cli, stop_at) -> None:
    work, out = _repo(tmp_path), tmp_path / "out"
    stop_at.at[("rename", 5)] = Killed()
    with pytest.raises(Killed):
        cli("convert", "--out", str(out), str(work))
    cli("convert", "--out", str(out), str(work))
    assert _tree(out) == _tree(AFTER)
    assert _leftovers(out) == []
    assert _tree(work) == _tree(BEFORE)


def test_temporary_files_of_earlier_runs_are_removed_or_named(tmp_path: Path, cli) -> None:
    work = _repo(tmp_path)
    (work / "base" / ".tjm-0123456789ab-3.tmp").write_text("partial")
    (work / "base" / ".tjm-0123456789ab-4.orig").write_text("kept original")
    (work / "other" / ".deployment.yaml.ab_Cd123.tmp").write_text("")  # mkstemp, old versions
    _, _, err = cli("convert", "--write", "--verbose", str(work))
    assert "removed 2 temporary file(s) of an interrupted earlier run" in err
    assert (
        "other/.deployment.yaml.ab_Cd123.tmp: warning: a temporary file left by an earlier" in err
    )
    assert _leftovers(work) == []


def test_a_file_given_sweeps_only_its_folder(tmp_path: Path, cli) -> None:
    work = _repo(tmp_path)
    (work / "base" / ".tjm-0123456789ab-1.tmp").write_text("partial")
    (work / "other" / ".tjm-0123456789ab-2.tmp").write_text("partial")
    cli("convert", "--write", str(work / "base" / "training.yaml"), str(work / "export"))
    assert not (work / "base" / ".tjm-0123456789ab-1.tmp").exists()
    assert (work / "other" / ".tjm-0123456789ab-2.tmp").exists(), "not a folder it was given"


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (needs root)")
def test_a_full_disk_changes_nothing(tmp_path: Path, cli) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]
    if subprocess.run(mount, capture_output=True, check=False).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        work = disk / "repo"
        shutil.copytree(BEFORE, work)
        used = os.statvfs(disk)
        pages = (used.f_blocks - used.f_bfree) + 3  # room for three more pages: staging fails
        subprocess.run(
            ["mount", "-o", f"remount,size={pages * used.f_frsize}", str(disk)], check=True
        )
        code, _, err = cli("convert", "--write", str(work))
        assert code == 1
        assert "no space left on the device (disk full); nothing was written" in err, err
        assert _tree(work) == _tree(BEFORE)
        assert _leftovers(work) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_without_hard_links_the_originals_are_copied(tmp_path: Path, cli, stop_at, monkeypatch):
    def no_link(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(transaction.os, "link", no_link)
    work = _repo(tmp_path)
    stop_at.at[("rename", 4)] = Killed()
    with pytest.raises(Killed):
        cli("convert", "--write", str(work))
    code, _, err = cli("convert", "--write", "--rollback", str(work))
    assert code == 0, err
    assert _tree(work) == _tree(BEFORE)
    assert _leftovers(work) == []
