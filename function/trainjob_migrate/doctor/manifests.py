"""The objects of a repository with their file and line, for the doctor's checks.

Files are walked and split as the repository engine does (:mod:`~trainjob_migrate.repo`);
templates and unreadable documents are skipped here (``check``'s reading reports them).
A namespaced object without ``metadata.namespace`` takes the ``namespace:`` of the
kustomization in its folder, as kustomize would set it. A kustomize patch file (named in a
kustomization's ``patches``, ``patchesStrategicMerge`` or ``patchesJson6902``) is no object:
it is skipped.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from trainjob_migrate import paths, sources, yamlio
from trainjob_migrate.errors import InputError
from trainjob_migrate.paths import Path, format_path
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.repo import kustomize, positions
from trainjob_migrate.repo.documents import SourceText, split
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.results import FileRef, Result, Severity, ref_of
from trainjob_migrate.templates.placeholders import TEMPLATE_MARK, template_line

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

_KUSTOMIZATIONS: Final = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class Manifest(Frozen):
    __slots__ = ("obj", "path", "index", "body_line", "lines", "namespace")
    obj: Obj
    path: str  # the file, as displayed
    index: int  # document index in the file
    body_line: int  # 1-based line where the document's body starts
    lines: dict[Path, int]  # 0-based line of each field, relative to the body
    namespace: str | None  # effective namespace (kustomization's when the object has none)

    def __init__(
        self,
        obj: Obj,
        path: str,
        index: int,
        body_line: int,
        lines: dict[Path, int],
        namespace: str | None,
    ) -> None:
        init(self, obj, path, index, body_line, lines, namespace)

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name", ""))

    def get(self, *path: str | int) -> Any:
        return paths.get(self.obj, path)

    def file(self, path: Path = ()) -> FileRef:
        line = positions.line_of(self.lines, path)
        return FileRef(self.path, self.index, self.body_line + (line or 0))

    def result(self, severity: Severity, rule: str, path: Path, message: str) -> Result:
        return Result(
            message, severity, rule, ref_of(self.obj), format_path(path) or None, self.file(path)
        )


def load(found: Iterable[Found]) -> list[Manifest]:
    raw: list[tuple[Found, str]] = []
    for entry in found:
        try:
            with open(entry.path, "rb") as stream:  # noqa: PTH123 - Found.path is a str
                text = SourceText.decode(stream.read()).text
        except (OSError, UnicodeDecodeError):
            continue
        if not (TEMPLATE_MARK.search(text) and template_line(text) is not None):
            raw.append((entry, text))
    namespaces = _kustomize_namespaces(raw)
    patches = _patch_files(raw)
    out: list[Manifest] = []
    for entry, text in raw:
        if posixpath.basename(entry.display) in _KUSTOMIZATIONS or entry.display in patches:
            continue
        for doc in split(text):
            if not doc.has_body():
                continue
            body = text[doc.body_start : doc.body_end]
            try:
                obj = yamlio.load(body)
                lines = positions.lines(yamlio.compose(body))
            except InputError:
                continue
            for item, prefix in _items(obj):
                meta = item.get("metadata") or {}
                namespace = meta.get("namespace") or namespaces.get(
                    posixpath.dirname(entry.display)
                )
                item_lines = {
                    p[len(prefix) :]: n for p, n in lines.items() if p[: len(prefix)] == prefix
                }
                out.append(
                    Manifest(
                        item,
                        entry.display,
                        doc.index,
                        doc.body_line,
                        item_lines,
                        str(namespace) if namespace else None,
                    )
                )
    return out


def _items(obj: Any) -> list[tuple[Obj, Path]]:
    if not isinstance(obj, dict):
        return []
    if sources.is_list(obj):
        return [(c, ("items", i)) for i, c in enumerate(obj["items"]) if isinstance(c, dict)]
    return [(obj, ())]


def _kustomize_namespaces(raw: list[tuple[Found, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry, text in raw:
        if posixpath.basename(entry.display) not in _KUSTOMIZATIONS:
            continue
        try:
            obj = yamlio.load(text)
        except InputError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("namespace"), str):
            out[posixpath.dirname(entry.display)] = obj["namespace"]
    return out


def _patch_files(raw: list[tuple[Found, str]]) -> set[str]:
    out: set[str] = set()
    for entry, text in raw:
        if posixpath.basename(entry.display) in _KUSTOMIZATIONS:
            k = kustomize.read(entry.display, text)
            if k is not None:
                out |= kustomize.patch_files(k)
    return out
