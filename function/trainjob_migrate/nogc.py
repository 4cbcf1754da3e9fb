"""Runs without the cyclic garbage collector, and the reason they may.

A run of this tool makes no reference cycles worth collecting (what it builds is freed by
reference counting), while the collector, triggered by allocations, walks every live object
again and again as the input's object graph grows: a third of a large `fn` run, a millisecond
of a start's imports. ``with nogc.paused():`` turns it off for the block and restores what
was set (an in-process caller's collector comes back as it was). A class, not
``contextlib.contextmanager``: contextlib is no import of a command's start.
"""

from __future__ import annotations

import gc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType


class paused:
    """The collector off inside the block, as it was after."""

    __slots__ = ("_enabled",)

    def __enter__(self) -> None:
        self._enabled = gc.isenabled()
        gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._enabled:
            gc.enable()
