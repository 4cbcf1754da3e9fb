"""``doctor``: is a repository ready for Trainer v2? One module a check, shaped like ``rules/``.

Every check module has ``ID`` (kebab-case, ``tags.rule`` of its results) and
``check(ctx)``, which yields :class:`~trainjob_migrate.results.Result`s with file and
line. The module docstring is the check's user documentation.
"""

from __future__ import annotations

from trainjob_migrate.doctor.manifests import Manifest
from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Protocol

    from trainjob_migrate import runtimes
    from trainjob_migrate.results import Result

    class Check(Protocol):
        """A check module (for mypy: a module is no class)."""

        @property
        def ID(self) -> str: ...

        def check(self, ctx: DoctorContext) -> Iterator[Result]: ...


class Detection(Frozen):
    """A Trainer (or Kueue) release read from the repository, and where."""

    __slots__ = ("version", "source", "field", "how")
    version: str  # vX.Y.Z, or X.Y when only the shape tells
    source: Manifest
    field: tuple[str | int, ...]
    how: str

    def __init__(
        self, version: str, source: Manifest, field: tuple[str | int, ...], how: str
    ) -> None:
        init(self, version, source, field, how)


class DoctorContext(Frozen):
    __slots__ = ("manifests", "target", "given", "trainer", "catalog")
    manifests: list[Manifest]
    #: Trainer release every check assumes (``--target-version``, else detected, else 2.3)
    target: str
    #: where ``target`` was given, in the words a finding names it (``--target-version``,
    #: ``targetVersion in --config FILE``); None: detected or the default
    given: str | None
    trainer: list[Detection]
    catalog: runtimes.Catalog

    def __init__(
        self,
        manifests: list[Manifest],
        target: str,
        given: str | None,
        trainer: list[Detection],
        catalog: runtimes.Catalog,
    ) -> None:
        init(self, manifests, target, given, trainer, catalog)

    def of_kind(self, *kinds: str) -> list[Manifest]:
        return [m for m in self.manifests if m.kind in kinds]


def checks() -> tuple[Check, ...]:
    from trainjob_migrate.doctor import (
        bindings,
        install_namespaces,
        inventory,
        katib_config,
        kueue,
        release,
        runtime_refs,
        side_by_side,
        webhooks,
    )

    return (
        inventory,
        release,
        runtime_refs,
        webhooks,
        bindings,
        install_namespaces,
        kueue,
        side_by_side,
        katib_config,
    )


def run(ctx: DoctorContext) -> list[Result]:
    return [r for c in checks() for r in c.check(ctx)]
