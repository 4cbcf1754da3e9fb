"""Read and write YAML the way Kubernetes tools read it, fast (libyaml) and safely.

Two deliberate departures from PyYAML's defaults:
- timestamps stay strings, and only ``true``/``false`` are booleans (YAML 1.2, as
  kyaml reads it): ``creationTimestamp: 2025-09-10T05:19:30Z`` must come
  back out exactly as it went in, not as a Python ``datetime``;
- a mapping with the same key twice is an error that names the key, instead of
  YAML's silent last-one-wins.
Output is block style, never uses anchors/aliases (kustomize rejects them), and
keeps the key order of the input.

Hostile input (see SECURITY.md): documents are composed by :class:`_Loader`'s own
iterative composer on libyaml's events, which refuses, before anything is built from
them, nesting deeper than :data:`MAX_DEPTH`, aliases that would expand the document by
more than :data:`MAX_ALIAS_NODES` nodes when written out ("billion laughs"), recursive
aliases, and any tag outside the JSON-compatible core schema (no object is ever
constructed from a tag). libyaml's C composer recurses on the C stack (a 100 000-deep
``[[[...`` crashes the interpreter), and PyYAML keeps aliases as shared references that
only the writer expands: both are checked here, where the node graph is built.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from sys import intern

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from trainjob_migrate import lazy, limits
from trainjob_migrate.errors import InputError
from trainjob_migrate.templates import Quoted

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `fn` does without the typing module
if TYPE_CHECKING:
    from typing import Any, Final

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


#: Deepest nesting of maps and lists in a document, aliases expanded. Real manifests stay
#: far below (the deepest CRD schemas shipped here nest 41 levels, a CRD around them ~50);
#: the limit keeps every recursive walk (writer, schema validation, leaves) well inside
#: Python's recursion limit.
MAX_DEPTH: Final = 200
#: Most nodes that aliases may add to a document once expanded (every alias is written
#: out in full: kustomize rejects aliases). Real uses (a shared env list) add hundreds.
MAX_ALIAS_NODES: Final = 100_000
#: The input size limit (:mod:`trainjob_migrate.limits`) also bounds the nodes (maps, lists,
#: scalars) of a stream to one per 16 bytes of the limit: memory grows with nodes (about
#: 0.7 KiB each while read and converted), not bytes, and real manifests take 11 to 40 bytes
#: per node. 32 MiB: 2 097 152 nodes, under 1.5 GiB.
DEFAULT_MAX_INPUT_MB: Final = limits.DEFAULT_MAX_INPUT_MB
MAX_INPUT_ENV: Final = limits.MAX_INPUT_ENV
_BYTES_PER_NODE: Final = 16


def max_input_bytes() -> int:
    """The input size limit in bytes (:data:`DEFAULT_MAX_INPUT_MB`, or the environment's)."""
    limit = limits.input_limit()
    if limit is None:
        raw = os.environ.get(MAX_INPUT_ENV, "").strip()
        raise InputError(f"{MAX_INPUT_ENV}={raw!r}: expected a positive number of MiB")
    return limit


def max_nodes() -> int:
    """Most nodes (maps, lists, scalars; aliases not expanded) one YAML stream may have."""
    return max(1, max_input_bytes() // _BYTES_PER_NODE)


def limit_hint() -> str:
    """What to do about a size limit: said by every message about one."""
    return (
        "run on fewer files at a time (one package or directory), or raise the limit with "
        f"{MAX_INPUT_ENV}=<MiB> (now {max_input_bytes() / limits.MIB:g}; memory use is up to 50 "
        "times the limit)"
    )


_CORE: Final = "tag:yaml.org,2002:"
#: The only tags a document may carry: what JSON can say, plus the merge key ``<<``.
_ALLOWED_TAGS: Final = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
)

#: YAML 1.1 resolvers PyYAML has and Kubernetes' readers do not: timestamps stay strings,
#: ``yes``/``on`` stay strings (booleans are re-added below), a plain ``=`` is a string.
_DROPPED_TAGS = frozenset({_CORE + "timestamp", _CORE + "bool", _CORE + "value"})
_NUMBER_TAGS: Final = frozenset({_CORE + "int", _CORE + "float"})


class _NoSexagesimal:
    """PyYAML's int or float resolver without its YAML 1.1 sexagesimal form: ``1:30`` is the
    string Kubernetes reads, not the int 90.

    PyYAML's own pattern (compiled when yaml is imported: nothing to compile at our start)
    with the one form that has a colon ruled out first: each of its other forms is made of
    digits, signs, dots, ``_``, ``e``, ``x``, ``b``, ``inf`` and ``nan`` only.
    """

    __slots__ = ("_match",)

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self._match = pattern.match

    def match(self, value: str) -> re.Match[str] | None:
        return None if ":" in value else self._match(value)


class _Words:
    """Matches what ``^(?:word|...)$`` matches, without a pattern to compile: one of the words,
    or one followed by a single final line break (where ``$`` also matches)."""

    __slots__ = ("_words",)

    def __init__(self, words: Iterable[str]) -> None:
        self._words = frozenset(words)

    def match(self, value: str) -> bool:
        return value in self._words or (value[-1:] == "\n" and value[:-1] in self._words)


class _Limit(yaml.composer.ComposerError):
    """A document refused by a limit (depth, alias expansion, tag); names where and why."""


class _Loader(_BaseLoader):  # type: ignore[misc]  # libyaml's classes are untyped
    """Safe loader: no object construction, no timestamps, no duplicate keys."""

    # YAML 1.2 booleans (what kyaml, and so kpt and kustomize, read): ``on``/``yes``
    # stay strings, so a pass-through item keeps its content.
    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's class-level registry
        first: [
            (tag, _NoSexagesimal(regexp) if tag in _NUMBER_TAGS else regexp)
            for tag, regexp in resolvers
            if tag not in _DROPPED_TAGS
        ]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    # -- composing: iterative, bounded (replaces libyaml's recursive C composer) --

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes_left = max_nodes()
        #: where each anchor and alias stands (character index, in order): sources with one
        #: are never written back (kustomize rejects anchors and aliases)
        self.anchored: list[int] = []

    def check_node(self) -> bool:
        if self.check_event(yaml.StreamStartEvent):
            self.get_event()
        return not self.check_event(yaml.StreamEndEvent)

    def get_node(self) -> Any:
        if not self.check_event(yaml.StreamEndEvent):
            return self._compose_document()
        return None

    def get_single_node(self) -> Any:
        self.get_event()  # STREAM-START
        document = None
        if not self.check_event(yaml.StreamEndEvent):
            document = self._compose_document()
        if not self.check_event(yaml.StreamEndEvent):
            event = self.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                document.start_mark if document is not None else None,
                "but found another document",
                event.start_mark,
            )
        self.get_event()  # STREAM-END
        return document

    def _compose_document(self) -> Any:
        """The node graph of one document, checked against the limits while it is built.

        Each finished node has an expanded size (nodes, aliases written out in full) and
        height; an alias adds its anchor's size to the document's alias budget and its
        height to the depth where it stands. Nothing is expanded: the checks are linear.
        """
        self.get_event()  # DOCUMENT-START
        # anchor -> node, size, height of its latest finished definition. YAML lets an anchor
        # be defined again: an alias refers to the latest definition before it (two files
        # with PyYAML's default &id001, combined into one ResourceList by kpt, both use it).
        anchors: dict[str, tuple[Any, int, int]] = {}
        # anchors whose latest definition is a collection still open: an alias to one is
        # recursive; the value is that definition's serial number
        open_anchors: dict[str, int] = {}
        serial = 0
        # open collections: [node, anchor, size, height, pending mapping key or _NO_KEY, serial]
        stack: list[list[Any]] = []
        alias_nodes = 0
        resolve = self.resolve
        get_event = self.get_event
        nodes_left = self._nodes_left
        node: Any = None
        while True:
            event = get_event()
            cls = type(event)
            if cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
                nodes_left -= 1
                if nodes_left < 0:
                    raise _Limit(
                        None,
                        None,
                        f"more than {max_nodes()} YAML nodes (maps, lists and scalars); "
                        f"{limit_hint()}",
                        event.start_mark,
                    )
            if cls is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(ScalarNode, event.value, event.implicit)
                elif tag not in _ALLOWED_TAGS or tag in _COLLECTION_TAGS:
                    _refuse_tag(tag, event, "a scalar")
                node = ScalarNode(
                    tag, event.value, event.start_mark, event.end_mark, style=event.style
                )
                size, height = 1, 0
                if event.anchor is not None:
                    self.anchored.append(event.start_mark.index)
                    open_anchors.pop(event.anchor, None)
                    anchors[event.anchor] = (node, 1, 0)
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _Limit(
                        None,
                        None,
                        f"nesting deeper than {MAX_DEPTH} levels of maps and lists (the "
                        "limit for any manifest); flatten the document",
                        event.start_mark,
                    )
                mapping = cls is MappingStartEvent
                kind = MappingNode if mapping else SequenceNode
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(kind, None, event.implicit)
                elif tag != (_MAP_TAG if mapping else _SEQ_TAG):
                    _refuse_tag(tag, event, "a map" if mapping else "a list")
                node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                serial += 1
                if event.anchor is not None:
                    self.anchored.append(event.start_mark.index)
                    anchors.pop(event.anchor, None)
                    open_anchors[event.anchor] = serial
                stack.append([node, event.anchor, 1, 0, _NO_KEY, serial])
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node, anchor, size, height, _, opened = stack.pop()
                node.end_mark = event.end_mark
                height += 1
                # unless defined again inside: then that later definition stands
                if anchor is not None and open_anchors.get(anchor) == opened:
                    del open_anchors[anchor]
                    anchors[anchor] = (node, size, height)
            elif cls is AliasEvent:
                self.anchored.append(event.start_mark.index)
                found = anchors.get(event.anchor)
                if found is None:
                    if event.anchor in open_anchors:
                        raise _Limit(
                            None,
                            None,
                            f"alias *{event.anchor} refers to the node that contains it (a "
                            "recursive structure cannot be written out)",
                            event.start_mark,
                        )
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                    )
                node, size, height = found
                alias_nodes += size
                if alias_nodes > MAX_ALIAS_NODES:
                    raise _Limit(
                        None,
                        None,
                        f"aliases expand the document by more than {MAX_ALIAS_NODES} nodes "
                        f"(alias *{event.anchor} alone adds {size}); write the content out "
                        "instead of aliasing it",
                        event.start_mark,
                    )
                if len(stack) + height > MAX_DEPTH:
                    raise _Limit(
                        None,
                        None,
                        f"alias *{event.anchor} makes the document nest deeper than "
                        f"{MAX_DEPTH} levels of maps and lists",
                        event.start_mark,
                    )
            else:  # a stream or document event where a node belongs: libyaml prevents it
                raise yaml.composer.ComposerError(
                    None, None, f"unexpected {cls.__name__}", event.start_mark
                )
            if not stack:
                break
            parent = stack[-1]
            parent[2] += size
            parent[3] = max(parent[3], height)
            if type(parent[0]) is SequenceNode:
                parent[0].value.append(node)
            elif parent[4] is _NO_KEY:
                parent[4] = node
            else:
                parent[0].value.append((parent[4], node))
                parent[4] = _NO_KEY
        get_event()  # DOCUMENT-END
        self._nodes_left = nodes_left
        return node

    # -- constructing: a malformed explicit scalar is a YAML error, never a crash --

    def construct_yaml_int(self, node: Any) -> Any:
        return self._scalar(node, super().construct_yaml_int, "an integer")

    def construct_yaml_float(self, node: Any) -> Any:
        return self._scalar(node, super().construct_yaml_float, "a number")

    def construct_yaml_bool(self, node: Any) -> Any:
        return self._scalar(node, super().construct_yaml_bool, "a boolean (true or false)")

    def _scalar(self, node: Any, construct: Any, what: str) -> Any:
        try:
            return construct(node)
        except (ValueError, LookupError) as exc:  # int("x"), 5000 digits, "" [0], bool "x"
            reason = f" ({str(exc).split(';')[0]})" if isinstance(exc, ValueError) else ""
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {_short(node.value)} as {what}{reason}",
                node.start_mark,
            ) from exc

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the base class reports it
                continue
            if duplicate:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {_short(str(key))}; keep only one",
                    mark,
                )
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    _Words(("true", "True", "TRUE", "false", "False", "FALSE")),
    list("tTfF"),
)
for _tag in ("int", "float", "bool"):
    _Loader.add_constructor(_CORE + _tag, getattr(_Loader, f"construct_yaml_{_tag}"))

