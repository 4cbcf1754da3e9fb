"""``kueue-admission``: the repository's Kueue can admit TrainJobs of the target shape.

Kueue 0.17 and later understand only ``runtimePatches`` (Trainer 2.2+): TrainJobs for
Trainer 2.0/2.1 (``podSpecOverrides``/``podTemplateOverrides``) are never admitted
("kueue runtime patch not found", kueue#14722; see docs/mapping.md). The Kueue release is read
from its controller image (``registry.k8s.io/kueue/kueue:v0.17.1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from trainjob_migrate import targets
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "kueue-admission"
_IMAGE: Final = re.compile(r"/kueue(?:/kueue)?:v?(\d+)\.(\d+)(?:\.\d+)?")
FIRST_PATCHES_ONLY: Final = (0, 17)


def _patches_shape(version: str) -> bool:
    """Whether the target's TrainJobs carry ``runtimePatches`` (unknown versions: assume so)."""
    minor = ".".join(version.split(".")[:2])
    return minor not in targets.VERSIONS or targets.get(minor).override_shape == "runtimePatches"


def check(ctx: DoctorContext) -> Iterator[Result]:
    for m in ctx.of_kind("Deployment"):
        for i, container in enumerate(m.get("spec", "template", "spec", "containers") or []):
            match = _IMAGE.search(str(container.get("image", "")))
            if not match:
                continue
            version = (int(match.group(1)), int(match.group(2)))
            if version < FIRST_PATCHES_ONLY or _patches_shape(ctx.target):
                continue
            yield m.result(
                Severity.ERROR,
                ID,
                ("spec", "template", "spec", "containers", i, "image"),
                f"Kueue {version[0]}.{version[1]} only admits TrainJobs with runtimePatches "
                f"(Trainer 2.2+); TrainJobs for Trainer {ctx.target} are never admitted "
                "(kueue#14722): target 2.2 or later, or keep an older Kueue",
            )
