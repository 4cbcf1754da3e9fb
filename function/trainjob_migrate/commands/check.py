"""``trainjob-migrate check PATH...``: fail a pull request that still holds PyTorchJobs.

Exit codes (documented in README), the highest that applies unless ignored:
0 nothing to do; 2 PyTorchJobs remain that convert cleanly; 3 PyTorchJobs remain that
need attention; 4 input could not be read; 5 Trainer v2 objects (TrainJob, TrainingRuntime,
ClusterTrainingRuntime) the target release would reject (:mod:`trainjob_migrate.v2check`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from trainjob_migrate.commands import options
from trainjob_migrate.repo import engine, walk
from trainjob_migrate.repo.engine import READ_RULE
from trainjob_migrate.report import FORMATS, Report, is_v2_rule, job_key, reporters
from trainjob_migrate.results import Result, Severity

EXIT_NOTHING: Final = 0
EXIT_CONVERTIBLE: Final = 2
EXIT_ATTENTION: Final = 3
EXIT_UNREADABLE: Final = 4
EXIT_INVALID_V2: Final = 5


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help="report the PyTorchJobs that remain (for CI on pull requests)",
        description="Exit 0 when no PyTorchJob remains; 2 when PyTorchJobs remain that convert "
        "cleanly; 3 when PyTorchJobs remain that need attention; 4 when input could not be read; "
        "5 when a TrainJob, TrainingRuntime or ClusterTrainingRuntime would be rejected by the "
        "target Trainer release (schema, CEL rules, admission webhooks). The highest applies.",
    )
    add_report_arguments(parser)


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Paths, output format, the ignore flags and the conversion options: shared with doctor."""
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories")
    parser.add_argument("-o", "--output", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--ignore-convertible",
        action="store_true",
        help="do not fail (exit 2) on PyTorchJobs that convert cleanly",
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


def run(args: argparse.Namespace) -> int:
    config = options.build_config(args)
    select = options.build_selector(args)
    found = list(walk.files(args.paths))
    outcome = engine.convert(found, config, select)
    report = build_report(outcome, len(found), args)
    sys.stdout.write(reporters()[args.output](report))
    return report.exit_code


def build_report(outcome: engine.RepoOutcome, files: int, args: argparse.Namespace) -> Report:
    flagged = {
        job_key(r.file.path, r.file.index, r.resource.display())
        for r in outcome.results
        if r.resource is not None and r.file is not None and r.severity != Severity.INFO
    }
    verdicts = [
        "attention"
        if job_key(j.file.path, j.file.index, j.resource.display()) in flagged
        else "convertible"
        for j in outcome.jobs
    ]
    unreadable: list[Result] = [r for r in outcome.results if r.rule == READ_RULE]
    invalid: list[Result] = [r for r in outcome.results if is_v2_rule(r.rule)]
    jobs = {job_key(j.file.path, j.file.index, j.resource.display()) for j in outcome.jobs}
    # e.g. a kustomize patch left aimed at a PyTorchJob that is gone: no job, but attention
    loose = [
        r
        for r in outcome.results
        if r.rule != READ_RULE
        and not is_v2_rule(r.rule)
        and r.severity != Severity.INFO
        and not (
            r.resource is not None
            and r.file is not None
            and job_key(r.file.path, r.file.index, r.resource.display()) in jobs
        )
    ]
    code = EXIT_NOTHING
    if "convertible" in verdicts and not args.ignore_convertible:
        code = EXIT_CONVERTIBLE
    if ("attention" in verdicts or loose) and not args.ignore_attention:
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
        invalid_v2=invalid,
    )
