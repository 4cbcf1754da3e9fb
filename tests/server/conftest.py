"""A resident server for the tests of this folder: one a module, on a socket of its own."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from serverkit import Server, alive


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    folder.chmod(0o700)
    running = Server(folder / "s.sock", "--idle-timeout", "300")
    yield running
    processes = running.processes()  # the server and every child it has now
    running.stop()
    deadline = time.monotonic() + 10
    while any(alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = [p for p in processes if alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the server left processes behind"
