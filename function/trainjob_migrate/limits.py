"""The input size limit every entry point applies: ``TRAINJOB_MIGRATE_MAX_INPUT_MB``.

Its own module, importing only ``os``: the resident server's client (server/client.py) reads
the limit before it imports anything else (PyYAML with yamlio), and must read the same limit
the run in its own process would apply.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

#: Input size limit in MiB, unless the environment variable below says otherwise.
DEFAULT_MAX_INPUT_MB: Final = 32
MAX_INPUT_ENV: Final = "TRAINJOB_MIGRATE_MAX_INPUT_MB"
MIB: Final = 1024 * 1024


def input_limit() -> int | None:
    """The limit in bytes: the default, or the environment's positive number of MiB (under a
    TiB); None when the variable says something else (the caller reports it)."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB * MIB
    try:
        mib = float(raw)
    except ValueError:
        return None
    if not 0 < mib < 1024 * 1024:  # (nan fails both)
        return None
    return max(1, int(mib * MIB))
