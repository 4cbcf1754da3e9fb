"""The mapping rules of the kind, in run order (later rules read what earlier ones decided):
imported only when a job of the kind is converted (``sources.model.LazyRules``)."""

from __future__ import annotations

from trainjob_migrate.rules import metadata
from trainjob_migrate.sources.mpi import generated, launcher, policy, run_policy, runtime, worker

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    from trainjob_migrate.rules import Rule

RULES: Final[tuple[Rule, ...]] = (
    metadata,
    policy,
    runtime,
    launcher,
    worker,
    run_policy,
    generated,
)
