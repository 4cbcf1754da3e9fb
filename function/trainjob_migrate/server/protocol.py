"""The frames the client and the server exchange over the Unix socket (no imports: the
client path's).

A frame is ``MAGIC`` (4 bytes), the number of fields (4 bytes, big-endian), then each field
as its length (4 bytes, big-endian) and its bytes. The request's fields are, in order, those
named ``REQUEST_*``; the first is the protocol version, so that a server of another version
refuses (the client then runs the command itself). The answer is ``[ANSWER_RAN, exit code,
stdout, stderr]`` or ``[ANSWER_REFUSED, reason]``. Anything else, or a frame over its bound,
is refused: the connection is closed after a refusal, never with a traceback.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Protocol

    class Socket(Protocol):
        def recv_into(self, buffer: memoryview, nbytes: int = 0, /) -> int: ...


#: bumped when a field is added, removed or changes meaning
VERSION: Final = b"1"
REQUEST_MAGIC: Final = b"TJM?"
ANSWER_MAGIC: Final = b"TJM!"

# the request's fields, by position
REQUEST_VERSION: Final = 0
REQUEST_KEY: Final = 1  # paths.installation_key()
REQUEST_COMMAND: Final = 2  # one of the COMMAND_* below
REQUEST_ARGV: Final = 3  # the command line's arguments, NUL-separated (["fn"], ...)
REQUEST_CWD: Final = 4
REQUEST_ENV: Final = 5  # NAME=VALUE of the variables a run reads (ENV_PREFIX), NUL-separated
#: stdout's encoding and errors, stderr's, then where stdout was and where stderr was (a
#: POSITION_*: the byte order mark a codec writes depends on it; "start" when not given)
REQUEST_ENCODINGS: Final = 6  # NUL-separated
REQUEST_CONFIG: Final = 7  # the plugin config file's bytes (empty for fn)
REQUEST_STDIN: Final = 8
REQUEST_FIELDS: Final = 9

POSITION_PIPE: Final = "pipe"  # not seekable
POSITION_START: Final = "start"  # seekable, at 0
POSITION_MIDDLE: Final = "middle"  # seekable, past 0

COMMAND_RUN: Final = b"run"
COMMAND_STATUS: Final = b"status"
COMMAND_STOP: Final = b"stop"

ANSWER_RAN: Final = b"ran"  # then the exit code (ASCII digits), stdout, stderr
ANSWER_REFUSED: Final = b"refused"  # then the reason (UTF-8): the client runs it itself

#: the variables a run of fn or the plugin reads (limits.MAX_INPUT_ENV), sent with a request;
#: the server's own (the socket's, the switch) are not a run's
ENV_PREFIX: Final = "TRAINJOB_MIGRATE_"
NOT_SENT: Final = ("TRAINJOB_MIGRATE_SOCKET", "TRAINJOB_MIGRATE_SERVER")

#: bound of each field before REQUEST_CONFIG (paths, names, the environment's few variables)
SMALL_FIELD: Final = 64 * 1024
_MAX_FIELDS: Final = 16


class FrameError(Exception):
    """A frame that is not one: wrong magic, too many fields, a field over its bound, or the
    connection closed before its end."""


def encode(magic: bytes, fields: list[bytes]) -> list[bytes]:
    """The frame's parts, for ``sendall`` each (not joined: the input is not copied again)."""
    head = [magic, len(fields).to_bytes(4, "big")]
    for field in fields:
        head.append(len(field).to_bytes(4, "big"))
        head.append(field)
    return head


class Reader:
    """Reads one frame from a socket, field by field, each within the bound its caller gives."""

    __slots__ = ("_sock", "count")

    def __init__(self, sock: Socket, magic: bytes) -> None:
        self._sock = sock
        head = self._exactly(8)
        if head[:4] != magic:
            raise FrameError("not a trainjob-migrate frame")
        self.count = int.from_bytes(head[4:], "big")
        if self.count > _MAX_FIELDS:
            raise FrameError(f"{self.count} fields")

    def field(self, limit: int) -> bytes:
        size = int.from_bytes(self._exactly(4), "big")
        if size > limit:
            raise FrameError(f"a field of {size} bytes, over the bound of {limit}")
        return self._exactly(size)

    def _exactly(self, size: int) -> bytes:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            n = self._sock.recv_into(view[got:], size - got)
            if not n:
                raise FrameError("the connection closed in the middle of a frame")
            got += n
        return bytes(buffer)
