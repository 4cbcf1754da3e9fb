"""Where fields are in a file: the line of every key and list item, from libyaml's node marks."""

from __future__ import annotations

import yaml

TYPE_CHECKING = False  # no typing at start-up (tests/test_startup_cli.py)
if TYPE_CHECKING:
    from typing import Any

    from trainjob_migrate.paths import Path


def lines(node: Any) -> dict[Path, int]:
    """Path -> 0-based line for every mapping key and sequence item under ``node``."""
    found: dict[Path, int] = {}
    if node is not None:
        found[()] = node.start_mark.line
        _walk(node, (), found)
    return found


def _walk(node: Any, prefix: Path, found: dict[Path, int]) -> None:
    # (a scalar has nothing below it: no call for it, half of all calls)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            found.setdefault(path, key.start_mark.line)
            if not isinstance(value, yaml.ScalarNode):
                _walk(value, path, found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            found.setdefault(path, item.start_mark.line)
            if not isinstance(item, yaml.ScalarNode):
                _walk(item, path, found)


def scalar_continuations(node: Any) -> set[int]:
    """0-based lines inside multi-line scalars (block scalars, folded or quoted strings)."""
    inside: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            first, last = current.start_mark.line, current.end_mark.line
            if last > first:
                inside.update(range(first + 1, last + 1))
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return inside


def line_of(found: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, else of its nearest ancestor that has one."""
    for cut in range(len(path), -1, -1):
        line = found.get(path[:cut])
        if line is not None:
            return line
    return None


_STR = "tag:yaml.org,2002:str"


class _NotStr(Exception):
    """A key that is not a string."""


def line_list(node: Any) -> list[int] | None:
    """The values of :func:`lines` in its order (the root, then every key and item, depth
    first): with :func:`paths` of the object built from ``node``, its keys. A tenth of the
    memory of the dict, for a document kept until it is written. None when a key is not a
    string (its path is its text, which the object's key may not be)."""
    if node is None:
        return None
    found = [node.start_mark.line]
    try:
        _in_order(node, found)
    except _NotStr:
        return None
    return found


def _in_order(node: Any, found: list[int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.tag != _STR:
                raise _NotStr
            found.append(key.start_mark.line)
            if not isinstance(value, yaml.ScalarNode):
                _in_order(value, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.append(item.start_mark.line)
            if not isinstance(item, yaml.ScalarNode):
                _in_order(item, found)


def paths(obj: Any) -> list[Path]:
    """Every path of ``obj`` (the root, then every key and item, depth first): the keys of
    :func:`line_list` of the node tree ``obj`` was built from."""
    found: list[Path] = [()]
    _paths(obj, (), found)
    return found


def _paths(value: Any, prefix: Path, found: list[Path]) -> None:
    if type(value) is dict:
        for key, item in value.items():
            path = (*prefix, key)
            found.append(path)
            if type(item) is dict or type(item) is list:
                _paths(item, path, found)
    elif type(value) is list:
        for index, item in enumerate(value):
            path = (*prefix, index)
            found.append(path)
            if type(item) is dict or type(item) is list:
                _paths(item, path, found)
