"""Convert the v1 jobs of many files at once, the way ``kpt fn eval`` would, with minimal edits.

Every document of every file becomes an item of one stream (tagged with its file
and position, as kpt tags them), the KRM pipeline converts the stream, and each
file is rebuilt: documents that came through unchanged keep their bytes, a
converted one gets the new object's YAML in place of its body, with the comments
that still have a field to sit on. Results get the file and line of the object or
field they are about.

Reading the files (parsing every document) and rendering them (writing the converted
documents, finding the lines of results) are done per file or document, by two processes
at once on a large repository (``parallel``); the conversion between them is one stream.
"""

from __future__ import annotations

import marshal
import os
import posixpath
import re
from array import array

from trainjob_migrate import containers, lazy, release, sources, structure, yamlio
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.convert import Conversion
from trainjob_migrate.convert import convert as convert_job
from trainjob_migrate.errors import InputError
from trainjob_migrate.holders import may_hold_jobs
from trainjob_migrate.paths import Path, parse_path
from trainjob_migrate.pipeline import process
from trainjob_migrate.records import Frozen, Record, init
from trainjob_migrate.repo import fsio, kustomize, parallel, positions, render
from trainjob_migrate.repo import parsed as parsed_wire
from trainjob_migrate.repo.documents import Document, SourceText, replace_bodies, split
from trainjob_migrate.repo.parsed import Parsed
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity, ref_of
from trainjob_migrate.targets import get
from trainjob_migrate.templates.placeholders import MASK_PREFIX, TEMPLATE_MARK, template_line

TYPE_CHECKING = False  # no typing, no dataclasses at start-up (records.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Any, Final, TypeAlias, TypeVar

    from trainjob_migrate.pipeline import Outcome, Selector
    from trainjob_migrate.repo import comments, splice
    from trainjob_migrate.templates import jinja

    _T = TypeVar("_T")
else:  # imported when a run needs them: a template, a comment to move, a container of jobs
    comments = lazy.module("trainjob_migrate.repo.comments")
    splice = lazy.module("trainjob_migrate.repo.splice")
    jinja = lazy.module("trainjob_migrate.templates.jinja")

Obj: TypeAlias = "dict[str, Any]"

_PATH: Final = "config.kubernetes.io/path"
_INDEX: Final = "config.kubernetes.io/index"
# compiled when used (lazy.pattern): only a YAML error, only a template
_POSITION: Final = lazy.pattern(r" at line \d+, column \d+")
_MENTIONS_JOB: Final = lazy.pattern(
    rf"^\s*kind:\s*[\"']?({'|'.join(sources.KINDS)})\b", re.MULTILINE
)


class FileOutcome(Record):
    __slots__ = ("found", "raw", "new", "status", "reason", "sign")
    found: Found
    #: the bytes read (empty once released: see ``sign``)
    raw: bytes
    new: bytes | None  # None: unchanged (or not readable)
    #: unchanged | changed | created | template | unreadable (read, but not as YAML) |
    #: fault (not read at all: raw is empty, and the file is never written)
    status: str
    reason: str
    #: the digest of the bytes read (``fsio.digest``) once they are released (``convert``
    #: with ``keep_bytes=False``): an unchanged file is copied from its source, and only if
    #: it still has that digest (``transaction.Copy``); None: ``raw`` holds the bytes
    sign: bytes | None

    def __init__(
        self,
        found: Found,
        raw: bytes,
        new: bytes | None = None,
        status: str = "unchanged",
        reason: str = "",
        sign: bytes | None = None,
    ) -> None:
        self.found = found
        self.raw = raw
        self.new = new
        self.status = status
        self.reason = reason
        self.sign = sign

    def release(self) -> None:
        """Let go of the bytes read: a changed file is written from ``new``, an unchanged
        one copied from its source, checked against ``sign``."""
        if self.raw:
            if self.new is None:
                self.sign = fsio.digest(self.raw)
            self.raw = b""


class JobRef(Frozen):
    """A v1 job found in the repository, where it stands."""

    __slots__ = ("resource", "file", "holder")
    resource: ResourceRef
    file: FileRef
    #: an object that holds jobs inside it (a container of jobs), not a job
    holder: bool

    def __init__(self, resource: ResourceRef, file: FileRef, holder: bool = False) -> None:
        init(self, resource, file, holder)


class RepoOutcome(Record):
    __slots__ = ("files", "results", "jobs", "converted", "embedded", "config")
    files: list[FileOutcome]
    results: list[Result]
    jobs: list[JobRef]
    converted: int
    #: jobs inside other objects, by container plug-in: [found, converted, findings]
    embedded: dict[str, list[int]]
    #: the options the stream was converted with (the target release it detected)
    config: FunctionConfig | None

    def __init__(
        self,
        files: list[FileOutcome],
        results: list[Result],
        jobs: list[JobRef],
        converted: int = 0,
        embedded: dict[str, list[int]] | None = None,
        config: FunctionConfig | None = None,
    ) -> None:
        self.files = files
        self.results = results
        self.jobs = jobs
        self.converted = converted
        self.embedded = {} if embedded is None else embedded
        self.config = config


