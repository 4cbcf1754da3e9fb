"""The Trainer releases this tool can emit for, as data: one small table per release.

Rules ask the target (``target.pod_fields``, ``target.num_proc_type``...) instead
of comparing version numbers. Adding a release is a new schema set in
``schemas/`` plus a module here that states what changed from the previous one.
"""

from __future__ import annotations

from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Literal, TypeAlias

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
        )

    @property
    def schema(self) -> str:
        return f"trainjob-{self.version}"


def get(version: str) -> Target:
    from trainjob_migrate.targets import v2_0, v2_1, v2_2, v2_3

    table = {t.version: t for t in (v2_0.TARGET, v2_1.TARGET, v2_2.TARGET, v2_3.TARGET)}
    return table[version]


VERSIONS: Final = ("2.0", "2.1", "2.2", "2.3")
