"""Names only the v1 operator created (pod labels, per-replica Service hosts) → v2 names, where certain.

The Training Operator v1.9 labelled every pod ``training.kubeflow.org/job-name``,
``replica-type``, ``replica-index``, ``job-role`` and ``operator-name``
(``pkg/apis/kubeflow.org/v1/common_types.go``) and gave every replica a Service named
``<job>-<type>-<index>`` (``pytorch/envvar.go`` ``replicaName``). A TrainJob's pods have
none of these: JobSet labels them ``jobset.sigs.k8s.io/jobset-name`` (jobset
``pkg/controllers/jobset_controller.go`` ``labelAndAnnotateObject``) and names them
``<trainjob>-node-0-<index>`` under the subdomain ``<trainjob>``; the Job annotates the
completion index (``batch.kubernetes.io/job-completion-index``), counted over all nodes in the
order of the source's roles (the Master is node 0). So:

- a v1 host name ``<job>-master-0`` or ``<job>-worker-<N>`` in the command, args or env of the
  training container (or of an init or sidecar container a generated runtime carries) becomes
  the same pod's v2 host ``<trainjob>-node-0-<index>.<trainjob>``;
- a ``fieldRef`` to ``training.kubeflow.org/job-name`` becomes one to the JobSet name label;
  ``replica-index`` becomes the completion index where both count alike (no role before the
  replica's own), else it is reported; ``replica-type``, ``job-role``, ``operator-name`` are
  reported;
- a pod (anti-)affinity or topology-spread selector on ``training.kubeflow.org/job-name`` of this
  job selects the JobSet's pods instead; other v1 labels in a selector are reported;
- every other v1 name left in the pod template is a warning naming the field and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from trainjob_migrate.assemble import NODE
from trainjob_migrate.context import Context
from trainjob_migrate.paths import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "v1-names"
CONSUMES: Final = ()

LABEL_PREFIX: Final = "training.kubeflow.org/"
JOB_NAME: Final = LABEL_PREFIX + "job-name"
REPLICA_INDEX: Final = LABEL_PREFIX + "replica-index"
JOBSET_NAME: Final = "jobset.sigs.k8s.io/jobset-name"
#: the Job completion index: the node's index in v2 (what the Trainer plugins use as rank)
COMPLETION_INDEX: Final = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
_LABEL_REF: Final = r"metadata\.labels\['(training\.kubeflow\.org/[^']*)'\]"


def host_pattern(job: str, roles: tuple[str, ...]) -> re.Pattern[str]:
    """v1 per-replica Service host names of ``job`` (any index)."""
    names = "|".join(re.escape(role.lower()) for role in roles)
    return re.compile(rf"(?<![A-Za-z0-9-]){re.escape(job)}-({names})-(\d+)(?![A-Za-z0-9-])")


class _Names:
    """What the rule knows about the job: v1 names and their v2 equivalents."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.job = ctx.ref.name
        self.name = ctx.draft.name
        self.hosts = host_pattern(self.job, ctx.source.roles)
        self.offsets: dict[str, tuple[int, int]] = {}
        offset = 0
        for role in ctx.source.roles:
            if role in ctx.roles:
                self.offsets[role.lower()] = (offset, ctx.roles[role].replicas)
                offset += ctx.roles[role].replicas

    def host(self, role: str, index: int) -> str | None:
        found = self.offsets.get(role)
        if found is None or index >= found[1]:
            return None
        return f"{self.name}-{NODE}-0-{found[0] + index}.{self.name}"

    def rewrite(self, text: str, path: Path) -> str:
        """``text`` with every v1 host of a pod that exists in v2 replaced; the rest reported."""

        def swap(match: re.Match[str]) -> str:
            old = match.group(0)
            new = self.host(match.group(1), int(match.group(2)))
            if new is None:
                self.ctx.lossy(
                    ID,
                    path,
                    f"{old}: no pod of this job had that v1 host name, so it is left as is "
                    "and resolves to nothing; fix the host name",
                )
                return old
            self.ctx.info(
                ID,
                path,
                f"v1 host name {old} rewritten to {new}: the same pod's host under JobSet",
            )
            return new

        return self.hosts.sub(swap, text)


