"""The ``results`` of a ResourceList as YAML, without PyYAML's generic representer.

A result has a fixed shape (``Result.to_dict``: message, severity, resourceRef, field.path,
file, tags), and nearly every string in it is one libyaml writes plain: such an entry is
formatted here directly, five times faster than the representer and emitter (a 10,000-job
run writes about 40,000 results). An entry holding any other string (a quote, a line break,
a word YAML reads as a boolean, a leading digit, non-ASCII...) is written by
``yamlio.dump``, as all of them were before: the bytes are the same either way
(tests/test_results_yaml.py compares the two on the golden corpus and on random strings).
"""

from __future__ import annotations

from trainjob_migrate import yamlio

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `fn` does without the typing module
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.results import Result

#: strings libyaml writes plain in a block mapping value, under yamlio's representer: printable
#: ASCII starting with a letter, ``_`` or ``/`` (no indicator, and no implicit type but the
#: booleans and nulls of ``yamlio._AMBIGUOUS``, checked apart), with no ``: `` or `` #``, not
#: ending in ``:`` or a space. A conservative subset: anything else takes the slow path.
#: (The pattern ``[A-Za-z_/](?:(?!: | #)[ -~])*(?<![: ])``, told by :func:`_plain_shape`
#: without compiling it at every start.)
_PLAIN_FIRST: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_/")
#: far below the emitter's line width (yamlio: 2**20), past which a plain scalar would fold
_LONGEST: Final = 1 << 16
#: string -> whether it is written plain (the same kinds, rules and names recur)
_plain_cache: dict[str, bool] = {}


def _is_plain(value: str) -> bool:
    known = _plain_cache.get(value)
    if known is None:
        known = len(value) <= _LONGEST and _plain_shape(value) and not yamlio.ambiguous(value)
        if len(_plain_cache) < 4096:
            _plain_cache[value] = known
    return known


def _plain_shape(value: str) -> bool:
    # isascii and isprintable: every character is one of " " to "~"
    return (
        value[:1] in _PLAIN_FIRST
        and value.isascii()
        and value.isprintable()
        and ": " not in value
        and " #" not in value
        and value[-1] not in (":", " ")
    )


def dump_results(results: list[Result], open_ended: bool = False) -> str:
    """``results:`` and its entries: the bytes ``yamlio.dump({"results": ...})`` writes.

    ``open_ended``: the last block scalar the document wrote before was kept (``|+``). libyaml
    ends a document with ``...`` when its last block scalar (``|``) is kept, wherever it is."""
    parts = ["results:\n"]
    for result in results:
        entry = result.to_dict()
        text = _entry(entry)
        if text is None:  # a string the fast path does not write: the generic writer
            text = yamlio.dump([entry])
            if text.endswith("\n...\n"):
                open_ended = True
                text = text[: -len("...\n")]
            elif open_ended and "\\n" in repr(entry):  # a line break in a string
                # a block scalar that is not kept closes the document: did the entry write one?
                open_ended = yamlio.dump([_KEPT, entry]).endswith("\n...\n")
        parts.append(text)
    if open_ended:
        parts.append("...\n")
    return "".join(parts)


#: an entry whose block scalar is kept (``|+``)
_KEPT: Final = {"kept": "\n\n"}
_quoted_cache: dict[tuple[str, str], str | None] = {}


def _quoted(key: str, value: str) -> str | None:
    """``key: 'value'`` (quoted, folded at the emitter's width) as the generic writer writes it
    at an entry's level, or None for a value with a line break (block scalars may end the
    document open). The same message recurs on every job: each is emitted once."""
    if "\n" in value or "\r" in value or len(value) > _LONGEST:
        return None
    if (key, value) in _quoted_cache:
        return _quoted_cache[(key, value)]
    text = yamlio.dump([{key: value}])  # "- key: ...": the entry's column, as here
    found = None if text.endswith("\n...\n") else text[2:]
    if len(_quoted_cache) < 4096:
        _quoted_cache[(key, value)] = found
    return found


def _entry(entry: dict[str, Any]) -> str | None:
    """One ``- message: ...`` entry, or None when a value is not a plain string or int."""
    lines: list[str] = []
    prefix = "- "
    for key, value in entry.items():
        if type(value) is dict and value:
            lines.append(f"{prefix}{key}:\n")
            for sub_key, sub_value in value.items():
                if not (
                    type(sub_value) is int or (type(sub_value) is str and _is_plain(sub_value))
                ):
                    return None
                lines.append(f"    {sub_key}: {sub_value}\n")
        elif type(value) is str and _is_plain(value):
            lines.append(f"{prefix}{key}: {value}\n")
        elif type(value) is str and (quoted := _quoted(key, value)) is not None:
            lines.append(prefix + quoted)
        else:
            return None
        prefix = "  "
    return "".join(lines)
