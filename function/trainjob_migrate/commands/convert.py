"""``trainjob-migrate convert PATH...``: convert a manifest repository, reviewably.

Default: a dry run printing a unified diff. ``--write`` rewrites files in place
(atomically, keeping their mode); ``--out DIR`` writes converted copies into a mirror
tree. ``-`` reads a YAML stream on stdin and writes the converted stream to stdout.
Findings go to stderr, then a summary.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from trainjob_migrate import containers, krm, nogc
from trainjob_migrate.commands import common, options
from trainjob_migrate.errors import InputError, OutputError, UsageError
from trainjob_migrate.repo import engine, journal, kustomize, walk
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.report import shown
from trainjob_migrate.results import EXIT_ERROR, EXIT_OK, Result, Severity

TYPE_CHECKING = False  # no typing, pathlib or dataclasses at start-up (a command on one file)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.pipeline import Selector


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "convert",
        help="convert the Training Operator v1 jobs of files or directories (dry run: a diff)",
        description="Convert Training Operator v1 jobs in YAML files; documents that are not converted stay "
        "byte-for-byte as they are.",
    )
    common.add_paths(parser, "- alone: a stream on stdin, converted to stdout")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")
    where.add_argument(
        "--out", type=common.as_path, metavar="DIR", help="write converted copies under DIR"
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="with --write or --out: undo an interrupted conversion (its journal) and stop",
    )
    common.add_verbosity(parser)
    options.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Without the cyclic garbage collector, as `fn` runs (see there): every file's documents
    # are kept to the end, and the collector would walk them again and again.
    with nogc.paused():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    paths = common.check_paths(args.paths, stdin=True)
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("'-' converts a stream from stdin to stdout: give it alone")
        if args.write or args.out is not None:
            flag = "--write" if args.write else "--out"
            raise UsageError(
                f"{flag} does not apply to '-': the converted stream goes to stdout "
                f"(redirect it, or drop {flag})"
            )
    if args.rollback and not (args.write or args.out is not None):
        raise UsageError("--rollback undoes an interrupted --write or --out: give one of them")
    config = options.build_config(args)
    select = options.build_selector(args)
    if paths == ["-"]:
        return _stdin(config, select, args)
    exclude = _out_tree(args.out, paths) if args.out is not None else []
    root = args.out if args.out is not None else journal.write_root(paths)
    if args.write or args.out is not None:  # an interrupted run is completed before anything
        from trainjob_migrate.repo import plan, transaction  # writing: not for a dry run

        scope = plan.sweep_scope(root, paths) if args.out is None else (((), True),)
        recovered = transaction.recover(root, rollback=args.rollback, scope=scope)
        failed = any(r.severity == Severity.ERROR for r in recovered)
        if args.rollback or failed:
            sys.stderr.writelines(_line(r) + "\n" for r in recovered)
            return EXIT_ERROR if failed else EXIT_OK
    else:
        recovered = journal.pending(root)
    with common.inputs(paths, exclude) as found:
        if args.out is not None:
            _refuse_collisions(found, args.out, paths)
        bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
        with options.spelled_for_cli():
            # a run that writes keeps no bytes it read once nothing needs them (--out copies
            # an unchanged file from its source, if it is still what was read)
            keep_bytes = not (args.write or args.out is not None)
            outcome = engine.convert(found, config, select, bar, keep_bytes=keep_bytes)
        group_of = _groups_if_ambiguous(outcome, found)  # (before a write changes the files)
        if bar is not None:
            bar.close()
    outcome = engine.RepoOutcome(
        [_as_json(f) for f in outcome.files],
        options.results_for_cli(outcome.results),
        outcome.jobs,
        outcome.converted,
        outcome.embedded,
    )
    outcome.results[:0] = recovered
    if args.write or args.out is not None:  # one transaction: all or nothing (repo/plan.py)
        from trainjob_migrate.repo import plan

        outcome.results.extend(plan.write(root, outcome.files, mirror=args.out is not None))
        if args.write and _rewrote_kustomize(outcome.files, found):
            from trainjob_migrate.repo import build  # subprocess, threads: only when needed

            # what was written must still build: a failure is an error at the kustomization
            outcome.results.extend(build.check(found))
    else:
        changed = [f for f in outcome.files if f.new is not None]
        sys.stdout.writelines(_diff(file.found, file.raw, file.new or b"") for file in changed)
    _report(outcome, len(found), args, sys.stderr, config.mode, group_of)
    return EXIT_ERROR if any(r.severity == Severity.ERROR for r in outcome.results) else EXIT_OK


def _groups_if_ambiguous(
    outcome: engine.RepoOutcome, found: list[Found]
) -> Callable[[str], int] | None:
    """The group of related files (``repo/groups.py``) of a path, when an error placed
    elsewhere names a job the tree has several of (two copies of one application, dev/ and
    prod/): its own job is the one of its group, as check matches it. None (no second read of
    the tree) when no error needs it."""
    places = {(j.file.path, j.file.index) for j in outcome.jobs if not j.holder}
    named = Counter(j.resource.display() for j in outcome.jobs if not j.holder)
    if not any(
        r.severity == Severity.ERROR
        and r.resource is not None
        and r.file is not None
        and (r.file.path, r.file.index) not in places
        and named[r.resource.display()] > 1
        for r in outcome.results
    ):
        return None
    from trainjob_migrate.repo import groups

    return groups.plan(found, [f.display for f in found]).group_of(found)


def _one_group(path: str) -> int:  # noqa: ARG001 - no groups told: every file is one
    return 0


def _rewrote_kustomize(files: list[engine.FileOutcome], found: list[Found]) -> bool:
    """Whether this run changed a file of a tree that has kustomizations."""
    return any(f.new is not None for f in files) and any(
        kustomize.is_kustomization(f.display) for f in found
    )


def _parent(path: str) -> str:
    return os.path.dirname(path) or "."  # noqa: PTH120


def _out_tree(out: str, paths: list[str]) -> list[str]:
    """Check ``--out DIR`` before anything is read: a directory (or a place one can be made)
    that is not an input. Returns the directories the walk must skip: DIR itself when it lies
    inside an input directory (``convert --out converted/ .`` must not read its own output)."""
    if os.path.exists(out) and not os.path.isdir(out):  # noqa: PTH110, PTH112
        raise OutputError(f"--out {out}: exists and is not a directory")
    existing = out
    while not os.path.exists(existing) and existing != _parent(existing):  # noqa: PTH110
        existing = _parent(existing)
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):  # noqa: PTH112
        raise OutputError(f"--out {out}: cannot create or write {existing}: permission denied")
    real_out = os.path.realpath(out)
    exclude: list[str] = []
    for path in paths:
        real = os.path.realpath(path)
        if real == real_out:
            raise UsageError(
                f"--out {out} is the input {path} itself: use --write to convert in place"
            )
        if os.path.isdir(real) and walk.inside(real_out, real):  # noqa: PTH112
            exclude.append(out)
    return exclude


def _refuse_collisions(found: list[Found], out: str, paths: list[str]) -> None:
    """Two inputs mirrored to one path of ``--out`` would overwrite each other; an input
    mirrored onto itself would be rewritten."""
    seen: dict[str, Found] = {}
    real_out = os.path.realpath(out)
    for file in found:
        other = seen.setdefault(file.rel, file)
        if other is not file:
            raise UsageError(
                f"--out {out}: {other.display} and {file.display} would both be written to "
                f"{common.as_path(os.path.join(out, file.rel))}; convert them in separate runs, or "  # noqa: PTH118
                "give their common directory"
            )
    if not any(walk.inside(os.path.realpath(p), real_out) for p in paths):
        return  # no input below DIR: no copy can land on an input (and no file is resolved)
    for file in found:
        mirrored = os.path.realpath(os.path.join(real_out, file.rel))  # noqa: PTH118
        if os.path.realpath(file.path) == mirrored:
            raise UsageError(
                f"--out {out}: {file.display} would be overwritten by its own copy; "
                "use --write to convert in place, or another --out"
            )


def _as_json(file: engine.FileOutcome) -> engine.FileOutcome:
    """A converted ``*.json`` file stays JSON (its documents, one after the other)."""
    if file.new is None or not file.found.rel.endswith(".json"):
        return file
    import json

    from trainjob_migrate import yamlio

    docs = [d for d in yamlio.load_all(file.new.decode("utf-8")) if d is not None]
    text = "".join(json.dumps(d, indent=2, ensure_ascii=False) + "\n" for d in docs)
    return file.replace(new=text.encode())


class _ProgressBar:
    """``[#####.....]  120/5000 files`` on a terminal, redrawn at most a hundred times."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        step = done * 100 // max(total, 1)
        if step != self._shown:
            self._shown = step
            filled = step // 4
            self._out.write(f"\r[{'#' * filled}{'.' * (25 - filled)}] {done}/{total} files")
            self._out.flush()

    def close(self) -> None:
        if self._shown >= 0:
            self._out.write("\r\033[K")


def _stdin(config: FunctionConfig, select: Selector | None, args: argparse.Namespace) -> int:
    try:  # bounded, as the function reads stdin: `convert - </dev/zero` stops at the limit
        data = krm.read_input(sys.stdin.buffer)
    except InputError as exc:
        sys.stderr.write(f"-: error: {exc} [{engine.READ_RULE}]\n")
        return EXIT_ERROR
    import tempfile  # only for a stream (shutil, random: start-up time)

    with tempfile.TemporaryDirectory() as scratch, options.spelled_for_cli():
        path = os.path.join(scratch, "stdin.yaml")  # noqa: PTH118
        with open(path, "wb") as stream:  # noqa: PTH123
            stream.write(data)
        outcome = engine.convert([Found(path, "-", "stdin.yaml")], config, select)
    outcome = engine.RepoOutcome(
        outcome.files, options.results_for_cli(outcome.results), outcome.jobs, outcome.converted,
        outcome.embedded,
    )  # fmt: skip
    file = outcome.files[0]
    sys.stdout.buffer.write(file.new if file.new is not None else file.raw)
    sys.stdout.flush()
    _report(outcome, 1, args, sys.stderr, config.mode)
    return EXIT_ERROR if any(r.severity == Severity.ERROR for r in outcome.results) else EXIT_OK


def _diff(found: Found, old: bytes, new: bytes) -> str:
    from trainjob_migrate.repo import unidiff  # a dry run's (difflib: start-up time of --out)

    before = old.decode("utf-8", "replace").splitlines(keepends=True)
    after = new.decode("utf-8", "replace").splitlines(keepends=True)
    # aligned document by document (near-linear): difflib over the file is quadratic
    lines = unidiff.unified(before, after, f"a/{found.display}", f"b/{found.display}")
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _line(result: Result) -> str:
    where = result.file.path if result.file else "-"
    if result.file is not None and result.file.line is not None:
        where += f":{result.file.line}"
    subject = f"{result.resource.display()}: " if result.resource else ""
    field = f"{result.field}: " if result.field else ""
    line = f"{where}: {result.severity}: {subject}{field}{result.message} [{result.rule}]"
    # one line a finding, whatever the message holds; names escaped as check's report and
    # fn show them (no terminal escape, no byte that is not UTF-8, reaches stderr raw)
    return shown(" ".join(line.split()))


def _report(
    outcome: engine.RepoOutcome,
    files: int,
    args: argparse.Namespace,
    out: IO[str],
    mode: str = "replace",
    group_of: Callable[[str], int] | None = None,
) -> None:
    shown = {Severity.ERROR, Severity.WARNING} | ({Severity.INFO} if args.verbose else set())
    if not args.quiet:
        out.writelines(_line(r) + "\n" for r in outcome.results if r.severity in shown)
    out.write(summary(outcome, files, args, mode, group_of) + "\n")


def summary(
    outcome: engine.RepoOutcome,
    files: int,
    args: argparse.Namespace,
    mode: str = "replace",
    group_of: Callable[[str], int] | None = None,
) -> str:
    """``group_of``: the group of related files of a path (:func:`_groups_if_ambiguous`)."""
    # the v1 jobs counted below, as check counts them (a TrainJob's validation error, or a
    # container's own finding, is no v1 job left unchanged)
    counted = {
        (j.file.path, j.file.index, j.resource.display()) for j in outcome.jobs if not j.holder
    }
    errors = [r for r in outcome.results if r.resource is not None and r.severity == Severity.ERROR]
    failed = counted & {
        (r.file.path if r.file else "", r.file.index if r.file else 0, r.resource.display())
        for r in errors
        if r.resource is not None
    }
    # an error placed elsewhere (an overlay's kustomization whose patch keeps the job as it
    # is) names the job it leaves unchanged: "1 job(s): 0 converted, 0 left unchanged" else
    places = {(path, index) for path, index, _ in counted}
    # (of the jobs of that name in its group of files, when the tree has several)
    scope = group_of if group_of is not None else _one_group
    elsewhere = {
        (scope(r.file.path) if r.file else None, r.resource.display())
        for r in errors
        if r.resource is not None
        and (r.file.path if r.file else "", r.file.index if r.file else 0) not in places
    }
    failed |= {
        job
        for job in counted
        if (scope(job[0]), job[2]) in elsewhere or (None, job[2]) in elsewhere
    }
    warned = counted & {
        (r.file.path if r.file else "", r.file.index if r.file else 0, r.resource.display())
        for r in outcome.results
        if r.resource is not None and r.severity == Severity.WARNING
    }
    warnings = Counter(r.rule for r in outcome.results if r.severity == Severity.WARNING)
    changed = sum(f.new is not None for f in outcome.files)
    skipped = [f for f in outcome.files if f.status in ("template", "unreadable", engine.FAULT)]
    stream = args.paths == ["-"]
    report = mode == "report"
    dry = not (args.write or args.out or stream) or report
    verb = "written" if args.write else "copied" if args.out else "would change"
    converted = "would convert" if dry else "converted"
    with_warnings = len(warned - failed)
    where = "stdin" if stream else f"{files} file(s) scanned, {changed} {verb}"
    return (
        f"{where}, {len(skipped)} not readable as plain YAML; "
        f"{len(counted)} Training Operator job(s): {outcome.converted} {converted}"
        + (f" ({with_warnings} with warnings)" if with_warnings else "")
        + f", {len(failed)} left unchanged with errors"
        + (
            f"; warnings: {', '.join(f'{k} {v}' for k, v in sorted(warnings.items()))}"
            if warnings
            else ""
        )
        + ("; report mode: nothing is changed" if report else "")
        + (f"; {containers.summary(outcome.embedded)}" if outcome.embedded else "")
    )
