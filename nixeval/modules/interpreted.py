"""An evaluation made by a lib's own module system (interpreted, not bound
to the native one), seen the way front ends see a native one.

What is known about each option is what that lib puts in its ``options``:
the declaration's attributes, ``definitionsWithLocations`` (or ``files`` and
``definitions`` in older libs), ``highestPrio`` where the lib has it. The
definitions a lib filtered out (a lower priority, a false ``mkIf``) are not
there, nor the positions of definitions: front ends show what there is.
"""

from __future__ import annotations

from typing import Any

from ..eval.errors import NixError
from ..eval.ops import force_list
from ..eval.values import Attrs, NixPath, force
from . import legacy
from .definitions import Def
from .evaluation import Evaluation, OptionRecord
from .graph import Graph, Loc
from .sites import definition_site


class LibMerge:
    """The merged definitions of an option as the lib reports them."""

    def __init__(self, defs: list[Def], highest_prio: Any) -> None:
        self.final = defs
        self.discharged = defs
        self.dropped: list[Def] = []
        self.highest_prio = highest_prio


class LibRecord:
    """An option of an interpreted evaluation (``OptionRecord``'s interface)."""

    __slots__ = ("_merge", "decl", "defs", "loc")

    def __init__(self, loc: Loc, option: Attrs) -> None:
        self.loc = loc
        self.decl = option  # the lib's option set: declaration and results together
        self.defs: list[Def] = []
        self._merge: LibMerge | None = None

    @property
    def merge(self) -> LibMerge | None:
        """The definitions, once the lib can give them (``None`` while they
        fail to evaluate: the failure is the value's to report)."""
        if self._merge is None:
            try:
                self._merge = _lib_merge(self.loc, self.decl)
            except NixError:
                return None
            self.defs = self._merge.final
        return self._merge


# what front ends read about an option, from either module system
Record = OptionRecord | LibRecord


def _lib_merge(loc: Loc, option: Attrs) -> LibMerge:
    vals = option.vals
    prio = force(vals["highestPrio"]) if "highestPrio" in vals else None
    if "definitionsWithLocations" in vals:
        pairs = [(d.vals.get("file"), d.vals.get("value"))
                 for d in map(force, force_list(vals["definitionsWithLocations"]))]
    elif "files" in vals and "definitions" in vals:
        pairs = list(zip(force_list(vals["files"]), force_list(vals["definitions"]),
                         strict=False))
    else:
        pairs = []
    defs = []
    for file, value in pairs:
        d = Def(file, value, _site(file, loc))
        d.prio = prio
        d.status = "won"
        defs.append(d)
    return LibMerge(defs, prio)


def _site(file: Any, loc: Loc) -> Any:
    """Where in ``file`` the lib's definition of ``loc`` is (read from the
    file: the lib keeps no position)."""
    f = force(file)
    path = f.path if isinstance(f, NixPath) else f
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    return definition_site(path, loc)


class LibModule:
    """A module as the lib's own ``closeModules`` made it: what lint reads of it."""

    __slots__ = ("disables", "file", "key", "options")

    def __init__(self, m: Attrs) -> None:
        self.file = m.vals["file"]
        self.key = m.vals["key"]
        self.options = m.vals["options"]
        self.disables = m.vals.get("disabledModules", [])


class LibLevel:
    """Where the evaluation's options sit; the lib reports undeclared
    definitions itself (as an error), so none are listed here."""

    def __init__(self, loc: Loc, modules: Any = None) -> None:
        self.loc = loc
        self._modules = modules  # a function giving them (None: not known)

    @property
    def modules(self) -> list[LibModule] | None:
        """The modules, where the native ``closeModules`` of a 2016-2018 lib
        closed them (``legacy.py``); None for any other lib."""
        return self._modules() if self._modules is not None else None

    def unmatched(self) -> list[Any]:
        return []


class LibEvaluation:
    """An ``evalModules`` result computed by the lib's own code."""

    def __init__(self, result: Attrs, graph: Graph, prefix: Loc = (),
                 state: Any = None) -> None:
        self.result = result
        self.graph = graph
        self.options_t = result.vals["options"]
        self.config_t = result.vals["config"]
        self.lib = _Lib(state) if state is not None else None
        self.merged = LibLevel(prefix, self._closed if state is not None else None)
        self._records: dict[Loc, LibRecord] | None = None
        self.made: dict[Loc, LibRecord] = {}  # the records made so far
        self._closed_modules: list[LibModule] | None = None
        graph.created.append(self)

    def _closed(self) -> list[LibModule] | None:
        if self._closed_modules is None:
            options = force(self.options_t)  # (closes the modules)
            closed = legacy.closed_modules(self.lib.state, options)  # type: ignore[union-attr]
            if closed is None:
                return None
            self._closed_modules = [LibModule(force(m)) for m in closed]
        return self._closed_modules

    @property
    def sources(self) -> dict[str, Any] | None:
        """The texts of the module files it loaded, by path (None: not known)."""
        if self.merged.modules is None:
            return None
        return legacy.module_sources(self.lib.state)  # type: ignore[union-attr]

    def undeclared(self) -> frozenset[tuple[Loc, str | None, str]] | None:
        """The names modules define where no option set declares them, each
        with the set's path and the module's file (the lib reports the first
        of a set when the set is read); None where not known."""
        return legacy.undeclared(self.lib.state, force(self.options_t),  # type: ignore[union-attr]
                                 self.merged.loc)

    @property
    def records(self) -> dict[Loc, LibRecord]:
        """Every option of the tree (walked when first asked for)."""
        if self._records is None:
            stack: list[tuple[Any, Loc]] = [(self.options_t, self.merged.loc)]
            while stack:
                node, loc = stack.pop()
                node = force(node)
                if type(node) is not Attrs:
                    continue
                if _is_option(node):
                    self._made(loc, node)
                    continue
                stack.extend((node.vals[name], (*loc, name)) for name in node.names())
            self._records = self.made
        return self._records

    def record(self, loc: Loc) -> LibRecord | None:
        """The option at ``loc`` (only the sets on its way are walked)."""
        hit = self.made.get(loc)
        if hit is not None or self._records is not None:
            return hit
        node = force(self.options_t)
        for name in loc[len(self.merged.loc):]:
            if type(node) is not Attrs or _is_option(node) or name not in node.vals:
                return None
            node = force(node.vals[name])
        return self._made(loc, node) if type(node) is Attrs and _is_option(node) else None

    def _made(self, loc: Loc, node: Attrs) -> LibRecord:
        record = self.made.get(loc)
        if record is None:
            record = self.made[loc] = LibRecord(loc, node)
            self.graph.records.setdefault(loc, record)
        return record


class _Lib:
    """What lint reads of an evaluation's lib: the evaluator it ran in."""

    __slots__ = ("state",)

    def __init__(self, state: Any) -> None:
        self.state = state


def _is_option(v: Attrs) -> bool:
    return "_type" in v.vals and force(v.vals["_type"]) == "option"


# what front ends read about an evaluation, from either module system
AnyEvaluation = Evaluation | LibEvaluation
