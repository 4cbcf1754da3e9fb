"""The Worker template is what the node pods run: in a generated runtime, or the runtime's own.

With ``generateRuntime: true`` the Worker template is the generated runtime's ``node`` job,
whole; a Worker without command or args gets ``/usr/sbin/sshd -De``, what mpi-operator ran
(``newWorker``). On any other runtime the node pods run the runtime's image and command: each
Worker field the runtime does not carry is reported (the Worker image must be the runtime's
node image, checked by ``mpi-runtime``); the pod fields the target accepts patch job ``node``.

A Training Operator v1 MPIJob reached its workers with ``kubectl exec`` (kubexec.sh, workers
``sleep 365d``); the Trainer starts the ranks over SSH: the Worker image must run sshd, with the
keys the Trainer mounts at ``/root/.ssh``.
"""

from __future__ import annotations

from trainjob_migrate.context import Context
from trainjob_migrate.sources.mpi import job, template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

ID: Final = "mpi-worker"
CONSUMES: Final = ("{roles}.template", "{roles}.restartPolicy")

#: mpi-operator v0.8.0 ``newWorker``: a Worker without command and args runs sshd
SSHD: Final = ["/usr/sbin/sshd", "-De"]
_COMPARED: Final = frozenset({"image", "command", "args", "resources", "env"})


def apply(ctx: Context) -> None:
    worker = job.role(ctx, job.WORKER)
    if worker is None:
        return  # mpi-runtime reports it
    if ctx.draft.runtime_ref is None or not job.main(ctx, worker):
        ctx.consume((*worker.path, "template"))
        ctx.consume((*worker.path, "restartPolicy"))
        if ctx.draft.runtime_ref is not None:  # else mpi-runtime reported why no runtime runs it
            ctx.error(
                ID,
                (*worker.path, "template", "spec", "containers"),
                "the Worker template has no container (the operator runs the first one); add it",
            )
        return
    if job.training_operator(ctx):
        ctx.lossy(
            ID,
            worker.path,
            "the Training Operator started the ranks with kubectl exec (kubexec.sh); the "
            f"Trainer starts them over SSH: the Worker image must run sshd with the keys the "
            f"Trainer mounts at {job.ssh_path(ctx)}, and the launcher image needs an ssh client",
        )
    policy = template.restart_policy(ctx, ID, worker, "Never")
    if job.route(ctx) == "generated":
        pod = template.for_runtime(ctx, ID, worker, frozenset())
        pod["spec"] = {"restartPolicy": policy, **pod["spec"]}
        _sshd(ctx, pod["spec"]["containers"][0])
        parts = ctx.draft.training_runtime or {}
        ctx.draft.training_runtime = {**parts, job.NODE_JOB: pod}
        return
    _compare(ctx)
    name = job.runtime_name(ctx)
    template.patch(
        ctx, ID, worker, job.NODE_JOB, _COMPARED, f"the node pods are those of runtime {name}"
    )


def _sshd(ctx: Context, container: dict[str, Any]) -> None:
    if container.get("command") or container.get("args"):
        return
    worker = job.role(ctx, job.WORKER)
    assert worker is not None
    container["command"] = list(SSHD)
    path = job.main_path(worker)
    if job.training_operator(ctx):
        ctx.lossy(
            ID,
            path,
            "the Training Operator ran this Worker as sleep 365d; the node runs /usr/sbin/sshd -De",
        )
    else:
        ctx.info(ID, path, "the node runs /usr/sbin/sshd -De, as mpi-operator ran it")


def _compare(ctx: Context) -> None:
    worker = job.role(ctx, job.WORKER)
    assert worker is not None
    main = job.main(ctx, worker)
    path = job.main_path(worker)
    known = job.known_runtime(ctx)
    node: Mapping[str, Any] = job.runtime_container(known, job.NODE_JOB) if known else {}
    name = job.runtime_name(ctx)
    effective = dict(main)
    if not main.get("command") and not main.get("args") and not job.training_operator(ctx):
        effective["command"] = SSHD
    launcher = job.main(ctx, job.role(ctx, job.LAUNCHER))
    for key in sorted(_COMPARED):
        if key not in main:
            continue
        field = (*path, key)
        ctx.consume(field)
        if known is not None and key in ("image", "command", "args"):
            if effective.get(key) == node.get(key):
                ctx.info(ID, field, f"the node pods of {name} run the same {key}")
                continue
            ctx.lossy(
                ID,
                field,
                f"the node pods of {name} run {key} {node.get(key)!r}, not {main[key]!r}; "
                "only a generated runtime (generateRuntime=true) runs the Worker's",
            )
        elif key == "resources" and main[key] == launcher.get("resources"):
            ctx.info(
                ID,
                field,
                "the launcher's too: spec.trainer.resourcesPerNode carries them where the "
                "release applies it to the node job",
            )
        elif key == "env" and main[key] == launcher.get("env") and job.launcher_as_node(ctx):
            ctx.info(
                ID,
                field,
                "the launcher's too: spec.trainer.env carries it where the release applies it "
                "to the node job (runLauncherAsNode)",
            )
        else:
            ctx.lossy(
                ID,
                field,
                f"not carried: the node pods are those of runtime {name}; make sure it runs "
                "this, or set generateRuntime=true",
            )
