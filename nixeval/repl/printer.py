"""Values as ``nix repl`` prints them (current Nix's ``printValue`` with the
repl's options: forced, derivations as their ``drvPath``, two-space pretty
printing, ``«repeated»`` tracked, an error below the top level shown in place
as ``«error: …»``).

A plain expression is printed one level deep (``{ a = 1; b = { ... }; }``),
``:p`` prints all of it. Nix 2.8 printed the same values on one line and
functions as ``«lambda @ (string):1:2»``/``«primop»``; current Nix is followed.
"""

from __future__ import annotations

from typing import Any

from ..eval.errors import NixError
from ..eval.printer import lambda_text, show_attr_name, show_float, show_string
from ..eval.values import Attrs, ContextStr, Lambda, NixPath, PrimOp, PrimOpApp, Thunk, force
from ..nixos.placeholder import MARK

# Nix's ansicolor.hh
NORMAL, RED, GREEN, BLUE, MAGENTA, CYAN = (
    "\x1b[0m", "\x1b[31;1m", "\x1b[32;1m", "\x1b[34;1m", "\x1b[35;1m", "\x1b[36;1m")

UNLIMITED = 1 << 62
_INDENT = "  "


def show_repl(v: Any, max_depth: int = 1, colors: bool = False) -> str:
    """``v`` as the repl prints it; an error in ``v`` itself is raised (a
    NixError), one inside it is printed where it is."""
    printer = _Printer(max_depth, colors)
    printer.print(v, 0)
    return "".join(printer.out)


def _is_nested(v: Any) -> bool:
    return type(v) in (Attrs, list)


class _Printer:
    def __init__(self, max_depth: int, colors: bool) -> None:
        self.max_depth = max_depth
        self.colors = colors
        self.out: list[str] = []
        self.seen: set[int] = set()
        self.indent = ""

    def coloured(self, colour: str, text: str) -> None:
        self.out.append(f"{colour}{text}{NORMAL}" if self.colors else text)

    def print(self, v: Any, depth: int) -> None:
        try:
            self._print(v, depth)
        except NixError as e:
            if depth == 0:
                raise
            # nothing of ``v`` is printed before it is forced (Nix would leave
            # a "{" when a lone attribute fails)
            self.coloured(RED, f"«error: {e.message}»")

    def _print(self, v: Any, depth: int) -> None:
        cell = v
        v = force(v)
        t = type(v)
        if t is bool:
            self.coloured(CYAN, "true" if v else "false")
        elif t is int:
            self.coloured(CYAN, str(v))
        elif t is float:
            self.coloured(CYAN, show_float(v))
        elif v is None:
            self.coloured(CYAN, "null")
        elif t is str or t is ContextStr:
            self.coloured(MAGENTA, show_string(v))
        elif t is NixPath:
            self.coloured(GREEN, v.path)
        elif t is Attrs:
            self.attrs(v, depth)
        elif t is list:
            self.list(v, cell, depth)
        else:
            self.coloured(BLUE, _function(v))

    def attrs(self, v: Attrs, depth: int) -> None:
        if id(v) in self.seen:
            self.coloured(MAGENTA, "«repeated»")
            return
        self.seen.add(id(v))
        if "type" in v.vals and force(v.vals["type"]) == "derivation":
            self.coloured(GREEN, _derivation(v))
            return
        if depth >= self.max_depth:
            self.out.append("{ ... }")
            return
        names = v.names()
        # Nix forces a lone attribute to decide the layout (an error there is the set's)
        pretty = len(names) > 1 or (len(names) == 1 and _is_nested(force(v.vals[names[0]])))
        self.open("{")
        for name in names:
            self.space(pretty)
            self.out.append(show_attr_name(name) + " = ")
            self.print(v.vals[name], depth + 1)
            self.out.append(";")
        self.close("}", pretty)

    def list(self, v: list, cell: Any, depth: int) -> None:
        # as Nix: a list is known by the value holding it
        if v and id(cell) in self.seen:
            self.coloured(MAGENTA, "«repeated»")
            return
        self.seen.add(id(cell))
        if depth >= self.max_depth:
            self.out.append("[ ... ]")
            return
        pretty = len(v) > 1 or (len(v) == 1 and _is_nested(force(v[0])))
        self.open("[")
        for item in v:
            self.space(pretty)
            self.print(item, depth + 1)
        self.close("]", pretty)

    def open(self, bracket: str) -> None:
        self.indent += _INDENT
        self.out.append(bracket)

    def close(self, bracket: str, pretty: bool) -> None:
        self.indent = self.indent[:-len(_INDENT)]
        self.space(pretty)
        self.out.append(bracket)

    def space(self, pretty: bool) -> None:
        self.out.append("\n" + self.indent if pretty else " ")


def _derivation(v: Attrs) -> str:
    if MARK in v.vals:  # nixeval's stand-in for a nixpkgs package: no real store path
        return f"«derivation {force(v.vals[MARK])}»"
    if "drvPath" not in v.vals:
        return "«derivation»"
    return f"«derivation {force(v.vals['drvPath'])}»"


def _function(v: Any) -> str:
    if type(v) is PrimOpApp:
        if not v.prim.lambda_like:
            return f"«partially applied primop {v.prim.name}»"
        return "«lambda»"
    if type(v) is PrimOp:
        if not v.lambda_like:
            return f"«primop {v.name}»"
        return _function(v.formals) if type(v.formals) is Lambda else f"«lambda {v.name}»"
    if type(v) is Lambda:
        return lambda_text(v)
    if type(v) is Thunk:  # not reached: values are forced first
        return "«thunk»"
    raise TypeError(f"not a Nix value: {v!r}")
