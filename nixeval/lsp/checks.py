"""Fast checks of a buffer against the last good option tree, without
evaluating: a definition of an option that is not declared, and a literal
value its option's type cannot take. Each says what lint says of the same
mistake (its message, its place), and only what lint would report."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ..nixos.query import show_loc
from ..syntax import ast
from .sites import Site, module_sites
from .snapshot import Node, OptionData, Snapshot, TypeShape, is_wildcard

_INT_TYPES = frozenset({"int", "intBetween", "positiveInt", "unsignedInt", "signedInt8",
                        "signedInt16", "signedInt32", "unsignedInt8", "unsignedInt16",
                        "unsignedInt32", "ints.positive", "ints.unsigned"})
_STR_TYPES = frozenset({"str", "string", "lines", "commas", "envVar", "separatedString",
                        "singleLineStr", "nonEmptyStr", "strMatching", "passwdEntry"})
_CHECKED_STR = frozenset({"singleLineStr", "nonEmptyStr", "strMatching", "passwdEntry"})


@dataclass(frozen=True)
class Problem:
    """A fast finding: lint's kind and message, the span (offsets) it is at,
    the option concerned and, for an unknown option, the suggested name."""

    kind: str
    message: str
    start: int
    end: int
    option: str
    suggestion: str | None = None


def check(root: ast.Node, path: str, text: str, snapshot: Snapshot) -> list[Problem]:
    sites = module_sites(root)
    out: list[Problem] = []
    unknown: set[tuple[str, ...]] = set()
    for site in sites:
        if any(site.loc[:n] in unknown for n in range(1, len(site.loc))):
            continue  # below a name already reported
        status = _resolve(snapshot, site.loc)
        if status == "unknown":
            unknown.add(site.loc)
            out.append(_unknown(snapshot, site))
        elif isinstance(status, OptionData) and not site.conditional:
            out.extend(_type_problems(snapshot, site, status, path, text))
    return out


def _resolve(snapshot: Snapshot, loc: tuple[str, ...]) -> OptionData | str | None:
    """The option at ``loc`` itself, ``unknown`` when its last name is not
    declared where names are checked, or None (a set of options, or inside
    an option's value)."""
    node: Node = snapshot.root
    for i, name in enumerate(loc):
        nxt = node.children.get(name)
        if nxt is None:
            nxt = next((n for w, n in node.children.items() if is_wildcard(w)), None)
        if nxt is None:
            # an option's own value (attrsOf …, a freeform submodule) takes any name
            if node.freeform or (node.option is not None and not node.children) or \
                    name == "_module":
                return None
            return "unknown" if i == len(loc) - 1 else None
        node = nxt
    return snapshot.instances.get(loc, node.option) if node.option is not None else None


def _unknown(snapshot: Snapshot, site: Site) -> Problem:
    name = show_loc(site.loc)
    declared = _declared_near(snapshot, site.loc)
    close = difflib.get_close_matches(name, declared, n=1, cutoff=0.75)
    message = f"The option `{name}' does not exist."
    if close:
        message += f" Did you mean `{close[0]}'?"
    return Problem("unknown-option", message, site.node.start, site.node.end, name,
                   close[0] if close else None)


def _declared_near(snapshot: Snapshot, loc: tuple[str, ...]) -> list[str]:
    """The option names lint compares an unknown one with: the system's, or
    inside a submodule instance, that submodule's (with the instance's names)."""
    node, through = snapshot.root, False
    for name in loc[:-1]:
        nxt = node.children.get(name)
        if nxt is None:
            nxt = next((n for w, n in node.children.items() if is_wildcard(w)), None)
            through = through or nxt is not None
        if nxt is None:
            break
        node = nxt
    if not through:
        return snapshot.names
    base = loc[:-1]
    out: list[str] = []

    def walk(n: Node, at: tuple[str, ...]) -> None:
        if n.option is not None:
            out.append(show_loc((*base, *at)))
        for k, child in n.children.items():
            if not is_wildcard(k):
                walk(child, (*at, k))
    walk(node, ())
    return out


def _type_problems(snapshot: Snapshot, site: Site, option: OptionData, path: str,
                   text: str) -> list[Problem]:
    shape = option.shape
    if shape is None or _overridden(option, site):
        return []
    literal = _literal(site.value)
    if literal is None:
        return []
    verdict = _accepts(shape, *literal)
    name = show_loc(site.loc)  # an instance's own (accounts.alice.shell, not <name>)
    if verdict is False:
        shown = text[site.value.start:site.value.end]
        template = snapshot.type_error_template
        if template is None:
            message = (f"A definition for option `{name}' is not of type "
                       f"`{shape.description}'. Definition values:\n- In `{path}': {shown}")
        else:  # the old lib's own words
            message = template.replace("${showOption loc}", name).replace(
                "${def.file}", path).replace("${type.description}", shape.description).replace(
                "${type.name}", shape.name)
        return [Problem("type-error", message, site.node.start, site.node.end, name)]
    # elements: as lint words them where the lib names the element (2020 on)
    if verdict is True and snapshot.type_error_template is None and shape.name == "listOf" \
            and shape.nested and \
            isinstance(site.value, ast.List):
        element = shape.nested[0]
        out = []
        for index, item in enumerate(site.value.items, 1):
            lit = _literal(item)
            if lit is not None and _accepts(element, *lit) is False:
                value = text[item.start:item.end]
                out.append(Problem(
                    "type-error", f"Element {index} of `{name}` is not of type "
                    f"`{element.description}`: {value if len(value) <= 60 else '…'}",
                    item.start, item.end, name))
        return out
    return []


def _overridden(option: OptionData, site: Site) -> bool:
    """Whether a stronger definition discards this one (lib checks the type
    of the definitions that win only)."""
    return any(not d.is_default and d.priority is not None and d.priority < site.priority
               for d in option.definitions)


def _literal(node: ast.Node) -> tuple[str, Any] | None:
    """A written value's kind (and value, where known) when it is a literal."""
    if isinstance(node, ast.Str):
        return "string", node.value
    if isinstance(node, ast.StrInterp):
        return "string", None
    if isinstance(node, ast.Int):
        return "int", node.value
    if isinstance(node, ast.Float):
        return "float", node.value
    if isinstance(node, ast.Var) and node.name in ("true", "false"):
        return "bool", node.name == "true"
    if isinstance(node, ast.Var) and node.name == "null":
        return "null", None
    if isinstance(node, ast.List):
        return "list", None
    if isinstance(node, ast.Attrs) and not node.dynamic:
        return "set", None
    return None


def _accepts(shape: TypeShape, kind: str, value: Any) -> bool | None:
    """Whether a literal can be of the type: True, False, or None when the
    check is not one this knows exactly (ranges, patterns, packages…)."""
    name = shape.name
    if name == "nullOr" and shape.nested:
        return True if kind == "null" else _accepts(shape.nested[0], kind, value)
    if name in ("either", "oneOf") and shape.nested:
        verdicts = [_accepts(t, kind, value) for t in shape.nested]
        if True in verdicts:
            return True
        return False if all(v is False for v in verdicts) else None
    scalar = kind in ("string", "int", "float", "bool", "null")
    if name == "bool":
        return kind == "bool"
    if name in _INT_TYPES or name.startswith("ints."):
        if kind == "int":
            return True if name == "int" else None  # ranges are not checked here
        return None if kind == "path" else False
    if name == "float":
        return kind == "float"
    if name in _STR_TYPES:
        if kind == "string":
            return None if name in _CHECKED_STR else True
        return None if kind == "path" else False
    if name == "enum" and shape.members is not None:
        if kind in ("list", "set"):
            return False
        if value is None and kind != "null":
            return None
        return any(type(m) is type(value) and m == value for m in shape.members)
    if name == "listOf":
        return True if kind == "list" else (False if scalar else None)
    if name in ("attrsOf", "lazyAttrsOf"):
        return True if kind == "set" else (False if scalar else None)
    return None
