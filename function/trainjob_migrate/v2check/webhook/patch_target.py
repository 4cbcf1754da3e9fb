"""`v2-patch-target`: an override or patch names a job or container the runtime does not have.

The JobSet plugin of the Trainer rejects a `targetJobs`/`replicatedJobs` name the referenced
runtime lacks, and a container or init container not in that job
(`pkg/runtime/framework/plugins/jobset/jobset.go` `Validate`, for `podSpecOverrides` in
2.0, `podTemplateOverrides` in 2.1, `runtimePatches` in 2.2+; 2.0 also rejects a target job
named twice). A container must also be of the list it is patched in (`containers` or
`initContainers`): upstream accepts the other and the pod fails without an image
(trainer#3948). The same logic as `doctor`'s `runtime-ref` check. Use the runtime's job and
container names (torch-distributed: job `node`, container `node`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from trainjob_migrate.paths import Path, format_path, parse_path
from trainjob_migrate.results import Result, Severity
from trainjob_migrate.runtimes import references
from trainjob_migrate.v2check import Issue, Subject, placeholders

ID: Final = "v2-patch-target"
KINDS: Final = ("TrainJob",)


class _Located:
    def __init__(self, subject: Subject) -> None:
        self._subject = subject

    def get(self, *path: str | int) -> Any:
        return self._subject.get(*path)

    def result(self, severity: Severity, rule: str, path: Path, message: str) -> Result:
        return Result(message, severity, rule, None, format_path(path))


def check(subject: Subject) -> Iterator[Issue]:
    found = subject.runtime()
    if found is None:
        return  # v2-runtime-ref
    shape = subject.target.override_shape
    for result in references.names(_Located(subject), found.runtime):
        path = parse_path(result.field or "")
        if path and path[1] != shape:
            continue  # a field of another release's shape: v2-schema
        if placeholders.on_path(subject.obj, path):
            continue
        yield Issue(ID, path, f"{result.message}; use a name the runtime has")
    if shape == "podSpecOverrides":
        yield from _duplicates(subject)


def _duplicates(subject: Subject) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, entry in enumerate(subject.spec("podSpecOverrides") or []):
        targets = entry.get("targetJobs") if isinstance(entry, dict) else None
        for k, target in enumerate(targets or []):
            name = target.get("name") if isinstance(target, dict) else None
            if not isinstance(name, str):
                continue
            if name in seen:
                yield Issue(
                    ID,
                    ("spec", "podSpecOverrides", i, "targetJobs", k, "name"),
                    f"job {name!r} is already the target of another podSpecOverride: the "
                    "Trainer 2.0 webhook rejects the TrainJob; merge the two overrides",
                )
            seen.add(name)
