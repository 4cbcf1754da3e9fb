"""Where the server's socket is, and whether it may be trusted (client and server alike).

``TRAINJOB_MIGRATE_SOCKET`` names the socket; by default it is
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

from trainjob_migrate import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOCKET_ENV: Final = "TRAINJOB_MIGRATE_SOCKET"
#: a socket path must fit ``struct sockaddr_un`` (108 bytes on Linux, 104 on macOS)
MAX_SOCKET_PATH: Final = 100


def installation_key() -> str:
    """What two processes must share to talk: the package's directory (resolved), its version
    and the interpreter running it (another virtualenv, another Python: another key)."""
    # os.path, not pathlib, on the client path (pathlib imports urllib.parse, ipaddress...)
    package = os.path.dirname(os.path.realpath(os.path.dirname(__file__)))  # noqa: PTH120
    # the interpreter's path names a virtualenv too (its own bin/python); not sys.prefix,
    # which only site sets to the virtualenv's (python -S would be another installation)
    return f"{package}\n{__version__}\n{sys.executable}"


def socket_path() -> str:
    """The socket's path: the environment's (made absolute), else the default location."""
    given = os.environ.get(SOCKET_ENV, "")
    if given:
        return os.path.abspath(given)  # noqa: PTH100
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):  # noqa: PTH117
        folder = os.path.join(runtime, "trainjob-migrate")  # noqa: PTH118
    else:
        folder = f"/tmp/trainjob-migrate-{os.getuid()}"  # checked as any: 0700, owned
    return os.path.join(folder, f"server-{_digest(installation_key())}.sock")  # noqa: PTH118


def existing_socket() -> str | None:
    """The socket's path when something is there (a server, or a stale or untrusted file:
    the client checks), else None: the entry points' only cost without a server. None too
    where there are no Unix users (no uid to own the socket: Windows)."""
    if not hasattr(os, "getuid"):
        return None
    path = socket_path()
    try:
        os.lstat(path)
    except OSError:
        return None
    return path


def _digest(text: str) -> str:
    """16 hex digits of FNV-1a (64 bits) of ``text``: names the socket only (the whole key is
    compared on every request), without importing hashlib on the client path."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogateescape"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def unsafe_folder(folder: str) -> str | None:
    """Why the socket's directory may not be trusted, or None: a real directory (lstat: no
    symbolic link), owned by this user, with no permission for group or others."""
    try:
        info = os.lstat(folder)
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    if not stat.S_ISDIR(info.st_mode):
        return f"{folder} is not a directory (a symbolic link is refused)"
    if info.st_uid != os.getuid():
        return f"{folder} is owned by uid {info.st_uid}, not by this user ({os.getuid()})"
    if info.st_mode & 0o077:
        return f"{folder} is open to group or others (mode {info.st_mode & 0o777:o}, need 700)"
    return None


def unsafe_socket(path: str) -> str | None:
    """Why the socket file may not be trusted (or does not exist), or None."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{path}: {exc.strerror}"
    if not stat.S_ISSOCK(info.st_mode):
        return f"{path} is not a socket"
    if info.st_uid != os.getuid():
        return f"{path} is owned by uid {info.st_uid}, not by this user ({os.getuid()})"
    if info.st_mode & 0o077:
        return f"{path} is open to group or others (mode {info.st_mode & 0o777:o}, need 600)"
    return unsafe_folder(os.path.dirname(path))  # noqa: PTH120


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
