"""Template placeholders: a value that holds one stands for a value of the expected type.

``$VAR`` and ``${VAR}`` (envsubst, Flux post-build substitution), ``$(VAR)`` (Kubernetes
dependent env), ``{{ ... }}`` (Helm, Jinja, Argo CD). The validators report nothing about a
value that holds one, nor (CEL) about a rule whose subject holds one.

Broader than :mod:`trainjob_migrate.templates.placeholders` on purpose: that module finds
what envsubst substitutes (and renders), this one anything a later tool may substitute, so
Katib's ``${trialParameters.lr}`` (a dot: no envsubst name) and Argo's ``{{inputs.x}}`` also
stand for a value here; a narrower pattern would report their values as invalid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from trainjob_migrate.paths import Path

PLACEHOLDER: Final = re.compile(
    r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([A-Za-z_][A-Za-z0-9_]*\)|\{\{.*?\}\}"
)


def holds(value: Any) -> bool:
    """Whether ``value`` (a scalar, or anything in an object or list) holds a placeholder."""
    if isinstance(value, str):
        return PLACEHOLDER.search(value) is not None
    if isinstance(value, Mapping):
        return any(holds(k) or holds(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds(v) for v in value)
    return False


def at(obj: Any, path: Path) -> Any:
    value = obj
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def on_path(obj: Any, path: Path) -> bool:
    """Whether the value at ``path``, or a key on the way to it, holds a placeholder."""
    value = obj
    for part in path:
        if isinstance(part, str) and PLACEHOLDER.search(part):
            return True
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None
