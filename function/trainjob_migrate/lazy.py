"""A module imported when one of its names is first used, not when the importer is.

For a module that only some runs need (a template's masking, the comments of a converted
document): importing it at the top of its user cost every start of every command. The
importer names it with :func:`module` at module level, and imports it for real under
``TYPE_CHECKING`` (mypy sees the module, its names and their types)::

    if TYPE_CHECKING:
        from trainjob_migrate.templates import jinja
    else:
        jinja = lazy.module("trainjob_migrate.templates.jinja")
"""

from __future__ import annotations

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
