"""The pods the Training Operator v1.9 builds for an XGBoostJob, for ``compare``.

kubeflow/trainer@v1.9.4 ``pkg/controller.v1/xgboost/xgboost.go`` (``SetPodEnv``): the
Master is rank 0, Worker i rank i+1; every container gets MASTER_PORT (the Master's
``xgboostjob-port``, default 9999), MASTER_ADDR ``<job>-master-0``, WORLD_SIZE, RANK,
PYTHONUNBUFFERED and, with more than one replica, WORKER_PORT and WORKER_ADDRS
(``<job>-worker-0`` .. ``<job>-worker-<N-2>``). ``IsMasterRole``: the Master.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.sources import operator_pods
from trainjob_migrate.sources.xgboost import SOURCE

DEFAULT_PORT: Final = int(SOURCE.v1_port_default or 0)  # the v1 defaulter's port


def count(job: Mapping[str, Any]) -> int:
    return operator_pods.count(job, SOURCE)


def render(job: Mapping[str, Any], indexes: set[int] | None = None) -> list[Pod]:
    """The pods of the job in rank order (only the ranks in ``indexes`` when given)."""
    name = str((job.get("metadata") or {}).get("name", ""))
    found = operator_pods.roles(job, SOURCE)
    total = count(job)
    ranks: list[tuple[str, int, int]] = []
    if "Master" in found:
        ranks.append(("Master", 0, 0))
    offset = 1 if "Master" in found else 0
    if "Worker" in found:
        workers = operator_pods.replicas(found["Worker"][1])
        ranks.extend(("Worker", i, i + offset) for i in range(workers))
    master_port = operator_pods.port(job, SOURCE, "Master", DEFAULT_PORT)
    worker_port = operator_pods.port(job, SOURCE, "Worker", DEFAULT_PORT)

    def env_of(rank: int) -> list[dict[str, Any]]:
        env = [
            {"name": "MASTER_PORT", "value": str(master_port)},
            {"name": "MASTER_ADDR", "value": f"{name}-master-0"},
            {"name": "WORLD_SIZE", "value": str(total)},
            {"name": "RANK", "value": str(rank)},
            {"name": "PYTHONUNBUFFERED", "value": "1"},
        ]
        if total > 1:
            addrs = ",".join(f"{name}-worker-{i}" for i in range(total - 1))
            env += [
                {"name": "WORKER_PORT", "value": str(worker_port)},
                {"name": "WORKER_ADDRS", "value": addrs},
            ]
        return env

    return operator_pods.render(
        job, SOURCE, ranks, env_of, DEFAULT_PORT, lambda role, _: role == "Master", indexes
    )
