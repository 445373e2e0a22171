"""The last good option tree as plain Python data: what completion, hover,
go-to-definition, references and symbols answer from while the session is
busy re-evaluating (a session answers one question at a time, and a cold
evaluation of a real tree takes seconds)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import attrs

from ..api import Session
from ..api.results import Definition, Position
from ..eval.errors import NixError
from ..eval.values import Attrs, force

# sub-option trees of submodules nest (a submodule's option holding a submodule …):
# deep enough for real trees, bounded for recursive types
_MAX_SUB_DEPTH = 4
# the value shown on hover: enough to read, not a whole systemd unit set
_MAX_VALUE_CHARS = 2000


def is_wildcard(name: str) -> bool:
    """A name lib's getSubOptions puts for any attribute (``<name>``,
    ``<name?>`` in old libs) or any element (``*``) of an option's value."""
    return name == "*" or (name.startswith("<") and name.endswith(">"))


@dataclass(frozen=True)
class TypeShape:
    """An option type as the literal checks read it: its ``name`` (lib's:
    ``bool``, ``enum``, ``nullOr``…), description, enum members and the
    types it is made of."""

    name: str
    description: str
    members: tuple[Any, ...] | None = None
    nested: tuple[TypeShape, ...] = ()

    def enum_members(self) -> list[Any]:
        """Enum members anywhere in the type (``nullOr (enum …)``, lists of them)."""
        out = list(self.members or ())
        for t in self.nested:
            out.extend(m for m in t.enum_members() if m not in out)
        return out

    def accepts_bool(self) -> bool:
        return self.name == "bool" or any(t.accepts_bool() for t in self.nested
                                          if self.name in ("nullOr", "either", "oneOf"))


@dataclass
class OptionData:
    loc: tuple[str, ...]
    name: str
    type: str
    description: str | None
    default: str | None
    example: str | None
    declarations: tuple[Position, ...]
    shape: TypeShape | None
    definitions: tuple[Definition, ...] = ()
    value_text: str | None = None
    read_only: bool = False


@dataclass
class Node:
    """A set of options, an option, or both's place in the tree; an option
    whose type holds submodules has their options below it, under ``<name>``
    or ``*`` (``users.users.<name>.isNormalUser``)."""

    children: dict[str, Node] = field(default_factory=dict)
    option: OptionData | None = None
    freeform: bool = False  # a submodule taking undeclared attributes

    def child(self, name: str) -> Node:
        return self.children.setdefault(name, Node())


@dataclass
class Snapshot:
    root: Node
    names: list[str]  # every top-level option's shown name (for "did you mean")
    instances: dict[tuple[str, ...], OptionData]  # computed options, by loc
    module_files: frozenset[str]  # files that are modules of this system (real paths)
    type_error_template: str | None  # an old lib's wording of a type error (None: 2020 on)
    pkgs_names: tuple[str, ...] = ()
    lib_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "" and lib.X

    def node(self, loc: tuple[str, ...]) -> Node | None:
        """The tree's node for ``loc``; a name inside an ``attrsOf``/``listOf``
        option's value goes through its wildcard."""
        node = self.root
        for name in loc:
            nxt = node.children.get(name)
            if nxt is None:
                nxt = next((n for w, n in node.children.items() if is_wildcard(w)), None)
            if nxt is None:
                return None
            node = nxt
        return node

    def option_for(self, loc: tuple[str, ...]) -> tuple[OptionData, tuple[str, ...]] | None:
        """The innermost option ``loc`` is in (itself, or one whose value it
        is part of) and the rest of the path below it; the computed instance
        (``users.users.alice.home``) when there is one."""
        node, best = self.root, None
        for i, name in enumerate(loc):
            nxt = node.children.get(name)
            if nxt is None:
                nxt = next((n for w, n in node.children.items() if is_wildcard(w)), None)
            if nxt is None:
                break
            node = nxt
            if node.option is not None:
                best = (self.instances.get(loc[:i + 1], node.option), loc[i + 1:])
        return best

    def is_module_file(self, path: str) -> bool:
        return os.path.realpath(path) in self.module_files


def take(session: Session) -> Snapshot:
    """The snapshot of the session's current evaluation (made now if there
    is none), read on the session's worker thread with its overlays in
    effect. ``ApiError`` when the system does not evaluate."""
    return session.with_system(extract)


