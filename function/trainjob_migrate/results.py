"""Results: the one value type passed from rules, validation and the KRM layer to reporters.

A result carries the fields of the KRM Functions Specification (``message``,
``severity``, ``resourceRef``, ``field.path``, ``file``) plus the id of the rule
that produced it, as ``tags.rule``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from trainjob_migrate.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final


_set = object.__setattr__  # a Frozen record's fields are set in its __init__


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ResourceRef(Frozen):
    __slots__ = ("api_version", "kind", "name", "namespace", "generate_name")
    api_version: str
    kind: str
    name: str
    namespace: str | None
    #: ``metadata.generateName`` of an object without a name (an Argo Workflow, a Job a
    #: pipeline creates): shown to people, never on the wire (``resourceRef`` has no field for
    #: it, and a name that is not the object's would mislead tools)
    generate_name: str | None

    def __init__(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        generate_name: str | None = None,
    ) -> None:
        _set(self, "api_version", api_version)  # (not init(): made for every result)
        _set(self, "kind", kind)
        _set(self, "name", name)
        _set(self, "namespace", namespace)
        _set(self, "generate_name", generate_name)

    def to_dict(self) -> dict[str, str]:
        out = {"apiVersion": self.api_version, "kind": self.kind, "name": self.name}
        if self.namespace:
            out["namespace"] = self.namespace
        return out

    def display(self) -> str:
        scope = f"{self.namespace}/" if self.namespace else ""
        name = self.name
        if not name and self.generate_name:
            name = f"(generateName {self.generate_name})"
        return f"{self.kind} {scope}{name}"


class FileRef(Frozen):
    __slots__ = ("path", "index", "line")
    path: str
    index: int
    #: 1-based line of the object or field, where known (the repository CLI knows it; the
    #: KRM wire format has no place for it)
    line: int | None

    def __init__(self, path: str, index: int = 0, line: int | None = None) -> None:
        _set(self, "path", path)
        _set(self, "index", index)
        _set(self, "line", line)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.index:
            out["index"] = self.index
        return out


class Result(Frozen):
    __slots__ = ("message", "severity", "rule", "resource", "field", "file")
    message: str
    severity: Severity
    rule: str
    resource: ResourceRef | None
    field: str | None
    file: FileRef | None

    def __init__(
        self,
        message: str,
        severity: Severity,
        rule: str,
        resource: ResourceRef | None = None,
        field: str | None = None,
        file: FileRef | None = None,
    ) -> None:
        _set(self, "message", message)
        _set(self, "severity", severity)
        _set(self, "rule", rule)
        _set(self, "resource", resource)
        _set(self, "field", field)
        _set(self, "file", file)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "severity": str(self.severity)}
        if self.resource is not None:
            out["resourceRef"] = self.resource.to_dict()
            # The spec allows ``field`` only together with ``resourceRef``.
            if self.field:
                out["field"] = {"path": self.field}
        if self.file is not None:
            out["file"] = self.file.to_dict()
        out["tags"] = {"rule": self.rule}
        return out

    def one_line(self) -> str:
        """``[error] <Kind> ns/name (file.yaml) spec.x: message``, as kpt prints results."""
        parts = [f"[{self.severity}]"]
        if self.resource is not None:
            parts.append(self.resource.display())
        if self.file is not None:
            parts.append(f"({self.file.path})")
        where = f"{self.field}: " if self.field else ""
        line = " ".join(parts) + f" {where}{self.message}"
        # names and values come from the input: a line break (or a terminal escape) in a
        # name must not split the line or reach the terminal raw
        return (
            line
            if line.isprintable()
            else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in line)
        )


#: The exit codes of every command (README, "Exit codes"); check and doctor add 2, 3, 4.
#: Usage, input, output, configuration and internal errors follow sysexits.h, apart from
#: the codes a command gives its findings.
EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 64  # EX_USAGE: an unknown option, a missing or extra argument
EXIT_NOINPUT: Final = 66  # EX_NOINPUT: a path named on the command line cannot be read
EXIT_CRASH: Final = 70  # EX_SOFTWARE: an internal error (a bug: please report it)
EXIT_CANTCREAT: Final = 73  # EX_CANTCREAT: the output cannot be created
EXIT_CONFIG: Final = 78  # EX_CONFIG: an option value (flag or --config) is invalid
EXIT_INTERRUPTED: Final = 130


def exit_code(results: Iterable[Result]) -> int:
    """1 when any result is an error, else 0: the convention kpt and the Go SDK share."""
    return EXIT_ERROR if any(r.severity is Severity.ERROR for r in results) else EXIT_OK


def sort_key(result: Result) -> tuple[str, int, int]:
    """Results in file order, then errors before warnings before infos."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    path, index = (result.file.path, result.file.index) if result.file else ("", 0)
    return (path, index, order[result.severity])


def ref_of(obj: Mapping[str, Any]) -> ResourceRef:
    """The resourceRef of a Kubernetes object (tolerant of broken metadata)."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    namespace = meta.get("namespace")
    name = str(meta.get("name", ""))
    generate_name = None if name else meta.get("generateName")
    return ResourceRef(
        api_version=str(obj.get("apiVersion", "")),
        kind=str(obj.get("kind", "")),
        name=name,
        namespace=str(namespace) if namespace else None,
        generate_name=str(generate_name) if generate_name else None,
    )
