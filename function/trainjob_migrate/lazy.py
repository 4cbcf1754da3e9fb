"""A module imported (a regular expression compiled) when first used, not when its user is.

For a module that only some runs need (a template's masking, the comments of a converted
document): importing it at the top of its user cost every start of every command. The
importer names it with :func:`module` at module level, and imports it for real under
``TYPE_CHECKING`` (mypy sees the module, its names and their types)::

    if TYPE_CHECKING:
        from trainjob_migrate.templates import jinja
    else:
        jinja = lazy.module("trainjob_migrate.templates.jinja")

A regular expression that only some runs use (an error's, a template's, a launch script's) is
a :func:`pattern`: compiling one costs 40 to 400 microseconds, at every start otherwise (the
module-level patterns of ``fn``'s path cost it about two milliseconds before they were lazy).
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType


class _Module:
    """Stands for a module; the first name looked up in it imports it."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> object:
        module = self._module
        if module is None:
            __import__(self._name)  # not importlib: it is no import of a command's start
            module = self._module = sys.modules[self._name]
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def module(name: str) -> ModuleType:
    """``name`` (an absolute module name), imported when one of its names is first used."""
    return _Module(name)  # type: ignore[return-value]  # typed as the module it stands for


class _Pattern:
    """Stands for a compiled regular expression; the first attribute used compiles it. Each
    attribute is then set on the instance (a bound method of the compiled pattern), so a
    pattern used in a loop pays the lookup here once, not at every call."""

    def __init__(self, text: str, flags: int) -> None:
        self._source = (text, flags)

    def __getattr__(self, attribute: str) -> object:
        # only for what the instance does not hold yet
        value = getattr(re.compile(*self._source), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"lazy.pattern({self._source[0]!r}, {self._source[1]!r})"


def pattern(text: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(text, flags)``, compiled when one of its attributes is first used. Only
    for a pattern used through its methods and attributes: ``re.sub(X, ...)`` and
    ``isinstance(X, re.Pattern)`` want a real one."""
    return _Pattern(text, flags)  # type: ignore[return-value]  # typed as what it stands for
