"""Whenever the server cannot answer, the command runs in its own process with what it read
already, and the user sees the same bytes as without a server: a killed server (its socket
left behind), a socket nobody listens on, a server that dies in the middle of a request or
answers nonsense, and a socket or directory that is not to be trusted (never connected to)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from serverkit import Ran, Server, alive, command, environment

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"


def _alone() -> Ran:
    ran = command(["fn"], environment(Path("/nonexistent/s.sock")), QUICKSTART.read_bytes())
    assert ran.code == 0 and b"kind: TrainJob" in ran.out, ran
    return ran


@pytest.fixture(scope="module")
def alone() -> Ran:
    """fn on the quickstart, without any server: what every case here must write."""
    return _alone()


def _fn(sock: Path) -> Ran:
    return command(["fn"], environment(sock), QUICKSTART.read_bytes())


class FakeServer:
    """A listener on ``path`` that hands each connection to ``answer`` (in a thread), and
    counts the connections."""

    def __init__(self, path: Path, answer: Callable[[socket.socket], None]) -> None:
        self.connections = 0
        self._answer = answer
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._listener.bind(str(path))
        finally:
            os.umask(old)
        self._listener.listen(8)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._answer(conn)

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    tmp_path.chmod(0o700)
    return tmp_path


@pytest.fixture
def fake(folder: Path) -> Iterator[Callable[[Callable[[socket.socket], None]], FakeServer]]:
    made: list[FakeServer] = []

    def make(answer: Callable[[socket.socket], None]) -> FakeServer:
        made.append(FakeServer(folder / "s.sock", answer))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _read_some(conn: socket.socket) -> None:
    conn.recv(100)  # then close: the server died in the middle of the request


def _read_all(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while len(data) < 8:
        data += conn.recv(65536)
    count = int.from_bytes(data[4:8], "big")
    at = 8
    for _ in range(count):
        while len(data) < at + 4:
            data += conn.recv(65536)
        size = int.from_bytes(data[at : at + 4], "big")
        while len(data) < at + 4 + size:
            data += conn.recv(65536)
        at += 4 + size
    return data


@pytest.mark.parametrize(
    "answer",
    [
        _read_some,
        lambda conn: (_read_all(conn), conn.sendall(b"garbage, not a frame")),
        lambda conn: (
            _read_all(conn),
            conn.sendall(b"TJM!\x00\x00\x00\x02\x00\x00\x00\x07refused"),
        ),
        lambda conn: (_read_all(conn), conn.sendall(b"TJM!\x00\x00\x00\x04\x00\x00\x00\x03ran")),
    ],
    ids=["dies mid-request", "answers garbage", "a cut frame", "a truncated answer"],
)
def test_a_server_that_fails_mid_request_changes_nothing(fake, folder: Path, alone, answer):
    server = fake(answer)
    assert _fn(folder / "s.sock") == alone
    assert server.connections == 1  # it was asked, and the command ran on its own


def test_a_socket_nobody_listens_on_changes_nothing(folder: Path, alone):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        stale.bind(str(folder / "s.sock"))  # the file of a server that is gone
    finally:
        os.umask(old)
    stale.close()
    assert (folder / "s.sock").is_socket()
    assert _fn(folder / "s.sock") == alone


def test_a_killed_server_changes_nothing(folder: Path, alone):
    killed = Server(folder / "s.sock", "--idle-timeout", "60")
    processes = killed.processes()
    os.killpg(os.getpgid(int(killed.pid)), signal.SIGKILL)  # the server and its children
    deadline = time.monotonic() + 5
    while any(alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (folder / "s.sock").is_socket()  # left behind
    assert _fn(folder / "s.sock") == alone
    # and a new server replaces the dead one's socket
    again = Server(folder / "s.sock", "--idle-timeout", "60")
    assert _fn(folder / "s.sock") == alone
    again.stop()


@pytest.mark.parametrize(
    "unsafe",
    ["directory open to others", "socket open to others", "directory is a symbolic link"],
)
def test_an_untrusted_socket_is_never_connected_to(fake, folder: Path, alone, unsafe: str):
    server = fake(_read_some)
    sock = folder / "s.sock"
    if unsafe == "directory open to others":
        folder.chmod(0o755)
    elif unsafe == "socket open to others":
        sock.chmod(0o666)
    else:
        link = folder.parent / f"{folder.name}-link"
        link.symlink_to(folder)
        sock = link / "s.sock"
    assert _fn(sock) == alone
    assert server.connections == 0


def test_the_switch_turns_the_lookup_off(fake, folder: Path, alone):
    server = fake(_read_some)
    env = environment(folder / "s.sock", TRAINJOB_MIGRATE_SERVER="off")
    assert command(["fn"], env, QUICKSTART.read_bytes()) == alone
    assert server.connections == 0


def test_an_unreadable_stdin_is_reported_as_without_a_server(fake, folder: Path, tmp_path: Path):
    """stdin that fails to read (a write-only descriptor): the run here reports it, one line
    and exit 70, as without a server; not the client's traceback."""
    server = fake(_read_some)
    ran = []
    for sock in (folder / "s.sock", Path("/nonexistent/s.sock")):
        fd = os.open(tmp_path / "write-only", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            result = subprocess.run(
                [sys.executable, "-m", "trainjob_migrate", "fn"],
                stdin=fd,
                capture_output=True,
                env=environment(sock),
                timeout=60,
                check=False,
            )
        finally:
            os.close(fd)
        ran.append(Ran(result.returncode, result.stdout, result.stderr))
    assert ran[1].code == 70 and b"Traceback" not in ran[1].err, ran[1]
    assert ran[0] == ran[1]
    assert server.connections == 1  # it connected, then ran here
