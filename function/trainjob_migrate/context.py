"""The state of one job's conversion: what the rules read, what they build, what they report.

Rules read the v1 job through the context, mark the input paths they carry or
report with :meth:`Context.consume`, and write into :class:`Draft`. After the
rules ran, every input leaf that no rule consumed is reported: lossless or loud
by construction.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.paths import Path, format_path, get
from trainjob_migrate.records import Record
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity
from trainjob_migrate.targets import Target

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    # only for annotations: the sources import the rules, which import this module
    from trainjob_migrate.sources.model import Source

Obj: TypeAlias = "dict[str, Any]"


class Role(Record):
    """One entry of the job's replica specs, under its canonical name (``Master``)."""

    __slots__ = ("name", "path", "spec", "default_restart")
    name: str  # the canonical replica type: one of the source's roles
    path: Path  # ("spec", <the source's replica specs field>, <key as written>)
    spec: Mapping[str, Any]
    #: the restartPolicy the kind's v1 defaulter writes when none is given
    default_restart: str

    def __init__(
        self, name: str, path: Path, spec: Mapping[str, Any], default_restart: str = "OnFailure"
    ) -> None:
        self.name = name
        self.path = path
        self.spec = spec
        self.default_restart = default_restart

    @property
    def replicas(self) -> int:
        value = self.spec.get("replicas")
        return 1 if value is None else int(value)  # v1 defaulter: replicas 1

    @property
    def restart_policy(self) -> str:
        return str(self.spec.get("restartPolicy") or self.default_restart)  # v1 defaulter


class RuntimeParts(Record):
    """What only a generated TrainingRuntime can carry (``generateRuntime: true``)."""

    __slots__ = (
        "pod_spec",
        "pod_metadata",
        "container",
        "sidecars",
        "init_containers",
        "job_spec",
        "jobset_spec",
        "pod_group_policy",
    )
    pod_spec: Obj
    pod_metadata: Obj
    container: Obj
    sidecars: list[Obj]
    init_containers: list[Obj]
    job_spec: Obj
    jobset_spec: Obj
    pod_group_policy: Obj

    def __init__(
        self,
        pod_spec: Obj | None = None,
        pod_metadata: Obj | None = None,
        container: Obj | None = None,
        sidecars: list[Obj] | None = None,
        init_containers: list[Obj] | None = None,
        job_spec: Obj | None = None,
        jobset_spec: Obj | None = None,
        pod_group_policy: Obj | None = None,
    ) -> None:
        self.pod_spec = {} if pod_spec is None else pod_spec
        self.pod_metadata = {} if pod_metadata is None else pod_metadata
        self.container = {} if container is None else container
        self.sidecars = [] if sidecars is None else sidecars
        self.init_containers = [] if init_containers is None else init_containers
        self.job_spec = {} if job_spec is None else job_spec
        self.jobset_spec = {} if jobset_spec is None else jobset_spec
        self.pod_group_policy = {} if pod_group_policy is None else pod_group_policy

    def __bool__(self) -> bool:
        return any(self._values())


class Draft(Record):
    """The TrainJob under construction, in the order its fields are emitted."""

    __slots__ = (
        "name",
        "metadata",
        "spec",
        "trainer",
        "pod_metadata",
        "pod_spec",
        "container",
        "runtime",
        "runtime_ref",
        "training_runtime",
    )
    name: str
    metadata: Obj
    spec: Obj  # suspend, managedBy, activeDeadlineSeconds
    trainer: Obj
    pod_metadata: Obj
    pod_spec: Obj
    container: Obj
    runtime: RuntimeParts
    #: the runtimeRef a source's rules chose (None: the configured runtimeName/runtimeKind)
    runtime_ref: Obj | None
    #: a whole TrainingRuntime a source's rules built, emitted before the TrainJob (which
    #: then references it); None: the shared generated runtime, if any
    training_runtime: Obj | None

    def __init__(
        self,
        name: str = "",
        metadata: Obj | None = None,
        spec: Obj | None = None,
        trainer: Obj | None = None,
        pod_metadata: Obj | None = None,
        pod_spec: Obj | None = None,
        container: Obj | None = None,
        runtime: RuntimeParts | None = None,
        runtime_ref: Obj | None = None,
        training_runtime: Obj | None = None,
    ) -> None:
        self.name = name
        self.metadata = {} if metadata is None else metadata
        self.spec = {} if spec is None else spec
        self.trainer = {} if trainer is None else trainer
        self.pod_metadata = {} if pod_metadata is None else pod_metadata
        self.pod_spec = {} if pod_spec is None else pod_spec
        self.container = {} if container is None else container
        self.runtime = RuntimeParts() if runtime is None else runtime
        self.runtime_ref = runtime_ref
        self.training_runtime = training_runtime


