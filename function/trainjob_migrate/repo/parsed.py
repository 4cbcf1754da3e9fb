"""What reading one file of a repository gives (:class:`Parsed`), and its form between the two
processes that read a large repository (``repo/parallel.py``): marshal of plain values,
several times faster than pickle, and keeping shared parts shared as an alias made them.
"""

from __future__ import annotations

import marshal

from trainjob_migrate.records import Record
from trainjob_migrate.repo.documents import Document, SourceText
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


class Parsed(Record):
    """What reading one file gives, in the order it was found (a pure function of the file)."""

    __slots__ = ("source", "status", "reason", "entries", "again")
    source: SourceText | None
    status: str | None  # the file's new status, if reading changed it
    reason: str
    #: file results, and documents read: (document, object, where its fields are)
    entries: list[Result | tuple[Document, Obj, bytes | None]]
    #: ``source`` is the file's bytes decoded, nothing more: not kept (see engine._Texts)
    again: bool

    def __init__(
        self,
        source: SourceText | None,
        status: str | None = None,
        reason: str = "",
        entries: list[Result | tuple[Document, Obj, bytes | None]] | None = None,
        again: bool = False,
    ) -> None:
        self.source = source
        self.status = status
        self.reason = reason
        self.entries = [] if entries is None else entries
        self.again = again


def pack(parsed: list[Parsed]) -> bytes:
    """What reading gives, for another process: marshal (several times faster than pickle;
    it keeps shared parts shared, as an alias made them) of plain values."""
    return marshal.dumps(
        [
            (
                None
                if p.source is None or p.again
                else (p.source.text, p.source.bom, p.source.crlf),
                p.again,
                p.status,
                p.reason,
                [
                    _pack_result(e) if isinstance(e, Result) else (_pack_document(e[0]), *e[1:])
                    for e in p.entries
                ],
            )
            for p in parsed
        ]
    )


def unpack(data: bytes) -> list[Parsed]:
    return [
        Parsed(
            None if source is None else SourceText(*source),
            status,
            reason,
            # a packed result has six parts, a packed document three
            [_unpack_result(e) if len(e) == 6 else (Document(*e[0]), *e[1:]) for e in entries],
            again,
        )
        for source, again, status, reason, entries in marshal.loads(data)
    ]


def _pack_document(d: Document) -> tuple[int, ...]:
    return (d.index, d.start, d.end, d.body_start, d.body_end, d.first_line, d.body_line)


def _pack_result(r: Result) -> tuple[Any, ...]:
    resource = r.resource
    return (
        r.message,
        r.severity.value,
        r.rule,
        None
        if resource is None
        else (
            resource.api_version,
            resource.kind,
            resource.name,
            resource.namespace,
            resource.generate_name,
        ),
        r.field,
        None if r.file is None else (r.file.path, r.file.index, r.file.line),
    )


def _unpack_result(packed: tuple[Any, ...]) -> Result:
    message, severity, rule, resource, field, file = packed
    return Result(
        message,
        Severity(severity),
        rule,
        None if resource is None else ResourceRef(*resource),
        field,
        None if file is None else FileRef(*file),
    )
