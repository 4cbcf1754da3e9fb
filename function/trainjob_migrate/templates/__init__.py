"""Templates people keep in Git: envsubst placeholders, Kubernetes ``$(VAR)`` references, Jinja/Helm.

``placeholders`` holds the one definition fn, convert and check share; ``envsubst``
converts a job holding placeholders; ``jinja`` masks template expressions so a
template can be parsed as YAML and restored: imported only when a ``$`` or ``{{`` is seen.
Only :class:`Quoted` and :func:`dollar_strings` live here: every run imports them, and
compiling the other modules' regular expressions costs a start milliseconds.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Quoted(str):
    """A whole placeholder in a string field, written quoted (``'$N'``) so that the rendered
    value stays a string (``yamlio`` registers it)."""

    __slots__ = ()


def dollar_strings(obj: Any) -> bool:
    """Whether any string (key or value) of ``obj`` holds a ``$``: the cheap test first, run
    on every job (exact types and recursion: a third faster than a stack of ``isinstance``)."""
    kind = type(obj)
    if kind is dict:
        for key, value in obj.items():
            if type(key) is str and "$" in key:
                return True
            of = type(value)
            if of is str:
                if "$" in value:
                    return True
            elif (of is dict or of is list) and dollar_strings(value):
                return True
    elif kind is list:
        for value in obj:
            of = type(value)
            if of is str:
                if "$" in value:
                    return True
            elif (of is dict or of is list) and dollar_strings(value):
                return True
    elif kind is str:
        return "$" in obj
    return False
