"""Convert one v1 job: validate, run its source's rules, report unconsumed fields, assemble, validate.

A job that cannot be converted faithfully (any error result) is returned
untouched, with its results: never half-converted.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate import assemble, krm, sources, targets, validation
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.context import Context, Role
from trainjob_migrate.paths import Path, format_path, leaves_outside
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity, ref_of
from trainjob_migrate.rules.metadata import CONVERTED_FROM, TARGET_VERSION
from trainjob_migrate.sources.model import Source
from trainjob_migrate.targets import Target
from trainjob_migrate.templates import dollar_strings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

_STRUCTURE: Final = RuleId.STRUCTURE.value
_UNSUPPORTED: Final = RuleId.UNSUPPORTED_KIND.value
_API_VERSION: Final = RuleId.API_VERSION.value
_UNMAPPED: Final = RuleId.UNMAPPED_FIELD.value
_OUTPUT: Final = RuleId.OUTPUT_SCHEMA.value


class Conversion(Frozen):
    __slots__ = ("objects", "results", "converted", "trainjob")
    #: what stands in the output where the job stood (the job itself when not converted)
    objects: list[Obj]
    results: list[Result]
    converted: bool
    trainjob: Obj | None

    def __init__(
        self,
        objects: list[Obj],
        results: list[Result],
        converted: bool,
        trainjob: Obj | None = None,
    ) -> None:
        init(self, objects, results, converted, trainjob)


def convert(
    job: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    file: FileRef | None = None,
) -> Conversion:
    """Convert one job; ``file`` defaults to the job's own path annotations (a List's for its items).

    A job holding envsubst placeholders (``$N``, ``${IMAGE}``) is converted by
    :mod:`trainjob_migrate.templates.envsubst`, which carries them into the TrainJob.
    """
    if dollar_strings(job):
        from trainjob_migrate.templates import envsubst

        return envsubst.convert(job, config, target, file, _convert)
    return _convert(job, config, target, file)


def _convert(
    job: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    file: FileRef | None = None,
) -> Conversion:
    ref = ref_of(job)
    file = krm.file_of(job) or file
    ctx_or_results = _prepare(job, config, target, ref, file)
    if isinstance(ctx_or_results, list):
        return Conversion([dict(job)], ctx_or_results, converted=False)
    ctx = ctx_or_results
    for rule in ctx.source.rules:
        rule.apply(ctx)
    _report_unconsumed(ctx)
    if ctx.failed:
        return _refused(job, ctx)

    generate = ctx.draft.training_runtime is not None or (
        bool(ctx.draft.runtime) and config.generate_runtime
    )
    objects: list[Obj] = []
    if generate:
        runtime = _generated_runtime(ctx)
        if runtime is None:
            return _refused(job, ctx)
        objects.append(runtime)
    trainjob = assemble.trainjob(ctx, assemble.runtime_ref(ctx, generated=generate))
    if not _output_valid(ctx, trainjob, target.schema, "TrainJob"):
        return _refused(job, ctx)
    objects.append(trainjob)
    scope = f"{ref.namespace}/" if ref.namespace else ""
    ref = trainjob["spec"]["runtimeRef"]
    runtime_note = (
        f"generated TrainingRuntime {ctx.draft.name}"
        if generate
        else f"{ref['kind']} {ref['name']}"
    )
    ctx.info(
        RuleId.SUMMARY.value,
        None,
        f"converted to TrainJob {scope}{ctx.draft.name} for Trainer {target.version} "
        f"({runtime_note}, numNodes {trainjob['spec']['trainer'].get('numNodes')})",
    )
    return Conversion(objects, ctx.results, converted=True, trainjob=trainjob)


def _prepare(
    job: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    ref: ResourceRef,
    file: FileRef | None,
) -> Context | list[Result]:
    """Check what the rules rely on; return a Context, or the error results."""

    def error(path: Path | str | None, message: str, rule: str = _STRUCTURE) -> list[Result]:
        field = path if isinstance(path, str) or path is None else format_path(path)
        return [
            Result(
                message=message,
                severity=Severity.ERROR,
                rule=rule,
                resource=ref,
                field=field or None,
                file=file,
            )
        ]

    source = sources.identify(job)
    assert source is not None, "the pipeline converts only jobs a source identifies"
    kind = source.kind
    if source.unsupported is not None:
        return error(None, f"{kind} is not converted: {source.unsupported}", _UNSUPPORTED)
    if source.runtime is not None and source.runtime not in target.runtimes:
        return error(None, _no_runtime(source, target), _UNSUPPORTED)
    schema = source.schema_for(job.get("apiVersion"))
    if schema is None:
        supported = " or ".join(f"{source.groups[0]}/{v}" for v in source.versions)
        return error(
            ("apiVersion",),
            f"{kind} {job.get('apiVersion')} is not converted: only {supported} is supported; "
            "move the job to that version first (the API server no longer serves the old one)",
            _API_VERSION,
        )
    issues = validation.validate(job, schema)
    pruned: list[Result] = []
    if issues:
        job, issues, pruned = _as_stored(job, schema, issues, ref, file)
    if issues:
        return [
            r
            for issue in issues
            for r in error(
                issue.path,
                f"invalid {kind} ({job.get('apiVersion')} schema): {issue.message}; fix the "
                "field and run again",
            )
        ]
    meta = job.get("metadata") or {}
    if not meta.get("name"):
        return error(
            ("metadata", "name"),
            f"the {kind} has no name (generateName alone is not enough: the TrainJob's "
            "master address and pod names derive from its name); give it a name",
        )
    field = source.replica_specs
    specs = (job.get("spec") or {}).get(field)
    all_roles = " or ".join(source.roles)
    if not specs:
        return error(
            ("spec", field),
            f"no spec.{field}: a {kind} needs a {all_roles} replica spec",
        )
    roles = _roles(source, specs)
    if isinstance(roles, tuple):
        return error(*roles)
    if not roles:
        return error(("spec", field), f"no {all_roles} replica spec")
    primary = _primary(source, roles, config)
    containers = (primary.spec.get("template") or {}).get("spec", {}).get("containers") or []
    wanted = source.container
    if wanted == "0":  # the operator takes the first container, whatever its name
        index: int | None = 0 if containers else None
    else:
        index = next((i for i, c in enumerate(containers) if c.get("name") == wanted), None)
    if index is None and wanted == "0":
        return error(
            (*primary.path, "template", "spec", "containers"),
            f"the {primary.name} template has no container (the operator runs the first one); "
            "add the training container",
        )
    if index is None:
        return error(
            (*primary.path, "template", "spec", "containers"),
            f"no container named {wanted!r} (the v1 webhook requires one; it is the training "
            f"container); rename the training container to {wanted}",
        )
    return Context(
        job=job,
        source=source,
        config=config,
        target=target,
        ref=ref,
        file=file,
        roles=roles,
        primary=primary,
        container_index=index,
        results=pruned,
    )


def _as_stored(
    job: Mapping[str, Any],
    schema: str,
    issues: list[validation.SchemaIssue],
    ref: ResourceRef,
    file: FileRef | None,
) -> tuple[Mapping[str, Any], list[validation.SchemaIssue], list[Result]]:
    """The job as the API server stored it (nulls and template ObjectMeta pruned), its
    remaining issues, and an info result for each pruned field."""
    from trainjob_migrate import apiserver  # only an invalid job needs it

    schema_doc = validation.load_validator(schema).schema
    if not isinstance(schema_doc, Mapping):
        return job, issues, []
    stored, paths = apiserver.prune(job, schema_doc)
    if not paths:
        return job, issues, []
    notes = [
        Result(
            message=(
                "null: the API server drops a null value here, so the v1 job ran without "
                "the field; nothing to carry"
                if why == "null"
                else "the API server prunes this ObjectMeta field from a pod template "
                "(the pods never had it); dropped"
            ),
            severity=Severity.INFO,
            rule=_STRUCTURE,
            resource=ref,
            field=format_path(path),
            file=file,
        )
        for path, why in paths
    ]
    return stored, validation.validate(stored, schema), notes


def _refused(job: Mapping[str, Any], ctx: Context) -> Conversion:
    """The job, unchanged, with why: the errors, and the warnings of what a conversion would
    still lose; not the infos that tell what the conversion did (it did nothing)."""
    kept = [r for r in ctx.results if r.severity is not Severity.INFO]
    return Conversion([dict(job)], kept, converted=False)


def _no_runtime(source: Source, target: Target) -> str:
    first = targets.first_shipping(str(source.runtime))
    where = (
        f"the first release that ships it is {first.version}: target {first.version} or later "
        "if the cluster runs it"
        if first is not None and targets.newer(first, target)
        else "reference a runtime of your own (runtimeName) that the cluster has"
    )
    return (
        f"{source.kind} is not converted for Trainer {target.version}: its default installation "
        f"has no {source.runtime} runtime; {where}"
    )


def _roles(source: Source, specs: Mapping[str, Any]) -> dict[str, Role] | tuple[Path, str]:
    """The replica specs under their canonical names, or where and why they are invalid."""
    roles: dict[str, Role] = {}
    for key, spec in specs.items():
        canonical = source.role_of(key)  # the v1 defaulter normalises the case
        path = ("spec", source.replica_specs, str(key))
        if canonical is None:
            names = " and ".join(source.roles)
            return path, f"replica type {key!r}: a {source.kind} has only {names}"
        if canonical in roles:
            return path, f"replica type {key!r} given twice (keys are case-insensitive)"
        single = canonical in source.single_roles
        if spec.get("replicas") is not None and int(spec["replicas"]) < (0 if single else 1):
            return (*path, "replicas"), "replicas must be at least 1"
        if single and spec.get("replicas") not in (None, 1):
            return (*path, "replicas"), f"{canonical} replicas must be 1 (the v1 webhook rule)"
        roles[canonical] = Role(canonical, path, spec, source.restart_policy)
    return roles


def _primary(source: Source, roles: dict[str, Role], config: FunctionConfig) -> Role:
    """The role whose template the TrainJob carries: the first present in the source's order,
    unless ``templateMismatch`` names another."""
    chosen = source.role_of(config.template_mismatch)
    if chosen is not None and chosen in roles:
        return roles[chosen]
    return next(roles[role] for role in source.roles if role in roles)


def _report_unconsumed(ctx: Context) -> None:
    for leaf in leaves_outside(ctx.job, ctx.consumed):
        ctx.lossy(_UNMAPPED, leaf, "no rule carries this field into the TrainJob; it is dropped")


def _generated_runtime(ctx: Context) -> Obj | None:
    schema = ctx.target.runtime_schema
    assert schema is not None, "no runtime is generated for a target without a runtime schema"
    annotations = {
        **krm.path_annotations(ctx.job),
        CONVERTED_FROM: ctx.draft.metadata["annotations"][CONVERTED_FROM],
        TARGET_VERSION: ctx.target.version,
    }
    built = ctx.draft.training_runtime
    if built is None:
        runtime = assemble.training_runtime(ctx, annotations)
    else:  # a source's own runtime shape (its rules built it)
        runtime = {**built, "metadata": {**built["metadata"], "annotations": annotations}}
    if not _output_valid(ctx, runtime, schema, "TrainingRuntime"):
        return None
    return runtime


def _output_valid(ctx: Context, obj: Obj, schema: str, kind: str) -> bool:
    """An invalid output is never emitted: it is reported (as a bug, unless the input made it)."""
    issues = validation.validate(obj, schema)
    for issue in issues:
        ctx.error(
            _OUTPUT,
            None,
            f"the generated {kind} would fail the Trainer {ctx.target.version} schema at "
            f"{issue.path}: {issue.message}; the job is left unchanged. This is a "
            "trainjob-migrate bug unless the field comes from the input as is: please report it",
        )
    return not issues
