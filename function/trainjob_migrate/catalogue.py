"""The rule registry: every id a result can carry as ``tags.rule``, what it means, what to do.

One :class:`Entry` an id: a one-line ``description``, a ``help`` text, the ``kind`` of what
speaks and, where one severity is the rule, a ``severity`` hint. Mapping rules
(``rules/``) and doctor checks (``doctor/``) describe themselves in their module docstring
(first paragraph: the description, the rest: the help), so that text has one source; the
ids no module owns are the members of :class:`RuleId`, described here. SARIF ``rules[]``,
``trainjob-migrate explain`` and the generated ``docs/rules.md`` read :func:`entries`;
``tests/unit/test_catalogue.py`` proves that every id a result carries is registered.

Cheap to import (an enum and a table of strings): the rule and check modules are read only
when :func:`entries` is first called.
"""

from __future__ import annotations

from enum import StrEnum

from trainjob_migrate.records import Frozen, init
from trainjob_migrate.results import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final


class RuleId(StrEnum):
    """The ids of results that come from no rule or check module."""

    STRUCTURE = "structure"
    UNMAPPED_FIELD = "unmapped-field"
    OUTPUT_SCHEMA = "output-schema"
    SUMMARY = "summary"
    NAME_COLLISION = "name-collision"
    TARGET_VERSION = "target-version"
    INTERNAL = "internal"
    INPUT = "input"
    FUNCTION_CONFIG = "function-config"
    READ = "read"
    WRITE = "write"
    PLACEHOLDER = "placeholder"
    KUSTOMIZE = "kustomize"
    KUSTOMIZE_BUILD = "kustomize-build"
    UNSUPPORTED_KIND = "unsupported-kind"
    API_VERSION = "api-version"
    V1_JOB_CONVERTIBLE = "v1-job-convertible"
    V1_JOB_NEEDS_ATTENTION = "v1-job-needs-attention"
    EMBEDDED_JOB = "embedded-job"


class Kind(StrEnum):
    """What speaks with an id (the sections of ``docs/rules.md``)."""

    MAPPING = "mapping rule"
    CONVERSION = "conversion"
    FUNCTION = "KRM function"
    REPOSITORY = "repository"
    VERDICT = "check verdict"
    DOCTOR = "doctor check"
    CONTAINER = "container of jobs"
    V2 = "v2 validation"


class Entry(Frozen):
    __slots__ = ("id", "kind", "description", "help", "severity", "consumes")
    id: str
    kind: Kind
    #: one line, no full stop needed
    description: str
    #: what it means and what to do (plain text with ``code`` in backquotes)
    help: str
    #: the severity its results have, when it is always the same (None: it depends)
    severity: Severity | None
    #: a mapping rule's ``CONSUMES``: the job paths it reads (``*``: any key or index)
    consumes: tuple[str, ...]

    def __init__(
        self,
        id: str,
        kind: Kind,
        description: str,
        help: str,
        severity: Severity | None,
        consumes: tuple[str, ...] = (),
    ) -> None:
        init(self, id, kind, description, help, severity, consumes)


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

