"""Which files a repository conversion reads: YAML files under the given paths, in a stable order.

Directories are walked recursively for ``*.yaml``, ``*.yml`` and ``*.json`` (JSON is YAML),
skipping hidden ones (``.git``) and the directories excluded (the ``--out`` tree inside an
input), and never following a symlink that leaves the directory given on the command line. What cannot be
walked or is no regular file (a directory that cannot be listed, a symlink loop, a FIFO,
device or socket with a YAML name) is found too, with its fault: the commands report it.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from trainjob_migrate.repo import fsio

#: YAML, JSON, and envsubst templates of YAML (``job.yaml-template``; ``job.tpl.yaml`` ends in .yaml)
SUFFIXES: Final = (".yaml", ".yml", ".json", ".yaml-template", ".yml-template")
#: bytes of a scanned JSON file looked at for ``"kind"`` (commands.common): a manifest says it
JSON_PEEK: Final = 1 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    path: Path  # to open
    display: str  # as the user names it: the path given, joined with the path below it
    rel: str  # below the path given (what --out mirrors); the file name for a file given
    fault: str = ""  # why it is not read (then it is never written either)


def files(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Iterator[Found]:
    """``exclude``: directories not to walk into (compared by their real path)."""
    skip = frozenset(str(p.resolve()) for p in exclude)
    for given in paths:
        display = os.path.normpath(given).replace(os.sep, "/")
        try:
            is_dir = stat.S_ISDIR(os.stat(given).st_mode)  # noqa: PTH116
            root = given.resolve() if is_dir else None
        except (OSError, RuntimeError) as exc:  # reading it names the cause
            yield Found(given, display, given.name, _fault(exc, "file"))
            continue
        if root is not None:
            yield from _walk(given, root, skip)
        else:
            yield Found(given, display, given.name)


def _fault(exc: BaseException, what: str) -> str:
    return f"cannot read the {what}: {fsio.cause(exc)}"


def _walk(top: Path, root: Path, skip: frozenset[str] = frozenset()) -> Iterator[Found]:
    """``os.walk`` order (a directory's files, sorted, then its subdirectories, sorted), from one
    ``scandir`` per directory: only a symlink costs resolving (what ``os.walk`` reaches without
    following links is inside ``root`` already)."""
    yield from _walk_dir(str(top), (), root, skip)


def _walk_dir(
    directory: str, rel: tuple[str, ...], root: Path, skip: frozenset[str] = frozenset()
) -> Iterator[Found]:
    if skip and os.path.realpath(directory) in skip:
        return
    try:
        with os.scandir(directory) as entries:
            listed = list(entries)
    except OSError as exc:  # reported: a tree with unreadable parts is not a clean tree
        display = os.path.normpath(directory).replace(os.sep, "/")
        yield Found(Path(directory), display, "/".join(rel), _fault(exc, "directory"))
        return
    subdirs: list[tuple[str, bool]] = []
    names: list[tuple[str, bool, os.DirEntry[str]]] = []
    for entry in listed:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        try:
            link = entry.is_symlink()
        except OSError:
            link = True  # undecided: resolve it
        if is_dir:
            subdirs.append((entry.name, link))
        else:
            names.append((entry.name, link, entry))
    here = Path(directory)
    for name, link, entry in sorted(names, key=lambda n: n[:2]):
        if name.endswith(SUFFIXES) and not name.startswith("."):
            path = here / name
            display = os.path.normpath(path).replace(os.sep, "/")
            found = Found(path, display, "/".join((*rel, name)))
            if link:
                try:
                    if not path.resolve().is_relative_to(root):
                        continue  # a symlink out of the tree is never followed
                except (OSError, RuntimeError) as exc:  # a loop (RuntimeError before 3.13)
                    yield dataclasses.replace(found, fault=_fault(exc, "file"))
                    continue
            fault = _not_regular(entry)
            yield dataclasses.replace(found, fault=fault) if fault else found
    for name, link in sorted(subdirs):
        # a symlinked directory is never walked into (os.walk does not follow links)
        if not name.startswith(".") and not link:
            yield from _walk_dir(
                os.path.join(directory, name),  # noqa: PTH118
                (*rel, name),
                root,
                skip,
            )


def _not_regular(entry: os.DirEntry[str]) -> str:
    """Why an entry is not read ("" for a regular file): told by the directory listing (no
    system call) except for a symlink."""
    try:
        if entry.is_file():
            return ""
        other = fsio.file_type(entry.stat().st_mode)
    except OSError as exc:
        return _fault(exc, "file")
    return f"not read: {other}, not a regular file"
