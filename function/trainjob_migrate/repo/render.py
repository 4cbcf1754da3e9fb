"""Write a converted document as its file writes lists, fast; and compose documents already read.

A file that indents lists under their key (``key:\\n  - item``, kubectl's style) gets its
converted documents in that style: ``yamlio.dump(..., indent_lists=True)``, PyYAML's
pure-Python emitter, five times slower than libyaml, which cannot write it. Here libyaml
writes the text, and every block list that is a map's value is moved two columns right,
with everything inside it: the lines to move come from the text's own node tree, which
also gives the line of every field (moving changes no line). The result is the pure-Python
emitter's text, byte for byte (``tests/repo/test_render.py`` checks that on random data);
a text with a line break YAML counts but ``\\n`` splitting does not is left to it.
"""

from __future__ import annotations

import re

import yaml

from trainjob_migrate import yamlio
from trainjob_migrate.paths import Path
from trainjob_migrate.templates import Quoted

TYPE_CHECKING = False  # no typing at start-up (tests/test_startup_cli.py)
if TYPE_CHECKING:
    from typing import Any, Final

_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
_STR: Final = "tag:yaml.org,2002:str"


class _PositionLoader(_CSafeLoader or yaml.SafeLoader):  # type: ignore[misc]  # untyped
    """libyaml's composer without resolving tags (every node is a ``str``): for positions."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:  # noqa: ARG002
        return _STR


_ComposeLoader: Any = _PositionLoader if _CSafeLoader is not None else None
#: Strings both emitters write alike: printable characters of the Basic Multilingual Plane
#: and ``\n`` (libyaml escapes characters beyond it, the pure-Python emitter does not; they
#: treat other line breaks and BOMs differently).
#: compiled on first use (re caches it): a millisecond of every start of check and convert
_PLAIN_TEXT: Final = "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*"
#: Keys both write as simple keys: the pure-Python emitter writes an empty key as ``? ''``,
#: and a key as ``? key`` from 123 characters on (128 with its tag), libyaml from 129.
_MAX_KEY: Final = 100


def compose_read(text: str) -> Any:
    """``yamlio.compose(text)`` for a document this run wrote, or already read with ``yamlio``
    (so within its limits on depth, aliases and tags), for the positions of its nodes (their
    tags are not resolved): libyaml's composer, three times as fast."""
    if _ComposeLoader is not None:
        try:
            return yaml.compose(text, Loader=_ComposeLoader)
        except yaml.YAMLError:
            pass  # yamlio says what is wrong, in its words
    return yamlio.compose(text)


def dump(data: Any, *, indent_lists: bool) -> tuple[str, Any]:
    """``yamlio.dump(data, indent_lists=...)``, and the text's node tree when it was composed."""
    text = yamlio.dump(data)
    if not indent_lists:
        return text, None
    if _ComposeLoader is None or not _written_alike(data):
        return yamlio.dump(data, indent_lists=True), None
    node = compose_read(text)
    return _indent_lists(text, node), node


def _written_alike(data: Any) -> bool:
    """Whether libyaml writes ``data`` as the pure-Python emitter does (but for indentation)."""
    stack = [data]
    plain = re.compile(_PLAIN_TEXT).fullmatch
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            # a kept block scalar (``|+``, ending in a blank line) ends the document with
            # ``...`` in libyaml's text when anything follows it, not in the other's
            if not plain(value) or value.endswith("\n\n") or value == "\n":
                return False
        elif isinstance(value, dict):
            for key, item in value.items():
                if not (
                    isinstance(key, str)
                    and 0 < len(key) < _MAX_KEY
                    and "\n" not in key
                    and plain(key)
                ):
                    return False
                stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return True


def _indent_lists(text: str, node: Any) -> str:
    """``text`` with each block list that is a map's value (and all in it) two columns right."""
    lines = text.split("\n")
    delta = [0] * (len(lines) + 1)
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for _, value in current.value:
                if isinstance(value, yaml.SequenceNode) and not value.flow_style:
                    # from its first item's line to the line of whatever follows it
                    delta[value.start_mark.line] += 2
                    delta[value.end_mark.line] -= 2
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    shift = 0
    for number, line in enumerate(lines):
        shift += delta[number]
        if shift and line:
            lines[number] = " " * shift + line
    return "\n".join(lines)


# -- the writer: a converted document written here in one pass, with its fields' lines --

#: a scalar (or key) on one line as the generic writer writes it, and whether both emitters
#: write it alike, by (type, value); None: not on one line (a block scalar), or not a scalar
_scalars: dict[tuple[type, Any], tuple[str | None, bool]] = {}
#: a multi-line string as a block scalar: its header (``|``, ``|-``, ``|2-``...) and lines,
#: two columns in; None: written otherwise (left to the generic writer)
_blocks: dict[tuple[type, str], tuple[str, list[str]] | None] = {}
#: how many of each are remembered (names, images, rule messages recur from job to job)
_CACHED: Final = 1 << 16
#: written plain without asking the emitter: results_yaml's subset (printable ASCII from a
#: letter, ``_`` or ``/``, no ``: `` or `` #``, not ending in ``:`` or a space) that is no
#: word YAML reads as something else (``yamlio.ambiguous``)
_SIMPLE: Final = "[A-Za-z_/](?:(?!: | #)[ -~])*(?<![: ])"
#: far below the emitter's line width (yamlio: 2**20), past which a scalar would fold
_LONGEST: Final = 1 << 16