_NO_KEY: Final = object()


_MAP_TAG: Final = _CORE + "map"
_SEQ_TAG: Final = _CORE + "seq"
_COLLECTION_TAGS: Final = (_MAP_TAG, _SEQ_TAG)


def _refuse_tag(tag: str, event: Any, on: str) -> None:
    shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
    if tag in _ALLOWED_TAGS:  # a core tag on the wrong kind of node: !!map x, !!str {a: 1}
        raise _Limit(
            None,
            None,
            f"YAML tag {shown} cannot stand on {on}; remove the tag",
            event.start_mark,
        )
    raise _Limit(
        None,
        None,
        f"YAML tag {_short(shown)} is not supported: manifests hold only strings, numbers, "
        "booleans, null, maps and lists (remove the tag)",
        event.start_mark,
    )


def _short(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


class _Dumper(_BaseDumper):  # type: ignore[misc]  # libyaml's classes are untyped
    """Block-style dumper without aliases; multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - never alias anything
        return True


#: plain scalars that some Kubernetes YAML reader takes for something other than a string:
#: YAML 1.1 booleans (go-yaml v2, behind kubectl, reads y/n/on/off), nulls, Go's base-0
#: integers (0o17, 0x1F, 1_000), floats with or without a dot (1e3, -.5), dates. PyYAML's
#: own resolver misses some of them, so such strings are always written quoted. Compiled
#: only for a string that :func:`ambiguous` cannot tell by itself (start-up time).
_AMBIGUOUS = lazy.pattern(
    r"^(?:[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|~|null|Null|NULL"
    r"|[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)"
    r"|[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$"
)


#: the words of :data:`_AMBIGUOUS`
_AMBIGUOUS_WORDS: Final = frozenset(
    {
        "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null",
        "NULL",
    }
)  # fmt: skip
#: what a number of :data:`_AMBIGUOUS` starts with, after its sign
_NUMBER_STARTS: Final = frozenset("0123456789.")
#: every character of its numbers (digits, ``_``, signs, dots, exponents, 0b/0o/0x, hex
#: digits, inf, nan); its dates (``2025-01-31...``) may hold anything after their date
_NUMBER_CHARS: Final = "0123456789_.+-eEbBoOxXabcdefABCDEFinINaA"


def ambiguous(value: str) -> bool:
    """Whether a plain ``value`` could be read as something other than a string (written
    quoted): :data:`_AMBIGUOUS`, told without it for nearly every string."""
    if "\n" in value:  # where ``$`` has its line-break case: the pattern itself
        return _AMBIGUOUS.match(value) is not None
    if value in _AMBIGUOUS_WORDS:
        return True
    first = value[:1]
    body = value[1:] if first in ("+", "-") else value
    if body[:1] not in _NUMBER_STARTS and not first.isdecimal():
        return False  # no number starts so, and a date starts with a digit
    head, _, tail = body.partition(".")
    digits = head + tail
    if digits.isdigit() and digits.isascii():
        return True  # an integer or a decimal: '4', the index annotations' '0', '2.3'
    if value.strip(_NUMBER_CHARS) and not (value[4:5] == "-" and value[:4].isdecimal()):
        return False  # a character no number has, and no date
    return _AMBIGUOUS.match(value) is not None


def _represent_str(dumper: Any, value: str) -> Any:
    if "\n" in value:
        style: str | None = "|"
    elif ambiguous(value):
        style = "'"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_quoted(dumper: Any, value: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str.__str__(value), style="'")


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Quoted, _represent_quoted)


_BOM: Final = b"\xef\xbb\xbf"


def decode(data: bytes) -> str:
    """UTF-8 without its byte order mark, as ``data.decode("utf-8-sig")`` (the same error
    positions too), without importing that codec at every start."""
    return (data[3:] if data.startswith(_BOM) else data).decode("utf-8")


def load(text: str | bytes) -> Any:
    """Load one YAML (or JSON) document."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _input_error(exc, "input is not valid YAML") from exc


class _FastLoader(_Loader):
    """:class:`_Loader` with libyaml's own composer, for a document :func:`_below_limits`
    has shown cannot reach a limit (no anchor, alias or tag; shallow; small): the same
    nodes, objects and errors, a third of the time of the bounded composer."""

    get_single_node = _BaseLoader.get_single_node


_INDICATORS: Final = lazy.pattern(r"^[ \t?:-]*", re.MULTILINE)  # repository runs only


def _below_limits(text: str) -> bool:
    """Whether ``text`` (one document) cannot trip a limit of the bounded composer, whatever
    it holds: no ``&``, ``*`` or ``!`` anywhere (no anchor, alias or tag can be written
    without one), at most one node per half character, and a nesting bound below
    :data:`MAX_DEPTH`: a block collection nests only on a deeper line or after a leading
    ``- ``, ``? `` or ``: `` (at least one column each two levels), a flow one only inside
    a ``[`` or ``{``."""
    if _CSafeLoader is None or "&" in text or "*" in text or "!" in text:
        return False
    if 2 * len(text) + 2 > max_nodes():
        return False
    prefix = max(map(len, _INDICATORS.findall(text)), default=0)
    return 2 * prefix + 4 + text.count("[") + text.count("{") < MAX_DEPTH


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)


