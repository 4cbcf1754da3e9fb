"""What a container plug-in is, and what it is given: the jobs found in one container.

A *container* is an object that carries Training Operator jobs inside it (a Katib
Experiment, an AppWrapper, an Argo Workflow, a compiled pipeline, a ConfigMap). Its plug-in
module (``containers/<name>.py``) says which of the jobs the walk finds it knows (``claims``),
whose placeholders they hold, and rewrites what else in the container refers to the job
(``adjust``), through a :class:`Rewrite`.
"""

from __future__ import annotations

from trainjob_migrate.paths import Path, format_path
from trainjob_migrate.records import Record
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Protocol

    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.containers.placeholders import Swap
    from trainjob_migrate.sources.model import Source
    from trainjob_migrate.targets import Target

    class Plugin(Protocol):
        """A container plug-in module (checked by mypy in ``containers/__init__.py``)."""

        @property
        def ID(self) -> str: ...  # its rule id (``tags.rule``), kebab-case

        @property
        def WHAT(self) -> str: ...  # what users call the container ("Katib Experiment")

        @property
        def PLACEHOLDERS(self) -> str | None: ...  # regex of its own placeholders

        @property
        def NAMES_JOBS(self) -> bool: ...  # it names the jobs it creates (no name needed)

        def claims(self, obj: Mapping[str, Any], path: Path) -> bool: ...

        def kinds(self, obj: Mapping[str, Any], path: Path) -> dict[str, str]: ...

        def adjust(self, rewrite: Rewrite) -> None: ...

        def name_placeholder(self, rewrite: Rewrite) -> str | None: ...


def join(outer: Path, inner: str | None) -> str:
    """A field inside an embedded job, named from the container: ``outer`` then ``inner``."""
    head = format_path(outer)
    if not inner:
        return head
    return f"{head}{inner}" if inner.startswith("[") else f"{head}.{inner}"


class Embedded(Record):
    """One job found inside the container, and what became of it."""

    __slots__ = ("path", "encoding", "text", "job", "source", "trainjob", "swap")
    #: where it is in the container
    path: Path
    #: ``object``, ``yaml`` or ``json``
    encoding: str
    #: the string as written (None for an object)
    text: str | None
    job: dict[str, Any] | None
    source: Source | None
    #: its TrainJob as it goes into the container (placeholders back), once converted
    trainjob: dict[str, Any] | None
    swap: Swap | None

    def __init__(
        self,
        path: Path,
        encoding: str,
        text: str | None,
        job: dict[str, Any] | None = None,
        source: Source | None = None,
        trainjob: dict[str, Any] | None = None,
        swap: Swap | None = None,
    ) -> None:
        self.path = path
        self.encoding = encoding
        self.text = text
        self.job = job
        self.source = source
        self.trainjob = trainjob
        self.swap = swap


class Rewrite(Record):
    """The container being rewritten: the original, the copy that replaces it, the jobs
    converted in it, and the results about it."""

    __slots__ = (
        "original", "out", "jobs", "results", "rule", "ref", "file", "config", "target", "skipped",
        "peers",
    )  # fmt: skip
    original: Mapping[str, Any]
    out: dict[str, Any]
    jobs: list[Embedded]
    results: list[Result]
    rule: str
    ref: ResourceRef
    file: FileRef | None
    config: FunctionConfig
    target: Target
    #: strings that name a job kind but hold none (reported, left as they are)
    skipped: int
    #: job templates of other objects of the input, by (namespace, name, key)
    peers: Mapping[tuple[str, str, str], str]

    def __init__(
        self,
        original: Mapping[str, Any],
        out: dict[str, Any],
        jobs: list[Embedded],
        results: list[Result],
        rule: str,
        ref: ResourceRef,
        file: FileRef | None,
        config: FunctionConfig,
        target: Target,
    ) -> None:
        self.original = original
        self.out = out
        self.jobs = jobs
        self.results = results
        self.rule = rule
        self.ref = ref
        self.file = file
        self.config = config
        self.target = target
        self.skipped = 0
        self.peers = {}

    def report(self, severity: Severity, path: Path | str | None, message: str) -> None:
        field = path if isinstance(path, str) or path is None else format_path(path)
        self.results.append(Result(message, severity, self.rule, self.ref, field, self.file))

    def error(self, path: Path | str | None, message: str) -> None:
        self.report(Severity.ERROR, path, message)

    def set(self, path: Path, value: Any) -> None:
        """Set ``path`` of the copy (copying the maps and lists on the way: the original
        shares them)."""
        node: Any = self.out
        for step in path[:-1]:
            child = node[step]
            child = dict(child) if isinstance(child, dict) else list(child)
            node[step] = child
            node = child
        node[path[-1]] = value

    def delete(self, path: Path) -> None:
        parent: Any = self.out
        for step in path[:-1]:
            child = parent[step]
            child = dict(child) if isinstance(child, dict) else list(child)
            parent[step] = child
            parent = child
        del parent[path[-1]]
