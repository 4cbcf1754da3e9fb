"""When the job succeeds: on the Master alone in v1, on every node in a TrainJob.

v1.9 ``pkg/controller.v1/pytorch/pytorchjob_controller.go`` ``UpdateJobStatus``: with a
Master the job is Succeeded as soon as the Master succeeds (the workers are then cleaned
up); without one, when every Worker succeeded, or, with an ``elasticPolicy``, when any
Worker did. A TrainJob's JobSet succeeds when its ``node`` Job does (JobSet's default
``successPolicy`` is All), and the Job when every index (node) succeeded, so a worker that
hangs or exits non-zero at teardown turns a v1 success into a failure or a job that never
ends. With ``generateRuntime: true`` the runtime's Job gets a ``successPolicy`` (batch/v1
``JobSuccessPolicy``, in the runtime schema from Trainer 2.2) that succeeds on index 0 (the
Master is node 0) or on any one node (elastic, Worker only); otherwise it is a warning.
"""

from __future__ import annotations

from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "success-policy"
CONSUMES: Final = ()


def apply(ctx: Context) -> None:
    master, worker = ctx.roles.get("Master"), ctx.roles.get("Worker")
    if worker is None or worker.replicas < 1:
        return  # one role of one kind: every pod must succeed on both sides
    rule: dict[str, Any]
    if master is not None:
        rule, v1 = {"succeededIndexes": "0"}, "when the Master succeeded"
        path = (*master.path, "replicas")  # a leaf: the whole role would mask its fields
    elif ctx.value(("spec", "elasticPolicy")) is not None and worker.replicas > 1:
        rule, v1 = {"succeededCount": 1}, "when any Worker succeeded (elastic)"
        path = (*worker.path, "replicas")
    else:
        return
    if ctx.config.generate_runtime and ctx.target.runtime_schema is not None:
        ctx.draft.runtime.job_spec["successPolicy"] = {"rules": [rule]}
        shown = ", ".join(
            f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in rule.items()
        )
        ctx.info(
            ID,
            path,
            f"v1 marked the job Succeeded {v1}: the generated runtime's Job has a successPolicy "
            f"rule {shown} (Kubernetes 1.31 or later), so the TrainJob does too",
        )
        return
    fix = (
        "set generateRuntime=true to carry it as a Job successPolicy"
        if ctx.target.runtime_schema is not None
        else "a runtime of your own can set a Job successPolicy on its node job"
    )
    ctx.lossy(
        ID,
        path,
        f"success rule changes: v1 marked the job Succeeded {v1}, a TrainJob succeeds only when "
        "every node succeeds, so a node that hangs or fails at teardown turns a v1 success into "
        f"a failure or a job that never ends; {fix}",
    )
