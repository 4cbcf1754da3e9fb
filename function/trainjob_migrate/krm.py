"""The KRM function wire format: read a ResourceList, write a ResourceList.

Follows the KRM Functions Specification (kustomize ``functions-spec.md``): one
ResourceList in (YAML or JSON), one ResourceList out (block-style YAML), with
``results``. Also knows the path/index annotations that orchestrators use to
put an object back into its file.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate import yamlio
from trainjob_migrate.errors import InputError
from trainjob_migrate.results import FileRef, Result

Obj = dict[str, Any]

RESOURCE_LIST_API_VERSION: Final = "config.kubernetes.io/v1"

#: Annotations that tie an object to its file; a replacement object inherits them.
PATH_ANNOTATIONS: Final = (
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "internal.config.kubernetes.io/path",
    "internal.config.kubernetes.io/index",
)
_PATH_KEYS: Final = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
_INDEX_KEYS: Final = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")


@dataclasses.dataclass(slots=True)
class ResourceList:
    items: list[Any]
    function_config: Obj | None
    results: list[Result] = dataclasses.field(default_factory=list)
    api_version: str = RESOURCE_LIST_API_VERSION
    #: source text of each input item, by id; the items are kept alive in ``_originals``
    #: so that an id seen again at output time is the very same, unchanged object
    sources: dict[int, str] = dataclasses.field(default_factory=dict)
    _originals: list[Any] = dataclasses.field(default_factory=list)


def parse(text: str | bytes) -> ResourceList:
    """Parse a ResourceList; raise :class:`InputError` with an actionable message."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"input is not UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise InputError("no input on stdin: expected a ResourceList (YAML or JSON)")
    data, sources = _load(text)
    if not isinstance(data, Mapping):
        raise InputError(f"expected a ResourceList object, got a YAML {type(data).__name__}")
    if data.get("kind") != "ResourceList":
        raise InputError(f"expected kind ResourceList, got kind {data.get('kind')!r}")
    if "items" not in data:
        raise InputError("the ResourceList has no 'items' field (required by the KRM spec)")
    items = data.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InputError(f"ResourceList 'items' must be a list, got {type(items).__name__}")
    config = data.get("functionConfig")
    if config is not None and not isinstance(config, Mapping):
        raise InputError("ResourceList 'functionConfig' must be an object")
    return ResourceList(
        items=items,
        function_config=dict(config) if config is not None else None,
        api_version=str(data.get("apiVersion") or RESOURCE_LIST_API_VERSION),
        sources={id(i): src for i, src in zip(items, sources, strict=False) if src is not None},
        _originals=list(items),
    )


def _load(text: str) -> tuple[Any, list[str | None]]:
    # JSON is a YAML subset, but the json module is much faster on large inputs; its
    # items are written back as block YAML (kpt would write JSON into files as flow style).
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text), []
        except ValueError:
            pass
    return yamlio.load_with_sources(text, "items")


def serialize(rl: ResourceList) -> str:
    """Block-style YAML; an item that passed through unchanged keeps its source text."""
    head = yamlio.dump({"apiVersion": rl.api_version, "kind": "ResourceList"})
    parts = [head, "items:\n" if rl.items else "items: []\n"]
    parts.extend(yamlio.dump_element(item, rl.sources.get(id(item))) for item in rl.items)
    tail: Obj = {}
    if rl.function_config is not None:
        tail["functionConfig"] = rl.function_config
    if rl.results:
        tail["results"] = [r.to_dict() for r in rl.results]
    if tail:
        parts.append(yamlio.dump(tail))
    return "".join(parts)


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        ann = meta.get("annotations")
        if isinstance(ann, Mapping):
            return ann
    return {}


def file_of(obj: Mapping[str, Any]) -> FileRef | None:
    """Where an object came from, per the (internal, else legacy) path annotations."""
    ann = annotations_of(obj)
    path = next((ann[k] for k in _PATH_KEYS if isinstance(ann.get(k), str)), None)
    if path is None:
        return None
    raw_index = next((ann[k] for k in _INDEX_KEYS if k in ann), 0)
    try:
        index = int(raw_index)
    except (TypeError, ValueError):
        index = 0
    return FileRef(path=path, index=index)


def path_annotations(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of an object's annotations that places it in a file."""
    ann = annotations_of(obj)
    return {k: ann[k] for k in PATH_ANNOTATIONS if k in ann}


def with_index(obj: Obj, index: int) -> Obj:
    """A copy of ``obj`` whose index annotations (those it has) say ``index``."""
    ann = annotations_of(obj)
    keys = [k for k in _INDEX_KEYS if k in ann]
    if not keys or all(str(ann[k]) == str(index) for k in keys):
        return obj
    new_ann = {**ann, **{k: str(index) for k in keys}}
    return {**obj, "metadata": {**obj["metadata"], "annotations": new_ann}}
