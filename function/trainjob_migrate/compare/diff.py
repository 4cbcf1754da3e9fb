"""Field-by-field differences between two pods (or two job-level records), as a tree diff.

Lists whose items have a merge key (containers, env, volumes, ports...) are compared
item by item on that key, ``tolerations`` item by item on their whole value; the
training container is ``node`` on both sides (v1 ``pytorch``). Env values are resolved
for the pod's node index (the Job completion index the downward API gives), so
``RANK: 1`` and ``RANK`` from ``job-completion-index`` on node 1 are the same value. A
whole subtree missing on one side is one difference, not one per leaf.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from trainjob_migrate.compare.merge import MERGE_KEYS
from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.paths import Path, get
from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"
TRAINING: Final = "node"
COMPLETION_INDEX: Final = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
_KEYED: Final = {k: v for k, v in MERGE_KEYS.items() if k != "replicatedJobs"}
#: maps whose entries are reported one by one when the whole map is missing on one side
_EXPAND: Final = frozenset({*_KEYED, "tolerations", "labels", "annotations", "nodeSelector"})


class Change(Frozen):
    __slots__ = ("path", "kind", "old", "new")
    path: tuple[str, ...]
    kind: str  # missing (on v2) | added (on v2) | changed
    old: Any
    new: Any

    def __init__(self, path: tuple[str, ...], kind: str, old: Any = None, new: Any = None) -> None:
        init(self, path, kind, old, new)

    @property
    def display(self) -> str:
        return display(self.path)


def display(path: tuple[str, ...]) -> str:
    out = ""
    for i, part in enumerate(path):
        keyed = i > 0 and (path[i - 1] in _KEYED or path[i - 1] == "tolerations")
        out += f"[{part}]" if keyed or "." in part or "/" in part else (f".{part}" if out else part)
    return out


def normalize(value: Any, pod: Pod, field: str = "") -> Any:
    """Keyed lists as maps; the training container as ``node``; env resolved for the pod."""
    if field == "spec" and isinstance(value, Mapping) and "serviceAccount" in value:
        # the deprecated alias: the API server copies it into serviceAccountName
        value = {k: v for k, v in value.items() if k != "serviceAccount"}
        value.setdefault("serviceAccountName", pod.obj["spec"]["serviceAccount"])
    if isinstance(value, Mapping) and field in ("limits", "requests"):
        return {str(k): _quantity(v) for k, v in value.items()}  # 1000m == 1, 1Gi == 1024Mi
    if isinstance(value, Mapping):
        return {str(k): normalize(v, pod, str(k)) for k, v in value.items()}
    if isinstance(value, list) and field == "env":
        return {
            str(e.get("name")): _env_value(e, pod.index) for e in value if isinstance(e, Mapping)
        }
    if isinstance(value, list) and field in _KEYED:
        key = _KEYED[field]
        out: Obj = {}
        for item in value:
            if not isinstance(item, Mapping):
                continue
            name = str(item.get(key))
            if field == "containers" and name == pod.training:
                name = TRAINING
            out[name] = {k: v for k, v in normalize(item, pod).items() if k != key}
        return out
    if isinstance(value, list) and field == "tolerations":
        return {json.dumps(t, sort_keys=True): t for t in value}
    if isinstance(value, list):
        return [normalize(v, pod) for v in value]
    return value


def _quantity(value: Any) -> Any:
    from trainjob_migrate import quantity

    amount = quantity.parse(value)
    if amount is None:
        return value
    num, den = amount
    return str(num) if den == 1 else f"{num}/{den}"


def _env_value(entry: Mapping[str, Any], index: int) -> Any:
    if "value" in entry:
        return str(entry["value"])
    source = entry.get("valueFrom") or {}
    if (source.get("fieldRef") or {}).get("fieldPath") == COMPLETION_INDEX:
        return str(index)  # the node index, as v1's literal rank
    return {"valueFrom": source}


def changes(old: Any, new: Any, path: tuple[str, ...] = ()) -> Iterator[Change]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in old:
            if key not in new and not (key in _EXPAND and isinstance(old[key], Mapping)):
                yield Change((*path, key), "missing", old[key], None)
            else:
                yield from changes(old[key], new.get(key, {}), (*path, key))
        for key in new:
            if key not in old and key in _EXPAND and isinstance(new[key], Mapping):
                yield from changes({}, new[key], (*path, key))
            elif key not in old:
                yield Change((*path, key), "added", None, new[key])
    elif old != new:
        yield Change(path, "changed", old, new)


def origin(job: Mapping[str, Any], pod: Pod, path: tuple[str, ...]) -> Path:
    """The v1 job's path a v1 pod field comes from (what the operator injected included)."""
    for cut in range(len(path), 0, -1):
        if path[:cut] in pod.injected:
            return pod.injected[path[:cut]]
    out: list[str | int] = list(pod.template_path)
    value = get(job, pod.template_path)
    for i, part in enumerate(path):
        field = path[i - 1] if i else ""
        if isinstance(value, list) and (field in _KEYED or field == "env"):
            key = _KEYED.get(field, "name")
            wanted = pod.training if field == "containers" and part == TRAINING else part
            at = next(
                (
                    n
                    for n, item in enumerate(value)
                    if isinstance(item, Mapping) and str(item.get(key)) == wanted
                ),
                None,
            )
            if at is None:
                break
            out.append(at)
            value = value[at]
        elif isinstance(value, list) and field == "tolerations":
            at = next(
                (n for n, t in enumerate(value) if json.dumps(t, sort_keys=True) == part), None
            )
            if at is None:
                break
            out.append(at)
            value = value[at]
        elif isinstance(value, Mapping) and part in value:
            out.append(part)
            value = value[part]
        else:
            break
    return tuple(out)
