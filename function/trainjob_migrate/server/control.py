"""``server start``, ``stop`` and ``status``: what commands/server.py runs.

``start`` prepares the socket's directory (created 0700, then checked as the clients check
it), takes the lock beside the socket (one server a socket: a second ``start`` finds the
first), then runs the server in this process (``--foreground``: systemd, a container's
sidecar) or as a daemon (fork, setsid, fork again, stdio to /dev/null, events logged to
``<socket>.log``), and returns once the socket answers. ``stop`` asks the server to exit and
waits until it has; ``status`` asks it how it is.

Exit codes (README, "Resident server"): ``start`` 0 when a server runs (started, or running
already), 73 when its socket cannot be made (an unsafe directory, a path too long, a bind
that fails), 70 when the server did not come up (its log says why); ``stop`` and ``status``
0 when a server was running, 1 when none was.
"""

from __future__ import annotations

import fcntl
import os
import select
import socket
import sys
import time
from pathlib import Path

from trainjob_migrate.errors import OutputError
from trainjob_migrate.results import EXIT_CRASH, EXIT_ERROR, EXIT_OK
from trainjob_migrate.server import daemon, paths, protocol, staleness

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Final

#: how long ``start`` waits for the server to answer (it warms up first), ``stop`` for it to go
READY_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 15.0
PROG: Final = "trainjob-migrate server"


def ask(path: str, command: bytes, timeout: float = 5.0) -> tuple[dict[str, str] | None, str]:
    """The server's answer to ``status`` or ``stop`` (its ``name: value`` lines), or None and
    why there is none."""
    reason = paths.unsafe_socket(path)
    if reason is not None:
        return None, reason
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
        uid = paths.peer_uid(sock)
        if uid is not None and uid != os.getuid():
            return None, f"{path} is served by uid {uid}, not by this user"
        fields = [protocol.VERSION, os.fsencode(paths.installation_key()), command]
        fields += [b""] * (protocol.REQUEST_FIELDS - len(fields))
        sock.sendall(b"".join(protocol.encode(protocol.REQUEST_MAGIC, fields)))
        reader = protocol.Reader(sock, protocol.ANSWER_MAGIC)
        kind = reader.field(protocol.SMALL_FIELD)
        text = reader.field(protocol.SMALL_FIELD)
        if kind != protocol.ANSWER_RAN:
            return None, f"the server at {path} refused: {text.decode('utf-8', 'replace')}"
        lines = reader.field(protocol.SMALL_FIELD).decode("utf-8", "replace").splitlines()
    except (OSError, protocol.FrameError) as exc:
        what = "nobody listens" if isinstance(exc, ConnectionRefusedError) else str(exc)
        return None, f"{path}: {what}"
    finally:
        sock.close()
    return dict(line.partition(": ")[::2] for line in lines), ""


def _running(path: str, stdout: IO[str]) -> dict[str, str] | None:
    """The status of the server at ``path``; None, said on ``stdout``, when none answers."""
    info, reason = ask(path, protocol.COMMAND_STATUS)
    if info is None:
        stdout.write(f"{PROG}: not running ({reason})\n")
    return info


def status(stdout: IO[str]) -> int:
    info = _running(paths.socket_path(), stdout)
    if info is None:
        return EXIT_ERROR
    stdout.write(f"{PROG}: running\n" + "".join(f"  {k}: {v}\n" for k, v in info.items()))
    return EXIT_OK


def stop(stdout: IO[str]) -> int:
    path = paths.socket_path()
    info = _running(path, stdout)
    if info is None:
        return EXIT_ERROR
    ask(path, protocol.COMMAND_STOP)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and not _lock_free(path):
        time.sleep(0.02)
    stdout.write(f"{PROG}: stopped (pid {info.get('pid', '?')})\n")
    return EXIT_OK


def start(settings: daemon.Settings, foreground: bool, stdout: IO[str], stderr: IO[str]) -> int:
    path = settings.socket
    files = staleness.Files()  # as early as can be: a change after this is noticed
    _prepare(path)
    info, _ = ask(path, protocol.COMMAND_STATUS)
    if info is not None:
        stdout.write(f"{PROG}: running already (pid {info.get('pid')}, {path})\n")
        return EXIT_OK
    lock = _lock(path)
    if lock is None:  # another start holds it: wait for its server
        return _wait_ready(path, None, stdout, stderr)
    if foreground:
        return _serve(settings, files, daemon.Log(stderr), lock, None)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        _daemonize(settings, files, lock, ready_w)  # never returns
    os.close(ready_w)
    os.waitpid(pid, 0)  # the first child: it exits once the daemon is forked
    os.close(lock)  # the daemon holds the lock now
    return _wait_ready(path, ready_r, stdout, stderr)


