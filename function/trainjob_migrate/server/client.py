"""The client path of ``fn`` and ``kustomize-plugin CONFIG``: ask a resident server, if any.

cli.main calls :func:`attempt` before importing anything of a run (results, errors, PyYAML),
when a file is where the socket would be (server.existing_socket: without a server, one failed
``lstat`` is all the lookup costs, and this module is not imported). With one, this process
sends its command line, the plugin config's bytes, the variables a run reads and its input
(read within the same limit ``krm.read_input`` applies) and writes the server's stdout and
stderr bytes back as they came, with its exit code. Whenever the server does not answer
with a run (no socket, an unsafe one, nobody listening, another installation or protocol
version, a refusal, a timeout, a server that dies mid-request), the command runs in this
process with what was read already: the user never sees an error because of the server.

Imports: os, sys, io (all loaded at the interpreter's start), limits (os only) and _socket
(a third of a millisecond; not socket, whose module imports selectors, enum's socket classes
and more: six).
"""

from __future__ import annotations

import io
import os
import sys

from trainjob_migrate import limits
from trainjob_migrate.server import paths, protocol

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket
    from typing import IO, Final

#: a Unix socket's connect is immediate, or fails at once; waiting this long is a hung server
CONNECT_TIMEOUT: Final = 1.0
#: the longest wait for the answer: the server's default request bound (daemon.py) and a
#: margin; a server that takes longer (stopped, or a larger bound) is not waited for: the
#: command then runs here
ANSWER_TIMEOUT: Final = 130.0


#: results.EXIT_CRASH and EXIT_INTERRUPTED, without importing results (the test of the
#: protocol checks they are the same)
EXIT_CRASH: Final = 70
EXIT_INTERRUPTED: Final = 130


class Attempt:
    """What asking the server came to: its exit code when it ran the command (its output
    written), else None, with what this process read already (stdin, the config's bytes) for
    the run here; None for what was not read."""

    __slots__ = ("code", "stdin", "config")

    def __init__(
        self, code: int | None, stdin: IO[bytes] | None = None, config: bytes | None = None
    ) -> None:
        self.code = code
        self.stdin = stdin
        self.config = config


_NOT_ASKED: Final = Attempt(None)


def attempt(args_list: list[str], path: str) -> Attempt:
    """Ask the server at ``path`` to run ``args_list`` (``["fn"]`` or ``["kustomize-plugin",
    CONFIG]``)."""
    if paths.unsafe_socket(path) is not None:  # gone meanwhile, or not to be trusted
        return _NOT_ASKED
    if sys.stdin is None or not _has_buffers():
        return _NOT_ASKED  # a closed standard stream: the run here says what it says
    if _one_file():
        return _NOT_ASKED  # the order of stdout's and stderr's bytes in it is the run's own
    sock = _connect(path)
    if sock is None:
        return _NOT_ASKED
    try:
        return _ask(sock, args_list)
    except KeyboardInterrupt:  # Ctrl-C while waiting: as a run here ends on it (cli._main)
        return Attempt(EXIT_INTERRUPTED)
    finally:
        sock.close()


def _has_buffers() -> bool:
    return all(hasattr(s, "buffer") and hasattr(s, "errors") for s in (sys.stdout, sys.stderr))


def _one_file() -> bool:
    """Whether stdout and stderr write to one file (``2>&1``, a terminal; not the null
    device), or it cannot be told. There, a run in its own process interleaves them as its buffers flush (stderr's
    lines at once, stdout's block when full or at the exit), which the server's answer,
    all of stdout then all of stderr, would not reproduce."""
    try:
        out, err = os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno())
        if (out.st_dev, out.st_ino) != (err.st_dev, err.st_ino):
            return False
        null = os.stat(os.devnull)  # noqa: PTH116 - both discarded: no order to keep
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return True
    return (out.st_dev, out.st_ino) != (null.st_dev, null.st_ino)


