"""The resident server: a warm parent, and one child process a connection.

The parent imports and warms what a conversion needs (it converts a sample job, as ``fn``
and as the plugin), freezes its objects out of the garbage collector's reach
(``gc.freeze``: the children's pages stay shared), then listens. Children are forked ahead
(``SPARE`` of them wait in ``accept``, each warmed by a run of its own, so that a request
pays neither a fork nor the first writes to the pages it touches); the child that takes a
connection runs cli's own dispatch (``cli._main``, as the entry points run in their own
process) on in-memory streams, answers and exits: no state of one request reaches another,
and a request that crashes, hangs (``request_timeout``: the child is ended) or exhausts
memory takes its child down, not the server. At most ``jobs`` children run at once;
further connections wait in the listen backlog.

Requests are refused (the client then runs the command itself) when they come from another
installation or protocol version, when a frame is malformed or over its bound, and when the
package's files changed since the server started (an upgrade, an edited editable install):
the server then also exits. It exits when idle for ``idle_timeout`` seconds, on ``stop``,
and on SIGTERM, SIGINT or SIGHUP, and waits for (then ends) its children before it does.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import io
import mmap
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path

from trainjob_migrate import __version__
from trainjob_migrate.records import Record
from trainjob_migrate.server import paths, protocol
from trainjob_migrate.server.staleness import Files, changed_in

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Final

IDLE_TIMEOUT: Final = 1800.0  # seconds
REQUEST_TIMEOUT: Final = 120  # seconds; client.ANSWER_TIMEOUT waits a little longer
#: how often an idle server looks at the package's files (and at its idle time)
CHECK_EVERY: Final = 5.0
#: the signals that stop the server (a child dies of them)
_STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: children kept waiting in accept, forked and warmed ahead of the requests
SPARE: Final = 2
#: how often a waiting child looks whether its parent is still there
_ORPHAN_CHECK: Final = 1.0
#: how long a stopping server waits for its children's answers before it ends them
GRACE: Final = 5.0


def default_jobs() -> int:
    """Concurrent requests: twice the CPUs (a request also waits on its client), at least 2."""
    return max(2, 2 * (os.cpu_count() or 1))


class Outcome(enum.IntEnum):
    """What a child did with its connection: its exit status, which the parent counts."""

    RAN = 0
    STATUS = 10
    STOP = 11
    STALE = 12
    REFUSED = 13
    FAILED = 14
    ORPHANED = 15  # its parent went away before a connection came


class Settings(Record):
    __slots__ = ("socket", "idle_timeout", "request_timeout", "jobs")
    socket: str
    idle_timeout: float  # 0: never
    request_timeout: int
    jobs: int

    def __init__(self, socket: str, idle_timeout: float, request_timeout: int, jobs: int) -> None:
        self.socket = socket
        self.idle_timeout = idle_timeout
        self.request_timeout = request_timeout
        self.jobs = jobs


class _Timeout(BaseException):
    """The request bound passed (SIGALRM). Not an Exception: cli._main's boundary, which turns
    an Exception into an "internal error" answer, must not catch it."""


class Log:
    """One line an event (start, stop, refusals, failures): never one a served request."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def __call__(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        try:
            self._stream.write(f"{stamp} trainjob-migrate server [{os.getpid()}]: {message}\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a log that cannot be written stops nothing


class Server:
    """The parent: keeps ``SPARE`` warm children waiting in ``accept`` (forked ahead, so a
    request pays neither the fork nor the first touch of the pages its run writes), at most
    ``jobs`` children in all; counts, checks, stops."""

    def __init__(self, settings: Settings, log: Log, files: Files) -> None:
        self.settings = settings
        self.log = log
        self.key = os.fsencode(paths.installation_key())
        self.files = files  # as they were when the command started
        self.started = time.time()
        self.children: dict[int, bool] = {}  # pid -> it took a connection (idle otherwise)
        self.stopping: str | None = None
        # shared with the children: the count (a child answers status), and a flag the parent
        # raises when the files changed (the children check it before a run)
        self._shared = mmap.mmap(-1, 9)
        self._watch: int | None = None
        self._warm_up: tuple[tuple[list[str], bytes, bytes | None], ...] = ()
        self._listener: socket.socket | None = None
        self._inode = 0
        self._wake_r = self._wake_w = self._notes_r = self._notes_w = -1

    @property
    def served(self) -> int:
        return int.from_bytes(self._shared[:8], "little")

    def _stale(self) -> bool:
        """For a child, before a run: the files changed since the start."""
        if self._watch is None:
            return self.files.changed()
        return self._shared[8] != 0

    # -- start -----------------------------------------------------------------------------

    def warm(self) -> None:
        """Import and run what a request runs, once, so that every child starts warm."""
        # a child may chdir to its client's directory: an import must not depend on ours
        sys.path[:] = [str(Path(p).absolute()) for p in sys.path]
        from trainjob_migrate import sources

        sources.SOURCES  # noqa: B018 - imports every kind's plug-in package
        self._warm_up = warm_up()
        converted = b""
        for argv, stdin, config in self._warm_up:
            code, out, _ = run(argv, stdin, config, _UTF8)
            if code != 0 or b"kind: TrainJob" not in out:
                self.log(f"warm-up of {argv[0]} did not convert its sample (exit {code})")
            converted = converted or out
        # fn's output as input: a Trainer v2 object, which a run validates (schema, CEL
        # rules): the validators and the CEL runtime are loaded and compiled once, here, not
        # by every request that holds one (a v1 run never loads them: not in the children's
        # own warm-up)
        run(["fn"], converted, None, _UTF8)
        gc.collect()
        gc.freeze()  # what the warm-up left is shared with every child, never collected

    def listen(self) -> None:
        """Bind the socket (0600, in the checked directory) and listen. The caller holds the
        lock (control.py): a socket file left here is a dead server's, and is replaced."""
        path = self.settings.socket
        if os.path.lexists(path):  # lstat: a symbolic link counts
            reason = paths.unsafe_socket(path)
            if reason is not None and Path(path).exists():
                raise OSError(f"refusing to replace {path}: {reason}")
            Path(path).unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            listener.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)  # noqa: PTH101 - as the umask made it, where bind ignores it
        listener.listen(128)
        # the children wait in accept with a timeout, to notice a parent that is gone
        listener.settimeout(_ORPHAN_CHECK)
        self._inode = os.lstat(path).st_ino
        self._listener = listener

    # -- loop ------------------------------------------------------------------------------

    def serve(self) -> None:
        """Keep children ready until stopped, idle or stale; then stop."""
        self._wake_r, self._wake_w = os.pipe()  # signals (set_wakeup_fd)
        self._notes_r, self._notes_w = os.pipe()  # children -> parent: "took a connection"
        for fd in (self._wake_r, self._wake_w, self._notes_r):
            os.set_blocking(fd, False)
        self._watch = self.files.watch()
        if self.files.changed():  # before the watch began (the warm-up took a while)
            self.stopping = "the package's files changed since the start"
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for number in _STOP_SIGNALS:
            signal.signal(number, self._on_signal)
        signal.signal(signal.SIGCHLD, _ignore)  # its byte on the wakeup pipe wakes select: reap
        self.log(
            f"serving {self.settings.socket} (version {__version__}, {sys.executable}; "
            f"idle timeout {self.settings.idle_timeout:g} s, {self.settings.jobs} jobs)"
        )
        activity = checked = time.monotonic()
        try:
            while self.stopping is None:
                self.stopping = self._reap()
                if self.stopping is not None:
                    break
                self._spawn()
                now = time.monotonic()
                if now - checked >= CHECK_EVERY:
                    checked = now
                    if self.files.changed():
                        self.stopping = "the package's files changed since the start"
                        break
                idle = self.settings.idle_timeout
                busy = any(self.children.values())
                if idle and not busy and now - activity >= idle:
                    self.stopping = f"idle for {idle:g} s"
                    break
                timeout = CHECK_EVERY if not idle else min(CHECK_EVERY, activity + idle - now)
                watched = [self._wake_r, self._notes_r]
                if self._watch is not None:
                    watched.append(self._watch)
                readable, _, _ = select.select(watched, [], [], max(timeout, 0.01))
                if self._watch in readable and changed_in(self._watch):
                    self._shared[8] = 1  # a child that took a request refuses it
                    self.stopping = "the package's files changed since the start"
                    break
                if self._wake_r in readable:
                    _drain(self._wake_r)
                if self._notes_r in readable:
                    notes = _drain(self._notes_r)
                    for at in range(0, len(notes) - 3, 4):
                        self.children[int.from_bytes(notes[at : at + 4], "little")] = True
                if busy or self._notes_r in readable:
                    activity = time.monotonic()
        finally:
            self._stop()

    def _on_signal(self, number: int, frame: object) -> None:  # noqa: ARG002 - signal's
        self.stopping = f"signal {signal.Signals(number).name}"

    def _spawn(self) -> None:
        """Fork children until ``SPARE`` wait idle (``jobs`` in all, at most); while requests
        run, until one does: a child's fork and warm-up take a CPU a running request (and
        its client, and kustomize) may want, and the others are forked once they end."""
        busy = any(self.children.values())
        while (
            sum(not took for took in self.children.values()) < (1 if busy else SPARE)
            and len(self.children) < self.settings.jobs
        ):
            # the stop signals wait until the child has its own (default) handlers: one that
            # came in between would meet the parent's, and leave the child waiting in accept
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            pid = os.fork()
            if pid == 0:
                self._child()  # never returns
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            self.children[pid] = False

    def _reap(self) -> str | None:
        """Collect ended children, count what they did; why to stop, if one says so."""
        stop = self.stopping
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                break
            if pid == 0:
                break
            took = self.children.pop(pid, False)
            code = os.waitstatus_to_exitcode(status)
            if code == Outcome.RAN:
                self._shared[:8] = (self.served + 1).to_bytes(8, "little")
            elif code == Outcome.STOP:
                stop = "asked to stop"
            elif code == Outcome.STALE:
                stop = "the package's files changed since the start"
            elif code < 0 and took:  # an idle one: ended by _stop
                self.log(f"a request's process was ended by signal {-code}")
        return stop

    def _stop(self) -> None:
        self.log(f"stopping: {self.stopping or 'an error'}")
        try:
            if os.lstat(self.settings.socket).st_ino == self._inode:
                Path(self.settings.socket).unlink()  # no new connection from here on
        except OSError:
            pass
        if self._listener is not None:
            self._listener.close()
        for pid, took in self.children.items():
            if not took:  # waiting in accept: nothing to finish
                _kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        while self.children and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.01)
        for pid in list(self.children):
            self.log(f"ending the request of process {pid}")
            _kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()
        signal.set_wakeup_fd(-1)
        if self._watch is not None:
            os.close(self._watch)

    # -- a child ---------------------------------------------------------------------------

    def _child(self) -> None:
        outcome = Outcome.FAILED
        try:
            parent = os.getppid()
            signal.set_wakeup_fd(-1)
            for fd in (self._wake_r, self._wake_w, self._notes_r):
                os.close(fd)
            if self._watch is not None:
                os.close(self._watch)
            for number in (*_STOP_SIGNALS, signal.SIGCHLD):
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by _spawn
            for argv, stdin, config in self._warm_up:  # its own copy of the pages a run writes
                run(argv, stdin, config, _UTF8)
            conn = self._accept(parent)
            if conn is None:
                outcome = Outcome.ORPHANED
                return
            os.write(self._notes_w, os.getpid().to_bytes(4, "little"))
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.alarm(self.settings.request_timeout)
            outcome = self._answer(conn)
        except _Timeout:
            self.log(f"a request took more than {self.settings.request_timeout} s: ended")
        except BaseException as exc:  # noqa: BLE001 - a child never shows a traceback
            self.log(f"a request failed: {type(exc).__name__}: {exc}")
        finally:
            os._exit(outcome)

    def _accept(self, parent: int) -> socket.socket | None:
        """The next connection of this server's user; None once the parent is gone."""
        assert self._listener is not None
        while True:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                if os.getppid() != parent:
                    return None
                continue
            conn.setblocking(True)
            try:
                uid = paths.peer_uid(conn)
            except OSError:
                uid = -1
            if uid is None or uid == os.getuid():
                return conn
            self.log(f"refused a connection from uid {uid}")
            conn.close()

    def _answer(self, conn: socket.socket) -> Outcome:
        try:
            reader = protocol.Reader(conn, protocol.REQUEST_MAGIC)
            version = reader.field(protocol.SMALL_FIELD) if reader.count else b""
            if version != protocol.VERSION:
                return _refuse(conn, f"protocol version {version!r}, not {protocol.VERSION!r}")
            if reader.count != protocol.REQUEST_FIELDS:
                return _refuse(conn, f"{reader.count} fields, not {protocol.REQUEST_FIELDS}")
            if reader.field(protocol.SMALL_FIELD) != self.key:
                return _refuse(conn, "another installation's request")
            command = reader.field(protocol.SMALL_FIELD)
            if command == protocol.COMMAND_STATUS:
                _send(conn, [protocol.ANSWER_RAN, b"0", self._status(), b""])
                return Outcome.STATUS
            if command == protocol.COMMAND_STOP:
                _send(conn, [protocol.ANSWER_RAN, b"0", b"stopping\n", b""])
                return Outcome.STOP
            if command != protocol.COMMAND_RUN:
                return _refuse(conn, f"unknown command {command!r}")
            return self._run_request(conn, reader)
        except protocol.FrameError as exc:
            return _refuse(conn, f"malformed request: {exc}")

    def _run_request(self, conn: socket.socket, reader: protocol.Reader) -> Outcome:
        small = protocol.SMALL_FIELD
        argv = [os.fsdecode(a) for a in reader.field(small).split(b"\0")]
        if argv != ["fn"] and not (
            len(argv) == 2 and argv[0] == "kustomize-plugin" and argv[1][:1] not in ("", "-")
        ):
            return _refuse(conn, f"not a command the server runs: {argv!r}")
        cwd = os.fsdecode(reader.field(small))
        env = dict(
            os.fsdecode(pair).partition("=")[::2]
            for pair in reader.field(small).split(b"\0")
            if pair
        )
        encodings = reader.field(small).decode("ascii", "replace").split("\0")
        if len(encodings) not in (4, 6) or not all(
            n.startswith(protocol.ENV_PREFIX) and n not in protocol.NOT_SENT for n in env
        ):
            return _refuse(conn, "malformed request: encodings or environment")
        _set_environment(env)
        from trainjob_migrate import yamlio
        from trainjob_migrate.errors import InputError

        try:
            limit = yamlio.max_input_bytes()  # the request's limit, as its run would apply
        except InputError as exc:
            return _refuse(conn, str(exc))
        config = reader.field(limit)
        stdin = reader.field(limit)
        if self._stale():
            self.log("the package's files changed since the start: refusing, stopping")
            _refuse(conn, "the installed package changed since the server started")
            return Outcome.STALE
        if cwd:
            with contextlib.suppress(OSError):  # as its own process: a relative path is its
                os.chdir(cwd)
        try:
            code, out, err = run(argv, stdin, config if argv[0] != "fn" else None, encodings)
        except LookupError as exc:  # an encoding this interpreter does not know
            return _refuse(conn, f"unknown encoding: {exc}")
        _send(conn, [protocol.ANSWER_RAN, str(code).encode(), out, err])
        return Outcome.RAN

    def _status(self) -> bytes:
        lines = {
            "pid": os.getppid(),  # the parent's: this is the child answering
            "version": __version__,
            "socket": self.settings.socket,
            "python": sys.executable,
            "uptime": f"{time.time() - self.started:.1f} s",
            "requests served": self.served,
            "idle timeout": f"{self.settings.idle_timeout:g} s",
            "jobs": self.settings.jobs,
        }
        return "".join(f"{name}: {value}\n" for name, value in lines.items()).encode()


