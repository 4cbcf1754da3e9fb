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
from trainjob_migrate.repo import engine, journal, kustomize
from trainjob_migrate.repo.engine import READ_RULE
from trainjob_migrate.report import FORMATS, Report, is_v2_rule, job_key, reporters
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing, no pathlib at the start of check (a pre-commit run)
if TYPE_CHECKING:
    import argparse
    from typing import Final

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


def _run(args: common.Args) -> int:
    paths = common.check_paths(args.paths, stdin=True)
    config = options.build_config(args)
    select = options.build_selector(args)
    with common.inputs(paths) as found, options.spelled_for_cli():
        outcome = engine.convert(found, config, select)
    add_tree_results(outcome.results, paths, found)
    report = build_report(outcome, len(found), args)
    sys.stdout.write(reporters()[args.output](report))
    return report.exit_code


def add_tree_results(results: list[Result], paths: list[str], found: list[Found]) -> None:
    """What a tree of files is, beyond its jobs (check and doctor alike): an interrupted
    ``convert --write`` (its journal, first) and a kustomization that does not build (last)."""
    # a tree in the middle of an interrupted `convert --write` is half converted: never clean
    files = [p for p in paths if p != "-"]
    if files:
        results[:0] = journal.pending(journal.write_root(files))
        if any(kustomize.is_kustomization(f.display) for f in found):
            from trainjob_migrate.repo import build  # subprocess, threads: only when needed

            results.extend(build.check(found))  # a tree that does not build never passes


def build_report(outcome: engine.RepoOutcome, files: int, args: common.Args) -> Report:
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
    by_name: dict[str, list[tuple[str, int, str]]] = {}
    for j in outcome.jobs:
        by_name.setdefault(j.resource.display(), []).append(
            job_key(j.file.path, j.file.index, j.resource.display())
        )
    for r in sorted(outcome.results, key=lambda r: r.severity == Severity.ERROR):
        if r.resource is None or r.severity == Severity.INFO or r.file is None:
            continue
        keys = by_name.get(r.resource.display(), [])
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
                or len(by_name.get(r.resource.display(), [])) == 1
            )
        )
    ]
    code = EXIT_NOTHING
    if "convertible" in verdicts and not args.ignore_convertible:
        code = EXIT_CONVERTIBLE
    if ({"attention", "warnings"} & set(verdicts) or loose) and not args.ignore_attention:
        code = EXIT_ATTENTION
    if unreadable and not args.ignore_unreadable:
        code = EXIT_UNREADABLE
    if invalid and not getattr(args, "ignore_invalid_v2", False):
        code = EXIT_INVALID_V2
    return Report(
        outcome.results,
        outcome.jobs,
        verdicts,
        unreadable,
        files,
        code,
        convertible_fails=not args.ignore_convertible,
        verbosity=1 if args.verbose else -1 if args.quiet else 0,
        other_attention=len(loose),
        embedded=outcome.embedded,
        invalid_v2=invalid,
    )


_VERDICT: Final = {str(Severity.ERROR): "attention", str(Severity.WARNING): "warnings"}