def load_node(text: str) -> tuple[Any, Any]:
    """``(load(text), its node tree)``: one document read once, for its object and the
    positions of its fields (within the same limits as :func:`load`)."""
    loader = (_FastLoader if _below_limits(text) else _Loader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        return _construct(loader, node), node
    except yaml.YAMLError as exc:
        raise _input_error(exc, "input is not valid YAML") from exc
    finally:
        loader.dispose()


def _construct(loader: Any, node: Any) -> Any:
    """``loader.construct_document(node)``, built by :func:`_build` (twice as fast; an
    aliased node once, shared, as PyYAML does) unless the document is unusual: then the
    loader's constructor builds it, and says what is wrong in its words."""
    try:
        return _build(loader, node, {} if loader.anchored else None)
    except _Unusual:
        return loader.construct_document(node)


class _Unusual(Exception):
    """A node :func:`_build` leaves to the loader's constructor."""


_STR_TAG: Final = _CORE + "str"


def _build(loader: Any, node: Any, shared: dict[int, Any] | None) -> Any:
    """``loader.construct_document(node)``: maps, lists and strings built directly, other
    scalars by the loader's own constructors; a merge key, a duplicate key or a collection as
    a key raises :class:`_Unusual`. ``shared``: the map or list built for each node, by id,
    when aliases may share nodes (one object for them, as PyYAML builds; None: a tree). The
    node graph is within :data:`MAX_DEPTH` and has no cycle (the composer refuses both), so
    recursion is safe."""
    kind = type(node)
    if kind is ScalarNode:
        tag = node.tag
        if tag == _STR_TAG:
            value = node.value
            return intern(value) if len(value) <= _SHORT else value
        construct = loader.yaml_constructors.get(tag)
        if construct is None:
            raise _Unusual
        return construct(loader, node)
    if shared is not None and id(node) in shared:
        return shared[id(node)]
    built: Any
    if kind is SequenceNode:
        built = [_build(loader, item, shared) for item in node.value]
    else:
        built = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag == _MERGE_TAG:
                raise _Unusual
            # a key is interned: the same few names recur in every document kept (memory)
            key = (
                intern(key_node.value)
                if key_node.tag == _STR_TAG
                else _build(loader, key_node, shared)
            )
            built[key] = _build(loader, value_node, shared)
        if len(built) != len(node.value):
            raise _Unusual  # a duplicate key
    if shared is not None:
        shared[id(node)] = built
    return built


_MERGE_TAG: Final = _CORE + "merge"
#: strings this long or shorter are interned (enum values, images, names recur)
_SHORT: Final = 40


def load_all(text: str | bytes) -> Iterator[Any]:
    """Load every document of a YAML stream."""
    try:
        yield from yaml.load_all(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _input_error(exc, "input is not valid YAML") from exc


def compose(text: str) -> Any:
    """The node tree of one document (positions included), or None for an empty one."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _input_error(exc, "not valid YAML") from exc
    finally:
        loader.dispose()


def error_line(exc: InputError) -> int | None:
    """0-based line of a YAML error, when the parser gave one."""
    mark = getattr(exc.__cause__, "problem_mark", None)
    return None if mark is None else int(mark.line)


def load_with_sources(text: str, key: str) -> tuple[Any, list[str | None]]:
    """Load one document, plus the source text of each element of its top-level list ``key``.

    Each source is re-indented to column 0 (``None`` where that cannot be done safely, e.g.
    an alias to an anchor outside the element), so an element that comes out unchanged
    can be written back as it was written: same quotes, flow style and comments.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = _construct(loader, node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _input_error(exc, "input is not valid YAML") from exc
    finally:
        loader.dispose()
    elements: list[Any] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
                elements = value_node.value
    values = data.get(key) if isinstance(data, dict) else None
    if not isinstance(values, list) or len(values) != len(elements):
        return data, []
    anchored = loader.anchored
    return data, [_source(text, n, v, anchored) for n, v in zip(elements, values, strict=True)]


def _source(text: str, node: Any, value: Any, anchored: list[int]) -> str | None:
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        return None
    column = node.start_mark.column
    start, end = node.start_mark.index, node.end_mark.index
    if anchored:
        import bisect  # only where the input has anchors (start-up time)

        at = bisect.bisect_left(anchored, start)
        if at < len(anchored) and anchored[at] < end:
            return None  # anchors and aliases are never written out (kustomize rejects them)
    raw = text[start:end]
    if any(c in raw for c in _ODD_BREAKS) or not _tail_kept(node, text):
        return None
    lines = raw.rstrip().split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if line[:column].strip():
            return None  # content left of the element's own column: not a simple block
        out.append(line[column:] if line.strip() else "")
    return "\n".join(out)


#: Line breaks libyaml (YAML 1.1) knows besides LF: re-indenting by LF alone would break
#: them. CR and CRLF are normalised to LF before parsing (krm.parse); checked again here.
_ODD_BREAKS: Final = ("\r", "\x85", "\u2028", "\u2029")


def _tail_kept(node: Any, text: str) -> bool:
    """The element's source, right-stripped and ended by one line break, keeps its value.

    Trailing whitespace is content in one case only: a block scalar (``|``, ``>``) that ends
    the element: trailing spaces on its last line, kept blank lines (``|+``), or no line
    break at all where the input ended without one.
    """
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    if not isinstance(node, yaml.ScalarNode) or node.style not in ("|", ">"):
        return True
    value = node.value
    stripped = value.rstrip()
    if value == "" or (stripped != "" and value == stripped + "\n"):
        return True  # written back with one line break: the same, whatever the chomping
    at = node.start_mark.index
    return value == stripped and bool(_STRIP_CHOMPING.match(text, at, at + 4))


_STRIP_CHOMPING: Final = lazy.pattern(r"[|>](?:[1-9]?-|-[1-9])")


def dump_element(data: Any, source: str | None = None) -> str:
    """One element of a block sequence (``- ...``), from its source text when given."""
    if source is None and not isinstance(data, dict | list):
        # A scalar is written in its sequence: re-indenting a lone block scalar would move
        # its content away from the indentation indicator PyYAML gave it (``|2-``).
        return end_of_block(dump([data]))
    # A string ending in several line breaks is written as a kept block scalar (``|+``),
    # after which PyYAML ends the document with ``...``: inside a sequence that marker is
    # invalid YAML. The breaks before it are the string's own: only the last is dropped.
    text = source if source is not None else end_of_block(dump(data)).removesuffix("\n")
    first, newline, rest = text.partition("\n")
    lines = [f"- {first}"]
    if newline:  # even when all that follows is one blank line (a kept block scalar's)
        lines.extend(f"  {line}" if line else "" for line in rest.split("\n"))
    return "\n".join(lines) + "\n"


def end_of_block(text: str) -> str:
    """``text`` without the document end marker PyYAML writes after a kept block scalar."""
    return text[: -len("...\n")] if text.endswith("\n...\n") else text


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key (``key:\n  - item``), as many hand-written files are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:  # noqa: ARG002
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - never alias anything
        return True


_IndentedDumper.add_representer(str, _represent_str)
_IndentedDumper.add_representer(Quoted, _represent_quoted)

_INDENTED_LIST = lazy.pattern(r"^( *)[^\s#-][^\n]*:[ \t]*\n\1 +- ", re.MULTILINE)
_INDENTLESS_LIST = lazy.pattern(r"^( *)[^\s#-][^\n]*:[ \t]*\n\1- ", re.MULTILINE)


def indents_lists(text: str) -> bool:
    """Whether ``text`` mostly writes lists indented under their key (kyaml's "wide" style)."""
    return len(_INDENTED_LIST.findall(text)) > len(_INDENTLESS_LIST.findall(text))


def dump(data: Any, *, indent_lists: bool = False) -> str:
    """Dump one document as block-style YAML, keys in their given order."""
    if indent_lists:  # the pure-Python emitter: libyaml's cannot indent lists
        return str(
            yaml.dump(
                data,
                Dumper=_IndentedDumper,
                default_flow_style=False,
                sort_keys=False,
                allow_unicode=True,
                width=1 << 20,
            )
        )
    return _dump_fast(data)


def _dump_fast(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 20,
    )
    return text


def _input_error(exc: yaml.YAMLError, what: str) -> InputError:
    """One line: ``input is not valid YAML: <problem> at line L, column C``."""
    if isinstance(exc, _Limit):
        what = "input refused"
    return InputError(f"{what}: {_describe(exc)}")


#: PyYAML's wording -> words for a user (the map keys of a manifest are plain strings)
_PLAIN_WORDS: Final = {
    "found unhashable key": "a map key that is itself a map or a list (not allowed in a manifest)",
}


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    problem = _PLAIN_WORDS.get(str(problem), problem)
    if mark is not None:
        problem = f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(problem).split())  # one line: stderr shows one line per error
