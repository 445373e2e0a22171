"""The callbacks that build the AST while the LALR parser reduces (one method
per grammar rule, named as the rule or its alias).

Besides building nodes this does what Nix's parser does at parse time:
merging nested attribute paths, rejecting duplicate attributes and formals
(with both positions), and stripping indentation from ``''`` strings.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .errors import NixSyntaxError
from .lexer import Token
from .precedence import Binary, HasAttrSuffix, Prefix, group
from .source import Source


class AttrPath:
    """An attribute path being parsed: names plus the span they cover."""

    __slots__ = ("end", "names", "start")

    def __init__(self, names: list[ast.AttrName], start: int, end: int) -> None:
        self.names = names
        self.start = start
        self.end = end


class _Entry:
    __slots__ = ("end", "kind", "start", "value")

    def __init__(self, value, start: int, end: int, kind: ast.AttrKind) -> None:
        self.value = value  # ast.Node or AttrsBuilder
        self.start = start
        self.end = end
        self.kind = kind


class AttrsBuilder:
    """The mutable attribute set behind ``{ … }`` and ``let … in`` while parsing."""

    __slots__ = ("attrs", "dynamic", "end", "inherit_from", "recursive", "start")

    def __init__(self, start: int = -1, end: int = -1, recursive: bool = False) -> None:
        self.attrs: dict[str, _Entry] = {}
        self.dynamic: list[tuple[ast.Node, object, int, int]] = []
        self.inherit_from: list[ast.Node] = []
        self.start = start
        self.end = end
        self.recursive = recursive

    @classmethod
    def thaw(cls, node: ast.Attrs) -> AttrsBuilder:
        b = cls(node.start, node.end, node.recursive)
        for d in node.attrs:
            b.attrs[d.name] = _Entry(d.value, d.start, d.end, d.kind)
        b.dynamic = [(d.name, d.value, d.start, d.end) for d in node.dynamic]
        b.inherit_from = list(node.inherit_from)
        return b

    def freeze(self, src: Source) -> ast.Attrs:
        """The set as a node. The sets nested in it by attribute paths (``a.b.c = 1``)
        are frozen innermost first, without recursion: a path may be thousands
        of names long."""
        builders = [self]
        for b in builders:  # extended while iterated: every nested set, parents first
            builders.extend(b._nested())
        frozen: dict[int, ast.Attrs] = {}
        for b in reversed(builders):
            frozen[id(b)] = b._freeze_one(src, frozen)
        return frozen[id(self)]

    def _nested(self) -> Iterator[AttrsBuilder]:
        for e in self.attrs.values():
            if e.value.__class__ is AttrsBuilder:
                yield e.value
        for _, value, _, _ in self.dynamic:
            if value.__class__ is AttrsBuilder:
                yield value

    def _freeze_one(self, src: Source, frozen: dict[int, ast.Attrs]) -> ast.Attrs:
        """This set, its nested sets being in ``frozen`` already."""
        attrs = tuple([
            ast.AttrDef(src, e.start, e.end, name,
                        frozen[id(e.value)] if e.value.__class__ is AttrsBuilder else e.value,
                        e.kind)
            for name, e in self.attrs.items()
        ])
        dynamic = tuple([
            ast.DynAttr(src, s, e, name,
                        frozen[id(value)] if value.__class__ is AttrsBuilder else value)
            for name, value, s, e in self.dynamic
        ])
        return ast.Attrs(src, self.start, self.end, self.recursive, attrs, dynamic,
                         tuple(self.inherit_from))


def _is_attrs(value) -> bool:
    return isinstance(value, (AttrsBuilder, ast.Attrs))


def show_attr_path(names) -> str:
    return ".".join(n if isinstance(n, str) else '"${...}"' for n in names)


# the slots' own setters, which frozen nodes leave usable: see TreeBuilder._call
_set_call_args = ast.Call.args.__set__
_set_end = ast.Node.end.__set__


class TreeBuilder:
    """One instance serves every parse, between :meth:`begin` and :meth:`finish`."""

    def __init__(self) -> None:
        self.src: Source = Source("«none»", "")
        self._calls: list[ast.Call] = []

    def begin(self, source: Source) -> None:
        self.src = source
        self._calls = []

    def finish(self, root: ast.Node) -> ast.Node:
        """The tree, each call's arguments made a tuple (see _call)."""
        for call in self._calls:
            _set_call_args(call, tuple(call.args))
        self._calls = []
        return root

    # errors ---------------------------------------------------------------
    def error(self, message: str, offset: int) -> NixSyntaxError:
        return NixSyntaxError(message, self.src, offset)

    def dup_attr(self, names, pos: int, prev: int) -> NixSyntaxError:
        line, col = self.src.line_col(prev)
        return self.error(f"attribute '{show_attr_path(names)}' already defined at "
                          f"{self.src.name}:{line}:{col}", pos)

    # functions ------------------------------------------------------------
    def start(self, c):
        return c[0]

    def lambda_ident(self, c):
        tok, _, body = c
        return ast.Lambda(self.src, tok.start_pos, body.end, tok.value, None, body)

    def lambda_formals(self, c):
        formals, _, body = c
        self._check_formals(formals, None, formals.start)
        return ast.Lambda(self.src, formals.start, body.end, None, formals, body)

    def lambda_formals_at(self, c):
        formals, _, tok, _, body = c
        self._check_formals(formals, tok.value, formals.start)
        return ast.Lambda(self.src, formals.start, body.end, tok.value, formals, body)

    def lambda_at_formals(self, c):
        tok, _, formals, _, body = c
        self._check_formals(formals, tok.value, tok.start_pos)
        return ast.Lambda(self.src, tok.start_pos, body.end, tok.value, formals, body)

    def _check_formals(self, formals: ast.Formals, arg: str | None, pos: int) -> None:
        seen: dict[str, int] = {}
        first_dup: tuple[int, int] | None = None  # (first occurrence, repeat position)
        for f in formals.formals:
            if f.name in seen:
                candidate = (seen[f.name], f.start)
                if first_dup is None or candidate < first_dup:
                    first_dup = candidate
            else:
                seen[f.name] = f.start
        if first_dup is not None:
            name = next(f.name for f in formals.formals if f.start == first_dup[1])
            raise self.error(f"duplicate formal function argument '{name}'", first_dup[1])
        if arg is not None and arg in seen:
            raise self.error(f"duplicate formal function argument '{arg}'", pos)

    def formals_ellipsis(self, c):
        return ast.Formals(self.src, c[0].start_pos, c[-1].end_pos, tuple(c[1]), True)

    def formals_only_ellipsis(self, c):
        return ast.Formals(self.src, c[0].start_pos, c[-1].end_pos, (), True)

    def formals_plain(self, c):
        return ast.Formals(self.src, c[0].start_pos, c[-1].end_pos, tuple(c[1]), False)

    def formals_none(self, c):
        return ast.Formals(self.src, c[0].start_pos, c[-1].end_pos, (), False)

    def formals_first(self, c):
        return [c[0]]

    def formals_more(self, c):
        c[0].append(c[2])
        return c[0]

    def formal(self, c):
        tok = c[0]
        return ast.Formal(self.src, tok.start_pos, tok.end_pos, tok.value, None)

    def formal_default(self, c):
        tok, _, default = c
        return ast.Formal(self.src, tok.start_pos, default.end, tok.value, default)

    # keywords -------------------------------------------------------------
    def assert_(self, c):
        return ast.Assert(self.src, c[0].start_pos, c[3].end, c[1], c[3])

    def with_(self, c):
        return ast.With(self.src, c[0].start_pos, c[3].end, c[1], c[3])

    def let(self, c):
        kw, binds, _, body = c
        if binds.dynamic:
            raise self.error("dynamic attributes not allowed in let", kw.start_pos)
        binds.start, binds.end = kw.start_pos, c[2].end_pos
        return ast.Let(self.src, kw.start_pos, body.end, binds.freeze(self.src), body)

    def if_(self, c):
        return ast.If(self.src, c[0].start_pos, c[5].end, c[1], c[3], c[5])

    def pipe_from(self, c):  # f <| x
        return self._call(c[0], c[2], c[1].start_pos)

    def pipe_into(self, c):  # x |> f
        return self._call(c[2], c[0], c[1].start_pos)

    def _call(self, fn: ast.Node, arg: ast.Node, pos: int) -> ast.Call:
        """Nix's makeCall: a call applied to one more argument (`f a b`, `(f a) b`,
        `b |> f a`) takes it in place, so that long applications stay linear.
        Until :meth:`finish` a call's arguments are a list, and the call is the
        parser's alone: on its value stack, or the value of this very reduction."""
        if isinstance(fn, ast.Call):
            fn.args.append(arg)  # type: ignore[attr-defined]  # a list until finish
            if arg.end > fn.end:
                _set_end(fn, arg.end)
            return fn
        call = ast.Call(self.src, min(pos, fn.start, arg.start), max(fn.end, arg.end), fn,
                        [arg])  # type: ignore[arg-type]
        self._calls.append(call)
        return call

    # operators ------------------------------------------------------------
    def op(self, c):
        items = c[0]
        if len(items) == 1:
            return items[0]
        return group(self.src, items, self.error)

    # (an operand's items come innermost first: see operand; reversed inline,
    # as this runs for every operand)
    def seq_start(self, c):
        operand = c[0]
        if len(operand) > 1:
            operand.reverse()
        return operand

    def seq_binop(self, c):
        seq, operand = c[0], c[2]
        seq.append(Binary(c[1]))
        if len(operand) > 1:
            operand.reverse()
        seq.extend(operand)
        return seq

    def seq_hasattr(self, c):
        seq, tok, path = c
        seq.append(HasAttrSuffix(tok, tuple(path.names), path.end))
        return seq

    # An operand is a list of items innermost first: the operand, then its
    # prefixes from the nearest out (`- ! x` is [x, !, -]), so that each prefix
    # is appended rather than the list copied behind it.
    def operand(self, c):
        return [c[0]]

    def prefix(self, c):
        items = c[1]
        items.append(Prefix(c[0]))
        return items

    def app(self, c):
        fn, arg = c
        return self._call(fn, arg, fn.start)

    # selection ------------------------------------------------------------
    def select(self, c):
        expr, _, path = c
        return ast.Select(self.src, expr.start, path.end, expr, tuple(path.names), None)

    def select_or(self, c):
        expr, _, path, _, default = c
        return ast.Select(self.src, expr.start, default.end, expr, tuple(path.names), default)

    def cursed_or(self, c):
        expr, tok = c
        var = ast.Var(self.src, tok.start_pos, tok.end_pos, "or")
        call = ast.Call(self.src, expr.start, tok.end_pos, expr, [var])  # type: ignore[arg-type]
        self._calls.append(call)
        return call

    # atoms ----------------------------------------------------------------
    def var(self, c):
        tok = c[0]
        if tok.value == "__curPos":
            return ast.CurPos(self.src, tok.start_pos, tok.end_pos)
        return ast.Var(self.src, tok.start_pos, tok.end_pos, tok.value)

    def int_(self, c):
        tok = c[0]
        return ast.Int(self.src, tok.start_pos, tok.end_pos, tok.value)

    def float_(self, c):
        tok = c[0]
        return ast.Float(self.src, tok.start_pos, tok.end_pos, tok.value)

    def string(self, c):
        return self._string(c[1], c[0].start_pos, c[2].end_pos)

    def _string(self, parts: list, start: int, end: int) -> ast.Node:
        if not parts:
            return ast.Str(self.src, start, end, "")
        if len(parts) == 1 and isinstance(parts[0], Token):
            return ast.Str(self.src, start, end, parts[0].value)
        return ast.StrInterp(self.src, start, end, tuple(self._part(p) for p in parts))

    def _part(self, p) -> ast.Node:
        if isinstance(p, Token):
            return ast.Str(self.src, p.start_pos, p.end_pos, p.value)
        return p

    def ind_string(self, c):
        return strip_indentation(self.src, c[1], c[0].start_pos, c[2].end_pos)

    def path(self, c):
        tok = c[0]
        return ast.Path(self.src, tok.start_pos, tok.end_pos, tok.value)

    def path_interp(self, c):
        tok, parts, _ = c
        first = ast.Path(self.src, tok.start_pos, tok.end_pos, tok.value)
        end = max(c[2].end_pos, tok.end_pos)
        return ast.PathInterp(self.src, tok.start_pos, end,
                              (first, *(self._part(p) for p in parts)))

    def spath(self, c):
        tok = c[0]
        return ast.SearchPath(self.src, tok.start_pos, tok.end_pos, tok.value[1:-1])

    def uri(self, c):
        tok = c[0]
        return ast.Str(self.src, tok.start_pos, tok.end_pos, tok.value)

    def paren(self, c):
        return c[1]

    def list(self, c):
        return ast.List(self.src, c[0].start_pos, c[2].end_pos, tuple(c[1]))

    def list_empty(self, c):
        return []

    def list_more(self, c):
        c[0].append(c[1])
        return c[0]

    def parts_empty(self, c):
        return []

    def parts_first(self, c):
        return [c[0]]

    def parts_two(self, c):
        return [c[0], c[1]]

    def parts_more(self, c):
        c[0].append(c[1])
        return c[0]

    def interp(self, c):
        return c[1]

    # attribute sets -------------------------------------------------------
    def attrs(self, c):
        b = c[1]
        b.start, b.end = c[0].start_pos, c[2].end_pos
        return b.freeze(self.src)

    def rec_attrs(self, c):
        b = c[2]
        b.start, b.end, b.recursive = c[0].start_pos, c[3].end_pos, True
        return b.freeze(self.src)

    def empty_attrs(self, c):
        return ast.Attrs(self.src, c[0].start_pos, c[1].end_pos, False, ())

    def legacy_let(self, c):
        # `let { …; body = …; }` is `(rec { … }).body`
        b = c[2]
        b.start, b.end, b.recursive = c[0].start_pos, c[3].end_pos, True
        return ast.Select(self.src, b.start, b.end, b.freeze(self.src), ("body",), None)

    def binds_empty(self, c):
        return AttrsBuilder()

    def bind_first(self, c):
        b = AttrsBuilder()
        self._add_path(b, c[0], c[2])
        return b

    def bind(self, c):
        self._add_path(c[0], c[1], c[3])
        return c[0]

    def inherit(self, c):
        b, _, names, _ = c
        for name, start, end in self._static_names(names):
            self._check_free(b, name, start)
            var = ast.Var(self.src, start, end, name)
            b.attrs[name] = _Entry(var, start, end, ast.AttrKind.INHERITED)
        return b

    def inherit_from(self, c):
        b, _, _, expr, _, names, _ = c
        b.inherit_from.append(expr)
        index = len(b.inherit_from) - 1
        for name, start, end in self._static_names(names):
            self._check_free(b, name, start)
            source = ast.InheritFrom(self.src, expr.start, expr.end, index)
            value = ast.Select(self.src, start, end, source, (name,), None)
            b.attrs[name] = _Entry(value, start, end, ast.AttrKind.INHERITED_FROM)
        return b

    def _static_names(self, names):
        for name, start, end in names:
            if not isinstance(name, str):
                raise self.error("dynamic attributes not allowed in inherit", start)
            yield name, start, end

    def _check_free(self, b: AttrsBuilder, name: str, pos: int) -> None:
        if name in b.attrs:
            raise self.dup_attr([name], pos, b.attrs[name].start)

    def names_empty(self, c):
        return []

    def names_more(self, c):
        names, attr = c
        if isinstance(attr, Token):
            names.append((attr.value, attr.start_pos, attr.end_pos))
        else:
            names.append(attr)
        return names

    def path_first(self, c):
        name, start, end = self._attr(c[0])
        return AttrPath([name], start, end)

    def path_more(self, c):
        path = c[0]
        name, _, end = self._attr(c[2])
        path.names.append(name)
        path.end = end
        return path

    def _attr(self, attr):
        if isinstance(attr, Token):
            return attr.value, attr.start_pos, attr.end_pos
        return attr

    def string_attr(self, c):
        node = self._string(c[1], c[0].start_pos, c[2].end_pos)
        name = node.value if isinstance(node, ast.Str) else node
        return name, c[0].start_pos, c[2].end_pos

    def dynamic_attr(self, c):
        start, node, end = c[0].start_pos, c[1], c[2].end_pos
        if isinstance(node, ast.Str):
            # `${"a"}` (a plain string) names `a` statically, as in Nix (NixOS/nix#14642)
            return node.value, start, end
        return node, start, end

    def _add_path(self, b: AttrsBuilder, path: AttrPath, value: ast.Node) -> None:
        """Nix's ParserState::addAttr: walk/create nested sets, then add the leaf."""
        names, pos, end = path.names, path.start, path.end
        for i, name in enumerate(names[:-1]):
            if isinstance(name, str):
                entry = b.attrs.get(name)
                if entry is None:
                    nested = AttrsBuilder(pos, end)
                    b.attrs[name] = _Entry(nested, pos, end, ast.AttrKind.PLAIN)
                elif _is_attrs(entry.value):
                    if isinstance(entry.value, ast.Attrs):
                        entry.value = AttrsBuilder.thaw(entry.value)
                    nested = entry.value
                else:
                    raise self.dup_attr(names[: i + 1], pos, entry.start)
            else:
                nested = AttrsBuilder(pos, end)
                b.dynamic.append((name, nested, pos, end))
            b = nested
        last = names[-1]
        if isinstance(last, str):
            self._add_attr(b, names, last, _Entry(value, pos, end, ast.AttrKind.PLAIN))
        else:
            b.dynamic.append((last, value, pos, end))

    def _add_attr(self, b: AttrsBuilder, names: list, name: str, new: _Entry) -> None:
        """Add ``new`` as ``name`` (the last of ``names``), merging two sets of the same
        name (`a = { x = 1; }; a = { y = 2; };`; any `rec` of the second is dropped).

        Merging nested sets goes depth first, in order, as Nix's does (so the first
        duplicate is the one reported), on a stack of its own: sets may nest
        thousands deep. A nested name's path is kept as (outer path, name) until
        an error needs it whole."""
        todo: list[tuple[AttrsBuilder, object, str, _Entry]] = [(b, names, name, new)]
        while todo:
            b, path, name, new = todo.pop()
            old = b.attrs.get(name)
            if old is None:
                b.attrs[name] = new
                continue
            if not (_is_attrs(new.value) and _is_attrs(old.value)):
                raise self.dup_attr(_unroll(path), new.start, old.start)
            if isinstance(old.value, ast.Attrs):
                old.value = AttrsBuilder.thaw(old.value)
            target: AttrsBuilder = old.value
            incoming = (new.value if isinstance(new.value, AttrsBuilder)
                        else AttrsBuilder.thaw(new.value))
            shift = len(target.inherit_from)
            for entry in incoming.attrs.values():
                if entry.kind == ast.AttrKind.INHERITED_FROM and shift:
                    entry.value = _shift_inherit(self.src, entry.value, shift)
            todo.extend(reversed([(target, (path, sub), sub, entry)
                                  for sub, entry in incoming.attrs.items()]))
            target.dynamic.extend(incoming.dynamic)
            target.inherit_from.extend(incoming.inherit_from)


