"""The launch contract: command, args, env and ``nprocPerNode`` (v1 environment, v2 torch plugin).

v1 injected MASTER_ADDR/MASTER_PORT/WORLD_SIZE/RANK into every pod; v2 injects only
torchrun's PET_* variables into container ``node``. ``command`` and ``args`` are read as
one argv (``launcher``). So:

- a ``torchrun`` (or ``python -m torch.distributed.run|launch``, after ``exec``/``env``
  prefixes) command keeps working, but hard-coded rendezvous flags (``--nnodes``,
  ``--node-rank``, ``--master-addr``, ``--rdzv-backend``...) would override PET_* and are
  removed; ``--nproc-per-node N`` moves into ``numProcPerNode``;
- in a ``sh``/``bash -c`` script (``-lc``, ``-ec``... too) the same flags of each torchrun
  command are cut in place, the rest of the script byte-identical, each named with its
  script line; flags the script passes some other way are reported with their line;
- a plain ``python script.py`` (or image ENTRYPOINT) job with a Master gets, with
  ``launchEnv: v1-compat`` (default), the v1 variables in ``trainer.env`` so it does
  not turn into N independent trainings; ``launchEnv: torchrun`` wraps the command
  in ``torchrun --no-python`` instead; ``launchEnv: none`` keeps it as is, loudly;
- a torchrun job with a Master whose command references ``$(MASTER_ADDR)``,
  ``$WORLD_SIZE``... gets the variables it references in ``trainer.env`` (v1-compat);
- ``PYTHONUNBUFFERED=1`` is added as v1 did; a PET_* name the Trainer reserves is
  dropped with a warning where v1 overrode it (its value was never used), else an error;
  ``nprocPerNode`` maps per target (IntOrString up to 2.1, int from 2.2; ``auto``/``cpu``
  without GPUs as each release's torch plugin resolves it).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from trainjob_migrate import lazy, quantity
from trainjob_migrate.context import Context
from trainjob_migrate.paths import Path
from trainjob_migrate.results import Severity
from trainjob_migrate.sources import v1_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "launch"
CONSUMES: Final = (
    "spec.nprocPerNode",
    "spec.pytorchReplicaSpecs.*.template.spec.containers[pytorch].command",
    "spec.pytorchReplicaSpecs.*.template.spec.containers[pytorch].args",
    "spec.pytorchReplicaSpecs.*.template.spec.containers[pytorch].env",
)

RESERVED_ENV: Final = frozenset(
    {"PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"}
)
#: reserved names the v1 operator set in every pod, Master or not (envvar.go setPodEnv)
_ALWAYS_SET: Final = frozenset({"PET_NNODES", "PET_NPROC_PER_NODE"})
V1_INJECTED_ENV: Final = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK")

#: flags the Trainer's PET_* variables replace; a hard-coded one would override them
_REMOVED_FLAGS: Final = {
    "nnodes": "the Trainer sets PET_NNODES from numNodes",
    "nproc-per-node": "moved into trainer.numProcPerNode",
    "node-rank": "the Trainer sets PET_NODE_RANK per node",
    "master-addr": "the Trainer sets PET_MASTER_ADDR to the first node",
    "master-port": "the Trainer sets PET_MASTER_PORT (29500)",
    "rdzv-backend": "v2 uses torchrun's static rendezvous on PET_MASTER_ADDR:PET_MASTER_PORT",
    "rdzv-endpoint": "v2 uses torchrun's static rendezvous on PET_MASTER_ADDR:PET_MASTER_PORT",
    "rdzv-id": "v2 uses torchrun's static rendezvous",
    "rdzv-conf": "v2 uses torchrun's static rendezvous",
    "standalone": "standalone mode would ignore the other nodes",
}
#: removing these changes nothing the job relied on
_EQUIVALENT_FLAGS: Final = frozenset(
    {"nnodes", "nproc-per-node", "node-rank", "master-addr", "master-port"}
)
_TORCHRUN_TEXT: Final = lazy.pattern(r"\btorchrun\b|torch\.distributed\.(run|launch)\b")
_KUBELET_REF: Final = lazy.pattern(r"(?<!\$)\$\((MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK)\)")
_SHELL_REF: Final = lazy.pattern(
    r"\$(?:(MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK)(?![A-Za-z0-9_])|"
    r"\{(MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK)[}:#%/-])"
)
_SHELL_RDZV: Final = lazy.pattern(
    r"--(nnodes|nproc[-_]per[-_]node|node[-_]rank|master[-_]addr|master[-_]port|rdzv[-_]\w+|standalone)\b"
)


def apply(ctx: Context) -> None:
    base = ctx.container_path
    for key in ("command", "args", "env"):
        ctx.consume((*base, key))
        if key in ctx.container and not ctx.container[key]:
            ctx.empty(ID, (*base, key))
    ctx.consume(("spec", "nprocPerNode"))
    command = [str(t) for t in ctx.container.get("command") or []]
    args = [str(t) for t in ctx.container.get("args") or []]
    from trainjob_migrate.sources.pytorch import launcher  # only a converted job needs it

    launch = launcher.classify([*command, *args])
    nproc_value, nproc_path = _v1_nproc(ctx)
    flag_nproc: tuple[str, Path] | None = None
    kind = "plain"
    if launch.kind == "torchrun":
        kind = "torchrun"
        command, args, flag_nproc = _strip_flags(ctx, command, args, launch.start)
    elif launch.script is not None:
        script_kind, command, args, flag_nproc = _rewrite_script(ctx, command, args, launch.script)
        kind = script_kind
    # a --nproc-per-node torchrun keeps (its value is computed at start) decides the process
    # count itself, in v1 and v2 alike: numProcPerNode (and its warnings) do not apply
    flag_decides = flag_nproc is not None and flag_nproc[0] == _KEPT
    if flag_decides:
        flag_nproc = None
        if nproc_path is not None:
            ctx.info(
                ID,
                nproc_path,
                f"nprocPerNode {nproc_value} had no effect in v1 (the torchrun flag kept in the "
                "command decided the process count) and has none in v2: not carried",
            )
    if flag_nproc is not None:
        v1_value = nproc_value
        nproc_value, nproc_path = flag_nproc
        if v1_value != flag_nproc[0]:
            # the flag beat PET_NPROC_PER_NODE in v1 too (torchrun reads env only as defaults)
            ctx.info(
                ID,
                ("spec", "nprocPerNode"),
                f"nprocPerNode {v1_value} was overridden in v1 by the torchrun flag "
                f"--nproc-per-node {flag_nproc[0]}; numProcPerNode takes the flag's value",
            )
    _check_mpi(ctx, command, args)

    shim = False
    if kind == "plain":
        wrapped_before = bool(command)
        command, shim = _plain(ctx, command)
        if (
            command
            and command[0] == "torchrun"
            and wrapped_before
            and ctx.config.launch_env == "torchrun"
        ):
            if nproc_value in ("auto", "1") or nproc_path is None:
                ctx.info(
                    ID,
                    nproc_path or ("spec", "nprocPerNode"),
                    "numProcPerNode 1: the torchrun wrapper starts the script once per node, "
                    "as the v1 pods did",
                )
            else:
                ctx.lossy(
                    ID,
                    nproc_path,
                    f"nprocPerNode {nproc_value} did not start {nproc_value} processes in v1 (a plain "
                    "script runs once per pod; only WORLD_SIZE counted it); the torchrun wrapper "
                    "starts one process per node, as the pods did",
                )
            nproc_value, nproc_path = "1", None
    if ctx.target.runtime_has_command and not command:
        ctx.error(
            ID,
            (*base, "command"),
            f"the torch-distributed runtime of Trainer {ctx.target.version} sets its own command, "
            "which replaces the image ENTRYPOINT this job relies on; add the command to the "
            "pytorch container, or target 2.1 or later",
        )
    trainer = ctx.draft.trainer
    if not flag_decides:
        _num_proc(ctx, nproc_value, nproc_path, torchrun=kind != "plain")
    if command:
        trainer["command"] = command
    if args:
        trainer["args"] = args
    _check_lengths(ctx, command, args)
    refs: list[str] = []
    if not shim and "Master" in ctx.roles:
        refs = _v1_references(command, args, launch.script)
        if refs and ctx.config.launch_env == "none":
            ctx.lossy(
                ID,
                (*base, "args" if args else "command"),
                f"the command references {', '.join(refs)}, which the v1 operator defined and "
                "the Trainer does not (launchEnv=none): the text reaches the program as is; use "
                "launchEnv=v1-compat or the PET_* variables",
            )
            refs = []
    _env(ctx, shim, refs)


# --- command -----------------------------------------------------------------


def _token_paths(ctx: Context, command: list[str], args: list[str]) -> list[Path]:
    return [(*ctx.container_path, "command", i) for i in range(len(command))] + [
        (*ctx.container_path, "args", i) for i in range(len(args))
    ]


def _strip_flags(
    ctx: Context, command: list[str], args: list[str], start: int
) -> tuple[list[str], list[str], tuple[str, Path] | None]:
    """Remove rendezvous flags between the launcher and the script; keep the command/args split."""
    from trainjob_migrate.sources.pytorch import launcher

    tokens = [*command, *args]
    paths = _token_paths(ctx, command, args)
    keep = [True] * len(tokens)
    nproc: tuple[str, Path] | None = None
    for flag in launcher.flags(tokens, start):
        path = paths[flag.index]
        remove, moved = _judge(ctx, flag, path, "")
        if remove:
            for j in range(flag.index, flag.index + flag.span):
                keep[j] = False
        nproc = moved or nproc
    split = len(command)
    new_command = [t for j, t in enumerate(tokens[:split]) if keep[j]]
    new_args = [t for j, t in enumerate(tokens[split:], start=split) if keep[j]]
    return new_command, new_args, nproc


#: what _judge gives for an ``--nproc-per-node`` it keeps: the flag decides the count
_KEPT: Final = ""


def _judge(ctx: Context, flag: Any, path: Path, where: str) -> tuple[bool, tuple[str, Path] | None]:
    """Whether a torchrun flag goes (reported), and an ``--nproc-per-node`` value it moves into
    numProcPerNode. ``where`` tells a script line (`` (script line 3)``)."""
    name, value, shown = flag.name, flag.value, flag.shown
    if name not in _REMOVED_FLAGS:
        return False, None
    if name == "nproc-per-node":
        if not (value.isdigit() or value in ("auto", "cpu", "gpu")):
            ctx.info(
                ID,
                path,
                f"torchrun flag {shown} kept{where}: its value is computed when the container "
                "starts, so it cannot move into numProcPerNode; torchrun still uses it",
            )
            return False, (_KEPT, path)
        ctx.info(ID, path, f"torchrun flag {shown} removed{where}: {_REMOVED_FLAGS[name]}")
        return True, (value, path)
    nodes = ctx.num_nodes
    if name == "nnodes" and value not in (str(nodes), f"{nodes}:{nodes}"):
        computed = "$" in value or "`" in value
        ctx.lossy(
            ID,
            path,
            f"torchrun flag {shown} removed{where}: "
            + (
                "its value is computed when the container starts and cannot be checked against "
                if computed
                else "it disagrees with "
            )
            + f"the {nodes} node(s) of the job; the TrainJob runs numNodes nodes",
        )
        return True, None
    if name in _EQUIVALENT_FLAGS:
        ctx.info(ID, path, f"torchrun flag {shown} removed{where}: {_REMOVED_FLAGS[name]}")
    else:
        ctx.lossy(ID, path, f"torchrun flag {shown} removed{where}: {_REMOVED_FLAGS[name]}")
    return True, None


def _rewrite_script(
    ctx: Context, command: list[str], args: list[str], index: int
) -> tuple[str, list[str], list[str], tuple[str, Path] | None]:
    """Rewrite the torchrun commands of a ``-c`` script in place (their rendezvous flags cut,
    the rest of the text byte-identical); report the flags it cannot reach, with their line."""
    from trainjob_migrate.sources.pytorch import launcher

    tokens = [*command, *args]
    path = _token_paths(ctx, command, args)[index]
    script = tokens[index]
    cuts: list[tuple[int, int]] = []
    judged: list[tuple[int, int]] = []
    nproc: tuple[str, Path] | None = None
    torchrun = bool(_TORCHRUN_TEXT.search(script))
    for words in launcher.commands(script):
        texts = [w.text for w in words]
        start = launcher.torchrun_start(texts)
        if start is None:
            continue
        torchrun = True
        for flag in launcher.flags(texts, start):
            first = words[flag.index]
            judged.append((first.start, words[flag.index + flag.span - 1].end))
            where = f" (script line {launcher.line_of(script, first.start)})"
            remove, moved = _judge(ctx, flag, path, where)
            if remove:
                cuts.append(launcher.remove(script, words, flag.index, flag.span))
            nproc = moved or nproc
    left = [
        m for m in _SHELL_RDZV.finditer(script) if not any(a <= m.start() < b for a, b in judged)
    ]
    if left:
        lines = sorted({launcher.line_of(script, m.start()) for m in left})
        found = sorted({m.group(0) for m in left})
        ctx.lossy(
            ID,
            path,
            f"the shell script hard-codes {', '.join(found)} outside a torchrun command it can "
            f"read (script line {', '.join(map(str, lines))}): these override the PET_* "
            "variables the Trainer sets; remove them from the script",
        )
    for a, b in sorted(cuts, reverse=True):
        script = script[:a] + script[b:]
    tokens[index] = script
    split = len(command)
    return ("torchrun" if torchrun else "plain"), tokens[:split], tokens[split:], nproc


_MPI_LAUNCHERS: Final = frozenset({"mpirun", "mpiexec", "deepspeed", "horovodrun"})


def _check_mpi(ctx: Context, command: Sequence[str], args: Sequence[str]) -> None:
    """MPI launchers and the MPI backend have no equivalent in torch-distributed."""
    from trainjob_migrate.sources.pytorch import launcher

    tokens = [*command, *args]
    start = launcher.skip_prefixes(tokens)
    program = launcher.program(tokens[start]) if start < len(tokens) else ""
    launch = launcher.classify(tokens)
    if launch.script is not None and program not in _MPI_LAUNCHERS:
        for words in launcher.commands(tokens[launch.script]):  # a launcher inside the script
            texts = [w.text for w in words]
            at = launcher.skip_prefixes(texts)
            if at < len(texts) and launcher.program(texts[at]) in _MPI_LAUNCHERS:
                program = launcher.program(texts[at])
                break
    mpi_backend = "--backend=mpi" in tokens or any(
        pair == ("--backend", "mpi") for pair in itertools.pairwise(tokens)
    )
    if program in _MPI_LAUNCHERS or mpi_backend:
        what = f"the {program} launcher" if program in _MPI_LAUNCHERS else "the MPI backend"
        ctx.lossy(
            ID,
            (*ctx.container_path, "command" if command else "args"),
            f"this job uses {what}: torch-distributed starts no MPI launcher or sshd, so it "
            "cannot run as is; use a torch backend (gloo/nccl) or an MPI runtime such as "
            "deepspeed-distributed with an image built for it",
        )


def _plain(ctx: Context, command: list[str]) -> tuple[list[str], bool]:
    """A non-torchrun job: (command to emit, whether to add the v1 env shim)."""
    has_master = "Master" in ctx.roles
    mode = ctx.config.launch_env
    if not has_master:
        return command, False  # v1 set no MASTER_ADDR/RANK without a Master either
    if mode == "torchrun":
        if command:
            ctx.info(
                ID,
                (*ctx.container_path, "command"),
                "wrapped in 'torchrun --no-python' (launchEnv=torchrun): torchrun sets "
                "MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK for the script; the image "
                "must contain torchrun",
            )
            return ["torchrun", "--no-python", *command], False
        ctx.error(
            ID,
            (*ctx.container_path, "command"),
            "launchEnv=torchrun needs the job's command, but it relies on the image "
            "ENTRYPOINT; use launchEnv=v1-compat or add the command",
        )
        return command, False
    if mode == "none":
        ctx.lossy(
            ID,
            (*ctx.container_path, "command"),
            "not a torchrun command: v1 gave every pod MASTER_ADDR, MASTER_PORT, WORLD_SIZE "
            "and RANK, v2 sets none of them (launchEnv=none), so each node may train alone; "
            "use launchEnv=v1-compat or torchrun",
        )
        return command, False
    return command, True


def _check_lengths(ctx: Context, command: Sequence[str], args: Sequence[str]) -> None:
    limit = ctx.target.max_command_item
    if limit is None:
        return
    for key, items in (("command", command), ("args", args)):
        for i, item in enumerate(items):
            if len(item) > limit:
                ctx.error(
                    ID,
                    (*ctx.container_path, key, i),
                    f"{len(item)} characters: Trainer {ctx.target.version} accepts at most "
                    f"{limit} per {key} item; move the script into the image or a ConfigMap",
                )


# --- numProcPerNode ------------------------------------------------------------


def _v1_nproc(ctx: Context) -> tuple[str, Path | None]:
    value = ctx.value(("spec", "nprocPerNode"))
    if value is not None:
        return str(value), ("spec", "nprocPerNode")
    elastic = ctx.value(("spec", "elasticPolicy", "nProcPerNode"))
    if elastic is not None:
        return str(elastic), ("spec", "elasticPolicy", "nProcPerNode")
    return "auto", None  # v1 defaulter


def _num_proc(ctx: Context, value: str, path: Path | None, *, torchrun: bool) -> None:
    trainer = ctx.draft.trainer
    if value.isdigit() and int(value) > 0:
        trainer["numProcPerNode"] = int(value)
        return
    if value not in ("auto", "cpu", "gpu"):
        ctx.error(
            ID,
            path,
            f"nprocPerNode {value!r} is not a positive number, auto, cpu or gpu; fix the value",
        )
        return
    resources = ctx.container.get("resources") or {}
    gpus = _count(resources, lambda n: "gpu" in n.lower())  # as upstream numGPU
    accelerators = _count(resources, _is_accelerator)
    cpus = _cpus(resources)
    if not torchrun:
        return  # nothing reads the process count of a plain script; v1 passed 'auto' unused
    if ctx.target.num_proc_type == "int-or-string":
        if value != "auto":
            trainer["numProcPerNode"] = value
        if gpus and value in ("auto", "gpu"):
            _gpus_resolved(ctx, path, value, gpus)
        if value != "gpu" and not gpus and (resources or ctx.target.nproc_cpu_always):
            where = "request"
            if not ctx.target.nproc_cpu_always:  # v2.0 reads the limits first
                limit = _cpus(resources, ("limits",))
                cpus, where = (limit, "limit") if limit is not None else (cpus, "request")
            _cpu_change(ctx, path, value, cpus, where)
        return
    if gpus and value in ("auto", "gpu"):
        _gpus_resolved(ctx, path, value, gpus)  # v2 resolves it as v1's torchrun did
        return
    if value in ("auto", "gpu") and accelerators:
        trainer["numProcPerNode"] = accelerators
        ctx.info(
            ID,
            path or ("spec", "nprocPerNode"),
            f"numProcPerNode {accelerators} made explicit: Trainer {ctx.target.version} counts "
            "only resources named '*gpu*' as accelerators",
        )
        return
    if value == "gpu":
        ctx.error(
            ID,
            path,
            "nprocPerNode gpu, but the pytorch container requests no GPU; set nprocPerNode to "
            "the number of processes per node",
        )
        return
    if value == "cpu" and gpus:
        if cpus is None:
            ctx.error(
                ID,
                path,
                "nprocPerNode cpu on a GPU node without a CPU request: Trainer "
                f"{ctx.target.version} has no 'cpu' mode; set nprocPerNode to a number",
            )
        else:
            trainer["numProcPerNode"] = cpus
            ctx.info(ID, path, f"numProcPerNode {cpus} (the CPU request) made explicit")
        return
    _cpu_change(ctx, path, value, cpus)


def _gpus_resolved(ctx: Context, path: Path | None, value: str, gpus: int) -> None:
    ctx.info(
        ID,
        path or ("spec", "nprocPerNode"),
        f"nprocPerNode {value}: {gpus} process(es) per node, one per GPU the node requests, as "
        "v1's torchrun started",
    )


def _cpu_change(
    ctx: Context, path: Path | None, value: str, cpus: int | None, where: str = "request"
) -> None:
    v2 = f"{cpus} (its CPU {where})" if cpus is not None else "1 (no CPU request)"
    ctx.lossy(
        ID,
        path or ("spec", "nprocPerNode"),
        f"nprocPerNode {value} on a CPU-only node: v1's torchrun started one process per CPU "
        f"core of the node, Trainer {ctx.target.version} starts {v2}; set nprocPerNode to a "
        "number to choose",
    )


_NOT_ACCELERATORS: Final = ("cpu", "memory", "ephemeral-storage", "storage", "pods")


def _is_accelerator(name: str) -> bool:
    return name not in _NOT_ACCELERATORS and not name.startswith("hugepages-")


def _count(resources: Mapping[str, Any], wanted: Any) -> int:
    for section in ("limits", "requests"):
        values = resources.get(section) or {}
        total = sum(int(_quantity(v) or 0) for n, v in values.items() if wanted(n))
        if total:
            return total
    return 0


def _cpus(
    resources: Mapping[str, Any], order: tuple[str, ...] = ("requests", "limits")
) -> int | None:
    for section in order:
        value = (resources.get(section) or {}).get("cpu")
        amount = _quantity(value)
        if amount is not None:
            return max(1, math.ceil(amount))
    return None


def _quantity(value: Any) -> float | None:
    """A resource quantity (``500m``, ``2``, ``4k``, ``1e3``) as the API server reads it: the
    project's one parser (a YAML float such as ``1.5`` is a quantity too)."""
    amount = quantity.parse(str(value) if isinstance(value, float) else value)
    return None if amount is None else amount[0] / amount[1]


