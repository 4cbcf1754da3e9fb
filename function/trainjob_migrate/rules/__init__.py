"""Mapping rules, one module a concern, run in order over one PyTorchJob.

Every rule module has ``ID`` (kebab-case, shown as ``tags.rule`` in results),
``CONSUMES`` (the PyTorchJob paths it reads, as patterns; ``*`` is any key or
index) and ``apply(ctx)``. A rule writes into ``ctx.draft`` and reports through
``ctx``; it never prints or raises for problems in user data.
"""

from __future__ import annotations

from trainjob_migrate.rules import (
    container,
    elastic_policy,
    launch,
    metadata,
    pod,
    replicas,
    role_templates,
    run_policy,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # the Protocol is for mypy: RULES is checked against it, at no start-up cost
    from typing import Protocol

    from trainjob_migrate.context import Context

    class Rule(Protocol):
        @property
        def ID(self) -> str: ...

        @property
        def CONSUMES(self) -> tuple[str, ...]: ...

        def apply(self, ctx: Context) -> None: ...


#: run order matters: later rules read what earlier ones decided (name, numNodes).
RULES: tuple[Rule, ...] = (
    metadata,
    replicas,
    role_templates,
    elastic_policy,
    container,
    launch,
    pod,
    run_policy,
)
