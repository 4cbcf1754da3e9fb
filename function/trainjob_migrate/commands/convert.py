"""``trainjob-migrate convert PATH...``: convert a manifest repository, reviewably.

Default: a dry run printing a unified diff. ``--write`` rewrites files in place
(atomically, keeping their mode); ``--out DIR`` writes converted copies into a mirror
tree. ``-`` reads a YAML stream on stdin and writes the converted stream to stdout.
Findings go to stderr, then a summary.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import IO

from trainjob_migrate import krm
from trainjob_migrate.commands import options
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.errors import ConfigError, InputError
from trainjob_migrate.pipeline import Selector
from trainjob_migrate.repo import engine, plan, transaction, unidiff, walk
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.results import EXIT_ERROR, EXIT_OK, Result, Severity


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "convert",
        help="convert the PyTorchJobs of files or directories (dry run: a diff)",
        description="Convert PyTorchJobs in YAML files; documents that are not converted stay "
        "byte-for-byte as they are.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or directories (recursive); - for stdin"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-w", "--write", action="store_true", help="rewrite the files in place")
    where.add_argument("--out", type=Path, metavar="DIR", help="write converted copies under DIR")
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="with --write or --out: undo an interrupted conversion (its journal) and stop",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also show info findings")
    parser.add_argument("-q", "--quiet", action="store_true", help="only the summary on stderr")
    options.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Without the cyclic garbage collector, as `fn` runs (see there): every file's documents
    # are kept to the end, and the collector would walk them again and again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    config = options.build_config(args)
    select = options.build_selector(args)
    if args.paths == ["-"]:
        return _stdin(config, select)
    paths = [Path(p) for p in args.paths]
    root = str(args.out) if args.out is not None else plan.write_root(paths)
    if args.rollback and not (args.write or args.out is not None):
        raise ConfigError("--rollback undoes an interrupted --write or --out: give one of them")
    if args.write or args.out is not None:  # an interrupted run is completed before anything
        scope = plan.sweep_scope(root, paths) if args.out is None else (((), True),)
        recovered = transaction.recover(root, rollback=args.rollback, scope=scope)
        failed = any(r.severity == Severity.ERROR for r in recovered)
        if args.rollback or failed:
            sys.stderr.writelines(_line(r) + "\n" for r in recovered)
            return EXIT_ERROR if failed else EXIT_OK
    else:
        recovered = transaction.pending(root)
    found = list(walk.files(paths))
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    outcome = engine.convert(found, config, select, bar)
    if bar is not None:
        bar.close()
    outcome.results[:0] = recovered
    if args.write or args.out is not None:
        outcome.results.extend(plan.write(root, outcome.files, mirror=args.out is not None))
    else:
        changed = [f for f in outcome.files if f.new is not None]
        sys.stdout.writelines(_diff(file.found, file.raw, file.new or b"") for file in changed)
    _report(outcome, len(found), args, sys.stderr)
    return EXIT_ERROR if any(r.severity == Severity.ERROR for r in outcome.results) else EXIT_OK


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


def _stdin(config: FunctionConfig, select: Selector | None) -> int:
    try:  # bounded, as the function reads stdin: `convert - </dev/zero` stops at the limit
        data = krm.read_input(sys.stdin.buffer)
    except InputError as exc:
        sys.stderr.write(f"-: error: {exc} [{engine.READ_RULE}]\n")
        return EXIT_ERROR
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch, "stdin.yaml")
        path.write_bytes(data)
        outcome = engine.convert([Found(path, "-", "stdin.yaml")], config, select)
    file = outcome.files[0]
    sys.stdout.buffer.write(file.new if file.new is not None else file.raw)
    for result in outcome.results:
        if result.severity != Severity.INFO:
            sys.stderr.write(_line(result) + "\n")
    return EXIT_ERROR if any(r.severity == Severity.ERROR for r in outcome.results) else EXIT_OK


def _diff(found: Found, old: bytes, new: bytes) -> str:
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
    return f"{where}: {result.severity}: {subject}{field}{result.message} [{result.rule}]"


def _report(
    outcome: engine.RepoOutcome, files: int, args: argparse.Namespace, out: IO[str]
) -> None:
    shown = {Severity.ERROR, Severity.WARNING} | ({Severity.INFO} if args.verbose else set())
    if not args.quiet:
        out.writelines(_line(r) + "\n" for r in outcome.results if r.severity in shown)
    failed = {
        (r.file.path if r.file else "", r.file.index if r.file else 0, r.resource.display())
        for r in outcome.results
        if r.resource is not None and r.severity == Severity.ERROR
    }
    warnings = Counter(r.rule for r in outcome.results if r.severity == Severity.WARNING)
    changed = sum(f.new is not None for f in outcome.files)
    skipped = [f for f in outcome.files if f.status in ("template", "unreadable", engine.FAULT)]
    verb = "written" if args.write else ("copied" if args.out else "would change")
    out.write(
        f"{files} file(s) scanned, {changed} {verb}, {len(skipped)} not readable as plain YAML; "
        f"{len(outcome.jobs)} PyTorchJob(s): {outcome.converted} converted, {len(failed)} left "
        "unchanged with errors"
        + (
            f"; warnings: {', '.join(f'{k} {v}' for k, v in sorted(warnings.items()))}"
            if warnings
            else ""
        )
        + "\n"
    )
