"""``spec.runPolicy``: suspend, managedBy and activeDeadlineSeconds map; the rest is reported.

- ``suspend`` → ``spec.suspend``; ``managedBy`` → ``spec.managedBy`` (the v1
  operator's own value is dropped: the Trainer controller is the default);
- ``activeDeadlineSeconds`` → ``spec.activeDeadlineSeconds`` from 2.2 (its clock
  restarts on resume); before 2.2 a generated runtime sets it on the Job;
- ``backoffLimit`` and ``ttlSecondsAfterFinished`` have no TrainJob field: a
  generated runtime approximates them (Job backoffLimit, JobSet TTL);
- ``cleanPodPolicy`` ``None`` is what v2 does; ``All``/``Running`` are lost;
- ``schedulingPolicy``: ``priorityClass`` needs a generated runtime;
  ``scheduleTimeoutSeconds`` (gang scheduling: which scheduler was a v1 operator flag),
  ``queue``, ``minAvailable``, ``minResources`` are reported;
- the retry budget: v1 without ``backoffLimit`` restarted containers without limit, v2
  stops after the Job's 6: reported on every job it affects; a ``backoffLimit`` on
  ``restartPolicy: Never`` replicas had no effect in v1. With ``retryBudget: v1`` (and
  ``generateRuntime``) the generated runtime's Job gets ``backoffLimit: 2147483647``, the
  largest the Job API accepts, instead (``restartPolicy: ExitCode``: plus a
  ``podFailurePolicy`` failing it on exit codes 1-127, which v1 did not retry).
"""

from __future__ import annotations

from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.paths import Path

ID: Final = "run-policy"
CONSUMES: Final = ("spec.runPolicy",)

V1_MANAGER: Final = "kubeflow.org/training-operator"
TRAINJOB_MANAGERS: Final = ("trainer.kubeflow.org/trainjob-controller", "kueue.x-k8s.io/multikueue")
BASE: Final = ("spec", "runPolicy")
#: a Job's backoffLimit is an int32: its largest value stands for v1's "no limit"
UNLIMITED_BACKOFF: Final = 2**31 - 1
#: v1 restarted a pod of an ExitCode replica only for exit codes from this one up
RETRYABLE_EXIT_CODE: Final = 128
#: the container of the generated runtime's node Job that runs the framework container
NODE: Final = "node"


def apply(ctx: Context, own_manager: str | None = None) -> None:
    """``own_manager``: the ``managedBy`` value of the kind's own operator, when it is not
    the Training Operator's (it means the same: the TrainJob uses the Trainer default)."""
    policy = ctx.value(BASE)
    _retry_budget(ctx, policy or {})
    _gang(ctx, policy or {})
    if policy is None:
        return
    ctx.consume(BASE)
    if not policy:
        ctx.empty(ID, BASE)
    for key, value in policy.items():
        handler = _HANDLERS.get(key)
        if key == "managedBy" and value is not None and value == own_manager:
            ctx.info(ID, (*BASE, key), "the operator's own value; the TrainJob uses the default")
        elif handler is None:
            ctx.lossy(ID, (*BASE, key), f"runPolicy.{key} has no TrainJob equivalent; dropped")
        else:
            handler(ctx, value)


def _suspend(ctx: Context, value: Any) -> None:
    ctx.draft.spec["suspend"] = bool(value)


def _managed_by(ctx: Context, value: Any) -> None:
    path = (*BASE, "managedBy")
    if value == V1_MANAGER:
        ctx.info(ID, path, "the v1 operator's own value; the TrainJob uses the Trainer default")
    elif value in TRAINJOB_MANAGERS:
        ctx.draft.spec["managedBy"] = value
    else:
        ctx.error(
            ID,
            path,
            f"managedBy {value!r}: a TrainJob accepts only {' or '.join(TRAINJOB_MANAGERS)}; "
            "change or remove it",
        )