# --- env -------------------------------------------------------------------------


def _v1_references(command: list[str], args: list[str], script: int | None) -> list[str]:
    """The v1 variables the command uses: ``$(X)`` (kubelet expands it in command and args) or,
    in a ``-c`` script, ``$X`` / ``${X}`` (the shell expands it)."""
    tokens = [*command, *args]
    found = {m.group(1) for t in tokens for m in _KUBELET_REF.finditer(t)}
    if script is not None and script < len(tokens):
        found |= {m.group(1) or m.group(2) for m in _SHELL_REF.finditer(tokens[script])}
    return [name for name in V1_INJECTED_ENV if name in found]


def _env(ctx: Context, shim: bool, refs: Sequence[str] = ()) -> None:
    env_path = (*ctx.container_path, "env")
    user_env = ctx.container.get("env") or []
    has_master = "Master" in ctx.roles
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(user_env):
        name = str(entry.get("name", ""))
        path = (*env_path, i)
        if name in seen:
            ctx.error(
                ID, path, f"env {name} is set twice; keep one (TrainJob env is keyed by name)"
            )
            continue
        seen.add(name)
        if name in RESERVED_ENV and (name in _ALWAYS_SET or has_master):
            # envvar.go setPodEnv appends its own value after the user's (PET_NNODES and
            # PET_NPROC_PER_NODE always, the rest with a Master); kubelet keeps the last
            ctx.report(
                Severity.WARNING,
                ID,
                path,
                f"env {name} dropped: the v1 operator appended its own {name} after it, so this "
                "value was never used; the Trainer sets it from numNodes and numProcPerNode",
            )
            seen.discard(name)
            continue
        if name in RESERVED_ENV:
            ctx.error(
                ID,
                path,
                f"env {name} is reserved by the Trainer's torch plugin (the webhook rejects it); "
                "remove it: numNodes and numProcPerNode set it",
            )
            continue
        if has_master and name in V1_INJECTED_ENV:
            ctx.info(
                ID,
                path,
                f"env {name} dropped: the v1 operator replaced this value with its own in every "
                "pod" + ("; the v1-compatible value is re-derived" if shim else ""),
            )
            seen.discard(name)
            continue
        out.append(entry)
    if shim:
        out.extend(_shim(ctx, seen))
    elif refs:
        out.extend(_shim(ctx, seen, refs))
    if "PYTHONUNBUFFERED" not in seen:
        out.append({"name": "PYTHONUNBUFFERED", "value": "1"})  # v1 injected it; v2 does not
    if out:
        ctx.draft.trainer["env"] = out


