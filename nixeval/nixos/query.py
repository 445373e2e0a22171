"""What front ends show about one option: its declaration, every definition
with its place and priority and whether it won, and its value."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from ..eval.errors import NixError
from ..eval.values import Attrs, NixPath, force
from ..modules.definitions import Def
from ..modules.graph import Loc
from ..modules.interpreted import LibRecord, Record
from . import render
from .system import System

PRIORITY_NAMES = {1500: "mkOptionDefault", 1000: "mkDefault", 100: "plain",
                  60: "mkImageMediaOverride", 50: "mkForce", 10: "mkVMOverride"}


_PLAIN_PART = re.compile(r"\*|<.+>|[a-zA-Z_][a-zA-Z0-9_'-]*")


def show_loc(loc: Loc) -> str:
    """lib's ``showOption``: parts that are not plain names are quoted."""
    from ..eval.printer import show_string

    return ".".join(p if _PLAIN_PART.fullmatch(p) else show_string(p) for p in loc)


def priority_name(prio: Any) -> str:
    name = PRIORITY_NAMES.get(prio) if type(prio) is int else None
    return f"{name} ({prio})" if name else f"mkOverride {prio}"


@dataclass
class Place:
    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"

    @staticmethod
    def of_def(d: Def) -> Place:
        if d.pos is not None:
            line, col = d.pos[0].line_col(d.pos[1])
            return Place(d.pos[0].name, line, col)
        f = force(d.file)
        return Place(f.path if isinstance(f, NixPath) else str(f))


@dataclass
class Definition:
    place: Place
    priority: Any
    status: str  # won | overridden | condition false
    value_text: str
    value_data: Any
    is_default: bool = False
    conditional: bool = False


@dataclass
class OptionInfo:
    loc: Loc
    type: str
    description: str | None
    default: str | None
    example: str | None
    declarations: list[Place]
    definitions: list[Definition] = field(default_factory=list)
    value_text: str | None = None
    value_data: Any = None
    error: str | None = None  # evaluating the value failed with this message
    read_only: bool = False
    internal: bool = False
    native: bool = True  # evaluated by nixeval's native module system, or the lib's own

    @property
    def name(self) -> str:
        return show_loc(self.loc)

    def to_json(self) -> dict:
        return {
            "name": self.name, "loc": list(self.loc), "value": self.value_data,
            "error": self.error, "type": self.type, "default": self.default,
            "description": self.description, "example": self.example,
            "readOnly": self.read_only, "internal": self.internal,
            "moduleSystem": "native" if self.native else "interpreted",
            "declarations": [{"file": p.file, "line": p.line, "column": p.column}
                             for p in self.declarations],
            "definitions": [{"file": d.place.file, "line": d.place.line,
                             "column": d.place.column, "priority": d.priority,
                             "value": d.value_data, "won": d.status == "won",
                             "status": d.status, "default": d.is_default,
                             "conditional": d.conditional} for d in self.definitions],
        }


def _text(v: Any) -> str | None:
    """A description, default or example: plain text, or a literal's text."""
    v = force(v)
    if type(v) is Attrs and "_type" in v.vals and "text" in v.vals:
        return force(v.vals["text"])
    if isinstance(v, str):
        return v
    return render.to_text(v)


def _safe(fn: Any, *args: Any) -> tuple[Any, str | None]:
    try:
        return fn(*args), None
    except NixError as e:
        return None, e.message


def describe(system: System, record: Record, with_value: bool = True) -> OptionInfo:
    decl = record.decl.vals
    type_text = _safe(type_description, record)[0]
    description = _safe(_text, decl["description"])[0] if "description" in decl else None
    if "defaultText" in decl:
        default = _safe(_text, decl["defaultText"])[0]
    elif "default" in decl:
        default = _safe(render.to_text, decl["default"])[0] or "«error»"
    else:
        default = None
    example = _safe(_text, decl["example"])[0] if "example" in decl else None
    info = OptionInfo(record.loc, type_text or "?", description, default, example,
                      declarations(record),
                      read_only=bool(_safe(lambda: force(decl.get("readOnly", False)))[0]),
                      internal=bool(_safe(lambda: force(decl.get("internal", False)))[0]),
                      native=system.native)
    if with_value:
        value, info.error = _safe(system.value, record.loc)
        if info.error is None:
            info.value_text, info.error = _safe(render.to_text, value)
            info.value_data = _safe(render.to_data, value)[0]
    info.definitions = definitions(record)
    return info


def type_description(record: Record) -> str:
    """The option type's description (libs before 2017 gave types a name only)."""
    t = force(record.decl.vals["type"]) if "type" in record.decl.vals else None
    if type(t) is not Attrs:
        return "?"
    text = t.vals.get("description", t.vals.get("name"))
    return "?" if text is None else str(force(text))


def declarations(record: Record) -> list[Place]:
    """Where the option is declared: with positions where the lib records
    them (``declarationPositions``), else the files."""
    decl = record.decl.vals
    positions = _safe(lambda: force(decl["declarationPositions"]))[0] \
        if "declarationPositions" in decl else None
    if positions is not None:
        return [Place(str(force(p.vals["file"])), force(p.vals["line"]), force(p.vals["column"]))
                for p in map(force, positions)]
    files = _safe(lambda: force(decl["declarations"]))[0] if "declarations" in decl else None
    return [Place(_file_name(f)) for f in files or []]


def _file_name(f: Any) -> str:
    f = force(f)
    return f.path if isinstance(f, NixPath) else str(f)


def definitions(record: Record) -> list[Definition]:
    merge = record.merge
    if merge is None:
        return []
    has_default = "default" in record.decl.vals
    default_def = record.defs[0] if has_default and record.defs else None
    if isinstance(record, LibRecord):  # the lib lists the default only when it won
        default_def = None
    out = []
    for d in [*merge.discharged, *merge.dropped]:
        text, _ = _safe(render.to_text, _stripped(d.value))
        data, _ = _safe(render.to_data, _stripped(d.value))
        out.append(Definition(Place.of_def(d), d.prio, d.status or "?",
                              text if text is not None else "«error»", data,
                              is_default=_is_default(record, d, default_def),
                              conditional=d.status == "condition false"))
    return out


def _is_default(record: Record, d: Def, default_def: Def | None) -> bool:
    if default_def is not None:
        return d.file is default_def.file
    if not isinstance(record, LibRecord) or "default" not in record.decl.vals:
        return False
    if d.prio is not None:
        return d.prio == 1500  # mkOptionDefault: only the default has it
    declared = declarations(record)
    return bool(declared) and _file_name(d.file) == declared[0].file


def _stripped(v: Any) -> Any:
    """A definition's value without its mkOverride/mkOrder wrapper."""
    from ..modules import properties

    v = properties.strip_override(v)
    order = properties.order_of(v)
    return order[1] if order is not None else v


def suggestions(system: System, loc: Loc, limit: int = 5) -> list[str]:
    """Option paths close to ``loc`` ("did you mean")."""
    names = [show_loc(p) for p in system.all_option_paths()]
    return difflib.get_close_matches(show_loc(loc), names, n=limit, cutoff=0.6)
