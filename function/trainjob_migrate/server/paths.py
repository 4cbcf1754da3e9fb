"""Whether the server's socket may be trusted (client and server alike); where it is.

Where it is (the package's ``__init__``, re-exported here): ``TRAINJOB_MIGRATE_SOCKET`` names
the socket; by default it is
``$XDG_RUNTIME_DIR/trainjob-migrate/server-<key>.sock``, else
``/tmp/trainjob-migrate-<uid>/server-<key>.sock``, where ``<key>`` is a hash of the
installation (:func:`installation_key`: the package directory, its version, the interpreter),
so that two virtualenvs never talk to each other's server. The directory is the trust
boundary: it must be a real directory (not a symbolic link), owned by this user and closed
to group and others (0700); the socket in it must be a socket owned by this user, closed to
group and others too. Both sides check before use; the server also checks that a peer runs
as its own user (SO_PEERCRED, daemon.py).

On the client path (cli.main): os and sys only, no pathlib, no hashlib.
"""

from __future__ import annotations

import os
import stat
import sys

# where the socket is: the package's (cli.main looks it up importing nothing more)
from trainjob_migrate.server import SOCKET_ENV, installation_key, socket_path

__all__ = [
    "MAX_SOCKET_PATH",
    "SOCKET_ENV",
    "installation_key",
    "peer_uid",
    "socket_path",
    "unsafe_folder",
    "unsafe_socket",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Final

#: a socket path must fit ``struct sockaddr_un`` (108 bytes on Linux, 104 on macOS)
MAX_SOCKET_PATH: Final = 100


def unsafe_folder(folder: str) -> str | None:
    """Why the socket's directory may not be trusted, or None: a real directory (lstat: no
    symbolic link), owned by this user, with no permission for group or others."""
    return _unsafe(folder, stat.S_ISDIR, "a directory (a symbolic link is refused)", "700")


def unsafe_socket(path: str) -> str | None:
    """Why the socket file may not be trusted (or does not exist), or None."""
    return _unsafe(path, stat.S_ISSOCK, "a socket", "600") or unsafe_folder(
        os.path.dirname(path)  # noqa: PTH120
    )


def _unsafe(path: str, is_type: Callable[[int], bool], what: str, mode: str) -> str | None:
    """Why ``path`` may not be trusted: not ``what`` (lstat: a symbolic link is not), not
    owned by this user, or open to group or others; else None."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{path}: {exc.strerror}"
    if not is_type(info.st_mode):
        return f"{path} is not {what}"
    if info.st_uid != os.getuid():
        return f"{path} is owned by uid {info.st_uid}, not by this user ({os.getuid()})"
    if info.st_mode & 0o077:
        return f"{path} is open to group or others (mode {info.st_mode & 0o777:o}, need {mode})"
    return None


def peer_uid(sock: object) -> int | None:
    """The user id of a connected Unix socket's peer (SO_PEERCRED: Linux), None where the
    system cannot tell; then the 0700 directory is the only boundary."""
    import _socket

    option = getattr(_socket, "SO_PEERCRED", None)
    if option is None:
        return None
    # struct ucred {pid_t pid; uid_t uid; gid_t gid;}: three native 32-bit integers
    raw: bytes = sock.getsockopt(_socket.SOL_SOCKET, option, 12)  # type: ignore[attr-defined]
    return int.from_bytes(raw[4:8], sys.byteorder)
