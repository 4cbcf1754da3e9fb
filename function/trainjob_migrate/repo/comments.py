"""Carry the comments of a converted document to the fields they belong to in its replacement.

A comment belongs to the field on the next content line (a block of comment lines)
or on its own line (a trailing comment). In the replacement it goes above, or after,
the field at the same path (``metadata.labels``), or the field whose value is the
very same list or map (``tolerations`` moved into a runtime patch). Comments whose
field has no place in the replacement are returned, so the caller can report them.
"""

from __future__ import annotations

from trainjob_migrate import yamlio
from trainjob_migrate.paths import format_path, get
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.repo import positions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.paths import Path


class Comment(Frozen):
    __slots__ = ("lines", "anchor", "trailing", "line", "outer")
    lines: tuple[str, ...]  # without indentation, each starting with '#'
    anchor: Path
    trailing: bool
    line: int  # 0-based line in the body where it was
    #: a trailing comment: the outermost field starting on its line (``containers[0]`` of
    #: ``- image: x  # c``), its place when the value it follows (``anchor``) has none
    outer: Path | None

    def __init__(
        self,
        lines: tuple[str, ...],
        anchor: Path,
        trailing: bool,
        line: int,
        outer: Path | None = None,
    ) -> None:
        init(self, lines, anchor, trailing, line, outer)


def extract(
    body: str,
    node: Any = None,
    found: dict[Path, int] | None = None,
    *,
    lines: dict[Path, int] | None = None,
    inside: set[int] | None = None,
) -> list[Comment]:
    """The comments inside a document body (the header above it is kept by position).

    ``node``: the body's node tree, when the caller has it; ``found``: its lines. Or, with
    no node at all, ``lines`` and ``inside``: the lines of its fields and the lines inside
    its multi-line scalars (:func:`positions.scalar_continuations`).
    """
    if lines is not None and inside is not None:
        found = lines
    else:
        if node is None:
            node = yamlio.compose(body)
        if found is None:
            found = positions.lines(node)
        inside = positions.scalar_continuations(node)
    by_line: dict[int, Path] = {}
    on_line: dict[int, list[Path]] = {}
    for path, line in sorted(found.items(), key=lambda item: len(item[0])):
        by_line.setdefault(line, path)  # the outermost field starting on the line
        on_line.setdefault(line, []).append(path)
    text_lines = body.split("\n")
    comments: list[Comment] = []
    pending: list[str] = []
    pending_line = 0
    for number, text_line in enumerate(text_lines):
        if number in inside:
            continue
        stripped = text_line.strip()
        if stripped.startswith("#"):
            if not pending:
                pending_line = number
            pending.append(stripped)
            continue
        if not stripped:
            continue
        anchor = by_line.get(number)
        if pending and anchor is not None:
            comments.append(Comment(tuple(pending), anchor, trailing=False, line=pending_line))
        pending = []
        trailing = _trailing_comment(text_line)
        if trailing and anchor is not None:
            inner = _item_key(on_line[number])
            comments.append(
                Comment(
                    (trailing,),
                    inner or anchor,
                    trailing=True,
                    line=number,
                    outer=anchor if inner else None,
                )
            )
    return comments


def _item_key(paths: list[Path]) -> Path | None:
    """``x[0].image`` of a line ``- image: $IMAGE  # c`` (the paths starting on it: the list
    item and its first key, a scalar): a trailing comment follows the value it ends, which may
    move (to spec.trainer.image) while the item does not (None: any other line)."""
    if len(paths) != 2:
        return None
    item, key = paths
    if item and isinstance(item[-1], int) and key[:-1] == item and isinstance(key[-1], str):
        return key
    return None


def _trailing_comment(line: str) -> str | None:
    """The ``# ...`` at the end of a content line, outside quotes."""
    if "#" not in line:
        return None
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and i > 0 and line[i - 1] in " \t":
            return line[i:].rstrip()
    return None


def transplant(
    comments: list[Comment],
    source: Mapping[str, Any],
    target: Mapping[str, Any],
    text: str,
    found: dict[Path, int] | None = None,
) -> tuple[str, list[Comment]]:
    """Insert ``comments`` (from ``source``) into ``text`` (the dump of ``target``).

    ``found``: the lines of ``text``'s fields, when the caller has them. Returns the new
    text and the comments that found no place.
    """
    if not comments:
        return text, []
    if found is None:
        found = positions.lines(yamlio.compose(text))
    moved = _Moved(target)
    lines = text.split("\n")
    above: dict[int, list[str]] = {}
    after: dict[int, str] = {}
    lost: list[Comment] = []
    for comment in comments:
        path = _place(comment.anchor, source, target, found, moved)
        at = found.get(path) if path is not None else None
        if at is None and comment.outer is not None:
            path = _place(comment.outer, source, target, found, moved)
            at = found.get(path) if path is not None else None
        if at is None:
            lost.append(comment)
        elif comment.trailing:
            if after.setdefault(at, comment.lines[0]) != comment.lines[0]:
                # a line ends in one comment: another, on a field that became the same one
                # (Master's and Worker's images), has no place of its own there
                lost.append(comment)
        elif not _holds(above.setdefault(at, []), comment.lines):
            # Master and Worker templates become one: the same comment on both is written once
            above[at].extend(comment.lines)
    out: list[str] = []
    for number, text_line in enumerate(lines):
        indent = text_line[: len(text_line) - len(text_line.lstrip(" "))]  # a list item: its dash
        out.extend(f"{indent}{c}" for c in above.get(number, []))
        out.append(f"{text_line}  {after[number]}" if number in after else text_line)
    return "\n".join(out), lost