def _connect(path: str) -> _socket.socket | None:
    import _socket  # only when there is a socket to connect to: not without a server

    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:  # out of file descriptors
        return None
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        uid = paths.peer_uid(sock)
        if uid is not None and uid != os.getuid():
            raise PermissionError("the server runs as another user")
        sock.settimeout(ANSWER_TIMEOUT)
    except OSError:  # refused (a stale socket), a full backlog, a timeout...
        sock.close()
        return None
    return sock


def _ask(sock: _socket.socket, args_list: list[str]) -> Attempt:
    config = None
    if args_list[0] == "kustomize-plugin":
        try:
            with open(args_list[1], "rb") as file:  # noqa: PTH123 - no pathlib here
                config = file.read()
        except OSError:
            return _NOT_ASKED  # the run here says it cannot read it, as without a server
    limit = limits.input_limit()  # yamlio's, without importing it (and PyYAML)
    if limit is None:
        return Attempt(None, None, config)  # an invalid limit: the run here says so
    stdin = sys.stdin.buffer
    try:
        data = stdin.read(limit + 1)
    except OSError:  # unreadable (a write-only descriptor): the run here reads it, and says so
        return Attempt(None, None, config)
    if len(data) > limit:  # refused as too large: by the run here, which reads the rest
        return Attempt(None, io.BufferedReader(_Prefixed(data, stdin)), config)
    try:
        request = protocol.encode(protocol.REQUEST_MAGIC, _fields(args_list, config, data))
        code, out, err = _answer(sock, request, limit)
    except Exception:  # noqa: BLE001 - whatever went wrong, nothing is written yet: run here
        return Attempt(None, io.BytesIO(data), config)
    return Attempt(_write(out, err, code))


def _fields(args_list: list[str], config: bytes | None, data: bytes) -> list[bytes]:
    try:
        cwd = os.getcwd()  # noqa: PTH109 - no pathlib on the client path
    except OSError:  # removed under this process
        cwd = ""
    env = "\0".join(
        f"{name}={value}"
        for name, value in os.environ.items()
        if name.startswith(protocol.ENV_PREFIX) and name not in protocol.NOT_SENT
    )
    out, err = sys.stdout, sys.stderr
    encodings = (
        f"{out.encoding}\0{out.errors}\0{err.encoding}\0{err.errors}"
        f"\0{_position(out)}\0{_position(err)}"
    )
    return [
        protocol.VERSION,
        os.fsencode(paths.installation_key()),
        protocol.COMMAND_RUN,
        os.fsencode("\0".join(args_list)),
        os.fsencode(cwd),
        os.fsencode(env),
        encodings.encode(),
        config or b"",
        data,
    ]


def _position(stream: IO[str]) -> str:
    """Where ``stream`` is (nothing is written yet: where it was when Python opened it, which
    decided its byte order mark)."""
    try:
        if not stream.seekable():
            return protocol.POSITION_PIPE
        at = stream.buffer.tell()  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return protocol.POSITION_PIPE
    return protocol.POSITION_START if at == 0 else protocol.POSITION_MIDDLE


def _answer(sock: _socket.socket, request: list[bytes], limit: int) -> tuple[int, bytes, bytes]:
    """The server's exit code, stdout and stderr, or an exception for any other answer."""
    sock.sendall(b"".join(request))
    reader = protocol.Reader(sock, protocol.ANSWER_MAGIC)
    if reader.count != 4 or reader.field(protocol.SMALL_FIELD) != protocol.ANSWER_RAN:
        raise protocol.FrameError("refused")
    code = int(reader.field(protocol.SMALL_FIELD))
    # the output of an input within the limit is a few times its size at most; a length past
    # this bound is a broken frame, not something to allocate
    bound = 64 * limit + (1 << 20)
    return code, reader.field(bound), reader.field(bound)


def _write(out: bytes, err: bytes, code: int) -> int:
    """Write what the server's run wrote; when the reader of stdout went away, as the run
    here would end on it (cli._main's line for an exception, exit 70)."""
    try:
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
    except OSError as exc:
        from trainjob_migrate.cli import crash_lines  # loaded: cli.main called this module

        sys.stderr.write(crash_lines(exc))
        return EXIT_CRASH
    return code


class _Prefixed(io.RawIOBase):
    """stdin whose first bytes were read already: those, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
