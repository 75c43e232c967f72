"""Bases for the plain value classes of the modules every ``fakemedia verify`` loads.

A dataclass costs about 0.5 ms to create (``dataclasses`` compiles its ``__init__``,
``__repr__`` and ``__eq__`` from source each time) and importing ``dataclasses`` brings
``inspect`` (≈8 ms); a cold verify created 42 of them. A :class:`Record` writes its own
``__init__`` and ``__slots__`` and gets from here what a dataclass would generate: equality and
repr over its fields (the annotated attributes not starting with ``_``, in the order written),
``replace`` and, for a :class:`Frozen` one, immutability and hashing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

__all__ = ["Frozen", "FrozenError", "Record", "replace"]

if TYPE_CHECKING:  # a TypeVar with a bound by name compiles a ForwardRef at import (≈1 ms)
    from typing import TypeVar

    R = TypeVar("R", bound="Record")


class FrozenError(AttributeError):
    """Assignment to a field of a :class:`Frozen` record (as ``dataclasses.FrozenInstanceError``)."""


class Record:
    """Equality (same class, equal fields) and repr by fields; unhashable, as a dataclass
    (defining ``__eq__`` alone sets ``__hash__`` to None)."""

    __slots__ = ()
    #: The public fields in the order written: repr, ``replace`` and (less ``_uncompared``) ==.
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Every annotated attribute, private ones too: what ``replace`` passes to ``__init__``.
    _init_fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    #: Fields a class leaves out of equality (``field(compare=False)``).
    _uncompared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            # Read directly: inspect.get_annotations would import inspect.
            for name, kind in vars(klass).get("__annotations__", {}).items():
                if not str(kind).startswith("ClassVar"):
                    names[name] = None
        cls._init_fields = tuple(names)
        cls._fields = tuple(n for n in names if not n.startswith("_"))
        skipped = {n for klass in cls.__mro__ for n in vars(klass).get("_uncompared", ())}
        cls._compared = tuple(n for n in cls._fields if n not in skipped)

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, n) for n in self._compared])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields)
        return f"{type(self).__qualname__}({shown})"


class Frozen(Record):
    """A record whose fields are set once, by its ``__init__`` through :meth:`_init`; hashable."""

    __slots__ = ()

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())

    # pickle and copy set slots with setattr; these go around __setattr__.
    def __getstate__(self) -> dict[str, Any]:
        return {n: getattr(self, n) for klass in type(self).__mro__
                for n in klass.__dict__.get("__slots__", ()) if hasattr(self, n)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._init(**state)


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of ``obj`` with some fields changed, built by its ``__init__`` (as
    ``dataclasses.replace``)."""
    values = {n: getattr(obj, n) for n in obj._init_fields}
    values.update(changes)
    return type(obj)(**values)
