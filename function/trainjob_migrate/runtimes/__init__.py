"""The upstream default runtimes of every Trainer release, shipped with the product.

Generated into ``runtimes/data/`` by ``tools/generate_runtimes.py`` from the release's
``manifests/base/runtimes/`` vendored under ``upstream/kubeflow/trainer/<tag>/``. A runtime is
looked up in the repository first (:class:`Catalog` ``local``), then in the defaults of
the release (target ``2.3`` means ``v2.3.0``: the release each target's schema comes from).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final

from trainjob_migrate.records import Frozen, init
from trainjob_migrate.runtimes.data import RELEASES

Obj = dict[str, Any]

#: the label of the trainer replicatedJob (kubeflow/trainer@v2.3.0:manifests/base/runtimes/)
ANCESTOR_LABEL: Final = "trainer.kubeflow.org/trainjob-ancestor-step"
CLUSTER_KIND: Final = "ClusterTrainingRuntime"
NAMESPACED_KIND: Final = "TrainingRuntime"
KINDS: Final = (CLUSTER_KIND, NAMESPACED_KIND)


@functools.cache
def _release(tag: str) -> Obj:
    import json  # only when a default runtime is looked up

    name = f"trainjob_migrate.runtimes.data.{tag.replace('.', '_')}"
    module = __import__(name, fromlist=("JSON",))  # not importlib: the v2 validation's start
    data: Obj = json.loads(module.JSON)
    return data


def release_of(version: str) -> str:
    """``2.3`` -> ``v2.3.0``; a full tag is returned as is."""
    from trainjob_migrate import targets

    if version.startswith("v"):
        return version
    return targets.get(version).release


def defaults(version: str) -> list[Obj]:
    """The runtimes a default installation of the release has (``ClusterTrainingRuntime``s)."""
    tag = release_of(version)
    if tag not in RELEASES:
        raise KeyError(
            f"no default runtimes shipped for Trainer {tag}; known: {', '.join(RELEASES)}"
        )
    return list(_release(tag)["runtimes"])


class Found(Frozen):
    """A runtime and where it was found (a record: no ``dataclasses`` on the validation path)."""

    __slots__ = ("runtime", "origin")
    runtime: Obj
    #: "repository" or "default runtimes of Trainer vX.Y.Z"
    origin: str

    def __init__(self, runtime: Obj, origin: str) -> None:
        init(self, runtime, origin)

    def __hash__(self) -> int:  # the runtime is a dict: unhashable, as the dataclass was
        raise TypeError(f"unhashable type: {type(self).__name__!r}")


class Catalog(Frozen):
    """Runtimes of the repository, then the shipped defaults of one release."""

    __slots__ = ("version", "local")
    version: str
    local: tuple[Obj, ...]

    def __init__(self, version: str, local: tuple[Obj, ...] = ()) -> None:
        init(self, version, local)

    def __hash__(self) -> int:  # the runtimes are dicts: unhashable, as the dataclass was
        raise TypeError(f"unhashable type: {type(self).__name__!r}")

    @classmethod
    def of(cls, version: str, objects: Iterable[Any] = ()) -> Catalog:
        local = tuple(o for o in objects if isinstance(o, Mapping) and o.get("kind") in KINDS)
        return cls(version, tuple(dict(o) for o in local))

    def find(self, kind: str, name: str, namespace: str | None = None) -> Found | None:
        for runtime in self.local:
            meta = runtime.get("metadata") or {}
            if runtime.get("kind") != kind or meta.get("name") != name:
                continue
            if (
                kind == NAMESPACED_KIND
                and namespace
                and meta.get("namespace") not in (None, namespace)
            ):
                continue
            return Found(runtime, "repository")
        if kind != CLUSTER_KIND:
            return None
        for runtime in defaults(self.version):
            if runtime["metadata"]["name"] == name:
                return Found(runtime, f"default runtimes of Trainer {release_of(self.version)}")
        return None


def replicated_jobs(runtime: Mapping[str, Any]) -> list[Obj]:
    spec = runtime.get("spec") or {}
    jobs: list[Obj] = ((spec.get("template") or {}).get("spec") or {}).get("replicatedJobs") or []
    return jobs


def trainer_job(runtime: Mapping[str, Any]) -> Obj | None:
    """The replicatedJob labelled as the trainer ancestor (receives ``spec.trainer``)."""
    for job in replicated_jobs(runtime):
        labels = ((job.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(ANCESTOR_LABEL) == "trainer":
            return job
    return None


def pod_spec(job: Mapping[str, Any]) -> Obj:
    found: Obj = (((job.get("template") or {}).get("spec") or {}).get("template") or {}).get(
        "spec"
    ) or {}
    return found


def container_names(job: Mapping[str, Any]) -> dict[str, set[str]]:
    """``containers`` and ``initContainers`` of a replicatedJob's pod, by name."""
    spec = pod_spec(job)
    return {
        key: {str(c.get("name")) for c in spec.get(key) or [] if isinstance(c, Mapping)}
        for key in ("containers", "initContainers")
    }