class _Doc(Record):
    __slots__ = ("file", "doc", "obj", "item", "holds", "place")
    file: int
    doc: Document
    obj: Any
    #: what went into the stream: obj with path/index annotations (None once the stream has
    #: run: it is :data:`_AS_READ` in its group)
    item: Any
    holds: bool  # it holds jobs inside it (a container of jobs)
    #: the body's field lines and lines inside multi-line scalars, from the one compose of
    #: the document (kept for jobs and Lists: their results and comments need them)
    place: bytes | None

    def __init__(
        self,
        file: int,
        doc: Document,
        obj: Any,
        item: Any,
        holds: bool = False,
        place: bytes | None = None,
    ) -> None:
        self.file = file
        self.doc = doc
        self.obj = obj
        self.item = item
        self.holds = holds
        self.place = place


Progress: TypeAlias = "Callable[[int, int], None]"


def convert(
    found: Iterable[Found],
    config: FunctionConfig,
    select: Selector | None = None,
    progress: Progress | None = None,
    *,
    detect_release: bool = True,
    keep_bytes: bool = True,
    totals: Sequence[int] | None = None,
    existing: dict[tuple[str, str, str], Obj] | None = None,
) -> RepoOutcome:
    """``keep_bytes=False`` (a run that writes, and never shows the bytes it read): each file's
    bytes are released as soon as nothing needs them (:meth:`FileOutcome.release`): a file
    with nothing to convert once read, a changed one once its new bytes are made, the rest
    at the end. Kept, they were a tenth of what a large repository's run held.

    ``totals``: per file of ``found``, the bytes the files before it in the whole walk hold
    (the per-tree limit), when ``found`` is one group of a larger walk (``repo/groups.py``);
    ``existing``: the TrainJobs of the groups before (``pipeline.process``)."""
    files: list[FileOutcome] = []
    results: list[Result] = []
    per_file, per_tree, total = fsio.file_limit(), fsio.tree_limit(), 0
    for number, entry in enumerate(found):
        if totals is not None:
            total = totals[number]
        limit = min(per_file, per_tree - total)
        try:  # only regular files, within the limits; a fault is reported, never a crash
            if entry.fault:
                raise fsio.Fault(entry.fault)
            raw = fsio.read(entry.path, limit)
        except fsio.Fault as exc:
            tree = isinstance(exc, fsio.TooLarge) and limit < per_file
            reason = fsio.over_tree(total) if tree else str(exc)
            files.append(FileOutcome(entry, b"", status=FAULT, reason=reason))
            results.append(_file_result(entry, Severity.ERROR, reason, None))
            continue
        total += len(raw)
        files.append(FileOutcome(entry, raw))
    kustomizations, texts, docs, held = _read_all(files, results, progress, keep_bytes)
    items = [d.item for d in docs]
    conversions: dict[bytes, Conversion] = {}  # of patched jobs: the overlay pass and the plan
    convert_one = _converter(config, conversions)
    held |= _held_by_overlays(
        kustomizations, files, texts, docs, held, select, convert_one, results
    )

    def selected(job: Mapping[str, Any]) -> bool:
        return id(job) not in held and (select is None or select(job))

    stream = process(items, config, selected, detect_release=detect_release, existing=existing)
    del items
    # what the stream became is in its groups (released as each is written); the items read
    # are no longer needed: an item that came through as it was is :data:`_AS_READ` there
    holders = {id(item) for item in stream.holders}
    stream.items, stream.scope, stream.holders = [], [], []
    for d, group in zip(docs, stream.groups, strict=True):
        d.holds = id(d.item) in holders
        for i, obj in enumerate(group):
            if obj is d.item:
                group[i] = _AS_READ
        d.item = None
    results.extend(_shared(stream.results))
    locator = _Locator(files, texts, docs)
    rendered, plan = _render_all(
        locator,
        docs,
        stream,
        results,
        select,
        alongside=lambda: _plan_kustomizations(
            kustomizations, files, texts, docs, stream, convert_one, conversions
        ),
        alongside_weight=_patch_count(kustomizations),
    )
    masks = _masks(files, texts)
    # located before the rebuild, which releases the bytes of the files it changes (the
    # plan's results may need lines of their documents)
    planned = [locator.result(r) for r in plan.results]
    _rebuild(files, texts, docs, rendered.bodies, masks, results, release=not keep_bytes)
    _apply_kustomizations(plan, files, texts)  # (kustomizations and patches: bytes kept)
    located = [_at(r, rendered.lines.get(n)) for n, r in enumerate(results)]
    located.extend(planned)
    jobs = [
        JobRef(ref, FileRef(files[d.file].found.display, d.doc.index, line), holder=d.holds)
        for n, d in enumerate(docs)
        for ref, line in rendered.jobs.get(n, ())
    ]
    by_file = {files[n].found.display: m for n, m in masks.items()}
    if by_file:  # a template's expressions, not their placeholders, in results and jobs
        located = [jinja.unmasked(r, by_file.get(r.file.path if r.file else "")) for r in located]
        jobs = [
            j.replace(resource=jinja.unmasked_ref(j.resource, by_file.get(j.file.path)))
            for j in jobs
        ]
    if not keep_bytes:
        for f in files:
            f.release()
    return RepoOutcome(files, located, jobs, stream.converted, stream.embedded, stream.config)