def _active_deadline(ctx: Context, value: Any) -> None:
    path = (*BASE, "activeDeadlineSeconds")
    if ctx.target.active_deadline:
        if int(value) < 1:
            ctx.lossy(ID, path, "a TrainJob deadline must be at least 1 second; dropped")
            return
        ctx.draft.spec["activeDeadlineSeconds"] = value
        ctx.info(ID, path, "the TrainJob deadline restarts when a suspended job resumes")
        return
    if ctx.runtime_only(
        ID,
        path,
        "Job activeDeadlineSeconds of node (a per-Job clock: an approximation)",
        f"Trainer {ctx.target.version} has no TrainJob deadline",
    ):
        ctx.draft.runtime.job_spec["activeDeadlineSeconds"] = value


def _retry_budget(ctx: Context, policy: Any) -> None:
    """v1 without ``backoffLimit`` restarted failed containers without limit (pkg/core/job.go
    PastBackoffLimit returns false when it is nil); a TrainJob's Job stops after its
    ``backoffLimit`` (6 by default: the runtimes set none) and a JobSet without a
    ``failurePolicy`` then fails (jobset ``FailurePolicy``: no restarts)."""
    if "backoffLimit" in policy:
        return  # an explicit limit is reported by its own handler
    if not ctx.source.by_training_operator(ctx.ref.api_version):
        return  # its operator gave the job a Job of its own, with the Job's default limit
    if ctx.primary.restart_policy == "Never":
        if not ctx.config.generate_runtime:  # a generated runtime sets backoffLimit 0
            ctx.info(
                ID,
                (*BASE, "backoffLimit"),
                "retry budget changes: v1 failed the job on its first failed pod (restartPolicy "
                "Never), the TrainJob's Job recreates failed pods up to 6 times (the Job default)",
            )
        return
    if ctx.config.retry_budget == "v1":  # the pipeline refuses it without generateRuntime
        _v1_retries(ctx)
        return
    # named on every job it affects, at info level: the limit v2 applies is a design change
    # every conversion makes (a warning on every job would leave no job "convertible")
    ctx.info(
        ID,
        (*BASE, "backoffLimit"),
        "retry budget changes: v1 restarted failed containers without limit (no "
        "runPolicy.backoffLimit), the TrainJob's Job gives up after 6 restarts (the Job default) "
        "and the whole TrainJob then fails (its JobSet has no failurePolicy); set "
        "runPolicy.backoffLimit"
        + (
            " with generateRuntime=true to choose the limit, or retryBudget=v1 (with "
            "generateRuntime=true) to keep v1's unlimited retries"
            if ctx.target.runtime_schema is not None
            else " to choose the limit"
        ),
    )


def _v1_retries(ctx: Context) -> None:
    """``retryBudget: v1``: v1 restarted failed containers in place and recreated failed pods
    (common/pod.go ReconcilePods deletes a failed OnFailure/Always pod) without limit. A Job
    counts both against ``backoffLimit``: the largest value the Job API accepts (int32) comes
    as close to "no limit" as the API allows. The JobSet keeps no ``failurePolicy``: with that
    limit a node Job fails only on its deadline, which failed the v1 job too, and
    ``maxRestarts`` would recreate every pod of the job, which v1 never did.

    ``restartPolicy: ExitCode`` (pods restartPolicy Never) recreated pods only after a retryable
    exit code of the framework container (pkg/util/train IsRetryableExitCode: 128 and above)
    and failed the job on the others: the Job also gets a ``podFailurePolicy`` that fails it on
    exit codes 1 to 127 of container ``node``."""
    path = (*BASE, "backoffLimit")
    if ctx.primary.restart_policy == "ExitCode":
        _v1_exit_codes(ctx, path)
        return
    ctx.draft.runtime.job_spec["backoffLimit"] = UNLIMITED_BACKOFF
    ctx.info(
        ID,
        path,
        f"retry budget as in v1 (option retryBudget): the generated TrainingRuntime sets the "
        f"Job's backoffLimit to {UNLIMITED_BACKOFF}, the largest the Job API accepts, so failed "
        "containers and pods are restarted without a practical limit, as v1 restarted them "
        "without runPolicy.backoffLimit; the JobSet gets no failurePolicy (maxRestarts would "
        "recreate all pods of the job, which v1 never did)",
    )
    if ctx.source.fails_on_pod_failure:
        ctx.lossy(
            ID,
            path,
            "a failed pod (evicted, or its node lost) is recreated by the Job, where v1's MPI "
            "controller failed the job; no Job backoffLimit both restarts containers without "
            "limit and fails on the first failed pod",
        )


