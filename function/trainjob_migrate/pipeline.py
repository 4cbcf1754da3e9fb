"""Process the items of a ResourceList: convert v1 jobs in place, pass everything else through.

Items keep their order. A converted job is replaced at its position by its
TrainJob (preceded by a generated TrainingRuntime when there is one), which
inherits the job's path/index annotations so ``kpt fn eval`` writes it back into
the same file. Items of a ``kind: List`` (or a kind's own List) are converted inside.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate import holders, krm, release, sources, structure
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.convert import Conversion, convert
from trainjob_migrate.errors import ConfigError
from trainjob_migrate.paths import format_path
from trainjob_migrate.records import Record
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity, ref_of
from trainjob_migrate.rules.metadata import CONVERTED_FROM, LAST_APPLIED, SERVER_SET
from trainjob_migrate.targets import VERSIONS, Target, get

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


class Outcome(Record):
    __slots__ = (
        "items", "results", "jobs", "converted", "groups", "embedded", "holders", "peers",
        "scope", "config",
    )  # fmt: skip
    items: list[Any]
    results: list[Result]
    jobs: int
    converted: int
    #: what each input item became, aligned with the input (before file indexes are renumbered)
    groups: list[list[Any]]
    #: jobs found inside other objects, by container plug-in: [found, converted, findings]
    embedded: dict[str, list[int]]
    #: the input items that hold jobs inside them (containers)
    holders: list[Any]
    #: job templates other objects refer to, by (namespace, name, key) (containers.peers);
    #: None until a container is met (they are looked for in ``scope``, the input's items)
    peers: dict[tuple[str, str, str], str] | None
    scope: list[Any]
    #: the options the items were converted with: the target release detected, if any
    config: FunctionConfig | None

    def __init__(
        self,
        items: list[Any],
        results: list[Result],
        jobs: int = 0,
        converted: int = 0,
        groups: list[list[Any]] | None = None,
    ) -> None:
        self.items = items
        self.results = results
        self.jobs = jobs
        self.converted = converted
        self.groups = [] if groups is None else groups
        self.embedded = {}
        self.holders = []
        self.peers = None
        self.scope = []
        self.config = None


#: which jobs to convert (the CLI's --name, --namespace, -l); None: all
Selector: TypeAlias = "Callable[[Mapping[str, Any]], bool]"


def process(
    items: list[Any],
    config: FunctionConfig,
    select: Selector | None = None,
    *,
    detect_release: bool = True,
    existing: dict[_Key, Obj] | None = None,
) -> Outcome:
    """Convert what can be converted; raise :class:`ConfigError` for options that cannot work.

    ``detect_release``: target the Trainer release the items install when no targetVersion
    was given, and refuse one that contradicts it (``doctor`` does this itself).
    ``existing``: the TrainJobs (by folder, namespace and name) of items converted before,
    which a TrainJob of these items must not clash with; the TrainJobs of these items are
    added to it (a check that streams a tree part by part: ``commands/check.py``).
    """
    config, detected = target_release(items, config) if detect_release else (config, [])
    target = get(config.target_version)
    check_options(config, target)
    if existing is None:
        existing = {}
    existing.update(_trainjobs(items))
    outcome = Outcome(items=[], results=detected)
    outcome.scope = items
    outcome.config = config
    groups: list[list[Any]] = []
    for item in items:
        if _is_list(item):
            groups.append([_process_list(item, config, target, existing, outcome, select)])
        else:
            groups.append(_process_item(item, config, target, existing, outcome, select))
    if config.validate_v2:
        located = _v2_objects(items)
        if located:  # the validator (jsonschema, the CEL runtime) only for v2 objects
            outcome.results.extend(_validate_v2(located, target))
    if config.mode == "report":
        outcome.items = list(items)
        outcome.groups = [[item] for item in items]
    else:
        outcome.items = _renumber(groups)
        outcome.groups = groups
    return outcome


def check_options(config: FunctionConfig, target: Target) -> None:
    """Refuse options that cannot work together on ``target`` (:class:`ConfigError`)."""
    if config.generate_runtime and target.runtime_schema is None:
        raise ConfigError(
            f"option generateRuntime: not available for targetVersion={target.version} (no "
            "TrainingRuntime schema of that release is shipped); use targetVersion=2.2 or 2.3"
        )
    if config.retry_budget == "v1" and not config.generate_runtime:
        raise ConfigError(
            "option retryBudget: v1 needs generateRuntime=true (only a generated TrainingRuntime "
            "can carry the Job backoffLimit that reproduces v1's retries)"
            + (
                ""
                if target.runtime_schema is not None
                else f"; generateRuntime is not available for targetVersion={target.version}: "
                "use targetVersion=2.2 or 2.3"
            )
        )


def target_release(items: list[Any], config: FunctionConfig) -> tuple[FunctionConfig, list[Result]]:
    """The Trainer release the input installs becomes the target, unless one was given; the
    one decision for fn, convert, check and doctor (items of Lists included)."""
    seen = [
        (item, found)
        for top in items
        for item in (top["items"] if _is_list(top) else [top])
        for found in release.sightings(item)
    ]
    if not seen:
        return config, []
    minors = sorted({release.minor(version) for _, (version, _, _) in seen})
    item, (version, field, how) = seen[0]
    where = f"{how} in {ref_of(item).display()}"
    if config.target_given and config.target_version not in minors:
        raise ConfigError(
            f"option targetVersion: {config.target_version}, but the input installs Trainer "
            f"{version} ({where}): TrainJobs of the {config.target_version} shape would be "
            f"rejected or pruned; use targetVersion={minors[0]}"
        )
    if config.target_given:
        return config, []
    if len(minors) > 1 or minors[0] not in VERSIONS:
        raise ConfigError(
            f"the input names Trainer releases {', '.join(minors)}; set option targetVersion to the one "
            "the cluster runs"
        )
    note = Result(
        f"targetVersion={minors[0]}: the Trainer release the input installs ({version}, {where})",
        Severity.INFO,
        RuleId.TARGET_VERSION.value,
        ref_of(item),
        format_path(field),
        krm.file_of(item),
    )
    return config.replace(target_version=minors[0]), [note]


def _renumber(groups: list[list[Any]]) -> list[Any]:
    """Give objects added to a file (side-by-side TrainJob, generated runtime) their own index.

    Objects inherit the path/index annotations of the job they come from, and kpt refuses
    two objects at the same path and index. So in a file where a job became several
    objects, every object gets its position in the file as index, in the file's order.
    """
    out = [obj for group in groups for obj in group]
    grown = {ref.path for g in groups if len(g) > 1 and (ref := krm.file_of(g[0])) is not None}
    if not grown:
        return out
    placed: dict[str, list[tuple[int, int, int]]] = {}  # path -> (old index, order, position)
    position = 0
    for group in groups:
        for order, obj in enumerate(group):
            ref = krm.file_of(obj) if isinstance(obj, dict) else None
            if ref is not None and ref.path in grown:
                placed.setdefault(ref.path, []).append((ref.index, order, position))
            position += 1
    for slots in placed.values():
        for new_index, (_, _, at) in enumerate(sorted(slots)):
            out[at] = krm.with_index(out[at], new_index)
    return out


def _process_item(
    item: Any,
    config: FunctionConfig,
    target: Target,
    existing: dict[_Key, Obj],
    outcome: Outcome,
    select: Selector | None,
    file: FileRef | None = None,
) -> list[Any]:
    if not sources.is_job(item):
        # containers (imported then) only for an object that may hold a job: a run whose other
        # objects are Services and ConfigMaps does without it (start-up time)
        if (
            isinstance(item, dict)
            and structure.selects(select, item)
            and holders.may_hold_jobs(item)
        ):
            return _process_container(item, config, target, outcome, file)
        return [item]
    if not structure.selects(select, item):
        return [item]
    outcome.jobs += 1
    broken = structure.problems(item)
    if broken:  # found before anything reads it: a finding on its document, not a crash
        outcome.results.extend(structure.results(item, broken, krm.file_of(item) or file))
        return [item]
    try:
        conversion = convert(item, config, target, file)
    except Exception as exc:  # noqa: BLE001 - a bug must not cost the user the other items
        conversion = Conversion(
            [item],
            [
                Result(
                    f"internal error while converting ({type(exc).__name__}: {exc}); the "
                    f"{item.get('kind')} is left unchanged. Please report this with the job",
                    Severity.ERROR,
                    RuleId.INTERNAL.value,
                    ref_of(item),
                    None,
                    krm.file_of(item) or file,
                )
            ],
            converted=False,
        )
    conversion = _check_collision(conversion, item, config, existing, file)
    outcome.results.extend(conversion.results)
    if not conversion.converted:
        return [item]
    outcome.converted += 1
    if conversion.trainjob is not None:
        existing[_key(conversion.trainjob, file)] = {
            **_clash_stub(conversion.trainjob),
            _CONVERTED_HERE: True,
        }
    if config.mode == "side-by-side":
        kept = _without_server_fields(item) if conversion.objects else item
        return [kept, *conversion.objects] if conversion.objects else [item]
    return conversion.objects


def _process_container(
    item: Obj, config: FunctionConfig, target: Target, outcome: Outcome, file: FileRef | None
) -> list[Any]:
    """Jobs inside another object (``containers``): converted where they are, or reported."""
    from trainjob_migrate import containers  # imported when an object may hold jobs

    try:
        if outcome.peers is None:
            outcome.peers = containers.peers(outcome.scope)
        found = containers.process(item, config, target, file, outcome.peers)
    except Exception as exc:  # noqa: BLE001 - a bug must not cost the user the other items
        outcome.results.append(
            Result(
                f"internal error while looking for jobs inside this object ({type(exc).__name__}: "
                f"{exc}); it is left unchanged. Please report this with the object",
                Severity.ERROR,
                RuleId.INTERNAL.value,
                ref_of(item),
                None,
                krm.file_of(item) or file,
            )
        )
        return [item]
    if found is None:
        return [item]
    outcome.results.extend(found.results)
    if found.jobs:
        outcome.holders.append(item)
    counts = outcome.embedded.setdefault(found.container, [0, 0, 0])
    counts[0] += found.jobs
    counts[1] += found.converted
    counts[2] += sum(r.severity is not Severity.INFO for r in found.results)
    return found.objects


def _without_server_fields(job: Any) -> Any:
    """The kept v1 job of side-by-side without what the API server set (an export's uid,
    resourceVersion, status...): applied as is, it would be refused or fight the live object.
    The job itself when it has none (so the repository keeps its text)."""
    found: Any = job.get("metadata")
    meta: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    found = meta.get("annotations")
    annotations: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    if (
        "status" not in job
        and not any(k in meta for k in SERVER_SET)
        and (LAST_APPLIED not in annotations)
    ):
        return job
    clean_meta = {k: v for k, v in meta.items() if k not in SERVER_SET}
    if LAST_APPLIED in annotations:
        clean_meta["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
    clean = {k: v for k, v in job.items() if k != "status"}
    clean["metadata"] = clean_meta
    return clean


def _process_list(
    item: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    existing: dict[_Key, Obj],
    outcome: Outcome,
    select: Selector | None,
) -> Any:
    before = outcome.converted
    inner: list[Any] = []
    file = krm.file_of(item)
    for child in item["items"]:
        inner.extend(_process_item(child, config, target, existing, outcome, select, file))
    if outcome.converted == before:
        return item
    converted = dict(item)
    if sources.list_of(item) is not None:  # it no longer holds only jobs of its kind
        converted["apiVersion"], converted["kind"] = "v1", "List"
    converted["items"] = inner
    return converted


def _check_collision(
    conversion: Conversion,
    job: Mapping[str, Any],
    config: FunctionConfig,
    existing: dict[_Key, Obj],
    file: FileRef | None,
) -> Conversion:
    """A TrainJob of the same name already in the stream: ours from an earlier run, or a clash."""
    if conversion.trainjob is None:
        return conversion
    other = existing.get(_key(conversion.trainjob, file))
    if other is None:
        return conversion
    ours = conversion.trainjob["metadata"]["annotations"][CONVERTED_FROM]
    theirs = ((other.get("metadata") or {}).get("annotations") or {}).get(CONVERTED_FROM)
    ref, file = ref_of(job), conversion.results[0].file if conversion.results else None
    if ours == theirs and other.get(_CONVERTED_HERE):
        # two documents of one v1 job in a folder (variants of it: nccl-tests.yaml and
        # nccl-tests-gb200.yaml): they already were one object to the API server, only one of
        # which exists at a time; their TrainJobs are so too, as the v1 jobs were (before the
        # side-by-side test below: the other TrainJob was made here, not found in the input)
        return _same_job(conversion, ref, file, other)
    if ours == theirs and config.mode == "side-by-side":
        note = Result(
            "already converted: its TrainJob is in the input; nothing to add",
            Severity.INFO,
            RuleId.SUMMARY.value,
            ref,
            None,
            file,
        )
        return Conversion([], [note], converted=True)
    name = conversion.trainjob["metadata"].get("name")
    other_file = krm.file_of(other)
    other_is = (
        f"the TrainJob converted from {theirs.split(' ', 1)[-1]}"
        if isinstance(theirs, str) and theirs
        else f"{ref_of(other).display()}"
    )
    clash = Result(
        f"its TrainJob would be named {name!r}, as {other_is} already is"
        + (f" ({other_file.path})" if other_file is not None else f"{_where(file)}")
        + "; rename one of them (or use mode=side-by-side with another option nameSuffix)",
        Severity.ERROR,
        RuleId.NAME_COLLISION.value,
        ref,
        "metadata.name",
        file,
    )
    return Conversion([dict(job)], [clash], converted=False)


def _same_job(
    conversion: Conversion, ref: ResourceRef, file: FileRef | None, other: Mapping[str, Any]
) -> Conversion:
    other_file = krm.file_of(other)
    note = Result(
        "another document in this folder is the same v1 job"
        + (f" ({other_file.path})" if other_file is not None else "")
        + ": both are converted to one TrainJob name; as with the v1 jobs, applying both "
        "leaves only the one applied last",
        Severity.WARNING,
        RuleId.NAME_COLLISION.value,
        ref,
        "metadata.name",
        file,
    )
    return Conversion(
        conversion.objects, [*conversion.results, note], conversion.converted, conversion.trainjob
    )


#: marks a TrainJob :func:`_process_job` converted in this run (not one of the input's)
_CONVERTED_HERE: Final = "trainjob-migrate.dev/converted-in-this-run"


def _where(file: FileRef | None) -> str:
    folder = file.path.rpartition("/")[0] if file else ""
    return f" in folder {folder}/" if folder else ""


def _trainjobs(items: list[Any]) -> dict[_Key, Obj]:
    found: dict[_Key, Obj] = {}
    for item in items:
        children = item["items"] if _is_list(item) else [item]
        file = krm.file_of(item) if isinstance(item, Mapping) else None
        for child in children:
            if (
                isinstance(child, Mapping)
                and child.get("kind") == "TrainJob"
                and not structure.envelope(child)
            ):
                found[_key(child, file)] = _clash_stub(child)
    return found


def _clash_stub(trainjob: Mapping[str, Any]) -> Obj:
    """What :func:`_check_collision` reads of a TrainJob (its kind, name, namespace and
    annotations), kept instead of the object: a check that streams a tree keeps those of the
    folders it has not finished (``commands/check.py``)."""
    meta = trainjob.get("metadata")
    if not isinstance(meta, Mapping):
        return dict(trainjob)
    annotations = meta.get("annotations")
    stub = {k: trainjob[k] for k in ("apiVersion", "kind") if k in trainjob}
    stub["metadata"] = {k: meta[k] for k in ("name", "namespace") if k in meta}
    if annotations is not None:
        stub["metadata"]["annotations"] = (
            dict(annotations) if isinstance(annotations, Mapping) else annotations
        )
    return stub


def _validate_v2(located: list[tuple[Obj, FileRef | None]], target: Target) -> list[Result]:
    from trainjob_migrate import v2check

    try:
        return v2check.results(located, target)
    except Exception as exc:  # noqa: BLE001 - a bug must not cost the user the conversion
        return [
            Result(
                f"internal error while validating the Trainer v2 objects ({type(exc).__name__}: "
                f"{exc}); they were not validated (functionConfig validateV2: false skips "
                "this). Please report this with the input",
                Severity.ERROR,
                RuleId.INTERNAL.value,
            )
        ]


def _v2_objects(items: list[Any]) -> list[tuple[Obj, FileRef | None]]:
    """The Trainer v2 objects of the input (in Lists too), with where they are."""
    found: list[tuple[Obj, FileRef | None]] = []
    for item in items:
        children = item["items"] if _is_list(item) else [item]
        file = krm.file_of(item) if isinstance(item, Mapping) else None
        found.extend(
            (child, krm.file_of(child) or file)
            for child in children
            if isinstance(child, dict)
            and isinstance(child.get("kind"), str)
            and child.get("kind") in _V2_KINDS
            and str(child.get("apiVersion", "")).startswith(_V2_GROUP)
        )
    return found


_V2_KINDS: Final = frozenset({"TrainJob", "TrainingRuntime", "ClusterTrainingRuntime"})
_V2_GROUP: Final = "trainer.kubeflow.org/"

#: (folder of the file, namespace, name): the same job name in dev/ and prod/ is no clash
_Key = tuple[str, str, str]


def _key(obj: Mapping[str, Any], file: FileRef | None = None) -> _Key:
    meta = obj.get("metadata") or {}
    where = krm.file_of(obj) or file
    folder = where.path.rpartition("/")[0] if where else ""
    return (folder, str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _is_list(item: Any) -> bool:
    return isinstance(item, Mapping) and sources.is_list(item)
