"""What a rendered pod is: its object, its node index, and where its fields come from."""

from __future__ import annotations

from trainjob_migrate.paths import Path
from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, TypeAlias

Obj: TypeAlias = "dict[str, Any]"


class Pod(Frozen):
    """One pod as the controller would create it (``metadata`` and ``spec`` only)."""

    __slots__ = ("index", "role", "obj", "training", "template_path", "injected", "group")
    #: node rank: v1 master 0, worker i -> i+1; v2 the Job completion index
    index: int
    role: str  # v1: Master | Worker; v2: the replicatedJob name
    obj: Obj
    #: name of the training container (v1 ``pytorch``, v2 ``node``)
    training: str
    #: the v1 job's (or TrainJob's) path of the pod template
    template_path: Path
    #: fields the controller added, by normalised pod path: the input path that decided them
    injected: dict[Path, Path]
    #: which pods of the other side it pairs with (with ``index``): the v2 replicatedJob name
    #: (``node``; ``launcher`` for a launcher the v1 operator ran apart from the nodes)
    group: str

    def __init__(
        self,
        index: int,
        role: str,
        obj: Obj,
        training: str,
        template_path: Path = (),
        injected: dict[Path, Path] | None = None,
        group: str = "node",
    ) -> None:
        init(
            self,
            index,
            role,
            obj,
            training,
            template_path,
            {} if injected is None else injected,
            group,
        )

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", ""))
