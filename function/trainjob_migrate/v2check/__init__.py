"""Validate Trainer v2 objects (TrainJob, TrainingRuntime, ClusterTrainingRuntime) per release.

What the API server and the Trainer's admission webhook of the target release would say,
offline, in three layers, each a module with the rule ids it reports:

- :mod:`.schema` (``v2-schema``): the release's CRD schema, strict (unknown fields, types,
  enums, bounds), and the keyed lists (``x-kubernetes-list-type``);
- :mod:`.cel` (``v2-cel``): the CRD's CEL rules (``x-kubernetes-validations``), evaluated
  with Google's CEL runtime (``cel-expr-python``); transition rules (``oldSelf``) do not
  apply to a new object and are skipped;
- :mod:`.webhook` (one module a rule, ``v2-...``): the admission rules of the Trainer and
  JobSet webhooks of the release, each citing its upstream function.

As on the cluster, the webhook rules judge only an object the schema and the CEL rules
accept: the API server refuses any other before an admission webhook sees it.

Template placeholders (``$VAR``, ``${VAR}``, ``{{ ... }}``) stand for a value of the expected
type: no layer reports a value that holds one. Importing this package costs nothing heavy;
the layers import jsonschema and the CEL runtime only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Protocol

from trainjob_migrate import paths, runtimes
from trainjob_migrate.paths import Path, format_path
from trainjob_migrate.results import FileRef, Result, Severity, ref_of
from trainjob_migrate.targets import Target

GROUP: Final = "trainer.kubeflow.org"
KINDS: Final = ("TrainJob", "TrainingRuntime", "ClusterTrainingRuntime")
#: schema name prefix of each kind (schemas/<prefix>-<version>.json)
SCHEMA_PREFIX: Final = {
    "TrainJob": "trainjob",
    "TrainingRuntime": "trainingruntime",
    "ClusterTrainingRuntime": "clustertrainingruntime",
}


def is_v2(obj: Any) -> bool:
    """A Trainer v2 object this package validates (any ``trainer.kubeflow.org`` version)."""
    if not isinstance(obj, Mapping) or obj.get("kind") not in KINDS:
        return False
    api = obj.get("apiVersion")
    return isinstance(api, str) and api.split("/", 1)[0] == GROUP


class Issue:
    """One thing the cluster would reject: the rule id, the field, what is wrong and what to do."""

    __slots__ = ("rule", "path", "message")

    def __init__(self, rule: str, path: Path, message: str) -> None:
        self.rule = rule
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"Issue({self.rule!r}, {format_path(self.path)!r}, {self.message!r})"


class Subject:
    """An object under validation, with the release and the runtimes it is checked against."""

    __slots__ = ("obj", "target", "catalog", "_runtime")

    def __init__(self, obj: Mapping[str, Any], target: Target, catalog: runtimes.Catalog) -> None:
        self.obj = obj
        self.target = target
        self.catalog = catalog
        self._runtime: runtimes.Found | bool | None = False  # False: not looked up yet

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind"))

    @property
    def namespace(self) -> str | None:
        meta = self.obj.get("metadata")
        ns = meta.get("namespace") if isinstance(meta, Mapping) else None
        return str(ns) if ns else None

    def get(self, *path: str | int) -> Any:
        return paths.get(self.obj, path)

    def spec(self, *path: str | int) -> Any:
        return self.get("spec", *path)

    def runtime(self) -> runtimes.Found | None:
        """The runtime a TrainJob references (the repository's, else the release's default)."""
        if self._runtime is False:
            ref = self.spec("runtimeRef")
            ref = ref if isinstance(ref, Mapping) else {}
            name, kind = ref.get("name"), ref.get("kind") or runtimes.CLUSTER_KIND
            found = None
            if isinstance(name, str) and isinstance(kind, str):
                found = self.catalog.find(kind, name, self.namespace)
            self._runtime = found
        assert self._runtime is not True
        return self._runtime or None

    def ml_policy(self) -> Mapping[str, Any]:
        found = self.runtime()
        policy = ((found.runtime.get("spec") or {}).get("mlPolicy") or {}) if found else {}
        return policy if isinstance(policy, Mapping) else {}


class Rule(Protocol):
    """A webhook rule module: its id, the kinds it applies to, and its check."""

    @property
    def ID(self) -> str: ...

    @property
    def KINDS(self) -> tuple[str, ...]: ...

    def check(self, subject: Subject) -> Iterator[Issue]: ...


def layers() -> tuple[Rule, ...]:
    """Every rule module, in the order their issues are reported."""
    from trainjob_migrate.v2check import cel, schema, webhook

    return (schema, cel, *webhook.rules())


def validate(
    obj: Mapping[str, Any], target: Target, catalog: runtimes.Catalog | None = None
) -> list[Issue]:
    """Every issue of one v2 object against ``target`` (no issues: the cluster accepts it)."""
    if not is_v2(obj):
        return []
    subject = Subject(obj, target, catalog or runtimes.Catalog.of(target.version, [obj]))
    from trainjob_migrate.v2check import cel, schema, webhook

    out = list(schema.check(subject)) if subject.kind in schema.KINDS else []
    out.extend(cel.check(subject) if subject.kind in cel.KINDS else ())
    if out:
        return out  # the API server refuses it before any admission webhook sees it
    for rule in webhook.rules():
        if subject.kind not in rule.KINDS:
            continue
        try:
            out.extend(rule.check(subject))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            # a malformed runtime it references (the repository's: its own findings say
            # why); the webhook would fail on it too, and the schema of the object is fine
            continue
    return out


def results(located: Iterable[tuple[Any, FileRef | None]], target: Target) -> list[Result]:
    """Results for every invalid v2 object of ``located`` (object, where it is)."""
    objects = [(obj, file) for obj, file in located if is_v2(obj)]
    if not objects:
        return []
    catalog = runtimes.Catalog.of(target.version, [obj for obj, _ in objects])
    return [
        Result(
            issue.message,
            Severity.ERROR,
            issue.rule,
            ref_of(obj),
            format_path(issue.path) or None,
            file,
        )
        for obj, file in objects
        for issue in validate(obj, target, catalog)
    ]


def rule_ids() -> tuple[str, ...]:
    return tuple(rule.ID for rule in layers())
