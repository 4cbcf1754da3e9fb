"""Which Trainer runtime runs the MPIJob, and how many nodes: ``runtimeRef`` and ``numNodes``.

A TrainJob sets the launcher's image and command (``spec.trainer`` goes to the replicatedJob
labelled ``trainjob-ancestor-step: trainer``, the ``launcher``: kubeflow/trainer
``pkg/runtime/framework/plugins/jobset/builder.go`` ``Trainer``), never the node pods' image or
command: those are the runtime's. So the runtime is chosen for the Worker template:

- ``generateRuntime: true`` (2.2+): a TrainingRuntime generated from the job itself
  (``mpi-generated-runtime``): the exact route;
- ``runtimeName``: that runtime, which you vouch runs the Worker template (every Worker field
  it may not carry is reported);
- otherwise the release's default: ``mpi-distributed`` where it is installed (2.0), else
  ``deepspeed-distributed`` for a DeepSpeed job; only when the Worker image is the runtime's
  node image and the SSH keys are mounted where the job mounts them (else an error naming the
  two ways out). No default runtime fits any other job: an error.

``numNodes`` is the Worker replicas, plus the launcher when the runtime lists it in the
hostfile (``runLauncherAsNode``: the node job then runs ``numNodes - 1`` pods, ``EnforceMLPolicy``
in ``plugins/mpi/mpi.go``). The TrainJob's pods are named ``<name>-launcher-0-0-<5>`` and
``<name>-node-0-<index>-<5>``: the name must leave room for them.

SSH keys at ``/root/.ssh`` (the default) are a warning: mpi-operator mounted the private key
0600 there (``setupSSHOnPod``; the Training Operator's MPIJob mounted none, it used kubectl
exec); the Trainer's MPI plugin mounts it readable by group or others (``EnforceMLPolicy``),
which ssh refuses for the key's owner, root.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.rules import replicas
from trainjob_migrate.sources.mpi import job

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

ID: Final = "mpi-runtime"
CONSUMES: Final = ("{roles}.replicas",)

_GROUP: Final = "trainer.kubeflow.org"
_ROOT_SSH: Final = "/root/.ssh"


def apply(ctx: Context) -> None:
    for r in ctx.roles.values():
        ctx.consume((*r.path, "replicas"))
    chosen = job.route(ctx)
    if chosen == "generated":
        ctx.draft.runtime_ref = {
            "apiGroup": _GROUP,
            "kind": "TrainingRuntime",
            "name": ctx.draft.name,
        }
    elif chosen == "named":
        if not _named(ctx):
            return
    elif not _default(ctx):
        return
    workers = job.workers(ctx)
    worker = job.role(ctx, job.WORKER)
    if workers < 1:
        ctx.error(
            ID,
            (*worker.path, "replicas") if worker else ("spec", ctx.source.replica_specs),
            "no Worker replicas (both operators default them to 0): a Trainer MPI runtime always "
            "runs node pods; give the Worker replicas",
        )
        return
    as_node = job.launcher_as_node(ctx)
    ctx.draft.trainer["numNodes"] = workers + (1 if as_node else 0)
    _compare(ctx, as_node)
    replicas.check_name(ctx, ID, ("-launcher-0-0", f"-node-0-{max(workers - 1, 0)}"))


def _ref(ctx: Context, kind: str, name: str) -> None:
    ctx.draft.runtime_ref = {"apiGroup": _GROUP, "kind": kind, "name": name}


def _named(ctx: Context) -> bool:
    name, kind = ctx.config.runtime_name, ctx.config.runtime_kind
    known = job.known_runtime(ctx)
    if known is not None and not job.policy_of(known) and "mpi" not in _ml(known):
        ctx.error(
            ID,
            None,
            f"runtimeName {name}: the default runtime of that name has no MPI policy "
            "(mlPolicy.mpi); name an MPI runtime, or set generateRuntime=true",
        )
        return False
    _ref(ctx, kind, name)
    if known is None:
        ctx.info(
            ID,
            None,
            f"{kind} {name} (runtimeName) is not a default runtime of Trainer "
            f"{ctx.target.version}: it must have mlPolicy.mpi (sshAuthMountPath "
            f"{job.ssh_path(ctx)}, runLauncherAsNode {str(job.launcher_as_worker(ctx)).lower()}) "
            "and a node job that runs the Worker template",
        )
    return True


def _ml(runtime: Mapping[str, Any]) -> Mapping[str, Any]:
    found: Mapping[str, Any] = (runtime.get("spec") or {}).get("mlPolicy") or {}
    return found


def _default(ctx: Context) -> bool:
    name = job.candidate(ctx)
    if name is None:
        shipped = "deepspeed-distributed (for DeepSpeed jobs only)"
        # an MPI other than OpenMPI is refused by mpi-policy whatever the runtime: a generated
        # one would not help, so it is not offered as the way out before that is fixed
        openmpi = (ctx.value(("spec", "mpiImplementation")) or "OpenMPI") == "OpenMPI"
        then = "" if openmpi else "once the job runs OpenMPI (see mpi-policy), "
        ctx.error(
            ID,
            None,
            f"Trainer {ctx.target.version} installs no runtime that runs this MPIJob "
            f"(mpi-distributed ships only with 2.0; {shipped}): {then}set generateRuntime=true "
            "(Trainer 2.2+) to generate a TrainingRuntime from the job, or runtimeName=<an MPI "
            "runtime of yours>",
        )
        return False
    runtime = job.known_runtime(ctx)
    assert runtime is not None, "a default runtime of the release is in its catalogue"
    node = job.runtime_container(runtime, job.NODE_JOB)
    worker = job.role(ctx, job.WORKER)
    image = job.main(ctx, worker).get("image")
    ways_out = (
        "set generateRuntime=true (Trainer 2.2+) to run the Worker template in a generated "
        f"TrainingRuntime, or runtimeName={name} to accept the runtime's node pods (each Worker "
        "field they do not carry is then reported)"
    )
    if worker is not None and image != node.get("image"):
        ctx.error(
            ID,
            (*job.main_path(worker), "image"),
            f"the node pods of {name} run {node.get('image')}, not the Worker image {image} (a "
            f"TrainJob cannot change the node image; mpirun starts the ranks there): {ways_out}",
        )
        return False
    mount = job.policy_of(runtime).get("sshAuthMountPath", "/root/.ssh")
    if mount != job.ssh_path(ctx):
        ctx.error(
            ID,
            ("spec", "sshAuthMountPath"),
            f"{name} mounts the SSH keys at {mount}, the job at {job.ssh_path(ctx)} (its "
            f"images' sshd and ssh look there): {ways_out}",
        )
        return False
    why = "the Trainer release's MPI runtime" if name == "mpi-distributed" else "a DeepSpeed job"
    _ref(ctx, "ClusterTrainingRuntime", name)
    ctx.info(
        ID, None, f"runs on ClusterTrainingRuntime {name} ({why}; its node image is the Worker's)"
    )
    return True


def _compare(ctx: Context, as_node: bool) -> None:
    """What differs between the job's launch and the runtime's (known or generated)."""
    known = job.known_runtime(ctx)
    workers = job.workers(ctx)
    if known is None and job.ssh_path(ctx) == _ROOT_SSH:
        # the Training Operator's MPIJob used no SSH (kubectl exec): no key was mounted at all
        before = (
            "the Training Operator mounted no key (it started the ranks with kubectl exec)"
            if job.training_operator(ctx)
            else "mpi-operator mounted the private key with mode 0600 there (setupSSHOnPod)"
        )
        ctx.lossy(
            ID,
            ("spec", "sshAuthMountPath"),
            f"keys at {_ROOT_SSH}: {before}; the Trainer's MPI plugin mounts the private key "
            "there readable by its group or others, and ssh run as root refuses such a key. Run "
            "the pods as a non-root user with an fsGroup and keys under its home, as the "
            "Trainer's MPI runtimes do",
        )
    if as_node != job.launcher_as_worker(ctx):
        path = ("spec", "runLauncherAsWorker")
        ctx.lossy(
            ID,
            path,
            f"the runtime lists the launcher in the hostfile (runLauncherAsNode), the job did "
            f"not: numNodes {workers + 1} keeps the {workers} Worker hosts, and the launcher is "
            f"one more host with {job.slots(ctx)} slot(s): mpirun without -np starts ranks there",
        )
    if known is None:  # a runtime of the user's own: what depends on it cannot be checked here
        if job.wait_for_workers(ctx) and job.route(ctx) == "named":
            ctx.lossy(
                ID,
                ("spec", "launcherCreationPolicy"),
                f"WaitForWorkersReady: whether {job.runtime_name(ctx)} starts the launcher only "
                "once the node pods are Ready (a launcher dependsOn node) is up to that runtime; "
                "check it",
            )
        return
    name = job.runtime_name(ctx)
    mount = job.policy_of(known).get("sshAuthMountPath", "/root/.ssh")
    if job.route(ctx) == "named" and mount != job.ssh_path(ctx):
        ctx.lossy(
            ID,
            ("spec", "sshAuthMountPath"),
            f"{name} mounts the SSH keys at {mount}, not {job.ssh_path(ctx)}: the images' sshd "
            "and ssh must look there",
        )
    launcher = job.runtime_job(known, job.LAUNCHER_JOB) or {}
    waits = bool(launcher.get("dependsOn"))
    if job.wait_for_workers(ctx) and not waits:
        ctx.lossy(
            ID,
            ("spec", "launcherCreationPolicy"),
            f"WaitForWorkersReady: {name} starts the launcher with the nodes (mpirun retries ssh "
            "10 times, OMPI_MCA_plm_rsh_args)",
        )
    elif waits and not job.wait_for_workers(ctx):
        ctx.info(ID, None, f"{name} starts the launcher once the node pods are Ready")