def _prepare(path: str) -> None:
    """The socket's directory, created 0700 when missing, and checked as the clients check it."""
    if len(os.fsencode(path)) > paths.MAX_SOCKET_PATH:
        raise OutputError(
            f"{PROG}: the socket path {path} is longer than {paths.MAX_SOCKET_PATH} bytes "
            f"(Unix sockets): set {paths.SOCKET_ENV} to a shorter one"
        )
    folder = str(Path(path).parent)
    try:
        Path(folder).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{PROG}: cannot create {folder}: {exc.strerror}") from exc
    reason = paths.unsafe_folder(folder)
    if reason is not None:
        raise OutputError(f"{PROG}: refusing an unsafe socket directory: {reason}")


def _lock(path: str) -> int | None:
    """The lock beside the socket, held (its descriptor), or None when another process holds
    it. The lock file is never removed (removing it would let two servers hold two files)."""
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _lock_free(path: str) -> bool:
    """True when no server holds the lock (it has exited)."""
    fd = _lock(path)
    if fd is None:
        return False
    os.close(fd)
    return True


def _daemonize(settings: daemon.Settings, files: staleness.Files, lock: int, ready: int) -> None:
    code = 1
    try:
        os.setsid()  # no controlling terminal: a terminal's hangup does not reach it
        if os.fork() != 0:
            os._exit(0)  # the session leader goes: the daemon can never get a terminal again
        os.chdir("/")
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        log_fd = os.open(
            f"{settings.socket}.log",
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
        )
        sys.stdout = sys.stderr = open(log_fd, "w", encoding="utf-8")  # noqa: SIM115, PTH123
        code = _serve(settings, files, daemon.Log(sys.stderr), lock, ready)
    finally:
        os._exit(code)


def _serve(
    settings: daemon.Settings,
    files: staleness.Files,
    log: daemon.Log,
    lock: int,
    ready: int | None,
) -> int:
    """Warm up, listen, tell ``ready`` (the pipe start waits on), serve until stopped."""
    server = daemon.Server(settings, log, files)
    try:
        server.warm()
        server.listen()
    except Exception as exc:  # noqa: BLE001 - said to start, and logged
        log(f"cannot start: {type(exc).__name__}: {exc}")
        if ready is not None:
            os.write(ready, f"cannot start: {exc}\n".encode())
            os.close(ready)
        os.close(lock)
        return EXIT_CRASH
    if ready is not None:
        os.write(ready, f"ready {os.getpid()}\n".encode())
        os.close(ready)
    else:
        log("ready")
    try:
        server.serve()
    finally:
        os.close(lock)
    return EXIT_OK


def _wait_ready(path: str, ready: int | None, stdout: IO[str], stderr: IO[str]) -> int:
    """Wait for the daemon's word on ``ready`` (or, None, for another start's server to
    answer); 0 once it answers."""
    deadline = time.monotonic() + READY_TIMEOUT
    said = b""
    if ready is not None:
        while time.monotonic() < deadline and not said.endswith(b"\n"):
            readable, _, _ = select.select([ready], [], [], deadline - time.monotonic())
            chunk = os.read(ready, 4096) if readable else b""
            if not chunk:
                break
            said += chunk
        os.close(ready)
        if not said.startswith(b"ready"):
            message = said.decode("utf-8", "replace").strip() or "it exited before it was ready"
            stderr.write(f"{PROG}: error: {message} (log: {path}.log)\n")
            return EXIT_CRASH
    while time.monotonic() < deadline:
        info, _ = ask(path, protocol.COMMAND_STATUS)
        if info is not None:
            stdout.write(f"{PROG}: running (pid {info.get('pid')}, {path})\n")
            return EXIT_OK
        time.sleep(0.05)
    stderr.write(f"{PROG}: error: no answer on {path} (log: {path}.log)\n")
    return EXIT_CRASH
