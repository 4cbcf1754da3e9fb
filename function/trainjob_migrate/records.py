"""Value classes without ``dataclasses``: the start-up time of ``trainjob-migrate fn``.

Importing ``dataclasses`` (which imports ``inspect``, ``ast``, ``dis``...) and making a
class with it (it writes and compiles the class's methods) cost every start of the KRM
function about as much as importing PyYAML (``bench/run.py``, cold start). A class here
names its fields in ``__slots__``, in order (not sorted: RUF023 is off in pyproject.toml), and writes its
``__init__`` (every field a parameter, in that order); :class:`Record` gives it what the
dataclass gave: equality and ``repr`` over the fields, :meth:`Record.replace`
(``dataclasses.replace``), copying and pickling. :class:`Frozen` records cannot be assigned
to (as ``frozen=True``) and hash by their fields; their ``__init__`` sets each field with
:func:`init` (or with ``object.__setattr__``, twice as fast, where instances are made by the
thousand).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Self


class Record:  # noqa: PLW1641 - unhashable, on purpose (see Frozen)
    """Fields in ``__slots__``; equal when of the same class with equal fields (so, as a
    class with ``__eq__`` and no ``__hash__``, unhashable, as a dataclass that is not frozen)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.__slots__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__qualname__}({fields})"

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (field name -> value), as ``dataclasses.replace``."""
        values: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return type(self)(**values)

    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]:
        return type(self), self._values()


class Frozen(Record):
    """A :class:`Record` whose fields cannot be assigned after ``__init__``; hashable."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def __hash__(self) -> int:
        return hash(self._values())


def init(record: Frozen, *values: object) -> None:
    """Set the fields of a :class:`Frozen` record, in ``__slots__`` order (its ``__init__``)."""
    for name, value in zip(record.__slots__, values, strict=True):
        object.__setattr__(record, name, value)
