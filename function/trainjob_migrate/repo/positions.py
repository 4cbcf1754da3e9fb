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