def apply(ctx: Context) -> None:
    # the common case, cheaply: no v1 name anywhere in the pod template (repr is C-fast)
    text = repr(ctx.value(ctx.template_path))
    if LABEL_PREFIX not in text and f"{ctx.ref.name}-" not in text:
        return
    names = _Names(ctx)
    trainer = ctx.draft.trainer
    base = ctx.container_path
    for key in ("command", "args"):
        if key in trainer:
            trainer[key] = [names.rewrite(t, (*base, key)) for t in trainer[key]]
    if "env" in trainer:
        trainer["env"] = [_env(names, entry, (*base, "env")) for entry in trainer["env"]]
    runtime = ctx.draft.runtime
    others = _other_containers(ctx)
    for group in (runtime.init_containers, runtime.sidecars):
        for i, container in enumerate(group):
            path = others.get(id(container))
            if path is not None:
                group[i] = _container(names, container, path)
    for pod_spec in (ctx.draft.pod_spec, ctx.draft.runtime.pod_spec):
        for key in ("affinity", "topologySpreadConstraints"):
            if key in pod_spec:
                pod_spec[key] = _selectors(names, pod_spec[key], (*ctx.pod_spec_path, key))
    _leftovers(names, set(others.values()))


def _other_containers(ctx: Context) -> dict[int, Path]:
    """The template's init and sidecar containers (by identity) and their paths."""
    found: dict[int, Path] = {}
    for key in ("initContainers", "containers"):
        for i, container in enumerate(ctx.value((*ctx.pod_spec_path, key)) or []):
            if key == "containers" and i == ctx.container_index:
                continue
            found[id(container)] = (*ctx.pod_spec_path, key, i)
    return found


def _container(names: _Names, container: Any, path: Path) -> Any:
    """A copy of an init or sidecar container with the v1 hosts in its command, args and env
    values rewritten (a wait-for-master init container names ``<job>-master-0``)."""
    if not isinstance(container, Mapping):
        return container
    out = dict(container)
    for key in ("command", "args"):
        if isinstance(out.get(key), list):
            out[key] = [
                names.rewrite(t, (*path, key)) if isinstance(t, str) else t for t in out[key]
            ]
    if isinstance(out.get("env"), list):
        out["env"] = [_env(names, e, (*path, "env")) for e in out["env"]]
    return out


def _env(names: _Names, entry: Any, path: Path) -> Any:
    if not isinstance(entry, Mapping):
        return entry
    label = _field_label(entry)
    out = entry
    if isinstance(entry.get("value"), str):
        value = names.rewrite(entry["value"], path)
        if value != entry["value"]:
            out = {**entry, "value": value}
    if label is None:
        return out
    name = entry.get("name")
    ctx = names.ctx
    if label == JOB_NAME:
        ref = f"metadata.labels['{JOBSET_NAME}']"
        same = " (the TrainJob's name)" if names.name == names.job else (
            f" (the TrainJob's name {names.name}, not {names.job})"
        )  # fmt: skip
        ctx.info(ID, path, f"env {name}: fieldRef to {label} rewritten to {ref}{same}")
        return _with_field(entry, ref)
    if label == REPLICA_INDEX:
        role = ctx.primary.name.lower()
        offset = names.offsets.get(role, (0, 0))[0]
        if offset == 0 and len(names.offsets) == 1:
            ctx.info(
                ID,
                path,
                f"env {name}: fieldRef to {label} rewritten to the Job completion index "
                f"({COMPLETION_INDEX}): with {ctx.primary.name} replicas only, both count the "
                "pods from 0",
            )
            return _with_field(entry, COMPLETION_INDEX)
        ctx.lossy(
            ID,
            path,
            f"env {name}: fieldRef to {label}, a label v2 pods do not have (the value becomes "
            "empty): v1 counted each replica type from 0, the Job completion index "
            f"({COMPLETION_INDEX}) counts all nodes, the first role's included; use it with the "
            "new meaning, or PET_NODE_RANK",
        )
        return out
    ctx.lossy(
        ID,
        path,
        f"env {name}: fieldRef to {label}, a label v2 pods do not have (the value becomes "
        "empty); every TrainJob node runs the same template, so derive the role from the "
        "completion index or drop the variable",
    )
    return out


