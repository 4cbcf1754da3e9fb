"""``trainjob-migrate server start|stop|status``: the resident server (trainjob_migrate/server).

kustomize and kpt start ``fn`` or ``kustomize-plugin CONFIG`` at every build; with a server
running, those starts send their input to its warm process instead of importing and
warming everything themselves (and run as before whenever it cannot answer). Opt-in:
nothing starts a server but this command. Exit codes: server/control.py.
"""

from __future__ import annotations

import argparse
import sys

from trainjob_migrate.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from trainjob_migrate.server import daemon

    parser = sub.add_parser(
        "server",
        help="a resident server that answers fn and kustomize-plugin (faster builds)",
        description="Keep a warm process that answers `fn` and `kustomize-plugin CONFIG` "
        "(the entry points kustomize and kpt start at every build); they use it when it "
        "runs, and run in their own process otherwise. TRAINJOB_MIGRATE_SOCKET sets the "
        "socket, TRAINJOB_MIGRATE_SERVER=off stops the entry points from looking for it.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    start = actions.add_parser(
        "start",
        help="start the server (a daemon; returns once it answers)",
        description="Exit 0 once a server answers (started, or running already); 73 when "
        "its socket cannot be made; 70 when it did not come up (see the log beside the "
        "socket).",
    )
    start.add_argument(
        "--foreground",
        action="store_true",
        help="serve in this process, events on stderr (systemd, a container's sidecar)",
    )
    start.add_argument(
        "--idle-timeout",
        type=float,
        default=daemon.IDLE_TIMEOUT,
        metavar="SECONDS",
        help=f"exit after this long without a request; 0: never (default {daemon.IDLE_TIMEOUT:g})",
    )
    start.add_argument(
        "--request-timeout",
        type=int,
        default=daemon.REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="end a request that runs longer; its client then runs it itself (default "
        f"{daemon.REQUEST_TIMEOUT})",
    )
    start.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="requests answered at once, more wait (default: twice the CPUs)",
    )
    actions.add_parser(
        "stop",
        help="stop the server",
        description="Exit 0 when a server was running (it has exited), 1 when none was.",
    )
    actions.add_parser(
        "status",
        help="is a server running: pid, version, socket, uptime, requests served",
        description="Exit 0 when a server answers, 1 when none does.",
    )


def run(
    args: argparse.Namespace, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    from trainjob_migrate.server import control, daemon, paths

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if args.action == "status":
        return control.status(stdout)
    if args.action == "stop":
        return control.stop(stdout)
    if args.action != "start":
        raise UsageError("trainjob-migrate server: give an ACTION: start, stop or status")
    if args.idle_timeout < 0:
        raise UsageError("trainjob-migrate server: --idle-timeout must be 0 (never) or more")
    if args.request_timeout < 1:
        raise UsageError("trainjob-migrate server: --request-timeout must be 1 or more")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("trainjob-migrate server: --jobs must be 1 or more")
    settings = daemon.Settings(
        paths.socket_path(),
        args.idle_timeout,
        args.request_timeout,
        args.jobs or daemon.default_jobs(),
    )
    return control.start(settings, args.foreground, stdout, stderr)
