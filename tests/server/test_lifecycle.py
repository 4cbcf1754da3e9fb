"""`server start|stop|status`: exit codes and what they say, the foreground mode, the idle
timeout, stale code (the package changed after the start), concurrent requests, and no
process left behind."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serverkit import Server, alive, children, command, environment

import trainjob_migrate

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"


def _gone(processes: set[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not any(alive(p) for p in processes)


def test_start_status_stop(tmp_path: Path):
    socket = tmp_path / "private" / "s.sock"  # a directory start makes, 0700
    env = environment(socket)
    ran = command(["server", "status"], env)
    assert ran.code == 1 and ran.out.startswith(b"trainjob-migrate server: not running"), ran
    assert command(["server", "stop"], env).code == 1
    server = Server(socket, "--idle-timeout", "60")
    assert socket.parent.stat().st_mode & 0o777 == 0o700
    assert socket.stat().st_mode & 0o777 == 0o600
    again = command(["server", "start"], env)
    assert again.code == 0 and b"running already (pid " + server.pid.encode() in again.out
    status = command(["server", "status"], env)
    assert status.code == 0, status
    for field in (b"pid: ", b"version: ", b"socket: ", b"uptime: ", b"requests served: 0"):
        assert b"\n  " + field in status.out, status
    assert f"version: {trainjob_migrate.__version__}\n".encode() in status.out
    assert command(["fn"], env, QUICKSTART.read_bytes()).code == 0
    server.wait_served(1)
    # the parent and its warm children (a spare is forked again after a request: on a busy
    # machine that may take a moment)
    deadline = time.monotonic() + 10
    while len(processes := server.processes()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes) > 1
    stopped = command(["server", "stop"], env)
    assert (
        stopped.code == 0
        and stopped.out == f"trainjob-migrate server: stopped (pid {server.pid})\n".encode()
    )
    assert _gone(processes), "a process of the server is left"
    assert not socket.exists()
    assert command(["server", "status"], env).code == 1


def test_an_open_socket_directory_is_refused(tmp_path: Path):
    (tmp_path / "open").mkdir()
    (tmp_path / "open").chmod(0o755)
    ran = command(["server", "start"], environment(tmp_path / "open" / "s.sock"))
    assert ran.code == 73 and b"unsafe socket directory" in ran.err, ran
    assert ran.err.count(b"\n") == 1 and not (tmp_path / "open" / "s.sock").exists()


def test_foreground_serves_until_a_signal(tmp_path: Path):
    tmp_path.chmod(0o700)
    env = environment(tmp_path / "s.sock")
    process = subprocess.Popen(
        [sys.executable, "-m", "trainjob_migrate", "server", "start", "--foreground"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while command(["server", "status"], env).code != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        served = command(["fn"], env, QUICKSTART.read_bytes())
        assert served.code == 0 and b"kind: TrainJob" in served.out
        helpers = children(process.pid)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert b"ready" in err and b"stopping: signal SIGTERM" in err and b"Traceback" not in err
    assert not (tmp_path / "s.sock").exists()
    assert _gone(helpers)


def test_an_idle_server_exits(tmp_path: Path):
    tmp_path.chmod(0o700)
    server = Server(tmp_path / "s.sock", "--idle-timeout", "0.3")
    processes = server.processes()
    assert _gone(processes), "still running after its idle timeout"
    assert "stopping: idle for 0.3 s" in (tmp_path / "s.sock.log").read_text()
    assert command(["server", "status"], server.env).code == 1


def test_a_server_whose_package_changed_refuses_and_exits(tmp_path: Path):
    """A copy of the package (an installation of its own), edited after the start."""
    tmp_path.chmod(0o700)
    package = Path(trainjob_migrate.__file__).parent
    shutil.copytree(package, tmp_path / "site" / "trainjob_migrate")  # byte code too: fast
    env = environment(tmp_path / "s.sock", PYTHONPATH=str(tmp_path / "site"))
    started = command(["server", "start", "--idle-timeout", "60"], env)
    assert started.code == 0, started
    assert command(["fn"], env, QUICKSTART.read_bytes()).code == 0
    log = tmp_path / "s.sock.log"
    module = tmp_path / "site" / "trainjob_migrate" / "pipeline.py"
    module.write_text(module.read_text() + "\n# edited\n")
    alone = command(["fn"], {**env, "TRAINJOB_MIGRATE_SERVER": "off"}, QUICKSTART.read_bytes())
    refused = command(["fn"], env, QUICKSTART.read_bytes())
    assert refused == alone  # refused (or, the server gone already, not asked): run alone
    deadline = time.monotonic() + 10
    while command(["server", "status"], env).code == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert command(["server", "status"], env).code == 1
    assert "stopping: the package's files changed" in log.read_text()


def test_concurrent_requests_are_all_answered(server: Server):
    stdin = QUICKSTART.read_bytes()
    alone = command(["fn"], {**server.env, "TRAINJOB_MIGRATE_SERVER": "off"}, stdin)
    served = server.served()
    many = 2 * int(server.status()["jobs"])
    with ThreadPoolExecutor(many) as pool:
        runs = list(pool.map(lambda _: command(["fn"], server.env, stdin), range(many)))
    assert all(r == alone for r in runs)
    server.wait_served(served + many)  # more than --jobs at once: the others waited


@pytest.mark.parametrize(
    ("option", "value"),
    [("--idle-timeout", "-1"), ("--request-timeout", "0"), ("--jobs", "0")],
)
def test_invalid_options_are_usage_errors(option: str, value: str, tmp_path: Path):
    ran = command(["server", "start", option, value], environment(tmp_path / "s.sock"))
    assert ran.code == 64 and ran.err.count(b"\n") == 1 and option.encode() in ran.err, ran
