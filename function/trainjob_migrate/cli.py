"""Command line: ``trainjob-migrate fn`` (the KRM function) and friends.

Parsing is kept apart from running; every command returns its exit code (the table is
in results.py and README). A usage error is one line and exit 64; an error that stops a
run exits with its class's code (errors.py); an unexpected exception never shows a
traceback: it is one line on stderr and exit 70.
"""

from __future__ import annotations

import gc
import os
import sys

from trainjob_migrate import __version__, nogc

# Nothing heavier at the top: `fn` and `kustomize-plugin CONFIG` first ask a resident server
# (server/client.py), and a run it serves imports neither errors, results nor PyYAML.
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `fn` does without the typing module
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import IO


#: the subcommands; each one's module is imported only when it runs or its parser is built
COMMANDS = (
    "fn",
    "convert",
    "check",
    "compare",
    "doctor",
    "explain",
    "kustomize-plugin",
    "server",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; ``only``: build that subcommand's parser alone (a run of one command
    imports no other command's modules: start-up time), None: all of them (help, mistakes)."""
    # not at module level: `fn` never parses (start-up time)
    from trainjob_migrate.commands import common, usage

    parser: argparse.ArgumentParser = usage.Parser(
        prog="trainjob-migrate",
        description="Convert Kubeflow Training Operator v1 jobs into Trainer v2 TrainJobs.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMANDS if only is None else (only,)
    for name in wanted:
        if name == "fn":
            fn = sub.add_parser(
                "fn",
                help="run as a KRM function: a ResourceList on stdin, the converted ResourceList "
                "on stdout",
                description="KRM function (kpt fn eval --exec, kustomize exec/container "
                "functions). Options come from the ResourceList's functionConfig.",
            )
            common.add_verbosity(fn, "also show warnings on stderr (errors always are)")
        elif name == "kustomize-plugin":
            plugin = sub.add_parser(
                "kustomize-plugin",
                help="run as a kustomize legacy exec plugin (kubectl kustomize "
                "--enable-alpha-plugins)",
                description="kustomize passes the transformer config file as the argument and "
                "the resources as a YAML stream on stdin; the converted stream goes to stdout.",
            )
            plugin.add_argument(
                "config", metavar="CONFIG", help="the transformer config file kustomize passes"
            )
            common.add_verbosity(plugin, "also show info findings on stderr")
        else:
            module = f"trainjob_migrate.commands.{name}"
            __import__(module)  # not importlib (warnings...): the start of every command
            sys.modules[module].add_parser(sub)
    return parser


def _command_of(args_list: list[str]) -> str | None:
    """The subcommand a command line names (its first word that is no option), when it is one
    of ours: then only its parser is built."""
    first = next((a for a in args_list if not a.startswith("-")), None)
    return first if first in COMMANDS and args_list[0] == first else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; ``argv`` None: the command line's, and this run is the whole process."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    stdin: IO[bytes] | None = None
    config: bytes | None = None
    if argv is None and _servable(args_list):
        # kustomize and kpt start `fn` / the plugin at every build: a resident server, when
        # one runs, saves this process importing and warming everything (server/client.py)
        from trainjob_migrate import server

        socket = server.existing_socket()  # without a server: one failed lstat
        if socket is not None:
            from trainjob_migrate.server import client

            attempt = client.attempt(args_list, socket)
            if attempt.code is not None:  # served: its output is written
                _exit_now(attempt.code)
                return attempt.code
            stdin, config = attempt.stdin, attempt.config  # what it read, run here instead
    try:
        code = _main(args_list, stdin, config)
    finally:
        if argv is None:
            # What is left is freed by the exit: the collection the interpreter runs as it
            # shuts down need not walk it (three milliseconds of a `fn` start; more after a
            # large run). Not for a caller of main(): its objects stay collectable.
            gc.freeze()
    if argv is None and _lean(args_list):
        _exit_now(code)
    return code


def _servable(args_list: list[str]) -> bool:
    """The runs a resident server may answer: what kustomize and kpt start at every build
    (``fn``, ``kustomize-plugin CONFIG``), unless TRAINJOB_MIGRATE_SERVER turns it off."""
    if args_list != ["fn"] and _plugin_config(args_list) is None:
        return False
    return os.environ.get("TRAINJOB_MIGRATE_SERVER", "").lower() not in _OFF


#: values of TRAINJOB_MIGRATE_SERVER that keep every run in its own process
_OFF = ("off", "0", "false", "no")


def _lean(args_list: list[str]) -> bool:
    """The runs dispatched before any parser (fn, the kustomize plugin, a plain check): they
    write only stdout and stderr, and leave no file, thread or child process behind."""
    return (
        args_list == ["fn"]
        or _plugin_config(args_list) is not None
        or _plain_check(args_list) is not None
    )


def _exit_now(code: int) -> None:
    """End the process once stdout and stderr are flushed, without the interpreter's teardown
    (unloading every module, a millisecond of a one-job `fn`, which kustomize pays at every
    build). When a flush fails (a reader that went away), return instead: the interpreter's
    own exit then reports it, as it always did."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _main(args_list: list[str], stdin: IO[bytes] | None = None, config: bytes | None = None) -> int:
    """The run of a command line; ``stdin``: the input when it was read already (by the
    server's client, or in the server: else sys.stdin's), ``config``: the plugin config's
    bytes, likewise (else its file is read)."""
    from trainjob_migrate.errors import MigrateError
    from trainjob_migrate.results import EXIT_CRASH, EXIT_INTERRUPTED

    try:
        if args_list == ["fn"]:
            # the hot path of every kustomize build: skip building the other commands' parsers
            return _fn(stdin)
        if _plugin_config(args_list) is not None:
            # what kustomize runs at every build (`kubectl kustomize --enable-alpha-plugins`):
            # as lean as `fn`, no parser built
            return _plugin(args_list[1], stdin, config)
        paths = _plain_check(args_list)
        if paths is not None:
            # what a pre-commit hook runs on every commit: no parser built either
            return _check(paths)
        return _parse_and_run(args_list)
    except MigrateError as exc:
        sys.stderr.write(_error_line(str(exc)))
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the boundary: no traceback for users
        sys.stderr.write(crash_lines(exc))
        return EXIT_CRASH


def crash_lines(exc: BaseException) -> str:
    """What a run that ends on an unexpected exception says (then exit 70): here, and where
    the server's client cannot write its answer (server/client.py)."""
    return (
        f"trainjob-migrate: internal error: {type(exc).__name__}: {exc}\n"
        "Please report this with the input that caused it.\n"
    )


def _error_line(message: str) -> str:
    """``trainjob-migrate convert: error: ...``: one line, naming the command when the message
    starts with it (``trainjob-migrate convert: ...``)."""
    message = " ".join(message.split())
    prog, rest = "trainjob-migrate", message
    if message.startswith("trainjob-migrate"):
        prog, _, rest = message.partition(": ")
    return f"{prog}: error: {rest}\n"


def _parse_and_run(args_list: list[str]) -> int:
    from trainjob_migrate.results import EXIT_USAGE

    # Imports (the command's modules) and the parser make thousands of objects and no
    # garbage: without the cyclic garbage collector, as `fn` starts (a millisecond).
    with nogc.paused():
        from trainjob_migrate.commands import usage

        parser = build_parser(_command_of(args_list))
        try:
            args, extra = parser.parse_known_args(usage.join_dash_values(args_list))
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0) if exc.code in (0, None) else EXIT_USAGE
    if extra:
        command = usage.subparser(parser, args.command) if args.command else None
        raise usage.unknown_arguments(command or parser, extra)
    return _named(args.command, lambda: _dispatch(parser, args))


def _named(command: str | None, run: Callable[[], int]) -> int:
    """``run()``; an error it raises names ``command`` (``trainjob-migrate check: ...``)."""
    from trainjob_migrate.errors import MigrateError

    try:
        return run()
    except MigrateError as exc:
        if command and not str(exc).startswith("trainjob-migrate"):
            exc.args = (f"trainjob-migrate {command}: {exc}",)
        raise


def _plain_check(args_list: list[str]) -> list[str] | None:
    """The paths of ``check PATH...`` with no option (as a pre-commit hook runs it: the staged
    files); anything else goes through the parser, which says what is wrong."""
    if len(args_list) > 1 and args_list[0] == "check":
        paths = args_list[1:]
        if not any(p.startswith("-") for p in paths):
            return paths
    return None


def _check(paths: list[str]) -> int:
    """``check PATH...``: the arguments the parser would give (commands/check.py, plain_args),
    without argparse, gettext and locale (a sixth of such a check's start); imported without
    the cyclic garbage collector, as `fn` is (see _fn)."""
    with nogc.paused():
        from trainjob_migrate.commands import check
    return _named("check", lambda: check.run(check.plain_args(paths)))


def _fn(stdin: IO[bytes] | None = None) -> int:
    """``fn``: its imports too run without the cyclic garbage collector (as the run does, see
    commands/fn.py): they make thousands of objects and no garbage (a millisecond of a start)."""
    with nogc.paused():
        from trainjob_migrate.commands import fn

        return fn.run(sys.stdin.buffer if stdin is None else stdin, sys.stdout, sys.stderr)


def _plugin_config(args_list: list[str]) -> str | None:
    """The config file of ``kustomize-plugin CONFIG`` exactly as kustomize runs it (no option;
    anything else goes through the parser, which says what is wrong)."""
    if len(args_list) == 2 and args_list[0] == "kustomize-plugin":
        config = args_list[1]
        if config and not config.startswith("-"):
            return config
    return None


def _plugin(config: str, stdin: IO[bytes] | None = None, text: bytes | None = None) -> int:
    """``kustomize-plugin CONFIG``: imported and run without the cyclic garbage collector, as
    `fn` is (see _fn). ``text``: the config file's bytes, when read already."""
    with nogc.paused():
        from trainjob_migrate.commands import legacy_plugin

        return legacy_plugin.run(
            config,
            sys.stdin.buffer if stdin is None else stdin,
            sys.stdout,
            sys.stderr,
            config_bytes=text,
        )


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "fn":
        from trainjob_migrate.commands import fn

        return fn.run(sys.stdin.buffer, sys.stdout, sys.stderr, _verbosity(args))
    if args.command == "convert":
        from trainjob_migrate.commands import convert

        return convert.run(args)
    if args.command == "check":
        from trainjob_migrate.commands import check

        return check.run(args)
    if args.command == "compare":
        from trainjob_migrate.commands import compare

        return compare.run(args)
    if args.command == "doctor":
        from trainjob_migrate.commands import doctor

        return doctor.run(args)
    if args.command == "explain":
        from trainjob_migrate.commands import explain

        return explain.run(args)
    if args.command == "kustomize-plugin":
        from trainjob_migrate.commands import legacy_plugin

        return legacy_plugin.run(
            args.config, sys.stdin.buffer, sys.stdout, sys.stderr, _verbosity(args)
        )
    if args.command == "server":
        from trainjob_migrate.commands import server

        return server.run(args)
    from trainjob_migrate.results import EXIT_USAGE

    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _verbosity(args: argparse.Namespace) -> int:
    """-1 with -q, 1 with -v, else 0."""
    return 1 if args.verbose else -1 if args.quiet else 0
