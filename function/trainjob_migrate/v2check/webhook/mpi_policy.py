"""`v2-mpi-policy`: `numNodes` of 2 or more with an MPI runtime that cannot run that many nodes.

With `mlPolicy.mpi.runLauncherAsNode: true`, a TrainJob of 2 or more nodes needs both a
`launcher` and a `node` job in the runtime (`pkg/runtime/framework/plugins/mpi/mpi.go`
`Validate`: "must have 1 when MPI trainingRuntime with enabled runLauncherAsNode does not
have either launcher and node", every release). Use a runtime with both jobs, or 1 node.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-mpi-policy"
KINDS: Final = ("TrainJob",)


def check(subject: Subject) -> Iterator[Issue]:
    found = subject.runtime()
    mpi = subject.ml_policy().get("mpi")
    if found is None or not isinstance(mpi, dict) or mpi.get("runLauncherAsNode") is not True:
        return
    nodes = subject.spec("trainer", "numNodes")
    if not isinstance(nodes, int) or nodes < 2:
        return
    jobs = {j.get("name") for j in runtimes.replicated_jobs(found.runtime)}
    if {"launcher", "node"} <= jobs:
        return
    yield Issue(
        ID,
        ("spec", "trainer", "numNodes"),
        f"numNodes {nodes} with MPI runtime {found.runtime['metadata'].get('name')} "
        "(runLauncherAsNode) that lacks a launcher or a node job: the Trainer "
        f"{subject.target.version} webhook takes 1 only; use a runtime with both jobs",
    )
