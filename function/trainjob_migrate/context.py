"""The state of one job's conversion: what the rules read, what they build, what they report.

Rules read the PyTorchJob through the context, mark the input paths they carry or
report with :meth:`Context.consume`, and write into :class:`Draft`. After the
rules ran, every input leaf that no rule consumed is reported: lossless or loud
by construction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.paths import Path, format_path, get
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity
from trainjob_migrate.targets import Target

Obj = dict[str, Any]

ROLES = ("Master", "Worker")


@dataclasses.dataclass(slots=True)
class Role:
    """One entry of ``spec.pytorchReplicaSpecs``, under its canonical name."""

    name: str  # Master | Worker
    path: Path  # ("spec", "pytorchReplicaSpecs", <key as written>)
    spec: Mapping[str, Any]

    @property
    def replicas(self) -> int:
        value = self.spec.get("replicas")
        return 1 if value is None else int(value)  # v1 defaulter: replicas 1

    @property
    def restart_policy(self) -> str:
        return str(self.spec.get("restartPolicy") or "OnFailure")  # v1 default


@dataclasses.dataclass(slots=True)
class RuntimeParts:
    """What only a generated TrainingRuntime can carry (``generateRuntime: true``)."""

    pod_spec: Obj = dataclasses.field(default_factory=dict)
    pod_metadata: Obj = dataclasses.field(default_factory=dict)
    container: Obj = dataclasses.field(default_factory=dict)
    sidecars: list[Obj] = dataclasses.field(default_factory=list)
    init_containers: list[Obj] = dataclasses.field(default_factory=list)
    job_spec: Obj = dataclasses.field(default_factory=dict)
    jobset_spec: Obj = dataclasses.field(default_factory=dict)
    pod_group_policy: Obj = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(dataclasses.astuple(self))


@dataclasses.dataclass(slots=True)
class Draft:
    """The TrainJob under construction, in the order its fields are emitted."""

    name: str = ""
    metadata: Obj = dataclasses.field(default_factory=dict)
    spec: Obj = dataclasses.field(default_factory=dict)  # suspend, managedBy, activeDeadlineSeconds
    trainer: Obj = dataclasses.field(default_factory=dict)
    pod_metadata: Obj = dataclasses.field(default_factory=dict)
    pod_spec: Obj = dataclasses.field(default_factory=dict)
    container: Obj = dataclasses.field(default_factory=dict)
    runtime: RuntimeParts = dataclasses.field(default_factory=RuntimeParts)


@dataclasses.dataclass(slots=True)
class Context:
    job: Mapping[str, Any]
    config: FunctionConfig
    target: Target
    ref: ResourceRef
    file: FileRef | None
    roles: dict[str, Role]
    #: the role whose pod template the TrainJob carries
    primary: Role
    #: index of the container named ``pytorch`` in the primary template
    container_index: int
    draft: Draft = dataclasses.field(default_factory=Draft)
    results: list[Result] = dataclasses.field(default_factory=list)
    consumed: set[Path] = dataclasses.field(default_factory=set)

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
            rule, path, f"{message}; only a TrainingRuntime can carry it ({place}): "
            "set generateRuntime=true, or drop the field"
        )
        return False

    @property
    def failed(self) -> bool:
        return any(r.severity is Severity.ERROR for r in self.results)
