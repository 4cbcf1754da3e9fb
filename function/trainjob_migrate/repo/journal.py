"""Where a transaction of ``convert --write``/``--out`` keeps its journal, and whether one waits.

A tree in the middle of an interrupted transaction is half converted: ``check`` and a dry
run report it. They ask only this module: the writing machinery (:mod:`.transaction`,
which names its journal from here) is no import of theirs.
"""

from __future__ import annotations

import os

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.results import FileRef, Result, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final

#: the journal's name, at the root of the transaction
JOURNAL: Final = ".trainjob-migrate-journal"


def write_root(paths: Iterable[str]) -> str:
    """The real directory that holds every path given (a file's folder, for a file): where
    ``convert --write`` keeps its journal."""
    bases = []
    for given in paths:
        real = os.path.realpath(given)
        bases.append(real if os.path.isdir(real) else os.path.dirname(real))  # noqa: PTH112, PTH120
    return os.path.commonpath(bases)


def pending(root: str) -> list[Result]:
    """An error when an interrupted transaction waits at ``root`` (for a dry run or check:
    the tree is half converted until it is completed)."""
    journal = os.path.join(root, JOURNAL)  # noqa: PTH118
    if not os.path.lexists(journal):
        return []
    return [
        Result(
            "an interrupted conversion waits here: run convert --write (or --out) again to "
            "complete it, or add --rollback to undo it",
            Severity.ERROR,
            RuleId.READ.value,  # input that cannot be read as it is (check's exit 4)
            None,
            None,
            FileRef(journal),
        )
    ]
