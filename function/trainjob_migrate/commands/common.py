"""The contract every subcommand shares: paths, ``-v``/``-q``, usage errors, exit codes.

- Paths: files, or directories scanned for ``*.yaml``, ``*.yml`` and ``*.json``; ``-`` is
  stdin where a command reads a stream. A path that does not exist is
  :class:`~trainjob_migrate.errors.NoInputError` (exit 66) in every command.
- A usage error (an unknown option, a missing argument) is one line naming the command, with
  a suggestion for a misspelt option, and exit 64 (:class:`Parser`).
- ``-v`` adds info findings, ``-q`` leaves only the summary.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from trainjob_migrate.config import OPTION_FIELDS
from trainjob_migrate.errors import InputError, NoInputError, UsageError
from trainjob_migrate.repo import walk
from trainjob_migrate.repo.walk import Found

TYPE_CHECKING = False  # no typing, contextlib or pathlib at the start of a command
if TYPE_CHECKING:
    import tempfile
    from collections.abc import Sequence
    from types import TracebackType
    from typing import NoReturn

PROG = "trainjob-migrate"

#: options whose value may itself start with "-" (``--name-suffix -v2``, as documented)
DASH_VALUES = ("--name-suffix",)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a :class:`UsageError` (one line, exit 64), not exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {_explain(self, message)} (see {self.prog} --help)")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter at every add_argument (to check the metavar), whose
        # default width asks shutil (which imports bz2, lzma...) for the terminal's size:
        # the same width, from os (start-up time of every command)
        width = _terminal_columns() - 2
        return self.formatter_class(prog=self.prog, width=width)  # type: ignore[call-arg]


def _terminal_columns() -> int:
    """What ``shutil.get_terminal_size().columns`` says: $COLUMNS, the terminal's, or 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def _explain(parser: argparse.ArgumentParser, message: str) -> str:
    choice = re.match(r"argument (\S+): invalid choice: '([^']*)'", message)
    if choice and choice.group(1) == "COMMAND":
        commands = _commands(parser)
        return f"unknown command {choice.group(2)!r}" + _did_you_mean(
            choice.group(2), commands, f"; commands: {', '.join(commands)}"
        )
    needs = re.match(r"argument (\S+?)(?:/\S+)?: expected one argument", message)
    if needs:
        return f"option {needs.group(1)} needs a value"
    return message


def _commands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found = action.choices.get(name)
            return found if isinstance(found, argparse.ArgumentParser) else None
    return None


def unknown_arguments(parser: argparse.ArgumentParser, extra: Sequence[str]) -> UsageError:
    """The error for arguments the command does not take: options get a suggestion."""
    first = extra[0]
    if first.startswith("-") and first != "-":
        option = first.split("=", 1)[0]
        options = [s for s in parser._option_string_actions if s.startswith("--")]
        kebab = "--" + re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", option.lstrip("-")).lower()
        guess = kebab if kebab in options else None
        hint = f"; did you mean {guess}?" if guess else _did_you_mean(option, options, "")
        if parser.prog.endswith(" fn") and option[2:] in OPTION_FIELDS:
            hint = (
                "; the function takes its options from its functionConfig "
                f"(kpt fn eval ... -- {option[2:]}=VALUE)"
            )
        elif parser.prog.endswith(" kustomize-plugin") and option[2:] in OPTION_FIELDS:
            hint = f"; the plugin takes its options from its config's spec ({option[2:]}: VALUE)"
        return UsageError(
            f"{parser.prog}: unknown option {option}{hint} (see {parser.prog} --help)"
        )
    return UsageError(f"{parser.prog}: unexpected argument {first!r} (see {parser.prog} --help)")


def _did_you_mean(word: str, candidates: Sequence[str], otherwise: str) -> str:
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else otherwise