#: id -> (kind, description, help, severity)
_ADHOC: Final[dict[RuleId, tuple[Kind, str, str, Severity | None]]] = {
    RuleId.STRUCTURE: (
        Kind.CONVERSION,
        "The v1 job is not one the conversion can read: it is left unchanged",
        (
            "Checked before any mapping rule runs: the job is valid against its kind's v1 "
            "schema (the failing path is named), it has a `metadata.name`, its replica specs "
            "hold only the kind's replica types (a master or launcher with 1 replica, workers "
            "with at least 1), and the training container has the name the v1 webhook "
            "requires for the kind. Fix the field the result names and run again."
        ),
        _E,
    ),
    RuleId.UNMAPPED_FIELD: (
        Kind.CONVERSION,
        "A field of the v1 job that no mapping rule carries into the TrainJob",
        (
            "Every field is either carried or named: this one has no place in the TrainJob of "
            "the target release and no rule reports it more precisely, so it is dropped. A "
            "warning, an error with `strict: true`. Drop the field, or carry it another way "
            "(a TrainingRuntime of your own)."
        ),
        None,
    ),
    RuleId.OUTPUT_SCHEMA: (
        Kind.CONVERSION,
        "The generated TrainJob or TrainingRuntime would fail the target release's schema",
        (
            "Every object is validated against the Trainer release it is written for before it "
            "is emitted; an invalid one never is, and the v1 job is left unchanged. Unless "
            "the offending value comes from the input as it is, this is a bug of "
            "trainjob-migrate: please report it with the job."
        ),
        _E,
    ),
    RuleId.SUMMARY: (
        Kind.CONVERSION,
        "What became of a v1 job: converted (to which TrainJob), or already converted",
        (
            "One info result a job: the TrainJob's name, the target release, the runtime it "
            "references and its node count; or that the job's TrainJob is already in the input, "
            "so nothing is added. Nothing to do."
        ),
        _I,
    ),
    RuleId.NAME_COLLISION: (
        Kind.CONVERSION,
        "The TrainJob's name is taken by another object of the input",
        (
            "Two objects of one kind and namespace cannot share a name: the v1 job is left "
            "unchanged (an error). Rename one of them, or keep both with `mode: side-by-side` "
            "and another `nameSuffix`. Two documents of one v1 job in a folder (variants of it, "
            "one applied at a time) were one object to the API server already: both are "
            "converted, their TrainJobs sharing the name as the v1 jobs did (a warning)."
        ),
        None,
    ),
    RuleId.TARGET_VERSION: (
        Kind.CONVERSION,
        "The target release was taken from the Trainer release the input installs",
        (
            "Without `targetVersion`, the release of a TrainJob CRD or a Trainer controller image "
            "in the input is the target, and this result says where it was found. A "
            "`targetVersion` that contradicts it is an error (`function-config`): TrainJobs of "
            "another release's shape would be rejected or pruned."
        ),
        _I,
    ),
    RuleId.INTERNAL: (
        Kind.CONVERSION,
        "An unexpected failure while converting one v1 job: it is left unchanged",
        (
            "The other objects are still converted. This is a bug of trainjob-migrate: please "
            "report it with the job that caused it."
        ),
        _E,
    ),
    RuleId.INPUT: (
        Kind.FUNCTION,
        "The function's input cannot be read as a ResourceList",
        (
            "stdin must hold one ResourceList (`config.kubernetes.io/v1`, YAML or JSON) within "
            "the input bounds (32 MiB, `TRAINJOB_MIGRATE_MAX_INPUT_MB`; nesting and alias "
            "limits). Nothing is converted. A bare job or a YAML stream is not a "
            "ResourceList: give it to `trainjob-migrate convert -` instead."
        ),
        _E,
    ),
    RuleId.FUNCTION_CONFIG: (
        Kind.FUNCTION,
        "The options (functionConfig or command-line flags) are invalid",
        (
            "The result names the option and its allowed values (see the options table of the "
            "README, or `schemas/function-config.json`). Nothing is converted: the items are "
            "written back as they came."
        ),
        _E,
    ),
    RuleId.READ: (
        Kind.REPOSITORY,
        "A file or document of the repository cannot be read",
        (
            "Not UTF-8, not YAML (the result gives the line), or a Helm/Jinja template that "
            "defines a v1 job and cannot be converted safely (the result names the line and the "
            "reason: a block generated by `toYaml`/`include`, an expression in a key, a control "
            "line inside the job, a loop). A template whose expressions stand in scalars, with "
            "control lines only around whole documents, is converted and its expressions "
            "restored. That file or document is left untouched and the others are converted; "
            "`check` exits 4 (`--ignore-unreadable`). Fix the YAML, or render the template and "
            "convert its output. With `--out`, a file that changed on disk while the run "
            "converted the others (its bytes are no longer those read) is not copied into the "
            "output tree: run again once nothing else writes to the repository."
        ),
        _E,
    ),
    RuleId.WRITE: (
        Kind.REPOSITORY,
        "A converted file could not be written, or an interrupted conversion is waiting",
        (
            "`convert --write` and `--out` write as one transaction (a journal at the root): a "
            "fault before the journal (a read-only directory, a full disk, a name too long) "
            "changes nothing and is named with the file and the cause; a journal left by an "
            "interrupted run is completed by the next `convert --write` (or undone with "
            "`--rollback`), and `check` and the dry run fail while it waits. Fix the cause "
            "and run again."
        ),
        None,
    ),
    RuleId.PLACEHOLDER: (
        Kind.CONVERSION,
        "An envsubst placeholder ($VAR, ${VAR}) carried into the TrainJob, or computed with",
        (
            "A placeholder is carried unchanged to the field its value maps to (`replicas: "
            "$NUM_NODES` of a Worker-only job becomes `numNodes: $NUM_NODES`, unquoted so the "
            "rendered file keeps the integer; a string field's is quoted): an info names each "
            "variable the converted template needs. Where the TrainJob value would be computed "
            "from one (Master 1 + Worker `$NUM_WORKERS` makes `numNodes` 1 + $NUM_WORKERS), the "
            "job is left untouched with an error: introduce a variable holding the value, or "
            "render the template and convert the output. `$(VAR)` is Kubernetes (the kubelet "
            "expands it from the env), not a placeholder; a shell script in `command`/`args` "
            "keeps its `$VAR` as text."
        ),
        None,
    ),
    RuleId.KUSTOMIZE: (
        Kind.REPOSITORY,
        "A kustomization that names a converted v1 job: patches and images entries",
        (
            "After the conversion kustomize would skip silently whatever targets the v1 job. "
            "A patch of the converted fields is re-targeted at the TrainJob (info), keeping "
            "what selects it; a field it clears in the TrainJob is a warning. When a patch "
            "cannot be carried over, the job and all its patches stay as they are, with one "
            "error at the patch: a job converts together with its overlays or not at all. An "
            "`images:` entry no longer reaches `spec.trainer.image`: a field spec "
            "(`trainjob-images.yaml`) is added to the kustomization's `configurations:`."
        ),
        None,
    ),
    RuleId.KUSTOMIZE_BUILD: (
        Kind.REPOSITORY,
        "A kustomization that does not build",
        (
            "`check` builds every kustomization it finds (not a Component, nothing remote) with "
            "`kubectl kustomize`, else `kustomize build`: a failure is an error at the "
            "kustomization (the line of the patch or resource the message names), and the "
            "exit code says attention is needed. Without either on PATH one info says that "
            "nothing was built."
        ),
        None,
    ),
    RuleId.UNSUPPORTED_KIND: (
        Kind.CONVERSION,
        "A Training Operator kind that no Trainer v2 release (or not the target) can run",
        (
            "Some kinds have no Trainer v2 runtime at all (TensorFlow, PaddlePaddle, MXNet); a "
            "kind whose runtime the target release does not install by default (XGBoost and "
            "JAX before 2.2) cannot be converted for that target; kinds this version does not "
            "convert yet say so (docs/mapping.md lists every kind). The job is left unchanged: keep it on the v1 operator, target a release that "
            "runs it, or convert it by hand. `check` counts it as needing attention."
        ),
        _E,
    ),
    RuleId.API_VERSION: (
        Kind.CONVERSION,
        "A v1 job of an API version that is not converted (v1beta1, v1beta2, an old group)",
        (
            "Only the version current Training Operator and mpi-operator releases serve is "
            "converted; an older one is named and left unchanged. Move the job to the current "
            "version (the API server no longer serves the old one), then convert."
        ),
        _E,
    ),
    RuleId.V1_JOB_CONVERTIBLE: (
        Kind.VERDICT,
        "A Training Operator v1 job remains that converts cleanly",
        (
            "`check` found a v1 job that converts without losing anything: run "
            "`trainjob-migrate convert --write` on the repository. It fails the check (exit 2) "
            "unless `--ignore-convertible` is given."
        ),
        None,
    ),
    RuleId.V1_JOB_NEEDS_ATTENTION: (
        Kind.VERDICT,
        "A Training Operator v1 job remains that needs attention",
        (
            "`check` found a v1 job whose conversion reports errors or warnings: read the "
            "findings about it (each names its rule; `trainjob-migrate explain RULE`), change "
            "the job or the options, then convert. Exit 3 unless `--ignore-attention`."
        ),
        _E,
    ),
    RuleId.EMBEDDED_JOB: (
        Kind.CONTAINER,
        "A v1 job inside another object, where no container plug-in can convert it",
        (
            "Every object is searched for Training Operator jobs: nested objects, and strings "
            "that name a job kind. A job inside an object no plug-in knows (see the container "
            "rules: Katib, AppWrapper, Argo, compiled pipelines, ConfigMaps), or at a place of "
            "a known one that the plug-in does not convert, is reported and left as it is: "
            "convert it by hand, or report the shape so a plug-in can learn it."
        ),
        _E,
    ),
}

