"""Helpers of the resident server's tests (conftest.py gives each module a server).

Every run here is a real process (``python -m trainjob_migrate``), as kustomize starts the
entry points; ``Server.run`` runs one with the server and one without it
(``TRAINJOB_MIGRATE_SERVER=off``), so that a test compares the two.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from trainjob_migrate.server import control, protocol


class Ran(NamedTuple):
    """What a process did: exit code, stdout, stderr (bytes, exactly)."""

    code: int
    out: bytes
    err: bytes

    def __repr__(self) -> str:
        return f"Ran(code={self.code}, out={self.out[:300]!r}, err={self.err[:600]!r})"


def command(
    argv: list[str],
    env: dict[str, str],
    stdin: bytes = b"",
    cwd: Path | None = None,
) -> Ran:
    result = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", *argv],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return Ran(result.returncode, result.stdout, result.stderr)


def environment(socket: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINJOB_MIGRATE_")}
    env["TRAINJOB_MIGRATE_SOCKET"] = str(socket)
    env.update(extra)
    return env


class Server:
    """A server started with ``server start`` on ``socket``; stopped, with every process it
    had, when the module's tests are done."""

    def __init__(self, socket: Path, *options: str) -> None:
        self.socket = socket
        self.env = environment(socket)
        started = command(["server", "start", *options], self.env)
        assert started.code == 0, started
        self.pid = self.status()["pid"]

    def status(self) -> dict[str, str]:
        """The server's status lines (asked in this process: faster than `server status`)."""
        info, reason = control.ask(str(self.socket), protocol.COMMAND_STATUS)
        assert info is not None, reason
        return info

    def served(self) -> int:
        return int(self.status()["requests served"])

    def wait_served(self, count: int) -> None:
        """Wait (a little: the count follows each request's end) until ``count`` were served."""
        deadline = time.monotonic() + 5
        while self.served() < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.served() == count

    def run(
        self, argv: list[str], stdin: bytes = b"", cwd: Path | None = None, **env: str
    ) -> tuple[Ran, Ran]:
        """The command with the server, and without it."""
        served = command(argv, {**self.env, **env}, stdin, cwd)
        alone = command(argv, {**self.env, **env, "TRAINJOB_MIGRATE_SERVER": "off"}, stdin, cwd)
        return served, alone

    def processes(self) -> set[int]:
        """The server's process and its children (from /proc)."""
        return {int(self.pid)} | children(int(self.pid))

    def stop(self) -> None:
        ran = command(["server", "stop"], self.env)
        assert ran.code in (0, 1), ran


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so after the last ')'
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
