"""``trainjob-migrate compare V1_FILE V2_FILE`` (or ``--convert V1_FILE``): what changes for the pods.

Exit 0 when nothing is lost; 1 when anything is lost, or a job could not be compared
(no TrainJob for it, a runtime that cannot be found, a conversion error); 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Final

from trainjob_migrate import runtimes, sources, targets, yamlio
from trainjob_migrate.commands import options
from trainjob_migrate.compare import Comparison, compare, render
from trainjob_migrate.compare.pairing import flatten, pair, target_of
from trainjob_migrate.convert import convert
from trainjob_migrate.errors import ConfigError, InputError
from trainjob_migrate.results import EXIT_ERROR, EXIT_OK, ResourceRef, Severity, ref_of

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
        type=Path,
        metavar="FILE",
        help="V1_FILE V2_FILE, or V1_FILE with --convert",
    )
    parser.add_argument(
        "--convert",
        action="store_true",
        help="convert V1_FILE first (with the conversion options below)",
    )
    parser.add_argument("-o", "--output", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="text: list equivalent and changed-by-design differences too",
    )
    parser.add_argument(
        "--runtimes",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="more files with TrainingRuntimes/ClusterTrainingRuntimes (repeatable)",
    )
    options.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    expected = 1 if args.convert else 2
    if len(args.files) != expected:
        raise ConfigError("compare takes V1_FILE V2_FILE, or --convert V1_FILE")
    config = options.build_config(args)
    select = options.build_selector(args)
    loaded = [flatten(_load(p)) for p in [*args.files, *args.runtimes]]
    everything = [o for objs in loaded for o in objs]
    jobs = [j for j in loaded[0] if sources.is_job(j) and (select is None or select(j))]
    comparisons: list[Comparison] = []
    if args.convert:
        target = targets.get(config.target_version)
        for job in jobs:
            conversion = convert(job, config, target)
            if not conversion.converted or conversion.trainjob is None:
                errors = [r.one_line() for r in conversion.results if r.severity is Severity.ERROR]
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
                comparisons.append(_failed(job, None, "", ["no TrainJob in V2_FILE names it"]))
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
    sys.stdout.write(out)
    return EXIT_ERROR if not comparisons or any(c.failed for c in comparisons) else EXIT_OK


def _load(path: Path) -> list[Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        return [d for d in yamlio.load_all(text) if d is not None]
    except (OSError, UnicodeDecodeError, InputError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _failed(job: Any, trainjob: Any, version: str, problems: list[str]) -> Comparison:
    other = ref_of(trainjob) if trainjob is not None else ResourceRef("", "TrainJob", "?")
    return Comparison(ref_of(job), other, version, "", [], problems)
