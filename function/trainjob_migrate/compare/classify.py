"""How much a difference matters: equivalent, changed by design, risk, or lost (a data table).

The first rule whose pattern matches the difference's path (and kind, and condition)
decides. Without one: missing on the v2 side is **lost**, anything else is a **risk**.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum

from trainjob_migrate import sources
from trainjob_migrate.compare.diff import Change
from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias


class Kind(StrEnum):
    EQUIVALENT = "equivalent"
    BY_DESIGN = "changed-by-design"
    RISK = "risk"
    LOST = "lost"


class Facts(Frozen):
    """What a rule may ask about the pair of jobs."""

    __slots__ = ("torchrun", "command_text")
    torchrun: bool  # the training command is a torchrun launcher
    command_text: str  # command and args of the training container, joined

    def __init__(self, torchrun: bool, command_text: str) -> None:
        init(self, torchrun, command_text)


Condition: TypeAlias = "Callable[[Change, Facts], bool]"


class Rule(Frozen):
    __slots__ = ("pattern", "kinds", "verdict", "why", "when")
    pattern: re.Pattern[str]
    kinds: frozenset[str]
    verdict: Kind
    why: str
    when: Condition | None

    def __init__(
        self,
        pattern: re.Pattern[str],
        kinds: frozenset[str],
        verdict: Kind,
        why: str,
        when: Condition | None = None,
    ) -> None:
        init(self, pattern, kinds, verdict, why, when)


def _r(pattern: str, kinds: str, verdict: Kind, why: str, when: Condition | None = None) -> Rule:
    return Rule(re.compile(pattern), frozenset(kinds.split("|")), verdict, why, when)


def _torchrun(_: Change, facts: Facts) -> bool:
    return facts.torchrun


def _plain(_: Change, facts: Facts) -> bool:
    return not facts.torchrun


def _read_by_command(change: Change, facts: Facts) -> bool:
    var = change.path[-1]
    return bool(
        re.search(rf"\$\{{?{re.escape(var)}\b|environ\S*{re.escape(var)}", facts.command_text)
    )


def _v1_port(change: Change, _: Facts) -> bool:
    old = change.old
    return isinstance(old, dict) and old.get("name") in _V1_PORTS


def _no_image(change: Change, _: Facts) -> bool:
    return isinstance(change.new, dict) and not change.new.get("image")


def _rendezvous_only(change: Change, _: Facts) -> bool:
    """The v2 command is the v1 one without torchrun's rendezvous flags, or wrapped in torchrun."""
    old, new = change.old or [], change.new or []
    if not isinstance(old, list) or not isinstance(new, list):
        return False
    if new[:2] == ["torchrun", "--no-python"] and new[2:] == old:
        return True
    rest = [t for t in old if t not in new]
    return (
        bool(rest)
        and all((t.startswith("-") and _FLAG.match(t)) or not t.startswith("-") for t in rest)
        and any(_FLAG.match(t) for t in rest)
    )


#: volumes the v1 MPI operators mounted (SSH keys, hostfile and scripts, kubectl) and the
#: Trainer MPI plugin's in their place (kubeflow/trainer@v2.3.0 pkg/constants ``MPI*``)
_V1_MPI_VOLUMES: Final = {
    "ssh-auth": "secret",
    "mpi-job-config": "configMap",
    "mpi-job-kubectl": "emptyDir",
}
_V2_MPI_VOLUMES: Final = frozenset({"mpi-ssh-auth", "mpi-hostfile"})


def _v1_mpi_volume(change: Change, _: Facts) -> bool:
    kind = _V1_MPI_VOLUMES.get(change.path[-1])
    return kind is not None and isinstance(change.old, dict) and kind in change.old


def _mpi_mount(change: Change, _: Facts) -> bool:
    """A mount of the v1 operators' volumes replaced by (or of) the MPI plugin's."""
    old = change.old.get("name") if isinstance(change.old, dict) else change.old
    new = change.new.get("name") if isinstance(change.new, dict) else change.new
    return (old is None or old in _V1_MPI_VOLUMES) and (new is None or new in _V2_MPI_VOLUMES)


