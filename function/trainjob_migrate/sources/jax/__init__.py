"""JAXJob (``kubeflow.org/v1``): to a TrainJob on ``jax-distributed`` (Trainer 2.2+).

The Workers become ``numNodes`` nodes (one JAX process each, as in v1); container ``jax``
becomes ``spec.trainer``; the coordinator variables the v1 operator set are re-derived
(``launch``). Replicas restart ``Never`` unless written (the v1 defaulter). Types:
kubeflow/trainer@v1.9.4 ``pkg/apis/kubeflow.org/v1/jax_types.go``.
"""

from __future__ import annotations

from trainjob_migrate.sources.model import LazyRules, Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

SOURCE: Final = Source(
    name="jax",
    kind="JAXJob",
    list_kind="JAXJobList",
    groups=("kubeflow.org",),
    versions={"v1": "jaxjob-v1"},
    replica_specs="jaxReplicaSpecs",
    roles=("Worker",),
    single_roles=(),
    container="jax",
    v1_port="jaxjob-port",
    v1_port_default=6666,  # JAXJobDefaultPort
    runtime="jax-distributed",
    framework="jax",
    rules=LazyRules("trainjob_migrate.sources.jax.rules"),
    pods="trainjob_migrate.sources.jax.pods",
    restart_policy="Never",  # JAXJobDefaultRestartPolicy
)