def _kill(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _drain(fd: int) -> bytes:
    data = b""
    try:
        while chunk := os.read(fd, 4096):
            data += chunk
    except BlockingIOError:
        pass
    return data


def _on_alarm(number: int, frame: object) -> None:  # noqa: ARG001 - signal's
    raise _Timeout


def _ignore(number: int, frame: object) -> None:
    """A handler that does nothing: the signal's byte on the wakeup pipe is the point."""


def _set_environment(env: dict[str, str]) -> None:
    """The client's TRAINJOB_MIGRATE_* variables replace the server's (in the child)."""
    for name in list(os.environ):
        if name.startswith(protocol.ENV_PREFIX) and name not in protocol.NOT_SENT:
            del os.environ[name]
    os.environ.update(env)


def _send(conn: socket.socket, fields: list[bytes]) -> None:
    conn.sendall(b"".join(protocol.encode(protocol.ANSWER_MAGIC, fields)))


def _refuse(conn: socket.socket, reason: str) -> Outcome:
    with contextlib.suppress(OSError):  # gone: it runs the command itself, or nobody waits
        _send(conn, [protocol.ANSWER_REFUSED, reason.encode("utf-8", "replace")])
        # what is left of the request, as far as it came: closing a Unix socket with unread
        # bytes resets the connection, and the client would not read the refusal (it would
        # run the command itself all the same)
        while conn.recv(1 << 16, socket.MSG_DONTWAIT):
            pass
    return Outcome.REFUSED


#: stdout's and stderr's encoding and errors, as Python sets them in a UTF-8 locale
_UTF8: Final = ["utf-8", "strict", "utf-8", "backslashreplace"]


def run(
    argv: list[str], stdin: bytes, config: bytes | None, encodings: list[str]
) -> tuple[int, bytes, bytes]:
    """Run the command line as cli.main runs it in its own process (cli._main, the same
    boundary), on in-memory streams encoded as the client's (``encodings``: stdout's
    encoding and errors, stderr's, then, when given, where each stream was: a
    ``protocol.POSITIONS``, "start" when not); its exit code, stdout's bytes and stderr's."""
    from trainjob_migrate import cli

    where = encodings[4:6] if len(encodings) == 6 else ["start", "start"]
    out = _stream(encodings[0], encodings[1], where[0])
    err = _stream(encodings[2], encodings[3], where[1])
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO())  # read by nothing: the input is passed
    sys.stdout, sys.stderr = out, err
    try:
        code = cli._main(argv, io.BytesIO(stdin), config)
        out.flush()
        err.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, _bytes(out), _bytes(err)


