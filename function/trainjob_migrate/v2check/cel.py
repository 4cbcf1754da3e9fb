"""`v2-cel`: the object breaks a CEL rule (`x-kubernetes-validations`) of the release's CRD.

The API server evaluates the CRD's CEL rules on every object it admits: on a TrainJob
`managedBy` must be the Trainer's controller or MultiKueue, `metadata.name` an RFC 1035
label of at most 63 characters (2.1+), a `storageUri` a URI (2.3); on a runtime, one ML
policy at most, no `numNodes` with a torch `elasticPolicy` (2.0, 2.1), `numProcPerNode`
`auto`, `cpu`, `gpu` or a positive int (2.0, 2.1), no JobSet `startupPolicy: InOrder`
together with `dependsOn`. The rules are read from the vendored CRDs
(`tools/generate_cel_rules.py`) and evaluated with Google's CEL runtime
(`cel-expr-python`); a rule that cannot be evaluated on the value counts as failed, as on
the API server. Transition rules (`self == oldSelf`) do not apply to a new object; a rule
whose value holds a template placeholder is not evaluated. The message is the CRD's own;
fix the field the result names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from trainjob_migrate.paths import Path
from trainjob_migrate.v2check import SCHEMA_PREFIX, Issue, Subject, placeholders
from trainjob_migrate.v2check.cel_data import crd_data
from trainjob_migrate.v2check.walk import matches

ID: Final = "v2-cel"
KINDS: Final = tuple(SCHEMA_PREFIX)
_SELF_FIELD: Final = re.compile(r"\bself((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


@functools.cache
def _env() -> Any:
    from cel_expr_python import cel

    return cel.NewEnv(variables={"self": cel.Type.DYN})


@functools.cache
def compiled(rule: str) -> Any:
    """The rule, compiled once a process."""
    return _env().compile(rule)


def evaluate(rule: str, value: Any) -> tuple[bool, str | None]:
    """(passes, why not when it could not be evaluated): an error fails, as on the API server."""
    try:
        result = compiled(rule).eval(data={"self": value})
        kind = result.type().name()
        if kind == "BOOL":
            return bool(result.value()), None
        return False, str(result.value()) if kind == "ERROR" else f"not a bool: {kind}"
    except Exception as exc:  # noqa: BLE001 - a value the runtime cannot take: failed
        return False, str(exc).splitlines()[0]


def check(subject: Subject) -> Iterator[Issue]:
    data = crd_data(subject.kind, subject.target.version)
    obj = _named(subject.obj)
    where = f"Trainer {subject.target.version} {subject.kind} CRD"
    for rule in data.get("rules", ()):
        if rule["transition"]:
            continue
        for path, value in matches(obj, rule["path"]):
            if placeholders.holds(value) or value is None:
                continue
            passes, error = evaluate(rule["rule"], value)
            if passes:
                continue
            at = _pattern(rule["path"])
            why = f"; it cannot be evaluated: {error}" if error else ""
            yield Issue(
                ID,
                _field(obj, path, rule["rule"]) if not rule["path"] else path,
                f"{rule['message']} (CEL rule `{rule['rule']}` of the {where} on {at}{why}): "
                "the API server rejects the object",
            )


def _field(obj: Mapping[str, Any], path: Path, rule: str) -> Path:
    """A rule on the whole object points at the field it reads (``self.metadata.name``)."""
    found = _SELF_FIELD.search(rule)
    if found is None:
        return path
    names = found.group(1).split(".")[1:]
    for n in range(len(names), 0, -1):  # the longest that exists (not .matches, .size...)
        field: Path = (*path, *names[:n])
        if placeholders.at(obj, field) is not None:
            return field
    return path


def _named(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """With ``generateName`` only, the name the API server generates before validating."""
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or "name" in meta or "generateName" not in meta:
        return obj
    return {**obj, "metadata": {**meta, "name": f"{meta['generateName']}x7k2q"}}


def _pattern(path: list[str]) -> str:
    """``spec.replicatedJobs[*].name``: where a rule sits in the schema."""
    text = ".".join(path).replace(".[]", "[*]").replace(".{}", "[*]")
    return text or "the object"
