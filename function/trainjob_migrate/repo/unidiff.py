"""A unified diff of a manifest file in near-linear time: aligned document by document.

The conversion replaces documents whole and keeps the others byte for byte, in order, so
the two texts are cut into documents (a ``---``/``...`` line starts one) and aligned on
the documents that appear once in each (their longest increasing run, as patience diff
does); the documents between two such anchors are paired one to one, and only a pair (or
a small group) is diffed line by line with ``difflib``. ``difflib`` over a whole file is
quadratic: 4,000 jobs in one file took 96 s. A document too large to diff line by line
(a ``kind: List`` export) is shown replaced whole. The output has ``difflib.unified_diff``'s
format (headers, hunks, three lines of context).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterator, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: a pair (or group) of documents up to this many lines a side is diffed line by line
SMALL: Final = 2000
_MARKER: Final = re.compile(r"(---|\.\.\.)(\s|$)")

Opcode = tuple[str, int, int, int, int]


def unified(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int = 3
) -> Iterator[str]:
    """``difflib.unified_diff(a, b, fromfile, tofile, n=n)``'s format, in near-linear time."""
    started = False
    for group in _grouped(_opcodes(a, b), n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            for line in a[i1:i2]:
                yield "-" + line
            for line in b[j1:j2]:
                yield "+" + line


def _segments(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Line ranges of the documents: a marker line starts a new one."""
    starts = [0] + [n for n in range(1, len(lines)) if _MARKER.match(lines[n])]
    ends = [*starts[1:], len(lines)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e > s]


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    sa, sb = _segments(a), _segments(b)
    ka = ["".join(a[s:e]) for s, e in sa]
    kb = ["".join(b[s:e]) for s, e in sb]
    out: list[Opcode] = []
    i = j = 0
    for ai, bj in [*_anchors(ka, kb), (len(ka), len(kb))]:
        _gap(a, b, sa, sb, ka, kb, (i, ai), (j, bj), out)
        if ai < len(ka):
            _emit(out, ("equal", *sa[ai], *sb[bj]))
        i, j = ai + 1, bj + 1
    return out


def _anchors(ka: list[str], kb: list[str]) -> list[tuple[int, int]]:
    """Pairs of documents that appear once in each text, their longest increasing run."""
    count_a: dict[str, int] = {}
    for key in ka:
        count_a[key] = count_a.get(key, 0) + 1
    where_b: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for n, key in enumerate(kb):
        count_b[key] = count_b.get(key, 0) + 1
        where_b[key] = n
    pairs = [
        (n, where_b[key]) for n, key in enumerate(ka) if count_a[key] == 1 and count_b.get(key) == 1
    ]
    # longest increasing subsequence of the b positions (O(n log n))
    tails: list[int] = []  # b position ending the best run of each length
    tail_at: list[int] = []  # index in pairs of that end
    back: list[int] = []
    for index, (_, bj) in enumerate(pairs):
        k = bisect.bisect_left(tails, bj)
        if k == len(tails):
            tails.append(bj)
            tail_at.append(index)
        else:
            tails[k] = bj
            tail_at[k] = index
        back.append(tail_at[k - 1] if k else -1)
    run: list[tuple[int, int]] = []
    at = tail_at[-1] if tail_at else -1
    while at >= 0:
        run.append(pairs[at])
        at = back[at]
    return run[::-1]


def _gap(
    a: Sequence[str],
    b: Sequence[str],
    sa: list[tuple[int, int]],
    sb: list[tuple[int, int]],
    ka: list[str],
    kb: list[str],
    span_a: tuple[int, int],
    span_b: tuple[int, int],
    out: list[Opcode],
) -> None:
    """The documents between two anchors: equal ends kept, the rest paired or grouped."""
    i1, i2 = span_a
    j1, j2 = span_b
    head: list[Opcode] = []
    while i1 < i2 and j1 < j2 and ka[i1] == kb[j1]:
        head.append(("equal", *sa[i1], *sb[j1]))
        i1, j1 = i1 + 1, j1 + 1
    tail: list[Opcode] = []
    while i1 < i2 and j1 < j2 and ka[i2 - 1] == kb[j2 - 1]:
        tail.append(("equal", *sa[i2 - 1], *sb[j2 - 1]))
        i2, j2 = i2 - 1, j2 - 1
    for code in head:
        _emit(out, code)
    if i2 - i1 == j2 - j1:
        for n in range(i2 - i1):
            _lines(a, b, sa[i1 + n], sb[j1 + n], out)
    elif i1 < i2 or j1 < j2:
        start_a = sa[i1][0] if i1 < i2 else (sa[i1 - 1][1] if i1 else 0)
        start_b = sb[j1][0] if j1 < j2 else (sb[j1 - 1][1] if j1 else 0)
        end_a = sa[i2 - 1][1] if i1 < i2 else start_a
        end_b = sb[j2 - 1][1] if j1 < j2 else start_b
        _lines(a, b, (start_a, end_a), (start_b, end_b), out)
    for code in reversed(tail):
        _emit(out, code)


def _lines(
    a: Sequence[str],
    b: Sequence[str],
    span_a: tuple[int, int],
    span_b: tuple[int, int],
    out: list[Opcode],
) -> None:
    (a1, a2), (b1, b2) = span_a, span_b
    if a2 - a1 > SMALL or b2 - b1 > SMALL:  # too large to align line by line: replaced
        tag = "replace" if a2 > a1 and b2 > b1 else ("delete" if a2 > a1 else "insert")
        _emit(out, (tag, a1, a2, b1, b2))
        return
    matcher = difflib.SequenceMatcher(None, a[a1:a2], b[b1:b2], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        _emit(out, (tag, a1 + i1, a1 + i2, b1 + j1, b1 + j2))


def _emit(out: list[Opcode], code: Opcode) -> None:
    """Append, merging with the last code when both are equal runs (as difflib's are)."""
    if code[1] == code[2] and code[3] == code[4]:
        return
    if out and out[-1][0] == code[0] == "equal" and out[-1][2] == code[1]:
        last = out[-1]
        out[-1] = ("equal", last[1], code[2], last[3], code[4])
        return
    out.append(code)


def _grouped(codes: list[Opcode], n: int) -> Iterator[list[Opcode]]:
    """``difflib.SequenceMatcher.get_grouped_opcodes``, on given opcodes."""
    if not codes:
        return
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        start_a, start_b = i1, j1
        if tag == "equal" and i2 - i1 > n + n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            start_a, start_b = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, start_a, i2, start_b, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    beginning, length = start + 1, stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"
