"""Find every Training Operator job inside an object: as a nested object, or as a string.

The safety net under the container plug-ins: whatever a plug-in does not know about (an
unknown container kind, an unknown place in a known one) is found here and reported, so
no job passes unconverted and unnamed.
"""

from __future__ import annotations

from trainjob_migrate import sources
from trainjob_migrate.containers import strings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trainjob_migrate.paths import Path


def find(obj: object) -> list[Path]:
    """Paths (below the root) of the jobs in ``obj``: objects a source identifies, and strings
    that name a job kind (parseable or not), in the object's order. Nothing is looked for
    inside a job found."""
    found: list[Path] = []
    stack: list[tuple[object, Path]] = [(obj, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            if path and isinstance(value.get("kind"), str) and sources.is_job(value):
                found.append(path)
                continue
            stack.extend(reversed([(v, (*path, str(k))) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(v, (*path, i)) for i, v in enumerate(value)]))
        elif isinstance(value, str) and path and strings.mentions_job(value):
            found.append(path)
    return found  # in the object's order (children are stacked last first)
