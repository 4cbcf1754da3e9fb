"""Write the findings of a check as they come, group of files by group (``commands/check.py``).

The findings of one group come sorted by (path, line); a group's files may lie apart in that
order (a kustomization's base and overlays, the group of Trainer v2 objects converted first),
so each group's findings wait in one merge (a heap) until no group still to come can write
one before them: the command tells, after each group, the first path of the next.
"""

from __future__ import annotations

import heapq

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import IO

    from trainjob_migrate.report import Finding


class Sink:
    """Findings in, lines out: ``text`` (none with ``quiet``) or ``github``."""

    def __init__(self, out: IO[str], output: str, *, quiet: bool = False) -> None:
        self._out = out
        self._line = _line_of(output)
        self._quiet = quiet and output == "text"  # -q: text shows the summary only
        self._held: list[tuple[str, int, int, Finding]] = []
        self._seq = 0

    def add(self, findings: Iterable[Finding]) -> None:
        if self._quiet:
            return
        for f in findings:
            heapq.heappush(self._held, (f.path, f.line or 0, self._seq, f))
            self._seq += 1

    def flush(self, before: str | None) -> None:
        """Write the findings held whose path comes before ``before`` (None: all of them)."""
        held, lines = self._held, []
        while held and (before is None or held[0][0] < before):
            lines.append(self._line(heapq.heappop(held)[3]))
        if lines:
            self._out.write("\n".join(lines) + "\n")
            self._out.flush()  # a CI log shows them now, not when the tree is done

    def write(self, line: str) -> None:
        self._out.write(line + "\n")


def _line_of(output: str) -> Callable[[Finding], str]:
    if output == "github":
        from trainjob_migrate.report import github

        return github.line
    from trainjob_migrate.report import text

    return text.line
