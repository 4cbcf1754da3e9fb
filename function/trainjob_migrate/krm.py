"""The KRM function wire format: read a ResourceList, write a ResourceList.

Follows the KRM Functions Specification (kustomize ``functions-spec.md``): one
ResourceList in (YAML or JSON), one ResourceList out (block-style YAML), with
``results``. Also knows the path/index annotations that orchestrators use to
put an object back into its file.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate import lazy, results_yaml, yamlio
from trainjob_migrate.errors import InputError
from trainjob_migrate.records import Record
from trainjob_migrate.results import FileRef, Result

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `fn` does without the typing module
if TYPE_CHECKING:
    from typing import IO, Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

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

#: After the size limit (yamlio.max_input_bytes), at most this much more is read and
#: discarded, so that the writer of the input is not cut off mid-write; an endless input
#: stops there.
_DRAIN_BYTES: Final = 256 * 1024 * 1024
_MIB: Final = 1024 * 1024


def read_input(stream: IO[bytes], limit: int | None = None) -> bytes:
    """All of ``stream``, or :class:`InputError` when it holds more than ``limit`` bytes.

    An oversized input is never held in memory: past the limit it is read in chunks and
    discarded (up to a bound), so the error can say how large it was.
    """
    limit = yamlio.max_input_bytes() if limit is None else limit
    data = stream.read(limit + 1)
    if len(data) <= limit:
        return data
    size, data = len(data), b""
    while size <= limit + _DRAIN_BYTES and (chunk := stream.read(_MIB)):
        size += len(chunk)
    more = "more than " if size > limit + _DRAIN_BYTES else ""
    raise InputError(
        f"input refused: it is {more}{size / _MIB:.1f} MiB, over the limit of "
        f"{limit / _MIB:g} MiB; {yamlio.limit_hint()}"
    )


class ResourceList(Record):
    __slots__ = ("items", "function_config", "results", "api_version", "sources", "_originals")
    items: list[Any]
    function_config: Obj | None
    results: list[Result]
    api_version: str
    #: source text of each input item, by id; the items are kept alive in ``_originals``
    #: so that an id seen again at output time is the very same, unchanged object
    sources: dict[int, str]
    _originals: list[Any]

    def __init__(
        self,
        items: list[Any],
        function_config: Obj | None,
        results: list[Result] | None = None,
        api_version: str = RESOURCE_LIST_API_VERSION,
        sources: dict[int, str] | None = None,
        _originals: list[Any] | None = None,
    ) -> None:
        self.items = items
        self.function_config = function_config
        self.results = [] if results is None else results
        self.api_version = api_version
        self.sources = {} if sources is None else sources
        self._originals = [] if _originals is None else _originals


_NOT_A_RESOURCE_LIST: Final = (
    "fn reads one ResourceList (as kpt fn source writes it); "
    "for plain manifests use trainjob-migrate convert -"
)


def parse(text: str | bytes) -> ResourceList:
    """Parse a ResourceList; raise :class:`InputError` with an actionable message."""
    if isinstance(text, bytes):
        try:
            text = yamlio.decode(text)
        except UnicodeDecodeError as exc:
            raise InputError(f"input is not UTF-8 (byte {exc.start})") from exc
    if "\r" in text:  # CRLF (or CR) line breaks: YAML reads them as LF; sources are kept as LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError("no input on stdin: expected a ResourceList (YAML or JSON)")
    try:
        data, sources = _load(text)
    except InputError as exc:
        if "another document" in str(exc):  # a stream of manifests, not one ResourceList
            raise InputError(f"{exc}: {_NOT_A_RESOURCE_LIST}") from exc
        raise
    if not isinstance(data, Mapping):
        raise InputError(f"expected a ResourceList object, got a YAML {type(data).__name__}")
    if data.get("kind") != "ResourceList":
        raise InputError(
            f"expected kind ResourceList, got kind {data.get('kind')!r}: {_NOT_A_RESOURCE_LIST}"
        )
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
    # Whatever the json module reads differently from YAML (a duplicate key, NaN, an
    # integer too long, a lone surrogate) is left to the YAML reader, which names it.
    if text.lstrip().startswith("{"):
        import json  # only for JSON input (start-up time of the YAML case)

        try:
            data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        except RecursionError:  # the json module's own guard, far past MAX_DEPTH
            raise InputError(_TOO_DEEP) from None
        except ValueError:
            pass
        else:
            _check_shape(data)
            if not _SURROGATE_ESCAPE.search(text) or _encodable(data):
                return data, []
    return yamlio.load_with_sources(text, "items")


_SURROGATE_ESCAPE: Final = lazy.pattern(r"\\u[dD][89abcdefABCDEF]")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _encodable(data: Any) -> bool:
    import json

    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


_TOO_DEEP: Final = (
    f"input refused: nesting deeper than {yamlio.MAX_DEPTH} levels of maps and lists (the "
    "limit for any manifest); flatten the document"
)


def _check_shape(root: Any) -> None:
    """The limits the YAML reader applies (depth, nodes), for JSON; iterative, no recursion."""
    nodes_left = yamlio.max_nodes() - 1
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            children: Any = value.values()
            nodes_left -= 2 * len(value)  # keys are nodes too, as in YAML
        elif type(value) is list:
            children = value
            nodes_left -= len(value)
        else:
            continue
        depth += 1
        if depth > yamlio.MAX_DEPTH:
            raise InputError(_TOO_DEEP)
        if nodes_left < 0:
            raise InputError(
                f"input refused: more than {yamlio.max_nodes()} nodes (objects, arrays, keys "
                f"and values); {yamlio.limit_hint()}"
            )
        stack.extend((child, depth) for child in children if type(child) in (dict, list))


def serialize(rl: ResourceList) -> str:
    """Block-style YAML; an item that passed through unchanged keeps its source text."""
    head = yamlio.dump({"apiVersion": rl.api_version, "kind": "ResourceList"})
    parts = [head, "items:\n" if rl.items else "items: []\n"]
    parts.extend(yamlio.dump_element(item, rl.sources.get(id(item))) for item in rl.items)
    open_ended = False
    if rl.function_config is not None:
        config = yamlio.dump({"functionConfig": rl.function_config})
        # a kept block scalar (|+) ends the document with "...": after the results, if any
        open_ended = config.endswith("\n...\n") and bool(rl.results)
        parts.append(yamlio.end_of_block(config) if open_ended else config)
    if rl.results:
        parts.append(results_yaml.dump_results(rl.results, open_ended))
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
