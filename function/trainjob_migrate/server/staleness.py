"""Whether the installed package changed since the server started: then it must not answer.

An upgrade, or an edit of an editable install, leaves a warm server running old code: the
server refuses (its client runs the command itself) and stops. :class:`Files` records the
package's and PyYAML's files at the start; Linux's inotify tells of a change as it happens
(:meth:`Files.watch`, :func:`changed_in`), elsewhere each request compares (one ``stat`` a
file, a millisecond).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from trainjob_migrate.server import paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final


class Files:
    """The package's files and PyYAML's as they were at the start (mtime, size, inode of
    each file and directory): an upgrade, or an edit of an editable install, makes the
    server refuse (its client runs the command itself) and stop. Byte code caches are left
    out. Where Linux's inotify is there, the kernel tells the server of a change
    (:meth:`watch`, a flag its children read: nothing on a request's path); elsewhere each
    request checks, one ``stat`` a file (a millisecond)."""

    def __init__(self, folders: list[str] | None = None) -> None:
        """``folders``: the package's and PyYAML's by default."""
        import yaml

        names: list[str] = []
        self.folders: list[str] = []
        stack = folders or [
            paths.installation_key().split("\n")[0],
            str(Path(yaml.__file__).parent),
        ]
        while stack:
            folder = stack.pop()
            names.append(folder)  # its mtime: a file added or removed
            self.folders.append(folder)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.is_dir():
                        names.append(entry.path)
                    elif entry.name != "__pycache__":
                        stack.append(entry.path)
        self._names = tuple(names)
        self._state = self._now()

    def _now(self) -> tuple[tuple[int, int, int], ...] | None:
        try:
            return tuple((s.st_mtime_ns, s.st_size, s.st_ino) for s in map(os.stat, self._names))
        except OSError:  # one is gone
            return None

    def changed(self) -> bool:
        return self._now() != self._state

    def watch(self) -> int | None:
        """A non-blocking inotify descriptor that becomes readable on a change in a folder
        (read it with :func:`changed_in`), or None where there is no inotify."""
        try:
            import ctypes  # the server's only: not on any command's path

            libc = ctypes.CDLL(None, use_errno=True)
            fd: int = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):  # not Linux
            return None
        if fd < 0:
            return None
        for folder in self.folders:
            if libc.inotify_add_watch(fd, os.fsencode(folder), _INOTIFY_MASK) < 0:
                os.close(fd)  # out of watches: each request checks instead
                return None
        return fd


#: IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE,
#: IN_DELETE_SELF, IN_MOVE_SELF (linux/inotify.h)
_INOTIFY_MASK: Final = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
_IN_Q_OVERFLOW: Final = 0x4000


def changed_in(fd: int) -> bool:
    """Whether the events waiting on an inotify descriptor tell of a change (a byte code
    cache's directory made does not; a lost event, an overflow, does)."""
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 65536):
            data += chunk
    at, changed = 0, False
    while at + 16 <= len(data):  # struct inotify_event: wd, mask, cookie, len; name
        mask = int.from_bytes(data[at + 4 : at + 8], sys.byteorder)
        size = int.from_bytes(data[at + 12 : at + 16], sys.byteorder)
        name = data[at + 16 : at + 16 + size].rstrip(b"\0")
        changed |= bool(mask & _IN_Q_OVERFLOW) or name != b"__pycache__"
        at += 16 + size
    return changed
