"""``compare``: what a v1 job ran under the v1 operator against what its TrainJob will run.

Both sides are rendered into pods (the source's pod model, :mod:`.v2pods`) for the same node
indexes (the first, the second and the last node: master, a worker, the last worker),
diffed field by field (:mod:`.diff`) and classified (:mod:`.classify`). Job-level
behaviour (retries, deadline, TTL, clean-up, suspend) is compared too. Each difference
carries the v1 job's path it comes from, so a lost field can be checked against the
conversion's results.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping

from trainjob_migrate import runtimes, sources
from trainjob_migrate.compare import v2pods
from trainjob_migrate.compare.classify import Facts, Kind, classify
from trainjob_migrate.compare.diff import Change, changes, normalize, origin
from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.paths import Path, format_path, parse_path
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.results import ResourceRef, ref_of
from trainjob_migrate.targets import Target
from trainjob_migrate.templates import dollar_strings

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final, Protocol

    class V1Pods(Protocol):
        """What a source's pod model (``Source.pods``) offers: the pods the v1 operator built.

        Each pod pairs with the v2 pod of the same ``group`` (replicatedJob) and index.
        Optionally ``groups(job) -> {group: pods}`` when the pods are not all ``node`` pods
        (a launcher apart from the nodes): which indexes are compared in each.

        Optionally ``success(job) -> (rule, path)``: when v1 marked the job Succeeded (``node 0
        succeeded``, ``any node succeeded``; without it ``every node succeeded``) and the job
        path that decides it."""

        def count(self, job: Mapping[str, Any]) -> int: ...

        def render(self, job: Mapping[str, Any], indexes: set[int] | None = None) -> list[Pod]: ...


__all__ = ["Comparison", "Difference", "Kind", "compare"]

_TORCHRUN: Final = re.compile(r"(^|[\s/])torchrun(\s|$)|torch\.distributed\.(run|launch)")


class Difference(Frozen):
    __slots__ = ("field", "change", "kind", "why", "v1", "v2", "sources", "pods")
    field: str  # pod field (``spec.containers[node].env[RANK]``) or ``job.<behaviour>``
    change: str  # missing | added | changed | same
    kind: Kind
    why: str
    v1: Any
    v2: Any
    #: the v1 job's fields it comes from (``spec.<replica specs>.Master...``)
    sources: tuple[str, ...]
    #: the v1 pods (names) where it shows
    pods: tuple[str, ...]

    def __init__(
        self,
        field: str,
        change: str,
        kind: Kind,
        why: str,
        v1: Any,
        v2: Any,
        sources: tuple[str, ...],
        pods: tuple[str, ...],
    ) -> None:
        init(self, field, change, kind, why, v1, v2, sources, pods)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "change": self.change,
            "class": str(self.kind),
            "why": self.why,
            "v1": self.v1,
            "v2": self.v2,
            "sources": list(self.sources),
            "pods": list(self.pods),
        }


class Comparison(Frozen):
    __slots__ = ("pytorchjob", "trainjob", "target", "runtime", "differences", "problems")
    pytorchjob: ResourceRef
    trainjob: ResourceRef
    target: str
    runtime: str  # where the runtime came from
    differences: list[Difference]
    #: why nothing could be rendered (then everything counts as lost)
    problems: list[str]

    def __init__(
        self,
        pytorchjob: ResourceRef,
        trainjob: ResourceRef,
        target: str,
        runtime: str,
        differences: list[Difference],
        problems: list[str],
    ) -> None:
        init(self, pytorchjob, trainjob, target, runtime, differences, problems)

    @property
    def lost(self) -> list[Difference]:
        return [d for d in self.differences if d.kind is Kind.LOST]

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.problems)

    def counts(self) -> dict[str, int]:
        return {str(k): sum(d.kind is k for d in self.differences) for k in Kind}


def _v1_model(job: Mapping[str, Any]) -> V1Pods | None:
    source = sources.identify(job)
    if source is None or source.pods is None:
        return None
    __import__(source.pods)  # not importlib (warnings...): start-up time
    module: V1Pods = sys.modules[source.pods]
    return module


def _replica_specs(job: Mapping[str, Any]) -> str:
    source = sources.identify(job)
    return source.replica_specs if source is not None else "replicaSpecs"


def compare(
    job: Mapping[str, Any], trainjob: Mapping[str, Any], target: Target, catalog: runtimes.Catalog
) -> Comparison:
    if dollar_strings(job) or dollar_strings(trainjob):  # envsubst placeholders: sentinels
        from trainjob_migrate.templates import envsubst

        return envsubst.compare(job, trainjob, target, catalog, _compare)
    return _compare(job, trainjob, target, catalog)


def _compare(
    job: Mapping[str, Any], trainjob: Mapping[str, Any], target: Target, catalog: runtimes.Catalog
) -> Comparison:
    model = _v1_model(job)
    if model is None:
        return Comparison(
            ref_of(job), ref_of(trainjob), target.version, "", [],
            [f"compare does not model the pods of a {job.get('kind')} yet"],
        )  # fmt: skip
    job = _as_stored(job)
    total = model.count(job)
    groups = getattr(model, "groups", None)
    sizes: Mapping[str, int] = groups(job) if groups is not None else {"node": total}
    indexes = {i for n in sizes.values() for i in (0, min(1, n - 1), max(n - 1, 0))}
    old = model.render(job, indexes)
    rendered = v2pods.render(trainjob, target, catalog, indexes)
    head = (ref_of(job), ref_of(trainjob), target.version, rendered.runtime_origin)
    if rendered.problems:
        return Comparison(*head, [], rendered.problems)
    new = {(p.group, p.index): p for p in rendered.pods}
    found: dict[tuple[str, str], Difference] = {}
    if rendered.num_nodes != total:
        _add(
            found,
            Difference(
                "spec.trainer.numNodes",
                "changed",
                Kind.RISK,
                "the number of nodes changes",
                total,
                rendered.num_nodes,
                (f"spec.{_replica_specs(job)}",),
                (),
            ),
        )
    for pod in old:
        other = new.get((pod.group, pod.index))
        if other is None:
            continue
        facts = _facts(other)
        for change in changes(normalize(pod.obj, pod), normalize(other.obj, other)):
            kind, why = classify(change, facts)
            _add(
                found,
                Difference(
                    change.display,
                    change.kind,
                    kind,
                    why,
                    change.old,
                    change.new,
                    (format_path(origin(job, pod, change.path)),),
                    (pod.name,),
                ),
            )
    success = getattr(model, "success", None)
    v1_success: tuple[str, Path] = (
        success(job) if success is not None else ("every node succeeded", ("spec",))
    )
    decided: dict[str, Path] = {"successPolicy": v1_success[1]}
    for change in _job_changes(job, trainjob, catalog, v1_success[0]):
        kind, why = classify(change, Facts(False, ""))
        key = change.path[-1]
        source = format_path(decided.get(key, ("spec", "runPolicy", key)))
        _add(
            found,
            Difference(
                change.display, change.kind, kind, why, change.old, change.new, (source,), ()
            ),
        )
    return Comparison(*head, list(found.values()), [])


def _as_stored(job: Mapping[str, Any]) -> Mapping[str, Any]:
    """The job as the API server stored it (what the v1 operator ran), as the conversion reads it."""
    from trainjob_migrate import apiserver, validation

    source = sources.identify(job)
    schema = source.schema_for(job.get("apiVersion")) if source is not None else None
    if schema is None or validation.is_valid(job, schema):
        return job
    document = validation.load_validator(schema).schema
    return apiserver.prune(job, document)[0] if isinstance(document, Mapping) else job


def _add(found: dict[tuple[str, str], Difference], diff: Difference) -> None:
    key = (diff.field, str(diff.kind))
    if key in found:
        before = found[key]
        sources = (*before.sources, *(s for s in diff.sources if s not in before.sources))
        found[key] = before.replace(pods=(*before.pods, *diff.pods), sources=sources)
    else:
        found[key] = diff


def _facts(pod: Pod) -> Facts:
    for container in pod.obj["spec"].get("containers") or []:
        if container.get("name") == pod.training:
            text = " ".join(
                str(t) for t in [*(container.get("command") or []), *(container.get("args") or [])]
            )
            return Facts(bool(_TORCHRUN.search(text)), text)
    return Facts(False, "")


def _job_changes(
    job: Mapping[str, Any],
    trainjob: Mapping[str, Any],
    catalog: runtimes.Catalog,
    v1_success: str = "every node succeeded",
) -> list[Change]:
    policy = (job.get("spec") or {}).get("runPolicy") or {}
    spec = trainjob.get("spec") or {}
    ref = spec.get("runtimeRef") or {}
    meta = trainjob.get("metadata") or {}
    found = catalog.find(
        str(ref.get("kind") or runtimes.CLUSTER_KIND), str(ref.get("name")), meta.get("namespace")
    )
    runtime_spec = (found.runtime.get("spec") or {}) if found else {}
    jobset = (runtime_spec.get("template") or {}).get("spec") or {}
    trainer = runtimes.trainer_job(found.runtime) if found else None
    job_spec = ((trainer or {}).get("template") or {}).get("spec") or {}
    old: dict[str, Any] = {
        k: policy[k]
        for k in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished")
        if k in policy
    }
    old["backoffLimit"] = _v1_backoff(job, policy)
    old["successPolicy"] = v1_success
    old["cleanPodPolicy"] = policy.get("cleanPodPolicy", "None")
    old["suspend"] = bool(policy.get("suspend", False))
    new: dict[str, Any] = {
        "backoffLimit": _v2_backoff(job_spec),
        "cleanPodPolicy": "None",
        "suspend": bool(spec.get("suspend", False)),
        "successPolicy": _v2_success(job_spec, jobset, trainer),
    }
    deadline = spec.get("activeDeadlineSeconds", job_spec.get("activeDeadlineSeconds"))
    if deadline is not None:
        new["activeDeadlineSeconds"] = deadline
    if "ttlSecondsAfterFinished" in jobset:
        new["ttlSecondsAfterFinished"] = jobset["ttlSecondsAfterFinished"]
    out = list(changes({"job": old}, {"job": new}))
    if "activeDeadlineSeconds" in old and old["activeDeadlineSeconds"] == new.get(
        "activeDeadlineSeconds"
    ):
        out.append(
            Change(
                ("job", "activeDeadlineSeconds"),
                "same",
                old["activeDeadlineSeconds"],
                new["activeDeadlineSeconds"],
            )
        )
    return out


def _v2_backoff(job_spec: Mapping[str, Any]) -> Any:
    """The Job's backoffLimit (6 by default); its largest value (int32, what ``retryBudget:
    v1`` sets) is v1's "unlimited"."""
    limit = job_spec.get("backoffLimit", 6)
    return "unlimited" if limit == 2**31 - 1 else limit