def _service_search(change: Change, _: Facts) -> bool:
    """Only mpi-operator's DNS search ``<job>.<ns>.svc.cluster.local`` is gone."""
    old, new = change.old, change.new
    if isinstance(old, dict):
        old, new = (
            old.get("searches"),
            (new or {}).get("searches") if isinstance(new, dict) else None,
        )
        if set(change.old) != {"searches"}:
            return False
    gone = [s for s in old or [] if s not in (new or [])]
    return bool(gone) and all(str(s).endswith(".svc.cluster.local") for s in gone)


def _idle_to_sshd(change: Change, _: Facts) -> bool:
    """A Training Operator worker's ``sleep 365d`` (``newWorker``) that runs sshd in v2."""
    field = change.path[-1]
    if field == "command":
        return bool(change.old == ["sleep"] and change.new == ["/usr/sbin/sshd", "-De"])
    return change.old == ["365d"] and change.new is None


def _launcher_account(change: Change, _: Facts) -> bool:
    return str(change.old).endswith("-launcher")


_FLAG: Final = re.compile(
    r"^--(nnodes|nproc[-_]per[-_]node|node[-_]rank|master[-_]addr|master[-_]port|rdzv[-_]\w+|standalone)\b"
)
#: the port each v1 kind declares on its training container (only an input to MASTER_PORT)
_V1_PORTS: Final = frozenset(s.v1_port for s in sources.SOURCES if s.v1_port)
_V1_ENV: Final = r"(MASTER_ADDR|MASTER_PORT|WORLD_SIZE|RANK)"

