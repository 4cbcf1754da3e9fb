"""The Training Operator v1 kinds this tool recognises: one plug-in package a kind.

Each ``sources/<kind>/`` package defines ``SOURCE``, a :class:`Source`: the kind's
identity (group, versions, List kind), its replica roles and training container, its
schema and its mapping rules, or why no Trainer release can run it. Registering a
kind is one line in :data:`_PACKAGES`. Everything outside ``sources/`` asks this
registry (:func:`identify`, :data:`LIST_KINDS`) and names no kind.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

#: kind -> the plug-in package that defines its :class:`Source` (``SOURCE``), in the order of
#: :data:`SOURCES`; a package is imported when a job of its kind is first met (a run of
#: PyTorchJobs never imports the other six: start-up time). A kind's List is ``<kind>List``.
_PACKAGES: Final = {
    "PyTorchJob": "pytorch",
    "TFJob": "tensorflow",
    "MPIJob": "mpi",
    "XGBoostJob": "xgboost",
    "JAXJob": "jax",
    "PaddleJob": "paddle",
    "MXJob": "mxnet",
}
_BY_LIST_KIND: Final = {f"{kind}List": kind for kind in _PACKAGES}

#: kinds whose ``items`` may hold jobs: ``kind: List`` and each kind's own List
LIST_KINDS: Final = ("List", *_BY_LIST_KIND)

#: every kind name, for the quick text scans that decide whether a file may hold a job
KINDS: Final = tuple(_PACKAGES)

#: kind -> its source, once its package is imported
_LOADED: dict[str, Source] = {}


def by_kind(kind: str) -> Source | None:
    source = _LOADED.get(kind)
    if source is None:
        package = _PACKAGES.get(kind)
        if package is None:
            return None
        loaded: Source = __import__(
            f"trainjob_migrate.sources.{package}", fromlist=("SOURCE",)
        ).SOURCE
        source = _LOADED[kind] = loaded
    return source


if TYPE_CHECKING:
    #: every source, in registry order (imports every plug-in package: not for a run's start)
    SOURCES: tuple[Source, ...]
else:

    def __getattr__(name: str) -> object:
        if name == "SOURCES":  # made on first use, then a plain attribute of the module
            found = globals()["SOURCES"] = tuple(by_kind(kind) for kind in _PACKAGES)
            return found
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def identify(obj: Any) -> Source | None:
    """The source of a Training Operator job (any API version of its groups); None otherwise."""
    if not hasattr(obj, "get"):
        return None
    kind = obj.get("kind")
    source = by_kind(kind) if isinstance(kind, str) else None
    return source if source is not None and source.matches(obj) else None


def is_job(obj: Any) -> bool:
    return identify(obj) is not None


def from_reference(reference: str) -> Source | None:
    """The source named by a provenance reference ``<apiVersion> <Kind> <ns/name>``."""
    parts = reference.split(" ")
    return by_kind(parts[1]) if len(parts) == 3 else None


def is_list(obj: Mapping[str, Any] | Any) -> bool:
    """A ``List`` or ``<Kind>List`` whose items may hold jobs."""
    return (
        hasattr(obj, "get") and obj.get("kind") in LIST_KINDS and isinstance(obj.get("items"), list)
    )


def list_of(obj: Mapping[str, Any]) -> Source | None:
    """The source a ``<Kind>List`` holds only jobs of (None for a plain ``List``)."""
    kind = obj.get("kind")
    of = _BY_LIST_KIND.get(kind) if isinstance(kind, str) else None
    return by_kind(of) if of is not None else None


__all__ = ["KINDS", "LIST_KINDS", "SOURCES", "Source", "by_kind", "identify", "is_job"]
