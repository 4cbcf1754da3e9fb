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

:class:`StrEnum` is ``enum.StrEnum`` without the enum machinery, for the enums every run
imports (``Severity``, ``RuleId``): ``enum`` makes a class of twenty members in 0.2 ms, this
in a twentieth of it. mypy sees ``enum.StrEnum`` itself.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from enum import StrEnum  # what mypy checks the enums built on ours as
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


if not TYPE_CHECKING:  # mypy checks the classes built on it as the enum.StrEnum they stand for

    class _StrEnumType(type):
        """The class is the sequence of its members, as an enum class is."""

        def __call__(cls, value: object) -> StrEnum:  # the member of a value, as Enum(value)
            member = cls._by_value_.get(value)
            if member is None:
                raise ValueError(f"{value!r} is not a valid {cls.__qualname__}")
            return member

        def __getitem__(cls, name: str) -> StrEnum:
            return cls._members_[name]

        def __iter__(cls) -> Iterator[StrEnum]:
            return iter(cls._members_.values())

        def __len__(cls) -> int:
            return len(cls._members_)

        def __contains__(cls, value: object) -> bool:
            return value in cls._by_value_

        def __repr__(cls) -> str:
            return f"<enum {cls.__name__!r}>"

    class StrEnum(str, metaclass=_StrEnumType):
        """``enum.StrEnum`` as the code uses it: members are strings and the class's attributes
        (``NAME = "value"``, upper-case names), with ``.value`` and ``.name``; the class looks
        members up by value (``Severity("error")``) and by name (``RuleId["INPUT"]``) and
        iterates them in order; a member is itself when copied or unpickled, so ``is`` holds."""

        def __init_subclass__(cls) -> None:
            members = {}
            for name, value in list(vars(cls).items()):
                if name.isupper() and type(value) is str:
                    members[name] = str.__new__(cls, value)
                    setattr(cls, name, members[name])
            cls._members_ = members
            cls._by_value_ = {str.__str__(m): m for m in members.values()}
            cls._names_ = {str.__str__(m): name for name, m in members.items()}

        @property
        def value(self) -> str:
            return str.__str__(self)

        @property
        def name(self) -> str:
            return type(self)._names_[str.__str__(self)]

        def __str__(self) -> str:
            return str.__str__(self)

        def __format__(self, spec: str) -> str:
            return str.__format__(str.__str__(self), spec)

        def __repr__(self) -> str:
            return f"<{type(self).__name__}.{self.name}: {str.__repr__(self)}>"

        def __reduce__(self) -> tuple[type[StrEnum], tuple[str]]:
            return type(self), (str.__str__(self),)

        def __copy__(self) -> StrEnum:
            return self

        def __deepcopy__(self, memo: object) -> StrEnum:
            return self


__all__ = ["Frozen", "Record", "StrEnum", "init"]
