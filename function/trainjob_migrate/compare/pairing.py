"""Which TrainJob belongs to which v1 job, and which Trainer release it is written for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from trainjob_migrate import sources, targets
from trainjob_migrate.rules.metadata import CONVERTED_FROM, TARGET_VERSION

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


def flatten(objects: Iterable[Any]) -> list[Obj]:
    """Objects, with the items of a ``List`` (or a kind's own List) in place of the list."""
    out: list[Obj] = []
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        if sources.is_list(obj):
            out.extend(dict(c) for c in obj["items"] if isinstance(c, Mapping))
        else:
            out.append(dict(obj))
    return out


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _scoped(obj: Mapping[str, Any]) -> str:
    meta = _meta(obj)
    return (
        f"{meta['namespace']}/{meta.get('name')}"
        if meta.get("namespace")
        else str(meta.get("name"))
    )


def pair(
    jobs: Iterable[Obj], trainjobs: Iterable[Obj], suffix: str = "-v2"
) -> list[tuple[Obj, Obj | None]]:
    """Each v1 job with its TrainJob: by the converted-from annotation, else by name."""
    candidates = list(trainjobs)
    out: list[tuple[Obj, Obj | None]] = []
    for job in jobs:
        if not sources.is_job(job):
            continue
        wanted = f"{job.get('apiVersion')} {job.get('kind')} {_scoped(job)}"
        by_note = [
            t
            for t in candidates
            if (_meta(t).get("annotations") or {}).get(CONVERTED_FROM) == wanted
        ]
        name, namespace = _meta(job).get("name"), _meta(job).get("namespace")
        by_name = [
            t
            for t in candidates
            if _meta(t).get("namespace") == namespace
            and _meta(t).get("name") in (name, f"{name}{suffix}")
        ]
        matches = by_note or by_name
        out.append((job, matches[0] if matches else None))
    return out


def target_of(trainjob: Mapping[str, Any], default: str | None) -> str:
    """The release a TrainJob is for: our annotation, else the option, else its shape."""
    note = (_meta(trainjob).get("annotations") or {}).get(TARGET_VERSION)
    if note:
        return str(note)
    if default:
        return default
    spec = trainjob.get("spec")
    return targets.from_trainjob_spec(spec if isinstance(spec, Mapping) else {}).version
