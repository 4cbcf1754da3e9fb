"""Convert one PyTorchJob: validate, run the rules, report unconsumed fields, assemble, validate.

A job that cannot be converted faithfully (any error result) is returned
untouched, with its results: never half-converted.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate import assemble, krm, validation
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.context import ROLES, Context, Role
from trainjob_migrate.paths import Path, format_path, leaves_outside
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity, ref_of
from trainjob_migrate.rules import RULES
from trainjob_migrate.rules.metadata import CONVERTED_FROM, TARGET_VERSION
from trainjob_migrate.targets import Target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

Obj: TypeAlias = "dict[str, Any]"

PYTORCHJOB_GROUP: Final = "kubeflow.org"
PYTORCHJOB_API_VERSION: Final = "kubeflow.org/v1"
CONTAINER_NAME: Final = "pytorch"
_STRUCTURE: Final = "structure"
_UNMAPPED: Final = "unmapped-field"
_OUTPUT: Final = "output-schema"


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


def is_pytorchjob(item: Any) -> bool:
    """A PyTorchJob of the API group kubeflow.org (any version: only v1 is converted)."""
    if not isinstance(item, Mapping) or item.get("kind") != "PyTorchJob":
        return False
    api_version = item.get("apiVersion")
    return isinstance(api_version, str) and api_version.split("/")[0] == PYTORCHJOB_GROUP


def convert(
    job: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    file: FileRef | None = None,
) -> Conversion:
    """Convert one job; ``file`` defaults to the job's own path annotations (a List's for its items)."""
    ref = ref_of(job)
    file = krm.file_of(job) or file
    ctx_or_results = _prepare(job, config, target, ref, file)
    if isinstance(ctx_or_results, list):
        return Conversion([dict(job)], ctx_or_results, converted=False)
    ctx = ctx_or_results
    for rule in RULES:
        rule.apply(ctx)
    _report_unconsumed(ctx)
    if ctx.failed:
        return Conversion([dict(job)], ctx.results, converted=False)

    generate = bool(ctx.draft.runtime) and config.generate_runtime
    objects: list[Obj] = []
    if generate:
        runtime = _generated_runtime(ctx)
        if runtime is None:
            return Conversion([dict(job)], ctx.results, converted=False)
        objects.append(runtime)
    trainjob = assemble.trainjob(ctx, assemble.runtime_ref(ctx, generated=generate))
    if not _output_valid(ctx, trainjob, target.schema, "TrainJob"):
        return Conversion([dict(job)], ctx.results, converted=False)
    objects.append(trainjob)
    scope = f"{ref.namespace}/" if ref.namespace else ""
    runtime_note = (
        f"generated TrainingRuntime {ctx.draft.name}"
        if generate
        else f"{config.runtime_kind} {config.runtime_name}"
    )
    ctx.info(
        "summary",
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

    def error(path: Path | str | None, message: str) -> list[Result]:
        field = path if isinstance(path, str) or path is None else format_path(path)
        return [
            Result(
                message=message,
                severity=Severity.ERROR,
                rule=_STRUCTURE,
                resource=ref,
                field=field or None,
                file=file,
            )
        ]

    if job.get("apiVersion") != PYTORCHJOB_API_VERSION:
        return error(
            ("apiVersion",),
            f"PyTorchJob {job.get('apiVersion')} is not converted: only {PYTORCHJOB_API_VERSION} "
            "is supported",
        )
    issues = validation.validate(job, "pytorchjob-v1")
    if issues:
        return [
            r
            for issue in issues
            for r in error(
                issue.path,
                f"invalid PyTorchJob (kubeflow.org/v1 schema): {issue.message}; fix the field "
                "and run again",
            )
        ]
    meta = job.get("metadata") or {}
    if not meta.get("name"):
        return error(
            ("metadata", "name"),
            "the PyTorchJob has no name (generateName alone is not enough: the TrainJob's "
            "master address and pod names derive from its name); give it a name",
        )
    specs = (job.get("spec") or {}).get("pytorchReplicaSpecs")
    if not specs:
        return error(
            ("spec", "pytorchReplicaSpecs"),
            "no spec.pytorchReplicaSpecs: a PyTorchJob needs a Master or Worker replica spec",
        )
    roles: dict[str, Role] = {}
    for key, spec in specs.items():
        canonical = str(key).capitalize()  # the v1 defaulter normalises the case
        path = ("spec", "pytorchReplicaSpecs", str(key))
        if canonical not in ROLES:
            return error(path, f"replica type {key!r}: a PyTorchJob has only Master and Worker")
        if canonical in roles:
            return error(path, f"replica type {key!r} given twice (keys are case-insensitive)")
        if spec.get("replicas") is not None and int(spec["replicas"]) < (
            1 if canonical == "Worker" else 0
        ):
            return error((*path, "replicas"), "replicas must be at least 1")
        if canonical == "Master" and spec.get("replicas") not in (None, 1):
            return error((*path, "replicas"), "Master replicas must be 1 (the v1 webhook rule)")
        roles[canonical] = Role(canonical, path, spec)
    if not roles:
        return error(("spec", "pytorchReplicaSpecs"), "no Master or Worker replica spec")
    primary = (
        roles["Worker"]
        if config.template_mismatch == "worker" and "Worker" in roles
        else (roles.get("Master") or roles["Worker"])
    )
    containers = (primary.spec.get("template") or {}).get("spec", {}).get("containers") or []
    index = next((i for i, c in enumerate(containers) if c.get("name") == CONTAINER_NAME), None)
    if index is None:
        return error(
            (*primary.path, "template", "spec", "containers"),
            "no container named 'pytorch' (the v1 webhook requires one; it is the training "
            "container); rename the training container to pytorch",
        )
    return Context(
        job=job,
        config=config,
        target=target,
        ref=ref,
        file=file,
        roles=roles,
        primary=primary,
        container_index=index,
    )


def _report_unconsumed(ctx: Context) -> None:
    for leaf in leaves_outside(ctx.job, ctx.consumed):
        ctx.lossy(_UNMAPPED, leaf, "no rule carries this field into the TrainJob; it is dropped")


def _generated_runtime(ctx: Context) -> Obj | None:
    schema = ctx.target.runtime_schema
    assert schema is not None, "pipeline.process refuses generateRuntime for this target"
    annotations = {
        **krm.path_annotations(ctx.job),
        CONVERTED_FROM: ctx.draft.metadata["annotations"][CONVERTED_FROM],
        TARGET_VERSION: ctx.target.version,
    }
    runtime = assemble.training_runtime(ctx, annotations)
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
            f"{issue.path}: {issue.message}; the PyTorchJob is left unchanged. This is a "
            "trainjob-migrate bug unless the field comes from the input as is: please report it",
        )
    return not issues
