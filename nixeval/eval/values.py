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

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import readlog
from ..readlog import Span
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
            raise InfiniteRecursion(None, self)
        self.code = BLACKHOLE
        try:
            value = code(self.env)
        except BaseException as e:
            if isinstance(e, NixError):
                # as Nix (2.34): the error is remembered, frames it gathers on its
                # way out included; forcing again raises a copy of it
                self.code = code if type(code) is _Failed else _Failed(e)
                self.env = None
                if type(e) is InfiniteRecursion and e.thunk is self:
                    # the frame where the cycle starts; later frames are not its members
                    e.add_trace("entering the infinite recursion", None, True)
                    e.thunk = None
            else:
                self.code = code  # interrupted, or Python's stack ran out: evaluate again
            raise
        self.code = None
        self.env = None
        self.value = value
        return value


class _Failed:
    """The code of a thunk whose evaluation failed: raises a copy of the error
    (and, read while tracking, what the failed evaluation read)."""

    __slots__ = ("error", "reads")

    def __init__(self, error: NixError, reads: Span | None = None) -> None:
        self.error = error
        self.reads = reads

    def __call__(self, env: Any) -> Any:
        raise self.error.clone()


def _tracking_force(self: Thunk) -> Any:
    """``Thunk.force`` while a read log is in force: as ``force``, and what
    the evaluation read is kept with the value (a ``Span``) and logged again
    at every later use, so that each user is known to have read it (once
    per enclosing evaluation: see ``readlog.Span.last``)."""
    code = self.code
    if code is None:
        return self.value
    log = readlog.LOG
    t = type(code)
    if t is Span:
        _log_again(code, log)  # type: ignore[arg-type]
        return self.value
    if t is _Failed and code.reads is not None:
        _log_again(code.reads, log)  # type: ignore[arg-type]
    if code is BLACKHOLE:
        raise InfiniteRecursion(None, self)
    start = len(log)  # type: ignore[arg-type]
    outer = readlog.opened
    readlog.opened = start
    self.code = BLACKHOLE
    try:
        value = code(self.env)
    except BaseException as e:
        if isinstance(e, NixError):
            if type(code) is not _Failed:
                end = len(log)  # type: ignore[arg-type]
                code = _Failed(e, Span(log, start, end) if end != start else None)  # type: ignore[arg-type]
            self.code = code
            self.env = None
            if type(e) is InfiniteRecursion and e.thunk is self:
                e.add_trace("entering the infinite recursion", None, True)
                e.thunk = None
        else:
            self.code = code
        raise
    finally:
        readlog.opened = outer
    end = len(log)  # type: ignore[arg-type]
    if end != start:
        self.code = Span(log, start, end)  # type: ignore[arg-type]
        self.env = value
    else:
        self.code = None
        self.env = None
    self.value = value
    return value


def _log_again(span: Span, log: list[Any]) -> None:
    if span.log is not log:  # another evaluation's: what it read is not known here
        log.append(readlog.IMPURE)
    elif span.last < readlog.opened:  # not yet logged in the innermost evaluation open
        span.last = len(log)
        log.append(span)


def traced(fn: Callable[..., Any], *args: Any) -> tuple[Any, Span | None]:
    """``fn(*args)``, for a value kept in Python rather than in a thunk, and
    (while a log is in force) what computing it read: a later use logs that
    again (``retrace``), as a thunk's would be."""
    log = readlog.LOG
    if log is None:
        return fn(*args), None
    start = len(log)
    outer = readlog.opened
    readlog.opened = start
    try:
        value = fn(*args)
    finally:
        readlog.opened = outer
    end = len(log)
    return value, (Span(log, start, end) if end != start else None)


def retrace(reads: Span | None) -> None:
    """A use of a value ``traced`` read: what it read is read here too."""
    if reads is not None and readlog.LOG is not None:
        _log_again(reads, readlog.LOG)


class Kept(dict):
    """Values computed once and kept in Python (not in thunks), by name, each
    with what computing it read: a later use logs that again (``retrace``)."""

    __slots__ = ()

    def get_or_compute(self, name: Any, fn: Callable[..., Any], *args: Any) -> Any:
        hit = dict.get(self, name)
        if hit is None:
            hit = self[name] = traced(fn, *args)
        else:
            retrace(hit[1])
        return hit[0]