def carries_exit_codes(ctx: Context) -> bool:
    """``restartPolicy: ExitCode`` is reproduced (``retryBudget: v1`` in a generated runtime;
    not for a kind whose v1 controller failed or restarted the job on any failed pod without
    reading the exit code: ``Source.fails_on_pod_failure``)."""
    return (
        ctx.config.retry_budget == "v1"
        and ctx.config.generate_runtime
        and not ctx.source.fails_on_pod_failure
    )


def _v1_exit_codes(ctx: Context, path: Path) -> None:
    if not carries_exit_codes(ctx):
        ctx.lossy(
            ID,
            path,
            "retryBudget v1 not carried for restartPolicy ExitCode of this kind: its v1 "
            "controller marked the job Restarting after any failed pod, whatever its exit code, "
            "which no Job policy reproduces; the generated runtime keeps the Job default "
            "backoffLimit 6",
        )
        return
    ctx.draft.runtime.job_spec["backoffLimit"] = UNLIMITED_BACKOFF
    ctx.draft.runtime.job_spec["podFailurePolicy"] = {
        "rules": [
            {
                "action": "FailJob",
                "onExitCodes": {
                    "containerName": NODE,
                    "operator": "In",
                    "values": list(range(1, RETRYABLE_EXIT_CODE)),
                },
            }
        ]
    }
    ctx.info(
        ID,
        path,
        f"retry budget as in v1 (option retryBudget, restartPolicy ExitCode): the generated "
        f"TrainingRuntime's Job gets backoffLimit {UNLIMITED_BACKOFF}, the largest the Job API "
        f"accepts, and a podFailurePolicy that fails the TrainJob on exit codes 1 to "
        f"{RETRYABLE_EXIT_CODE - 1} of container {NODE}: pods that exit with "
        f"{RETRYABLE_EXIT_CODE} or above (signals, OOM kills) are recreated without a practical "
        "limit, as v1 recreated them (podFailurePolicy: Kubernetes 1.26 or later)",
    )


def _gang(ctx: Context, policy: Any) -> None:
    """Gang scheduling: in v1 an operator flag (``--gang-scheduler-name``) decided it for every
    job and ``scheduleTimeoutSeconds`` fed its PodGroup; in v2 the runtime's
    ``podGroupPolicy`` does (Trainer ``pkg/runtime/framework/plugins/coscheduling``,
    ``volcano``). Only the ``gangScheduler`` option says which scheduler the v1 operator used."""
    scheduling = policy.get("schedulingPolicy") or {}
    timeout = scheduling.get("scheduleTimeoutSeconds")
    path = (*BASE, "schedulingPolicy", "scheduleTimeoutSeconds")
    scheduler = ctx.config.gang_scheduler
    if scheduler == "none":
        if timeout is not None:
            ctx.lossy(
                ID,
                path,
                f"scheduleTimeoutSeconds {timeout} dropped: v1 used it only for the gang "
                "scheduler named by the operator's --gang-scheduler-name; a TrainJob is "
                "gang-scheduled through its runtime's podGroupPolicy (coscheduling needs the "
                "scheduler-plugins PodGroup CRD, without which the Trainer creates no JobSet; "
                "volcano has no timeout): set gangScheduler to the scheduler the v1 operator "
                "used, or reference a runtime of your own with podGroupPolicy",
            )
        return
    where = path if timeout is not None else (*BASE, "schedulingPolicy")
    if not (ctx.config.generate_runtime and ctx.target.runtime_schema is not None):
        ctx.lossy(
            ID,
            where,
            f"gang scheduling ({scheduler}, option gangScheduler) is set on a TrainJob's runtime "
            f"(podGroupPolicy.{scheduler}); {ctx.runtime_advice}",
        )
        return
    if scheduler == "coscheduling":
        group: dict[str, Any] = {} if timeout is None else {"scheduleTimeoutSeconds": timeout}
        ctx.draft.runtime.pod_group_policy = {"coscheduling": group}
        ctx.info(
            ID,
            where,
            "carried by the generated TrainingRuntime (podGroupPolicy.coscheduling): the cluster "
            "needs the scheduler-plugins PodGroup CRD, or the Trainer creates no JobSet",
        )
        return
    ctx.draft.runtime.pod_group_policy = {"volcano": {}}
    ctx.info(ID, where, "carried by the generated TrainingRuntime (podGroupPolicy.volcano)")
    if timeout is not None:
        ctx.lossy(
            ID,
            path,
            f"scheduleTimeoutSeconds {timeout} dropped: the Trainer's volcano podGroupPolicy has "
            "no schedule timeout",
        )


