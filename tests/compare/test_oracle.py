"""The comparison as the converter's oracle: nothing is lost or changed that the conversion did not name.

For every golden fn case and target, each PyTorchJob that converts is compared with its
TrainJob; every difference classified ``lost`` must come from a PyTorchJob field that a
warning or error result of the conversion names (that field, or one above or below it), and
every ``risk`` (a changed behaviour: the success rule, the retry budget, the processes per
node, a v1 host or label) from one that some result names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compare_cases import GOLDEN, case_jobs, case_options, case_targets, converted

from trainjob_migrate import sources, targets
from trainjob_migrate.compare import Kind, compare, source_paths
from trainjob_migrate.paths import Path as FieldPath
from trainjob_migrate.paths import parse_path
from trainjob_migrate.results import Severity

RUNS = [
    (case, target)
    for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir())
    for target in case_targets(case)
]


def _related(a: FieldPath, b: FieldPath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@pytest.mark.parametrize(("case", "target"), RUNS, ids=[f"{c.name}@{t}" for c, t in RUNS])
def test_nothing_lost_that_the_conversion_does_not_name(case: Path, target: str) -> None:
    compared = 0
    for job in case_jobs(case):
        source = sources.identify(job)
        if source is None or source.pods is None:
            continue  # compare does not model this kind's v1 pods (it says so)
        conversion, catalog = converted(job, target, **case_options(case))
        if not conversion.converted or conversion.trainjob is None:
            continue
        named = [
            parse_path(r.field)
            for r in conversion.results
            if r.field and r.severity in (Severity.WARNING, Severity.ERROR)
        ]
        ref = conversion.trainjob["spec"].get("runtimeRef") or {}
        namespace = (conversion.trainjob.get("metadata") or {}).get("namespace")
        if catalog.find(str(ref.get("kind")), str(ref.get("name")), namespace) is None:
            continue  # a runtime of the user's (runtimeName) not in the case: compare says so
        result = compare(job, conversion.trainjob, targets.get(target), catalog)
        assert not result.problems
        silent = [
            d
            for d in result.lost
            if not any(_related(s, n) for s in source_paths(d) for n in named)
        ]
        assert not silent, "\n".join(
            f"{d.field} ({d.why}) from {', '.join(d.sources)}" for d in silent
        )
        # a change (risk) must be named too, at any severity: success rule, retry budget,
        # v1 names, processes per node...
        mentioned = [parse_path(r.field) for r in conversion.results if r.field]
        unnamed = [
            d
            for d in result.differences
            if d.kind is Kind.RISK
            and not any(_related(s, n) for s in source_paths(d) for n in mentioned)
        ]
        assert not unnamed, "\n".join(
            f"changed: {d.field} ({d.why}: {d.v1!r} -> {d.v2!r}) from {', '.join(d.sources)}"
            for d in unnamed
        )
        compared += 1
    if not compared:
        pytest.skip("no job of this case converts, or compare models no pods of its kind")
