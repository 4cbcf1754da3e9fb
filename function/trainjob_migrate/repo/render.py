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
