"""``replicas`` of every replica type (Master and Worker) become ``trainer.numNodes``, always explicit.

A missing ``replicas`` counts as 1 (the v1 defaulter), never 0. Without an
explicit ``numNodes`` the runtime's ``mlPolicy.numNodes`` (1) would apply.
Also checks the name budget: JobSet pod names ``<name>-node-0-<index>-<5>`` must
fit in 63 characters, or the TrainJob is admitted and then never runs.
"""

from __future__ import annotations

from trainjob_migrate.context import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

ID: Final = "replicas"
CONSUMES: Final = ("{roles}.replicas",)

_LABEL_START: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_LABEL_CHARS: Final = "abcdefghijklmnopqrstuvwxyz0123456789-"


def apply(ctx: Context) -> None:
    for role in ctx.roles.values():
        ctx.consume((*role.path, "replicas"))
    if "elasticPolicy" in ctx.value(("spec",), {}) and ctx.config.elastic == "error":
        return  # elastic-policy reports; numNodes has no fixed value to compute
    num_nodes = ctx.num_nodes
    ctx.draft.trainer["numNodes"] = num_nodes
    check_name(ctx, ID, (f"-node-0-{max(num_nodes - 1, 0)}",))


def _rfc1035(name: str) -> bool:
    """``^[a-z]([-a-z0-9]*[a-z0-9])?$`` as ``re.match`` reads it (``$`` also before a final line
    break), without compiling it at every start."""
    label = name.removesuffix("\n")
    return label[:1] in _LABEL_START and label[-1] != "-" and not label.strip(_LABEL_CHARS)


def check_name(ctx: Context, rule: str, pod_suffixes: tuple[str, ...]) -> None:
    """The TrainJob's name is an RFC 1035 label that leaves room for the pod names JobSet
    makes, ``<name><suffix>-abcde`` (``pod_suffixes``: ``-<job>-<job index>-<pod index>`` of
    the longest pod name of each replicated job)."""
    name = ctx.draft.name
    if len(name) > 63 or not _rfc1035(name):
        ctx.error(
            rule,
            ("metadata", "name"),
            f"TrainJob name {name!r} must be an RFC 1035 label (lowercase letters, digits, '-', "
            "starting with a letter, at most 63 characters); rename the job",
        )
        return
    budget = 63 - max(map(len, pod_suffixes)) - len("-abcde")
    if len(name) > budget:
        ctx.error(
            rule,
            ("metadata", "name"),
            f"TrainJob name {name!r} has {len(name)} characters; with {ctx.num_nodes} nodes the "
            f"pod names JobSet generates allow at most {budget} (the TrainJob would be admitted "
            "but its JobSet rejected); shorten the name",
        )
