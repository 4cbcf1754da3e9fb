"""Jobs written as strings (a YAML or JSON document in a ConfigMap value, an Argo manifest):
read one, and write its replacement back in the style it was written in.

A YAML string comes back as block-style YAML (lists indented as the string indented them); a
JSON string as JSON, compact or indented as it was. How the string sits in its file (block
scalar, quotes) is the repository writer's business (``repo/splice.py``).
"""

from __future__ import annotations

import re

from trainjob_migrate import sources, yamlio
from trainjob_migrate.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

#: a string that names a job kind as a ``kind`` (YAML or JSON): worth parsing
_MENTIONS: Final = re.compile(
    rf"""(^|[{{,\s])["']?kind["']?\s*:\s*["']?({"|".join(sources.KINDS)})\b""", re.MULTILINE
)
_JSON_INDENT: Final = re.compile(r"^\{\s*\n( +)\S", re.MULTILINE)


def mentions_job(text: str) -> bool:
    """Whether ``text`` may hold a job (cheap: most strings are not parsed)."""
    return "kind" in text and _MENTIONS.search(text) is not None


def is_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def parse(text: str) -> Any:
    """The object a string holds; raises :class:`InputError` when it is not YAML (or JSON)."""
    if is_json(text):
        import json  # only a JSON string needs it (the fn start-up path does without)

        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise InputError(f"not valid JSON: {exc}") from exc
    return yamlio.load(text)


def write(obj: Any, like: str) -> str:
    """``obj`` written the way ``like`` (the string it replaces) was written."""
    if is_json(like):
        import json

        indent_match = _JSON_INDENT.search(like)
        indent = len(indent_match.group(1)) if indent_match else None
        compact = indent is None and ", " not in like and ": " not in like
        separators = (",", ":") if compact else None
        text = json.dumps(obj, indent=indent, separators=separators, ensure_ascii=False)
    else:
        text = yamlio.dump(obj, indent_lists=yamlio.indents_lists(like))
        if like.startswith("---"):
            text = "---\n" + text
    if like.endswith("\n") and not text.endswith("\n"):
        text += "\n"
    elif not like.endswith("\n"):
        text = text.rstrip("\n")
    return text