def extract(system: Any) -> Snapshot:
    """The snapshot of an evaluated ``System`` (run where the session answers:
    on its worker thread, with its overlays in effect)."""
    from ..modules.interpreted import LibEvaluation

    ev = system.evaluation
    records = ev.records if isinstance(ev, LibEvaluation) else system.graph.records
    root = Node()
    names: list[str] = []
    for record in system.options():
        # the declaration only: definitions are the instances' (below)
        bare = SimpleNamespace(loc=record.loc, decl=record.decl, merge=None, defs=[])
        data = _option(system, record.decl, record.loc, bare)
        names.append(data.name)
        node = root
        for name in record.loc:
            node = node.child(name)
        node.option = data
        _sub_options(system, record.decl, list(record.loc), root, 1)
    instances: dict[tuple[str, ...], OptionData] = {}
    target = getattr(system, "target", None)
    tree = getattr(target, "nixpkgs", None)
    # as lint tells the user's files: not under the tree's nixos/, lib/, pkgs/, or the
    # module system's own directories a home-manager or nix-darwin target names
    own = getattr(target, "own", ())
    below = tuple(os.path.realpath(d) + os.sep for d in own) if own else tuple(
        os.path.join(os.path.realpath(tree), d) + os.sep
        for d in ("nixos", "lib", "pkgs")) if tree else ()
    files: set[str] = set()
    if target is not None and getattr(target, "config", None):
        files.add(os.path.realpath(target.config))
    for loc, record in list(records.items()):
        merge = record._merge if isinstance(ev, LibEvaluation) else record.merge
        if merge is None:  # never computed: nothing known of its definitions yet
            continue
        # the user's options only: the tree's own are many, and not the user's to read
        mine = [f for f in _module_files(merge) if not f.startswith(below)]
        if not mine:
            continue
        files.update(mine)
        try:
            data = _option(system, record.decl, loc, record)
        except Exception:  # a definition that fails to print (a stand-in package): none shown
            continue
        data.value_text = _value_text(system, loc)
        instances[loc] = data
    return Snapshot(root, names, instances, frozenset(files), _type_error_template(root),
                    _names(system, "pkgs"), _lib_names(system))


def _option(system: Any, decl: Attrs, loc: tuple[str, ...], record: Any) -> OptionData:
    from ..nixos.query import describe

    info = describe(system, record, with_value=False)
    shape = None
    if "type" in decl.vals:
        try:
            shape = _shape(force(decl.vals["type"]), 0)
        except NixError:
            shape = None
    # plain data only: the snapshot crosses from the evaluator's process to the server's
    definitions = tuple(attrs.evolve(d, value=d.value if _plain(d.value) else None)
                        for d in map(Definition.of, info.definitions))
    return OptionData(tuple(loc), info.name, _str(info.type) or "?", _str(info.description),
                      _str(info.default), _str(info.example),
                      tuple(Position.of_place(p) for p in info.declarations), shape,
                      definitions, read_only=bool(info.read_only))


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _plain(v: Any) -> bool:
    """JSON-like data (what crosses between the processes as it is)."""
    if v is None or isinstance(v, str | int | float | bool):
        return True
    if isinstance(v, list):
        return all(map(_plain, v))
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain(x) for k, x in v.items())
    return False


def _shape(t: Any, depth: int) -> TypeShape | None:
    if type(t) is not Attrs or depth > 6:
        return None
    name = force(t.vals["name"]) if "name" in t.vals else "?"
    description = force(t.vals["description"]) if "description" in t.vals else name
    functor = force(t.vals["functor"]) if "functor" in t.vals else None
    members = None
    nested: list[Any] = []
    if type(functor) is Attrs:
        payload = force(functor.vals["payload"]) if "payload" in functor.vals else None
        if name == "enum":
            if type(payload) is Attrs and "values" in payload.vals:
                payload = force(payload.vals["values"])
            if isinstance(payload, list):
                members = tuple(m for m in map(force, payload) if _plain(m))
        if "nestedTypes" not in t.vals and "wrapped" in functor.vals and \
                "wrappedDeprecationMessage" not in functor.vals:  # libs before 2024
            wrapped = force(functor.vals["wrapped"])
            nested = list(wrapped) if isinstance(wrapped, list) else [wrapped]
    if "nestedTypes" in t.vals:
        inner = force(t.vals["nestedTypes"])
        if type(inner) is Attrs:
            nested = [inner.vals[k] for k in inner.names()]
    shapes = tuple(s for s in (_shape(force(n), depth + 1) for n in nested) if s is not None)
    return TypeShape(str(name), str(description), members, shapes)


def _sub_options(system: Any, decl: Attrs, prefix: list[str], root: Node, depth: int) -> None:
    """The options of the submodules an option's type holds, put in the tree
    at their own ``loc`` (with lib's ``<name>``/``*`` for the instance), as
    lib's ``getSubOptions`` gives them to the manual."""
    if depth > _MAX_SUB_DEPTH or "type" not in decl.vals:
        return
    try:
        t = force(decl.vals["type"])
        if type(t) is not Attrs or "getSubOptions" not in t.vals or \
                force(t.vals.get("name")) not in _HOLDS_SUBMODULES:
            return
        sub = force(system.state.call(force(t.vals["getSubOptions"]), prefix))
    except (NixError, RecursionError):
        return
    if type(sub) is Attrs:
        _walk_sub(system, sub, root, depth)


