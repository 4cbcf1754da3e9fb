"""Which files a repository conversion reads: YAML files under the given paths, in a stable order.

Directories are walked recursively, skipping hidden ones (``.git``) and never
following a symlink that leaves the directory given on the command line.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

#: YAML, and envsubst templates of YAML (``job.yaml-template``; ``job.tpl.yaml`` ends in .yaml)
SUFFIXES: Final = (".yaml", ".yml", ".yaml-template", ".yml-template")


@dataclasses.dataclass(frozen=True, slots=True)
class Found:
    path: Path  # to open
    display: str  # as the user names it: the path given, joined with the path below it
    rel: str  # below the path given (what --out mirrors); the file name for a file given


def files(paths: Iterable[Path]) -> Iterator[Found]:
    for given in paths:
        if given.is_dir():
            yield from _walk(given, given.resolve())
        else:
            yield Found(given, os.path.normpath(given).replace(os.sep, "/"), given.name)


def _walk(top: Path, root: Path) -> Iterator[Found]:
    """``os.walk`` order (a directory's files, sorted, then its subdirectories, sorted), from one
    ``scandir`` per directory: only a symlink costs resolving (what ``os.walk`` reaches without
    following links is inside ``root`` already)."""
    yield from _walk_dir(str(top), (), root)


def _walk_dir(directory: str, rel: tuple[str, ...], root: Path) -> Iterator[Found]:
    try:
        with os.scandir(directory) as entries:
            listed = list(entries)
    except OSError:  # unreadable: skipped, as os.walk does
        return
    subdirs: list[tuple[str, bool]] = []
    names: list[tuple[str, bool]] = []
    for entry in listed:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        try:
            link = entry.is_symlink()
        except OSError:
            link = True  # undecided: resolve it
        (subdirs if is_dir else names).append((entry.name, link))
    here = Path(directory)
    for name, link in sorted(names):
        if name.endswith(SUFFIXES) and not name.startswith("."):
            path = here / name
            if link and not _inside(path, root):
                continue
            display = os.path.normpath(path).replace(os.sep, "/")
            yield Found(path, display, "/".join((*rel, name)))
    for name, link in sorted(subdirs):
        # a symlinked directory is never walked into (os.walk does not follow links)
        if not name.startswith(".") and not link:
            yield from _walk_dir(os.path.join(directory, name), (*rel, name), root)  # noqa: PTH118


def _inside(path: Path, root: Path) -> bool:
    """False for a symlink (or anything) that resolves outside ``root``."""
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True
