"""A module imported (a regular expression compiled) when first used, not when its user is.

For a module that only some runs need (a template's masking, the comments of a converted
document): importing it at the top of its user cost every start of every command. The
importer names it with :func:`module` at module level, and imports it for real under
``TYPE_CHECKING`` (mypy sees the module, its names and their types)::

    if TYPE_CHECKING:
        from trainjob_migrate.templates import jinja
    else:
        jinja = lazy.module("trainjob_migrate.templates.jinja")

A regular expression that only some runs use (an error's, a template's) is a
:func:`pattern`: compiling one costs tens of microseconds, at every start otherwise.
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
    """Stands for a compiled regular expression; the first method used compiles it."""

    __slots__ = ("_text", "_flags", "_compiled")

    def __init__(self, text: str, flags: int) -> None:
        self._text = text
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, attribute: str) -> object:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._text, self._flags)
        return getattr(compiled, attribute)


def pattern(text: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(text, flags)``, compiled when one of its methods is first used."""
    return _Pattern(text, flags)  # type: ignore[return-value]  # typed as what it stands for
