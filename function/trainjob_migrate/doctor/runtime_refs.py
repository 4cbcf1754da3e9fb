"""``runtime-ref``: every TrainJob's runtime exists, and so does every job and container it patches.

The runtime is looked up in the repository (a ``TrainingRuntime`` in the TrainJob's
namespace, or a ``ClusterTrainingRuntime``), else among the default runtimes of the target
release. Upstream validates the *merged* template, so a patch naming a container the
runtime does not have is accepted and yields an image-less container: the Jobs then fail
(trainer#3948). Override/patch fields of another release's shape are an error too.

Fails: ``runtimePatches[0]...containers: [{name: trainer}]`` on torch-distributed (its
container is ``node``). Passes: ``containers: [{name: node}]``.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate import runtimes, targets
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import Result, Severity
from trainjob_migrate.runtimes import references

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = references.ID  # the rule its findings carry
SHAPES: Final = ("podSpecOverrides", "podTemplateOverrides", "runtimePatches")


def check(ctx: DoctorContext) -> Iterator[Result]:
    shape = targets.get(ctx.target).override_shape if ctx.target in targets.VERSIONS else None
    for tj in ctx.of_kind("TrainJob"):
        ref = tj.get("spec", "runtimeRef") or {}
        kind = str(ref.get("kind") or runtimes.CLUSTER_KIND)
        found = ctx.catalog.find(kind, str(ref.get("name")), tj.namespace)
        if found is None:
            yield tj.result(
                Severity.ERROR,
                ID,
                ("spec", "runtimeRef", "name"),
                f"{kind} {ref.get('name')!r} is neither in the repository"
                + (f" (namespace {tj.namespace})" if kind == runtimes.NAMESPACED_KIND else "")
                + f" nor a default runtime of Trainer {runtimes.release_of(ctx.target)}: the webhook "
                "rejects the TrainJob",
            )
            continue
        for other in SHAPES:
            if other != shape and shape is not None and tj.get("spec", other) is not None:
                yield tj.result(
                    Severity.ERROR,
                    ID,
                    ("spec", other),
                    f"{other} is not a field of Trainer {ctx.target} TrainJobs (it uses {shape})",
                )
        yield from references.names(tj, found.runtime)
