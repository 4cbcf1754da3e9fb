"""What a rendered pod is: its object, its node index, and where its fields come from."""

from __future__ import annotations

import dataclasses
from typing import Any

from trainjob_migrate.paths import Path

Obj = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Pod:
    """One pod as the controller would create it (``metadata`` and ``spec`` only)."""

    #: node rank: v1 master 0, worker i -> i+1; v2 the Job completion index
    index: int
    role: str  # v1: Master | Worker; v2: the replicatedJob name
    obj: Obj
    #: name of the training container (v1 ``pytorch``, v2 ``node``)
    training: str
    #: the v1 job's (or TrainJob's) path of the pod template
    template_path: Path = ()
    #: fields the controller added, by normalised pod path: the input path that decided them
    injected: dict[Path, Path] = dataclasses.field(default_factory=dict)
    #: which pods of the other side it pairs with (with ``index``): the v2 replicatedJob name
    #: (``node``; ``launcher`` for a launcher the v1 operator ran apart from the nodes)
    group: str = "node"

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", ""))
