"""``generateRuntime: true``: a namespaced TrainingRuntime with the ``mpi`` ML policy, from the job.

Its ``mlPolicy.mpi`` is the job's launch: ``numProcPerNode`` (``slotsPerWorker``),
``mpiImplementation`` OpenMPI, ``sshAuthMountPath``, ``runLauncherAsNode``
(``runLauncherAsWorker``, or a Training Operator launcher with GPUs). Its JobSet has the two
replicatedJobs of the Trainer's MPI runtimes (kubeflow/trainer ``manifests/base/runtimes/``
``mpi_distributed.yaml``, ``deepspeed_distributed.yaml``): ``launcher`` (the trainer ancestor,
the Launcher template) and ``node`` (the Worker template), the network and success policy of
those runtimes (``publishNotReadyAddresses``; done when the launcher is); with
``launcherCreationPolicy: WaitForWorkersReady`` the launcher ``dependsOn`` the nodes being Ready.
Job-level run policy goes to the launcher Job, as mpi-operator's ``newLauncherJob`` set it,
and to the node Job.
"""

from __future__ import annotations

from trainjob_migrate.assemble import TRAINER_API_VERSION
from trainjob_migrate.context import Context
from trainjob_migrate.sources.mpi import job

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

    Obj: TypeAlias = "dict[str, Any]"

ID: Final = "mpi-generated-runtime"
#: the label of the trainer replicatedJob (``runtimes.ANCESTOR_LABEL``, not imported: start-up)
ANCESTOR_LABEL: Final = "trainer.kubeflow.org/trainjob-ancestor-step"
CONSUMES: Final = ()


def apply(ctx: Context) -> None:
    parts = ctx.draft.training_runtime
    if job.route(ctx) != "generated" or parts is None or ctx.failed:
        ctx.draft.training_runtime = None
        return
    extra = ctx.draft.runtime
    launcher_pod, node_pod = parts[job.LAUNCHER_JOB], parts[job.NODE_JOB]
    for pod in (launcher_pod, node_pod):
        pod["spec"] = {**extra.pod_spec, **pod["spec"]}
    # mpi-operator set the Job-level policy on its launcher Job, and the worker pods stood
    # alone; here both are Jobs, and both get it (a node Job's default backoffLimit is 6)
    launcher: Obj = {
        "name": job.LAUNCHER_JOB,
        "template": {
            "metadata": {"labels": {ANCESTOR_LABEL: "trainer"}},
            "spec": {**extra.job_spec, "template": launcher_pod},
        },
    }
    node: Obj = {
        "name": job.NODE_JOB,
        "template": {"spec": {**extra.job_spec, "template": node_pod}},
    }
    if job.wait_for_workers(ctx):
        # JobSet's dependsOn names an earlier replicatedJob: the nodes come first
        launcher = {
            "name": job.LAUNCHER_JOB,
            "dependsOn": [{"name": job.NODE_JOB, "status": "Ready"}],
            "template": launcher["template"],
        }
        jobs = [node, launcher]
    else:
        jobs = [launcher, node]
    mpi = {
        "numProcPerNode": max(job.slots(ctx), 1),
        "mpiImplementation": "OpenMPI",
        "sshAuthMountPath": job.ssh_path(ctx),
        "runLauncherAsNode": job.launcher_as_worker(ctx),
    }
    spec: Obj = {"mlPolicy": {"numNodes": 1, "mpi": mpi}}
    if extra.pod_group_policy:
        spec["podGroupPolicy"] = extra.pod_group_policy
    spec["template"] = {
        "spec": {
            **extra.jobset_spec,
            "network": {"publishNotReadyAddresses": True},
            "successPolicy": {"operator": "All", "targetReplicatedJobs": [job.LAUNCHER_JOB]},
            "replicatedJobs": jobs,
        }
    }
    metadata: Obj = {"name": ctx.draft.name}
    if "namespace" in ctx.draft.metadata:
        metadata["namespace"] = ctx.draft.metadata["namespace"]
    framework = "deepspeed" if job.deepspeed(ctx) else ctx.source.framework
    metadata["labels"] = {"trainer.kubeflow.org/framework": framework}
    ctx.draft.training_runtime = {
        "apiVersion": TRAINER_API_VERSION,
        "kind": "TrainingRuntime",
        "metadata": metadata,
        "spec": spec,
    }
