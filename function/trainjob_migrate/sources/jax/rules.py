"""The mapping rules of the kind, in run order (later rules read what earlier ones decided):
imported only when a job of the kind is converted (``sources.model.LazyRules``)."""

from __future__ import annotations

from trainjob_migrate.rules import container, metadata, pod, replicas, role_templates, run_policy
from trainjob_migrate.sources import v1common
from trainjob_migrate.sources.jax import launch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

    from trainjob_migrate.rules import Rule

RULES: Final[tuple[Rule, ...]] = (
    metadata,
    replicas,
    role_templates,
    container,
    launch,
    pod,
    v1common,  # v1 host names and labels, as for every Training Operator kind
    run_policy,
)
