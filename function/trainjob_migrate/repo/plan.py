"""What ``convert --write`` and ``--out`` write, as :class:`transaction.Change`s below one root.

``--write``: every changed (or created) file at its real path, below the real directory
that holds every path given (the journal's place). ``--out DIR``: every file read (changed
or as it was, with its mode) at its place below the path given, mirrored under DIR; a file
that could not be read is not written at all.
"""

from __future__ import annotations

import os
import stat

from trainjob_migrate.repo import engine, fsio, transaction
from trainjob_migrate.repo.transaction import WRITE_RULE, Change, Copy
from trainjob_migrate.results import FileRef, Result, Severity

TYPE_CHECKING = False  # no typing, no pathlib at start-up
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def write(root: str, files: list[engine.FileOutcome], *, mirror: bool) -> list[Result]:
    """Write the outcome as one transaction (``--write``; ``--out`` with ``mirror``); its
    findings. When nothing could be written, no file counts as written."""
    if mirror:
        try:
            os.makedirs(root, exist_ok=True)  # noqa: PTH103 - the path given: followed
        except OSError as exc:
            cause = f"cannot make the directory: {fsio.cause(exc)}"
            results = [Result(cause, Severity.ERROR, WRITE_RULE, None, None, FileRef(root))]
            written = False
        else:
            results, written = transaction.apply(root, mirror_of(files))
    else:
        changes, results = in_place(root, files)
        applied, written = transaction.apply(root, changes, warn_read_only=True)
        results.extend(applied)
    if not written:
        for file in files:
            file.new = None
    return results


def sweep_scope(root: str, paths: Iterable[str]) -> transaction.Scope:
    """Where ``convert --write`` looks for temporary files of earlier runs: the directories
    given (and below them), the folders of the files given (only them)."""
    scope: list[tuple[tuple[str, ...], bool]] = []
    for given in paths:
        real = os.path.realpath(given)
        deep = os.path.isdir(real)  # noqa: PTH112
        folder = real if deep else os.path.dirname(real)  # noqa: PTH120
        rel = os.path.relpath(folder, root)
        parts = () if rel == os.curdir else tuple(rel.split(os.sep))  # noqa: PTH206
        if os.pardir not in parts:
            scope.append((tuple(parts), deep))
    return scope


def in_place(root: str, files: Sequence[engine.FileOutcome]) -> tuple[list[Change], list[Result]]:
    """The changed files of ``files`` (``--write``), below ``root``."""
    changes: list[Change] = []
    results: list[Result] = []
    for file in files:
        if file.new is None:
            continue
        real = os.path.realpath(file.found.path)
        rel = os.path.relpath(real, root)
        parts = rel.split(os.sep)  # noqa: PTH206 - no pathlib at start-up
        if rel == os.curdir or parts[0] == os.pardir:
            results.append(
                Result(
                    f"not written: it resolves to {real!r}, outside {root!r}",
                    Severity.ERROR,
                    WRITE_RULE,
                    None,
                    None,
                    FileRef(file.found.display),
                )
            )
            continue
        *folder, name = parts
        changes.append(Change(tuple(folder), name, file.new, file.found.display))
    return changes, results


def mirror_of(files: Sequence[engine.FileOutcome]) -> list[Change]:
    """Every file read (``--out``): converted, or as it was (copied from the source when its
    bytes were released: checked to be those read); with the source's mode."""
    changes = []
    for file in files:
        if file.status == engine.FAULT:
            continue  # never an empty file in place of one that could not be read
        *folder, name = file.found.rel.split("/")
        data: bytes | Copy = file.raw
        if file.new is not None:
            data = file.new
        elif file.sign is not None:
            data = Copy(file.found.path, file.sign)
        changes.append(Change(tuple(folder), name, data, file.found.display, _mode(file)))
    return changes


def _mode(file: engine.FileOutcome) -> int:
    if file.status == "created":
        return 0o644
    try:
        return stat.S_IMODE(os.stat(file.found.path).st_mode)  # noqa: PTH116
    except OSError:
        return 0o644