#: the line above comments whose field the converted object no longer has
KEPT_NOTE: Final = (
    "# (trainjob-migrate: this comment was at {where} of the v1 job, which has no place of its "
    "own in the TrainJob)"
)


def keep_above(text: str, lost: list[Comment]) -> str:
    """``text`` with the comments that found no place in it (:func:`transplant`) above it,
    each after a note naming the field(s) it was on (the same comment on Master and Worker,
    whose templates became one, once): a commented-out setting is data a reviewer must see,
    not something to drop without a word."""
    if not lost:
        return text
    places: dict[tuple[str, ...], list[str]] = {}  # in the order of the file
    for comment in sorted(lost, key=lambda c: c.line):
        places.setdefault(comment.lines, []).append(format_path(comment.anchor) or "the top")
    out: list[str] = []
    for lines, where in places.items():
        out.append(KEPT_NOTE.format(where=" and ".join(dict.fromkeys(where))))
        out.extend(lines)
    return "\n".join([*out, text])


def _holds(placed: list[str], lines: tuple[str, ...]) -> bool:
    n = len(lines)
    return any(tuple(placed[i : i + n]) == lines for i in range(len(placed) - n + 1))


class _Moved:
    """Where the maps, lists and strings of a target are: each walk made once, when first needed
    (most comments stay at their own path)."""

    def __init__(self, target: Mapping[str, Any]) -> None:
        self._target = target
        self._containers: dict[int, Path] | None = None
        self._strings: list[tuple[Path, str]] | None = None
        self._values: list[tuple[Path, Any]] | None = None

    def container(self, value: Any) -> Path | None:
        if self._containers is None:
            self._containers = _containers(self._target)
        return self._containers.get(id(value))

    def equal(self, value: Any) -> Path | None:
        """The one map or list of the target equal to ``value`` (None: none, or several)."""
        if self._values is None:
            self._values = _values(self._target)
        places = [p for p, v in self._values if type(v) is type(value) and v == value]
        return places[0] if len(places) == 1 else None

    def strings(self) -> list[tuple[Path, str]]:
        if self._strings is None:
            self._strings = _strings(self._target)
        return self._strings


def _place(
    anchor: Path,
    source: Mapping[str, Any],
    target: Mapping[str, Any],
    found: dict[Path, int],
    moved: _Moved,
) -> Path | None:
    if anchor in found and get(target, anchor) is not None:
        return anchor
    value = get(source, anchor)
    if isinstance(value, dict | list) and value:
        # the very same map or list, else the one equal to it: a converter that copies (an
        # envsubst template's job is converted with samples and written back as a new tree)
        return moved.container(value) or moved.equal(value)
    if isinstance(value, str) and len(value) >= _DISTINCT:
        # a distinctive string that moved (the image into spec.trainer.image)
        places = [p for p, leaf in moved.strings() if leaf == value]
        return places[0] if len(places) == 1 else None
    return None


_DISTINCT: Final = 8


def _strings(obj: Any, prefix: Path = ()) -> list[tuple[Path, str]]:
    if isinstance(obj, dict):
        return [pair for k, v in obj.items() for pair in _strings(v, (*prefix, str(k)))]
    if isinstance(obj, list):
        return [pair for i, v in enumerate(obj) for pair in _strings(v, (*prefix, i))]
    return [(prefix, obj)] if isinstance(obj, str) else []


def _values(obj: Any, prefix: Path = ()) -> list[tuple[Path, Any]]:
    """Every non-empty map and list inside ``obj``, with its path."""
    found: list[tuple[Path, Any]] = []
    stack: list[tuple[Any, Path]] = [(obj, prefix)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict) and value:
            found.append((path, value))
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list) and value:
            found.append((path, value))
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return found


def _containers(obj: Any, prefix: Path = ()) -> dict[int, Path]:
    """id of every map and list inside ``obj`` -> its path (the first place it appears)."""
    found: dict[int, Path] = {}
    stack: list[tuple[Any, Path]] = [(obj, prefix)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            found.setdefault(id(value), path)
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            found.setdefault(id(value), path)
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return found
