"""Strategic merge, as kubeflow/trainer@v2.3.0:pkg/runtime/core/trainingruntime.go applies patches.

Lists of the fields in :data:`MERGE_KEYS` merge item by item on their key (the
``patchMergeKey`` of core/v1 and JobSet); every other list, ``tolerations`` included,
is replaced; maps merge key by key (``nodeSelector``); ``null`` deletes a key. The
directives ``$patch: replace`` (on a map) and ``$patch: delete`` (on a list item) are
honoured. A list item whose key the base lacks is appended, as upstream does: that is
how a patch naming a container the runtime does not have creates an image-less one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final

#: field name -> merge key (core/v1 PodSpec/Container and JobSet ``replicatedJobs``)
MERGE_KEYS: Final = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "imagePullSecrets": "name",
    "schedulingGates": "name",
    "resourceClaims": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "replicatedJobs": "name",
}
_DIRECTIVE: Final = "$patch"


def merge(base: Any, patch: Any) -> Any:
    """``base`` with ``patch`` applied; neither is modified."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    if patch.get(_DIRECTIVE) == "replace" or not isinstance(base, Mapping):
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != _DIRECTIVE}
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if key == _DIRECTIVE:
            continue
        if value is None:
            out.pop(key, None)
        elif key in MERGE_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_list(out[key], value, MERGE_KEYS[key])
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = merge(None, value) if isinstance(value, Mapping) else copy.deepcopy(value)
    return out


def _merge_list(base: list[Any], patch: list[Any], key: str) -> list[Any]:
    out = [copy.deepcopy(item) for item in base]
    for item in patch:
        if not isinstance(item, Mapping) or key not in item:
            out.append(copy.deepcopy(item))
            continue
        at = next(
            (
                i
                for i, old in enumerate(out)
                if isinstance(old, Mapping) and old.get(key) == item[key]
            ),
            None,
        )
        if item.get(_DIRECTIVE) == "delete":
            if at is not None:
                del out[at]
        elif at is None:
            out.append(merge({}, item))
        else:
            out[at] = merge(out[at], item)
    return out
