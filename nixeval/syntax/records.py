"""Frozen, slotted record classes for the syntax tree, made cheaply.

The tree's classes are what attrs' ``frozen(slots=True)`` would make (an
``__init__`` taking the fields in order, ``__eq__`` and ``__hash__`` over the
fields compared, a ``__repr__``, assignment refused), but attrs builds each
class with several calls to Python's compiler and imports a dozen modules
first: tens of milliseconds at every start of nixeval, whose evaluations are
often shorter than that. Here one small ``exec`` makes each class's ``__init__``; the other methods
are shared.
``fields`` and ``evolve`` are attrs' functions of the same names.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


class Field(NamedTuple):
    name: str
    type: str  # the annotation's text
    eq: bool  # compared (and hashed and shown): positions are not
    default: Any


NO_DEFAULT = object()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a tree node."""


def field(*, eq: bool = True, default: Any = NO_DEFAULT) -> Any:
    """A field's options, as attrs' ``field``: ``eq=False`` for positions."""
    return _Options(eq, default)


class _Options(NamedTuple):
    eq: bool
    default: Any


def record(cls: type[T]) -> type[T]:
    """The class ``cls`` as a frozen, slotted record of its annotated fields
    (those of its record bases first)."""
    inherited: tuple[Field, ...] = getattr(cls, "__fields__", ())
    own = []
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        value = namespace.pop(name, NO_DEFAULT)
        options = value if isinstance(value, _Options) else _Options(True, value)
        own.append(Field(name, str(annotation), options.eq, options.default))
    fields = inherited + tuple(own)
    # the root class also gets the weak-reference slot attrs gives
    namespace["__slots__"] = tuple(f.name for f in own) + (() if inherited else ("__weakref__",))
    namespace["__fields__"] = fields
    new = type(cls.__name__, cls.__bases__, namespace)
    new.__qualname__ = cls.__qualname__
    for name, method in _methods(new, fields).items():
        setattr(new, name, method)
    return new


def _made_init(cls: type, fields: tuple[Field, ...]) -> Any:
    """``__init__`` made for the fields (the parser calls it for every node)."""
    names = [f.name for f in fields]
    defaults = {f"_d_{f.name}": f.default for f in fields if f.default is not NO_DEFAULT}
    params = ", ".join(f"{n}=_d_{n}" if f"_d_{n}" in defaults else n for n in names)
    sets = "".join(f"    _set(self, {n!r}, {n})\n" for n in names) or "    pass\n"
    scope: dict[str, Any] = {"_set": object.__setattr__, **defaults}
    exec(compile(f"def __init__(self, {params}):\n{sets}", f"<record {cls.__name__}>", "exec"),
         scope)
    return scope["__init__"]


def _methods(cls: type, fields: tuple[Field, ...]) -> dict[str, Any]:
    """``__init__``, made at the class's first instance (a run whose trees all
    come from the parse cache, which makes nodes without it, never compiles
    one); the rest is shared, over the compared fields' values."""

    def first_init(self: Any, *args: Any, **kwargs: Any) -> None:
        made = _made_init(cls, fields)
        type.__setattr__(cls, "__init__", made)
        made(self, *args, **kwargs)

    compared = [f.name for f in fields if f.eq]
    if len(compared) > 1:
        key = attrgetter(*compared)
    elif compared:
        one = attrgetter(compared[0])

        def key(node: Any) -> tuple:
            return (one(node),)
    else:
        def key(node: Any) -> tuple:
            return ()
    return {"__init__": first_init, "_key": staticmethod(key), "__eq__": _eq,
            "__ne__": _ne, "__hash__": _hash, "__repr__": _repr, "__setattr__": _refuse,
            "__delattr__": _refuse, "__getstate__": _getstate, "__setstate__": _setstate}


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self._key(self) == other._key(other)


def _ne(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self._key(self) != other._key(other)


def _hash(self: Any) -> int:
    return hash((self.__class__.__name__, *self._key(self)))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__fields__ if f.eq)
    return f"{self.__class__.__name__}({shown})"


def _refuse(self: Any, name: str, value: Any = None) -> None:
    raise FrozenInstanceError(name)


def _getstate(self: Any) -> dict[str, Any]:
    return {f.name: getattr(self, f.name) for f in self.__fields__}


def _setstate(self: Any, state: dict[str, Any]) -> None:
    for name, value in state.items():
        object.__setattr__(self, name, value)


def fields(cls: type) -> tuple[Field, ...]:
    """A record class's fields, in ``__init__``'s order."""
    return cls.__fields__  # type: ignore[attr-defined]


def evolve(instance: T, **changes: Any) -> T:
    """A copy of ``instance`` with ``changes`` to its fields."""
    cls = type(instance)
    return cls(**{f.name: changes.get(f.name, getattr(instance, f.name))
                  for f in fields(cls)})
