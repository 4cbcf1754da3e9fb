"""Keep kustomizations working when the v1 jobs they patch become TrainJobs.

A patch aimed at a converted job would silently stop matching (kustomize
ignores a ``patches`` target that matches nothing). So each such patch is applied
to the job it targets, both the job and the patched job are converted, and the
difference between the two TrainJobs becomes the new patch, aimed at the TrainJob,
in the form the old one had (JSON 6902 ops, or a merge patch). A patch that cannot
be carried over is reported with its file and line, and left as it is.

``images:`` entries that named a converted job's image no longer reach it:
kustomize only knows container image fields, not ``spec.trainer.image``. They are
reported, and a ``configurations:`` field spec that teaches kustomize the field is
written beside the kustomization.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

import yaml

from trainjob_migrate import lazy, sources, yamlio
from trainjob_migrate.assemble import NODE
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.errors import InputError
from trainjob_migrate.records import Record
from trainjob_migrate.repo import documents
from trainjob_migrate.results import FileRef, Result, Severity, ref_of
from trainjob_migrate.rules.metadata import CONVERTED_FROM

TYPE_CHECKING = False  # no typing, no dataclasses at start-up (records.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, Final, TypeAlias

    from trainjob_migrate.convert import Conversion
    from trainjob_migrate.repo import patching
else:  # only a kustomization with patches needs it (copy: start-up time of check)
    patching = lazy.module("trainjob_migrate.repo.patching")

Obj: TypeAlias = "dict[str, Any]"

NAMES: Final = ("kustomization.yaml", "kustomization.yml", "Kustomization")
IMAGES_CONFIG: Final = "trainjob-images.yaml"
IMAGES_FIELD_SPEC: Final = "images:\n- path: spec/trainer/image\n  kind: TrainJob\n"
_RULE: Final = RuleId.KUSTOMIZE.value
_TARGET: Final = {"group": "trainer.kubeflow.org", "version": "v1alpha1", "kind": "TrainJob"}
_SELECTS: Final = ("name", "namespace", "labelSelector", "annotationSelector")


def is_kustomization(display: str) -> bool:
    return posixpath.basename(display) in NAMES


class Kustomization(Record):
    __slots__ = ("display", "text", "data", "node")
    display: str
    text: str
    data: Obj
    #: the node tree of ``text`` (positions), composed when first asked (:meth:`tree`): kept
    #: for every kustomization, node trees and their marks were a tenth of what a repository
    #: conversion held, and most kustomizations have no line to give and nothing to rewrite
    node: Any

    def __init__(self, display: str, text: str, data: Obj, node: Any = None) -> None:
        self.display = display
        self.text = text
        self.data = data
        self.node = node

    def tree(self) -> Any:
        """The node tree of the kustomization (composed once, when first asked)."""
        if self.node is None:
            self.node = yamlio.compose(self.text)  # read once already: no InputError
        return self.node

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.display)

    def line(self, *path: str | int) -> int:
        node = self.tree()
        for part in path:
            node = _child(node, part)
            if node is None:
                return 1
        return int(node.start_mark.line) + 1


def read(display: str, text: str) -> Kustomization | None:
    try:  # composed once: its node tree is composed again if a line or a rewrite asks
        data, _ = yamlio.load_node(text)
    except InputError:
        return None
    return Kustomization(display, text, data) if isinstance(data, dict) else None


def patch_files(kustomization: Kustomization) -> set[str]:
    """Files the kustomization uses as patches: not manifests to convert on their own."""
    out: set[str] = set()
    for entry in _entries(kustomization):
        if entry.file is not None:
            out.add(entry.file)
    return out


class _Entry(Record):
    __slots__ = ("key", "index", "target", "inline", "file")
    key: str  # patches | patchesStrategicMerge | patchesJson6902
    index: int
    target: Mapping[str, Any] | None
    inline: str | None
    file: str | None  # display path

    def __init__(
        self,
        key: str,
        index: int,
        target: Mapping[str, Any] | None,
        inline: str | None,
        file: str | None,
    ) -> None:
        self.key = key
        self.index = index
        self.target = target
        self.inline = inline
        self.file = file


def _entries(k: Kustomization) -> list[_Entry]:
    out: list[_Entry] = []
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        for index, raw in enumerate(k.data.get(key) or []):
            if isinstance(raw, str):  # patchesStrategicMerge: a file, or an inline patch
                inline = (
                    raw if "\n" in raw or raw.lstrip().startswith(("apiVersion", "kind")) else None
                )
                file = (
                    None
                    if inline is not None
                    else posixpath.normpath(posixpath.join(k.folder, raw))
                )
                out.append(_Entry(key, index, None, inline, file))
            elif isinstance(raw, Mapping):
                path = raw.get("path")
                file = (
                    posixpath.normpath(posixpath.join(k.folder, path))
                    if isinstance(path, str)
                    else None
                )
                patch = raw.get("patch")
                target = raw.get("target") if isinstance(raw.get("target"), Mapping) else None
                out.append(
                    _Entry(key, index, target, patch if isinstance(patch, str) else None, file)
                )
    return out


class _Converted(Mapping[int, "Obj"]):
    """id of a converted job -> its TrainJob, converted on first use (only patched jobs are)."""

    def __init__(self, ids: set[int], convert_one: ConvertOne) -> None:
        self._ids = ids
        self._convert = convert_one
        self._cache: dict[int, Obj] = {}
        self._jobs: dict[int, Mapping[str, Any]] = {}

    def remember(self, jobs: list[Obj]) -> None:
        for job in jobs:
            self._jobs.setdefault(id(job), job)

    def __getitem__(self, key: int) -> Obj:
        if key not in self._ids:
            raise KeyError(key)
        if key not in self._cache:
            trainjob = self._convert(self._jobs[key]).trainjob
            if trainjob is None:
                raise KeyError(key)
            self._cache[key] = trainjob
        return self._cache[key]

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class Rewrite(Record):
    """What the kustomization step changes: file texts by display path, and results."""

    __slots__ = ("texts", "created", "results")
    texts: dict[str, str]
    created: dict[str, str]
    results: list[Result]

    def __init__(
        self,
        texts: dict[str, str] | None = None,
        created: dict[str, str] | None = None,
        results: list[Result] | None = None,
    ) -> None:
        self.texts = {} if texts is None else texts
        self.created = {} if created is None else created
        self.results = [] if results is None else results


ConvertOne: TypeAlias = "Callable[[Mapping[str, Any]], Conversion]"


def rewrite(
    kustomizations: list[Kustomization],
    file_texts: Mapping[str, str],
    jobs: Mapping[str, list[Obj]],
    trainjobs: Mapping[int, Obj],
    convert_one: ConvertOne,
) -> Rewrite:
    """Re-target patches and report images for every kustomization.

    ``jobs``: display path -> the v1 jobs and TrainJobs it holds (as read); ``trainjobs``: id
    of each of those this run converts -> the TrainJob it wrote for it; ``convert_one`` converts a
    job the way this run does (a patched job, and the job a patch is re-expressed against).
    """
    by_folder = {k.folder: k for k in kustomizations}
    converted = _Converted(set(trainjobs), convert_one)
    out = Rewrite()
    for k in kustomizations:
        reachable = _reachable(k, by_folder, jobs, set())
        converted.remember(reachable)
        edits: list[tuple[Any, str]] = []
        for entry in _entries(k):
            _retarget(k, entry, reachable, converted, convert_one, file_texts, edits, out)
        _images(k, reachable, trainjobs, edits, out)
        _renames(k, reachable, trainjobs, out)
        if edits:
            out.texts[k.display] = _splice(k.text, edits)
    return out


def blocked(
    kustomizations: list[Kustomization],
    file_texts: Mapping[str, str],
    jobs: Mapping[str, list[Obj]],
    wanted: Callable[[Mapping[str, Any]], bool],
    convert_one: ConvertOne,
) -> dict[int, list[Result]]:
    """The jobs that must stay as they are, by id, with the error for each: a job converts only
    together with its overlays, so one that some kustomization patches in a way that cannot be
    carried over to its TrainJob is not converted at all (converting the base alone would
    deploy a TrainJob without the overlay's changes: kustomize skips a patch that matches
    nothing). ``wanted``: the jobs this run would convert."""
    by_folder = {k.folder: k for k in kustomizations}
    ids = {id(job) for found in jobs.values() for job in found if sources.is_job(job)}
    converted = _Converted(ids, convert_one)
    out: dict[int, list[Result]] = {}
    for k in kustomizations:
        reachable = [j for j in _reachable(k, by_folder, jobs, set()) if sources.is_job(j)]
        converted.remember(reachable)
        for entry in _entries(k):
            text = entry.inline if entry.inline is not None else file_texts.get(entry.file or "")
            try:
                patch = yamlio.load(text) if text is not None else None
            except InputError:
                continue  # reported by rewrite()
            targets = _targets(entry, patch, reachable) if patch is not None else None
            mine = [j for j in targets or [] if wanted(j) and id(j) not in out]
            if not mine:
                continue
            try:
                _translate(patch, mine, converted, convert_one)
            except KeyError:
                continue  # the job itself does not convert: its own results say why
            except patching.PatchError as exc:
                message = (
                    f"this kustomization patches {_names(mine)} in a way that cannot be carried "
                    f"over to its TrainJob: {exc}. The job and all its patches are left "
                    "unchanged (converting the base alone would deploy a TrainJob without this "
                    "overlay's changes: kustomize skips a patch that matches nothing); make the "
                    "patch expressible on the TrainJob, or remove it, and convert again"
                )
                where = FileRef(k.display, 0, k.line(entry.key, entry.index))
                for job in mine:
                    out[id(job)] = [
                        Result(message, Severity.ERROR, _RULE, ref_of(job), None, where)
                    ]
    return out


def _reachable(
    k: Kustomization,
    by_folder: Mapping[str, Kustomization],
    jobs: Mapping[str, list[Obj]],
    seen: set[str],
) -> list[Obj]:
    """The jobs a kustomization builds from (its resources, through bases)."""
    if k.folder in seen:
        return []
    seen.add(k.folder)
    found: list[Obj] = []
    for resource in k.data.get("resources") or []:
        if not isinstance(resource, str):
            continue
        path = posixpath.normpath(posixpath.join(k.folder, resource))
        if path in jobs:
            found.extend(jobs[path])
        elif path in by_folder:
            found.extend(_reachable(by_folder[path], by_folder, jobs, seen))
    return found


def _as_job(obj: Any) -> Any:
    """A TrainJob seen as the v1 job it came from (by our provenance annotation), to match a
    stale patch's target. Without the annotation it is taken for the first source's kind."""
    if not (isinstance(obj, Mapping) and obj.get("kind") == "TrainJob"):
        return obj
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    reference = (
        str((annotations or {}).get(CONVERTED_FROM, "")) if isinstance(annotations, Mapping) else ""
    )
    source = sources.from_reference(reference)
    if source is None:
        source = sources.SOURCES[0]
        return {**obj, "apiVersion": source.api_version, "kind": source.kind}
    return {**obj, "apiVersion": reference.split(" ")[0], "kind": source.kind}


def _targets(entry: _Entry, patch: Any, reachable: list[Obj]) -> list[Obj] | None:
    """The jobs a patch applies to; None if it is not about v1 jobs."""
    target = entry.target
    if target is None:
        if not (isinstance(patch, Mapping) and sources.is_job(patch)):
            return None
        target = {"kind": patch.get("kind"), "name": (patch.get("metadata") or {}).get("name")}
    kind = target.get("kind")
    if kind is None:
        if not any(target.get("group") in s.groups for s in sources.SOURCES):
            return None
    elif sources.by_kind(str(kind)) is None:
        return None
    return [
        job
        for job in reachable
        if kind in (None, job.get("kind"))
        and target.get("name") in (None, (job.get("metadata") or {}).get("name"))
        and target.get("namespace") in (None, (job.get("metadata") or {}).get("namespace"))
    ]


def _retarget(
    k: Kustomization,
    entry: _Entry,
    reachable: list[Obj],
    converted: Mapping[int, Obj],
    convert_one: ConvertOne,
    file_texts: Mapping[str, str],
    edits: list[tuple[Any, str]],
    out: Rewrite,
) -> None:
    text = entry.inline if entry.inline is not None else file_texts.get(entry.file or "")
    where = FileRef(k.display, 0, k.line(entry.key, entry.index))
    if text is None:
        return
    try:
        patch = yamlio.load(text)
    except InputError as exc:
        out.results.append(_result(f"patch cannot be read: {exc}", where, Severity.ERROR))
        return
    targets = _targets(entry, patch, [j for j in reachable if sources.is_job(j)])
    if targets is None:
        return  # not about v1 jobs
    if not targets:
        gone = _targets(
            entry, _as_job(patch), [_as_job(j) for j in reachable if j.get("kind") == "TrainJob"]
        )
        if gone:
            out.results.append(
                _result(
                    f"this patch targets {_names(gone)}, which is now a TrainJob: it no "
                    "longer applies (kustomize skips it silently); rewrite it for the TrainJob",
                    where,
                    Severity.ERROR,
                )
            )
        return
    mine = [job for job in targets if id(job) in converted]
    if not mine:
        return  # its jobs stay v1 jobs in this run: the patch keeps working
    told: list[tuple[Obj, Result]] = []
    try:
        new_patch = _translate(patch, mine, converted, convert_one, told)
    except patching.PatchError as exc:
        out.results.append(
            _result(
                f"this patch targets {_names(mine)}, which becomes a TrainJob, and it "
                f"cannot be carried over: {exc}. Rewrite it for the TrainJob by hand (it would "
                "silently stop applying)",
                where,
                Severity.ERROR,
            )
        )
        return
    ops_form = isinstance(patch, list)
    body = yamlio.dump(new_patch)
    if entry.inline is not None:
        node = _child(_child(k.tree(), entry.key), entry.index)
        value = _child(node, "patch") if entry.key != "patchesStrategicMerge" else node
        edits.append((value, _block_scalar(body, value, k.text)))
    else:  # the patch file: its body replaced, the comments above it kept
        original = file_texts[entry.file or ""]
        first = next((d for d in documents.split(original) if d.has_body()), None)
        out.texts[entry.file or ""] = (
            documents.replace_bodies(original, documents.split(original), {first.index: body})
            if first is not None
            else body
        )
    if entry.target is not None:  # what selected the job selects its TrainJob
        new_target = {
            **_TARGET,
            **{key: entry.target[key] for key in _SELECTS if entry.target.get(key)},
        }
        target_node = _child(_child(_child(k.tree(), entry.key), entry.index), "target")
        edits.append((target_node, _mapping(new_target, target_node)))
    out.results.extend(_overwrites(new_patch, mine, converted, where))
    # what the patched job's conversion warns of and the base's does not (a Master-only
    # affinity that --template-mismatch master gives every node): the patch's doing, told here
    out.results.extend(
        Result(f"with this patch: {r.message}", r.severity, r.rule, ref_of(job), r.field, where)
        for job, r in told
    )
    form = "JSON 6902 ops" if ops_form else "a merge patch"
    out.results.append(
        _result(
            f"patch re-targeted at TrainJob {_names(mine)} ({form} on the converted fields)",
            where,
            Severity.INFO,
        )
    )


def _translate(
    patch: Any,
    jobs: list[Obj],
    converted: Mapping[int, Obj],
    convert_one: ConvertOne,
    told: list[tuple[Obj, Result]] | None = None,
) -> Any:
    """The patch, re-expressed on the TrainJob(s) its job(s) became. ``told``: gets the
    warnings of each patched job's conversion that its base's conversion does not have."""
    outputs: list[Any] = []
    for job in jobs:
        patched = _apply(patch, job)
        result = convert_one(patched)
        if not result.converted or result.trainjob is None:
            errors = [r.message for r in result.results if r.severity == Severity.ERROR]
            raise patching.PatchError(
                f"the patched job would not convert ({errors[0] if errors else 'see its results'})"
            )
        if told is not None:
            base = {(r.field, r.message) for r in convert_one(job).results}
            told.extend(
                (job, r)
                for r in result.results
                if r.severity == Severity.WARNING and (r.field, r.message) not in base
            )
        before = converted[id(job)]
        if isinstance(patch, list):
            ops = patching.diff_ops(before, result.trainjob)
            if not ops:
                raise patching.PatchError(_NOTHING)
            outputs.append(ops)
        else:
            partial = patching.diff_merge(before, result.trainjob)
            if not partial:
                raise patching.PatchError(_NOTHING)
            selects = patch.get("metadata") if isinstance(patch.get("metadata"), Mapping) else {}
            meta = {
                "name": (before.get("metadata") or {}).get("name"),
                **({"namespace": selects["namespace"]} if selects.get("namespace") else {}),
                **(partial.pop("metadata", None) or {}),
            }
            outputs.append(
                {
                    "apiVersion": before["apiVersion"],
                    "kind": "TrainJob",
                    "metadata": meta,
                    **partial,
                }
            )
    if any(o != outputs[0] for o in outputs[1:]):
        raise patching.PatchError("it changes the jobs it targets differently")
    return outputs[0]


def _overwrites(
    new_patch: Any, jobs: list[Obj], converted: Mapping[int, Obj], where: FileRef
) -> list[Result]:
    """A result for every field of the TrainJob the re-targeted patch clears or replaces: what
    kustomize did to the v1 job (a list replaced whole, a field dropped) shows there."""
    before = converted[id(jobs[0])]
    if isinstance(new_patch, list):
        changes = [
            (str(op["path"]).lstrip("/").split("/"), op["op"] == "remove")
            for op in new_patch
            if op.get("op") in ("remove", "replace")
        ]
    else:
        changes = [
            (path, value is None)
            for path, value in _leaves({k: v for k, v in new_patch.items() if k == "spec"})
        ]
    out: list[Result] = []
    for path, cleared in changes:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path]
        field = ".".join(parts)
        if cleared:
            message = (
                f"the re-targeted patch clears {field} of TrainJob {_names(jobs).split(' ', 1)[1]}"
                ": kustomize drops or replaces whole what the patch sets on the v1 job (a "
                "container list replaced by the patch's), so the TrainJob loses it too; if that "
                "is not meant, add the field to the patch"
            )
            out.append(_result(message, where, Severity.WARNING))
        elif _has(before, parts):
            out.append(
                _result(
                    f"the re-targeted patch replaces {field} of TrainJob "
                    f"{_names(jobs).split(' ', 1)[1]} (whole, as kustomize does)",
                    where,
                    Severity.INFO,
                )
            )
    return out


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[list[str], Any]]:
    if isinstance(value, Mapping) and value:
        for key, child in value.items():
            yield from _leaves(child, (*path, str(key)))
    else:
        yield list(path), value


def _has(obj: Any, parts: list[str]) -> bool:
    for part in parts:
        if isinstance(obj, Mapping) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return False
    return True


_NOTHING: Final = (
    "it changes nothing a TrainJob carries (every field it sets is dropped or reported)"
)


def _apply(patch: Any, job: Obj) -> Any:
    if isinstance(patch, list):
        return patching.apply_ops(job, patch)
    if isinstance(patch, Mapping):
        return patching.merge(
            job, {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
        )
    raise patching.PatchError("it is neither a list of JSON 6902 ops nor a merge patch")


def _images(
    k: Kustomization,
    reachable: list[Obj],
    trainjobs: Mapping[int, Obj],
    edits: list[tuple[Any, str]],
    out: Rewrite,
) -> None:
    images = [e for e in k.data.get("images") or [] if isinstance(e, Mapping) and e.get("name")]
    if not images:
        return
    trainer_images = {
        _image_name(str(trainjobs[id(job)]["spec"]["trainer"].get("image", "")))
        for job in reachable
        if id(job) in trainjobs
    } | {
        _image_name(str(((job.get("spec") or {}).get("trainer") or {}).get("image", "")))
        for job in reachable
        if job.get("kind") == "TrainJob"
    }
    hits = [
        (i, e)
        for i, e in enumerate(k.data.get("images") or [])
        if e in images and e["name"] in trainer_images
    ]
    if not hits:
        return
    configs = [c for c in k.data.get("configurations") or [] if isinstance(c, str)]
    known = IMAGES_CONFIG in configs
    for index, entry in hits:
        out.results.append(
            _result(
                f"images: entry {entry['name']!r} reached the v1 job's containers, but kustomize does "
                "not know spec.trainer.image of a TrainJob"
                + (
                    ""
                    if known
                    else f"; the conversion adds {IMAGES_CONFIG} to configurations: (a field spec "
                    "for spec.trainer.image), so that the entry reaches the TrainJob"
                ),
                FileRef(k.display, 0, k.line("images", index)),
                Severity.INFO if known else Severity.WARNING,
            )
        )
    if known:
        return
    out.created[posixpath.join(k.folder, IMAGES_CONFIG)] = IMAGES_FIELD_SPEC
    node = _child(k.tree(), "configurations")
    if node is None:
        dash = "  - " if yamlio.indents_lists(k.text) else "- "
        edits.append((None, f"configurations:\n{dash}{IMAGES_CONFIG}\n"))
    else:
        edits.append((node, _sequence([*configs, IMAGES_CONFIG], node)))


def _renames(
    k: Kustomization, reachable: list[Obj], trainjobs: Mapping[int, Obj], out: Rewrite
) -> None:
    """``namePrefix``/``nameSuffix`` rename a TrainJob and so its pods and their host names,
    but not the host names the conversion wrote into it from the base name (MASTER_ADDR of the
    v1 env, rewritten v1 hosts): the v1 operator derived those from the final name at run time."""
    for key in ("namePrefix", "nameSuffix"):
        affix = k.data.get(key)
        if not isinstance(affix, str) or not affix:
            continue
        for job in reachable:
            trainjob = trainjobs.get(id(job))
            name = str(((trainjob or {}).get("metadata") or {}).get("name") or "")
            fields = _naming(trainjob.get("spec"), f"{name}-{NODE}-", "spec") if trainjob else []
            if not fields:
                continue
            renamed = f"{affix}{name}" if key == "namePrefix" else f"{name}{affix}"
            out.results.append(
                Result(
                    f"{key} {affix!r} renames TrainJob {name} to {renamed} (its pods "
                    f"{renamed}-{NODE}-0-<i>.{renamed}), but {', '.join(fields[:3])}"
                    f"{' and more' if len(fields) > 3 else ''} of the converted job name the "
                    f"pods of the base name ({name}-{NODE}-...), which kustomize does not rename "
                    "(the v1 operator derived them from the final name): the nodes cannot reach "
                    "each other. Patch those values in this overlay, or give the base its final "
                    "name",
                    Severity.WARNING,
                    _RULE,
                    ref_of(job),
                    None,
                    FileRef(k.display, 0, k.line(key)),
                )
            )


def _naming(value: Any, host: str, path: str) -> list[str]:
    """The fields under ``value`` whose string holds ``host``."""
    if isinstance(value, str):
        return [path] if host in value else []
    if isinstance(value, Mapping):
        return [f for key, v in value.items() for f in _naming(v, host, f"{path}.{key}")]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _naming(v, host, f"{path}[{i}]")]
    return []


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def _names(jobs: list[Obj]) -> str:
    """``<Kind> a, b``: the kind (the first job's; a patch targets one kind) and the names."""
    names = ", ".join(sorted(str((j.get("metadata") or {}).get("name")) for j in jobs))
    return f"{jobs[0].get('kind')} {names}" if jobs else names


def _result(message: str, where: FileRef, severity: Severity) -> Result:
    return Result(message, severity, _RULE, None, None, where)


# --- text edits ---------------------------------------------------------------


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        return node.value[part] if part < len(node.value) else None
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        return next((value for key, value in node.value if key.value == part), None)
    return None


def _block_scalar(body: str, node: Any, text: str) -> str:
    """A ``|-`` block scalar holding ``body``, indented as the one it replaces."""
    lines_after = text[node.start_mark.index : _end(text, node)].split("\n")[1:]
    content = [line for line in lines_after if line.strip()]
    if node.style in ("|", ">") and content:
        column = len(content[0]) - len(content[0].lstrip(" "))
    else:
        line_start = text.rfind("\n", 0, node.start_mark.index) + 1
        own = text[line_start : node.start_mark.index]
        key = own.lstrip(" ")
        while key.startswith("- ") and key[2:].strip():  # `- patch: '...'`: the key's column
            key = key[2:].lstrip(" ")
        column = len(own) - len(key) + 2
    pad = " " * column
    return "|-\n" + "\n".join(
        f"{pad}{line}" if line else "" for line in body.rstrip("\n").split("\n")
    )


def _mapping(values: Mapping[str, Any], node: Any) -> str:
    if getattr(node, "flow_style", False):
        return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"
    pad = " " * node.start_mark.column
    lines = [f"{k}: {v}" for k, v in values.items()]
    return lines[0] + "".join(f"\n{pad}{line}" for line in lines[1:])


def _sequence(values: list[str], node: Any) -> str:
    if getattr(node, "flow_style", False):
        return "[" + ", ".join(values) + "]"
    pad = " " * node.start_mark.column
    return f"- {values[0]}" + "".join(f"\n{pad}- {v}" for v in values[1:])


def _splice(text: str, edits: list[tuple[Any, str]]) -> str:
    """Replace each node's text (None: append at the end), from the end backwards."""
    appended = [new for node, new in edits if node is None]
    spans = sorted(
        ((node.start_mark.index, _end(text, node), new) for node, new in edits if node is not None),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    for new in appended:
        text = text + ("" if text.endswith("\n") else "\n") + new
    return text


def _end(text: str, node: Any) -> int:
    """Where a node's own text ends (block nodes' end marks include the following newline)."""
    end = int(node.end_mark.index)
    while end > node.start_mark.index and text[end - 1] in " \n":
        end -= 1
    return end
