"""Containers of jobs: objects that carry Training Operator jobs inside them.

One plug-in module a container kind (``katib``, ``appwrapper``, ``argo``, ``kfp``,
``configmap``), imported only when an object of its kind is in the input. :func:`process`
finds every job in an object (:mod:`.walk`: nested objects and strings that name a job
kind), converts those its plug-in claims with the same engine as a top-level job, writes
each back where and as it was (an object, a YAML or a JSON string), lets the plug-in
rewrite what refers to the job, and reports the rest: a job at a place no plug-in knows,
in a kind no plug-in knows, or a string that is no parseable job. A container is rewritten
whole or not at all: one job that cannot be converted leaves it untouched.
"""

from __future__ import annotations

import re

from trainjob_migrate import krm, sources, yamlio
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.containers import placeholders, strings, walk
from trainjob_migrate.containers.model import Embedded, Rewrite, join
from trainjob_migrate.convert import Conversion, convert
from trainjob_migrate.errors import InputError
from trainjob_migrate.holders import name_of
from trainjob_migrate.paths import Path, format_path, get
from trainjob_migrate.records import Record
from trainjob_migrate.results import ResourceRef, Result, Severity, ref_of
from trainjob_migrate.rules.metadata import CONVERTED_FROM

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.containers import appwrapper, argo, configmap, katib, kfp
    from trainjob_migrate.containers.model import Plugin
    from trainjob_migrate.containers.placeholders import Swap
    from trainjob_migrate.results import FileRef
    from trainjob_migrate.targets import Target

#: every plug-in, for the rule catalogue and the docs
NAMES: Final = ("katib", "appwrapper", "argo", "kfp", "configmap")
#: the rule of findings about jobs no plug-in handles
GENERIC: Final = RuleId.EMBEDDED_JOB.value


#: ``{{...}}`` as Argo (workflow variables, expressions) and compiled pipelines (``{{$.``) write
#: it; Helm writes ``{{ .Values.x }}``, ``{{- ...}}``, ``{{ include ...}}``
_OWN_BRACES: Final = re.compile(
    r"\{\{\s*(?:workflow|inputs|outputs|steps|tasks|item|pod|node|retries|lastRetry|"
    r"cronworkflow|=|\$\.)[^{}]*\}\}"
)
_BRACE_CONTAINER: Final = re.compile(
    r"^(apiVersion:\s*[\"']?argoproj\.io/|pipelineInfo:)", re.MULTILINE
)


def ref(item: Mapping[str, Any]) -> ResourceRef:
    """The resourceRef of a container: a compiled pipeline, which has no kind, is named as
    KFP's IR message (``PipelineSpec``) and its ``pipelineInfo.name``."""
    found = ref_of(item)
    if found.kind or name_of(item) != "kfp":
        return found
    info = item.get("pipelineInfo")
    name = info.get("name") if isinstance(info, dict) else None
    return ResourceRef(found.api_version, "PipelineSpec", str(name or ""), found.namespace)


def own_placeholders(text: str) -> bool:
    """Whether every ``{{`` of a file is an Argo workflow's or a compiled pipeline's own
    placeholder (the file is plain YAML, not a Helm template)."""
    if _BRACE_CONTAINER.search(text) is None or "{%" in text:
        return False
    return "{{" not in _OWN_BRACES.sub("", text)


if TYPE_CHECKING:  # mypy checks every plug-in module against the Protocol
    _PLUGINS: tuple[Plugin, ...] = (katib, appwrapper, argo, kfp, configmap)


def line_in_string(obj: Mapping[str, Any], path: Path) -> int:
    """How many lines below its key a field inside a job written as a string is (0 for a
    field of no such job, or a string whose lines cannot be told): the string is a block
    scalar whose content starts on the line after its key."""
    for cut in range(len(path) - 1, 0, -1):
        value = get(obj, path[:cut])
        if not isinstance(value, str):
            continue
        if "\n" not in value.rstrip("\n"):
            return 0
        from trainjob_migrate.repo import positions  # only for a result in such a string

        try:
            lines = positions.lines(yamlio.compose(value))
        except InputError:
            return 0
        inner = positions.line_of(lines, path[cut:])
        return 1 + inner if inner is not None else 0
    return 0


