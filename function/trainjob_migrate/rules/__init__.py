"""Mapping rules shared by the v1 kinds, one module a concern; each source lists the rules it runs.

Every rule module has ``ID`` (kebab-case, shown as ``tags.rule`` in results),
``CONSUMES`` (the job paths it reads, as patterns; ``*`` is any key or index;
``{roles}`` every replica spec and ``{container}`` the training container, filled in
by the source: :meth:`Source.pattern`) and ``apply(ctx)``. A rule writes into ``ctx.draft`` and reports through
``ctx``; it never prints or raises for problems in user data.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # the Protocol is for mypy: each Source.rules is checked against it, at no cost
    from typing import Protocol

    from trainjob_migrate.context import Context

    class Rule(Protocol):
        @property
        def ID(self) -> str: ...

        @property
        def CONSUMES(self) -> tuple[str, ...]: ...

        def apply(self, ctx: Context) -> None: ...
