"""Regular expressions compiled on first use, for module-level patterns most runs never use.

Compiling a pattern costs 40 to 400 microseconds; a module that compiles its patterns at
import makes every start pay for them, whether the run meets a shell script, a JSON input or
a Deployment or not (the patterns of the modules on ``fn``'s path cost it about two
milliseconds). ``X: Final = lazyre.compile(r"...")`` reads as ``re.compile`` and is typed as
a ``re.Pattern``; the pattern is compiled by the first use of any of its attributes, which are
then the compiled pattern's own (a bound method: no cost after the first call).

Only for patterns used through their methods and attributes: ``re.sub(X, ...)`` and
``isinstance(X, re.Pattern)`` want a real pattern.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _Lazy:
    """Stands for ``re.compile(pattern, flags)`` until an attribute is first asked for."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        # only for what the instance does not hold yet: each attribute is looked up here once
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazyre.compile({self._source[0]!r}, {self._source[1]!r})"


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, done on first use (see the module's docstring)."""
    lazy: Any = _Lazy(pattern, flags)
    return lazy  # type: ignore[no-any-return]