def _is_kustomization(item: Mapping[str, Any], file: FileRef | None) -> bool:
    """A kustomization (most write neither apiVersion nor kind): an inline patch of its
    ``patches:`` names the job kind it patches, and is no job inside an object."""
    api_version = item.get("apiVersion")
    if isinstance(api_version, str) and api_version.startswith("kustomize.config.k8s.io/"):
        return True
    if file is None:
        return False
    from trainjob_migrate.repo import kustomize  # its file names: kustomize reads those

    return kustomize.is_kustomization(file.path)


def plugin(name: str) -> Plugin:
    import importlib  # only when a container is in the input

    module: Plugin = importlib.import_module(f"trainjob_migrate.containers.{name}")
    return module


class Outcome(Record):
    """What became of one container: the objects that stand where it stood."""

    __slots__ = ("container", "objects", "results", "jobs", "converted")
    #: the plug-in's name, or ``unknown``
    container: str
    #: generated runtimes, then the container (itself when untouched)
    objects: list[Any]
    results: list[Result]
    jobs: int
    converted: int

    def __init__(
        self, container: str, objects: list[Any], results: list[Result], jobs: int, converted: int
    ) -> None:
        self.container = container
        self.objects = objects
        self.results = results
        self.jobs = jobs
        self.converted = converted


def peers(items: list[Any]) -> dict[tuple[str, str, str], str]:
    """The job templates of ConfigMaps in ``items``, by (namespace, name, data key): what a
    Katib Experiment's ``trialTemplate.configMap`` refers to."""
    found: dict[tuple[str, str, str], str] = {}
    for item in items:
        if not isinstance(item, dict) or name_of(item) != "configmap":
            continue
        data = item.get("data")
        if not isinstance(data, dict):
            continue
        ref = ref_of(item)
        for key, value in data.items():
            if isinstance(value, str) and strings.mentions_job(value):
                found[(ref.namespace or "", ref.name, str(key))] = value
    return found


def template_job(rewrite: Rewrite, text: str) -> Embedded | None:
    """The job a template string of another object (a ConfigMap) holds, converted as that
    object's plug-in converts it (its results are that object's: not repeated here)."""
    probe = Rewrite(
        {"data": {"template": text}}, {"data": {"template": text}}, [], [], rewrite.rule,
        rewrite.ref, rewrite.file, rewrite.config, rewrite.target,
    )  # fmt: skip
    _convert_one(probe, plugin("configmap"), ("data", "template"))
    return probe.jobs[0] if probe.jobs and not _failed(probe) else None


def process(
    item: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    file: FileRef | None = None,
    peers: Mapping[tuple[str, str, str], str] | None = None,
) -> Outcome | None:
    """Convert the jobs inside ``item``; None when it holds none (nor refers to one).

    ``peers``: job templates of other objects of the input (:func:`peers`)."""
    if _is_kustomization(item, krm.file_of(item) or file):
        return None  # its patches are repo/kustomize's: re-targeted at the TrainJob, or refused
    name = name_of(item)
    paths = walk.find(item)
    module = plugin(name) if name is not None else None
    if not paths:
        if module is None:
            return None
        notes, stands = _notes(module, item, config, target, file, peers or {})
        return Outcome(name or "", [stands], notes, 0, 0) if notes else None
    file = krm.file_of(item) or file
    rewrite = Rewrite(
        item,
        dict(item),
        [],
        [],
        module.ID if module is not None else GENERIC,
        ref(item),
        file,
        config,
        target,
    )
    extra: list[Any] = []
    for path in paths:
        if module is None or not module.claims(item, path):
            _unknown(rewrite, item, path, module)
            continue
        extra.extend(_convert_one(rewrite, module, path))
    if module is not None and not _failed(rewrite):
        module.adjust(rewrite)
    outcome = Outcome(name or "unknown", [item], rewrite.results, len(paths), 0)
    if _failed(rewrite) or len(rewrite.jobs) + rewrite.skipped < len(paths):
        # left as it is: why (errors, warnings), not what a conversion did (it did nothing)
        outcome.results = [r for r in rewrite.results if r.severity is not Severity.INFO]
        return outcome
    if not rewrite.jobs:
        return outcome
    if config.mode != "replace":
        rewrite.report(
            Severity.INFO,
            None,
            f"mode {config.mode}: the {len(rewrite.jobs)} job(s) in this {module_what(module)} "
            "are not rewritten (a job inside another object is converted in place, with "
            "mode replace)",
        )
        return outcome
    outcome.objects = [*extra, rewrite.out]
    outcome.converted = len(rewrite.jobs)
    return outcome