class _NotHere(Exception):
    """Something the writer leaves to the generic one."""


def write(data: Any, *, indent_lists: bool) -> tuple[str, dict[Path, int]] | None:
    """``yamlio.dump(data, indent_lists=...)``, written here in one pass, and the 0-based line
    of every field (``positions.lines`` of its node tree), or None for what it leaves to
    :func:`dump`: anything but a non-empty map of maps, lists, strings, numbers, booleans and
    nulls; a list in a list; a key or string the two emitters may write apart (as
    :func:`_written_alike`); a kept block scalar."""
    if type(data) is not dict or not data:
        return None
    out: list[str] = []  # one line each: a field's line is the count before it
    found: dict[Path, int] = {(): 0}
    try:
        _map(data, "", (), out, found, "  " if indent_lists else "", indent_lists)
    except _NotHere:
        return None
    return "".join(out), found


def _map(
    data: dict[Any, Any],
    indent: str,
    path: Path,
    out: list[str],
    found: dict[Path, int],
    shift: str,
    alike: bool,
    lead: str | None = None,
) -> None:
    """A non-empty map's entries at ``indent``, the first after ``lead`` (a list item's dash)."""
    for key, value in data.items():
        if type(key) is not str or not 0 < len(key) < _MAX_KEY or not key.isprintable():
            raise _NotHere  # a simple key, on one line (no line break YAML counts)
        at = (*path, key)
        found[at] = len(out)
        head = f"{indent if lead is None else lead}{_scalar(key, alike)}:"
        lead = None
        kind = type(value)
        if kind is dict:
            if value:
                out.append(head + "\n")
                _map(value, indent + "  ", at, out, found, shift, alike)
            else:
                out.append(head + " {}\n")
        elif kind is list:
            if value:
                out.append(head + "\n")
                _list(value, indent + shift, at, out, found, shift, alike)
            else:
                out.append(head + " []\n")
        elif kind is str and "\n" in value:
            _block(value, head + " ", indent + "  ", out, alike)
        else:
            out.append(f"{head} {_scalar(value, alike)}\n")


def _list(
    data: list[Any],
    indent: str,
    path: Path,
    out: list[str],
    found: dict[Path, int],
    shift: str,
    alike: bool,
) -> None:
    """A non-empty list's items, their dashes at ``indent``."""
    dash, inner = indent + "- ", indent + "  "
    for index, value in enumerate(data):
        at = (*path, index)
        found[at] = len(out)
        kind = type(value)
        if kind is dict:
            if value:
                _map(value, inner, at, out, found, shift, alike, dash)
            else:
                out.append(dash + "{}\n")
        elif kind is list:
            if value:
                raise _NotHere  # a list in a list: rare in a manifest
            out.append(dash + "[]\n")
        elif kind is str and "\n" in value:
            _block(value, dash, inner, out, alike)
        else:
            out.append(f"{dash}{_scalar(value, alike)}\n")


def _scalar(value: Any, alike: bool) -> str:
    """A scalar (a key, or a value on one line) as the generic writer writes it."""
    key = (type(value), value)
    known = _scalars.get(key)
    if known is None:
        known = _one_line(value)
        if len(_scalars) < _CACHED and key[0] is not float:  # -0.0 == 0.0: not a key
            _scalars[key] = known
    written, both = known
    if written is None or (alike and not both):
        raise _NotHere
    return written


def _one_line(value: Any) -> tuple[str | None, bool]:
    kind = type(value)
    if kind is bool:
        return ("true" if value else "false"), True
    if value is None:
        return "null", True
    if kind is str or kind is Quoted:
        if len(value) > _LONGEST or "\n" in value:
            return None, False
        both = re.compile(_PLAIN_TEXT).fullmatch(value) is not None
        if kind is str and re.fullmatch(_SIMPLE, value) and not yamlio.ambiguous(value):
            return value, both
    elif kind is not int and kind is not float:
        return None, False
    else:
        both = True
    text = yamlio.dump([value])
    if not text.startswith("- ") or text.find("\n") != len(text) - 1:
        return None, False
    return text[2:-1], both


def _block(value: str, head: str, indent: str, out: list[str], alike: bool) -> None:
    """A multi-line string as a block scalar after ``head``, its lines at ``indent``."""
    if value.endswith("\n\n") or value == "\n":
        raise _NotHere  # kept (``|+``): the emitter may end the document with ``...``
    if alike and not re.compile(_PLAIN_TEXT).fullmatch(value):
        raise _NotHere
    key = (type(value), value)
    if key in _blocks:
        known = _blocks[key]
    else:
        known = _block_lines(value)
        if len(_blocks) < _CACHED:
            _blocks[key] = known
    if known is None:
        raise _NotHere
    header, lines = known
    out.append(f"{head}{header}\n")
    out.extend(f"{indent}{line}\n" if line else "\n" for line in lines)


def _block_lines(value: str) -> tuple[str, list[str]] | None:
    text = yamlio.dump({"k": value})
    if not text.startswith("k: |") or text.endswith("\n...\n"):
        return None
    header, *lines = text[len("k: ") : -1].split("\n")
    if any(line and not line.startswith("  ") for line in lines):
        return None
    return header, [line[2:] for line in lines]
