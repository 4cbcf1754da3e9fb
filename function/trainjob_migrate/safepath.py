"""Keep file paths that come from input inside a root directory.

A ``config.kubernetes.io/path`` annotation is input like any other field: a manifest
may say ``../../etc/passwd`` or ``/etc/cron.d/x``, and a repository may hold a symlink
to anywhere. :func:`resolve_inside` is the one gate between such a string and the
file system: every path a command writes (or reads) on the say of the input goes
through it.

What it cannot do: close the window between the check and the use (a symlink created
in between). Writers should still create files with ``O_EXCL``/``O_NOFOLLOW`` (a
temporary file next to the target, then ``os.replace``) so that a late symlink is not
followed either.
"""

from __future__ import annotations

import ntpath
import posixpath
from pathlib import Path

from trainjob_migrate.errors import InputError


class UnsafePathError(InputError):
    """A path from the input would leave the root (absolute, ``..``, or a symlink out)."""


def resolve_inside(root: Path, relative: str) -> Path:
    """The real path of ``relative`` under ``root``; :class:`UnsafePathError` if it leaves it.

    ``relative`` is a ``/``-separated path relative to ``root`` (as kpt and kustomize write
    path annotations; a leading ``./`` is fine). It is refused when it is empty, not a
    string, holds a NUL byte or a backslash, is absolute (``/x``, ``C:/x``), has a ``..``
    component anywhere, or when a symlink on the way (or the file itself) resolves to a
    place outside the real ``root``. Symlinks that stay inside are followed: the result is
    the real path, so a writer replaces the file the link points to, not the link.
    A path that does not exist yet is fine (a file to be created).
    """
    if not isinstance(relative, str):
        raise UnsafePathError(
            f"path {relative!r} is not a string; a path annotation must be a relative path"
        )
    shown = repr(relative)
    if not relative.strip():
        raise UnsafePathError("empty path; a path annotation must name a file under the root")
    if "\x00" in relative:
        raise UnsafePathError(f"path {shown} contains a NUL byte")
    if posixpath.isabs(relative) or ntpath.isabs(relative) or ntpath.splitdrive(relative)[0]:
        raise UnsafePathError(
            f"path {shown} is absolute; paths must be relative to the root {str(root)!r}"
        )
    if "\\" in relative:
        raise UnsafePathError(
            f"path {shown} contains a backslash; path annotations separate folders with '/'"
        )
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePathError(
            f"path {shown} contains '..'; paths must stay inside the root {str(root)!r}"
        )
    if not parts:
        raise UnsafePathError(f"path {shown} names the root itself, not a file under it")
    try:
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise UnsafePathError(f"root {str(root)!r} cannot be resolved: {exc}") from exc
    try:
        # Checks the unresolved path's parts against the real root, then resolves every
        # symlink on the way (including one at the end, and dangling ones).
        real = real_root.joinpath(*parts).resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before 3.13)
        raise UnsafePathError(f"path {shown} cannot be resolved: {exc}") from exc
    if not real.is_relative_to(real_root):
        raise UnsafePathError(
            f"path {shown} leads through a symlink to {str(real)!r}, outside the root "
            f"{str(real_root)!r}; symlinks that leave the root are not followed"
        )
    if real == real_root:
        raise UnsafePathError(f"path {shown} resolves to the root itself, not a file under it")
    return real
