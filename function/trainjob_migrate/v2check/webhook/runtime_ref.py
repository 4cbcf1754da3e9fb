"""`v2-runtime-ref`: the TrainJob's runtime is neither in the repository nor a default runtime.

The Trainer webhook looks the runtime up when the TrainJob is created
(`pkg/webhooks/trainjob_webhook.go` `ValidateCreate`: an unknown runtime kind is
"unsupported runtime"; `pkg/runtime/core/trainingruntime.go` and `clustertrainingruntime.go`
`ValidateObjects`: "specified trainingRuntime must be created before the TrainJob"). Here the
runtime is looked up in the repository (a `TrainingRuntime` in the TrainJob's namespace, or
a `ClusterTrainingRuntime`), then among the runtimes a default installation of the target
release ships. Add the runtime to the repository, fix `spec.runtimeRef`, or target the
release that ships it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject, placeholders

ID: Final = "v2-runtime-ref"
KINDS: Final = ("TrainJob",)


def check(subject: Subject) -> Iterator[Issue]:
    ref = subject.spec("runtimeRef")
    if not isinstance(ref, dict) or placeholders.holds(ref):
        return  # the schema reports a missing or malformed runtimeRef
    kind = ref.get("kind") or runtimes.CLUSTER_KIND
    name = ref.get("name")
    if not isinstance(name, str) or kind not in runtimes.KINDS:
        return
    if subject.runtime() is not None:
        return
    where = f" in namespace {subject.namespace}" if kind == runtimes.NAMESPACED_KIND else ""
    shipped = ""
    if kind == runtimes.CLUSTER_KIND:
        from trainjob_migrate import targets

        first = targets.first_shipping(name)
        shipped = (
            f"; Trainer {first.version} ships it by default"
            if first is not None
            else "; no Trainer release ships it"
        )
    yield Issue(
        ID,
        ("spec", "runtimeRef", "name"),
        f"{kind} {name!r} is neither in the repository{where} nor a default runtime of "
        f"Trainer {subject.target.release}{shipped}: the webhook rejects the TrainJob; add the "
        "runtime or fix spec.runtimeRef",
    )
