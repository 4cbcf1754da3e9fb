"""Convert the PyTorchJobs of many files at once, the way ``kpt fn eval`` would, with minimal edits.

Every document of every file becomes an item of one stream (tagged with its file
and position, as kpt tags them), the KRM pipeline converts the stream, and each
file is rebuilt: documents that came through unchanged keep their bytes, a
converted one gets the new object's YAML in place of its body, with the comments
that still have a field to sit on. Results get the file and line of the object or
field they are about.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from trainjob_migrate import yamlio
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.convert import convert as convert_job
from trainjob_migrate.convert import is_pytorchjob
from trainjob_migrate.errors import InputError
from trainjob_migrate.paths import Path, format_path, parse_path
from trainjob_migrate.pipeline import Outcome, Selector, process
from trainjob_migrate.repo import comments, kustomize, positions
from trainjob_migrate.repo.documents import Document, SourceText, replace_bodies, split
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity, ref_of
from trainjob_migrate.targets import get

Obj = dict[str, Any]

_PATH: Final = "config.kubernetes.io/path"
_INDEX: Final = "config.kubernetes.io/index"
_TEMPLATE: Final = re.compile(r"\{\{|\{%")
_POSITION: Final = re.compile(r" at line \d+, column \d+")
_MENTIONS_JOB: Final = re.compile(r"^\s*kind:\s*[\"']?PyTorchJob\b", re.MULTILINE)
_PLACEHOLDER: Final = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(")
#: fields the conversion computes from, so a placeholder there cannot be carried as text
_COMPUTED: Final = re.compile(
    r"^(metadata\.(name|namespace)|spec\.nprocPerNode|spec\.elasticPolicy\..*"
    r"|spec\.pytorchReplicaSpecs\.[^.]+\.(replicas|restartPolicy)"
    r"|spec\.pytorchReplicaSpecs\.[^.]+\.template\.spec\.containers\[\d+\]\.(name|command|args)(\[\d+\])?)$"
)


@dataclasses.dataclass(slots=True)
class FileOutcome:
    found: Found
    raw: bytes
    new: bytes | None = None  # None: unchanged (or not readable)
    status: str = "unchanged"  # unchanged | changed | created | template | unreadable
    reason: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class JobRef:
    """A PyTorchJob found in the repository, where it stands."""

    resource: ResourceRef
    file: FileRef


@dataclasses.dataclass(slots=True)
class RepoOutcome:
    files: list[FileOutcome]
    results: list[Result]
    jobs: list[JobRef]
    converted: int = 0


@dataclasses.dataclass(slots=True)
class _Doc:
    file: int
    doc: Document
    obj: Any
    item: Any  # what went into the stream: obj with path/index annotations


Progress = Callable[[int, int], None]


def convert(
    found: Iterable[Found],
    config: FunctionConfig,
    select: Selector | None = None,
    progress: Progress | None = None,
    *,
    detect_release: bool = True,
) -> RepoOutcome:
    files: list[FileOutcome] = []
    texts: list[SourceText | None] = []
    docs: list[_Doc] = []
    results: list[Result] = []
    held: set[int] = set()  # ids of items kept out of conversion (placeholders)
    for entry in found:
        try:
            files.append(FileOutcome(entry, entry.path.read_bytes()))
        except OSError as exc:  # unreadable: reported, never a crash
            files.append(FileOutcome(entry, b"", status="unreadable", reason=exc.strerror or str(exc)))
            results.append(_file_result(entry, Severity.ERROR, f"cannot read the file: {exc.strerror}", None))
    kustomizations, patch_files = _kustomizations(files)
    for number, outcome in enumerate(files):
        texts.append(_read(outcome, number, docs, results, held, outcome.found.display in patch_files))
        if progress is not None:
            progress(number + 1, len(files))
    items = [d.item for d in docs]

    def selected(job: Mapping[str, Any]) -> bool:
        return id(job) not in held and (select is None or select(job))

    stream = process(items, config, selected, detect_release=detect_release)
    _rebuild(files, texts, docs, stream)
    results.extend(stream.results)
    results.extend(_rewrite_kustomizations(kustomizations, files, texts, docs, stream, config))
    locator = _Locator(files, texts, docs)
    located = [locator.result(r) for r in results]
    jobs = [
        locator.job(ref_of(job), files[d.file].found.display, d.doc.index)
        for d in docs
        for job in _jobs_in(d.obj)
        if select is None or select(job)
    ]
    return RepoOutcome(files, located, jobs, converted=stream.converted)


def _jobs_in(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if obj.get("kind") in ("List", "PyTorchJobList") and isinstance(obj.get("items"), list):
        return [child for child in obj["items"] if is_pytorchjob(child)]
    return [obj] if is_pytorchjob(obj) else []


def _read(
    outcome: FileOutcome, number: int, docs: list[_Doc], results: list[Result], held: set[int],
    is_patch: bool,
) -> SourceText | None:
    entry = outcome.found
    if outcome.status == "unreadable":
        return None
    try:
        source = SourceText.decode(outcome.raw)
    except UnicodeDecodeError as exc:
        outcome.status, outcome.reason = "unreadable", f"not UTF-8 (byte {exc.start})"
        results.append(_file_result(entry, Severity.ERROR, outcome.reason, None))
        return None
    text = source.text
    if _TEMPLATE.search(text):
        outcome.status = "template"
        outcome.reason = "a template (Helm or Jinja), not plain YAML"
        mention = _MENTIONS_JOB.search(text)
        if mention:
            line = text.count("\n", 0, mention.start()) + 1
            results.append(
                _file_result(
                    entry, Severity.ERROR,
                    "a template (Helm/Jinja) that defines a PyTorchJob: it is left untouched; "
                    "convert the template by hand, or render it and convert the output",
                    line,
                )
            )
        return source
    if is_patch:
        return source  # a kustomize patch: kustomize.py re-targets it, it is no manifest
    for doc in split(text):
        if not doc.has_body():
            continue
        try:
            obj = yamlio.load(text[doc.start : doc.end])
        except InputError as exc:
            offset = yamlio.error_line(exc)
            line = doc.first_line + offset if offset is not None else doc.body_line
            outcome.status, outcome.reason = "unreadable", f"line {line}: {exc}"
            message = _POSITION.sub("", str(exc))  # the result's own line is the file's
            results.append(
                _file_result(entry, Severity.ERROR, f"{message}; this document is left untouched", line)
            )
            continue
        if not isinstance(obj, dict):
            continue
        item = _tagged(obj, entry.display, doc.index)
        if is_pytorchjob(obj):
            placeholders = _placeholders(obj)
            if placeholders:
                held.add(id(item))
                results.extend(_placeholder_results(item, placeholders))
        docs.append(_Doc(number, doc, obj, item))
    return source


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


def _rewrite_kustomizations(
    kustomizations: list[kustomize.Kustomization], files: list[FileOutcome],
    texts: list[SourceText | None], docs: list[_Doc], stream: Outcome, config: FunctionConfig,
) -> list[Result]:
    if not kustomizations:
        return []
    target = get(config.target_version)
    jobs: dict[str, list[Obj]] = {}
    converted: set[int] = set()
    for doc, group in zip(docs, stream.groups, strict=True):
        if doc.obj.get("kind") == "TrainJob":
            jobs.setdefault(files[doc.file].found.display, []).append(doc.obj)
        if is_pytorchjob(doc.obj):
            jobs.setdefault(files[doc.file].found.display, []).append(doc.obj)
            if any(isinstance(o, dict) and o.get("kind") == "TrainJob" for o in group):
                converted.add(id(doc.obj))
    by_display = {f.found.display: (n, f) for n, f in enumerate(files)}
    file_texts = {d: t.text for d, (n, _) in by_display.items() if (t := texts[n]) is not None}
    plan = kustomize.rewrite(
        kustomizations, file_texts, jobs, converted, lambda job: convert_job(job, config, target)
    )
    for display, new_text in plan.texts.items():
        number, outcome = by_display[display]
        source = texts[number]
        if source is not None:
            new = source.encode(new_text)
            if new != outcome.raw:
                outcome.new, outcome.status = new, "changed"
    for display, new_text in plan.created.items():
        if display in by_display:
            continue  # a file of that name exists: the result says what to add
        folder = posixpath.dirname(display)
        parent = next(
            f for f in files
            if kustomize.is_kustomization(f.found.display) and posixpath.dirname(f.found.display) == folder
        )
        path = parent.found.path.parent / posixpath.basename(display)
        rel = posixpath.join(posixpath.dirname(parent.found.rel), posixpath.basename(display))
        files.append(FileOutcome(Found(path, display, rel), b"", new_text.encode(), "created"))
    return plan.results


def _tagged(obj: Obj, path: str, index: int) -> Obj:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    annotations = meta.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    tagged_meta = {**meta, "annotations": {**annotations, _PATH: path, _INDEX: str(index)}}
    return {**obj, "metadata": tagged_meta}


def _placeholders(obj: Obj) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    stack: list[tuple[Any, Path]] = [(obj, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif (
            isinstance(value, str)
            and _PLACEHOLDER.search(value)
            and _COMPUTED.match(format_path(path))
        ):
            found.append((path, value))
    return sorted(found, key=lambda item: format_path(item[0]))


def _placeholder_results(item: Obj, placeholders: list[tuple[Path, str]]) -> list[Result]:
    ref, file = ref_of(item), _file_ref(item)
    return [
        Result(
            f"placeholder {value!r} in a field the conversion computes from: the job is left "
            "untouched; render the placeholders first (envsubst, Helm) and convert the output, "
            "or convert by hand",
            Severity.ERROR, "placeholder", ref, format_path(path), file,
        )
        for path, value in placeholders
    ]


def _rebuild(
    files: list[FileOutcome], texts: list[SourceText | None], docs: list[_Doc], stream: Outcome
) -> None:
    bodies: dict[int, dict[int, str]] = {}
    for doc, group in zip(docs, stream.groups, strict=True):
        if len(group) == 1 and group[0] is doc.item:
            continue  # came through unchanged: keep its bytes
        bodies.setdefault(doc.file, {})[doc.doc.index] = _body(doc, group, texts[doc.file])
    for number, changed in bodies.items():
        source = texts[number]
        if source is None:
            continue
        new_text = replace_bodies(source.text, split(source.text), changed)
        new = source.encode(new_text)
        if new != files[number].raw:
            files[number].new, files[number].status = new, "changed"


def _body(doc: _Doc, group: list[Any], source: SourceText | None) -> str:
    original_body = source.text[doc.doc.body_start : doc.doc.body_end] if source else ""
    parts: list[str] = []
    wide = yamlio.indents_lists(original_body)  # write lists the way the file does
    for obj in group:
        if obj is doc.item:
            parts.append(original_body.rstrip("\n"))  # side-by-side: the job stays as written
            continue
        clean = _untagged(obj, doc.obj)
        text = yamlio.dump(clean, indent_lists=wide).rstrip("\n")
        if original_body and clean.get("kind") == "TrainJob":
            text, _ = comments.transplant(comments.extract(original_body), doc.obj, clean, text)
        parts.append(text)
    return "\n---\n".join(parts) + "\n"


def _untagged(obj: Obj, original: Mapping[str, Any]) -> Obj:
    """``obj`` without the path/index annotations this module added (not the user's own)."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("annotations"), dict):
        return obj
    own = (original.get("metadata") or {}).get("annotations") or {}
    annotations = {  # the file's own value where it had one (it is data like any other)
        k: own.get(k, v) for k, v in meta["annotations"].items() if k not in (_PATH, _INDEX) or k in own
    }
    new_meta = {**meta, "annotations": annotations}
    if not annotations:
        del new_meta["annotations"]
    out = {**obj, "metadata": new_meta}
    if out.get("kind") in ("List", "PyTorchJobList") and isinstance(out.get("items"), list):
        out["items"] = [_untagged(child, {}) if isinstance(child, dict) else child for child in out["items"]]
    return out


def _file_ref(item: Mapping[str, Any]) -> FileRef | None:
    annotations = ((item.get("metadata") or {}).get("annotations") or {})
    if _PATH not in annotations:
        return None
    return FileRef(annotations[_PATH], int(annotations.get(_INDEX, 0)))


#: the rule of results about files that could not be read (check's exit code 4)
READ_RULE: Final = "read"


def _file_result(entry: Found, severity: Severity, message: str, line: int | None) -> Result:
    return Result(message, severity, READ_RULE, None, None, FileRef(entry.display, 0, line))


class _Locator:
    """Lines of results and jobs; each document is composed at most once."""

    def __init__(self, files: list[FileOutcome], texts: list[SourceText | None], docs: list[_Doc]):
        self._texts = texts
        self._docs = {(files[d.file].found.display, d.doc.index): d for d in docs}
        self._lines: dict[tuple[str, int], dict[Path, int]] = {}

    def result(self, result: Result) -> Result:
        """Give a result the line of its field (or object) in its file."""
        if result.file is None or result.file.line is not None:
            return result
        key = (result.file.path, result.file.index)
        doc = self._docs.get(key)
        if doc is None:
            return result
        path: Path = parse_path(result.field) if result.field else ()
        if doc.obj.get("kind") in ("List", "PyTorchJobList") and result.resource is not None:
            path = (*_list_position(doc.obj, result.resource.name, result.resource.namespace), *path)
        line = positions.line_of(self._found(key, doc), path)
        at = doc.doc.body_line + line if line is not None else doc.doc.body_line
        return dataclasses.replace(result, file=FileRef(result.file.path, result.file.index, at))

    def job(self, ref: ResourceRef, display: str, index: int) -> JobRef:
        probe = Result("", Severity.INFO, "", ref, None, FileRef(display, index))
        return JobRef(ref, self.result(probe).file or FileRef(display, index))

    def _found(self, key: tuple[str, int], doc: _Doc) -> dict[Path, int]:
        if key not in self._lines:
            source = self._texts[doc.file]
            body = source.text[doc.doc.body_start : doc.doc.body_end] if source else ""
            try:
                self._lines[key] = positions.lines(yamlio.compose(body))
            except InputError:
                self._lines[key] = {}
        return self._lines[key]


def _list_position(obj: Mapping[str, Any], name: str, namespace: str | None) -> Path:
    for index, child in enumerate(obj.get("items") or []):
        meta = child.get("metadata") or {} if isinstance(child, dict) else {}
        if meta.get("name") == name and (meta.get("namespace") or None) == namespace:
            return ("items", index)
    return ()
