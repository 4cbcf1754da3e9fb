"""The server's side of the protocol: what is not a request of this installation and protocol
version is refused with an answer (never a traceback), and the server goes on serving; a
request over its time bound is ended. The client's side: its input limit is yamlio's, its
trust checks refuse what another user could have made."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from serverkit import Server, command

from trainjob_migrate import limits, yamlio
from trainjob_migrate import server as server_package
from trainjob_migrate.server import paths, protocol, staleness

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"


def _exchange(server: Server, data: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(server.socket))
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _request(**changes: bytes) -> list[bytes]:
    fields = {
        "version": protocol.VERSION,
        "key": os.fsencode(paths.installation_key()),
        "command": protocol.COMMAND_RUN,
        "argv": b"fn",
        "cwd": b"/",
        "env": b"",
        "encodings": b"utf-8\0strict\0utf-8\0backslashreplace",
        "config": b"",
        "stdin": QUICKSTART.read_bytes(),
    }
    fields.update(changes)
    return list(fields.values())


def _frame(fields: list[bytes]) -> bytes:
    return b"".join(protocol.encode(protocol.REQUEST_MAGIC, fields))


def _refusal(answer: bytes) -> str:
    assert answer[:8] == protocol.ANSWER_MAGIC + (2).to_bytes(4, "big"), answer[:200]
    assert answer[12:19] == protocol.ANSWER_REFUSED
    return answer[23:].decode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GET / HTTP/1.1\r\n\r\n", "not a trainjob-migrate frame"),
        (b"TJM?\xff\xff\xff\xff", "fields"),
        (_frame(_request(version=b"999")), "protocol version"),
        (_frame(_request(key=b"/elsewhere/trainjob_migrate\n0.1.0")), "another installation"),
        (_frame(_request(command=b"exec")), "unknown command"),
        (_frame(_request(argv=b"convert\0--out\0/tmp")), "not a command the server runs"),
        (_frame(_request(env=b"PATH=/evil")), "environment"),
        (_frame(_request(env=b"TRAINJOB_MIGRATE_MAX_INPUT_MB=lots")), "expected a positive"),
        (_frame(_request(encodings=b"no-such-codec\0strict\0utf-8\0strict")), "unknown encoding"),
        (
            _frame(_request(encodings=b"utf-8\0strict\0utf-8\0strict\0pipe\0nowhere")),
            "stream position 'nowhere'",
        ),
        (_frame(_request(encodings=b"utf-8\0strict\0utf-8\0strict\0pipe")), "encodings"),
        (_frame(_request(env=b"TRAINJOB_MIGRATE_MAX_INPUT_MB=0.0001")), "over the bound"),
        (_frame(_request())[:-100], "closed in the middle of a frame"),
    ],
    ids=[
        "not a frame",
        "too many fields",
        "another protocol version",
        "another installation",
        "unknown command",
        "another command line",
        "a variable no run reads",
        "an invalid input limit",
        "an unknown encoding",
        "an unknown stream position",
        "five encodings entries",
        "input over the limit",
        "a cut frame",
    ],
)
def test_what_is_no_request_is_refused_and_the_server_goes_on(
    server: Server, data: bytes, reason: str
):
    served = server.served()
    assert reason in _refusal(_exchange(server, data))
    assert server.served() == served  # refused, not run; and the server still answers


def test_a_valid_frame_is_answered_with_the_run(server: Server):
    answer = _exchange(server, _frame(_request()))
    assert answer.startswith(protocol.ANSWER_MAGIC + (4).to_bytes(4, "big"))
    assert b"kind: TrainJob" in answer and b"Traceback" not in answer


def test_a_request_over_its_time_bound_is_ended(tmp_path: Path):
    tmp_path.chmod(0o700)
    slow = Server(tmp_path / "s.sock", "--idle-timeout", "60", "--request-timeout", "1")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(slow.socket))
        sock.sendall(protocol.REQUEST_MAGIC)  # and nothing more
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed, unanswered: a client then runs it itself
        assert time.monotonic() - started < 5
    assert "a request took more than 1 s: ended" in (tmp_path / "s.sock.log").read_text()
    assert command(["fn"], slow.env, QUICKSTART.read_bytes()).code == 0
    slow.stop()


@pytest.mark.parametrize(
    "value", ["", "1", "0.5", "32", " 7 ", "1e3", "0", "-1", "lots", "nan", "2e6"]
)
def test_the_client_limit_is_yamlio_s(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(limits.MAX_INPUT_ENV, value)
    assert limits.MAX_INPUT_ENV == yamlio.MAX_INPUT_ENV
    try:
        expected: int | None = yamlio.max_input_bytes()
    except Exception:  # noqa: BLE001 - invalid: the run in the client's process says so
        expected = None
    assert limits.input_limit() == expected


def test_the_client_exit_codes_are_results_own():
    """The client says them without importing results: the same numbers."""
    from trainjob_migrate import results
    from trainjob_migrate.server import client

    assert client.EXIT_CRASH == results.EXIT_CRASH
    assert client.EXIT_INTERRUPTED == results.EXIT_INTERRUPTED


def test_an_unsafe_folder_or_socket_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    tmp_path.chmod(0o700)
    assert paths.unsafe_folder(str(tmp_path)) is None
    link = tmp_path.parent / f"{tmp_path.name}-link"
    link.symlink_to(tmp_path)
    assert "not a directory" in (paths.unsafe_folder(str(link)) or "")
    (tmp_path / "file").write_text("")
    (tmp_path / "file").chmod(0o600)
    assert "not a socket" in (paths.unsafe_socket(str(tmp_path / "file")) or "")
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 1)
    assert "owned by uid" in (paths.unsafe_folder(str(tmp_path)) or "")


def test_the_default_socket_is_private_and_per_installation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv(paths.SOCKET_ENV, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    path = paths.socket_path()
    assert path.startswith(f"{tmp_path}/trainjob-migrate/server-") and path.endswith(".sock")
    tmp = f"/tmp/trainjob-migrate-{os.getuid()}/server-"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "not-there"))  # a container's, say
    assert paths.socket_path().startswith(tmp)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert paths.socket_path().startswith(tmp)
    ours = paths.socket_path()
    monkeypatch.setattr(server_package, "installation_key", lambda: "/another/venv\n0.1.0")
    assert paths.socket_path() != ours and paths.socket_path().startswith(tmp)


def test_files_notice_an_edit_an_addition_a_removal_but_not_byte_code(tmp_path: Path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    module = tmp_path / "pkg" / "sub" / "module.py"
    module.write_text("x = 1\n")
    files = staleness.Files([str(tmp_path / "pkg")])
    assert not files.changed()
    (tmp_path / "pkg" / "sub" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "sub" / "__pycache__" / "module.pyc").write_bytes(b"")
    assert staleness.Files([str(tmp_path / "pkg")]).changed() is False
    for change in (
        lambda: module.write_text("x = 2\n"),  # the same size, in place
        lambda: (tmp_path / "pkg" / "new.py").write_text(""),
        module.unlink,
    ):
        files = staleness.Files([str(tmp_path / "pkg")])
        time.sleep(0.01)  # a later mtime, even on a coarse clock
        change()
        assert files.changed()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_the_watch_tells_of_an_edit_but_not_of_a_byte_code_cache(tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "module.py"
    module.write_text("x = 1\n")
    files = staleness.Files([str(tmp_path / "pkg")])
    fd = files.watch()
    assert fd is not None
    try:
        (tmp_path / "pkg" / "__pycache__").mkdir()
        assert not staleness.changed_in(fd)
        module.write_text("x = 2\n")
        assert staleness.changed_in(fd)
        assert not staleness.changed_in(fd)  # read: nothing new
    finally:
        os.close(fd)


def test_python_and_python3_of_one_virtualenv_are_one_installation(tmp_path: Path):
    """A console script's shebang names bin/python3, a user's `python -m` bin/python: the
    same interpreter, so the same server (a key naming sys.executable as written sent every
    such run to its own process)."""
    folder = Path(sys.executable).parent
    names = [n for n in ("python", "python3") if (folder / n).exists()]
    if len(names) < 2:
        pytest.skip(f"{folder} has not both python and python3")
    code = "from trainjob_migrate import server; print(repr(server.installation_key()))"
    env = {**os.environ, "PYTHONPATH": str(REPO / "function")}
    keys = {
        subprocess.run(
            [str(folder / n), "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout
        for n in names
    }
    assert len(keys) == 1, keys
    # another folder of the same interpreter (another virtualenv) is another installation
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(folder / "python3")
    other = subprocess.run(
        [str(tmp_path / "bin" / "python"), "-c", code],
        capture_output=True, text=True, check=True, env=env,
    ).stdout  # fmt: skip
    assert other not in keys
