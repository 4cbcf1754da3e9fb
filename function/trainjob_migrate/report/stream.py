"""Write the findings of a check as they come, group of files by group (``commands/check.py``).

The findings of one group come sorted by (path, line); a group's files may lie apart in that
order (a kustomization's base and overlays, the group of Trainer v2 objects converted first),
so each group's findings wait, merged with those held, until no group still to come can
write one before them: the command tells, after each run of groups, the first path of the
next. (A list sorted when written, not heapq: most runs' findings are written at once, and
a one-file check imports nothing more.)
"""

from __future__ import annotations

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
        self._held: list[Finding] = []

    def add(self, findings: Iterable[Finding]) -> None:
        if not self._quiet:
            self._held.extend(findings)

    def flush(self, before: str | None) -> None:
        """Write the findings held whose path comes before ``before`` (None: all of them)."""
        held = self._held
        if not held:
            return
        held.sort(key=_order)  # stable: a group's own order for equal places
        cut = len(held)
        if before is not None:
            while cut and held[cut - 1].path >= before:
                cut -= 1
        if cut:
            self._out.write("\n".join(map(self._line, held[:cut])) + "\n")
            self._out.flush()  # a CI log shows them now, not when the tree is done
            del held[:cut]

    def write(self, line: str) -> None:
        self._out.write(line + "\n")


def _order(f: Finding) -> tuple[str, int]:
    return (f.path, f.line or 0)  # the order of ``report.findings``


def _line_of(output: str) -> Callable[[Finding], str]:
    if output == "github":
        from trainjob_migrate.report import github

        return github.line
    from trainjob_migrate.report import text

    return text.line
