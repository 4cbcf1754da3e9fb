"""`v2-schema`: the object breaks the CRD schema of the target Trainer release.

The API server validates every TrainJob, TrainingRuntime and ClusterTrainingRuntime
against the CRD's OpenAPI schema, strictly with `kubectl apply --validate=strict` and
server-side apply: an unknown field (a misspelling, or a field of another release, such as
`podSpecOverrides` on 2.1+ or `runtimePatches` before 2.2), a value of the wrong type
(`numNodes: "two"`, a string `numProcPerNode` on 2.2+), a value outside an enum or a bound,
two entries of a keyed list (`x-kubernetes-list-type: map`, such as `env` by `name`) with
the same key, an `apiVersion` the CRD does not serve (only `v1alpha1`), or a `metadata.name`
that is no DNS-1123 subdomain (what the API server requires of every custom resource). The schemas are generated from the release's CRD (`schemas/`); a value that
holds a template placeholder (`${VAR}`, `{{ .Values.x }}`) is taken as one of the expected
type. Fix the field the result names, for the release the result names.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trainjob_migrate import validation
from trainjob_migrate.assemble import TRAINER_API_VERSION
from trainjob_migrate.paths import Path, format_path, parse_path
from trainjob_migrate.v2check import SCHEMA_PREFIX, Issue, Subject, placeholders
from trainjob_migrate.v2check.walk import matches

ID: Final = "v2-schema"
KINDS: Final = tuple(SCHEMA_PREFIX)

_HINTS: Final = {
    validation.UNKNOWN_FIELD: "remove it, or fix its spelling; the API server rejects it",
    "type": "the API server rejects the object",
    "required": "add it",
}


def schema_name(kind: str, version: str) -> str | None:
    name = f"{SCHEMA_PREFIX[kind]}-{version}"
    path = os.path.join(validation.SCHEMA_DIR, f"{name}.json")  # noqa: PTH118
    return name if os.path.isfile(path) else None  # noqa: PTH113


#: the only version the Trainer CRDs serve: the one the converter writes
API_VERSION: Final = TRAINER_API_VERSION
#: metadata.name of any object: a DNS-1123 subdomain (apimachinery NameIsDNSSubdomain)
_SUBDOMAIN: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def check(subject: Subject) -> Iterator[Issue]:
    name = schema_name(subject.kind, subject.target.version)
    if name is None:
        return
    yield from _identity(subject)
    where = f"Trainer {subject.target.version} {subject.kind} schema"
    for found in validation.validate(subject.obj, name):
        path = parse_path(found.path)
        if placeholders.on_path(subject.obj, path):
            continue
        hint = _HINTS.get(found.kind, "the API server rejects the object")
        yield Issue(ID, path, f"{found.message} ({where}): {hint}")
    yield from _keyed_lists(subject)


def _identity(subject: Subject) -> Iterator[Issue]:
    """apiVersion served by the CRD, and a metadata.name the API server takes."""
    api = subject.obj.get("apiVersion")
    if api != API_VERSION and not placeholders.holds(api):
        yield Issue(
            ID,
            ("apiVersion",),
            f"apiVersion {api!r}: the Trainer {subject.target.version} CRDs serve {API_VERSION} "
            "only; the API server rejects the object",
        )
    value = subject.get("metadata", "name")
    if not isinstance(value, str) or placeholders.holds(value):
        return  # no name (generateName, or kustomize's namePrefix): nothing to check
    if len(value) > 253 or not _SUBDOMAIN.fullmatch(value):
        yield Issue(
            ID,
            ("metadata", "name"),
            f"metadata.name {value!r} is not a DNS-1123 subdomain (lowercase letters, digits, "
            "'-' and '.', at most 253 characters): the API server rejects the object",
        )


def _keyed_lists(subject: Subject) -> Iterator[Issue]:
    from trainjob_migrate.v2check.cel_data import crd_data

    data = crd_data(subject.kind, subject.target.version)
    for spec in data.get("lists", ()):
        keys: list[str] | None = spec["keys"]
        for path, value in matches(subject.obj, spec["path"]):
            if isinstance(value, list):
                yield from _duplicates(path, value, keys)


def _duplicates(path: Path, items: list[Any], keys: list[str] | None) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if keys is None:
            key: Any = item
        elif isinstance(item, Mapping):
            key = [item.get(k) for k in keys]
        else:
            continue
        if placeholders.holds(key):
            continue
        text = json.dumps(key, sort_keys=True, default=str)
        if text in seen:
            shown = (
                ", ".join(f"{k}={json.dumps(item.get(k), default=str)}" for k in keys)
                if keys and isinstance(item, Mapping)
                else json.dumps(item, default=str)
            )
            by = f"keyed by {', '.join(keys)}" if keys else "a set"
            yield Issue(
                ID,
                (*path, i),
                f"duplicate entry ({shown}) in {format_path(path)}, a list {by}: the API "
                "server rejects the object; merge the two entries",
            )
        seen.add(text)