def _backoff_limit(ctx: Context, value: Any) -> None:
    never = all(role.restart_policy == "Never" for role in ctx.roles.values())
    if never and ctx.source.by_training_operator(ctx.ref.api_version):
        # PastBackoffLimit counts only OnFailure/Always/ExitCode replicas: v1 ignored it
        ctx.info(
            ID,
            (*BASE, "backoffLimit"),
            f"backoffLimit {value} had no effect in v1 (it counts no restartPolicy Never "
            "replica; a failed Never pod failed the job): nothing to carry",
        )
        return
    if ctx.runtime_only(
        ID,
        (*BASE, "backoffLimit"),
        "Job backoffLimit of node",
        f"backoffLimit {value} has no TrainJob field (v2 default: Job backoffLimit 6, JobSet "
        "fails on the first failed Job)",
    ):
        ctx.draft.runtime.job_spec["backoffLimit"] = value


def _ttl(ctx: Context, value: Any) -> None:
    if ctx.runtime_only(
        ID,
        (*BASE, "ttlSecondsAfterFinished"),
        "JobSet ttlSecondsAfterFinished: deletes the pods, not the TrainJob",
        "no Trainer release has a TrainJob TTL",
    ):
        ctx.draft.runtime.jobset_spec["ttlSecondsAfterFinished"] = value


def _clean_pod_policy(ctx: Context, value: Any) -> None:
    path = (*BASE, "cleanPodPolicy")
    if value == "None":
        return  # v2 keeps finished pods until the TrainJob is deleted: the same
    ctx.lossy(
        ID,
        path,
        f"cleanPodPolicy {value} has no TrainJob equivalent: finished pods stay until the "
        "TrainJob is deleted (as cleanPodPolicy None)",
    )


def _scheduling(ctx: Context, value: Any) -> None:
    base = (*BASE, "schedulingPolicy")
    if not value:
        ctx.empty(ID, base)
    for key, item in value.items():
        path = (*base, key)
        if key == "priorityClass":
            pod_class = ctx.draft.runtime.pod_spec.get("priorityClassName") or ctx.value(
                (*ctx.pod_spec_path, "priorityClassName")
            )
            if pod_class is not None and pod_class != item:
                ctx.lossy(
                    ID,
                    path,
                    f"differs from the pod's priorityClassName {pod_class!r}, which the pods kept "
                    "in v1 and keep here; dropped",
                )
            elif ctx.runtime_only(
                ID, path, "pod priorityClassName", "priorityClassName cannot be patched"
            ):
                ctx.draft.runtime.pod_spec["priorityClassName"] = item
        elif key == "scheduleTimeoutSeconds":
            ctx.consume(path)  # _gang reports it
        elif key == "queue":
            ctx.lossy(
                ID,
                path,
                f"Volcano queue {item!r} dropped: set the annotation scheduling.volcano.sh/queue-name "
                "through a runtime with podGroupPolicy.volcano (Kueue users: the "
                "kueue.x-k8s.io/queue-name label carries over)",
            )
        else:
            ctx.lossy(
                ID,
                path,
                f"schedulingPolicy.{key} dropped: v2 computes the PodGroup from all pods and "
                "their requests",
            )


_HANDLERS: Final = {
    "suspend": _suspend,
    "managedBy": _managed_by,
    "activeDeadlineSeconds": _active_deadline,
    "backoffLimit": _backoff_limit,
    "ttlSecondsAfterFinished": _ttl,
    "cleanPodPolicy": _clean_pod_policy,
    "schedulingPolicy": _scheduling,
}
