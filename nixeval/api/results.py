"""What the API answers with: frozen, plain value classes whose ``to_json()``
gives what the command line prints for the same question (``nixeval option
--json``, ``options --json``, ``lint --format json``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..eval.errors import Pos
    from ..lint.rules import Finding as LintFinding
    from ..nixos.query import Definition as QueryDefinition
    from ..nixos.query import OptionInfo, Place


@attrs.frozen
class Position:
    """A place in a file: 1-based line and column (both None when only the
    file is known)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}

    @staticmethod
    def of_place(place: Place) -> Position:
        return Position(place.file, place.line, place.column)

    @staticmethod
    def of_pos(pos: Pos) -> Position | None:
        if pos is None:
            return None
        line, column = pos[0].line_col(pos[1])
        return Position(pos[0].name, line, column)


@attrs.frozen
class Definition:
    """One definition of an option: where, at which priority (an int, or
    None where the lib does not say), and how it fared: ``won``,
    ``overridden`` or ``condition false`` (an ``mkIf`` whose condition is false)."""

    position: Position
    priority: Any
    status: str
    value: Any  # as JSON data (derivations by name); None when it fails
    value_text: str  # as Nix text ("«error»" when it fails)
    is_default: bool = False  # the option's own default
    conditional: bool = False

    @property
    def place(self) -> Position:  # the name the command line's tables use
        return self.position

    @property
    def won(self) -> bool:
        return self.status == "won"

    def to_json(self) -> dict[str, Any]:
        return {**self.position.to_json(), "priority": self.priority, "value": self.value,
                "won": self.won, "status": self.status, "default": self.is_default,
                "conditional": self.conditional}

    @staticmethod
    def of(d: QueryDefinition) -> Definition:
        return Definition(Position.of_place(d.place), d.priority, d.status, d.value_data,
                          d.value_text, d.is_default, d.conditional)


@attrs.frozen
class Option:
    """An option: its declaration (type, description, default and example as
    text, declarations with positions), its definitions and its value
    (``value`` as JSON data, ``value_text`` as Nix text; ``error`` instead
    when computing it fails). ``module_system`` is ``native`` or
    ``interpreted`` (the lib's own code ran: fewer definitions are known)."""

    loc: tuple[str, ...]
    name: str  # as lib's showOption writes the path
    type: str
    description: str | None
    default: str | None
    example: str | None
    declarations: tuple[Position, ...]
    definitions: tuple[Definition, ...]
    value: Any
    value_text: str | None
    error: str | None
    read_only: bool
    internal: bool
    module_system: str

    @property
    def native(self) -> bool:
        return self.module_system == "native"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "loc": list(self.loc), "value": self.value,
            "error": self.error, "type": self.type, "default": self.default,
            "description": self.description, "example": self.example,
            "readOnly": self.read_only, "internal": self.internal,
            "moduleSystem": self.module_system,
            "declarations": [p.to_json() for p in self.declarations],
            "definitions": [d.to_json() for d in self.definitions],
        }

    @staticmethod
    def of(info: OptionInfo) -> Option:
        return Option(tuple(info.loc), info.name, info.type, info.description, info.default,
                      info.example, tuple(Position.of_place(p) for p in info.declarations),
                      tuple(Definition.of(d) for d in info.definitions), info.value_data,
                      info.value_text, info.error, info.read_only, info.internal,
                      "native" if info.native else "interpreted")


@attrs.frozen
class Finding:
    """A lint finding: its kind (``conflict``, ``type-error``, …), severity
    (``error``/``warning``), message, the place to change, the other places
    involved, a fix, the option concerned and further notes."""

    kind: str
    severity: str
    message: str
    position: Position | None
    related: tuple[Position, ...]
    fix: str | None
    option: str | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        where = self.position.to_json() if self.position is not None else \
            {"file": None, "line": None, "column": None}
        return {"kind": self.kind, "severity": self.severity, "message": self.message,
                **where, "related": [r.to_json() for r in self.related], "fix": self.fix,
                "option": self.option, "notes": list(self.notes)}

    @staticmethod
    def of(f: LintFinding) -> Finding:
        return Finding(f.kind, f.severity, f.message,
                       Position.of_place(f.place) if f.place is not None else None,
                       tuple(Position.of_place(r) for r in f.related), f.fix, f.option,
                       tuple(f.notes))


@attrs.frozen
class AttributePath:
    """The attribute path at a cursor in a Nix file, read from its syntax
    alone: ``path`` every enclosing attribute name (``let`` bindings
    included), ``span`` the start and end of the innermost attribute's
    key, and ``module_path`` the option path it defines or declares when the
    file is read as a module (``config.`` dropped; None where the attribute
    is inside a function, a ``let`` binding or another value that is not
    plain module structure). ``declares``: under the module's ``options``."""

    path: tuple[str, ...]
    start: Position
    end: Position
    module_path: tuple[str, ...] | None
    declares: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"path": list(self.path), "start": self.start.to_json(),
                "end": self.end.to_json(),
                "modulePath": None if self.module_path is None else list(self.module_path),
                "declares": self.declares}


@attrs.frozen
class OptionAt:
    """What a position in a module file defines: the ``option`` (its path),
    ``rest`` (the part of the written path below the option: a submodule's
    or an attribute set value's keys), and the option's ``definition``
    written there when the evaluation knows it."""

    option: tuple[str, ...]
    name: str
    rest: tuple[str, ...]
    definition: Definition | None

    def to_json(self) -> dict[str, Any]:
        return {"option": self.name, "loc": list(self.option), "rest": list(self.rest),
                "definition": None if self.definition is None else self.definition.to_json()}


@attrs.frozen
class Completion:
    """A completion candidate for an option path: the full path, whether it
    is an ``option`` or a ``set`` of options, and an option's type."""

    loc: tuple[str, ...]
    name: str
    kind: str
    type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "loc": list(self.loc), "kind": self.kind,
                "type": self.type}
