"""The contract every subcommand shares: paths, ``-v``/``-q``, usage errors, exit codes.

- Paths: files, or directories scanned for ``*.yaml``, ``*.yml`` and ``*.json``; ``-`` is
  stdin where a command reads a stream. A path that does not exist is
  :class:`~trainjob_migrate.errors.NoInputError` (exit 66) in every command.
- A usage error (an unknown option, a missing argument) is one line naming the command, with
  a suggestion for a misspelt option, and exit 64 (:class:`~.usage.Parser`).
- ``-v`` adds info findings, ``-q`` leaves only the summary.

No argparse here (a parser is built in :mod:`.usage`): ``check PATH...`` runs without one.
"""

from __future__ import annotations

import os
import sys

from trainjob_migrate.errors import InputError, NoInputError, UsageError
from trainjob_migrate.repo import fsio, walk
from trainjob_migrate.repo.walk import Found

TYPE_CHECKING = False  # no typing, contextlib, pathlib or argparse at the start of a command
if TYPE_CHECKING:
    import argparse
    import tempfile
    import types
    from collections.abc import Sequence
    from types import TracebackType
    from typing import IO, TypeAlias

#: a command's arguments: the parser's, or the same without one (commands/check.py, plain_args)
Args: TypeAlias = "argparse.Namespace | types.SimpleNamespace"


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


def as_path(text: str) -> str:
    """A path option's value as pathlib spelt it (messages name it so): no empty or ``.``
    parts, no trailing ``/``; ``.`` for nothing left. Paths are strings (pathlib: start-up)."""
    root = "/" if text.startswith("/") else ""
    parts = [part for part in text.split("/") if part not in ("", ".")]
    return root + "/".join(parts) or "."


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
        raise NoInputError(f"{what}{path}: {fsio.cause(exc)}") from exc


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


def _spool(source: IO[bytes], sink: IO[bytes], limit: int) -> None:
    """Copy ``source`` in chunks, at most ``limit`` + 1 bytes: a stream over the limit is
    reported as any file over it is (the engine's read), never held whole (``check -
    </dev/zero`` stops, as ``convert -`` and ``fn`` do: krm.read_input)."""
    left = limit + 1
    while left > 0 and (chunk := source.read(min(left, 1 << 20))):
        sink.write(chunk)
        left -= len(chunk)


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
                    _spool(sys.stdin.buffer, stream, fsio.file_limit())
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
