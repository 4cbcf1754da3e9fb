"""Split a manifest file into YAML documents by position, so each can be replaced on its own.

The file's text is kept as read: a BOM and CRLF line endings are remembered and
restored on write; a document that is not converted is written back
byte-for-byte; a converted one has only its body (the lines from its first to its
last content line) replaced, so its ``---`` marker, the comments above it and a
trailing ``...`` stay.
"""

from __future__ import annotations

import itertools
import re

from trainjob_migrate.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

_set = object.__setattr__  # a Frozen record's fields are set in its __init__ (one a document)
_MARKER: Final = re.compile(r"^(---|\.\.\.)(\s|$)")
_BOM: Final = "\ufeff"


class Document(Frozen):
    __slots__ = ("index", "start", "end", "body_start", "body_end", "first_line", "body_line")
    index: int
    #: offsets into the file's normalised text: the whole document, markers included
    start: int
    end: int
    #: offsets of the body (first to last content line, the last line's newline included)
    body_start: int
    body_end: int
    #: 1-based line of ``start`` in the file
    first_line: int
    #: 1-based line of ``body_start`` in the file
    body_line: int

    def __init__(
        self,
        index: int,
        start: int,
        end: int,
        body_start: int,
        body_end: int,
        first_line: int,
        body_line: int,
    ) -> None:
        _set(self, "index", index)
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "body_start", body_start)
        _set(self, "body_end", body_end)
        _set(self, "first_line", first_line)
        _set(self, "body_line", body_line)

    def has_body(self) -> bool:
        return self.body_end > self.body_start


class SourceText(Frozen):
    """A file's text with ``\\n`` line endings and no BOM, and how to restore both."""

    __slots__ = ("text", "bom", "crlf")
    text: str
    bom: bool
    crlf: bool

    def __init__(self, text: str, bom: bool, crlf: bool) -> None:
        _set(self, "text", text)
        _set(self, "bom", bom)
        _set(self, "crlf", crlf)

    @classmethod
    def decode(cls, raw: bytes) -> SourceText:
        text = raw.decode("utf-8")
        bom = text.startswith(_BOM)
        if bom:
            text = text[1:]
        crlf = "\r\n" in text
        if crlf:
            text = text.replace("\r\n", "\n")
        return cls(text=text, bom=bom, crlf=crlf)

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ((_BOM if self.bom else "") + text).encode("utf-8")


def split(text: str) -> list[Document]:
    """The documents of ``text`` in order (a file without markers is one document)."""
    lines = text.splitlines(keepends=True)
    # line numbers (0-based) where a document starts
    starts = [n for n, line in enumerate(lines) if line.startswith("---") and _MARKER.match(line)]
    if starts and starts[0] == 0:
        del starts[0]
    bounds = [0, *starts, len(lines)]
    offsets = list(itertools.accumulate(map(len, lines), initial=0))
    docs: list[Document] = []
    for index, (first, last) in enumerate(itertools.pairwise(bounds)):
        # the body: from the first to the last content line (only those two are looked for)
        body_first = next((n for n in range(first, last) if _is_content(lines[n])), None)
        if body_first is None:
            body_first = body_last = first
        else:
            body_last = (
                next(n for n in range(last - 1, body_first - 1, -1) if _is_content(lines[n])) + 1
            )
        docs.append(
            Document(
                index=index,
                start=offsets[first],
                end=offsets[last],
                body_start=offsets[body_first],
                body_end=offsets[body_last],
                first_line=first + 1,
                body_line=body_first + 1,
            )
        )
    return docs


def _is_content(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if _MARKER.match(line):
        rest = line[3:].strip()
        return bool(rest) and not rest.startswith("#")  # "--- {a: 1}" carries content
    return True


def replace_bodies(text: str, docs: list[Document], bodies: dict[int, str]) -> str:
    """``text`` with the bodies of the documents in ``bodies`` (by index) replaced."""
    out: list[str] = []
    cursor = 0
    for doc in docs:
        if doc.index not in bodies:
            continue
        out.append(text[cursor : doc.body_start])
        body = bodies[doc.index]
        out.append(body if body.endswith("\n") else body + "\n")
        cursor = doc.body_end
    out.append(text[cursor:])
    return "".join(out)
