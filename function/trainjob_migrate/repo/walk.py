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

SUFFIXES: Final = (".yaml", ".yml")


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
    for directory, subdirs, names in os.walk(top):
        here = Path(directory)
        subdirs[:] = sorted(
            d for d in subdirs if not d.startswith(".") and _inside(here / d, root)
        )
        for name in sorted(names):
            path = here / name
            if name.endswith(SUFFIXES) and not name.startswith(".") and _inside(path, root):
                rel = path.relative_to(top).as_posix()
                display = os.path.normpath(path).replace(os.sep, "/")
                yield Found(path, display, rel)


def _inside(path: Path, root: Path) -> bool:
    """False for a symlink (or anything) that resolves outside ``root``."""
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True
