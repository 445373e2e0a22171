"""The option dependency graph: which option's value reads which option.

Config sets built by the module system keep their attributes in a
``WatchedDict``: every lookup made while an option's value is being computed
adds an edge from that option to the path read. Reads made outside any
option's computation (the caller asking for ``config.x``) add nothing. The
same stack of options under computation turns Nix's bare "infinite recursion
encountered" into the cycle of options that caused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import readlog

if TYPE_CHECKING:
    import networkx

Loc = tuple[str, ...]


class Graph:
    """Reads recorded during one evaluation (shared by its submodules)."""

    def __init__(self) -> None:
        self.stack: list[Loc] = []  # options whose value is being computed
        self.edges: set[tuple[Loc, Loc]] = set()
        self.owner: dict[int, Loc] = {}  # id of a config/value thunk -> its option
        self.cycles: list[list[Loc]] = []
        # id of a result's `config` value -> its Evaluation (kept alive here)
        self.evaluations: dict[int, Any] = {}
        # every evalModules call so far (submodules' too), in order
        self.created: list[Any] = []
        # every option evaluated so far, by path (submodules' too), first one kept
        self.records: dict[Loc, Any] = {}
        # the first evaluation leaves its check of undeclared definitions to
        # its caller (a re-lint that may know its verdict: see Evaluation)
        self.defer_check = False

    def cycle_through(self, thunk: Any) -> list[Loc] | None:
        """The cycle of options closed by forcing ``thunk`` again, if it
        belongs to an option on the stack."""
        loc = self.owner.get(id(thunk))
        if loc is None or loc not in self.stack:
            return None
        start = len(self.stack) - 1 - self.stack[::-1].index(loc)
        cycle = [*self.stack[start:], loc]
        self.cycles.append(cycle)
        return cycle

    def to_networkx(self, options: set[Loc] | None = None) -> networkx.DiGraph:
        """A DiGraph of option paths; with ``options``, reads of paths that
        are not options (sets on the way to one) are left out."""
        import networkx

        g = networkx.DiGraph()
        for reader, read in self.edges:
            if options is None or read in options:
                g.add_edge(reader, read)
        if options is not None:
            g.add_nodes_from(options)
        return g


class WatchedDict(dict):
    """The attributes of a config set: lookups are recorded as reads (and
    logged, while a read log is in force)."""

    __slots__ = ("graph", "prefix")

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        stack = self.graph.stack
        if stack:
            self.graph.edges.add((stack[-1], (*self.prefix, name)))
        if readlog.LOG is not None:
            readlog.LOG.append((*self.prefix, name))
        return dict.get(self, name, default)

    def __getitem__(self, name: str) -> Any:
        stack = self.graph.stack
        if stack:
            self.graph.edges.add((stack[-1], (*self.prefix, name)))
        if readlog.LOG is not None:
            readlog.LOG.append((*self.prefix, name))
        return dict.__getitem__(self, name)


def watched(graph: Graph, prefix: Loc, vals: dict[str, Any]) -> WatchedDict:
    d = WatchedDict(vals)
    d.graph = graph
    d.prefix = prefix
    return d
