"""``jax-launch``: the command, args and env of container ``jax``, and the coordinator variables v1 set.

The v1 operator (kubeflow/trainer@v1.9.4 ``pkg/controller.v1/jax/envvar.go``, ``setPodEnv``)
ran the command as is and appended to every container ``PYTHONUNBUFFERED=1``,
``COORDINATOR_PORT`` (the Worker's ``jaxjob-port``, default 6666), ``COORDINATOR_ADDRESS``
(``<job>-worker-0``), ``NUM_PROCESSES`` (the replicas) and ``PROCESS_ID`` (the replica
index). Trainer 2.2+ ``jax-distributed`` (plugin ``pkg/runtime/framework/plugins/jax``) sets
``JAX_NUM_PROCESSES`` (numNodes), ``JAX_PROCESS_ID`` (the node index) and
``JAX_COORDINATOR_ADDRESS`` (``<job>-node-0-0.<job>:29500``), for
``jax.distributed.initialize()``.

So, with ``launchEnv: v1-compat`` (default), ``trainer.env`` gets the v1 variables with
their v1 values, addressed to the v2 pods (``COORDINATOR_ADDRESS`` is node 0,
``PROCESS_ID`` the node index); with ``launchEnv: none`` they are named as lost. A user value
for one of them is dropped (v1 overwrote it). ``JAX_NUM_PROCESSES``, ``JAX_PROCESS_ID`` and
``JAX_COORDINATOR_ADDRESS`` in ``env`` are an error: ``trainer.env`` is applied after the
plugin, so a value there would replace the plugin's.

Passes: 2 Workers running ``python3 train.py``. Fails:
``env: [{name: JAX_COORDINATOR_ADDRESS, value: "job-worker-0:6666"}]``.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.sources import v1_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "jax-launch"
CONSUMES: Final = ("{container}.command", "{container}.args", "{container}.env")

#: JAXJobDefaultPort (pkg/apis/kubeflow.org/v1/jax_types.go)
_WHY_RESERVED: Final = (
    "is set by the Trainer's jax plugin for every node, and a TrainJob's env replaces the "
    "plugin's value (the JobSet builder applies it last); remove it"
)
#: the variables plugins/jax/jax.go EnforceMLPolicy sets (kubeflow/trainer@v2.2.1, v2.3.0)
RESERVED_ENV: Final = dict.fromkeys(
    ("JAX_NUM_PROCESSES", "JAX_PROCESS_ID", "JAX_COORDINATOR_ADDRESS"), _WHY_RESERVED
)


def apply(ctx: Context) -> None:
    v1_env.carry_command(ctx, ID)
    injected: list[tuple[str, v1_env.Obj]] = [
        ("PYTHONUNBUFFERED", {"value": "1"}),
        (
            "COORDINATOR_PORT",
            {"value": str(v1_env.v1_port(ctx, "Worker", int(ctx.source.v1_port_default or 0)))},
        ),
        ("COORDINATOR_ADDRESS", {"value": v1_env.first_node(ctx)}),
        ("NUM_PROCESSES", {"value": str(ctx.num_nodes)}),
        ("PROCESS_ID", v1_env.index_ref()),
    ]
    v1_env.carry_env(
        ctx,
        ID,
        injected,
        RESERVED_ENV,
        "the jax plugin also sets JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES and "
        "JAX_PROCESS_ID for jax.distributed.initialize()",
    )
