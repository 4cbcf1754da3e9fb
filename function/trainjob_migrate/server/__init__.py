"""The resident server: a warm process that answers ``fn`` and ``kustomize-plugin CONFIG``.

kustomize and kpt start the function at every build; most of such a start is Python's own
and PyYAML's import, which no per-build process avoids. ``trainjob-migrate server start``
keeps one warm process; the two entry points then send it their input (client.py) and write
back what it answers, byte for byte, or run in their own process as before whenever it
cannot answer. Opt-in; ``TRAINJOB_MIGRATE_SERVER=off`` turns the lookup off.

- here: where the socket is and the installation's key (what cli.main looks up first: this
  package alone is imported by a start without a server, no submodule);
- paths.py: the ownership checks (both sides), the peer's uid;
- protocol.py: the frames (both sides);
- client.py: the client path of the entry points (nothing heavier than os, sys, _socket);
- daemon.py: the server (one forked child a request);
- staleness.py: whether the installed package changed since the start (then it stops);
- control.py: start (daemonize), stop, status.

"""

from __future__ import annotations

import os
import sys

from trainjob_migrate import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOCKET_ENV: Final = "TRAINJOB_MIGRATE_SOCKET"


def installation_key() -> str:
    """What two processes must share to talk: the package's directory (resolved), its version
    and the interpreter running it (another virtualenv, another Python: another key)."""
    # os.path, not pathlib, on the client path (pathlib imports urllib.parse, ipaddress...)
    package = os.path.dirname(os.path.realpath(os.path.dirname(__file__)))  # noqa: PTH120
    # the interpreter: the folder it is started from names a virtualenv (its own bin/), the
    # resolved binary the Python; so bin/python and bin/python3 of one virtualenv (a console
    # script's shebang, a user's `python -m`) are one installation. Not sys.prefix, which
    # only site sets to the virtualenv's (python -S would be another installation).
    executable = sys.executable
    interpreter = f"{os.path.dirname(executable)}\n{os.path.realpath(executable)}"  # noqa: PTH120
    return f"{package}\n{__version__}\n{interpreter}"


def socket_path() -> str:
    """The socket's path: the environment's (made absolute), else the default location."""
    given = os.environ.get(SOCKET_ENV, "")
    if given:
        return os.path.abspath(given)  # noqa: PTH100
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    # a runtime directory that is not there (a container, su) is no place for it: /tmp is
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):  # noqa: PTH112, PTH117
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
