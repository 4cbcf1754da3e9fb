"""What a Training Operator v1 kind is, as data: the one type every source plug-in fills in.

A *source* is a v1 job kind the tool recognises (``sources/<kind>/``), as a *target* is a
Trainer release it emits for (``targets/``). Core code asks a :class:`Source` for the
kind's identity, replica roles, training container and rules, and never names a kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from trainjob_migrate.rules import Rule


class LazyRules(Sequence["Rule"]):
    """A kind's rules, imported from ``<module>.RULES`` when a job of the kind is first
    converted: a run never imports the rules of kinds it does not meet (start-up time)."""

    __slots__ = ("_module", "_rules")

    def __init__(self, module: str) -> None:
        self._module = module
        self._rules: tuple[Rule, ...] | None = None

    def _load(self) -> tuple[Rule, ...]:
        if self._rules is None:
            rules: tuple[Rule, ...] = __import__(self._module, fromlist=["RULES"]).RULES
            self._rules = rules
        return self._rules

    def __getitem__(self, index: int) -> Rule:  # type: ignore[override]
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._load())

    def __repr__(self) -> str:
        return f"LazyRules({self._module!r})"


class Source(Frozen):
    __slots__ = (
        "name", "kind", "list_kind", "groups", "versions", "replica_specs", "roles",
        "single_roles", "container", "v1_port", "runtime", "framework", "rules", "pods", "unsupported",
        "restart_policy",
        "v1_port_default",
        "other_operator_versions",
        "fails_on_pod_failure",
    )  # fmt: skip
    #: the plug-in's id (``pytorch``): what ``--explain`` and the docs call it
    name: str
    kind: str
    #: the kind ``kubectl get <kind>s -o yaml`` wraps them in
    list_kind: str
    #: API groups the kind was served under (the first is the current one)
    groups: tuple[str, ...]
    #: API version -> the schema (``schemas/<name>.json``) of the versions this tool converts;
    #: any other version of the kind is recognised and refused by name
    versions: Mapping[str, str]
    #: the spec field holding the replica specs (``pytorchReplicaSpecs``)
    replica_specs: str
    #: canonical replica types, in the order the first present one is the primary template
    roles: tuple[str, ...]
    #: replica types that must have exactly one replica (the v1 webhook's rule)
    single_roles: tuple[str, ...]
    #: name of the training container (the v1 operator finds it by this name); ``"0"``: the
    #: first container of the pod, whatever its name (the operator takes ``containers[0]``)
    container: str
    #: name of the port the v1 operator declares on the training container (None: none)
    v1_port: str | None
    #: the default Trainer runtime a converted job references (None: no release has one)
    runtime: str | None
    #: the ``trainer.kubeflow.org/framework`` label of a generated runtime
    framework: str
    #: the mapping rules, in run order (later rules read what earlier ones decided)
    rules: Sequence[Rule]
    #: the module that renders the pods the v1 operator built (for ``compare``), imported
    #: only by ``compare``: ``count(job)`` and ``render(job, indexes)``; None: not modelled
    pods: str | None
    #: why no job of this kind is converted, and what to do instead (None: it is converted)
    unsupported: str | None
    #: the replicas' restartPolicy when none is written (the kind's v1 defaulter)
    restart_policy: str
    #: the containerPort the v1 defaulter gives ``v1_port`` when the container lacks it
    v1_port_default: int | None
    #: API versions served by another operator than the Training Operator (mpi-operator's
    #: ``v2beta1``), whose retry and success rules are its own, not ``pkg/core``'s
    other_operator_versions: tuple[str, ...]
    #: the v1 controller failed the job on any failed pod of a replica that was not
    #: ``ExitCode`` and never read an ``ExitCode`` replica's exit codes (MPI's
    #: ``UpdateJobStatus``): the Job's retry policy cannot reproduce either
    fails_on_pod_failure: bool

    def __init__(
        self, name: str, kind: str, list_kind: str, groups: tuple[str, ...],
        versions: Mapping[str, str], replica_specs: str, roles: tuple[str, ...],
        single_roles: tuple[str, ...], container: str, v1_port: str | None,
        runtime: str | None, framework: str,
        rules: Sequence[Rule], pods: str | None = None, unsupported: str | None = None,
        restart_policy: str = "OnFailure",
        v1_port_default: int | None = None,
        other_operator_versions: tuple[str, ...] = (),
        fails_on_pod_failure: bool = False,
    ) -> None:  # fmt: skip
        init(self, name, kind, list_kind, groups, versions, replica_specs, roles, single_roles,
             container, v1_port, runtime, framework, rules, pods, unsupported,
             restart_policy, v1_port_default, other_operator_versions,
             fails_on_pod_failure)  # fmt: skip

    def __hash__(self) -> int:  # versions is a dict: a source is identified by its name
        return hash(self.name)

    @property
    def api_version(self) -> str:
        """The API version this tool converts from first (``kubeflow.org/v1``)."""
        return f"{self.groups[0]}/{next(iter(self.versions))}"

    def schema_for(self, api_version: object) -> str | None:
        """The input schema of ``api_version``; None for a version that is not converted."""
        if not isinstance(api_version, str):
            return None
        group, _, version = api_version.rpartition("/")
        return self.versions.get(version) if group == self.groups[0] else None

    def by_training_operator(self, api_version: object) -> bool:
        """Whether the Training Operator's job controller (``pkg/core``) ran a job of this
        API version: its retry budget and success rule are the ones v1 had."""
        version = str(api_version).rpartition("/")[2]
        return version not in self.other_operator_versions

    def pattern(self, template: str) -> str:
        """A rule's ``CONSUMES`` pattern for this kind: ``{roles}`` is every replica spec
        (``spec.pytorchReplicaSpecs.*``), ``{container}`` the training container in its pod."""
        roles = f"spec.{self.replica_specs}.*"
        container = f"{roles}.template.spec.containers[{self.container}]"
        return template.replace("{container}", container).replace("{roles}", roles)

    def role_of(self, key: object) -> str | None:
        """The canonical replica type of a key as written (the v1 defaulter ignores case)."""
        wanted = str(key).lower()
        return next((role for role in self.roles if role.lower() == wanted), None)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        api_version = obj.get("apiVersion")
        return (
            obj.get("kind") == self.kind
            and isinstance(api_version, str)
            and api_version.rpartition("/")[0] in self.groups
        )
