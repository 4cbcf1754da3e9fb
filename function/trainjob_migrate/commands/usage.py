"""The command line's parser: argparse, with a usage error as one line and exit 64.

A usage error (an unknown option, a missing argument) is :class:`UsageError`: one line naming
the command, with a suggestion for a misspelt option or command (the contract of every
subcommand: :mod:`.common`). Imported only when a command line is parsed: ``fn``,
``kustomize-plugin CONFIG`` and ``check PATH...`` run without a parser (argparse, gettext
and locale: a sixth of a check's start).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from trainjob_migrate.config import OPTION_FIELDS
from trainjob_migrate.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
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
