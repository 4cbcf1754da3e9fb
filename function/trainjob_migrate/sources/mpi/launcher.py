"""The Launcher becomes ``spec.trainer``: the Trainer runs ``spec.trainer`` as the launcher.

The first container's ``image``, ``command`` and ``args`` (``mpirun ...``) → ``trainer.image``,
``.command``, ``.args``: the Trainer puts them on the replicatedJob labelled
``trainjob-ancestor-step: trainer``, which is ``launcher`` in its MPI runtimes
(kubeflow/trainer ``pkg/runtime/framework/plugins/jobset/builder.go`` ``Trainer``). With a
generated runtime the rest of the template is the runtime's ``launcher`` job, whole; on another
runtime ``env`` → ``trainer.env`` and ``resources`` → ``trainer.resourcesPerNode`` (both also
reach the node pods when the runtime runs the launcher as a node), and the pod fields the
target accepts patch job ``launcher``. The operators' ``OMPI_MCA_*`` env is the MPI plugin's
(same names, same values); ``K_MPI_JOB_ROLE`` and the empty ``NVIDIA_VISIBLE_DEVICES`` of a
launcher that is not a worker are not set by the Trainer.
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate.context import Context
from trainjob_migrate.paths import Path
from trainjob_migrate.sources import v1common
from trainjob_migrate.sources.mpi import job, template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "mpi-launcher"
CONSUMES: Final = ("{roles}.template", "{roles}.restartPolicy")

_TRAINER: Final = ("image", "command", "args")
#: files the operators wrote next to the hostfile in /etc/mpi (their job ConfigMap) that the
#: Trainer's MPI plugin does not write: it mounts only /etc/mpi/hostfile (kubeflow/trainer
#: pkg/constants MPIHostfilePath, MPIHostfileName)
_OPERATOR_FILES: Final = {
    "/etc/mpi/discover_hosts.sh": (
        (
            "the operator's host list for elastic Horovod (horovodrun --host-discovery-script), "
            "rewritten as workers came and went"
        ),
        (
            "run a fixed-size job (horovodrun -np <n> --hostfile /etc/mpi/hostfile), or keep the "
            "elastic job on the v1 operator"
        ),
    ),
    "/etc/mpi/kubexec.sh": (
        "the Training Operator's kubectl exec agent",
        "drop it: the Trainer starts the ranks over SSH",
    ),
}
_PATCHED_BY_TRAINER: Final = frozenset({"image", "command", "args", "env", "resources"})


def apply(ctx: Context) -> None:
    launcher = job.role(ctx, job.LAUNCHER)
    if launcher is None:
        ctx.error(
            ID,
            ("spec", ctx.source.replica_specs),
            "no Launcher replica spec: an MPIJob needs one (it runs mpirun); add it",
        )
        return
    if ctx.draft.runtime_ref is None:  # mpi-runtime reported why no runtime runs the job
        ctx.consume((*launcher.path, "template"))
        ctx.consume((*launcher.path, "restartPolicy"))
        return
    main = job.main(ctx, launcher)
    path = job.main_path(launcher)
    for key in _TRAINER:
        if key in main:
            ctx.consume((*path, key))
            ctx.draft.trainer[key] = main[key]
    _v1_hosts(ctx, main, path)
    _operator_files(ctx, main, path)
    policy = template.restart_policy(ctx, ID, launcher, _default_restart(ctx))
    if job.route(ctx) == "generated":
        pod = template.for_runtime(ctx, ID, launcher, frozenset({"command", "args"}))
        pod["spec"] = {"restartPolicy": policy, **pod["spec"]}
        parts = ctx.draft.training_runtime or {}
        ctx.draft.training_runtime = {**parts, job.LAUNCHER_JOB: pod}
    else:
        _trainer_fields(ctx)
        template.patch(
            ctx,
            ID,
            launcher,
            job.LAUNCHER_JOB,
            _PATCHED_BY_TRAINER,
            "only a generated runtime (generateRuntime=true) carries it",
        )
    if not job.launcher_as_worker(ctx):
        ctx.info(
            ID,
            launcher.path,
            "the operator hid GPUs from a launcher that is no worker (NVIDIA_VISIBLE_DEVICES "
            "empty) and set K_MPI_JOB_ROLE; the Trainer sets neither",
        )


def _default_restart(ctx: Context) -> str:
    # mpi-operator v2beta1 constants.go DefaultLauncherRestartPolicy; v1 MPIJobDefaultRestartPolicy
    return "Never" if job.training_operator(ctx) else "OnFailure"


def _trainer_fields(ctx: Context) -> None:
    launcher = job.role(ctx, job.LAUNCHER)
    assert launcher is not None
    main = job.main(ctx, launcher)
    path = job.main_path(launcher)
    if "env" in main and not main["env"]:
        ctx.empty(ID, (*path, "env"))
    elif "env" in main:
        ctx.consume((*path, "env"))
        env = template.reserved(ctx, ID, launcher, list(main["env"] or []))
        if env:
            ctx.draft.trainer["env"] = env
            if job.launcher_as_node(ctx):
                ctx.info(
                    ID,
                    (*path, "env"),
                    "spec.trainer.env also reaches the node pods where the release applies it "
                    "to the node job (runLauncherAsNode)",
                )
    if "resources" in main:
        ctx.consume((*path, "resources"))
        if main["resources"]:
            ctx.draft.trainer["resourcesPerNode"] = main["resources"]
        else:
            ctx.empty(ID, (*path, "resources"))


def _v1_hosts(ctx: Context, main: Mapping[str, Any], path: Path) -> None:
    """v1 pod host names (``<job>-worker-0`` in an mpirun ``-H`` list, say) carried in the
    launcher's command or args resolve to nothing under JobSet (``<job>-node-0-<i>.<job>``):
    each is a warning naming the field, since an MPI job's hosts follow the runtime."""
    hosts = v1common.host_pattern(ctx.ref.name, ctx.source.roles)
    for key in ("command", "args"):
        for i, item in enumerate(main.get(key) or []):
            found = sorted({m.group(0) for m in hosts.finditer(str(item))})
            if found:
                ctx.lossy(
                    ID,
                    (*path, key, i),
                    f"v1 host name(s) {', '.join(found)}: no pod has them under the Trainer "
                    "(nodes are <name>-node-0-<i>.<name>); mpirun's hosts come from the "
                    "hostfile the Trainer writes: drop the host list, or rename the hosts",
                )


def _operator_files(ctx: Context, main: Mapping[str, Any], path: Path) -> None:
    """A launcher command that runs a file only the operators wrote (elastic Horovod's
    ``--host-discovery-script /etc/mpi/discover_hosts.sh``) fails at start under the Trainer:
    a warning naming the item, since nothing else in the job tells."""
    for key in ("command", "args"):
        for i, item in enumerate(main.get(key) or []):
            for file, (what, advice) in _OPERATOR_FILES.items():
                if file in str(item):
                    ctx.lossy(
                        ID,
                        (*path, key, i),
                        f"{file} is {what}; the Trainer's MPI plugin writes only "
                        f"/etc/mpi/hostfile, so the launcher fails to run it: {advice}",
                    )
