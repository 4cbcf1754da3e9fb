"""Read a job as the API server stored it: nulls of non-nullable fields and template ObjectMeta pruned.

The API server accepted, and the v1 operator ran, jobs that a strict schema check refuses:
``limits:`` or ``affinity:`` left empty in YAML (a null where an object is expected: the
server drops it, kubernetes ``apiextensions-apiserver`` ``pkg/apiserver/schema/pruning``
and ``structuraldefaulting.PruneNonNullableNullsWithoutDefaults``) and ObjectMeta fields
such as ``creationTimestamp: null`` in a pod template (what ``kubectl create --dry-run -o
yaml`` writes; the CRD's embedded ``metadata`` lists only labels, annotations, name,
namespace and finalizers, so the server prunes the rest). Called only when the job fails
its schema, so a valid job costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate.paths import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

#: ObjectMeta fields (k8s.io/apimachinery ``pkg/apis/meta/v1/types.go``) the server prunes
#: from an embedded template's metadata when its schema does not list them
OBJECT_META: Final = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)


def prune(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[Any, list[tuple[Path, str]]]:
    """``obj`` with what the API server drops removed (a copy where changed), and what was
    dropped: (path, ``"null"`` or ``"metadata"``)."""
    pruned: list[tuple[Path, str]] = []
    out = _walk(obj, schema, (), pruned)
    return out, pruned


def _nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind is None or kind == "null" or (isinstance(kind, list) and "null" in kind)


def _walk(value: Any, schema: Mapping[str, Any], path: Path, pruned: list[tuple[Path, str]]) -> Any:
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        out: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            sub = props.get(key)
            if sub is None and isinstance(extra, Mapping):
                sub = extra
            here = (*path, key)
            if sub is None:
                if extra is False and path and path[-1] == "metadata" and key in OBJECT_META:
                    pruned.append((here, "metadata"))  # ObjectMeta of an embedded template
                    changed = True
                    continue
                out[key] = item  # unknown: the schema check reports it
                continue
            if item is None and not _nullable(sub):
                pruned.append((here, "null"))
                changed = True
                continue
            new = _walk(item, sub, here, pruned)
            changed = changed or new is not item
            out[key] = new
        return out if changed else value
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        items = schema["items"]
        new_list = [_walk(v, items, (*path, i), pruned) for i, v in enumerate(value)]
        changed = any(a is not b for a, b in zip(new_list, value, strict=True))
        return new_list if changed else value
    return value
