"""``trainjob-migrate check PATH...``: fail a pull request that still holds Training Operator v1 jobs.

Exit codes (documented in README), the highest that applies unless ignored:
0 nothing to do; 2 v1 jobs remain that convert cleanly; 3 v1 jobs remain that
need attention; 4 input could not be read; 5 Trainer v2 objects (TrainJob, TrainingRuntime,
ClusterTrainingRuntime) the target release would reject (:mod:`trainjob_migrate.v2check`).
"""

from __future__ import annotations

import sys
import types

from trainjob_migrate import nogc
from trainjob_migrate.commands import common, options
from trainjob_migrate.repo import engine, groups, journal, kustomize
from trainjob_migrate.repo.engine import READ_RULE
from trainjob_migrate.report import (
    FORMATS,
    Report,
    Totals,
    findings,
    is_v2_rule,
    job_key,
    reporters,
    shown,
    stream,
    summary_of,
)
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing, no pathlib at the start of check (a pre-commit run)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import IO, Any, Final

    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.pipeline import Selector
    from trainjob_migrate.repo.walk import Found

EXIT_NOTHING: Final = 0
EXIT_CONVERTIBLE: Final = 2
EXIT_ATTENTION: Final = 3
EXIT_UNREADABLE: Final = 4
EXIT_INVALID_V2: Final = 5


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help="report the Training Operator v1 jobs that remain (for CI on pull requests)",
        description="Exit 0 when no v1 job remains; 2 when v1 jobs remain that convert "
        "cleanly; 3 when v1 jobs remain that need attention; 4 when input could not be read; "
        "5 when a TrainJob, TrainingRuntime or ClusterTrainingRuntime would be rejected by the "
        "target Trainer release (schema, CEL rules, admission webhooks). The highest applies.",
    )
    add_report_arguments(parser)


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Paths, output format, the ignore flags and the conversion options: shared with doctor."""
    common.add_paths(parser, "- for a stream on stdin")
    parser.add_argument(
        "-o", "--output", choices=FORMATS, default=DEFAULT_FORMAT, help="report format"
    )
    common.add_verbosity(parser, "text: also show info findings")
    parser.add_argument(
        "--ignore-convertible",
        action="store_true",
        help="do not fail (exit 2) on v1 jobs that convert cleanly",
    )
    parser.add_argument(
        "--ignore-attention",
        action="store_true",
        help="do not fail (exit 3) on findings that need attention",
    )
    parser.add_argument(
        "--ignore-unreadable",
        action="store_true",
        help="do not fail (exit 4) on files that could not be read",
    )
    parser.add_argument(
        "--ignore-invalid-v2",
        action="store_true",
        help="do not fail (exit 5) on Trainer v2 objects the target release would reject",
    )
    options.add_arguments(parser)


#: ``--output`` when none is given
DEFAULT_FORMAT: Final = "text"


def plain_args(paths: list[str]) -> types.SimpleNamespace:
    """The arguments of ``check PATH...`` (paths, no option: what a pre-commit hook runs) as
    the parser gives them, without one: argparse, gettext and locale are a sixth of such a
    check's start (cli.py). tests/test_startup_cli.py holds them to the parser's."""
    return types.SimpleNamespace(
        command="check",
        paths=paths,
        output=DEFAULT_FORMAT,
        verbose=False,
        quiet=False,
        ignore_convertible=False,
        ignore_attention=False,
        ignore_unreadable=False,
        ignore_invalid_v2=False,
        **options.defaults(),
    )


def run(args: common.Args) -> int:
    # Without the cyclic garbage collector, as `fn` and `convert` run (see there): the
    # modules a run imports, and every file's documents (kept to the end), are no garbage.
    with nogc.paused():
        return _run(args)


#: the bytes of the groups a streamed check converts at once (``groups.Plan.batches``): what
#: it holds at a time beside its largest group (their documents: about seven times their
#: bytes). Measured on the bench's 20,000-file tree, one CPU: 256 KiB cost 6% more CPU than
#: one conversion of the whole tree, 1 MiB about nothing, for 7 MiB more peak RSS (43 MiB)
BATCH_BYTES: Final = 1 << 20
#: the formats written finding by finding, as groups of files are read. The others are one
#: document (a JSON object, SARIF's run, JUnit's counts before its cases, Markdown's
#: sections) that lists jobs and results in the order a conversion of the whole tree gives
#: them, not the order of the findings: they collect (documents are let go of as each is
#: rendered, as ``convert`` does), and their bytes stay what they were
STREAMED: Final = ("text", "github")


def _run(args: common.Args) -> int:
    paths = common.check_paths(args.paths, stdin=True)
    config = options.build_config(args)
    select = options.build_selector(args)
    with common.inputs(paths) as found, options.spelled_for_cli():
        if args.output in STREAMED:
            return streamed(found, paths, config, select, args, sys.stdout)
        outcome = engine.convert(found, config, select)
    return collected(outcome, paths, found, args, sys.stdout)


def collected(
    outcome: engine.RepoOutcome,
    paths: list[str],
    found: list[Found],
    args: common.Args,
    out: IO[str],
) -> int:
    """Every file's results at once, rendered as one string (any format); a result about a
    job found elsewhere is matched to the jobs of its group, as :func:`streamed` does."""
    add_tree_results(outcome.results, paths, found)
    plan = groups.plan(found, [f.display for f in found])
    report = build_report(outcome, len(found), args, plan.group_of(found))
    out.write(reporters()[args.output](report))
    return report.exit_code


def streamed(
    found: list[Found],
    paths: list[str],
    config: FunctionConfig,
    select: Selector | None,
    args: common.Args,
    out: IO[str],
) -> int:
    """``check`` one group of files that depend on each other at a time (``repo/groups.py``),
    writing the findings each gives as soon as no later group can give one before them:
    memory grows with the largest group, and the first findings of a large tree show while
    later files are still read. The same bytes and exit code as :func:`collected` (findings
    are sorted by path and line: the groups come in the order of their first file)."""
    shown_paths = [shown(f.display) for f in found]
    plan = groups.plan(found, shown_paths)
    front, back = tree_results(paths, found)
    back_of: dict[str, list[Result]] = {}
    for r in back:  # a kustomization that does not build: in its group, after its results
        back_of.setdefault(r.file.path if r.file else "", []).append(r)
    sink = stream.Sink(out, args.output, quiet=args.quiet)
    totals = Totals(len(found))

    def add(report: Report) -> None:
        totals.add(report)
        sink.add(findings(report))

    if front:  # an interrupted conversion's journal: results of no file read
        add(build_report(engine.RepoOutcome([], front, []), 0, args))
    detect = True
    batches = plan.batches(BATCH_BYTES)
    folders = _OpenFolders(found)
    for n, batch in enumerate(batches):
        numbers = sorted(i for g in batch for i in plan.groups[g])  # in the walk's order
        entries = [found[i] for i in numbers]
        outcome = engine.convert(
            entries,
            config,
            select,
            detect_release=detect,
            totals=[plan.totals[i] for i in numbers],
            existing=folders.trainjobs,
        )
        folders.converted(entries)
        if n == 0 and outcome.config is not None:  # the group of release sightings, if any
            config, detect = outcome.config, False
        for entry in entries:
            outcome.results.extend(back_of.pop(entry.display, ()))
        add(build_report(outcome, len(entries), args, plan.group_of(found, batch)))
        del outcome
        after = batches[n + 1] if n + 1 < len(batches) else None
        # no later group writes a finding before the first file of the next
        sink.flush(None if after is None else min(shown_paths[i] for i in plan.groups[after[0]]))
    for rest in back_of.values():
        add(build_report(engine.RepoOutcome([], rest, []), 0, args))
    sink.flush(None)
    sink.write(summary_of(totals.counts(), totals.embedded))
    return exit_code(
        args,
        convertible=totals.convertible > 0,
        attention=totals.attention + totals.warnings + totals.other > 0,
        unreadable=totals.unreadable > 0,
        invalid=totals.invalid_findings > 0,
    )


class _OpenFolders:
    """The TrainJobs of the folders a streamed check has not finished (``existing`` of
    ``pipeline.process``, by folder, namespace and name): a job converted later in the
    folder must not take a name of theirs; let go of once every file of the folder is."""

    def __init__(self, found: list[Found]) -> None:
        self.trainjobs: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._left: dict[str, int] = {}  # folder -> its files not converted yet
        for f in found:
            folder = _folder(f.display)
            self._left[folder] = self._left.get(folder, 0) + 1

    def converted(self, entries: list[Found]) -> None:
        done = set()
        for entry in entries:
            folder = _folder(entry.display)
            self._left[folder] -= 1
            if not self._left[folder]:
                done.add(folder)
        if done and self.trainjobs:
            self.trainjobs = {k: v for k, v in self.trainjobs.items() if k[0] not in done}


def _folder(display: str) -> str:
    return display.rpartition("/")[0]  # as pipeline._key names it


def tree_results(paths: list[str], found: list[Found]) -> tuple[list[Result], list[Result]]:
    """What a tree of files is, beyond its jobs: (the results before every file's: an
    interrupted ``convert --write``'s journal; those after: a kustomization that does not
    build)."""
    files = [p for p in paths if p != "-"]
    if not files:
        return [], []
    # a tree in the middle of an interrupted `convert --write` is half converted: never clean
    front = journal.pending(journal.write_root(files))
    if not any(kustomize.is_kustomization(f.display) for f in found):
        return front, []
    from trainjob_migrate.repo import build  # subprocess, threads: only when needed

    return front, build.check(found)  # a tree that does not build never passes


def add_tree_results(results: list[Result], paths: list[str], found: list[Found]) -> None:
    """:func:`tree_results` around ``results`` (check and doctor alike)."""
    front, back = tree_results(paths, found)
    results[:0] = front
    results.extend(back)


def build_report(
    outcome: engine.RepoOutcome,
    files: int,
    args: common.Args,
    group_of: Callable[[str], int] | None = None,
) -> Report:
    """``group_of``: the group of related files (``repo/groups.py``) a path is in: a result
    about a job found elsewhere is matched by name to the jobs of its group only (None: of
    every file: a report of a journal's or a build's results alone)."""
    outcome = engine.RepoOutcome(
        outcome.files, options.results_for_cli(outcome.results), outcome.jobs, outcome.converted,
        outcome.embedded,
    )  # fmt: skip
    flagged = {
        job_key(r.file.path, r.file.index, r.resource.display()): str(r.severity)
        for r in sorted(outcome.results, key=lambda r: r.severity == Severity.ERROR)
        if r.resource is not None and r.file is not None and r.severity != Severity.INFO
    }  # per job: error when it has one, else warning
    # a result about a job found elsewhere (a kustomization's patch that keeps the job): the
    # job's, when its name is the name of one job only
    scope = group_of if group_of is not None else _everywhere
    by_name: dict[tuple[int, str], list[tuple[str, int, str]]] = {}
    for j in outcome.jobs:
        by_name.setdefault((scope(j.file.path), j.resource.display()), []).append(
            job_key(j.file.path, j.file.index, j.resource.display())
        )
    for r in sorted(outcome.results, key=lambda r: r.severity == Severity.ERROR):
        if r.resource is None or r.severity == Severity.INFO or r.file is None:
            continue
        keys = by_name.get((scope(r.file.path), r.resource.display()), [])
        if len(keys) != 1 or job_key(r.file.path, r.file.index, r.resource.display()) == keys[0]:
            continue
        if flagged.get(keys[0]) != str(Severity.ERROR):
            flagged[keys[0]] = str(r.severity)
    verdicts = [
        _VERDICT.get(flagged.get(job_key(j.file.path, j.file.index, j.resource.display()), ""))
        or "convertible"
        for j in outcome.jobs
    ]
    unreadable: list[Result] = [r for r in outcome.results if r.rule == READ_RULE]
    invalid: list[Result] = [r for r in outcome.results if is_v2_rule(r.rule)]
    jobs = {job_key(j.file.path, j.file.index, j.resource.display()) for j in outcome.jobs}
    # e.g. a kustomize patch left aimed at a v1 job that is gone: no job, but attention
    loose = [
        r
        for r in outcome.results
        if r.rule != READ_RULE
        and not is_v2_rule(r.rule)
        and r.severity != Severity.INFO
        and not (
            r.resource is not None
            and r.file is not None
            and (
                job_key(r.file.path, r.file.index, r.resource.display()) in jobs
                or len(by_name.get((scope(r.file.path), r.resource.display()), [])) == 1
            )
        )
    ]
    code = exit_code(
        args,
        convertible="convertible" in verdicts,
        attention=bool({"attention", "warnings"} & set(verdicts) or loose),
        unreadable=bool(unreadable),
        invalid=bool(invalid),
    )
    return Report(
        outcome.results,
        outcome.jobs,
        verdicts,
        unreadable,
        files,
        code,
        convertible_fails=not args.ignore_convertible,
        attention_fails=not args.ignore_attention,
        verbosity=1 if args.verbose else -1 if args.quiet else 0,
        other_attention=len(loose),
        embedded=outcome.embedded,
        invalid_v2=invalid,
    )


def _everywhere(path: str) -> int:  # noqa: ARG001 - one group: every file
    return 0


def exit_code(
    args: common.Args, *, convertible: bool, attention: bool, unreadable: bool, invalid: bool
) -> int:
    """The highest exit code that applies and is not ignored."""
    code = EXIT_NOTHING
    if convertible and not args.ignore_convertible:
        code = EXIT_CONVERTIBLE
    if attention and not args.ignore_attention:
        code = EXIT_ATTENTION
    if unreadable and not args.ignore_unreadable:
        code = EXIT_UNREADABLE
    if invalid and not getattr(args, "ignore_invalid_v2", False):
        code = EXIT_INVALID_V2
    return code


_VERDICT: Final = {str(Severity.ERROR): "attention", str(Severity.WARNING): "warnings"}
