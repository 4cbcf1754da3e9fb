"""safepath.resolve_inside: a path from the input never leads outside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trainjob_migrate.errors import InputError
from trainjob_migrate.safepath import UnsafePathError, resolve_inside


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """root/ with a file, a folder, and an outside/ sibling the root must not reach."""
    root = tmp_path / "root"
    (root / "dev").mkdir(parents=True)
    (root / "dev" / "job.yaml").write_text("kind: PyTorchJob\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text("x\n")
    return root


@pytest.mark.parametrize(
    "relative",
    [
        "dev/job.yaml",
        "./dev/job.yaml",
        "dev//job.yaml",
        "dev/./job.yaml",
        "dev/new.yaml",
        "new/dir/file.yaml",
        "a b/c.yaml",
        "é.yaml",
        "..x/y.yaml",
        "x../y.yaml",
        "...yaml",
    ],
)
def test_paths_inside_are_resolved(repo: Path, relative: str) -> None:
    resolved = resolve_inside(repo, relative)
    assert resolved == repo.resolve() / os.path.normpath(relative)
    assert resolved.is_relative_to(repo.resolve())


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("/etc/passwd", "is absolute"),
        ("//etc/passwd", "is absolute"),
        ("C:/Windows/x.yaml", "is absolute"),
        ("C:x.yaml", "is absolute"),
        ("\\\\host\\share\\x.yaml", "is absolute"),
        ("../../etc/passwd", "contains '..'"),
        ("..", "contains '..'"),
        ("dev/../../outside/secret.yaml", "contains '..'"),
        ("dev/../job.yaml", "contains '..'"),  # stays inside, still refused: never needed
        ("..\\..\\etc\\passwd", "contains a backslash"),
        ("dev\\job.yaml", "contains a backslash"),
        ("", "empty path"),
        ("   ", "empty path"),
        (".", "names the root itself"),
        ("./", "names the root itself"),
        ("dev/job.yaml\x00.txt", "NUL byte"),
    ],
)
def test_escapes_are_refused_with_a_clear_message(repo: Path, relative: str, message: str) -> None:
    with pytest.raises(UnsafePathError, match=message) as info:
        resolve_inside(repo, relative)
    assert isinstance(info.value, InputError)  # the commands report it as an input problem
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", [None, 1, ["a.yaml"], b"a.yaml"])
def test_a_path_that_is_not_a_string_is_refused(repo: Path, value: object) -> None:
    with pytest.raises(UnsafePathError, match="not a string"):
        resolve_inside(repo, value)  # type: ignore[arg-type]


def test_a_symlinked_folder_leaving_the_root_is_not_followed(repo: Path) -> None:
    (repo / "link").symlink_to(repo.parent / "outside", target_is_directory=True)
    with pytest.raises(UnsafePathError, match=r"symlink.*outside the root"):
        resolve_inside(repo, "link/secret.yaml")
    with pytest.raises(UnsafePathError, match="outside the root"):
        resolve_inside(repo, "link/new.yaml")  # not even to create a file there


def test_a_symlinked_file_leaving_the_root_is_not_followed(repo: Path) -> None:
    (repo / "dev" / "evil.yaml").symlink_to(repo.parent / "outside" / "secret.yaml")
    with pytest.raises(UnsafePathError, match="outside the root"):
        resolve_inside(repo, "dev/evil.yaml")


def test_an_absolute_symlink_to_a_system_file_is_not_followed(repo: Path) -> None:
    (repo / "passwd.yaml").symlink_to("/etc/passwd")
    with pytest.raises(UnsafePathError, match="outside the root"):
        resolve_inside(repo, "passwd.yaml")


def test_a_dangling_symlink_leaving_the_root_is_not_followed(repo: Path) -> None:
    (repo / "later.yaml").symlink_to(repo.parent / "outside" / "not-yet.yaml")
    with pytest.raises(UnsafePathError, match="outside the root"):
        resolve_inside(repo, "later.yaml")


def test_a_symlink_to_the_root_itself_is_refused(repo: Path) -> None:
    (repo / "self").symlink_to(repo, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="the root itself"):
        resolve_inside(repo, "self")
    assert resolve_inside(repo, "self/dev/job.yaml") == repo.resolve() / "dev" / "job.yaml"


def test_symlinks_inside_the_root_resolve_to_their_target(repo: Path) -> None:
    """A writer then replaces the file the link points to, and the link stays a link."""
    (repo / "current").symlink_to("dev", target_is_directory=True)
    (repo / "alias.yaml").symlink_to("dev/job.yaml")
    assert resolve_inside(repo, "current/job.yaml") == repo.resolve() / "dev" / "job.yaml"
    assert resolve_inside(repo, "alias.yaml") == repo.resolve() / "dev" / "job.yaml"


def test_a_symlink_loop_is_refused(repo: Path) -> None:
    (repo / "a").symlink_to("b")
    (repo / "b").symlink_to("a")
    with pytest.raises(UnsafePathError, match="cannot be resolved"):
        resolve_inside(repo, "a/x.yaml")


def test_the_root_may_itself_be_a_symlink(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "root-link").symlink_to(repo, target_is_directory=True)
    resolved = resolve_inside(tmp_path / "root-link", "dev/job.yaml")
    assert resolved == repo.resolve() / "dev" / "job.yaml"


def test_a_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"root .* cannot be resolved"):
        resolve_inside(tmp_path / "nope", "a.yaml")
