"""The pods the Training Operator v1.9 builds for a kind without a launcher, for ``compare``.

Shared by the XGBoostJob and JAXJob pod models: per replica the role's template, pod name
``<job>-<role>-<i>``, labels ``training.kubeflow.org/*`` (kubeflow/trainer@v1.9.4
``pkg/controller.v1/common/pod.go``), the replica's restartPolicy (the kind's default when
unwritten; ExitCode is Never at pod level), the kind's port on its training container
(the v1 defaulter), and the env the kind's controller appends to **every** container after
the user's (so it wins). The kind's module gives the ranks and the env.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.paths import Path
from trainjob_migrate.sources.model import Source

Obj = dict[str, Any]
#: pod rank -> the env the controller appends
EnvOf = Callable[[int], list[Obj]]


def roles(job: Mapping[str, Any], source: Source) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Canonical role -> (key as written, replica spec)."""
    specs = (job.get("spec") or {}).get(source.replica_specs) or {}
    found = {}
    for key, spec in specs.items():
        role = source.role_of(key)
        if role is not None:
            found[role] = (str(key), spec or {})
    return found


def replicas(spec: Mapping[str, Any]) -> int:
    value = spec.get("replicas")
    return 1 if value is None else int(value)


def count(job: Mapping[str, Any], source: Source) -> int:
    return sum(replicas(spec) for _, spec in roles(job, source).values())


def port(job: Mapping[str, Any], source: Source, role: str, default: int) -> int:
    """The named port of ``role``'s training container, else the defaulter's."""
    spec = roles(job, source).get(role, ("", {}))[1]
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    for container in containers:
        if isinstance(container, Mapping) and container.get("name") == source.container:
            for entry in container.get("ports") or []:
                if entry.get("name") == source.v1_port and entry.get("containerPort"):
                    return int(entry["containerPort"])
    return default


def render(
    job: Mapping[str, Any],
    source: Source,
    ranks: list[tuple[str, int, int]],
    env_of: EnvOf,
    default_port: int,
    is_master: Callable[[str, int], bool],
    indexes: set[int] | None,
) -> list[Pod]:
    """The pods of ``ranks`` (role, replica index, rank), in that order; ``is_master``: the
    controller's ``IsMasterRole`` (the ``job-role: master`` label)."""
    found = roles(job, source)
    return [
        _pod(job, source, found[role], (role, replica, rank), env_of, default_port, is_master)
        for role, replica, rank in ranks
        if indexes is None or rank in indexes
    ]


def _pod(
    job: Mapping[str, Any],
    source: Source,
    entry: tuple[str, Mapping[str, Any]],
    place: tuple[str, int, int],
    env_of: EnvOf,
    default_port: int,
    is_master: Callable[[str, int], bool],
) -> Pod:
    role, replica, rank = place
    name = str((job.get("metadata") or {}).get("name", ""))
    key, spec = entry
    template_path: Path = ("spec", source.replica_specs, key, "template")
    template = copy.deepcopy(spec.get("template") or {})
    meta = template.get("metadata") or {}
    pod_spec: Obj = template.get("spec") or {}
    labels = {
        **(meta.get("labels") or {}),
        "training.kubeflow.org/job-name": name,
        "training.kubeflow.org/operator-name": f"{source.kind.lower()}-controller",
        "training.kubeflow.org/replica-type": role.lower(),
        "training.kubeflow.org/replica-index": str(replica),
    }
    if is_master(role, replica):
        labels["training.kubeflow.org/job-role"] = "master"
    metadata: Obj = {"name": f"{name}-{role.lower()}-{replica}", "labels": labels}
    if meta.get("annotations"):
        metadata["annotations"] = meta["annotations"]
    restart = str(spec.get("restartPolicy") or source.restart_policy)
    pod_spec["restartPolicy"] = "Never" if restart == "ExitCode" else restart
    injected: dict[Path, Path] = {("spec", "restartPolicy"): (*template_path[:-1], "restartPolicy")}
    env = env_of(rank)
    for number, container in enumerate(pod_spec.get("containers") or []):
        container_path: Path = (*template_path, "spec", "containers", number)
        merged = {str(e.get("name")): e for e in container.get("env") or []}
        merged.update({e["name"]: copy.deepcopy(e) for e in env})
        container["env"] = list(merged.values())
        training = container.get("name") == source.container
        cname = "node" if training else str(container.get("name"))
        for var in env:
            injected[("spec", "containers", cname, "env", var["name"])] = (*container_path, "env")
        ports = container.get("ports") or []
        if training and not any(p.get("name") == source.v1_port for p in ports):
            container["ports"] = [*ports, {"name": source.v1_port, "containerPort": default_port}]
            injected[("spec", "containers", cname, "ports", str(default_port))] = (
                *container_path,
                "ports",
            )
    for label in labels:
        if label.startswith("training.kubeflow.org/"):
            injected[("metadata", "labels", label)] = ("metadata", "name")
    injected[("metadata", "name")] = ("metadata", "name")
    return Pod(
        rank,
        role,
        {"metadata": metadata, "spec": pod_spec},
        source.container,
        template_path,
        injected,
    )
