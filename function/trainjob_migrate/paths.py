"""Field paths: tuples of keys and list indexes, printed the way KRM results name fields.

``("spec", "trainer", "env", 0, "value")`` prints as ``spec.trainer.env[0].value``;
map keys holding dots or slashes print in brackets: ``metadata.labels[app.kubernetes.io/name]``.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping

from trainjob_migrate import lazy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    out: list[str] = []
    for part in path:
        if isinstance(part, int) or "." in part or "/" in part or not part:
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


def leaves(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every leaf under ``value``: scalars, and empty maps and lists (they carry meaning too)."""
    if isinstance(value, Mapping):
        if not value:
            yield prefix
        for key, child in value.items():
            yield from leaves(child, (*prefix, str(key)))
    elif isinstance(value, list):
        if not value:
            yield prefix
        for index, child in enumerate(value):
            yield from leaves(child, (*prefix, index))
    else:
        yield prefix


def leaves_outside(value: Any, skip: Container[Path], prefix: Path = ()) -> Iterator[Path]:
    """:func:`leaves`, in the same order, but none at or below a path in ``skip`` (the root
    itself is never skipped): what is under a skipped path is not even walked."""
    if prefix and prefix in skip:
        return
    if isinstance(value, (dict, Mapping)):  # dict first: the Mapping check is slow
        if not value:
            yield prefix
        for key, child in value.items():
            yield from leaves_outside(child, skip, (*prefix, str(key)))
    elif isinstance(value, list):
        if not value:
            yield prefix
        for index, child in enumerate(value):
            yield from leaves_outside(child, skip, (*prefix, index))
    else:
        yield prefix


def get(value: Any, path: Path, default: Any = None) -> Any:
    """The value at ``path``, or ``default`` where any step is missing or of the wrong type."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return default
        elif not isinstance(value, (dict, Mapping)) or part not in value:
            return default  # (dict first: the Mapping check is slow, and nearly never needed)
        value = value[part]
    return value


_TOKEN = lazy.pattern(r"\[([^\]]*)\]|([^.\[\]]+)")


def parse_path(text: str) -> Path:
    """The inverse of :func:`format_path` (``[3]`` is an index, ``[a.b/c]`` a key)."""
    out: list[str | int] = []
    for bracketed, plain in _TOKEN.findall(text):
        if plain:
            out.append(plain)
        elif bracketed.isdigit():
            out.append(int(bracketed))
        else:
            out.append(bracketed)
    return tuple(out)
