"""Find the values a CRD schema path names in an object (``[]``: every item, ``{}``: every value)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from trainjob_migrate.paths import Path


def matches(obj: Any, pattern: Sequence[str], prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    if not pattern:
        yield prefix, obj
        return
    head, rest = pattern[0], pattern[1:]
    if head == "[]":
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from matches(item, rest, (*prefix, i))
    elif head == "{}":
        if isinstance(obj, Mapping):
            for key, value in obj.items():
                yield from matches(value, rest, (*prefix, str(key)))
    elif isinstance(obj, Mapping) and head in obj:
        yield from matches(obj[head], rest, (*prefix, head))