def _unroll(path) -> list:
    """The names of a path kept as (outer path, name) pairs around a list."""
    inner: list = []
    while isinstance(path, tuple):
        path, name = path
        inner.append(name)
    return [*path, *reversed(inner)]


def _shift_inherit(src: Source, sel: ast.Select, shift: int) -> ast.Select:
    source = sel.expr
    moved = ast.InheritFrom(src, source.start, source.end, source.index + shift)
    return ast.Select(src, sel.start, sel.end, moved, sel.path, None)


def strip_indentation(src: Source, parts: list, start: int, end: int) -> ast.Node:
    """Nix's stripIndentation for ``''`` strings (parser-state.hh).

    ``parts`` holds IND_STR tokens (literal text whose leading spaces count as
    indentation), IND_STR_LIT tokens (escapes: they end a line's indentation)
    and interpolated expressions. Adjacent literal pieces are joined, so the
    result is a ``Str`` whenever there is no interpolation.
    """
    if not parts:
        return ast.Str(src, start, end, "")
    # Nix walks character by character; lines at a time do the same, faster:
    # leading spaces count while at the start of a line, a newline starts one.
    at_start = True
    min_indent = 1000000
    cur = 0  # spaces so far at the start of the current line
    for p in parts:
        if not (isinstance(p, Token) and p.type == "IND_STR"):
            if at_start:
                at_start = False
                min_indent = min(min_indent, cur)
            continue
        for i, line in enumerate(p.value.split("\n")):
            if i:
                at_start = True
                cur = 0
            if at_start:
                spaces = len(line) - len(line.lstrip(" "))
                if spaces < len(line):
                    at_start = False
                    min_indent = min(min_indent, cur + spaces)
                else:
                    cur += spaces

    out: list[ast.Node] = []
    pending: list[str] = []
    pending_start = pending_end = -1
    at_start = True
    dropped = 0
    n = len(parts)

    def flush() -> None:
        nonlocal pending, pending_start
        if pending:
            out.append(ast.Str(src, pending_start, pending_end, "".join(pending)))
        pending = []
        pending_start = -1

    for i, p in enumerate(parts):
        if not isinstance(p, Token):
            at_start = False
            dropped = 0
            flush()
            out.append(p)
            continue
        # every literal piece is trimmed alike; only the first pass told them
        # apart. Of a line's leading spaces the first min_indent are dropped.
        lines = p.value.split("\n")
        for j, line in enumerate(lines):
            if j:
                at_start = True
                dropped = 0
            if at_start:
                spaces = len(line) - len(line.lstrip(" "))
                lines[j] = line[min(spaces, max(0, min_indent - dropped)):]
                if spaces < len(line):
                    at_start = False
                    dropped = 0
                else:
                    dropped += spaces
        s = "\n".join(lines)
        if i == n - 1:
            # drop a last line made only of spaces
            nl = s.rfind("\n")
            if nl >= 0 and s[nl + 1:].strip(" ") == "":
                s = s[: nl + 1]
        if s:
            if pending_start < 0:
                pending_start = p.start_pos
            pending.append(s)
            pending_end = p.end_pos
    flush()
    if not out:
        return ast.Str(src, start, end, "")
    if len(out) == 1 and isinstance(out[0], ast.Str):
        return ast.Str(src, start, end, out[0].value)
    return ast.StrInterp(src, start, end, tuple(out))
