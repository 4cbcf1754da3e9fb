"""``compare`` output: text for people (lost and risks first), JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence

from trainjob_migrate.compare import Comparison, Kind
from trainjob_migrate.compare.classify import describe

_ORDER = (Kind.LOST, Kind.RISK, Kind.BY_DESIGN, Kind.EQUIVALENT)


def text(comparisons: Sequence[Comparison], *, verbose: bool = False) -> str:
    lines: list[str] = []
    for c in comparisons:
        if c.trainjob.name:
            where = ", ".join(
                x
                for x in (
                    f"Trainer {c.target}" if c.target else "",
                    f"runtime from {c.runtime}" if c.runtime else "",
                )
                if x
            )
            lines.append(
                f"{c.pytorchjob.display()} -> {c.trainjob.display()}"
                + (f" ({where})" if where else "")
            )
        else:
            lines.append(f"{c.pytorchjob.display()}: not compared")
        lines.extend(f"  error: {' '.join(p.split())}" for p in c.problems)
        for kind in _ORDER:
            diffs = [d for d in c.differences if d.kind is kind]
            if not diffs or (kind in (Kind.EQUIVALENT, Kind.BY_DESIGN) and not verbose):
                continue
            for d in diffs:
                values = {
                    "missing": f"v1 {describe(d.v1)}; v2 -",
                    "added": f"v1 -; v2 {describe(d.v2)}",
                }
                shown = values.get(d.change, f"v1 {describe(d.v1)}; v2 {describe(d.v2)}")
                lines.append(f"  {kind}: {d.field}: {shown} -- {d.why} [{', '.join(d.sources)}]")
        if c.problems:
            lines.append(f"  not compared: {len(c.problems)} problem(s)")
            continue
        counts = c.counts()
        lines.append("  " + ", ".join(f"{counts[str(k)]} {k}" for k in _ORDER))
    lost = sum(len(c.lost) for c in comparisons)
    failed = sum(bool(c.problems) for c in comparisons)
    compared = len(comparisons) - failed
    lines.append(
        f"{compared} pair(s) compared, {failed} not compared; {lost} lost"
        + ("" if lost or failed else ": nothing lost")
    )
    return "\n".join(lines) + "\n"


def as_json(comparisons: Sequence[Comparison]) -> str:
    body = {
        "comparisons": [
            {
                "pytorchJob": c.pytorchjob.to_dict(),
                "trainJob": c.trainjob.to_dict(),
                "target": c.target,
                "runtime": c.runtime,
                "problems": c.problems,
                "counts": c.counts(),
                "differences": [d.to_dict() for d in c.differences],
            }
            for c in comparisons
        ],
        "lost": sum(len(c.lost) for c in comparisons),
        "notCompared": sum(bool(c.problems) for c in comparisons),
    }
    return json.dumps(body, indent=2, default=str) + "\n"