def module_what(module: Plugin | None) -> str:
    return module.WHAT if module is not None else "object"


def _notes(
    module: Plugin, item: Mapping[str, Any], config: FunctionConfig, target: Target,
    file: FileRef | None, peers: Mapping[tuple[str, str, str], str],
) -> tuple[list[Result], Any]:  # fmt: skip
    """A container that holds no job but refers to one (a Katib Experiment whose trial
    template is in a ConfigMap): its findings, and what stands in its place."""
    rewrite = Rewrite(
        item, dict(item), [], [], module.ID, ref(item), krm.file_of(item) or file, config,
        target,
    )  # fmt: skip
    rewrite.peers = peers
    module.adjust(rewrite)
    changed = rewrite.out != dict(item) and not _failed(rewrite) and config.mode == "replace"
    return rewrite.results, rewrite.out if changed else item


def _failed(rewrite: Rewrite) -> bool:
    return any(r.severity is Severity.ERROR for r in rewrite.results)


def _unknown(rewrite: Rewrite, item: Mapping[str, Any], path: Path, module: Plugin | None) -> None:
    value = get(item, path)
    what = f"a {value.get('kind')}" if isinstance(value, dict) else "a string that names a job kind"
    kind = f"{module.WHAT}" if module is not None else f"{item.get('kind') or 'object'}"
    if isinstance(value, str) and not _holds_job(value):
        rewrite.results.append(
            Result(
                f"{what} inside this {kind}, but holds no job trainjob-migrate can read "
                "(prose, a fragment, several documents): it is left as it is; if a job is made "
                "from it, convert that by hand",
                Severity.WARNING,
                GENERIC,
                rewrite.ref,
                format_path(path),
                rewrite.file,
            )
        )
        rewrite.skipped += 1
        return
    rewrite.results.append(
        Result(
            f"{what} inside this {kind}, at a place trainjob-migrate does not know how the "
            f"{kind} uses: it is left as it is; convert it by hand (or report the shape, so a "
            "container plug-in can learn it)",
            Severity.ERROR,
            GENERIC,
            rewrite.ref,
            format_path(path),
            rewrite.file,
        )
    )


def _holds_job(text: str) -> bool:
    try:
        return sources.is_job(strings.parse(text))
    except InputError:
        return False