def _selected_jobs(doc: _Doc, select: Selector | None) -> list[Mapping[str, Any]]:
    """The jobs of a document, and the document itself when it holds jobs inside it."""
    found = [doc.obj] if doc.holds else _jobs_in(doc.obj)
    return [job for job in found if structure.selects(select, job)]


def _probe(job: Mapping[str, Any], display: str, index: int) -> Result:
    """A result about a job as a whole: its line is the job's."""
    return Result("", Severity.INFO, "", containers.ref(job), None, FileRef(display, index))


def _at(result: Result, line: int | None) -> Result:
    """``result`` at ``line`` of its file (as it is, for None)."""
    if line is None or result.file is None:
        return result
    return Result(
        result.message,
        result.severity,
        result.rule,
        result.resource,
        result.field,
        FileRef(result.file.path, result.file.index, line),
    )


def _jobs_in(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if sources.is_list(obj):
        return [child for child in obj["items"] if sources.is_job(child)]
    return [obj] if sources.is_job(obj) else []


def _read_all(
    files: list[FileOutcome],
    results: list[Result],
    progress: Progress | None,
    keep_bytes: bool = True,
) -> tuple[list[kustomize.Kustomization], _Texts, list[_Doc], set[int]]:
    """Read the kustomizations, and every file's documents (two processes at once on a large
    repository: the other one starts at once, and reads its files without knowing which are
    kustomize patches; those are read again here, as patches). Without ``keep_bytes``, the
    bytes of a file that keeps no text (nothing in it can change) are released."""
    total = len(files)

    def read(
        numbers: Sequence[int], patch_files: set[str], report: Progress | None
    ) -> list[Parsed]:
        out = []
        for number in numbers:
            outcome = files[number]
            out.append(_parse(outcome, outcome.found.display in patch_files))
            if report is not None:
                report(number + 1, total)
        return out

    size = sum(len(f.raw) for f in files)
    fork = parallel.available(size)
    # Here: the kustomizations too (each read twice); there: sending the answer (a fortieth).
    extra = 2 * sum(len(f.raw) for f in files if kustomize.is_kustomization(f.found.display))
    first, second = parallel.halves(range(total), lambda n: len(files[n].raw), extra - size // 40)

    def here() -> tuple[list[kustomize.Kustomization], set[str], list[Parsed]]:
        kustomizations, patch_files = _kustomizations(files)
        return kustomizations, patch_files, read(first, patch_files, progress)

    (kustomizations, patch_files, parsed_first), parsed_second = parallel.both(
        here,
        lambda: read(second, set(), None if fork else progress),
        fork=fork,
        encode=parsed_wire.pack,
        decode=parsed_wire.unpack,
    )
    if fork and progress is not None and second:
        progress(total, total)  # the other process's files (it draws nothing itself)
    parsed_second = [
        _parse(files[n], True) if files[n].found.display in patch_files else parsed
        for n, parsed in zip(second, parsed_second, strict=True)
    ]
    texts = _Texts(files)
    docs: list[_Doc] = []
    held: set[int] = set()  # ids of items kept out of conversion (a broken structure)
    for number, parsed in enumerate([*parsed_first, *parsed_second]):
        outcome = files[number]
        if parsed.status is not None:
            outcome.status, outcome.reason = parsed.status, parsed.reason
        texts.append(parsed.source, again=parsed.again)
        # no text kept: nothing in it changes (a kustomization's bytes: compared, rewritten)
        released = not (keep_bytes or parsed.source or parsed.again)
        if released and not kustomize.is_kustomization(outcome.found.display):
            outcome.release()
        for entry in parsed.entries:
            if isinstance(entry, Result):
                results.append(entry)
                continue
            doc, obj, place = entry
            item = _tagged(obj, outcome.found.display, doc.index)
            broken = structure.problems(obj) if sources.is_job(obj) else []
            if broken:  # reported here, where its file is known; kept out of conversion
                held.add(id(item))
                file = FileRef(outcome.found.display, doc.index)
                results.extend(structure.results(obj, broken, file))
            docs.append(_Doc(number, doc, obj, item, place=place))
    return kustomizations, texts, docs, held


def _parse(outcome: FileOutcome, is_patch: bool) -> Parsed:
    entry = outcome.found
    if outcome.status == FAULT:
        return Parsed(None)
    try:
        source = SourceText.decode(outcome.raw)
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte {exc.start})"
        return Parsed(
            None, "unreadable", reason, [_file_result(entry, Severity.ERROR, reason, None)]
        )
    text = source.text
    mention = None  # in a template converted as one: where it names a v1 kind
    if (
        TEMPLATE_MARK.search(text)
        and not containers.own_placeholders(text)
        and template_line(text) is not None
    ):
        mention = _MENTIONS_JOB.search(text)
        masked = jinja.mask(text) if mention else None  # expressions set aside, if safe
        if not isinstance(masked, jinja.Masked):
            parsed = Parsed(source, "template", "a template (Helm or Jinja), not plain YAML")
            if mention:
                line = text.count("\n", 0, mention.start()) + 1 if masked is None else masked.line
                why = "" if masked is None else f" ({masked.reason})"
                parsed.entries.append(
                    _file_result(
                        entry,
                        Severity.ERROR,
                        f"a template (Helm/Jinja) that defines a {mention.group(1)} and cannot "
                        f"be converted safely{why}: it is left untouched; convert the template "
                        "by hand, or render it and convert the output",
                        line,
                    )
                )
            return parsed
        source = SourceText(masked.text, source.bom, source.crlf)
        text = masked.text
    parsed = Parsed(source)
    if is_patch:
        return parsed  # a kustomize patch: kustomize.py re-targets it, it is no manifest
    for doc in split(text):
        if not doc.has_body():
            continue
        written = text[doc.start : doc.end]
        try:
            obj, node = yamlio.load_node(written)
        except InputError as exc:
            offset = yamlio.error_line(exc)
            line = doc.first_line + offset if offset is not None else doc.body_line
            parsed.status, parsed.reason = "unreadable", f"line {line}: {exc}"
            message = _POSITION.sub("", str(exc))  # the result's own line is the file's
            parsed.entries.append(
                _file_result(
                    entry, Severity.ERROR, f"{message}; this document is left untouched", line
                )
            )
            continue
        if not isinstance(obj, dict) or _inert(obj):
            continue  # released at once: its bytes stay as they are
        place = None
        # composed once: keep where its fields are (but a merge key: constructing the object
        # merged its node tree too; the lines are those of the text, composed when asked)
        if (sources.is_job(obj) or sources.is_list(obj)) and "<<" not in written:
            place = _placed(node, doc.body_line - doc.first_line, "#" in written)
        parsed.entries.append((doc, obj, place))
    if not kustomize.is_kustomization(entry.display):
        if not parsed.entries:
            parsed.source = None  # nothing in it changes: its text is not kept (its bytes are)
        elif mention is None:  # decoded as it is (no template masked): decoded again if needed
            parsed.again = True
    if mention is not None and not any(
        _jobs_in(e[1]) for e in parsed.entries if not isinstance(e, Result)
    ):  # e.g. `apiVersion: {{ .Values.apiVersion }}`: no job to convert, but one is meant
        message = (
            f"a template (Helm/Jinja) that defines a {mention.group(1)} whose apiVersion or "
            "kind is an expression: it is left untouched; convert the template by hand, or "
            "render it and convert the output"
        )
        line = text.count("\n", 0, mention.start()) + 1
        reason = "a template (Helm or Jinja), not plain YAML"
        return Parsed(
            parsed.source, "template", reason, [_file_result(entry, Severity.ERROR, message, line)]
        )
    return parsed


#: kinds of Trainer v2 objects (read by the pipeline: name collisions, validation; and by the
#: kustomize passes)
_V2_KINDS: Final = frozenset({"TrainJob", "TrainingRuntime", "ClusterTrainingRuntime"})


def _inert(obj: Obj) -> bool:
    """Whether a document is nothing to a conversion: no job (none in it, as a List's item, an
    object or a string inside it; no container plug-in for its kind), no Trainer release
    named (``release.sightings``), no Trainer v2 object. The pipeline passes such an object
    through with no result whatever else the stream holds, and no kustomize pass reads it,
    so it is not kept at all (most documents of a repository: the memory of a run is its
    jobs')."""
    return not (
        obj.get("kind") in _V2_KINDS
        or sources.is_job(obj)
        or sources.is_list(obj)
        or may_hold_jobs(obj)  # the pipeline's own test before it asks containers
        or release.sightings(obj)
    )


#: a document body's field lines (path -> 0-based line) and the lines inside its multi-line
#: scalars (what ``comments.extract`` skips)
Placed = tuple[dict[Path, int], set[int]]


def _placed(node: Any, shift: int, commented: bool) -> bytes:
    """Where the fields of a document composed from its first line are (the body starts
    ``shift`` lines below); the lines inside its multi-line scalars only when it has a ``#``
    (no comment to look for, else). Packed: the lines alone, in the order of the paths of
    the object (``positions.line_list``), as 4-byte numbers: a twentieth of the memory of
    the dict; what another process sends back (see :func:`_unplaced`)."""
    inside = positions.scalar_continuations(node) if commented else set()
    in_order = positions.line_list(node)
    found = positions.lines(node) if in_order is None else array("I", in_order).tobytes()
    return marshal.dumps((found, inside, shift))


def _unplaced(packed: bytes, obj: Obj) -> Placed | None:
    """What :func:`_placed` packed, in the lines of the document's body (``obj``: the
    document's object); None if ``obj`` no longer has the paths it was read with."""
    found, inside, shift = marshal.loads(packed)
    if isinstance(found, bytes):
        in_order = array("I")
        in_order.frombytes(found)
        paths = positions.paths(obj)
        if len(paths) != len(in_order):
            return None
        found = dict(zip(paths, in_order, strict=True))
    if shift:
        found = {path: line - shift for path, line in found.items()}
        inside = {line - shift for line in inside}
    return found, inside


class _Texts:
    """Each file's text (None: not read, or nothing in it can change). A file decoded as it
    is (no template masked) keeps none: it is decoded again from its bytes when asked (kept,
    a second copy of every file with a job is most of what a run holds beside its jobs)."""

    def __init__(self, files: list[FileOutcome]) -> None:
        self._files = files
        self._kept: list[SourceText | None] = []
        self._again: set[int] = set()
        # the file decoded last: its documents are asked for one after another (rendering
        # goes file by file), and decoding it for each would be quadratic in its length
        self._last: tuple[int, SourceText] | None = None

    def append(self, source: SourceText | None, *, again: bool) -> None:
        if again:
            self._again.add(len(self._kept))
            source = None
        self._kept.append(source)

    def __getitem__(self, number: int) -> SourceText | None:
        if number in self._again:
            last = self._last
            if last is None or last[0] != number:
                last = self._last = (number, SourceText.decode(self._files[number].raw))
            return last[1]
        return self._kept[number]

    def again(self, number: int) -> bool:
        """Whether a file's text is decoded again from its bytes when asked (a file of plain
        manifests, never a kustomization or a patch)."""
        return number in self._again

    def kept(self) -> Iterator[tuple[int, SourceText]]:
        """The texts kept (kustomizations, patches, templates): all the kustomize passes
        and the template masks read."""
        return ((n, source) for n, source in enumerate(self._kept) if source is not None)


def _kustomizations(files: list[FileOutcome]) -> tuple[list[kustomize.Kustomization], set[str]]:
    found: list[kustomize.Kustomization] = []
    for outcome in files:
        if kustomize.is_kustomization(outcome.found.display):
            try:
                text = SourceText.decode(outcome.raw).text
            except UnicodeDecodeError:
                continue  # reported when the file is read
            k = kustomize.read(outcome.found.display, text)
            if k is not None:
                found.append(k)
    patch_files = set().union(*(kustomize.patch_files(k) for k in found)) if found else set()
    return found, patch_files


def _held_by_overlays(
    kustomizations: list[kustomize.Kustomization],
    files: list[FileOutcome],
    texts: _Texts,
    docs: list[_Doc],
    held: set[int],
    select: Selector | None,
    convert_one: kustomize.ConvertOne,
    results: list[Result],
) -> set[int]:
    """Items of the jobs that some overlay patches beyond what a TrainJob can carry: a job
    converts together with its overlays or not at all (see :func:`kustomize.blocked`)."""
    if not kustomizations:
        return set()
    jobs: dict[str, list[Obj]] = {}
    item_of: dict[int, int] = {}
    for doc in docs:
        if sources.is_job(doc.obj) and not structure.envelope(doc.obj):
            jobs.setdefault(files[doc.file].found.display, []).append(doc.obj)
            item_of[id(doc.obj)] = id(doc.item)
    if not jobs:
        return set()
    file_texts = {files[n].found.display: t.text for n, t in texts.kept()}

    def wanted(job: Mapping[str, Any]) -> bool:
        return item_of.get(id(job)) not in held and (select is None or select(job))

    found = kustomize.blocked(kustomizations, file_texts, jobs, wanted, convert_one)
    for found_results in found.values():
        results.extend(found_results)
    return {item_of[key] for key in found}


def _plan_kustomizations(
    kustomizations: list[kustomize.Kustomization],
    files: list[FileOutcome],
    texts: _Texts,
    docs: list[_Doc],
    stream: Outcome,
    convert_one: kustomize.ConvertOne,
    conversions: dict[bytes, Conversion],
) -> kustomize.Rewrite:
    """What the kustomizations need (read-only: applied by :func:`_apply_kustomizations`);
    ``conversions``, what ``convert_one`` remembers, is forgotten after (the plan is its
    last user, and rendering is when a run holds most)."""
    try:
        return _plan(kustomizations, files, texts, docs, stream, convert_one)
    finally:
        conversions.clear()


def _plan(
    kustomizations: list[kustomize.Kustomization],
    files: list[FileOutcome],
    texts: _Texts,
    docs: list[_Doc],
    stream: Outcome,
    convert_one: kustomize.ConvertOne,
) -> kustomize.Rewrite:
    if not kustomizations:
        return kustomize.Rewrite()
    jobs: dict[str, list[Obj]] = {}
    converted: dict[int, Obj] = {}  # id of a converted job -> the TrainJob written for it
    for doc, group in zip(docs, stream.groups, strict=True):
        trainjob_read = doc.obj.get("kind") == "TrainJob"
        job = not trainjob_read and sources.is_job(doc.obj)
        if not (trainjob_read or job) or structure.envelope(doc.obj):
            continue  # reported (a job), or not read (anything else)
        if trainjob_read:
            jobs.setdefault(files[doc.file].found.display, []).append(doc.obj)
        if job:
            jobs.setdefault(files[doc.file].found.display, []).append(doc.obj)
            trainjob = next(
                (o for o in group if isinstance(o, dict) and o.get("kind") == "TrainJob"), None
            )
            if trainjob is not None:
                converted[id(doc.obj)] = trainjob
    file_texts = {files[n].found.display: t.text for n, t in texts.kept()}
    return kustomize.rewrite(kustomizations, file_texts, jobs, converted, convert_one)


def _converter(config: FunctionConfig, done: dict[bytes, Conversion]) -> kustomize.ConvertOne:
    """``convert_job`` for the kustomize passes, each job (as patched) converted once (kept
    in ``done``): the overlay pass converts the jobs its patches target, and the plan the
    same jobs again."""
    target = get(config.target_version)

    def convert_one(job: Mapping[str, Any]) -> Conversion:
        try:  # the same content gives the same bytes (a miss otherwise, never a false hit)
            # version 2: no references, so equal content gives equal bytes whatever is shared
            key = marshal.dumps(job, 2)  # type: ignore[arg-type]  # plain data, else ValueError
        except ValueError:  # a value marshal does not write (a str subclass): not kept
            return convert_job(job, config, target)
        if key not in done:
            done[key] = convert_job(job, config, target)
        return done[key]

    return convert_one


def _apply_kustomizations(plan: kustomize.Rewrite, files: list[FileOutcome], texts: _Texts) -> None:
    by_display = {f.found.display: (n, f) for n, f in enumerate(files)}
    for display, new_text in plan.texts.items():
        number, outcome = by_display[display]
        source = texts[number]
        if source is not None:
            new = source.encode(new_text)
            if new != outcome.raw:
                outcome.new, outcome.status = new, "changed"
    kustomization_in: dict[str, FileOutcome] = {}  # folder -> its (first) kustomization file
    for f in files:
        if kustomize.is_kustomization(f.found.display):
            kustomization_in.setdefault(posixpath.dirname(f.found.display), f)
    for display, new_text in plan.created.items():
        if display in by_display:
            continue  # a file of that name exists: the result says what to add
        parent = kustomization_in[posixpath.dirname(display)]
        path = os.path.join(os.path.dirname(parent.found.path), posixpath.basename(display))  # noqa: PTH118, PTH120
        rel = posixpath.join(posixpath.dirname(parent.found.rel), posixpath.basename(display))
        files.append(FileOutcome(Found(path, display, rel), b"", new_text.encode(), "created"))


def _patch_count(kustomizations: list[kustomize.Kustomization]) -> int:
    """Patches of the kustomizations: each may cost two conversions and a dump."""
    return sum(
        len(k.data.get(key) or []) if isinstance(k.data.get(key), list) else 0
        for k in kustomizations
        for key in ("patches", "patchesStrategicMerge", "patchesJson6902")
    )


def _tagged(obj: Obj, path: str, index: int) -> Obj:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    annotations = meta.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    tagged_meta = {**meta, "annotations": {**annotations, _PATH: path, _INDEX: str(index)}}
    return {**obj, "metadata": tagged_meta}


class _Rendered(Record):
    """What rendering gives (numbers, lines and text: little to send from another process):
    new bodies, and the lines of the (selected) jobs, by document number; the lines of
    results, by result number."""

    __slots__ = ("bodies", "lines", "jobs")
    bodies: dict[int, str]
    lines: dict[int, int]
    jobs: dict[int, list[tuple[ResourceRef, int | None]]]

    def __init__(
        self,
        bodies: dict[int, str] | None = None,
        lines: dict[int, int] | None = None,
        jobs: dict[int, list[tuple[ResourceRef, int | None]]] | None = None,
    ) -> None:
        self.bodies = {} if bodies is None else bodies
        self.lines = {} if lines is None else lines
        self.jobs = {} if jobs is None else jobs

    def update(self, other: _Rendered) -> _Rendered:
        self.bodies.update(other.bodies)
        self.lines.update(other.lines)
        self.jobs.update(other.jobs)
        return self


#: in a group of the stream (what an item became), the item read, as it was read
_AS_READ: Final = object()


def _as_read(group: list[Any]) -> bool:
    """Whether a document came through the stream as it was (its bytes are kept)."""
    return len(group) == 1 and group[0] is _AS_READ


def _shared(results: list[Result]) -> list[Result]:
    """``results``, their equal messages and fields one string each: a conversion's messages
    recur job after job (a run on 8,000 jobs held 7.8 MiB of messages, 1.2 MiB of them
    different; 33,000 fields, 10 different)."""
    seen: dict[str, str] = {}
    for r in results:
        message = seen.setdefault(r.message, r.message)
        if message is not r.message:  # an equal string: the frozen record's value is the same
            object.__setattr__(r, "message", message)
        if r.field is not None:
            field = seen.setdefault(r.field, r.field)
            if field is not r.field:
                object.__setattr__(r, "field", field)
    return results


def _render_all(
    locator: _Locator,
    docs: list[_Doc],
    stream: Outcome,
    results: list[Result],
    select: Selector | None,
    alongside: Callable[[], _T],
    alongside_weight: int,
) -> tuple[_Rendered, _T]:
    """Write each converted document, and find the lines of the results and jobs of each
    document; ``alongside()`` too, here (two processes at once on a large repository).

    ``alongside_weight``: what ``alongside`` costs, in converted documents (the other
    process renders about that many more: a patch costs one and a half).
    """
    about: dict[int, list[int]] = {}  # document number -> numbers of the results about it
    for number, result in enumerate(results):
        at = locator.document_of(result)
        if at is not None:
            about.setdefault(at, []).append(number)

    def render(numbers: Sequence[int]) -> _Rendered:
        out = _Rendered()
        for n in numbers:
            doc, group = docs[n], stream.groups[n]
            if not _as_read(group):  # else unchanged: it keeps its bytes
                out.bodies[n] = _body(locator, doc, group)
            for r in about.get(n, ()):
                line = locator.line(results[r])
                if line is not None:
                    out.lines[r] = line
            jobs = [
                (
                    containers.ref(job) if doc.holds else ref_of(job),
                    locator.line(_probe(job, locator.display(doc), doc.doc.index)),
                )
                for job in _selected_jobs(doc, select)
            ]
            if jobs:
                out.jobs[n] = jobs
            if doc.obj is not None and sources.is_job(doc.obj):  # written: nothing reads it again
                doc.obj = None
                stream.groups[n] = []
        return out

    def weight(n: int) -> int:  # the documents that are written again or have results
        doc = docs[n]
        busy = n in about or not _as_read(stream.groups[n])
        return doc.doc.body_end - doc.doc.body_start if busy else 0

    weights = [weight(n) for n in range(len(docs))]
    busy = [w for w in weights if w]
    extra = 3 * alongside_weight * sum(busy) // len(busy) // 2 if busy else 0
    first, second = parallel.halves(range(len(docs)), weights.__getitem__, extra)
    fork = parallel.available(sum(weights))

    def here() -> tuple[_Rendered, _T]:
        plan = alongside()  # first: it reads the jobs, which rendering releases
        return render(first), plan

    (mine, plan), (theirs, _) = parallel.both(here, lambda: (render(second), None), fork=fork)
    return mine.update(theirs), plan


def _rebuild(
    files: list[FileOutcome],
    texts: _Texts,
    docs: list[_Doc],
    bodies: dict[int, str],
    masks: Mapping[int, jinja.Masked],
    results: list[Result],
    *,
    release: bool = False,
) -> None:
    """Each file with new bodies written again (``bodies`` is emptied as they are used);
    with ``release``, each file's bytes released once its new ones are made (a file whose
    text is decoded again from its bytes: no kustomize pass reads it)."""
    changed: dict[int, dict[int, str]] = {}  # file number -> document index -> new body
    where: dict[int, list[Document]] = {}  # file number -> its documents that change
    for n in sorted(bodies):  # in the order of the file (documents are read in order)
        changed.setdefault(docs[n].file, {})[docs[n].doc.index] = bodies.pop(n)
        where.setdefault(docs[n].file, []).append(docs[n].doc)
    for number in list(changed):
        new_bodies = changed.pop(number)  # (let go of as the file is written)
        source = texts[number]
        if source is None:
            continue
        new_text = replace_bodies(source.text, where[number], new_bodies)
        if number in masks:
            restored = jinja.restore(new_text, masks[number])
            if isinstance(restored, jinja.Unsafe):
                results.append(_unsafe_template(files[number].found, restored))
                continue
            new_text = restored
        new = source.encode(new_text)
        if new != files[number].raw:
            files[number].new, files[number].status = new, "changed"
        if release and texts.again(number):
            files[number].release()


def _masks(files: list[FileOutcome], texts: _Texts) -> dict[int, jinja.Masked]:
    """The templates read with their expressions masked (by file number), masked again."""
    out: dict[int, jinja.Masked] = {}
    for number, source in texts.kept():  # (a text decoded again is no template masked)
        if MASK_PREFIX in source.text:
            masked = jinja.mask(SourceText.decode(files[number].raw).text)
            if isinstance(masked, jinja.Masked) and masked.text == source.text:
                out[number] = masked
    return out


def _unsafe_template(entry: Found, unsafe: jinja.Unsafe) -> Result:
    return _file_result(
        entry,
        Severity.ERROR,
        f"the converted template could not be written back safely ({unsafe.reason}): the file "
        "is left untouched; convert the template by hand, or render it and convert the output",
        unsafe.line,
    )


def _body(locator: _Locator, doc: _Doc, group: list[Any]) -> str:
    original_body = locator.body(doc)
    parts: list[str] = []
    wide = yamlio.indents_lists(original_body)  # write lists the way the file does
    for obj in group:
        if obj is _AS_READ:
            parts.append(original_body.rstrip("\n"))  # side-by-side: the job stays as written
            continue
        clean = _untagged(obj, doc.obj)
        spliced = _spliced(original_body, doc.obj, clean)
        if spliced is not None:
            parts.append(spliced.rstrip("\n"))
            continue
        written = render.write(clean, indent_lists=wide)  # its lines too, in the same pass
        node = None
        if written is None:
            text, node = render.dump(clean, indent_lists=wide)
        else:
            text = written[0]
        text = text.rstrip("\n")
        if "#" in original_body and clean.get("kind") == "TrainJob":  # no "#": no comments
            lines, inside = locator.placed(doc)
            found = comments.extract(original_body, lines=lines, inside=inside)
            if found:
                if written is not None:
                    new_lines = written[1]
                else:
                    new_lines = positions.lines(
                        node if node is not None else render.compose_read(text)
                    )
                text, lost = comments.transplant(found, doc.obj, clean, text, new_lines)
                text = comments.keep_above(text, lost)
        parts.append(text)
    return "\n---\n".join(parts) + "\n"


def _spliced(body: str, original: Mapping[str, Any], new: Obj) -> str | None:
    """A container of jobs rewritten in place: only the values that changed (the rest of the
    document byte for byte); None for any other object."""
    if containers.name_of(original) is None or new.get("kind") != original.get("kind"):
        return None
    if "metadata" not in original and not new.get("metadata"):
        new = {k: v for k, v in new.items() if k != "metadata"}
    return splice.splice(body, original, new)


def _untagged(obj: Obj, original: Mapping[str, Any]) -> Obj:
    """``obj`` without the path/index annotations this module added (not the user's own)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("annotations"), dict):
        return obj
    own = (original.get("metadata") or {}).get("annotations") or {}
    annotations = {  # the file's own value where it had one (it is data like any other)
        k: own.get(k, v)
        for k, v in meta["annotations"].items()
        if k not in (_PATH, _INDEX) or k in own
    }
    new_meta = {**meta, "annotations": annotations}
    if not annotations:
        del new_meta["annotations"]
    out = {**obj, "metadata": new_meta}
    if sources.is_list(out):
        out["items"] = [
            _untagged(child, {}) if isinstance(child, dict) else child for child in out["items"]
        ]
    return out


def _file_ref(item: Mapping[str, Any]) -> FileRef | None:
    annotations = (item.get("metadata") or {}).get("annotations") or {}
    if _PATH not in annotations:
        return None
    return FileRef(annotations[_PATH], int(annotations.get(_INDEX, 0)))


#: the status of a file that could not be read at all (see FileOutcome)
FAULT: Final = "fault"
#: the rule of results about files that could not be read (check's exit code 4)
READ_RULE: Final = RuleId.READ.value


def _file_result(entry: Found, severity: Severity, message: str, line: int | None) -> Result:
    return Result(message, severity, READ_RULE, None, None, FileRef(entry.display, 0, line))


class _Locator:
    """Lines of results and jobs; each document is composed at most once."""

    def __init__(self, files: list[FileOutcome], texts: _Texts, docs: list[_Doc]):
        self._files = files
        self._texts = texts
        self._docs = {(files[d.file].found.display, d.doc.index): d for d in docs}
        self._numbers = {id(d): n for n, d in enumerate(docs)}
        self._lines: dict[tuple[str, int], dict[Path, int]] = {}
        self._last: tuple[_Doc, Placed] | None = None

    def display(self, doc: _Doc) -> str:
        return self._files[doc.file].found.display

    def body(self, doc: _Doc) -> str:
        source = self._texts[doc.file]
        return source.text[doc.doc.body_start : doc.doc.body_end] if source else ""

    def document_of(self, result: Result) -> int | None:
        """The number of the document a result needs a line from, if any."""
        if result.file is None or result.file.line is not None:
            return None
        doc = self._docs.get((result.file.path, result.file.index))
        return None if doc is None else self._numbers[id(doc)]

    def result(self, result: Result) -> Result:
        """Give a result the line of its field (or object) in its file."""
        return _at(result, self.line(result))

    def line(self, result: Result) -> int | None:
        """The line of a result's field (or object) in its file; None: it has one, or none
        can be found."""
        if result.file is None or result.file.line is not None:
            return None
        key = (result.file.path, result.file.index)
        doc = self._docs.get(key)
        if doc is None:
            return None
        path: Path = parse_path(result.field) if result.field else ()
        if sources.is_list(doc.obj) and result.resource is not None:
            path = (
                *_list_position(doc.obj, result.resource.name, result.resource.namespace),
                *path,
            )
        line = positions.line_of(self._found(key, doc), path)
        if doc.holds and line is not None:  # a field of a job written as a string in it
            line += containers.line_in_string(doc.obj, path)
        return doc.doc.body_line + line if line is not None else doc.doc.body_line

    def placed(self, doc: _Doc) -> Placed:
        """Where the fields of a document's body are (composed now if reading kept none);
        the last document's unpacked (its results, jobs and comments are asked one after
        the other)."""
        if self._last is not None and self._last[0] is doc:
            return self._last[1]
        found = None if doc.place is None else _unplaced(doc.place, doc.obj)
        if found is None:
            node = render.compose_read(self.body(doc))
            found = positions.lines(node), positions.scalar_continuations(node)
        self._last = doc, found
        return found

    def _found(self, key: tuple[str, int], doc: _Doc) -> dict[Path, int]:
        if doc.place is not None:
            return self.placed(doc)[0]
        if key not in self._lines:
            try:
                self._lines[key] = positions.lines(render.compose_read(self.body(doc)))
            except InputError:
                self._lines[key] = {}
        return self._lines[key]


def _list_position(obj: Mapping[str, Any], name: str, namespace: str | None) -> Path:
    for index, child in enumerate(obj.get("items") or []):
        meta = child.get("metadata") if isinstance(child, dict) else None
        if not isinstance(meta, dict):
            continue
        if meta.get("name") == name and (meta.get("namespace") or None) == namespace:
            return ("items", index)
    return ()