class _Pipe(io.BytesIO):
    """An in-memory stream that is not seekable, as a pipe is."""

    def seekable(self) -> bool:
        return False


class _Middle(io.BytesIO):
    """An in-memory stream that does not start at 0, as a file written after its start; its
    first byte is no output (cut by :func:`_bytes`)."""

    def __init__(self) -> None:
        super().__init__(b"\0")
        self.seek(1)


def _stream(encoding: str, errors: str, where: str) -> io.TextIOWrapper:
    """A text stream that encodes as the client's did where it was (``where``): Python writes
    a byte order mark (utf-16, utf-8-sig...) at the start of a file, none in its middle, and
    on a pipe what the codec writes by itself (utf-8-sig's, not utf-16's)."""
    kinds = {
        protocol.POSITION_PIPE: _Pipe,
        protocol.POSITION_START: io.BytesIO,
        protocol.POSITION_MIDDLE: _Middle,
    }
    if where not in kinds:
        raise LookupError(f"stream position {where!r}")
    return io.TextIOWrapper(kinds[where](), encoding=encoding, errors=errors, newline="\n")


def _bytes(stream: io.TextIOWrapper) -> bytes:
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    data = buffer.getvalue()
    return data[1:] if isinstance(buffer, _Middle) else data


def warm_up() -> tuple[tuple[list[str], bytes, bytes | None], ...]:
    """What the parent runs before serving, and each child before it waits (argv, stdin,
    config): a job of the first kind the registry converts, with a ConfigMap, as ``fn`` and
    as the plugin."""
    import yaml

    from trainjob_migrate import sources

    source = next(s for s in sources.SOURCES if s.unsupported is None and s.runtime)
    container = {
        "name": source.container,
        "image": "example.com/train:1",
        "command": ["python3", "train.py"],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
    }
    job = {
        "apiVersion": source.api_version,
        "kind": source.kind,
        "metadata": {"name": "warm-up", "namespace": "default"},
        "spec": {
            source.replica_specs: {
                role: {
                    "replicas": 1 if role in source.single_roles else 2,
                    "restartPolicy": "OnFailure",
                    "template": {"spec": {"containers": [container]}},
                }
                for role in source.roles
            }
        },
    }
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "default"},
        "data": {"EPOCHS": "3"},
    }
    resource_list = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [job, settings],
    }
    config = (
        b"apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        b"metadata:\n  name: warm-up\n"
    )
    return (
        (["fn"], yaml.safe_dump(resource_list, sort_keys=False).encode(), None),
        (
            ["kustomize-plugin", "warm-up.yaml"],
            yaml.safe_dump_all([job, settings], sort_keys=False).encode(),
            config,
        ),
    )