def _v1_backoff(job: Mapping[str, Any], policy: Mapping[str, Any]) -> Any:
    """The v1 retry budget (pkg/core/job.go PastBackoffLimit): restarts of OnFailure, Always
    and ExitCode replicas count against ``backoffLimit``, without limit when it is unset; a
    failed pod of a Never replica fails the job at once (as a Job with backoffLimit 0)."""
    source = sources.identify(job)
    if source is not None and not source.by_training_operator(job.get("apiVersion")):
        return policy.get("backoffLimit", 6)  # mpi-operator: the launcher Job's (batch default 6)
    specs = ((job.get("spec") or {}).get(source.replica_specs) or {}) if source else {}
    policies = {str((s or {}).get("restartPolicy") or "OnFailure") for s in specs.values()}
    if policies == {"Never"}:
        return 0
    return policy.get("backoffLimit", "unlimited")


def _v2_success(
    job_spec: Mapping[str, Any],
    jobset: Mapping[str, Any] | None = None,
    trainer: Mapping[str, Any] | None = None,
) -> str:
    """When the TrainJob succeeds: its JobSet succeeds with its one trainer Job (JobSet's
    default successPolicy All), the Job when its successPolicy rule holds, else every index;
    a JobSet successPolicy that targets one other replicatedJob than ``node`` (an MPI
    launcher): when that job succeeds."""
    targeted = ((jobset or {}).get("successPolicy") or {}).get("targetReplicatedJobs") or []
    if (
        len(targeted) == 1
        and targeted[0] != v2pods.NODE
        and (trainer or {}).get("name") == targeted[0]
    ):
        return f"{targeted[0]} succeeded"
    rules = (job_spec.get("successPolicy") or {}).get("rules") or []
    for rule in rules:
        if rule.get("succeededIndexes") == "0" and "succeededCount" not in rule:
            return "node 0 succeeded"
        if rule.get("succeededCount") == 1 and "succeededIndexes" not in rule:
            return "any node succeeded"
    return "every node succeeded" if not rules else f"the Job successPolicy {rules}"


def source_paths(diff: Difference) -> list[Path]:
    return [parse_path(s) for s in diff.sources]
