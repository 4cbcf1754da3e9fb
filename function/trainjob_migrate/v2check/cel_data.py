"""The generated CEL rules and keyed lists (``cel_rules.py``), by kind and release."""

from __future__ import annotations

import functools
import json
from typing import Any

from trainjob_migrate.v2check import SCHEMA_PREFIX


@functools.cache
def _all() -> dict[str, Any]:
    from trainjob_migrate.v2check import cel_rules

    data: dict[str, Any] = json.loads(cel_rules.JSON)
    return data


def crd_data(kind: str, version: str) -> dict[str, Any]:
    """``{"rules": [...], "lists": [...], "source": ...}``; empty for an unknown release."""
    found: dict[str, Any] = _all().get(f"{SCHEMA_PREFIX[kind]}-{version}", {})
    return found


def every() -> dict[str, Any]:
    return _all()
