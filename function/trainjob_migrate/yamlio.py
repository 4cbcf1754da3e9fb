"""Read and write YAML the way Kubernetes tools read it, fast (libyaml) and safely.

Two deliberate departures from PyYAML's defaults:
- timestamps stay strings, and only ``true``/``false`` are booleans (YAML 1.2, as
  kyaml reads it): ``creationTimestamp: 2025-09-10T05:19:30Z`` must come
  back out exactly as it went in, not as a Python ``datetime``;
- a mapping with the same key twice is an error that names the key, instead of
  YAML's silent last-one-wins.
Output is block style, never uses anchors/aliases (kustomize rejects them), and
keeps the key order of the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from trainjob_migrate.errors import InputError

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


_DROPPED_TAGS = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"})


class _Loader(_BaseLoader):  # type: ignore[misc]  # libyaml's classes are untyped
    """Safe loader: no object construction, no timestamps, no duplicate keys."""

    # YAML 1.2 booleans (what kyaml, and so kpt and kustomize, read): ``on``/``yes``
    # stay strings, so a pass-through item keeps its content.
    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's class-level registry
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

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
                    f"duplicate key {key!r} (line {mark.line + 1}); keep only one",
                    mark,
                )
        result: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return result


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Dumper(_BaseDumper):  # type: ignore[misc]  # libyaml's classes are untyped
    """Block-style dumper without aliases; multi-line strings as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - never alias anything
        return True


def _represent_str(dumper: Any, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def load(text: str | bytes) -> Any:
    """Load one YAML (or JSON) document."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(f"input is not valid YAML: {_describe(exc)}") from exc


def load_all(text: str | bytes) -> Iterator[Any]:
    """Load every document of a YAML stream."""
    try:
        yield from yaml.load_all(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InputError(f"input is not valid YAML: {_describe(exc)}") from exc


def load_with_sources(text: str, key: str) -> tuple[Any, list[str | None]]:
    """Load one document, plus the source text of each element of its top-level list ``key``.

    Each source is re-indented to column 0 (``None`` where that cannot be done safely, e.g.
    an alias to an anchor outside the element), so an element that comes out unchanged
    can be written back as it was written: same quotes, flow style and comments.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise InputError(f"input is not valid YAML: {_describe(exc)}") from exc
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
    return data, [_source(text, n, v) for n, v in zip(elements, values, strict=True)]


def _source(text: str, node: Any, value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        return None
    column = node.start_mark.column
    lines = text[node.start_mark.index : node.end_mark.index].rstrip().split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if line[:column].strip():
            return None  # content left of the element's own column: not a simple block
        out.append(line[column:] if line.strip() else "")
    source = "\n".join(out)
    if any(c in source for c in "&*!%") and not _plain_equivalent(source, value):
        return None  # anchors and aliases are never written out (kustomize rejects them)
    return source


def _plain_equivalent(source: str, value: Any) -> bool:
    """The source holds no anchor or alias and still means ``value`` on its own."""
    try:
        events = list(yaml.parse(source, Loader=_Loader))
        if any(getattr(e, "anchor", None) for e in events):
            return False
        return bool(load(source) == value)
    except (yaml.YAMLError, InputError):
        return False


def dump_element(data: Any, source: str | None = None) -> str:
    """One element of a block sequence (``- ...``), from its source text when given."""
    text = source if source is not None else dump(data).rstrip("\n")
    first, _, rest = text.partition("\n")
    lines = [f"- {first}"]
    if rest:
        lines.extend(f"  {line}" if line else "" for line in rest.split("\n"))
    return "\n".join(lines) + "\n"


def dump(data: Any) -> str:
    """Dump one document as block-style YAML, keys in their given order."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 20,
    )
    return text


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)
