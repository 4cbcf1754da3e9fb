"""The pods the Training Operator v1.9 builds for a JAXJob, for ``compare``.

kubeflow/trainer@v1.9.4 ``pkg/controller.v1/jax/envvar.go`` (``setPodEnv``): Worker i is
process i; every container gets PYTHONUNBUFFERED, COORDINATOR_PORT (the Worker's
``jaxjob-port``, default 6666), COORDINATOR_ADDRESS ``<job>-worker-0``, NUM_PROCESSES and
PROCESS_ID. ``IsMasterRole``: replica index 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate.compare.pods import Pod
from trainjob_migrate.sources import operator_pods
from trainjob_migrate.sources.jax import SOURCE

DEFAULT_PORT: Final = int(SOURCE.v1_port_default or 0)  # the v1 defaulter's port


def count(job: Mapping[str, Any]) -> int:
    return operator_pods.count(job, SOURCE)


def render(job: Mapping[str, Any], indexes: set[int] | None = None) -> list[Pod]:
    """The pods of the job in process order (only those in ``indexes`` when given)."""
    name = str((job.get("metadata") or {}).get("name", ""))
    found = operator_pods.roles(job, SOURCE)
    total = count(job)
    workers = operator_pods.replicas(found["Worker"][1]) if "Worker" in found else 0
    port = operator_pods.port(job, SOURCE, "Worker", DEFAULT_PORT)

    def env_of(rank: int) -> list[dict[str, Any]]:
        return [
            {"name": "PYTHONUNBUFFERED", "value": "1"},
            {"name": "COORDINATOR_PORT", "value": str(port)},
            {"name": "COORDINATOR_ADDRESS", "value": f"{name}-worker-0"},
            {"name": "NUM_PROCESSES", "value": str(total)},
            {"name": "PROCESS_ID", "value": str(rank)},
        ]

    ranks = [("Worker", i, i) for i in range(workers)]
    return operator_pods.render(
        job, SOURCE, ranks, env_of, DEFAULT_PORT, lambda _, replica: replica == 0, indexes
    )
