"""Shared helpers: convert a golden fn case's PyTorchJobs the way the function does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from trainjob_migrate import config, runtimes, targets, yamlio
from trainjob_migrate.convert import Conversion, convert
from trainjob_migrate.sources import is_job as is_pytorchjob

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fn"


def case_targets(case: Path) -> list[str]:
    meta = case / "_case.yaml"
    data = (yaml.safe_load(meta.read_text()) or {}) if meta.exists() else {}
    # "detect" runs the pipeline's release detection, which convert() alone does not do
    return [t for t in data.get("targets", ("2.3", "2.1")) if t != "detect"]


def case_options(case: Path) -> dict[str, Any]:
    file = case / "_fnconfig.yaml"
    if not file.exists():
        return {}
    obj = yamlio.load(file.read_text())
    return dict((obj.get("data") if obj.get("kind") == "ConfigMap" else obj.get("spec")) or {})


def case_objects(case: Path) -> list[Any]:
    out: list[Any] = []
    for path in sorted(case.glob("*.yaml")):
        if not path.name.startswith("_"):
            out.extend(d for d in yamlio.load_all(path.read_text()) if d is not None)
    return out


def case_jobs(case: Path) -> list[dict[str, Any]]:
    """The v1 jobs of a case: top-level, in Lists, and inside other objects (a Katib trialSpec,
    an AppWrapper component), so that the container cases are checked too."""
    jobs: list[dict[str, Any]] = []
    for obj in case_objects(case):
        _collect(obj, jobs)
    return jobs


def _collect(value: Any, jobs: list[dict[str, Any]]) -> None:
    if is_pytorchjob(value):
        jobs.append(value)
    elif isinstance(value, dict):
        for child in value.values():
            _collect(child, jobs)
    elif isinstance(value, list):
        for child in value:
            _collect(child, jobs)


def converted(
    job: dict[str, Any], target: str, **options: Any
) -> tuple[Conversion, runtimes.Catalog]:
    cfg = config.from_options({**options, "targetVersion": target})
    if cfg.generate_runtime and targets.get(target).runtime_schema is None:
        # pipeline.process refuses the option for this target: nothing converts
        return Conversion([job], [], converted=False), runtimes.Catalog.of(target)
    conversion = convert(job, cfg, targets.get(target))
    return conversion, runtimes.Catalog.of(target, conversion.objects)
