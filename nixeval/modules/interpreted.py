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


class LibLevel:
    """Where the evaluation's options sit; the lib reports undeclared
    definitions itself (as an error), so none are listed here."""

    def __init__(self, loc: Loc) -> None:
        self.loc = loc

    def unmatched(self) -> list[Any]:
        return []


class LibEvaluation:
    """An ``evalModules`` result computed by the lib's own code."""

    def __init__(self, result: Attrs, graph: Graph, prefix: Loc = ()) -> None:
        self.result = result
        self.graph = graph
        self.options_t = result.vals["options"]
        self.config_t = result.vals["config"]
        self.merged = LibLevel(prefix)
        self._records: dict[Loc, LibRecord] | None = None
        graph.created.append(self)

    @property
    def records(self) -> dict[Loc, LibRecord]:
        """Every option of the tree (walked when first asked for)."""
        if self._records is None:
            records: dict[Loc, LibRecord] = {}
            stack: list[tuple[Any, Loc]] = [(self.options_t, self.merged.loc)]
            while stack:
                node, loc = stack.pop()
                node = force(node)
                if type(node) is not Attrs:
                    continue
                if _is_option(node):
                    records[loc] = LibRecord(loc, node)
                    continue
                stack.extend((node.vals[name], (*loc, name)) for name in node.names())
            self._records = records
            for loc, record in records.items():
                self.graph.records.setdefault(loc, record)
        return self._records


def _is_option(v: Attrs) -> bool:
    return "_type" in v.vals and force(v.vals["_type"]) == "option"


# what front ends read about an evaluation, from either module system
AnyEvaluation = Evaluation | LibEvaluation
