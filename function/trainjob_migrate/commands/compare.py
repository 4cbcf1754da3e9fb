"""``trainjob-migrate compare V1_FILE V2_FILE`` (or ``--convert V1_FILE``): what changes for the pods.

Exit 0 when nothing is lost; 1 when anything is lost, or a job could not be compared
(no TrainJob for it, a runtime that cannot be found, a conversion error), with the reason
on stderr; the usage, input and option codes of every command (64, 66, 78).
"""

from __future__ import annotations

import argparse
import sys

from trainjob_migrate import pipeline, runtimes, sources, targets, yamlio
from trainjob_migrate.commands import common, options
from trainjob_migrate.compare import Comparison, compare, render
from trainjob_migrate.compare.pairing import flatten, pair, target_of
from trainjob_migrate.convert import convert
from trainjob_migrate.errors import InputError, NoInputError, UsageError
from trainjob_migrate.repo import fsio
from trainjob_migrate.results import EXIT_ERROR, EXIT_OK, ResourceRef, Severity, ref_of

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final

FORMATS: Final = ("text", "json")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "compare",
        help="compare the pods a v1 job ran with those its TrainJob will run (v2)",
        description="Render the pods of both sides offline and classify every difference: "
        "equivalent, changed-by-design, risk, lost. Exit 1 when anything is lost.",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="V1_FILE V2_FILE, or V1_FILE with --convert; - for stdin (one of them)",
    )
    parser.add_argument(
        "--convert",
        action="store_true",
        help="convert V1_FILE first (with the conversion options below)",
    )
    parser.add_argument("-o", "--output", choices=FORMATS, default="text", help="report format")
    common.add_verbosity(parser, "text: list equivalent and changed-by-design differences too")
    parser.add_argument(
        "--runtimes",
        action="append",
        default=[],
        metavar="FILE",
        help="more files with TrainingRuntimes/ClusterTrainingRuntimes (repeatable)",
    )
    options.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    expected = 1 if args.convert else 2
    if len(args.files) != expected:
        raise UsageError(
            "takes V1_FILE V2_FILE, or --convert V1_FILE"
            + (f" (got {len(args.files)} files)" if len(args.files) > expected else "")
        )
    common.check_paths(args.files, stdin=True)
    common.check_paths(args.runtimes, stdin=False)
    config = options.build_config(args)
    select = options.build_selector(args)
    loaded = [flatten(_load(p)) for p in [*args.files, *args.runtimes]]
    everything = [o for objs in loaded for o in objs]
    jobs = [j for j in loaded[0] if sources.is_job(j) and (select is None or select(j))]
    if not jobs:
        sys.stderr.write(_no_jobs(args, loaded, select is not None) + "\n")
        return EXIT_ERROR
    comparisons: list[Comparison] = []
    if args.convert:
        target = targets.get(config.target_version)
        with options.spelled_for_cli():
            pipeline.check_options(config, target)
        for job in jobs:
            conversion = convert(job, config, target)
            if not conversion.converted or conversion.trainjob is None:
                errors = [
                    options.spell_for_cli(r.one_line())
                    for r in conversion.results
                    if r.severity is Severity.ERROR
                ]
                comparisons.append(
                    _failed(job, None, config.target_version, errors or ["not converted"])
                )
                continue
            catalog = runtimes.Catalog.of(config.target_version, [*everything, *conversion.objects])
            comparisons.append(compare(job, conversion.trainjob, target, catalog))
    else:
        trainjobs = [o for o in loaded[1] if o.get("kind") == "TrainJob"]
        for job, trainjob in pair(jobs, trainjobs, config.name_suffix):
            if trainjob is None:
                why = (
                    f"no TrainJob in {args.files[1]} is converted from it or named after it "
                    f"(name, or name{config.name_suffix})"
                )
                comparisons.append(_failed(job, None, "", [why]))
                continue
            version = target_of(trainjob, getattr(args, "targetVersion", None))
            if version not in targets.VERSIONS:
                comparisons.append(
                    _failed(job, trainjob, version, [f"unknown Trainer release {version}"])
                )
                continue
            catalog = runtimes.Catalog.of(version, everything)
            comparisons.append(compare(job, trainjob, targets.get(version), catalog))
    out = (
        render.as_json(comparisons)
        if args.output == "json"
        else render.text(comparisons, verbose=args.verbose)
    )
    if args.quiet and args.output == "text":
        out = out.splitlines()[-1] + "\n"  # the summary
    sys.stdout.write(out)
    lost = sum(len(c.lost) for c in comparisons)
    failed = sum(bool(c.problems) for c in comparisons)
    if lost or failed:
        sys.stderr.write(
            f"trainjob-migrate compare: {lost} difference(s) lost, {failed} job(s) not "
            "compared: see the report above\n"
        )
        return EXIT_ERROR
    return EXIT_OK


def _no_jobs(args: argparse.Namespace, loaded: list[list[Any]], selected: bool) -> str:
    v1 = args.files[0]
    prefix = "trainjob-migrate compare: error:"
    if selected and any(sources.is_job(o) for o in loaded[0]):
        return f"{prefix} no v1 job of {v1} matches --name/--namespace/--selector"
    if (
        not args.convert
        and any(o.get("kind") == "TrainJob" for o in loaded[0])
        and any(sources.is_job(o) for o in loaded[1])
    ):
        return (
            f"{prefix} {v1} holds TrainJobs and {args.files[1]} v1 jobs: the arguments "
            f"look reversed; run: trainjob-migrate compare {args.files[1]} {v1}"
        )
    return f"{prefix} {v1} holds no Training Operator v1 job (compare V1_FILE V2_FILE)"


def _load(path: str) -> list[Any]:
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as stream:  # noqa: PTH123 - no pathlib at start-up
                data = stream.read()
    except OSError as exc:
        raise NoInputError(f"{path}: {fsio.cause(exc)}") from exc
    try:
        return [d for d in yamlio.load_all(common.decode(data, path)) if d is not None]
    except InputError as exc:
        message = str(exc)
        raise InputError(message if message.startswith(path) else f"{path}: {message}") from exc


def _failed(job: Any, trainjob: Any, version: str, problems: list[str]) -> Comparison:
    other = ref_of(trainjob) if trainjob is not None else ResourceRef("", "TrainJob", "")
    return Comparison(ref_of(job), other, version, "", [], problems)
