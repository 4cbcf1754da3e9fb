"""``trainjob-migrate doctor PATH...``: is this repository ready for Trainer v2? No cluster needed.

Everything ``check`` reports (same formats, same exit codes: 0 nothing to do, 2 v1 jobs
remain that convert cleanly, 3 attention needed (any doctor error or warning included),
4 unreadable input, 5 Trainer v2 objects the target release would reject), plus the doctor's checks (:mod:`trainjob_migrate.doctor`). Without
``--target-version``, the Trainer release detected in the repository is the target.
"""

from __future__ import annotations

import argparse
import sys

from trainjob_migrate import doctor, pipeline, runtimes
from trainjob_migrate.commands import check, common, options
from trainjob_migrate.doctor import DoctorContext, inventory, manifests, release, runtime_refs
from trainjob_migrate.repo import engine, groups
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.report import is_v2_rule, reporters
from trainjob_migrate.results import Result


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "doctor",
        help="readiness of a repository for Trainer v2 (installation, runtimes, Kueue, jobs)",
        description="Exit 0 when nothing needs doing; 2 when v1 jobs remain that convert "
        "cleanly; 3 when something needs attention; 4 when input could not be read; 5 when a "
        "TrainJob or runtime would be rejected by the target Trainer release.",
    )
    check.add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    paths = common.check_paths(args.paths, stdin=True)
    with common.inputs(paths) as found, options.spelled_for_cli():
        return _run(args, found)


def _run(args: argparse.Namespace, found: list[Found]) -> int:
    objects = manifests.load(found)
    detected = release.detect(objects)
    fn_config = options.build_config(args)
    # given: by --target-version or by the --config file (as convert and check take it)
    given = _given_as(args) if fn_config.target_given else None
    target = fn_config.target_version
    if not given and detected:
        # the decision convert and check make (one release, supported, or a config error)
        fn_config, _ = pipeline.target_release([m.obj for m in objects], fn_config)
        target = fn_config.target_version
    ctx = DoctorContext(
        objects, target, given, detected, runtimes.Catalog.of(target, [m.obj for m in objects])
    )
    findings: list[Result] = doctor.run(ctx)
    # the release was decided above (and a contradicting --target-version reported)
    outcome = engine.convert(found, fn_config, options.build_selector(args), detect_release=False)
    findings = _without_repeats(findings, outcome.results)
    # what check says of the tree too: an interrupted convert --write, a kustomization that
    # does not build (same exit codes as check)
    check.add_tree_results(outcome.results, list(args.paths), found)
    combined = engine.RepoOutcome(
        outcome.files, [*outcome.results, *findings], outcome.jobs, outcome.converted,
        outcome.embedded,
    )  # fmt: skip
    # a result about a job found elsewhere is matched in its group of files, as check does
    plan = groups.plan(found, [f.display for f in found])
    report = check.build_report(combined, len(found), args, plan.group_of(found))
    sys.stdout.write(reporters()[args.output](report))
    if args.output == "text" and not args.quiet:
        sys.stdout.write(_overview(ctx, args.verbose))
    return report.exit_code


def _given_as(args: argparse.Namespace) -> str:
    """Where the target release was given, as a finding names it (the flag wins)."""
    if args.targetVersion is not None:
        return "--target-version"
    return f"targetVersion in --config {args.config}"


def _overview(ctx: DoctorContext, verbose: bool) -> str:
    """The text report's last lines: the Trainer release and the inventory (JSON has both as
    results)."""
    if ctx.trainer:
        first = ctx.trainer[0]
        seen = f"Trainer {first.version} ({first.how}, {first.source.path}:{first.source.file(first.field).line})"
        more = f" and {len(ctx.trainer) - 1} more sighting(s)" if len(ctx.trainer) > 1 else ""
        found = f"{seen}{more}"
    else:
        found = "no Trainer installation in the repository"
    given = ctx.given or ("detected" if ctx.trainer else "default")
    details = "" if verbose else " (-v lists them by namespace and file)"
    return (
        f"release: {found}; target {ctx.target} ({given})\n"
        f"inventory: {inventory.totals(ctx)}{details}\n"
    )


def _without_repeats(findings: list[Result], validated: list[Result]) -> list[Result]:
    """The v2 validation (the same engine as check and fn) reports what runtime-ref would."""
    v2 = {(r.file.path, r.field) for r in validated if is_v2_rule(r.rule) and r.file}
    return [
        f
        for f in findings
        if not (f.rule == runtime_refs.ID and f.file and (f.file.path, f.field) in v2)
    ]
