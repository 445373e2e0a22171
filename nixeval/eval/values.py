"""Nix values, kept as Python-native as laziness allows.

=========  ==============================================================
Nix        Python
=========  ==============================================================
integer    ``int`` (never ``bool``: test with ``type(v) is int``)
float      ``float``
boolean    ``bool``
null       ``None``
string     ``str``; a string with context is a ``ContextStr`` (a ``str``)
path       ``NixPath``
list       ``list`` (never mutated once built)
set        ``Attrs`` (a dict of name → value or ``Thunk``)
function   ``Lambda``, ``PrimOp``, ``PrimOpApp``
=========  ==============================================================

Anything stored inside a list, a set or an environment may be a ``Thunk``;
``force`` turns it into a value in weak head normal form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InfiniteRecursion, NixError, Pos


class _Blackhole:
    """Marks a thunk under evaluation: forcing it again is infinite recursion."""


BLACKHOLE = _Blackhole()


class Thunk:
    """A delayed computation ``code(env)``; the result replaces it once known."""

    __slots__ = ("code", "env", "value")

    def __init__(self, code: Callable[[Any], Any], env: Any) -> None:
        self.code = code
        self.env = env

    def force(self) -> Any:
        code = self.code
        if code is None:
            return self.value
        if code is BLACKHOLE:
            raise InfiniteRecursion()
        self.code = BLACKHOLE
        try:
            value = code(self.env)
        except BaseException:
            self.code = code  # as Nix: a failed thunk can be forced (and fail) again
            raise
        self.code = None
        self.env = None
        self.value = value
        return value


def ready(value: Any) -> Thunk:
    """A thunk that already holds ``value``."""
    t = Thunk.__new__(Thunk)
    t.code = None
    t.env = None
    t.value = value
    return t


def force(v: Any) -> Any:
    return v.force() if type(v) is Thunk else v


class ContextStr(str):
    """A string that carries Nix string context (store paths it depends on)."""

    context: frozenset[str]

    def __new__(cls, value: str, context: frozenset[str]) -> ContextStr:
        s = super().__new__(cls, value)
        s.context = context
        return s


def context_of(s: str) -> frozenset[str]:
    return s.context if type(s) is ContextStr else frozenset()


def make_string(value: str, context: frozenset[str]) -> str:
    return ContextStr(value, context) if context else value


class NixPath:
    """A path value: absolute, canonical."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NixPath) and other.path == self.path

    def __hash__(self) -> int:
        return hash(("path", self.path))

    def __repr__(self) -> str:
        return f"NixPath({self.path!r})"


class Attrs:
    """A set: ``vals`` maps names to values or thunks; ``pos`` gives each name's
    definition site where known (``builtins.unsafeGetAttrPos``)."""

    __slots__ = ("pos", "vals")

    def __init__(self, vals: dict[str, Any], pos: dict[str, Pos] | None = None) -> None:
        self.vals = vals
        self.pos = pos

    def get(self, name: str) -> Any:
        """The forced value of ``name``; KeyError when absent."""
        v = self.vals[name]
        return v.force() if type(v) is Thunk else v

    def names(self) -> list[str]:
        """Names in Nix's order (byte-wise lexicographic)."""
        return sorted(self.vals, key=sort_key)

    def __repr__(self) -> str:
        return f"Attrs({sorted(self.vals)})"


def sort_key(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


EMPTY_ATTRS = Attrs({})


class Lambda:
    """A closure: compiled function ``fn`` with its environment."""

    __slots__ = ("env", "fn")

    def __init__(self, fn: Any, env: Any) -> None:
        self.fn = fn  # a compiler.FunctionCode
        self.env = env


class PrimOp:
    """A builtin of ``arity`` arguments; ``impl`` receives them unforced."""

    __slots__ = ("arity", "impl", "name")

    def __init__(self, name: str, arity: int, impl: Callable[..., Any]) -> None:
        self.name = name
        self.arity = arity
        self.impl = impl

    def __repr__(self) -> str:
        return f"PrimOp({self.name})"


class PrimOpApp:
    """A builtin applied to fewer arguments than it takes."""

    __slots__ = ("args", "prim")

    def __init__(self, prim: PrimOp, args: tuple[Any, ...]) -> None:
        self.prim = prim
        self.args = args


def type_name(v: Any) -> str:
    """``builtins.typeOf``."""
    t = type(v)
    if t is int:
        return "int"
    if t is bool:
        return "bool"
    if t is str or t is ContextStr:
        return "string"
    if t is Attrs:
        return "set"
    if t is list:
        return "list"
    if t is float:
        return "float"
    if v is None:
        return "null"
    if t is NixPath:
        return "path"
    if t in (Lambda, PrimOp, PrimOpApp):
        return "lambda"
    raise TypeError(f"not a Nix value: {v!r}")


_SHOW_TYPE = {
    "int": "an integer", "bool": "a Boolean", "string": "a string", "set": "a set",
    "list": "a list", "float": "a float", "null": "null", "path": "a path",
    "lambda": "a function",
}


def show_type(v: Any) -> str:
    """Nix's ``showType``: "an integer", "a set", … as used in error messages."""
    if type(v) is PrimOp:
        return "the built-in function '" + v.name + "'"
    if type(v) is PrimOpApp:
        return "the partially applied built-in function '" + v.prim.name + "'"
    if type(v) is ContextStr:
        return "a string with context"
    return _SHOW_TYPE[type_name(v)]


def type_error(expected: str, v: Any, pos: Pos = None) -> NixError:
    """Nix's "expected a set but found an integer: 1" (the value shown briefly)."""
    from .errors import TypeMismatch
    from .printer import show_brief

    return TypeMismatch(f"expected {expected} but found {show_type(v)}: {show_brief(v)}", pos)
