"""The Training Operator v1 kinds this tool recognises: one plug-in package a kind.

Each ``sources/<kind>/`` package defines ``SOURCE``, a :class:`Source`: the kind's
identity (group, versions, List kind), its replica roles and training container, its
schema and its mapping rules, or why no Trainer release can run it. Registering a
kind is one line in :data:`SOURCES`. Everything outside ``sources/`` asks this
registry (:func:`identify`, :data:`LIST_KINDS`) and names no kind.
"""

from __future__ import annotations

from trainjob_migrate.sources import jax, mpi, mxnet, paddle, pytorch, tensorflow, xgboost
from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

SOURCES: Final[tuple[Source, ...]] = (
    pytorch.SOURCE,
    tensorflow.SOURCE,
    mpi.SOURCE,
    xgboost.SOURCE,
    jax.SOURCE,
    paddle.SOURCE,
    mxnet.SOURCE,
)

_BY_KIND: Final = {source.kind: source for source in SOURCES}
_BY_LIST_KIND: Final = {source.list_kind: source for source in SOURCES}

#: kinds whose ``items`` may hold jobs: ``kind: List`` and each kind's own List
LIST_KINDS: Final = ("List", *_BY_LIST_KIND)

#: every kind name, for the quick text scans that decide whether a file may hold a job
KINDS: Final = tuple(_BY_KIND)


def identify(obj: Any) -> Source | None:
    """The source of a Training Operator job (any API version of its groups); None otherwise."""
    if not hasattr(obj, "get"):
        return None
    kind = obj.get("kind")
    source = _BY_KIND.get(kind) if isinstance(kind, str) else None
    return source if source is not None and source.matches(obj) else None


def is_job(obj: Any) -> bool:
    return identify(obj) is not None


def by_kind(kind: str) -> Source | None:
    return _BY_KIND.get(kind)


def from_reference(reference: str) -> Source | None:
    """The source named by a provenance reference ``<apiVersion> <Kind> <ns/name>``."""
    parts = reference.split(" ")
    return _BY_KIND.get(parts[1]) if len(parts) == 3 else None


def is_list(obj: Mapping[str, Any] | Any) -> bool:
    """A ``List`` or ``<Kind>List`` whose items may hold jobs."""
    return (
        hasattr(obj, "get") and obj.get("kind") in LIST_KINDS and isinstance(obj.get("items"), list)
    )


def list_of(obj: Mapping[str, Any]) -> Source | None:
    """The source a ``<Kind>List`` holds only jobs of (None for a plain ``List``)."""
    kind = obj.get("kind")
    return _BY_LIST_KIND.get(kind) if isinstance(kind, str) else None


__all__ = ["KINDS", "LIST_KINDS", "SOURCES", "Source", "by_kind", "identify", "is_job"]
