"""Apply and compute patches the way kustomize treats custom resources.

kustomize has no schema for a CRD, so a strategic-merge patch on a v1 job merges
maps and *replaces* lists; ``null`` deletes a key. JSON 6902 (RFC 6902) ops are
applied as written. ``diff_ops``/``diff_merge`` express the difference between two
objects in either form, to re-target a patch at the converted TrainJob.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from trainjob_migrate.errors import MigrateError

TYPE_CHECKING = False  # no typing at start-up (tests/test_startup_cli.py)
if TYPE_CHECKING:
    from typing import Any


class PatchError(MigrateError):
    """A patch that cannot be applied to its target."""


def merge(base: Any, patch: Any) -> Any:
    """kustomize's strategic merge for a resource it has no schema for."""
    if not isinstance(base, Mapping) or not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and "$patch" in value:
            raise PatchError(
                f"the $patch directive at {key!r} is not supported; rewrite it by hand"
            )
        else:
            out[key] = merge(base.get(key), value)
    return out


def apply_ops(base: Any, ops: list[Any]) -> Any:
    """RFC 6902: add, remove, replace, move, copy, test."""
    doc = copy.deepcopy(base)
    for op in ops:
        if not isinstance(op, Mapping) or "op" not in op or "path" not in op:
            raise PatchError(f"not a JSON 6902 operation: {op!r}")
        kind, path = op["op"], _pointer(op["path"])
        if kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError(f"test failed at {op['path']}")
        elif kind == "remove":
            _remove(doc, path)
        elif kind in ("add", "replace"):
            if kind == "replace":
                _get(doc, path)  # must exist
            doc = _add(doc, path, copy.deepcopy(op.get("value")), replace=kind == "replace")
        elif kind in ("move", "copy"):
            source = _pointer(str(op.get("from", "")))
            value = copy.deepcopy(_get(doc, source))
            if kind == "move":
                _remove(doc, source)
            doc = _add(doc, path, value, replace=False)
        else:
            raise PatchError(f"unknown JSON 6902 op {kind!r}")
    return doc


def _pointer(text: str) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise PatchError(f"JSON pointer {text!r} must start with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")]


def _step(node: Any, part: str) -> Any:
    if isinstance(node, list):
        try:
            return node[int(part)]
        except (ValueError, IndexError) as exc:
            raise PatchError(f"no list item {part!r}") from exc
    if isinstance(node, dict) and part in node:
        return node[part]
    raise PatchError(f"no field {part!r}")


def _get(doc: Any, path: list[str]) -> Any:
    for part in path:
        doc = _step(doc, part)
    return doc


def _add(doc: Any, path: list[str], value: Any, *, replace: bool) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1])
    last = path[-1]
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            index = int(last) if last.isdigit() else -1
            if not 0 <= index <= len(parent) - (1 if replace else 0):
                raise PatchError(f"list index {last!r} out of range")
            if replace:
                parent[index] = value
            else:
                parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError(f"cannot add below a {type(parent).__name__}")
    return doc


def _remove(doc: Any, path: list[str]) -> None:
    parent = _get(doc, path[:-1]) if path else None
    last = path[-1] if path else ""
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    elif isinstance(parent, dict) and last in parent:
        del parent[last]
    else:
        raise PatchError(f"nothing to remove at /{'/'.join(path)}")


def diff_ops(old: Any, new: Any, prefix: str = "") -> list[dict[str, Any]]:
    """JSON 6902 ops turning ``old`` into ``new`` (lists are replaced whole)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        ops: list[dict[str, Any]] = [
            {"op": "remove", "path": f"{prefix}/{_escape(key)}"} for key in old if key not in new
        ]
        for key, value in new.items():
            path = f"{prefix}/{_escape(key)}"
            if key not in old:
                ops.append({"op": "add", "path": path, "value": value})
            elif old[key] != value:
                ops.extend(diff_ops(old[key], value, path))
        return ops
    if old == new:
        return []
    return [{"op": "replace", "path": prefix, "value": new}]


def diff_merge(old: Any, new: Any) -> Any:
    """A merge patch (lists whole, ``null`` deletes) turning ``old`` into ``new``."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: dict[str, Any] = {key: None for key in old if key not in new}
        for key, value in new.items():
            if key not in old:
                out[key] = value
            elif old[key] != value:
                out[key] = diff_merge(old[key], value)
        return out
    return new


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
