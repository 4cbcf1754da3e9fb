"""The Trainer releases this tool can emit for, as data: one small table per release.

Rules ask the target (``target.pod_fields``, ``target.num_proc_type``...) instead
of comparing version numbers. Adding a release is a new schema set in
``schemas/`` plus a module here that states what changed from the previous one.
"""

from __future__ import annotations

from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final, Literal, TypeAlias

OverrideShape: TypeAlias = 'Literal["podSpecOverrides", "podTemplateOverrides", "runtimePatches"]'


class Target(Frozen):
    __slots__ = (
        "version",
        "release",
        "override_shape",
        "pod_fields",
        "container_fields",
        "pod_metadata",
        "num_proc_type",
        "active_deadline",
        "runtime_has_command",
        "runtime_image",
        "max_command_item",
        "runtime_schema",
        "runtimes",
        "resources_merged",
        "crd_markers",
        "reserved_env",
        "initializer_volume",
        "torchtune_models",
        "nproc_cpu_always",
        "mpi_gpu_slots",
        "trainer_to_mpi_nodes",
    )
    version: str
    #: the upstream tag whose CRD the schema was generated from
    release: str
    #: where per-job pod fields go (docs/mapping.md#trainer-targets)
    override_shape: OverrideShape
    #: pod-spec fields the override/patch accepts (besides containers/initContainers)
    pod_fields: frozenset[str]
    #: container fields the override/patch accepts for container ``node`` (env excluded:
    #: env of ``node`` goes through ``spec.trainer.env``)
    container_fields: frozenset[str]
    #: pod template labels/annotations can be patched
    pod_metadata: bool
    #: ``trainer.numProcPerNode`` type: IntOrString (auto/cpu/gpu/N) or int32
    num_proc_type: Literal["int-or-string", "int"]
    #: ``spec.activeDeadlineSeconds`` exists
    active_deadline: bool
    #: the default torch-distributed runtime sets a command (v2.0.x echo script)
    runtime_has_command: bool
    #: image of the default torch-distributed runtime of this release
    runtime_image: str
    #: max length of one command/args item (None: unlimited)
    max_command_item: int | None
    #: schema a generated TrainingRuntime is validated against (None: none shipped,
    #: so this tool does not generate runtimes for the release)
    runtime_schema: str | None
    #: names of the ClusterTrainingRuntimes a default installation of the release has
    #: (``manifests/base/runtimes/kustomization.yaml`` at the release tag)
    runtimes: frozenset[str]
    #: ``trainer.resourcesPerNode`` is merged into the runtime's resources instead of
    #: replacing them (kubeflow/trainer#3602)
    resources_merged: bool
    #: field names that all appear in the release's TrainJob CRD, and not all in an older
    #: one's: how an installed CRD is recognised (the newest matching release wins)
    crd_markers: tuple[str, ...]
    #: env names ``spec.trainer.env`` must not set, per ML policy of the referenced runtime
    #: (``torch``, ``mpi``, ``xgboost``): the policy plugins' ``Validate`` of the release
    reserved_env: tuple[tuple[str, frozenset[str]], ...]
    #: a TrainJob with ``spec.initializer`` needs its runtime's initializer container to mount
    #: the volume ``initializer`` (the JobSet plugin's ``Validate``, trainer#3714)
    initializer_volume: bool
    #: the models a ``tune run`` TrainJob may name through its runtime (``torchtune-<model>``,
    #: as ``llama3_2/1B``): pkg/constants TorchTuneSupportedPretrainedModels of the release
    torchtune_models: frozenset[str]
    #: ``numProcPerNode`` auto/cpu without GPUs becomes the node's CPU count even when the
    #: TrainJob sets no resources (torch plugin, v2.1.0 on); v2.0 passed auto/cpu on to
    #: torchrun unless ``resourcesPerNode`` was set, and then read the limits first
    nproc_cpu_always: bool
    #: an MPI runtime's ``numProcPerNode`` 1 becomes the GPUs per node when there are more
    #: (plugins/mpi ``EnforceMLPolicy``, v2.1.0 on; v2.0 kept 1)
    mpi_gpu_slots: bool
    #: ``spec.trainer`` env and ``resourcesPerNode`` reach the MPI ``node`` job too when the
    #: runtime runs the launcher as a node (jobset ``builder.go`` ``Trainer``, v2.1.0 on)
    trainer_to_mpi_nodes: bool

    def __init__(
        self,
        version: str,
        release: str,
        override_shape: OverrideShape,
        pod_fields: frozenset[str],
        container_fields: frozenset[str],
        pod_metadata: bool,
        num_proc_type: Literal["int-or-string", "int"],
        active_deadline: bool,
        runtime_has_command: bool,
        runtime_image: str,
        max_command_item: int | None,
        runtime_schema: str | None,
        runtimes: frozenset[str],
        resources_merged: bool,
        crd_markers: tuple[str, ...],
        reserved_env: tuple[tuple[str, frozenset[str]], ...] = (),
        initializer_volume: bool = False,
        torchtune_models: frozenset[str] = frozenset(),
        nproc_cpu_always: bool = True,
        mpi_gpu_slots: bool = True,
        trainer_to_mpi_nodes: bool = True,
    ) -> None:
        init(
            self,
            version,
            release,
            override_shape,
            pod_fields,
            container_fields,
            pod_metadata,
            num_proc_type,
            active_deadline,
            runtime_has_command,
            runtime_image,
            max_command_item,
            runtime_schema,
            runtimes,
            resources_merged,
            crd_markers,
            reserved_env,
            initializer_volume,
            torchtune_models,
            nproc_cpu_always,
            mpi_gpu_slots,
            trainer_to_mpi_nodes,
        )

    @property
    def schema(self) -> str:
        return f"trainjob-{self.version}"


#: every release this tool emits for, oldest first: the one list the config schema's
#: ``targetVersion`` enum, the CLI's choices and the docs are made from
VERSIONS: Final = ("2.0", "2.1", "2.2", "2.3")
#: the target when none is given and the input installs no release
NEWEST: Final = VERSIONS[-1]


def get(version: str) -> Target:
    return _table()[version]


def all_targets() -> tuple[Target, ...]:
    """Every target, oldest first."""
    return tuple(_table().values())


def newer(a: Target, b: Target) -> bool:
    """Whether release ``a`` comes after release ``b`` (the order of :data:`VERSIONS`)."""
    return VERSIONS.index(a.version) > VERSIONS.index(b.version)


def first_shipping(runtime: str) -> Target | None:
    """The oldest release whose default installation has the runtime ``runtime``."""
    return next((t for t in all_targets() if runtime in t.runtimes), None)


def from_crd_text(text: str) -> Target | None:
    """The release an installed TrainJob CRD (its versions, as text) comes from."""
    for target in reversed(all_targets()):
        if all(marker in text for marker in target.crd_markers):
            return target
    return None


def from_trainjob_spec(spec: Mapping[str, Any]) -> Target:
    """The release a TrainJob's shape is written for (the newest that fits)."""
    newest_first = tuple(reversed(all_targets()))
    shaped = next((t for t in newest_first if t.override_shape in spec), None)
    if shaped is not None:
        return shaped
    if "labels" in spec or "annotations" in spec:  # pod metadata at the spec level
        return next(t for t in all_targets() if t.pod_metadata)
    return newest_first[0]


def _table() -> dict[str, Target]:
    from trainjob_migrate.targets import v2_0, v2_1, v2_2, v2_3

    return {t.version: t for t in (v2_0.TARGET, v2_1.TARGET, v2_2.TARGET, v2_3.TARGET)}
