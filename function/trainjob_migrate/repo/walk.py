"""Which files a repository conversion reads: YAML files under the given paths, in a stable order.

Directories are walked recursively for ``*.yaml``, ``*.yml`` and ``*.json`` (JSON is YAML),
skipping hidden ones (``.git``) and the directories excluded (the ``--out`` tree inside an
input), and never following a symlink that leaves the directory given on the command line. What cannot be
walked or is no regular file (a directory that cannot be listed, a symlink loop, a FIFO,
device or socket with a YAML name) is found too, with its fault: the commands report it.
"""

from __future__ import annotations

import os
import stat

from trainjob_migrate.records import Frozen, init
from trainjob_migrate.repo import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Final

    StrPath = str | os.PathLike[str]

#: YAML, JSON, and envsubst templates of YAML (``job.yaml-template``, ``job.yaml.template`` as
#: aws-samples/aws-do-eks names them; ``job.tpl.yaml`` ends in .yaml)
SUFFIXES: Final = (
    ".yaml", ".yml", ".json", ".yaml-template", ".yml-template", ".yaml.template", ".yml.template",
)  # fmt: skip
#: bytes of a scanned JSON file looked at for ``"kind"`` (commands.common): a manifest says it
JSON_PEEK: Final = 1 << 20


class Found(Frozen):
    """A file to read. Paths are strings (``os.path``): pathlib (with urllib.parse and
    ipaddress) costs every start of ``check`` as much as its walk of one file."""

    __slots__ = ("path", "display", "rel", "fault")
    path: str  # to open
    display: str  # as the user names it: the path given, joined with the path below it
    rel: str  # below the path given (what --out mirrors); the file name for a file given
    fault: str  # why it is not read (then it is never written either)

    def __init__(self, path: str, display: str, rel: str, fault: str = "") -> None:
        init(self, path, display, rel, fault)


def files(paths: Iterable[StrPath], exclude: Iterable[StrPath] = ()) -> Iterator[Found]:
    """``exclude``: directories not to walk into (compared by their real path)."""
    skip = frozenset(os.path.realpath(p) for p in exclude)
    for given_path in paths:
        given = os.fspath(given_path)
        display = os.path.normpath(given).replace(os.sep, "/")
        name = os.path.basename(os.path.normpath(given))  # noqa: PTH119 - pathlib: start-up
        try:
            is_dir = stat.S_ISDIR(os.stat(given).st_mode)  # noqa: PTH116
            root = os.path.realpath(given) if is_dir else None
        except OSError as exc:  # reading it names the cause
            yield Found(given, display, name, _fault(exc, "file"))
            continue
        if root is not None:
            yield from _walk(given, root, skip)
        else:
            yield Found(given, display, name)


def _fault(exc: BaseException, what: str) -> str:
    return f"cannot read the {what}: {fsio.cause(exc)}"


def _walk(top: str, root: str, skip: frozenset[str] = frozenset()) -> Iterator[Found]:
    """``os.walk`` order (a directory's files, sorted, then its subdirectories, sorted), from one
    ``scandir`` per directory: only a symlink costs resolving (what ``os.walk`` reaches without
    following links is inside ``root`` already)."""
    yield from _walk_dir(str(top), (), root, skip)


def _walk_dir(
    directory: str, rel: tuple[str, ...], root: str, skip: frozenset[str] = frozenset()
) -> Iterator[Found]:
    if skip and os.path.realpath(directory) in skip:
        return
    try:
        with os.scandir(directory) as entries:
            listed = list(entries)
    except OSError as exc:  # reported: a tree with unreadable parts is not a clean tree
        display = os.path.normpath(directory).replace(os.sep, "/")
        yield Found(directory, display, "/".join(rel), _fault(exc, "directory"))
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
    for name, link, entry in sorted(names, key=lambda n: n[:2]):
        if name.endswith(SUFFIXES) and not name.startswith("."):
            path = os.path.join(directory, name)  # noqa: PTH118
            display = os.path.normpath(path).replace(os.sep, "/")
            if display == path:  # one string for both (a repository's files are many)
                display = path
            found = Found(path, display, "/".join((*rel, name)))
            if link and not inside(os.path.realpath(path), root):
                continue  # a symlink out of the tree is never followed
            # (a symlink loop stays inside: realpath stops at it, and the stat below names it)
            fault = _not_regular(entry)
            yield found.replace(fault=fault) if fault else found
    for name, link in sorted(subdirs):
        # a symlinked directory is never walked into (os.walk does not follow links)
        if not name.startswith(".") and not link:
            yield from _walk_dir(
                os.path.join(directory, name),  # noqa: PTH118
                (*rel, name),
                root,
                skip,
            )


def inside(real: str, root: str) -> bool:
    """Whether the real path ``real`` is ``root`` or below it (as ``Path.is_relative_to``)."""
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)


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
