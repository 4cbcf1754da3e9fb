"""File-system faults of the repository commands as findings: what went wrong, in words.

Reading opens only regular files (a FIFO would block, ``/dev/zero`` never ends, a socket
cannot be read), never more than the per-file limit, and the tree as a whole stops at the
per-tree limit: both follow ``TRAINJOB_MIGRATE_MAX_INPUT_MB`` (the per-file limit is the
function's input limit, the tree may hold :data:`TREE_FACTOR` times as much). Every
``OSError`` becomes a :class:`Fault` whose message names the cause (permission, disk full,
name too long, not a regular file, a symlink loop), never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat

from trainjob_migrate import yamlio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: the tree may hold this many times the per-file limit (32 MiB by default: 256 MiB)
TREE_FACTOR: Final = 8
_MIB: Final = 1024 * 1024
_OPEN_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | os.O_CLOEXEC
)


class Fault(Exception):
    """A file or directory that could not be read or written; the message says why."""


class TooLarge(Fault):
    """A file over the limit it was read with."""


_CAUSES: Final = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "the path is too long (a name over 255 bytes, or over PATH_MAX)",
    errno.ELOOP: "a symlink loop (or too many symlinks on the way)",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EISDIR: "a directory, not a file",
    errno.ENXIO: "not a regular file (a socket or a device without a reader)",
    errno.EIO: "input/output error",
    errno.EEXIST: "the file exists",
    errno.EXDEV: "on another file system",
}


def cause(exc: BaseException) -> str:
    """The cause of an OSError in words (``permission denied``), without Python's
    ``[Errno N]``, else the exception's message: the one wording of every command's file
    errors (a missing path, an unreadable config, a failed write)."""
    if isinstance(exc, Fault):
        return str(exc)
    if isinstance(exc, OSError):
        known = _CAUSES.get(exc.errno or -1)
        if known:
            return known
        return exc.strerror.lower() if exc.errno and exc.strerror else "cannot be opened"
    if isinstance(exc, RuntimeError):  # pathlib's symlink loop before Python 3.13
        return _CAUSES[errno.ELOOP]
    return str(exc)


def file_type(mode: int) -> str | None:
    """None for a regular file; else what it is instead."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device node"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def file_limit() -> int:
    """Most bytes one file may have (the function's input limit)."""
    return yamlio.max_input_bytes()


def tree_limit() -> int:
    """Most bytes all the files read by one run may have together."""
    return TREE_FACTOR * yamlio.max_input_bytes()


def read(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file, at most ``limit``; :class:`Fault` otherwise."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise Fault(f"cannot read the file: {cause(exc)}") from None
    try:
        info = os.fstat(fd)
        other = file_type(info.st_mode)
        if other is not None:
            raise Fault(f"not read: {other}, not a regular file")
        if info.st_size > limit:
            raise TooLarge(_too_large(info.st_size, limit))
        chunks: list[bytes] = []
        size, want = 0, info.st_size + 1  # one read, and one that finds the end
        while chunk := os.read(fd, min(want, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # it grew while it was read
                raise TooLarge(_too_large(size, limit))
            want = 1 << 16
        return b"".join(chunks)
    except OSError as exc:
        raise Fault(f"cannot read the file: {cause(exc)}") from None
    finally:
        os.close(fd)


def digest(data: bytes) -> bytes:
    """What a file read is known by once its bytes are released (SHA-256): a copy made from
    the source later must have the same (``transaction.Copy``)."""
    import hashlib  # only a run that writes (secrets imports it then anyway)

    return hashlib.sha256(data).digest()


def _too_large(size: int, limit: int) -> str:
    return (
        f"not read: {size / _MIB:.1f} MiB, over the limit of {limit / _MIB:g} MiB per file; "
        f"{yamlio.limit_hint()}"
    )


def over_tree(total: int) -> str:
    """The message for a file past the per-tree limit."""
    return (
        f"not read: the files before it hold {total / _MIB:.1f} MiB, and the limit for one run "
        f"is {tree_limit() / _MIB:g} MiB ({TREE_FACTOR} times the per-file limit); "
        f"{yamlio.limit_hint()}"
    )