def _convert_one(rewrite: Rewrite, module: Plugin, path: Path) -> list[Any]:
    """Convert the job at ``path``; record it in ``rewrite``; return generated objects."""
    value = get(rewrite.original, path)
    encoding = "object" if isinstance(value, dict) else "json"
    if isinstance(value, str):
        encoding = "json" if strings.is_json(value) else "yaml"
    found = Embedded(path, encoding, value if isinstance(value, str) else None)
    kinds = module.kinds(rewrite.original, path)
    pattern = module.PLACEHOLDERS
    if isinstance(value, str):
        swap = placeholders.swap(value, pattern or r"(?!x)x", kinds)
        try:
            job = strings.parse(swap.to_samples(value))
            words = _words_where_strings_go(job, swap)
            if words:  # guessed integers where the schema wants a string: words there
                swap = placeholders.swap(value, pattern or r"(?!x)x", {**words, **kinds})
                job = strings.parse(swap.to_samples(value))
        except InputError as exc:
            rewrite.report(
                Severity.WARNING,
                path,
                f"a string that names a job kind but is not a job trainjob-migrate can read "
                f"({exc}): it is left as it is; if it is (part of) a job, convert it by hand",
            )
            rewrite.skipped += 1
            return []
    else:
        written = yamlio.dump(value)
        swap = placeholders.swap(written, pattern or r"(?!x)x", kinds, whole_is_int=False)
        job = swap.object_to_samples(value)
    source = sources.identify(job)
    if source is None:
        rewrite.error(
            path,
            "a string that names a job kind but does not hold one job (a stream of several "
            "documents, or a list): it is left as it is; convert it by hand",
        )
        return []
    meta = job.get("metadata") if isinstance(job.get("metadata"), dict) else {}
    nameless = not meta.get("name")
    if nameless and module.NAMES_JOBS:
        job = {**job, "metadata": {**meta, "name": swap.name}}
    found.job, found.source, found.swap = job, source, swap
    try:
        conversion = convert(job, rewrite.config, rewrite.target, rewrite.file)
    except Exception as exc:  # noqa: BLE001 - a bug must not cost the user the other items
        rewrite.results.append(
            Result(
                f"internal error while converting ({type(exc).__name__}: {exc}); the "
                f"{module.WHAT} is left unchanged. Please report this with the job",
                Severity.ERROR,
                RuleId.INTERNAL.value,
                rewrite.ref,
                format_path(path),
                rewrite.file,
            )
        )
        return []
    rewrite.results.extend(_retarget(conversion, rewrite, found))
    if not conversion.converted or conversion.trainjob is None:
        return []
    trainjob = _placed(conversion.trainjob, rewrite, found, nameless and module.NAMES_JOBS)
    if nameless and module.NAMES_JOBS and swap.name in yamlio.dump(trainjob):
        # a value computed from the job's name (a host name): the name its container gives
        name = module.name_placeholder(rewrite)
        if name is None:
            rewrite.error(
                path,
                "the TrainJob has values computed from the job's name (a host name), which the "
                f"{module.WHAT} gives each job: give the job a name, or convert it by hand",
            )
            return []
        swap.samples[name] = swap.name
    before = yamlio.dump(job)
    lost = swap.lost(before, yamlio.dump(conversion.trainjob))
    for placeholder in lost:
        rewrite.error(
            path,
            f"placeholder {placeholder} goes into a value the conversion computes (numNodes "
            "adds up replicas; a launch command is parsed): it cannot be carried into the "
            "TrainJob; the job is left as it is: convert it by hand",
        )
    if lost:
        return []
    generated = [obj for obj in conversion.objects if obj is not conversion.trainjob]
    if _placeholder_in_generated(rewrite, module, path, swap, generated):
        return []
    found.trainjob = trainjob
    rewrite.jobs.append(found)
    if found.text is None:
        rewrite.set(path, swap.object_back(trainjob))
    else:
        back = swap.object_back(trainjob, ints=False)
        written = strings.write(back, found.text)
        if found.encoding == "yaml" and "#" in found.text:
            written = _comments_moved(found.text, swap, job, back, written)
        rewrite.set(path, swap.back_ints(written))
    return [_with_file(obj, rewrite.original) for obj in generated]


def _placeholder_in_generated(
    rewrite: Rewrite, module: Plugin, path: Path, swap: Swap, generated: list[Any]
) -> bool:
    """Report (an error) a generated object that would hold a placeholder of the container:
    the container substitutes its placeholders (Katib's trial name and parameters, Argo's
    variables) only in the job it creates, never in an object beside it, so a generated
    TrainingRuntime named after a trial would be named by the sample and the TrainJob, whose
    ``runtimeRef`` gets the placeholder back, would refer to a runtime that never exists."""
    samples = {s: p for p, s in swap.samples.items()}
    samples.setdefault(swap.name, "the job's name, which the container gives each job")
    held: list[str] = []
    for obj in generated:
        text = yamlio.dump(obj)
        held += [p for s, p in samples.items() if s in text and p not in held]
    if not held:
        return False
    kinds = ", ".join(sorted({str(obj.get("kind")) for obj in generated}))
    rewrite.error(
        path,
        f"the {kinds} generated for this job would hold {'; '.join(held)}: the "
        f"{module.WHAT} substitutes its placeholders only in the job it creates, not in an "
        "object beside it, so the TrainJob would refer to a runtime that does not exist; the "
        f"{module.WHAT} is left as it is: convert it with generateRuntime=false (what only a "
        "runtime carries is then reported), or write the runtime by hand and name it with "
        "option runtimeName",
    )
    return True