# type names whose getSubOptions can give options (the others give {})
_HOLDS_SUBMODULES = frozenset({
    "submodule", "attrsOf", "lazyAttrsOf", "attrsWith", "listOf", "nullOr", "loaOf",
    "uniq", "unique", "coercedTo", "either", "functionTo", "optionSet"})


def _walk_sub(system: Any, attrs: Attrs, root: Node, depth: int) -> None:
    freeform, parent = False, None
    for name in attrs.names():
        try:
            value = force(attrs.vals[name])
            if type(value) is not Attrs:
                continue
            if name == "_freeformOptions":
                freeform = True
                continue
            if not _is_option(value):
                _walk_sub(system, value, root, depth)
                continue
            loc = tuple(force(x) for x in force(value.vals["loc"]))
            fake = SimpleNamespace(loc=loc, decl=value, merge=None, defs=[])
            data = _option(system, value, loc, fake)
        except (NixError, KeyError):
            continue
        parent = loc[:-1]
        node = _place(root, loc)
        node.option = data
        _sub_options(system, value, list(loc), root, depth + 1)
    if freeform and parent is not None:
        _place(root, parent).freeform = True


def _place(root: Node, loc: tuple[str, ...]) -> Node:
    node = root
    for part in loc:
        node = node.child(part)
    return node


def _is_option(v: Attrs) -> bool:
    t = v.vals.get("_type")
    try:
        return t is not None and force(t) == "option"
    except NixError:
        return False


def _value_text(system: Any, loc: tuple[str, ...]) -> str | None:
    from ..nixos import render

    try:
        text = render.to_text(system.value(loc))
    except Exception:  # a value that fails to print (a stand-in package, too deep) shows none
        return None
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + " …"


def _module_files(merge: Any) -> Iterator[str]:
    from ..eval.values import NixPath

    for d in [*merge.discharged, *merge.dropped]:
        try:
            f = force(d.file)
        except NixError:
            continue
        path = f.path if isinstance(f, NixPath) else str(f)
        if path.startswith("/"):
            yield os.path.realpath(path)


def _type_error_template(root: Node) -> str | None:
    """How the lib words a definition of the wrong type: None for "A
    definition for option `x' is not of type" (2020 on), else its older
    template ("The option value `${showOption loc}' in `${def.file}' is not
    a ${type.description}." and the like), read from its modules.nix, found
    by ``_module.args``'s declaration."""
    node = root.children.get("_module")
    args = node.children.get("args") if node is not None else None
    decls = args.option.declarations if args is not None and args.option else ()
    for p in decls:
        try:
            with open(p.file, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        if "A definition for option" in text:
            return None
        m = re.search(r'"(The option value `\$\{showOption loc\}[^"]*)"', text)
        return m.group(1) if m else None
    return None


_EMBEDDED_LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")


def _names(system: Any, arg: str) -> tuple[str, ...]:
    """The names of a module argument (``pkgs``), when it is a set."""
    try:
        args = force(force(force(system.evaluation.config_t).vals["_module"]).vals["args"])
        value = force(args.vals[arg]) if arg in args.vals else None
    except (NixError, KeyError):
        return ()
    return tuple(value.names()) if type(value) is Attrs else ()


def _lib_names(system: Any) -> dict[str, tuple[str, ...]]:
    """``lib``'s names and those of its sets one level down (``lib.types.``),
    from the lib the system's modules get (a module argument, else the
    tree's ``lib/``)."""
    try:
        args = force(force(force(system.evaluation.config_t).vals["_module"]).vals["args"])
        lib = force(args.vals["lib"]) if "lib" in args.vals else None
        tree = getattr(getattr(system, "target", None), "nixpkgs", None)
        # the tree's lib, else the embedded one (<nixeval/lib>: module sets without nixpkgs)
        for where in [os.path.join(tree, "lib")] if tree else [], [_EMBEDDED_LIB]:
            if lib is None and where and os.path.isfile(os.path.join(where[0], "default.nix")):
                lib = force(system.state.eval_file(os.path.join(where[0], "default.nix")))
    except (NixError, KeyError, OSError):
        lib = None
    if type(lib) is not Attrs:
        return {}
    out = {"": tuple(lib.names())}
    for name in lib.names():
        try:
            v = force(lib.vals[name])
        except NixError:
            continue
        if type(v) is Attrs and len(v.vals) < 2000:
            out[name] = tuple(v.names())
    return out
