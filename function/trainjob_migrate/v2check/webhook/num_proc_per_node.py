"""`v2-num-proc-per-node`: `spec.trainer.numProcPerNode` is not what the runtime's policy takes.

In 2.0 and 2.1 `numProcPerNode` is an int-or-string: with a torch runtime a string must be
`auto`, `cpu` or `gpu` (`pkg/runtime/framework/plugins/torch/torch.go` `Validate`), with an
MPI runtime it must be an int (`mpi/mpi.go` `Validate`: "must have an int value for MPI
TrainJob"). From 2.2 it is an int32 (the schema says so: `v2-schema`), and with a Flux
runtime (2.2+) it must be at least 1 (`flux/flux.go` `Validate`). Use an int (processes per
node, usually the GPUs of a node), or `auto`/`gpu`/`cpu` for torch on 2.0/2.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate.v2check import Issue, Subject, placeholders

ID: Final = "v2-num-proc-per-node"
KINDS: Final = ("TrainJob",)
TORCH_WORDS: Final = ("auto", "cpu", "gpu")
PATH: Final = ("spec", "trainer", "numProcPerNode")


def check(subject: Subject) -> Iterator[Issue]:
    value = subject.spec("trainer", "numProcPerNode")
    if value is None or placeholders.holds(value) or subject.runtime() is None:
        return
    policy = subject.ml_policy()
    version = subject.target.version
    if subject.target.num_proc_type == "int-or-string":
        if "torch" in policy and isinstance(value, str) and value not in TORCH_WORDS:
            yield Issue(
                ID,
                PATH,
                f"numProcPerNode {value!r} with a torch runtime: the Trainer {version} webhook "
                f"takes an int or one of {', '.join(TORCH_WORDS)}",
            )
        if "mpi" in policy and isinstance(value, str):
            yield Issue(
                ID,
                PATH,
                f"numProcPerNode {value!r} with an MPI runtime: the Trainer {version} webhook "
                "takes an int only (the slots per node)",
            )
    elif "flux" in policy and isinstance(value, int) and value < 1:
        yield Issue(
            ID,
            PATH,
            f"numProcPerNode {value} with a Flux runtime: the Trainer {version} webhook takes "
            "1 or more",
        )
