"""``spec.elasticPolicy``: no released Trainer v2 runs elastic PyTorch.

With ``elastic: error`` (default) an elastic job is refused, naming each elastic
setting. With ``elastic: fixed`` it becomes a fixed-size job of ``replicas``
nodes and every elastic setting that is lost is a warning (``nProcPerNode`` is
still carried, as ``numProcPerNode``, by the launch rule). A ``minReplicas ==
maxReplicas == replicas`` job without metrics loses only ``maxRestarts``.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.paths import format_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "elastic-policy"
CONSUMES: Final = ("spec.elasticPolicy",)

_WHY: Final = {
    "minReplicas": "the node count is fixed at numNodes",
    "maxReplicas": "the node count is fixed at numNodes",
    "rdzvBackend": "v2 uses static rendezvous on the first node (PET_MASTER_ADDR)",
    "rdzvHost": "v2 uses static rendezvous on the first node (PET_MASTER_ADDR)",
    "rdzvPort": "v2 uses static rendezvous on port 29500 (PET_MASTER_PORT)",
    "rdzvId": "v2 uses static rendezvous",
    "rdzvConf": "v2 uses static rendezvous",
    "standalone": "v2 uses static rendezvous",
    "maxRestarts": "torchrun restarts are not configured by the Trainer",
    "metrics": "no HorizontalPodAutoscaler is created for a TrainJob",
}


def apply(ctx: Context) -> None:
    policy = ctx.value(("spec", "elasticPolicy"))
    if policy is None:
        return
    base = ("spec", "elasticPolicy")
    ctx.consume(base)
    settings = [key for key in policy if key != "nProcPerNode"]
    if not policy and ctx.config.elastic == "fixed":
        ctx.empty(ID, base)  # v1 still ran it as elastic: the fixed size is the change
        return
    if ctx.config.elastic == "error":
        names = ", ".join(format_path((*base, k)) for k in settings) or format_path(base)
        ctx.error(
            ID,
            base,
            f"elastic PyTorchJob: no Trainer v2 release supports elastic training ({names}). "
            "Set elastic=fixed to convert it as a fixed-size job of "
            f"{ctx.num_nodes} node(s), or keep it on the v1 operator",
        )
        return
    fixed = ctx.num_nodes
    for key in settings:
        path = (*base, key)
        value = policy[key]
        if key in ("minReplicas", "maxReplicas") and value == fixed:
            ctx.info(ID, path, f"equals the fixed node count {fixed}: nothing lost")
            continue
        why = _WHY.get(key, "no TrainJob field carries it")
        ctx.lossy(ID, path, f"elastic setting dropped (elastic=fixed): {why}")