def _comments_moved(text: str, swap: Swap, job: Any, back: Any, written: str) -> str:
    """``written`` (the TrainJob of the job string ``text``) with the string's comments moved
    to their fields, as the repository writer moves a document's (``repo/comments``)."""
    from trainjob_migrate.repo import comments  # only for a job string with comments

    try:  # the samples: the string as the conversion read it, line for line
        found = comments.extract(swap.to_samples(text))
        moved, lost = comments.transplant(found, swap.object_back(job, ints=False), back, written)
    except InputError:
        return written
    return comments.keep_above(moved, lost)  # one with no place: above, as a document's


def _words_where_strings_go(job: Any, swap: Swap) -> dict[str, str]:
    """Placeholders sampled as integers (one standing alone as a YAML value, type unknown)
    that stand where the job's schema wants a string (``workflows.argoproj.io/workflow:
    {{workflow.name}}``, a label): placeholder -> ``str``. Argo substitutes text, and its
    value there is a string; an integer sample made a valid job invalid."""
    numbers = {int(s): p for p, s in swap.samples.items() if s.isdigit()}
    source = sources.identify(job) if numbers and isinstance(job, dict) else None
    schema = source.schema_for(job.get("apiVersion")) if source is not None else None
    if schema is None:
        return {}
    from trainjob_migrate import validation  # only for a job string with such a placeholder

    wrong = {i.path for i in validation.validate(job, schema)}
    out: dict[str, str] = {}
    stack: list[tuple[Any, Path]] = [(job, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, (*path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
        elif type(node) is int and node in numbers and format_path(path) in wrong:
            out[numbers[node]] = "str"
    return out


def _placed(
    trainjob: dict[str, Any], rewrite: Rewrite, found: Embedded, drop_name: bool
) -> dict[str, Any]:
    """The TrainJob as it goes into the container: without the file annotations (it has no
    file of its own), without the sample name of a job its container names."""
    meta = dict(trainjob.get("metadata") or {})
    annotations = {
        k: v for k, v in (meta.get("annotations") or {}).items() if k not in krm.PATH_ANNOTATIONS
    }
    swap = found.swap
    if swap is not None and CONVERTED_FROM in annotations:
        annotations[CONVERTED_FROM] = annotations[CONVERTED_FROM].replace(
            swap.name, f"({rewrite.ref.display()} {format_path(found.path)})"
        )
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    if drop_name:
        meta.pop("name", None)
    out = {**trainjob, "metadata": meta}
    if not meta:
        del out["metadata"]
    return out


def _with_file(obj: dict[str, Any], container: Mapping[str, Any]) -> dict[str, Any]:
    """A generated object, placed in the container's file (before it)."""
    where = krm.path_annotations(container)
    if not where:
        return obj
    meta = dict(obj.get("metadata") or {})
    meta["annotations"] = {**(meta.get("annotations") or {}), **where}
    return {**obj, "metadata": meta}


def _retarget(conversion: Conversion, rewrite: Rewrite, found: Embedded) -> list[Result]:
    """The job's results, about the container: its resource, file, and the field's path in it."""
    kind = found.source.kind if found.source is not None else "job"
    swap = found.swap
    out = []
    for r in conversion.results:
        message = swap.back(r.message) if swap is not None else r.message
        if swap is not None:
            message = message.replace(swap.name, "(the trial's name)")
        out.append(
            Result(
                f"{kind} at {format_path(found.path)}: {message}",
                r.severity,
                r.rule,
                rewrite.ref,
                join(found.path, r.field),
                rewrite.file,
            )
        )
    return out


def summary(embedded: Mapping[str, list[int]]) -> str:
    """``3 job(s) inside other objects (katib 2: 1 converted, 1 finding; ...)``; "" for none."""
    if not embedded:
        return ""
    total = sum(counts[0] for counts in embedded.values())
    parts = [
        f"{name} {found}: {converted} converted, {findings} finding(s)"
        for name, (found, converted, findings) in sorted(embedded.items())
    ]
    return f"{total} job(s) inside other objects ({'; '.join(parts)})"


__all__ = [
    "NAMES", "Outcome", "line_in_string", "name_of", "own_placeholders", "plugin", "process",
    "ref", "summary",
]  # fmt: skip
