"""The shape an object must have before any of its fields is read: one check for ``fn`` and
the repository commands.

Code that finds, selects, names or places objects reads ``kind``, ``apiVersion`` and
``metadata`` (name, namespace, labels, annotations) without the schema; a v1 job is
then converted by rules that expect string keys everywhere (as JSON, and so Kubernetes,
has them). :func:`problems` says where an object breaks that, so that the caller reports
it on the object's document and leaves the object untouched, instead of a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.paths import format_path
from trainjob_migrate.results import FileRef, Result, Severity, ref_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.paths import Path

RULE: Final = RuleId.STRUCTURE.value

_STRING_FIELDS: Final = ("apiVersion", "kind")
_META_STRINGS: Final = ("name", "namespace", "generateName")
_META_MAPS: Final = ("labels", "annotations")


def envelope(obj: Any) -> list[tuple[str, str]]:
    """(field path, what is wrong) for the fields every object is found and named by."""
    if not isinstance(obj, Mapping):
        return [("", f"expected an object, got {_kind(obj)}")]
    found = [
        ("", f"key {_key_text(key)} is not a string; quote it")
        for key in obj
        if type(key) is not str
    ]
    found.extend(
        (key, f"expected a string, got {_kind(obj[key])}")
        for key in _STRING_FIELDS
        if key in obj and not isinstance(obj[key], str)
    )
    meta = obj.get("metadata")
    if meta is None:
        return found
    if not isinstance(meta, Mapping):
        return [*found, ("metadata", f"expected an object, got {_kind(meta)}")]
    found.extend(
        (f"metadata.{key}", f"expected a string, got {_kind(meta[key])}")
        for key in _META_STRINGS
        if meta.get(key) is not None and not isinstance(meta[key], str)
    )
    for key in _META_MAPS:
        value = meta.get(key)
        if value is None:
            continue
        path = f"metadata.{key}"
        if isinstance(value, str) and "$" in value:
            continue  # a template's placeholder for the whole map (a Helm block): templates/
        if not isinstance(value, Mapping):
            found.append((path, f"expected a map of strings, got {_kind(value)}"))
            continue
        for k, v in value.items():
            if not isinstance(k, str):
                found.append((path, f"key {_key_text(k)} is not a string; quote it"))
            elif not isinstance(v, str):
                at = format_path(("metadata", key, k))
                found.append((at, f"expected a string, got {_kind(v)}; quote it"))
    return found


def problems(obj: Any) -> list[tuple[str, str]]:
    """:func:`envelope`, and every map key below that is not a string (for an object whose
    fields are all read: a job to convert). Iterative: depth is bounded by the reader."""
    found = envelope(obj)
    if found or not isinstance(obj, Mapping):
        return found
    stack: list[tuple[Any, Path]] = [(obj, ())]
    while stack:
        value, path = stack.pop()
        if type(value) is dict or isinstance(value, Mapping):
            for key, child in value.items():
                if type(key) is not str:
                    shown = _key_text(key)
                    found.append(
                        (format_path(path), f"key {shown} is not a string; quote it ('{shown}')")
                    )
                    continue
                if isinstance(child, dict | list):
                    stack.append((child, (*path, key)))
        elif isinstance(value, list):
            stack.extend(
                (child, (*path, n))
                for n, child in enumerate(value)
                if isinstance(child, dict | list)
            )
    return sorted(found)


def selects(select: Callable[[Mapping[str, Any]], bool] | None, job: Mapping[str, Any]) -> bool:
    """Whether a selector takes ``job``; a job it cannot read (a broken envelope) is taken,
    so that it is reported rather than silently skipped."""
    if select is None:
        return True
    if envelope(job):
        return True
    return select(job)


def _key_text(key: Any) -> str:
    """A key as YAML wrote it: ``null``, ``true``, ``1.5``."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return str(key).lower()
    return str(key)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def results(
    obj: Mapping[str, Any], found: list[tuple[str, str]], file: FileRef | None
) -> list[Result]:
    """The error results for :func:`problems` of a job: it is left untouched."""
    ref = ref_of(obj)
    return [
        Result(
            f"{message}; the object is left untouched (fix the field and run again)",
            Severity.ERROR,
            RULE,
            ref,
            path or None,
            file,
        )
        for path, message in found
    ]