def _field_label(entry: Mapping[str, Any]) -> str | None:
    ref = ((entry.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
    if ref is None or LABEL_PREFIX not in str(ref):
        return None
    # re's cache: compiled by the first fieldRef to a v1 label, not at every start
    match = re.fullmatch(_LABEL_REF, str(ref))
    return match.group(1) if match else None


def _with_field(entry: Mapping[str, Any], field_path: str) -> dict[str, Any]:
    import copy  # (and weakref): for a fieldRef rewritten, not at every start (start-up time)

    out = copy.deepcopy(dict(entry))
    out["valueFrom"]["fieldRef"]["fieldPath"] = field_path
    return out


def _selectors(names: _Names, value: Any, path: Path) -> Any:
    """``value`` with every ``labelSelector`` on this job's v1 name label made the JobSet's."""
    if isinstance(value, list):
        return [_selectors(names, v, (*path, i)) for i, v in enumerate(value)]
    if not isinstance(value, Mapping):
        return value
    out = {k: _selectors(names, v, (*path, k)) for k, v in value.items() if k != "labelSelector"}
    if "labelSelector" in value:
        out["labelSelector"] = _selector(names, value["labelSelector"], (*path, "labelSelector"))
    return {k: out[k] for k in value}


def _selector(names: _Names, selector: Any, path: Path) -> Any:
    if not isinstance(selector, Mapping):
        return selector
    import copy  # (and weakref): for a selector found, not at every start (start-up time)

    ctx = names.ctx
    out = copy.deepcopy(dict(selector))
    labels = out.get("matchLabels")
    if isinstance(labels, dict):
        for key in [k for k in labels if str(k).startswith(LABEL_PREFIX)]:
            here = (*path, "matchLabels", key)
            if key == JOB_NAME and labels[key] == names.job:
                labels[JOBSET_NAME] = names.name
                del labels[key]
                ctx.info(
                    ID, here, f"selector {key}={names.job} rewritten to {JOBSET_NAME}={names.name}"
                )
            else:
                ctx.lossy(ID, here, _unmatched(f"{key}={labels[key]}"))
    for i, expr in enumerate(out.get("matchExpressions") or []):
        key = expr.get("key") if isinstance(expr, dict) else None
        if not isinstance(key, str) or not key.startswith(LABEL_PREFIX):
            continue
        here = (*path, "matchExpressions", i)
        values = list(expr.get("values") or [])
        if key == JOB_NAME and all(v == names.job for v in values):
            expr["key"] = JOBSET_NAME
            if values:
                expr["values"] = [names.name for _ in values]
            ctx.info(ID, here, f"selector on {key} rewritten to {JOBSET_NAME}")
        else:
            ctx.lossy(ID, here, _unmatched(f"{key} {expr.get('operator')} {values}"))
    return out


def _unmatched(what: str) -> str:
    return (
        f"selector {what}: v2 pods have no training.kubeflow.org/ labels, so it matches none of "
        f"them; select on {JOBSET_NAME} (the TrainJob's name) or trainer.kubeflow.org labels"
    )


def _leftovers(names: _Names, carried: set[Path]) -> None:
    """v1 names elsewhere in the pod template: reported (the command, args and env of the
    training container and of the containers a generated runtime carries, and the pod's
    selectors were handled above)."""
    ctx = names.ctx
    handled = {
        (*base, k)
        for base in (ctx.container_path, *(carried if ctx.config.generate_runtime else ()))
        for k in ("command", "args", "env")
    } | {
        (*ctx.pod_spec_path, "affinity"),
        (*ctx.pod_spec_path, "topologySpreadConstraints"),
    }
    stack: list[tuple[Path, Any]] = [(ctx.template_path, ctx.value(ctx.template_path))]
    while stack:
        path, value = stack.pop()
        if path in handled:
            continue
        if isinstance(value, Mapping):
            for k, v in value.items():
                if isinstance(k, str) and k.startswith(LABEL_PREFIX):
                    ctx.lossy(ID, (*path, k), _leftover(k))
                stack.append(((*path, k), v))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, str):
            found = [m.group(0) for m in names.hosts.finditer(value)]
            if LABEL_PREFIX in value:
                found.extend(sorted(set(re.findall(r"training\.kubeflow\.org/[\w.-]*", value))))
            for name in found:
                ctx.lossy(ID, path, _leftover(name))


def _leftover(name: str) -> str:
    return (
        f"{name}: a name only the v1 operator created (a v1 pod label or per-replica Service "
        "host); v2 pods and Services do not have it, and it is not rewritten here; replace it "
        f"(hosts: <trainjob>-{NODE}-0-<index>.<trainjob>; labels: {JOBSET_NAME})"
    )