def once(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` computed at its first call, kept, and its reads ``retrace``d
    at later calls (``functools.cache`` for a value two thunks share)."""
    kept: list[Any] = []

    def call() -> Any:
        if kept:
            retrace(kept[1])
        else:
            kept.extend(traced(fn))
        return kept[0]
    return call


_plain_force = Thunk.force


@contextmanager
def tracking(log: list[Any]) -> Iterator[list[Any]]:
    """Log into ``log`` what evaluation reads in the block (see ``readlog``).
    Process-wide: one evaluation at a time may track."""
    before, opened = readlog.LOG, readlog.opened
    readlog.LOG, readlog.opened = log, 0
    Thunk.force = _tracking_force  # type: ignore[method-assign]
    try:
        yield log
    finally:
        readlog.LOG, readlog.opened = before, opened
        if before is None:
            Thunk.force = _plain_force  # type: ignore[method-assign]


def ready(value: Any) -> Thunk:
    """A thunk that already holds ``value``."""
    t = Thunk.__new__(Thunk)
    t.code = None
    t.env = None
    t.value = value
    return t


def force(v: Any) -> Any:
    if type(v) is Thunk:
        # a thunk forced before, that read nothing a log needs again: its value
        # without a call more (as both ``Thunk.force`` and the tracking one)
        return v.value if v.code is None else v.force()
    return v


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
        return sorted_names(self.vals)

    def __repr__(self) -> str:
        return f"Attrs({sorted(self.vals)})"


def pos_attrs(pos: Pos) -> Attrs | None:
    """A position as ``builtins.unsafeGetAttrPos`` gives it: ``{ file, line, column }``."""
    if pos is None:
        return None
    line, col = pos[0].line_col(pos[1])
    return Attrs({"file": pos[0].name, "line": line, "column": col})


def sort_key(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def sorted_names(names: Iterable[str]) -> list[str]:
    """``names`` in Nix's order, byte-wise: where all are ASCII, code point
    order is that order, and sorting needs no keys (twice as fast)."""
    names = list(names)
    if all(map(str.isascii, names)):
        names.sort()
        return names
    return sorted(names, key=sort_key)


EMPTY_ATTRS = Attrs({})


class Lambda:
    """A closure: compiled function ``fn`` with its environment."""

    __slots__ = ("env", "fn")

    def __init__(self, fn: Any, env: Any) -> None:
        self.fn = fn  # a compiler.FunctionCode
        self.env = env


class PrimOp:
    """A builtin of ``arity`` arguments; ``impl`` receives them unforced.
    ``native``, where set, is the same function for Python callers (the module
    system calls a native type's check and merge through it). A builtin that
    stands in for a lib function (``lambda_like``) prints and is named as the
    lambda it replaces; ``formals``, where set, is that lambda, whose
    formals ``builtins.functionArgs`` reports."""

    __slots__ = ("arity", "formals", "impl", "lambda_like", "name", "native")

    def __init__(self, name: str, arity: int, impl: Callable[..., Any],
                 native: Callable[..., Any] | None = None, lambda_like: bool = False,
                 formals: Any = None) -> None:
        self.name = name
        self.arity = arity
        self.impl = impl
        self.native = native
        self.lambda_like = lambda_like
        self.formals = formals

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
    if type(v) is PrimOp and not v.lambda_like:
        return "the built-in function '" + v.name + "'"
    if type(v) is PrimOpApp and not v.prim.lambda_like:
        return "the partially applied built-in function '" + v.prim.name + "'"
    if type(v) is ContextStr:
        return "a string with context"
    return _SHOW_TYPE[type_name(v)]


def type_error(expected: str, v: Any, pos: Pos = None) -> NixError:
    """Nix's "expected a set but found an integer: 1" (the value shown briefly)."""
    from .errors import TypeMismatch
    from .printer import show_brief

    return TypeMismatch(f"expected {expected} but found {show_type(v)}: {show_brief(v)}", pos)


# A function applied to arguments, not yet called (Nix's tApp, as made by
# ``map``, ``genList``, ``mapAttrs``…): a thunk whose code is _apply or _apply2
# and whose env is [state, function, argument(s)…, call site, opaque]. The call
# site is filled in by whoever forces it (Nix passes the forcing position on);
# "opaque" marks a function Nix has not forced yet, whose position it cannot see.

def _apply(env: list) -> Any:
    return env[0].call(env[1], env[2], env[3])


def _apply2(env: list) -> Any:
    call = env[0].call
    return call(call(env[1], env[2], env[4]), env[3], env[4])


def app(state: Any, fn: Any, arg: Any) -> Thunk:
    return Thunk(_apply, [state, fn, arg, None, False])


def app2(state: Any, fn: Any, first: Any, second: Any, opaque: bool = False) -> Thunk:
    return Thunk(_apply2, [state, fn, first, second, None, opaque])


def is_app(v: Any) -> bool:
    """An unforced application (it calls a function when forced)."""
    return type(v) is Thunk and (v.code is _apply or v.code is _apply2)


def set_call_site(v: Thunk, pos: Pos) -> None:
    v.env[-2] = pos


def determine_pos(v: Any, fallback: Pos = None) -> Pos:
    """Nix's Value::determinePos: a set's or a function's own position."""
    t = type(v)
    if t is Lambda:
        return v.fn.pos
    if t is Thunk and (v.code is _apply or v.code is _apply2):
        return fallback if v.env[-1] else determine_pos(v.env[1], fallback)
    return fallback


# Nix keeps a set's attributes ordered by symbol, and symbols are numbered as
# they are first created: a fixed list at start-up, the builtins, then names
# as source code is read. The few places where that order shows (which failing
# attribute deepSeq or --strict report first, which one an equality assertion
# names) follow it through this table; names never seen rank last.
SYMBOLS: dict[str, int] = {name: i for i, name in enumerate((
    "<with>", "outPath", "drvPath", "type", "meta", "name", "value", "system",
    "__overrides", "outputs", "outputName", "__ignoreNulls", "file", "line", "column",
    "__functor", "__toString", "right", "wrong", "__structuredAttrs", "__json",
    "allowedReferences", "allowedRequisites", "disallowedReferences", "disallowedRequisites",
    "maxSize", "maxClosureSize", "builder", "args", "__contentAddressed", "__impure",
    "outputHash", "outputHashAlgo", "outputHashMode", "recurseForDerivations", "description",
    "self", "", "startSet", "operator", "key", "path", "prefix", "outputSpecified",
    "requiredSystemFeatures", "__sub", "__lessThan", "__mul", "__div", "or", "__findFile",
    "__nixPath", "body"))}

_NEVER_SEEN = 1 << 62


def intern(name: str) -> None:
    if name not in SYMBOLS:
        SYMBOLS[name] = len(SYMBOLS)


def intern_all(names: list[str]) -> None:
    """``intern`` each of ``names``, in order (a file's names, at once)."""
    symbols = SYMBOLS
    for name in names:
        if name not in symbols:
            symbols[name] = len(symbols)


def symbol_order(names: Any) -> list[str]:
    """Names in Nix's symbol order (insertion order among names never seen)."""
    rank = SYMBOLS.get
    return sorted(names, key=lambda n: rank(n, _NEVER_SEEN))