def _shim(
    ctx: Context, seen: set[str], only: Sequence[str] = V1_INJECTED_ENV
) -> list[dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "MASTER_ADDR": {"value": v1_env.first_node(ctx)},
        "MASTER_PORT": {"value": str(_v1_port(ctx))},
        "WORLD_SIZE": {"value": str(ctx.num_nodes * _v1_nproc_int(ctx))},
        "RANK": v1_env.index_ref(),
    }
    # the field that starts the process: the command, or the args the image's entrypoint gets
    # (a job that only sets args is as common), or the container itself
    start = next((key for key in ("command", "args") if ctx.container.get(key)), None)
    path = (*ctx.container_path, start) if start else ctx.container_path
    if tuple(only) == V1_INJECTED_ENV:
        ctx.info(
            ID,
            path,
            "not a torchrun command: added MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK to "
            "trainer.env as the v1 operator set them (launchEnv=v1-compat)",
        )
    else:
        refs = ", ".join(f"$({n})" for n in only)
        ctx.info(
            ID,
            (*ctx.container_path, "args") if ctx.container.get("args") else path,
            f"the command references {refs}, which the v1 operator defined in every pod: added "
            "to trainer.env with the v1 values (launchEnv=v1-compat); torchrun still sets its "
            "own for the processes it starts",
        )
    return [{"name": k, **v} for k, v in values.items() if k in only and k not in seen]


def _v1_nproc_int(ctx: Context) -> int:
    """v1's WORLD_SIZE factor: envvar.go getNprocPerNodeInt reads only spec.nprocPerNode (not
    elasticPolicy.nProcPerNode) and counts 1 for anything not a number (auto)."""
    value = str(ctx.value(("spec", "nprocPerNode"), ""))
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _v1_port(ctx: Context) -> int:
    """The Master's v1 port (master.go Generate: getPortFromPyTorchJob(job, Master))."""
    role = ctx.roles.get("Master", ctx.primary)
    pod = (role.spec.get("template") or {}).get("spec") or {}
    containers = [c for c in pod.get("containers") or [] if c.get("name") == ctx.source.container]
    for port in (containers[0] if containers else ctx.container).get("ports") or []:
        if port.get("name") == ctx.source.v1_port and port.get("containerPort"):
            return int(port["containerPort"])
    return int(ctx.source.v1_port_default or 0)
