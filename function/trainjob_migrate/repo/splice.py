"""Rewrite a document with the fewest byte changes: only the values that differ are rewritten.

For containers of jobs (``containers/``): a Katib Experiment whose trial template became a
TrainJob, a ConfigMap whose YAML string did, keep everything else as written. Values are
compared along both objects; where they differ, the value's node in the original text is
replaced: a string keeps its style (a block scalar stays a block scalar with the same header
and indentation; a quoted one keeps its quotes), a block map or list is written as block
YAML at the node's column. The edits are spliced in from the end backwards, as pre-commit's
``yaml_rewrite`` does.
"""

from __future__ import annotations

import re

import yaml

from trainjob_migrate import yamlio
from trainjob_migrate.errors import InputError

TYPE_CHECKING = False  # no typing at start-up (tests/test_startup_cli.py)
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

_HEADER: Final = re.compile(r"[|>][0-9+-]*")

Edit: TypeAlias = "tuple[int, int, str]"


def splice(text: str, old: Any, new: Any) -> str | None:
    """``text`` (the YAML of ``old``) rewritten to hold ``new``; None: not possible here."""
    try:
        node = yamlio.compose(text)
    except InputError:
        return None
    edits: list[Edit] = []
    if node is None or not _diff(text, node, old, new, edits, yamlio.indents_lists(text)):
        return None
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _diff(text: str, node: Any, old: Any, new: Any, edits: list[Edit], wide: bool) -> bool:
    if old == new and type(old) is type(new):
        return True
    if _same_keys(node, old, new):
        by_key = {str(k.value): v for k, v in node.value}
        return all(
            key in by_key and _diff(text, by_key[key], old[key], new[key], edits, wide)
            for key in old
        )
    if _same_length(node, old, new):
        return all(
            _diff(text, n, o, v, edits, wide) for n, o, v in zip(node.value, old, new, strict=True)
        )
    if isinstance(node, yaml.ScalarNode) and isinstance(old, str) and isinstance(new, str):
        edit = _string(text, node, new)
        if edit is not None:
            edits.append(edit)
            return True
    edit = _replace(text, node, new, wide)
    if edit is None:
        return False
    edits.append(edit)
    return True


def _same_keys(node: Any, old: Any, new: Any) -> bool:
    """Two maps with the same keys in the same order, and the node of the first."""
    return (
        isinstance(node, yaml.MappingNode)
        and isinstance(old, dict)
        and isinstance(new, dict)
        and list(old) == list(new)
    )


def _same_length(node: Any, old: Any, new: Any) -> bool:
    return (
        isinstance(node, yaml.SequenceNode)
        and isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new) == len(node.value)
    )


def _line_indent(text: str, index: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    line = text[start:index]
    return len(line) - len(line.lstrip(" "))


def _string(text: str, node: Any, new: str) -> Edit | None:
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style
    if style in ("|", ">"):
        return _block(text, start, new)
    if style == '"' or (style == "'" and "\n" in new):
        return start, end, _json_dumps(new)
    if style == "'":
        return start, end, "'" + new.replace("'", "''") + "'"
    if "\n" in new:  # a plain scalar that now spans lines: a literal block
        indent = " " * (_line_indent(text, start) + 2)
        chomp = "" if new.endswith("\n") and not new.endswith("\n\n") else "-"
        if new.endswith("\n\n") or new[:1] in (" ", "\t"):
            return start, end, _json_dumps(new)
        body = "\n".join(indent + line if line else "" for line in new.rstrip("\n").split("\n"))
        return start, end, f"|{chomp}\n{body}"
    written = yamlio.dump({"k": new}).removeprefix("k: ").rstrip("\n")
    return start, end, written


def _block(text: str, start: int, new: str) -> Edit | None:
    """A block scalar's content replaced, its header and indentation kept (a new header only
    when the chomping must change)."""
    header_end = text.find("\n", start)
    if header_end < 0:
        return None
    header_match = _HEADER.match(text, start)
    if header_match is None:
        return None
    header = header_match.group(0)
    if text[header_match.end() : header_end].strip() not in ("",) and not text[
        header_match.end() : header_end
    ].strip().startswith("#"):
        return None
    content_start = header_end + 1
    indent = None
    cursor = content_start
    last_end = content_start
    while cursor < len(text):
        line_end = text.find("\n", cursor)
        line_end = len(text) if line_end < 0 else line_end + 1
        line = text[cursor:line_end]
        if line.strip():
            width = len(line) - len(line.lstrip(" "))
            if indent is None:
                indent = width
            if width < indent:
                break
            last_end = line_end
        cursor = line_end
    if indent is None or new.endswith("\n\n") or new[:1] in (" ", "\t") or "\t" in header:
        return None
    chomp = "" if new.endswith("\n") else "-"
    digits = "".join(c for c in header[1:] if c.isdigit())
    new_header = header[0] + digits + chomp
    if new_header.rstrip("-") == header.rstrip("-+") and chomp == "".join(
        c for c in header[1:] if c in "-+"
    ):
        new_header = header
    pad = " " * indent
    body = "".join((pad + line if line else "") + "\n" for line in new.rstrip("\n").split("\n"))
    if last_end == len(text) and not text.endswith("\n"):
        body = body.rstrip("\n")
    return start, last_end, new_header + text[header_match.end() : header_end + 1] + body


def _replace(text: str, node: Any, new: Any, wide: bool) -> Edit | None:
    """A node replaced by ``new`` written as YAML at its place."""
    start, end = node.start_mark.index, node.end_mark.index
    block = isinstance(new, dict | list) and new and not getattr(node, "flow_style", False)
    if isinstance(node, yaml.ScalarNode) or not block:
        if isinstance(new, dict | list):
            flow = yaml.safe_dump(new, default_flow_style=True, width=1 << 20, sort_keys=False)
            return start, end, flow.rstrip("\n")
        written = yamlio.dump({"k": new}).removeprefix("k: ").rstrip("\n")
        if "\n" in written:
            return None
        return start, end, written
    # a block collection: from its first item to the end of its last content line
    end = _content_end(text, start, end)
    column = node.start_mark.column
    dumped = yamlio.dump(new, indent_lists=wide).rstrip("\n").split("\n")
    lines = [dumped[0], *[(" " * column + line) if line else "" for line in dumped[1:]]]
    return start, end, "\n".join(lines)


def _content_end(text: str, start: int, end: int) -> int:
    """The end of the last line of a node's span that holds content (not blank, no comment)."""
    span = text[start:end]
    lines = span.split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    return start + len("\n".join(lines))


def _json_dumps(value: Any) -> str:
    import json  # only to rewrite a JSON scalar (start-up time of check and convert)

    return json.dumps(value, ensure_ascii=False)