_CACHE: dict[str, Entry] = {}


def entries() -> dict[str, Entry]:
    """Every registered id, mapping rules first (in run order), then the others."""
    if not _CACHE:
        from trainjob_migrate import doctor, sources

        for source in sources.SOURCES:  # a rule shared by kinds: its paths as the first names them
            for rule in source.rules:
                if rule.ID not in _CACHE:
                    entry = _from_docstring(rule.ID, Kind.MAPPING, _doc(rule))
                    consumes = tuple(source.pattern(p) for p in rule.CONSUMES)
                    _CACHE[rule.ID] = entry.replace(consumes=consumes)
        for rule_id, (kind, description, text, severity) in _ADHOC.items():
            _CACHE[rule_id] = Entry(rule_id, kind, description, text, severity)
        from trainjob_migrate import containers

        for name in containers.NAMES:
            module = containers.plugin(name)
            _CACHE[module.ID] = _from_docstring(module.ID, Kind.CONTAINER, _doc(module))
        for check in doctor.checks():
            _CACHE[check.ID] = _from_docstring(check.ID, Kind.DOCTOR, _doc(check))
        from trainjob_migrate import v2check

        for layer in v2check.layers():
            entry = _from_docstring(layer.ID, Kind.V2, _doc(layer))
            _CACHE[layer.ID] = entry.replace(severity=Severity.ERROR)
    return _CACHE


def get(rule_id: str) -> Entry | None:
    return entries().get(rule_id)


def _doc(module: object) -> str:
    """The docstring of a rule or check module (a Protocol to mypy, which has none)."""
    return str(getattr(module, "__doc__", None) or "")


def _from_docstring(rule_id: str, kind: Kind, doc: str) -> Entry:
    """Description: the docstring's first paragraph (less a leading ``id``:); help: the rest."""
    paragraphs = doc.strip().replace("``", "`").split("\n\n")
    description = " ".join(paragraphs[0].split())
    prefix = f"`{rule_id}`: "
    description = description.removeprefix(prefix).rstrip(".")
    description = description[:1].upper() + description[1:]
    return Entry(rule_id, kind, description, "\n\n".join(paragraphs[1:]).strip(), None)