def join_dash_values(argv: Sequence[str]) -> list[str]:
    """``--name-suffix -v2`` as ``--name-suffix=-v2``: argparse would take ``-v2`` for an option."""
    out: list[str] = []
    args = list(argv)
    n = 0
    while n < len(args):
        arg = args[n]
        if arg == "--":
            out.extend(args[n:])
            break
        value = args[n + 1] if n + 1 < len(args) else ""
        if arg in DASH_VALUES and value.startswith("-") and value != "-" and value[1:2] != "-":
            out.append(f"{arg}={value}")
            n += 2
            continue
        out.append(arg)
        n += 1
    return out


def add_paths(parser: argparse.ArgumentParser, stdin: str) -> None:
    """The PATH arguments; ``stdin`` tells what ``-`` means for the command."""
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files, or directories (recursive: *.yaml, *.yml, *.json); " + stdin,
    )


def add_verbosity(
    parser: argparse.ArgumentParser, verbose: str = "also show info findings"
) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true", help=verbose)
    group.add_argument("-q", "--quiet", action="store_true", help="only the summary")


def check_paths(paths: Sequence[str], *, stdin: bool) -> list[str]:
    """The paths as given, each one there (or ``-``, once, where stdin is read)."""
    if "-" in paths:
        if not stdin:
            raise UsageError("'-' (stdin) is not an input of this command")
        if paths.count("-") > 1:
            raise UsageError("'-' (stdin) can be given once")
    for path in paths:
        if path != "-":
            require(path)
    return list(paths)


def require(path: str, what: str = "") -> None:
    """:class:`NoInputError` naming ``path`` when it cannot be found (``what``: whose path)."""
    try:
        os.stat(path)  # noqa: PTH116
    except OSError as exc:
        raise NoInputError(f"{what}{path}: {reason(exc)}") from exc


def reason(exc: OSError) -> str:
    """The cause of an OSError in words, without Python's ``[Errno N]``."""
    return (exc.strerror or "cannot be opened").lower() if exc.errno else "cannot be opened"


def decode(data: bytes, what: str) -> str:
    """UTF-8 text (a BOM allowed), or :class:`InputError` saying where it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: not UTF-8 text (byte {exc.start})") from exc


def _manifest_like(found: Found) -> bool:
    """A ``*.json`` file of a directory scan is read only if it may hold a Kubernetes object
    (``"kind"`` in it): package.json or a tsconfig.json with comments is no manifest, and not
    "unreadable input" either. YAML files, and any file named on the command line, are read."""
    if not found.rel.endswith(".json"):
        return True
    try:
        with open(found.path, "rb") as stream:  # noqa: PTH123
            return b'"kind"' in stream.read(walk.JSON_PEEK)
    except OSError:
        return True  # the engine reports it


class inputs:  # a class, not @contextlib.contextmanager: start-up time
    """The files to read, in order; ``-`` is stdin, kept in a scratch file while in use
    (shown as ``-``). ``exclude``: directories not to walk into."""

    def __init__(self, paths: Sequence[str], exclude: Sequence[str] = ()) -> None:
        self._paths = paths
        self._exclude = exclude
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> list[Found]:
        if "-" in self._paths:
            import tempfile  # only for stdin (shutil, random: start-up time)

            self._scratch = tempfile.TemporaryDirectory()
        try:
            return self._found()
        except BaseException:
            self._cleanup()
            raise

    def _found(self) -> list[Found]:
        found: list[Found] = []
        for path in self._paths:
            if path == "-" and self._scratch is not None:
                spooled = os.path.join(self._scratch.name, "stdin.yaml")  # noqa: PTH118
                with open(spooled, "wb") as stream:  # noqa: PTH123
                    stream.write(sys.stdin.buffer.read())
                found.append(Found(spooled, "-", "stdin.yaml"))
            elif os.path.isdir(path):  # noqa: PTH112
                found.extend(f for f in walk.files([path], self._exclude) if _manifest_like(f))
            else:
                found.extend(walk.files([path], self._exclude))
        return found

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
