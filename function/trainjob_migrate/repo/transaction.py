"""Transactional writes of ``convert --write`` and ``--out``: the tree is either as before or
fully converted, after at most one re-run.

1. *Stage*: every new content goes to a temporary file beside its destination
   (``.tjm-<token>-<n>.tmp``, written, then all synced to disk at once), and every file it replaces gets a
   second name (``.tjm-<token>-<n>.orig``, a hard link: the original, kept until the
   end). A fault here undoes the staging: nothing has changed.
2. *Commit*: the journal (:data:`JOURNAL`, at the root) names every rename to do; it is
   written to a temporary file, fsynced and renamed into place.
3. *Apply*: the renames, one per file.
4. *Finish*: the journal is removed (the transaction is over), then the originals.

A run that finds a journal finishes the transaction before anything else (or, with
``--rollback``, puts every original back); temporary files of earlier runs, found by name,
are removed. Every path below the root is opened descriptor-relative, one component at a
time with ``O_NOFOLLOW``: a directory swapped for a symlink between the plan and the
write stops the run (nothing written), it never redirects a write out of the root.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.repo import fsio
from trainjob_migrate.repo.journal import JOURNAL
from trainjob_migrate.results import FileRef, Result, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Final, TypeAlias

__all__ = ["JOURNAL"]  # named here too: where the journal is (repo/journal.py)

#: the rule of results about writing
WRITE_RULE: Final = RuleId.WRITE.value
#: the rule of results about reading (a file to copy that is no longer what was read)
_READ_RULE: Final = RuleId.READ.value
#: temporary files and kept originals of a transaction (compiled when a run writes or
#: recovers: re caches them; a dry run never compiles them)
_OURS: Final = r"^\.(?:.+\.)?tjm-[0-9a-f]{12}(?:-[0-9]+)?\.(?:tmp|orig)$"
#: temporary files of versions before transactions (``tempfile.mkstemp`` beside the file)
_OLD: Final = r"^\..+\.(?:yaml|yml|json)\.[A-Za-z0-9_]{8}\.tmp$"
_DIR_FLAGS: Final = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FLAGS: Final = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_JOURNAL_MAX: Final = 64 * 1024 * 1024

#: test hook: called as ``hook(step, n)`` at "plan" (the plan is made, nothing is opened),
#: "stage" (before file n is staged), "commit",
#: "rename" (before rename n) and "finish"; whatever it raises passes through untouched,
#: as a kill would leave the tree
hook: Callable[[str, int], None] | None = None


class Copy(Frozen):
    """The bytes of a file as it was read, no longer held: read again when staged, and
    written only if they are still what was read (their :func:`fsio.digest`); else the file
    is not written, and a read finding names it (never a copy of something not converted)."""

    __slots__ = ("path", "sign")
    path: str  # to open
    sign: bytes  # fsio.digest of the bytes read

    def __init__(self, path: str, sign: bytes) -> None:
        init(self, path, sign)


class Change(Frozen):
    """One file to write: ``folder``/``name`` below the root."""

    __slots__ = ("folder", "name", "data", "display", "mode")
    folder: tuple[str, ...]
    name: str
    data: bytes | Copy
    display: str  # the file as findings name it
    mode: int | None  # None: the mode of the file it replaces (0644 for a new one)

    def __init__(
        self,
        folder: tuple[str, ...],
        name: str,
        data: bytes | Copy,
        display: str,
        mode: int | None = None,
    ) -> None:
        init(self, folder, name, data, display, mode)


class _Unread(Exception):
    """A :class:`Copy` whose source is no longer what was read (or cannot be read again)."""


class _Staged(Frozen):
    __slots__ = ("folder", "name", "temp", "backup", "display")
    folder: tuple[str, ...]
    name: str
    temp: str
    backup: str | None  # None: a new file
    display: str

    def __init__(
        self, folder: tuple[str, ...], name: str, temp: str, backup: str | None, display: str
    ) -> None:
        init(self, folder, name, temp, backup, display)


class _Changed(Exception):
    """The tree changed under the run (a symlink or another kind of file where a directory
    or a regular file was planned)."""


def apply(
    root: str, changes: Sequence[Change], *, warn_read_only: bool = False
) -> tuple[list[Result], bool]:
    """Write ``changes`` below ``root`` as one transaction: the findings of doing it, and
    whether it was committed (False: nothing changed)."""
    if not changes:
        return [], True
    try:
        root_fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
    except OSError as exc:
        return [_error(root, f"cannot open the directory to write in: {fsio.cause(exc)}")], False
    try:
        return _apply(root, root_fd, changes, warn_read_only)
    finally:
        os.close(root_fd)


def _apply(
    root: str, root_fd: int, changes: Sequence[Change], warn_read_only: bool
) -> tuple[list[Result], bool]:
    import secrets  # only when writing (hmac, hashlib: start-up time of check)

    token = secrets.token_hex(6)
    staged: list[_Staged] = []
    made: list[tuple[str, ...]] = []  # directories this run made (removed again on a fault)
    results: list[Result] = []
    ordered = sorted(changes, key=lambda c: (c.folder, c.name))
    change = ordered[0]
    if hook is not None:
        hook("plan", 0)
    try:
        for folder, group in itertools.groupby(ordered, key=lambda c: c.folder):
            with _directory(root_fd, folder, made) as dir_fd:
                for change in group:
                    if hook is not None:
                        hook("stage", len(staged))
                    try:
                        entry, warning = _stage(
                            dir_fd, change, f"tjm-{token}-{len(staged)}", warn_read_only
                        )
                    except _Unread as exc:  # that file is not written (as a read fault)
                        results.append(
                            _result(change.display, Severity.ERROR, str(exc), _READ_RULE)
                        )
                        continue
                    staged.append(entry)
                    if warning:
                        results.append(_result(change.display, Severity.WARNING, warning))
    except (OSError, _Changed) as exc:
        _undo(root_fd, staged, made)
        cause = str(exc) if isinstance(exc, _Changed) else fsio.cause(exc)
        message = f"cannot write the file: {cause}; nothing was written (every file is as it was)"
        return [*results, _error(change.display, message)], False
    try:
        # every temporary file on disk before the journal names it: one sync() for the run,
        # not an fsync a file (5,000 fsyncs cost a 5,000-file --out more than its conversion)
        os.sync()
        _write_journal(root_fd, token, staged)
    except OSError as exc:
        _undo(root_fd, staged, made)
        message = f"cannot write the journal: {fsio.cause(exc)}; nothing was written"
        return [*results, _error(os.path.join(root, JOURNAL), message)], False  # noqa: PTH118
    if hook is not None:
        hook("commit", 0)
    try:
        _renames(root_fd, staged)
        _finish(root_fd, staged)
    except (OSError, _Changed) as exc:
        cause = str(exc) if isinstance(exc, _Changed) else fsio.cause(exc)
        results.append(
            _error(
                os.path.join(root, JOURNAL),  # noqa: PTH118
                f"the conversion is committed but could not be completed ({cause}); run the "
                "same command again to complete it (or add --rollback to undo it)",
            )
        )
    return results, True


def _stage(dir_fd: int, change: Change, stem: str, warn_read_only: bool) -> tuple[_Staged, str]:
    _check_name(change.name)
    # named by the run and the change, not the file: a name near 255 bytes still fits
    temp = f".{stem}.tmp"
    backup: str | None = f".{stem}.orig"
    warning = ""
    try:
        info = os.stat(change.name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    if info is None:
        backup = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise _Changed(
            f"{change.name!r} is no longer a regular file (it changed since it was read)"
        )
    mode = (
        change.mode
        if change.mode is not None
        else (stat.S_IMODE(info.st_mode) if info is not None else 0o644)
    )
    if warn_read_only and info is not None and not info.st_mode & 0o222:
        warning = (
            f"the file is read-only (mode {stat.S_IMODE(info.st_mode):04o}): it is replaced "
            "all the same, and keeps its mode"
        )
    data = change.data if isinstance(change.data, bytes) else _read_again(change.data)
    fd = os.open(temp, _NEW_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)  # durable by the one sync() before the journal (_apply)
        finally:
            os.close(fd)
        if backup is not None:
            _keep(dir_fd, change.name, backup)
    except OSError:  # ENOSPC, EDQUOT, EIO...: this file's temporary file goes too
        _unlink(temp, dir_fd)
        raise
    return _Staged(change.folder, change.name, temp, backup, change.display), warning


def _read_again(copy: Copy) -> bytes:
    """The bytes of a file to copy, if they are still those read; else :class:`_Unread`."""
    try:
        data = fsio.read(copy.path, fsio.file_limit())
    except fsio.Fault as exc:
        raise _Unread(f"{exc} (to copy it); it is not copied") from None
    if fsio.digest(data) != copy.sign:
        raise _Unread(
            "the file changed while it was converted (its bytes are no longer those read): "
            "it is not copied; run the conversion again"
        )
    return data


def _keep(dir_fd: int, name: str, backup: str) -> None:
    """Give the original a second name until the end: a hard link, or a copy where the file
    system has no hard links."""
    try:
        os.link(name, backup, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        return
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
    source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        target = os.open(backup, _NEW_FLAGS, 0o600, dir_fd=dir_fd)
        try:
            while chunk := os.read(source, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(target, view) :]
            os.fchmod(target, stat.S_IMODE(os.fstat(source).st_mode))
            os.fsync(target)
        except OSError:
            os.close(target)
            _unlink(backup, dir_fd)
            raise
        os.close(target)
    finally:
        os.close(source)


#: what link() says on a file system without hard links (vfat, some network file systems)
_NO_LINKS: Final = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS})


def _check_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise _Changed(f"{name!r} is not a file name")


class _directory:
    """The descriptor of ``folder`` below ``root_fd``, opened one component at a time
    without following symlinks; missing directories are made when ``made`` is given."""

    def __init__(
        self, root_fd: int, folder: tuple[str, ...], made: list[tuple[str, ...]] | None
    ) -> None:
        self._fd = _open_folder(root_fd, folder, made)

    def __enter__(self) -> int:
        return self._fd

    def __exit__(self, *_: object) -> None:
        os.close(self._fd)


def _open_folder(root_fd: int, folder: tuple[str, ...], made: list[tuple[str, ...]] | None) -> int:
    fd = os.dup(root_fd)
    try:
        for depth, part in enumerate(folder):
            _check_name(part)
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if made is None:
                    raise
                os.mkdir(part, 0o755, dir_fd=fd)
                made.append(folder[: depth + 1])
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    shown = "/".join(folder[: depth + 1])
                    raise _Changed(
                        f"{shown!r} is no longer a directory (a symlink or a file took its "
                        "place since it was read); no file is written through it"
                    ) from None
                raise
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _undo(root_fd: int, staged: list[_Staged], made: list[tuple[str, ...]]) -> None:
    """Before the commit point: remove what staging made (the tree is as it was)."""
    for entry in staged:
        try:
            with _directory(root_fd, entry.folder, None) as dir_fd:
                for name in (entry.temp, entry.backup):
                    if name is not None:
                        _unlink(name, dir_fd)
        except (OSError, _Changed):
            continue  # reported by name on the next run (the pattern scan)
    for folder in reversed(made):
        try:
            with _directory(root_fd, folder[:-1], None) as dir_fd:
                os.rmdir(folder[-1], dir_fd=dir_fd)
        except (OSError, _Changed):
            continue


def _unlink(name: str, dir_fd: int) -> None:
    try:  # noqa: SIM105 - not contextlib.suppress: contextlib is no import of check's start
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def _write_journal(root_fd: int, token: str, staged: list[_Staged]) -> None:
    import json  # only when writing a journal

    body = json.dumps(
        {
            "trainjob-migrate-journal": 1,
            "token": token,
            # [folder, name, temporary file, original kept (null: a new file)], in order
            "renames": [[list(e.folder), e.name, e.temp, e.backup] for e in staged],
        }
    ).encode()
    temp = f"{JOURNAL}.tjm-{token}.tmp"
    fd = os.open(temp, _NEW_FLAGS, 0o644, dir_fd=root_fd)
    try:
        try:
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, JOURNAL, src_dir_fd=root_fd, dst_dir_fd=root_fd)
    except BaseException:
        _unlink(temp, root_fd)
        raise
    os.fsync(root_fd)


def _renames(root_fd: int, staged: Sequence[_Staged]) -> None:
    number = 0
    for folder, group in itertools.groupby(staged, key=lambda e: e.folder):
        with _directory(root_fd, folder, None) as dir_fd:
            for entry in group:
                if hook is not None:
                    hook("rename", number)
                number += 1
                try:
                    os.rename(entry.temp, entry.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                except FileNotFoundError:  # done already (a run that completes another)
                    if not _exists(entry.name, dir_fd):
                        raise
            os.fsync(dir_fd)


def _finish(root_fd: int, staged: Sequence[_Staged]) -> None:
    if hook is not None:
        hook("finish", 0)
    os.unlink(JOURNAL, dir_fd=root_fd)  # the transaction is over
    os.fsync(root_fd)
    for folder, group in itertools.groupby(staged, key=lambda e: e.folder):
        with _directory(root_fd, folder, None) as dir_fd:
            for entry in group:
                if entry.backup is not None:
                    _unlink(entry.backup, dir_fd)


def _exists(name: str, dir_fd: int) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


#: where to look for temporary files of earlier runs: (folder below the root, and below it?)
Scope: TypeAlias = "Sequence[tuple[tuple[str, ...], bool]]"


def recover(root: str, *, rollback: bool = False, scope: Scope = (((), True),)) -> list[Result]:
    """Complete (or, with ``rollback``, undo) an interrupted transaction at ``root``, then
    remove the temporary files of earlier runs in ``scope`` (default: the whole tree); the
    findings of doing it."""
    try:
        root_fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [_error(root, f"cannot open the directory to write in: {fsio.cause(exc)}")]
    try:
        results = _recover(root, root_fd, rollback)
        if not any(r.severity is Severity.ERROR for r in results):
            results.extend(_sweep(root, root_fd, scope))
        return results
    finally:
        os.close(root_fd)


def _recover(root: str, root_fd: int, rollback: bool) -> list[Result]:
    journal = os.path.join(root, JOURNAL)  # noqa: PTH118
    try:
        fd = os.open(JOURNAL, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root_fd)
    except FileNotFoundError:
        return (
            [_result(root, Severity.INFO, "no interrupted conversion to roll back")]
            if rollback
            else []
        )
    except OSError as exc:
        return [_error(journal, f"cannot read the journal: {fsio.cause(exc)}")]
    try:
        entries = _read_journal(fd)
    except (OSError, ValueError, TypeError) as exc:
        return [
            _error(
                journal,
                f"the journal of an interrupted conversion cannot be read ({exc}); nothing was "
                "done: restore the tree from version control, then remove the journal",
            )
        ]
    finally:
        os.close(fd)
    try:
        if rollback:
            _roll_back(root_fd, entries)
        else:
            _renames(root_fd, entries)
            _finish(root_fd, entries)
    except (OSError, _Changed) as exc:
        cause = str(exc) if isinstance(exc, _Changed) else fsio.cause(exc)
        return [
            _error(
                journal,
                f"cannot {'roll back' if rollback else 'complete'} the interrupted conversion "
                f"({cause}); fix the cause and run again",
            )
        ]
    done = "rolled back: every file is as it was" if rollback else "completed"
    return [
        _result(
            journal,
            Severity.WARNING,
            f"an interrupted conversion of {len(entries)} file(s) was found and {done}",
        )
    ]


def _read_journal(fd: int) -> list[_Staged]:
    size = os.fstat(fd).st_size
    if size > _JOURNAL_MAX:
        raise ValueError(f"{size} bytes")
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    import json

    data = json.loads(b"".join(chunks))
    if not isinstance(data, dict) or data.get("trainjob-migrate-journal") != 1:
        raise ValueError("not a journal of this version")
    out = []
    ours = re.compile(_OURS)
    for folder, name, temp, backup in data["renames"]:
        parts = tuple(str(p) for p in folder)
        for part in (*parts, name, temp, *([backup] if backup is not None else [])):
            _check_name(str(part))
        if not ours.match(temp) or (backup is not None and not ours.match(backup)):
            raise ValueError(f"unexpected file names {temp!r}, {backup!r}")
        out.append(_Staged(parts, str(name), str(temp), backup, "/".join((*parts, str(name)))))
    return out


def _roll_back(root_fd: int, entries: list[_Staged]) -> None:
    for folder, group in itertools.groupby(entries, key=lambda e: e.folder):
        with _directory(root_fd, folder, None) as dir_fd:
            for entry in group:
                if entry.backup is None:  # a new file: gone again
                    if not _exists(entry.temp, dir_fd):
                        _unlink(entry.name, dir_fd)
                elif _exists(entry.backup, dir_fd):
                    os.rename(entry.backup, entry.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                _unlink(entry.temp, dir_fd)
            os.fsync(dir_fd)
    os.unlink(JOURNAL, dir_fd=root_fd)
    os.fsync(root_fd)


def _sweep(root: str, root_fd: int, scope: Scope) -> list[Result]:
    """Remove the temporary files and kept originals of earlier runs (no journal names them:
    a run stopped before its commit point, or after its end); name older temporary files."""
    removed: list[str] = []
    results: list[Result] = []
    ours, old = re.compile(_OURS), re.compile(_OLD)
    for folder, dir_fd, names in _tree(root_fd, scope):
        for name in names:
            shown = "/".join((root.rstrip("/"), *folder, name))
            if ours.match(name):
                try:
                    os.unlink(name, dir_fd=dir_fd)
                    removed.append(shown)
                except OSError as exc:
                    results.append(
                        _result(shown, Severity.WARNING, f"cannot remove: {fsio.cause(exc)}")
                    )
            elif old.match(name):
                results.append(
                    _result(
                        shown,
                        Severity.WARNING,
                        "a temporary file left by an earlier version of trainjob-migrate; "
                        "remove it",
                    )
                )
    if removed:
        results.append(
            _result(
                removed[0],
                Severity.INFO,
                f"removed {len(removed)} temporary file(s) of an interrupted earlier run",
            )
        )
    return results


def _tree(root_fd: int, scope: Scope) -> Iterator[tuple[tuple[str, ...], int, list[str]]]:
    """(folder, its descriptor, its file names) of the folders in ``scope``, without following
    links and without ``.git``; directories that cannot be opened are skipped."""
    stack: list[tuple[tuple[str, ...], bool]] = [(folder, deep) for folder, deep in reversed(scope)]
    seen: set[tuple[str, ...]] = set()
    while stack:
        folder, deep = stack.pop()
        if folder in seen:
            continue
        seen.add(folder)
        try:
            fd = _open_folder(root_fd, folder, None)
        except (OSError, _Changed):
            continue
        try:
            names: list[str] = []
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        if deep and entry.name != ".git":
                            stack.append(((*folder, entry.name), True))
                    else:
                        names.append(entry.name)
            yield folder, fd, names
        except OSError:
            continue
        finally:
            os.close(fd)


def _error(where: str, message: str) -> Result:
    return _result(where, Severity.ERROR, message)


def _result(where: str, severity: Severity, message: str, rule: str = WRITE_RULE) -> Result:
    return Result(message, severity, rule, None, None, FileRef(where))