RULES: Final[Sequence[Rule]] = (
    _r(
        r"^metadata\.name$",
        "changed",
        Kind.BY_DESIGN,
        "pod names: v1 <job>-<role>-<i>, v2 <trainjob>-node-0-<i>",
    ),
    _r(
        r"^metadata\.labels\[training\.kubeflow\.org/",
        "missing",
        Kind.BY_DESIGN,
        "v1 operator label; v2 pods carry jobset.sigs.k8s.io/* labels (rewrite selectors)",
    ),
    _r(r"^metadata\.labels\[jobset\.sigs\.k8s\.io/", "added", Kind.BY_DESIGN, "JobSet's pod label"),
    _r(
        r"^spec\.(hostname|subdomain)$",
        "missing|changed|added",
        Kind.BY_DESIGN,
        "JobSet owns the pod hostname and subdomain (headless service <trainjob>)",
    ),
    _r(
        r"^spec\.initContainers\[init-[a-z]+\]$",
        "missing",
        Kind.BY_DESIGN,
        "v1 workers waited for the master in an init container; v2 has no such init container "
        "(torchrun and TCPStore clients retry)",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[(PET_)?MASTER_(ADDR|PORT)\]$",
        "changed",
        Kind.BY_DESIGN,
        "master address and port: v1 <job>-master-0:23456, v2 <trainjob>-node-0-0.<trainjob>:29500",
    ),
    _r(
        r"\.ports\[\d+\]$",
        "missing",
        Kind.BY_DESIGN,
        "the v1 operator's own port; v2 declares 29500",
        _v1_port,
    ),
    _r(
        r"^spec\.containers\[node\]\.ports\[29500\]$",
        "added",
        Kind.BY_DESIGN,
        "the ML plugin's port (torch, xgboost, jax)",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[(DMLC|JAX)_\w+\]$",
        "added",
        Kind.BY_DESIGN,
        "set by the xgboost or jax plugin",
    ),
    _r(
        r"^spec\.volumes\[(ssh-auth|mpi-job-config|mpi-job-kubectl)\]$",
        "missing",
        Kind.BY_DESIGN,
        "the v1 MPI operator's SSH keys, hostfile ConfigMap or kubectl volume; the Trainer's MPI "
        "plugin mounts <trainjob>-mpi-ssh-auth and <trainjob>-mpi-hostfile (no discover_hosts.sh, "
        "no kubexec.sh)",
        _v1_mpi_volume,
    ),
    _r(
        r"^spec\.volumes\[(mpi-ssh-auth|mpi-hostfile)\]$",
        "added",
        Kind.BY_DESIGN,
        "the MPI plugin's SSH keys (every pod) and hostfile (the launcher)",
    ),
    _r(
        r"^spec\.containers\[node\]\.volumeMounts\[[^\]]+\](\.name)?$",
        "missing|added|changed",
        Kind.BY_DESIGN,
        "the SSH keys and hostfile come from the MPI plugin's volumes (same paths: the hostfile "
        "at /etc/mpi/hostfile, the keys at sshAuthMountPath)",
        _mpi_mount,
    ),
    _r(
        r"^spec\.initContainers\[kubectl-delivery\]$",
        "missing",
        Kind.BY_DESIGN,
        "the Training Operator's kubectl for its kubectl-exec transport; v2 starts ranks over SSH",
    ),
    _r(
        r"^spec\.serviceAccountName$",
        "missing",
        Kind.BY_DESIGN,
        "the Training Operator's launcher ServiceAccount (RBAC for kubectl exec); v2 uses SSH",
        _launcher_account,
    ),
    _r(
        r"^spec\.dnsConfig(\.searches)?$",
        "missing|changed",
        Kind.BY_DESIGN,
        "mpi-operator's DNS search <job>.<ns>.svc.cluster.local; JobSet's pods resolve each other "
        "by <pod>.<trainjob> (subdomain)",
        _service_search,
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[(WORKER_ADDRS|COORDINATOR_ADDRESS)\]$",
        "changed",
        Kind.BY_DESIGN,
        "the addresses of the v2 nodes: <trainjob>-node-0-<i>.<trainjob> for v1's <job>-<role>-<i>",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PET_\w+\]$",
        "added",
        Kind.BY_DESIGN,
        "set by the torch plugin",
    ),
    _r(
        rf"^spec\.containers\[node\]\.env\[{_V1_ENV}\]$",
        "missing",
        Kind.EQUIVALENT,
        "torchrun sets it for every process it starts",
        _torchrun,
    ),
    _r(
        rf"^spec\.containers\[node\]\.env\[{_V1_ENV}\]$",
        "missing",
        Kind.LOST,
        "v1 set it in every pod, v2 does not: a script that reads it (init_process_group env://) "
        "fails or trains alone on each node",
        _plain,
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[(COORDINATOR_\w+|NUM_PROCESSES|PROCESS_ID|WORKER_\w+)\]$",
        "missing",
        Kind.LOST,
        "v1 set it in every pod, v2 does not: a program that reads it fails or trains alone",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PYTHONUNBUFFERED\]$",
        "missing",
        Kind.RISK,
        "v1 set it; output is buffered, log timing changes",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PET_NPROC_PER_NODE\]$",
        "changed",
        Kind.RISK,
        "the number of processes per node changes",
        _torchrun,
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PET_\w+\]$",
        "changed|missing",
        Kind.EQUIVALENT,
        "not read: the command is not torchrun",
        _plain,
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PET_NNODES\]$",
        "changed",
        Kind.RISK,
        "the number of nodes torchrun waits for changes",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[PET_(RDZV_\w+|STANDALONE|MAX_RESTARTS)\]$",
        "missing",
        Kind.LOST,
        "elastic rendezvous setting: no Trainer v2 release runs elastic PyTorch",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[\w+\]$",
        "missing",
        Kind.RISK,
        "the command reads it and v2 no longer sets it",
        _read_by_command,
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[K_MPI_JOB_ROLE\]$",
        "missing",
        Kind.BY_DESIGN,
        "mpi-operator's role marker; the pod's jobset.sigs.k8s.io/replicatedjob-name label says it",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[NVIDIA_(VISIBLE_DEVICES|DRIVER_CAPABILITIES)\]$",
        "missing",
        Kind.RISK,
        "the v1 operator hid the GPUs from a launcher that is no worker; v2 does not",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[(OMPI_MCA_plm_rsh_agent|I_MPI_HYDRA_BOOTSTRAP(_EXEC)?)\]$",
        "missing",
        Kind.BY_DESIGN,
        "the Training Operator's kubectl-exec transport (kubexec.sh); v2 starts ranks over SSH",
    ),
    _r(
        r"^spec\.containers\[node\]\.env\[OMPI_MCA_\w+\]$",
        "added",
        Kind.BY_DESIGN,
        "set by the MPI plugin (hostfile, FQDN host names, slots, ssh retries)",
    ),
    _r(
        r"^spec\.containers\[[^\]]+\]\.env\[(PYTHONUNBUFFERED|(PET_)?\w*(MASTER|RANK|WORLD|NNODES|NPROC|WORKER|COORDINATOR|PROCESS)\w*)\]$",
        "missing",
        Kind.RISK,
        "v1 injected it into every container; v2 only into container node",
    ),
    _r(
        r"^spec\.containers\[node\]\.(command|args)$",
        "changed|missing",
        Kind.BY_DESIGN,
        "the Training Operator's workers idled (sleep 365d) for kubectl exec; the node pods run "
        "sshd, which mpirun reaches over SSH",
        _idle_to_sshd,
    ),
    _r(
        r"^spec\.containers\[node\]\.(command|args)$",
        "changed|added|missing",
        Kind.BY_DESIGN,
        "torchrun's rendezvous flags removed (PET_* replace them) or wrapped in torchrun",
        _rendezvous_only,
    ),
    _r(
        r"^spec\.containers\[node\]\.(command|args)$",
        "changed|added|missing",
        Kind.RISK,
        "what the training container runs changes",
    ),
    _r(
        r"^spec\.restartPolicy$", "changed", Kind.RISK, "the retry behaviour of failed pods changes"
    ),
    _r(
        r"\.imagePullPolicy$",
        "missing|changed",
        Kind.RISK,
        "the Kubernetes default pull policy applies (Always only for :latest)",
    ),
    _r(r"\.resources(\.|$)", "missing|changed|added", Kind.RISK, "the resources of a node change"),
    _r(
        r"^spec\.containers\[[^\]]+\]$",
        "added",
        Kind.RISK,
        "a container without an image: the Jobs fail (a patch names a container the runtime "
        "does not have)",
        _no_image,
    ),
    _r(
        r"^job\.activeDeadlineSeconds$",
        "same",
        Kind.BY_DESIGN,
        "the TrainJob deadline clock restarts when a suspended job resumes",
    ),
    _r(
        r"^job\.(backoffLimit|ttlSecondsAfterFinished|cleanPodPolicy|activeDeadlineSeconds)$",
        "changed|added",
        Kind.RISK,
        "a retry, deadline or clean-up behaviour changes",
    ),
    _r(
        r"^job\.successPolicy$",
        "changed",
        Kind.RISK,
        "the rule that ends the job as Succeeded changes (v1: the Master alone, or any worker "
        "of an elastic job)",
    ),
    _r(r"^job\.", "missing", Kind.LOST, "no TrainJob field carries it"),
)


def classify(change: Change, facts: Facts) -> tuple[Kind, str]:
    text = change.display
    for rule in RULES:
        if (
            change.kind in rule.kinds
            and rule.pattern.search(text)
            and (rule.when is None or rule.when(change, facts))
        ):
            return rule.verdict, rule.why
    if change.kind == "missing":
        return Kind.LOST, "present in v1, absent in v2"
    if change.kind == "added":
        return Kind.RISK, "set in v2 only"
    return Kind.RISK, "the value differs"


def describe(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