class Context(Record):
    __slots__ = (
        "job",
        "source",
        "config",
        "target",
        "ref",
        "file",
        "roles",
        "primary",
        "container_index",
        "draft",
        "results",
        "consumed",
    )
    job: Mapping[str, Any]
    #: the job's kind, as a plug-in: its roles, training container and rules
    source: Source
    config: FunctionConfig
    target: Target
    ref: ResourceRef
    file: FileRef | None
    roles: dict[str, Role]
    #: the role whose pod template the TrainJob carries
    primary: Role
    #: index of the training container (named by the source) in the primary template
    container_index: int
    draft: Draft
    results: list[Result]
    consumed: set[Path]

    def __init__(
        self,
        job: Mapping[str, Any],
        source: Source,
        config: FunctionConfig,
        target: Target,
        ref: ResourceRef,
        file: FileRef | None,
        roles: dict[str, Role],
        primary: Role,
        container_index: int,
        draft: Draft | None = None,
        results: list[Result] | None = None,
        consumed: set[Path] | None = None,
    ) -> None:
        self.job = job
        self.source = source
        self.config = config
        self.target = target
        self.ref = ref
        self.file = file
        self.roles = roles
        self.primary = primary
        self.container_index = container_index
        self.draft = Draft() if draft is None else draft
        self.results = [] if results is None else results
        self.consumed = set() if consumed is None else consumed

    # --- reading -------------------------------------------------------------

    @property
    def template_path(self) -> Path:
        return (*self.primary.path, "template")

    @property
    def pod_spec_path(self) -> Path:
        return (*self.template_path, "spec")

    @property
    def container_path(self) -> Path:
        return (*self.pod_spec_path, "containers", self.container_index)

    def value(self, path: Path, default: Any = None) -> Any:
        return get(self.job, path, default)

    @property
    def container(self) -> Mapping[str, Any]:
        found: Mapping[str, Any] = self.value(self.container_path, {})
        return found

    @property
    def num_nodes(self) -> int:
        return sum(role.replicas for role in self.roles.values())

    # --- bookkeeping ---------------------------------------------------------

    def consume(self, path: Path) -> None:
        """Mark ``path`` (and everything under it) as carried or reported."""
        self.consumed.add(path)

    def report(self, severity: Severity, rule: str, path: Path | None, message: str) -> None:
        self.results.append(
            Result(
                message=message,
                severity=severity,
                rule=rule,
                resource=self.ref,
                field=format_path(path) if path else None,
                file=self.file,
            )
        )

    def error(self, rule: str, path: Path | None, message: str) -> None:
        self.report(Severity.ERROR, rule, path, message)

    def info(self, rule: str, path: Path | None, message: str) -> None:
        self.report(Severity.INFO, rule, path, message)

    def empty(self, rule: str, path: Path) -> None:
        """An explicitly empty value: the same as leaving it out, said once so it is not silent."""
        self.consume(path)
        self.info(rule, path, "empty: the same as leaving it out; nothing to carry")

    def lossy(self, rule: str, path: Path | None, message: str) -> None:
        """Something of the input is lost: a warning, or an error with ``strict: true``."""
        severity = Severity.ERROR if self.config.strict else Severity.WARNING
        self.report(severity, rule, path, message)

    def runtime_only(self, rule: str, path: Path, place: str, message: str) -> bool:
        """A field that only a TrainingRuntime can carry.

        With ``generateRuntime: true`` the caller puts it into the generated runtime
        (this returns True); otherwise it is reported as lost.
        """
        self.consume(path)
        if self.config.generate_runtime:
            self.info(rule, path, f"carried by the generated TrainingRuntime ({place})")
            return True
        self.lossy(
            rule,
            path,
            f"{message}; only a TrainingRuntime can carry it ({place}): "
            f"{self.runtime_advice}, or drop the field",
        )
        return False

    @property
    def runtime_advice(self) -> str:
        """How to get a TrainingRuntime for this target (generateRuntime is refused where the
        tool ships no runtime schema for the release)."""
        if self.target.runtime_schema is not None:
            return "set generateRuntime=true"
        return (
            "reference a TrainingRuntime of your own that carries it (runtimeName; "
            f"generateRuntime is not available for Trainer {self.target.version})"
        )

    @property
    def failed(self) -> bool:
        return any(r.severity is Severity.ERROR for r in self.results)
