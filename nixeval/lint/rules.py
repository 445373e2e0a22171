"""The lint rules, run over one evaluation of a configuration.

Every declared option's value is computed (deeply, but not into derivations),
each failure is classified by Nix's own message, and the module system's own
checks are read as data: undeclared definitions, ``assertions`` and
``warnings``. A finding names the place to change, the other places involved,
and a fix.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import linecache
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from .. import inputs, readlog
from ..eval.errors import InfiniteRecursion, NixError, Pos
from ..eval.ops import coerce_to_string
from ..eval.values import Attrs, Lambda, NixPath, PrimOp, PrimOpApp, force
from ..modules.collect import Module
from ..modules.definitions import Def
from ..modules.graph import Loc
from ..modules.interpreted import AnyEvaluation, LibEvaluation, LibModule, Record
from ..modules.sites import definition_site, list_element, value_at
from ..modules.structure import StructuralRead, structural_read
from ..nixos.placeholder import MARK as PLACEHOLDER_MARK
from ..nixos.query import Place, show_loc, type_description
from ..nixos.system import System
from ..readlog import Span
from ..syntax import Source, ast
from .edits import changed_paths
from .incremental import Changes, EvaluationEntry, Stale, Trace, Unit

KINDS = ("conflict", "type-error", "unknown-option", "renamed-option", "removed-option",
         "assertion", "warning", "infinite-recursion", "eval-error", "test-script")

# how much of one option's value is forced: enough for any configuration's own
# values, not a whole package set handed around as a value
_MAX_DEPTH = 16
_MAX_NODES = 5000
_MAX_EVALUATIONS = 20000
# option types whose values are not configuration data to look into
_OPAQUE_TYPES = ("pkgs", "raw")

# lib's texts, newest first, then those of older libs (which users still run)
_CONFLICT = re.compile(r"The (?:unique )?option `(.+?)' (?:has conflicting definition(?: values:"
                       r"|s, in )|is defined multiple times(?:, in | while it))")
_TYPE_ERROR = re.compile(r"(?:A definition for option `(?P<opt>.+?)' is not of type "
                         r"`(?P<type>.*?)'\. Definition values:"
                         r"|The option value `(?P<opt2>.+?)' in `(?P<file>.+?)' is not "
                         r"(?:of type `(?P<type2>.*?)'|an? (?P<type3>.*?))\.$)", re.S)
# a list element's option path, as listOf names it (quoted since 2020)
_ELEMENT = re.compile(r'^(?P<base>.*)\.(?:"\[definition (?P<n>\d+)-entry (?P<m>\d+)\]"'
                      r'|\[definition (?P<n2>\d+)-entry (?P<m2>\d+)\])$')
_FILE_IN_TEXT = re.compile(r"(/[^\s`'\":,]+\.nix)\b")
_DEF_FILE = re.compile(r"^- In `(.*?)'(?::|$)", re.M)
_UNKNOWN = re.compile(r"The option `(.+?)' (?:defined in `(.+?)' )?does not exist\.")
_NO_VALUE = re.compile(r"The option `(.+?)' (?:was accessed but has no value defined"
                       r"|is used but not defined)\.")
_REMOVED = re.compile(r"The option definition `(.+?)' in (.+?) no longer has any effect; "
                      r"please remove it\.\n?(.*)", re.S)
_REMOVED_READ = re.compile(r"The option `(.+?)' can no longer be used since it's been removed\.")
_RENAMED = re.compile(r"The option `(.+?)' defined in (.+?) has been renamed to `(.+?)'\.")
_OPTION_FRAME = re.compile(r"while evaluating the option `(.+)':$")
_DEFS_FRAME = re.compile(r"while evaluating definitions from `(.+)':?$")
_PRINTED_WARNING = re.compile(r"(?:trace: )?(?:evaluation )?warning: (.*)", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# option names quoted in free text: `a.b', "a.b", `a.b` and in typographic quotes
_QUOTED = re.compile("[`\u2018\"']([A-Za-z_][\\w.<>*\"'-]*?)[\u2019'`\"]")


@dataclass
class Finding:
    kind: str  # one of KINDS
    severity: str  # "error" | "warning"
    message: str
    place: Place | None  # what to change (never None once lint returns it)
    related: list[Place] = field(default_factory=list)  # the other parties
    fix: str | None = None
    option: str | None = None  # the option concerned, as lib's showOption writes it
    notes: list[str] = field(default_factory=list)  # more to read (lib's own full text)


def lint(system: System, *, show_trace: bool = False, every_option: bool = False
         ) -> list[Finding]:
    """Every finding for ``system``, errors first. Nothing is raised for
    problems in the configuration: they are findings. The values computed
    are those of the options the configuration defines (as a build would
    compute them, and with them whatever they read) and ``assertions`` and
    ``warnings``; ``every_option`` computes all of them (modules that are
    not in use included)."""
    return lint_traced(system, show_trace=show_trace, every_option=every_option)[0]


def lint_traced(system: System, *, show_trace: bool = False, every_option: bool = False,
                log: list[Any] | None = None, previous: Trace | None = None,
                changed: frozenset[str] = frozenset()) -> tuple[list[Finding], Trace | None]:
    """``lint``, and with ``log`` (the read log in force while ``system`` was
    evaluated and is linted) the trace of this lint for the next one. With
    ``previous`` (the last lint's trace, the module files ``changed`` since),
    the steps the change cannot have touched give what they gave then (see
    ``incremental``); ``Stale`` when that cannot be done."""
    linter = _Linter(system, show_trace, every_option)
    if log is not None:
        linter.begin_trace(log, previous, changed)
    # What evaluation prints (lib.warn while the system is assembled) is
    # collected here: warnings become findings, the rest is passed on.
    printed = io.StringIO()
    linter.printed = printed
    with contextlib.redirect_stderr(printed):
        linter.run()
    linter.take_printed(printed.getvalue())
    if linter.unmodelled:
        sys.stderr.write(
            f"nixeval lint: {linter.unmodelled} check(s) needed what packages contain, and "
            "the package set was a stand-in (placeholder packages): run with --pkgs real to "
            "make them\n")
    findings = linter.result()
    try:
        trace = linter.finish_trace()
    except NixError:  # a module's file or key that does not evaluate: no trace to reuse
        trace = None
    return findings, trace


class _Placeholder:
    """An evaluation the last lint made in a step reused now: its steps can
    only be reused too."""

    __slots__ = ("loc",)

    def __init__(self, loc: Loc) -> None:
        self.loc = loc


class _Linter:
    def __init__(self, system: System, show_trace: bool, every_option: bool = False) -> None:
        self.system = system
        self.every_option = every_option
        self.unmodelled = 0  # errors that came from placeholder packages, not the config
        self.graph = system.graph
        self.show_trace = show_trace
        self.findings: list[Finding] = []
        self.seen: set[Any] = set()
        self.checked: set[int] = set()  # evaluations whose undeclared definitions were read
        tree = os.path.realpath(system.target.nixpkgs)
        # definitions from these are NixOS' own; anything else is the user's
        # (a configuration may live inside the nixpkgs checkout itself)
        self.tree = tuple(os.path.join(tree, d) + os.sep for d in ("nixos", "lib", "pkgs"))
        # a home-manager or nix-darwin target names its module system's trees
        own = getattr(system.target, "own", ())
        if own:
            self.tree = tuple(os.path.realpath(d) + os.sep for d in own)
        self.qemu_vm = os.path.realpath(system.target.qemu_vm_module)
        self._by_name: dict[str, Record] = {}
        self._done: set[int] = set()  # evaluations linted, or not to lint
        self.top: AnyEvaluation | None = None
        self.printed = io.StringIO()
        # the evaluations in the order they are gone through: the graph's own
        # list, or (reusing a trace) the real ones and placeholders
        self.order: list[Any] = self.graph.created
        # tracing: the log, the trace being made, the one reused and what changed
        self.log: list[Any] | None = None
        self.trace: Trace | None = None
        self.previous: Trace | None = None
        self.reuse: Trace | None = None  # ``previous``, once found reusable
        self.top_paths: set[Loc] = set()  # the top evaluation's options
        # where each placeholder is in ``order``, by prefix, and how far the
        # lint has gone through ``order`` (placeholders before are replayed)
        self._placeholders: dict[Loc, list[int]] = {}
        self.gone_through = 0
        self.changes: Changes | None = None
        self.events: list[tuple[Any, ...]] | None = None  # the current step's
        self.changed: frozenset[str] = frozenset()

    # tracing -----------------------------------------------------------------
    def begin_trace(self, log: list[Any], previous: Trace | None,
                    changed: frozenset[str]) -> None:
        self.log = log
        if previous is not None and previous.every_option == self.every_option:
            self.previous = previous
            self.changed = changed

    def finish_trace(self) -> Trace | None:
        trace = self.trace
        if trace is None or self.top is None:
            return None
        defined_in: dict[str, set[Loc]] = {}
        if self.reuse is not None:  # files not changed define what they did
            for f, locs in self.reuse.defined_in.items():
                if f not in self.changed:
                    defined_in[f] = locs
        for ev in self.graph.created:
            for loc, record in _made(ev).items():
                for d in record.defs:
                    defined_in.setdefault(_file(d), set()).add(loc)
        trace.defined_in = defined_in
        trace.order = [_prefix(ev) for ev in self.order]
        trace.texts = _texts(self.graph.created, self.is_users_file)
        if self.reuse is not None:
            trace.keep_touched(self.reuse)
        trace.loaded = [self.reuse.loaded[i] if type(ev) is _Placeholder  # type: ignore[union-attr]
                        else _loaded(ev) for i, ev in enumerate(self.order)]
        trace.signatures = [self.reuse.signatures[i] if type(ev) is _Placeholder  # type: ignore[union-attr]
                            else _signature(ev) for i, ev in enumerate(self.order)]
        return trace

    def _start_trace(self, top: AnyEvaluation) -> None:
        """The trace begins once the top evaluation is there; reusing the
        last one needs the same modules, none of the changed ones declaring
        options. An evaluation by a lib's own module system is traced only
        where its modules are known, and reused only with the same undeclared
        definitions (the lib reports one wherever its set of options is read,
        which no read log shows)."""
        previous = self.previous
        undeclared = None
        if type(top) is LibEvaluation:
            undeclared = top.undeclared() if top.merged.modules is not None else None
            if undeclared is None:
                if previous is not None:
                    raise Stale("an evaluation whose reads cannot be traced")
                return
        modules, declaring = _modules_of(top)
        self.trace = Trace(self.every_option, modules, declaring)
        self.trace.undeclared = undeclared
        if previous is None:
            return
        changed = self.changed
        if modules != previous.modules or changed & (declaring | previous.declaring) \
                or not changed <= {f for f, _ in modules}:
            raise Stale("the module structure changed")
        if _freeform(top):
            raise Stale("a freeform configuration: its names come from definitions")
        if undeclared != previous.undeclared:
            raise Stale("other undeclared definitions")
        self.order = list(self.graph.created)
        if [ev.merged.loc for ev in self.order] != previous.order[:len(self.order)]:
            raise Stale("other evaluations were made")
        self.reuse = previous

    def _find_changes(self, top: AnyEvaluation, listed: bool) -> Changes | None:
        """What the change touched. Before the top evaluation's options are
        listed (``listed`` false), only where every changed file's text
        before and after tells which definitions changed (else None)."""
        previous, changed = self.reuse, self.changed
        found = self._changed_definitions(top, previous, changed, listed)  # type: ignore[arg-type]
        if found is None:
            return None
        defined_now, structural = found
        # what an evaluation inside made of a changed module is under its prefix
        for loc, loaded in zip(previous.order[1:], previous.loaded[1:], strict=True):  # type: ignore[union-attr]
            if loaded & changed:
                if not loc:
                    raise Stale("a changed module is in another whole configuration")
                defined_now.add(loc)
        return Changes(changed, defined_now, previous.touched, structural)  # type: ignore[union-attr]

    def _changed_definitions(self, top: AnyEvaluation, previous: Trace,
                             changed: frozenset[str], listed: bool
                             ) -> tuple[set[Loc], bool] | None:
        """The options of ``top`` whose definitions the change of ``changed``
        (module files) may have changed: where a file's text before and
        after tells, those of its options whose definitions are written
        otherwise (and the paths written otherwise); else, once the options
        are listed, every option the file defines, before or after. And
        whether the names defined may have changed: true unless every path
        written otherwise is an option's or inside one."""
        paths = previous.linted[0].paths if 0 in previous.linted else []
        prefixes = {loc[:k] for loc in paths for k in range(len(loc))}
        options = set(paths)
        texts = _sources_defining(top, changed)
        now: dict[str, set[Loc]] = {}
        if listed:
            for loc, record in _made(top).items():
                for d in record.defs:
                    if _file(d) in changed:
                        now.setdefault(_file(d), set()).add(loc)
        out: set[Loc] = set()
        structural = False
        for f in changed:
            locs = previous.defined_in.get(f, set())
            old, new = previous.texts.get(f), texts.get(f)
            edited = changed_paths(old, new, prefixes) if old and new else None
            if type(top) is LibEvaluation and (edited is None or edited & prefixes):
                # what the file defines is known only for the options merged
                # (LibRecord): an edit above options may define others
                raise Stale("an edit of a set above options, in an interpreted evaluation")
            if edited is None:
                if not listed:
                    return None
                structural = True
                out |= locs | now.get(f, set())
                continue
            structural = structural or not all(
                any(p[:k] in options for k in range(1, len(p) + 1)) for p in edited)
            # a path newly defined is among those written otherwise; a set above
            # options written otherwise may define options it did not (known
            # once they are listed)
            out |= edited
            if any(p in prefixes for p in edited):
                if not listed:
                    return None
                locs = locs | now.get(f, set())
            out |= {loc for loc in locs for p in edited
                    if loc[:len(p)] == p or p[:len(loc)] == loc}
        return out, structural

    def step(self, key: tuple[int, Any], loc: Loc | None, fn: Any,
             must_compute: bool = False) -> Unit | None:
        """Run ``fn`` as step ``key`` of the lint: traced, or (reusing a
        trace) given again from the last lint when nothing it read changed."""
        if self.trace is None:
            fn()
            return None
        old = self.reuse.units.get(key) if self.reuse is not None else None
        ev = self.order[key[0]]
        if old is not None and not must_compute and self.changes is not None \
                and self.changes.clean(old):
            self.replay(old)
            self.trace.units[key] = old
            self.trace.reused += 1
            return old
        if type(ev) is _Placeholder:
            raise Stale("a step of an evaluation not made again read what changed")
        log = self.log
        start, printed, made = len(log), self.printed.tell(), len(self.graph.created)  # type: ignore[arg-type]
        readlog.open_stretch()
        self.events = events = []
        try:
            fn()
        finally:
            self.events = None
        end = len(log)  # type: ignore[arg-type]
        new = self.graph.created[made:]
        if self.reuse is not None:
            new = [e for e in new if not self._in_place_of_placeholder(e)]
        unit = Unit(loc, Span(log, start, end) if end != start else None, events,  # type: ignore[arg-type]
                    self.printed.getvalue()[printed:] if self.printed.tell() != printed else "",
                    [(e.merged.loc, id(e) in self._done) for e in new])
        if self.reuse is not None:
            if [m for m, _ in unit.made] != [m for m, _ in (old.made if old else [])]:
                raise Stale("a step made other evaluations than before")
            self.order.extend(new)
        self.trace.units[key] = unit
        return unit

    def _in_place_of_placeholder(self, ev: AnyEvaluation) -> bool:
        """An evaluation a step made now that a reused step made before (a
        value both read, computed by the first in a cold lint): it takes
        the place of that step's placeholder, not yet gone through."""
        waiting = self._placeholders.get(ev.merged.loc)
        while waiting and waiting[0] < self.gone_through:
            waiting.pop(0)
        signature = _signature(ev) if waiting else None
        # the same prefix and the same modules: the same evaluation
        index = next((i for i in waiting or () if signature is not None
                      and self.reuse.signatures[i] == signature), None)  # type: ignore[union-attr]
        if index is None:
            return False
        waiting.remove(index)  # type: ignore[union-attr]
        if id(self.order[index]) in self._done:
            self._done.add(id(ev))
        self.order[index] = ev
        return True

    def replay(self, unit: Unit) -> None:
        """What ``unit`` reported, reported again, and placeholders for the
        evaluations it made."""
        for event in unit.events:
            kind = event[0]
            if kind == "add":
                self._add(event[1], replace(event[2]))
            elif kind == "seen":
                if event[1] in self.seen:
                    raise Stale("a step reported what an earlier one now reports")
                self._mark(event[1])
            elif kind == "skipped":
                if event[1] not in self.seen:
                    raise Stale("a step left out what no earlier one reports now")
                self._mark(event[1])
            else:
                self.unmodelled += 1
        if unit.printed:
            self.printed.write(unit.printed)
        for loc, done in unit.made:
            placeholder = _Placeholder(loc)
            self._placeholders.setdefault(loc, []).append(len(self.order))
            self.order.append(placeholder)
            if done:
                self._done.add(id(placeholder))

    # running -----------------------------------------------------------------
    def run(self) -> None:
        try:
            top = self.system.evaluation
        except NixError as e:
            if any(getattr(ev, "check_deferred", False) for ev in self.graph.created[:1]):
                # a cold evaluation would have checked before what failed
                raise Stale("the evaluation failed with its check deferred") from None
            # lib stops at the first undeclared definition; the evaluation
            # exists all the same, so report them all and go on with it
            self.log = None
            top = _top_evaluation(self.graph.created)
            self.unknown_options()
            if top is None or not self.findings:
                self.error(e, None)
                return
        self.top = top
        if self.log is not None and self.graph.created and self.graph.created[0] is top:
            try:
                self._start_trace(top)
            except NixError:  # its structure fails: linted afresh, as it reports that
                self.trace = self.reuse = None
                self.order = self.graph.created
        self._done.add(id(top))
        if self.reuse is not None:
            self.changes = self._find_changes(top, False)
        self.check_undeclared(top)
        self.compute(top, 0)
        # Submodules (users.users.<name>, …) too, each on its own: an error in
        # one instance fails the whole option and would hide the others'.
        i = 0
        while i < len(self.order) and i < _MAX_EVALUATIONS:
            ev = self.order[i]
            i += 1
            self.gone_through = i
            if id(ev) not in self._done:
                self._done.add(id(ev))
                self.compute(ev, i - 1)
        self.gone_through = len(self.order)
        for rule in (self.assertions, self.warnings):
            def checked(rule: Any = rule) -> None:
                try:
                    rule(top)
                except NixError as e:  # the option tree itself fails (as the lib's own may)
                    self.error(e, None)
            self.step((0, rule.__name__), (rule.__name__,), checked)
        self.unknown_options()

    def check_undeclared(self, top: AnyEvaluation) -> None:
        """The top evaluation's check of undeclared definitions (lib's, made
        before it gives ``config``), a step of its own. A cold lint finds it
        made; a re-lint's evaluation leaves it here (``Evaluation.take_check``),
        to give the last verdict, a pass, when nothing it read changed and the
        edit left the names defined as they were; else it is made now, and
        a failure, or anything it makes or prints, lints afresh (made after
        the values the evaluation computed, not before them as cold)."""
        first = self.graph.created[0] if self.graph.created else None
        deferred = getattr(first, "check_deferred", False)
        if deferred and (first is not top or self.trace is None):
            raise Stale("a deferred check this lint cannot take over")
        if self.trace is None:
            return
        key = (0, "<check>")
        if not deferred:
            check = getattr(top, "_check", None)
            code = getattr(check, "code", False)
            if code is None or type(code) is Span:  # made (its reads kept), and passed
                self.trace.units[key] = Unit(None, code, [], "", [])
            return
        old = self.reuse.units.get(key) if self.reuse is not None else None
        changes = self.changes
        if old is not None and changes is not None and not changes.structural \
                and changes.clean(old):
            top.take_check(True)
            self.trace.units[key] = old
            self.trace.reused += 1
            return
        log = self.log
        start, printed, made = len(log), self.printed.tell(), len(self.graph.created)  # type: ignore[arg-type]
        readlog.open_stretch()
        try:
            top.take_check(False)
        except NixError:
            raise Stale("the check of undeclared definitions fails") from None
        if len(self.graph.created) != made or self.printed.tell() != printed:
            raise Stale("the check of undeclared definitions made or printed something")
        end = len(log)  # type: ignore[arg-type]
        self.trace.units[key] = Unit(None, Span(log, start, end) if end != start else None,  # type: ignore[arg-type]
                                     [], "", [])

    def compute(self, ev: AnyEvaluation | _Placeholder, index: int) -> None:
        """Compute every option value of ``ev``, reporting what fails."""
        entry = EvaluationEntry()
        old = self.reuse.linted.get(index) if self.reuse is not None else None
        if self.reuse is not None and old is None:
            raise Stale("an evaluation not linted before")
        if self.trace is not None:
            self.trace.linted[index] = entry
        if type(ev) is _Placeholder:
            self.step((index, "<options>"), None, _nothing)
            paths = entry.paths = old.paths  # type: ignore[union-attr]
        else:
            paths = None
            if index == 0 and old is not None:  # the top evaluation, reusing
                listing = self.reuse.units.get((0, "<options>"))  # type: ignore[union-attr]
                if self.changes is not None and listing is not None and not listing.made \
                        and self.changes.clean(listing):
                    # what listing them read is as it was: the same options (not
                    # when listing made evaluations: a step may make them instead)
                    self.step((0, "<options>"), None, _nothing)
                    paths = entry.paths = old.paths
            if paths is None:
                paths = self.option_paths(ev, index, entry)
                if paths is None:
                    if old is not None and index == 0:
                        raise Stale("the options cannot be listed")
                    return
                if old is not None and paths != old.paths:
                    raise Stale("the options changed")
                if old is not None and index == 0 and self.changes is None:
                    self.changes = self._find_changes(ev, True)
            if index == 0:
                self.top_paths = set(paths)
        changes = self.changes
        for loc in paths:
            if changes is not None and not changes.touches_path(loc):
                if not old.candidates.get(loc, False):  # type: ignore[union-attr]
                    entry.candidates[loc] = False
                    continue
            elif not self.candidate(ev, loc):
                entry.candidates[loc] = False
                continue
            entry.candidates[loc] = True
            self.step((index, loc), loc, lambda loc=loc: self.compute_option(ev, loc))

    def option_paths(self, ev: AnyEvaluation, index: int, entry: EvaluationEntry
                     ) -> list[Loc] | None:
        """The options ``ev`` declares (a step of its own: the evaluations it
        makes are only declared, and not linted)."""
        paths: list[Loc] | None = None

        def listed() -> None:
            nonlocal paths
            made = len(self.graph.created)
            try:
                paths = _option_paths(ev)
            except NixError as e:
                self.error(e, None)
            finally:
                # Evaluations made only to declare options (a submodule type's
                # sub-options; a variant of the whole configuration, as NixOS'
                # virtualisation.vmVariant, whose own options make the next
                # variant) hold no definitions to check: linting them would only
                # make more. Those made while computing values are linted.
                self._done.update(id(e) for e in self.graph.created[made:])
        self.step((index, "<options>"), None, listed, must_compute=True)
        entry.paths = paths or []
        return paths

    def candidate(self, ev: Any, loc: Loc) -> bool:
        """Whether the option at ``loc`` is computed: not an alias, not the
        module system's own, and (unless every option is) defined by the user."""
        if type(ev) is _Placeholder:
            raise Stale("an option of an evaluation not made again changed")
        record = self.record_at(ev, loc)
        if "_module" in loc[len(ev.merged.loc):] or record is None or _is_alias(record):
            return False
        return self.every_option or self.defined_by_user(record)

    def record_at(self, ev: AnyEvaluation, loc: Loc) -> Record | None:
        """The record of ``ev``'s option at ``loc``; reusing a trace, the
        option may not have been listed: made now (Stale if making it made
        an evaluation, which a cold lint made elsewhere)."""
        if self.reuse is not None and type(ev) is LibEvaluation:
            return ev.record(loc)  # not every option: what a fresh lint reads is reused
        record = ev.records.get(loc)
        if record is not None or self.reuse is None:
            return record
        made = len(self.graph.created)
        try:
            node = force(ev.options_t)
            for name in loc[len(ev.merged.loc):]:
                node = force(dict.__getitem__(node.vals, name))
        except (NixError, KeyError, AttributeError):
            return None
        finally:
            if len(self.graph.created) != made:
                raise Stale("an option made an evaluation")
        return ev.records.get(loc)

    def compute_option(self, ev: AnyEvaluation, loc: Loc) -> None:
        record = self.record_at(ev, loc)
        assert record is not None  # a candidate's
        shallow = _is_shallow(record)
        made = len(self.graph.created)
        try:
            value = _value(ev, loc)
            if _type_name(record) not in _OPAQUE_TYPES and not shallow:
                _force_deeply(value)
        except NixError as e:
            self.error(e, loc)
        if shallow and ev is not self.top:
            # a configuration in a configuration (NixOS' vmVariant, shown
            # shallow by lib's docs for the same reason) holds the next one:
            # the top's is linted, the ones inside it are not made for ever
            self._done.update(id(e) for e in self.graph.created[made:])

    def result(self) -> list[Finding]:
        kept = [f for f in self.findings if not self._covered(f)]
        for f in kept:
            if f.place is None:
                f.place = self.fallback_place(f)
        return sorted(kept, key=lambda f: f.severity != "error")

    def fallback_place(self, f: Finding) -> Place:
        """Where a finding Nix gave no position for belongs: the first file
        its message names (the user's first), else the configuration."""
        named = [p for p in _FILE_IN_TEXT.findall(f.message) if inputs.isfile(p)]
        mine = [p for p in named if self.is_users_file(p)]
        return Place((mine or named or [self.system.target.config])[0])

    def _covered(self, f: Finding) -> bool:
        """An evaluation error that another finding already explains."""
        if f.kind != "eval-error":
            return False
        kinds = {g.kind for g in self.findings}
        options = {(g.kind, g.option) for g in self.findings}
        if "Failed assertions:" in f.message:
            return bool(kinds & {"assertion", "removed-option"})
        for pattern, kind in ((_UNKNOWN, "unknown-option"), (_REMOVED_READ, "removed-option")):
            m = pattern.match(f.message)
            if m and (kind, m.group(1)) in options:
                return True
        return False

    def add(self, finding: Finding) -> None:
        self._add((finding.kind, finding.message), finding)

    def _add(self, key: Any, finding: Finding) -> None:
        """Report ``finding`` unless one of ``key`` was (and note it for the trace)."""
        if self.events is not None:
            self.events.append(("add", key, replace(finding)))
        if key not in self.seen:
            self.seen.add(key)
            self.findings.append(finding)

    def _already(self, key: Any) -> bool:
        """Whether ``key`` was seen; it is from now on (noted for the trace)."""
        seen = key in self.seen
        if self.events is not None:
            self.events.append(("skipped" if seen else "seen", key))
        self.seen.add(key)
        return seen

    def _mark(self, key: Any) -> None:
        self.seen.add(key)

    def _unmodelled(self) -> None:
        self.unmodelled += 1
        if self.events is not None:
            self.events.append(("unmodelled",))

    def take_printed(self, text: str) -> None:
        rest = []
        for entry in re.split(r"\n(?=trace: |evaluation warning: )", text.rstrip("\n")):
            # lib.warn is builtins.warn, or a coloured builtins.trace in older libs
            m = _PRINTED_WARNING.match(_ANSI.sub("", entry))
            if m:
                message = m.group(1).rstrip()
                if not any(f.message.rstrip() == message for f in self.findings):
                    self.add(Finding("warning", "warning", message, None))
            elif entry.strip():
                rest.append(entry)
        if rest:
            sys.stderr.write("\n".join(rest) + "\n")

    # looking things up ---------------------------------------------------------
    def record(self, name: str | None) -> Record | None:
        """An evaluated option by its shown name (as in Nix's messages)."""
        if name is None:
            return None
        if name not in self._by_name:
            self._by_name = {show_loc(loc): r for loc, r in self.graph.records.items()}
        hit = self._by_name.get(name)
        if hit is None and self.reuse is not None:
            hit = self._not_reused(_split_shown(name))
        return hit

    def _not_reused(self, loc: Loc) -> Record | None:
        """Reusing a trace, an option at ``loc`` has no record: a cold lint
        has one if it is an option of the top evaluation (made now), none
        unless ``loc`` is inside one (a submodule's option, which a reused
        step may have made: then this lint is ``Stale``)."""
        if loc in self.top_paths:
            return self.record_at(self.top, loc)  # type: ignore[arg-type]
        if any(loc[:k] in self.top_paths for k in range(1, len(loc))):
            raise Stale("an option inside one that a reused step computed")
        return None

    def is_users(self, d: Def) -> bool:
        return not _real(_file(d)).startswith(self.tree)

    def defined_by_user(self, record: Record) -> bool:
        """Whether a file of the user's (not of the NixOS tree) defines the
        option: only those options' values are what the user asked for."""
        merge = record.merge
        defs = record.defs if merge is None else [*record.defs, *merge.discharged,
                                                  *merge.dropped]
        return any(self.is_users(d) for d in defs)

    def user_defs(self, record: Record | None) -> list[Def]:
        """The definitions made (the option's default left out)."""
        if record is None:
            return []
        default = record.defs[0] if "default" in record.decl.vals and record.defs else None
        merge = record.merge
        defs = [*merge.discharged, *merge.dropped] if merge and merge.discharged else record.defs
        return [d for d in defs if default is None or d.file is not default.file]

    # evaluation errors -------------------------------------------------------
    def error(self, e: NixError, loc: Loc | None) -> None:
        cycle = getattr(e, "option_cycle", None)
        if type(e) is InfiniteRecursion and self.structure_recursion(e):
            return
        if type(e) is InfiniteRecursion and cycle:
            self.recursion(e, cycle)
            return
        message = e.message.rstrip()
        if PLACEHOLDER_MARK in message:  # a stand-in package said something no package would
            self._unmodelled()
            return
        inner = _innermost_option(e)
        if (inner is None or inner == show_loc(loc or ())) and _NO_VALUE.match(message):
            return  # an option without a value that nothing reads
        if self._already(("message", message)):
            return
        m = _CONFLICT.match(message)
        if m:
            self.conflict(message, self.record(m.group(1)))
            return
        m = _TYPE_ERROR.match(message)
        # the option in the message may be an element's (`x."[definition 1-entry 2]"'),
        # or one in a submodule: the option evaluated around it is the one concerned
        record = (self.record_for(m.group("opt") or m.group("opt2")) if m else None) \
            or self.record(inner)
        if m and record is not None:
            expected = m.group("type") or m.group("type2") or m.group("type3")
            self.type_error(message, expected, record, m.group("file"),
                            m.group("opt") or m.group("opt2"))
            return
        m = _UNKNOWN.match(message)
        if m and not self.system.native:
            # the lib's own module system reports undeclared definitions so
            self.unknown_option(m.group(1), _DEF_FILE.findall(message)[:1] or [m.group(2)])
            return
        place = _pos_place(e.pos) or next(
            (p for p in map(_pos_place, (pos for _, pos in e.trace)) if p), None)
        text = message
        if self.show_trace:  # Nix's own rendering, trace and all, below the message
            rendered = e.render(True).removeprefix("error:").splitlines()
            text += "\n\n" + "\n".join(line.removeprefix("       ")
                                        for line in rendered).strip("\n")
        fix = _syntax_fix(message, place) if message.startswith("syntax error") else None
        m = _NO_VALUE.match(message)
        if m:
            fix = f"Set `{m.group(1)}` in your configuration."
        self.add(Finding("eval-error", "error", text, place, fix=fix,
                         option=inner or (show_loc(loc) if loc else None)))

    def conflict(self, message: str, record: Record | None) -> None:
        won = [d for d in record.merge.discharged if d.status == "won"] \
            if record is not None and record.merge is not None else []
        name = show_loc(record.loc) if record is not None else None
        if not won or name is None:
            self.add(Finding("conflict", "error", message, None, option=name))
            return
        mine = [d for d in won if self.is_users(d)]
        theirs = [d for d in won if not self.is_users(d)]
        first = (mine or won)[0]
        related = [_def_place(d) for d in won if d is not first]
        self.add(Finding("conflict", "error", message, _def_place(first), related,
                         self.conflict_fix(name, mine, theirs), name))

    def conflict_fix(self, name: str, mine: list[Def], theirs: list[Def]) -> str:
        if mine and theirs:
            d = mine[0]
            value, where = _value_text(d), _short(_def_place(d))
            vm = [t for t in theirs if _real(_file(t)) == self.qemu_vm]
            if self.system.vm and vm:
                return (f"`nixos-rebuild build-vm` adds virtualisation/qemu-vm.nix, which sets "
                        f"`{name} = {_value_text(vm[0])};` ({_short(_def_place(vm[0]))}). "
                        f"Write `{name} = {_weaker(d.prio, value)};` at {where}: the VM then "
                        "takes qemu-vm.nix's value and the machine keeps yours.")
            return (f"To make your value win, write `{name} = {_stronger(d.prio, value)};` at "
                    f"{where}; to let the other definition win, write "
                    f"`{name} = {_weaker(d.prio, value)};`.")
        if len(mine) > 1:
            places = ", ".join(_short(_def_place(d)) for d in mine)
            return (f"Keep one definition of `{name}` ({places}), or give one of them another "
                    "priority with `lib.mkDefault` or `lib.mkForce`.")
        return (f"Give one of the definitions of `{name}` another priority with "
                "`lib.mkDefault` or `lib.mkForce`.")

    def record_for(self, shown: str | None) -> Record | None:
        """The evaluated option a message's option path is in: itself, or the
        nearest enclosing one (an element, an attribute of `attrsOf`, an
        option of a submodule the lib's own module system evaluated)."""
        if not shown:
            return None
        loc = _split_shown(shown)
        if self.reuse is not None and loc not in self.graph.records:
            self._not_reused(loc)
        for n in range(len(loc), 0, -1):
            record = self.graph.records.get(loc[:n])
            if record is not None:
                return record
        return None

    def type_error(self, message: str, expected: str, record: Record,
                   file: str | None = None, shown_option: str | None = None) -> None:
        files = [*_DEF_FILE.findall(message), *([file] if file else [])]
        merge = record.merge
        if merge is not None and any(_is_placeholder(d.value) for d in merge.final):
            self._unmodelled()  # a stand-in package is not of the type a real one has
            return
        m = _ELEMENT.match(shown_option or "")
        loc = _split_shown(m.group("base") if m else shown_option) if shown_option \
            else record.loc
        name = show_loc(loc)
        option_type = _type_description(record) if loc == record.loc else None
        user_files = [f for f in files if f.startswith("/") and not _real(f).startswith(
            self.tree)]
        if m and user_files:
            index = int(m.group("m") or m.group("m2"))
            element = list_element(value_at(definition_site(user_files[0], loc)), index - 1)
            if element is not None:
                from ..syntax.printer import to_source

                value = to_source(element)
                place = _pos_place((element.src, element.start))
                text = (f"Element {index} of `{name}` is not of type `{expected}`: "
                        f"{value if len(value) <= 60 else '…'}")
                self.add(Finding("type-error", "error", text, place, [],
                                 _type_fix(value, expected, place, name, option_type, True),
                                 name, [f"Nix: {message}"]))
                return
        bad = [d for d in self.user_defs(record) if _real(_file(d)) in map(_real, files)] \
            or self.user_defs(record)
        site = definition_site(user_files[0], loc) if user_files else None
        if loc != record.loc and user_files:  # inside the option: where the user wrote it
            place = _pos_place(site) or Place(user_files[0])
            related = []
        else:
            place = _def_place(bad[0]) if bad else None
            related = [_def_place(d) for d in bad[1:]]
        shown = re.search(r"^- In `.*?': (.*)$", message, re.M)
        value = shown.group(1) if shown else _written(value_at(site))
        self.add(Finding("type-error", "error", message, place, related,
                         _type_fix(value, expected, place, name, option_type), name))

    def structure_recursion(self, e: NixError) -> bool:
        """Infinite recursion through a module's structure: its `config` set
        or its `imports` depend on a value that needs every module's
        definitions (this one's too). Found from where the recursion was
        met, in the user's files."""
        for pos in [e.pos, *(p for _, p in e.trace)]:
            place = _pos_place(pos)
            if place is None or not self.is_users_file(place.file):
                continue
            found = structural_read(pos)
            if found is None:
                continue
            at, read = _pos_place(found.attribute_pos), _pos_place(found.read_pos)
            assert at is not None and read is not None
            if self._already(("structure", str(at), found.read)):
                return True
            if found.option is not None:
                name = f"`{show_loc(found.option)}`"
                message = (f"infinite recursion encountered: this module's `{found.attribute}` "
                           f"depends on the value of {name}, which is merged from every "
                           "module's definitions, this module's included:\n"
                           f"- `{found.attribute}` ({_short(at)}) reads `{found.read}` "
                           f"({_short(read)})\n"
                           f"- {name} needs the definitions in this module's "
                           f"`{found.attribute}` ({_short(at)})")
            else:
                message = (f"infinite recursion encountered: this module's `{found.attribute}` "
                           f"depends on the module argument `{found.argument}`, which comes "
                           "from `_module.args`, an option merged from every module's "
                           "definitions, this module's included:\n"
                           f"- `{found.attribute}` ({_short(at)}) reads `{found.read}` "
                           f"({_short(read)})\n"
                           f"- `_module.args` needs the definitions in this module's "
                           f"`{found.attribute}` ({_short(at)})")
            self.add(Finding("infinite-recursion", "error", message, at, [read],
                             _structure_fix(found, read), show_loc(found.option)
                             if found.option else None, [f"Nix: {e.message.rstrip()}"]))
            return True
        return False

    def is_users_file(self, path: str) -> bool:
        return path.startswith("/") and not _real(path).startswith(self.tree)

    def recursion(self, e: NixError, cycle: list[Loc]) -> None:
        if self._already(("cycle", frozenset(cycle))):
            return
        links = _cycle_links(e)
        options = list(cycle[:-1])
        members: list[tuple[str, Def | None, Place | None]] = []
        for loc in options:
            name = show_loc(loc)
            file, read = links.get(name, (None, None))
            record = self.graph.records.get(loc)
            defs = self.user_defs(record)
            d = next((d for d in defs if file and _real(_file(d)) == _real(file)),
                     defs[0] if defs else None)
            members.append((name, d, read))
        # start the cycle at the user's own definition: that is what to change
        start = next((i for i, (_, d, _) in enumerate(members) if d and self.is_users(d)), 0)
        members = members[start:] + members[:start]
        lines = []
        for i, (name, d, _) in enumerate(members):
            at = f" (defined at {_short(_def_place(d))})" if d else ""
            lines.append(f"- `{name}'{at} reads `{members[(i + 1) % len(members)][0]}'")
        first, d, read = members[0]
        message = (f"infinite recursion encountered: the value of `{first}' depends on "
                   "itself:\n" + "\n".join(lines))
        related: list[Place] = []
        for _, other, other_read in members:
            for p in (_def_place(other) if other else None, other_read):
                if p is not None and p not in related:
                    related.append(p)
        place = _def_place(d) if d else read
        related = [p for p in related if p != place]
        nxt = members[1 % len(members)][0]
        fix = f"Define `{first}` without reading `{nxt}`" + (
            f" (read at {_short(read)})" if read else "") + ", which itself depends on it."
        self.add(Finding("infinite-recursion", "error", message, place, related, fix, first))

    # assertions and warnings ---------------------------------------------------
    def assertions(self, top: AnyEvaluation) -> None:
        record = self.record_at(top, ("assertions",)) if ("assertions",) in self.top_paths \
            else top.records.get(("assertions",))
        if record is None:
            return
        failed = []
        try:
            for a in force(_value(top, ("assertions",))):
                a = force(a)
                if force(a.vals["assertion"]) is not True:
                    failed.append(str(force(a.vals["message"])))
        except NixError as e:
            self.error(e, ("assertions",))
        for message in failed:
            m = _REMOVED.match(message)
            if m:
                self.removed(message, m.group(1), m.group(3))
                continue
            d = _source_of(record, message, "message")
            named = self.options_in(message)
            # where the user set the options concerned, then where they are declared
            related = [_def_place(u) for n in named for u in self.user_defs(self.record(n))
                       if self.is_users(u)]
            related += [p for n in named for p in _declared_at(self.record(n))]
            config = _short(Place(self.system.target.config))
            names = " or ".join(f"`{n}`" for n in named)
            if named and re.search(r"\bmust set\b", message, re.I):
                fix = f"Set {names} in {config}."
            elif named:
                fix = f"Change {config} so that this assertion holds; it concerns {names}."
            else:
                fix = f"Change {config} so that this assertion holds (see its message)."
            self.add(Finding("assertion", "error", message.rstrip(),
                             _def_place(d) if d else None, related, fix))

    def removed(self, message: str, name: str, instead: str) -> None:
        defs = self.user_defs(self.record(name))
        place = _def_place(defs[0]) if defs else None
        where = f" at {_short(place)}" if place else ""
        fix = f"Remove the definition of `{name}`{where}."
        if instead.strip():
            fix += " " + " ".join(instead.split())
        self.add(Finding("removed-option", "error", message.rstrip(), place,
                         [_def_place(d) for d in defs[1:]], fix, name))

    def warnings(self, top: AnyEvaluation) -> None:
        record = self.record_at(top, ("warnings",)) if ("warnings",) in self.top_paths \
            else top.records.get(("warnings",))
        if record is None:
            return
        try:
            texts = [str(force(w)) for w in force(_value(top, ("warnings",)))]
        except NixError as e:
            self.error(e, ("warnings",))
            return
        for text in texts:
            m = _RENAMED.match(text)
            old = self.record(m.group(1)) if m else None
            if m and old is not None:
                defs = self.user_defs(old)
                place = _def_place(defs[0]) if defs else None
                where = f" at {_short(place)}" if place else ""
                self.add(Finding("renamed-option", "warning", text, place,
                                 [_def_place(d) for d in defs[1:]],
                                 f"Use `{m.group(3)}` instead of `{m.group(1)}`{where}.",
                                 m.group(1)))
                continue
            d = _source_of(record, text, None)
            self.add(Finding("warning", "warning", text, _def_place(d) if d else None))

    def options_in(self, text: str) -> list[str]:
        """Declared options quoted in a message, in order."""
        out = []
        for name in _QUOTED.findall(text):
            if name not in out and self.record(name) is not None:
                out.append(name)
        return out

    # undeclared options ------------------------------------------------------
    def unknown_options(self) -> None:
        for index, ev in enumerate(list(self.order)):
            if id(ev) in self.checked:
                continue
            self.checked.add(id(ev))
            if type(ev) is _Placeholder:
                self.step((index, "<unknown>"), ev.loc, _nothing)
            else:
                # the top evaluation's undeclared definitions are those of its
                # last lint when its check could be reused: none of the names
                # defined changed (an evaluation inside is made again, afresh)
                changes = self.changes
                same_names = index == 0 and type(ev) is not LibEvaluation \
                    and changes is not None and not changes.structural
                self.step((index, "<unknown>"), None, lambda ev=ev: self.undeclared(ev),
                          must_compute=not same_names)

    def undeclared(self, ev: AnyEvaluation) -> None:
        """The definitions in ``ev`` that no option matches."""
        try:
            unmatched = ev.merged.unmatched()
            if not unmatched:
                return
            module = force(force(ev.config_t).vals["_module"])
            if force(module.vals["check"]) is not True \
                    or force(module.vals["freeformType"]) is not None:
                return
            declared = [show_loc(p) for p in _option_paths(ev)] if unmatched else []
        except NixError:
            return  # this evaluation's own errors are reported through its options
        for u in unmatched:
            name = show_loc((*ev.merged.loc, *u.prefix))
            self.add_unknown(name, _pos_place(u.pos) or Place(_file(u)), declared)

    def unknown_option(self, name: str, files: list[str]) -> None:
        """An undeclared definition that the lib's own module system reported."""
        place = None
        if files:
            site = definition_site(files[0], _split_shown(name)) if files[0].startswith("/") \
                else None
            place = _pos_place(site) or Place(files[0])
        try:
            declared = [show_loc(p) for p in _option_paths(self.system.evaluation)]
        except NixError:
            declared = []
        self.add_unknown(name, place, declared)

    def add_unknown(self, name: str, place: Place | None, declared: list[str]) -> None:
        where = f" at {_short(place)}" if place else ""
        close = difflib.get_close_matches(name, declared, n=1, cutoff=0.75)
        message = f"The option `{name}' does not exist."
        if close:
            message += f" Did you mean `{close[0]}'?"
            fix = f"Write `{close[0]}` instead of `{name}`{where}."
        else:
            fix = (f"Remove the definition{where}, or import the module that declares this "
                   "option.")
        related = _declared_at(self.record(close[0])) if close else []
        self._add(("unknown", name, str(place)),
                  Finding("unknown-option", "error", message, place, related, fix, name))


# helpers -------------------------------------------------------------------
def _nothing() -> None:
    """A step reused whole (its evaluation is not made again)."""


def _prefix(ev: Any) -> Loc:
    return ev.loc if type(ev) is _Placeholder else ev.merged.loc


def _modules_of(top: AnyEvaluation) -> tuple[list[tuple[str, str]], set[str]]:
    """The top evaluation's modules, as (file, key), and the files of those
    that declare options."""
    state = top.lib.state
    modules, declaring = [], set()
    for m in top.merged.modules:  # type: ignore[union-attr]
        file = _text(state, m.file)
        modules.append((file, _text(state, m.key)))
        options = force(m.options)
        # (one that disables modules changes which are merged, as declaring does)
        if type(options) is not Attrs or options.vals or \
                (type(m) is LibModule and force(m.disables) != []):
            declaring.add(file)
    return modules, declaring


def _texts(evaluations: list[Any], users: Any) -> dict[str, Source]:
    """The texts of the user's module files that define options of
    ``evaluations``, as they were read."""
    out: dict[str, Source] = {}
    for ev in evaluations:
        sources = getattr(ev, "sources", None)
        if sources is not None:  # the lib's own module system: the files it loaded
            out.update((f, s) for f, s in sources.items() if users(f))
        for record in _made(ev).values():
            for d in record.defs:
                pos = d.pos
                if pos is not None and pos[0].name not in out and users(pos[0].name) \
                        and pos[0].name == _file(d):
                    out[pos[0].name] = pos[0]
    return out


def _sources_defining(top: AnyEvaluation, files: frozenset[str]) -> dict[str, Source]:
    """The texts of ``files`` as the evaluation read them: where its
    modules' top-level definitions are."""
    sources = getattr(top, "sources", None)
    if sources is not None:  # the lib's own module system: the files it loaded
        return {f: s for f, s in sources.items() if f in files}
    out: dict[str, Source] = {}
    for defs in top.merged.raw.values():
        for d in defs:
            # a definition written in its module's own file (not one it imports)
            if d.pos is not None and _file(d) in files and d.pos[0].name == _file(d):
                out.setdefault(_file(d), d.pos[0])
    return out


def _freeform(ev: AnyEvaluation) -> bool:
    module = force(force(ev.config_t).vals["_module"])
    # (older libs have no freeform types)
    return "freeformType" in module.vals and force(module.vals["freeformType"]) is not None


def _made(ev: Any) -> dict[Loc, Record]:
    """The option records ``ev`` has made (not all of an interpreted
    evaluation's options, which are made when asked for)."""
    return ev.made if type(ev) is LibEvaluation else ev.records


def _signature(ev: Any) -> tuple[tuple[str, str], ...] | None:
    """The modules ``ev`` collected, as (file, key); None if it collected none."""
    merged = getattr(ev, "_merged", None)
    if merged is None:
        return None
    state = ev.lib.state
    return tuple((_text(state, m.file), _text(state, m.key)) for m in merged.modules
                 if type(m) is Module)


def _loaded(ev: Any) -> set[str]:
    """The module files ``ev`` loaded (none if it collected none): not the
    files of definitions made modules (a submodule's), which are the
    definitions of an option of the evaluation that made ``ev``."""
    merged = getattr(ev, "_merged", None)
    if merged is None:
        return set()
    state = ev.lib.state
    files = ((_text(state, m.file), _text(state, m.key)) for m in merged.modules
             if type(m) is Module)
    return {file for file, key in files if key == file}  # loaded from the file itself


def _text(state: Any, v: Any) -> str:
    v = force(v)
    if type(v) is NixPath:
        return v.path
    return v if isinstance(v, str) else coerce_to_string(state, v, None, "", coerce_more=True,
                                                         copy_to_store=False)


def _is_placeholder(value: Any) -> bool:
    try:
        v = force(value)
    except NixError:
        return False
    return type(v) is Attrs and PLACEHOLDER_MARK in v.vals


def _split_shown(name: str) -> Loc:
    """An option path as lib's ``showOption`` writes it, back into parts."""
    return tuple(m.group(1) if m.group(1) is not None else m.group(2)
                 for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|([^.]+)', name))


def _top_evaluation(created: list[AnyEvaluation]) -> AnyEvaluation | None:
    """The configuration's own evaluation: the first made (eval-config's)."""
    return created[0] if created else None


def _is_option(v: Any) -> bool:
    # lint's own look (dict's own lookup): not a read a step of the evaluation made
    return type(v) is Attrs and "_type" in v.vals and \
        force(dict.__getitem__(v.vals, "_type")) == "option"


def _option_paths(ev: AnyEvaluation) -> list[Loc]:
    """Every option ``ev`` declares (the evaluation may be a submodule's, so
    this walks its own option tree rather than ``System.options``)."""
    out: list[Loc] = []

    def walk(node: Any, loc: Loc) -> None:
        node = force(node)
        if _is_option(node):
            out.append(loc)
        elif type(node) is Attrs:
            for name in node.names():
                walk(dict.__getitem__(node.vals, name), (*loc, name))

    walk(ev.options_t, ev.merged.loc)
    return out


def _value(ev: AnyEvaluation, loc: Loc) -> Any:
    """``config.<loc>`` of ``ev`` without lib's check of undeclared definitions
    (that check is the unknown-option rule's)."""
    v: Any = ev.config_t
    for name in loc[len(ev.merged.loc):]:
        v = force(v).vals[name]
    return force(v)


def _is_alias(record: Record) -> bool:
    """An option made by mkRenamedOptionModule/mkRemovedOptionModule: its value
    only forwards (with a "trace: Obsolete option") or throws. Their misuse is
    reported through ``warnings`` and ``assertions``."""
    decl = record.decl.vals
    try:
        return "apply" in decl and "visible" in decl and force(decl["visible"]) is False
    except NixError:
        return False


def _force_deeply(v: Any) -> None:
    """Force a value's lists and sets, not derivations or functions."""
    stack = [(v, 0)]
    nodes = 0
    while stack and nodes < _MAX_NODES:
        v, depth = stack.pop()
        v = force(v)
        nodes += 1
        t = type(v)
        if depth >= _MAX_DEPTH or t in (Lambda, PrimOp, PrimOpApp):
            continue
        if t is list:
            stack.extend((x, depth + 1) for x in reversed(v))
        elif t is Attrs:
            kind = v.vals.get("type")
            # a derivation is built, not read; a set with `_type` is lib's
            # (an option type, a definition wrapper), not configuration data
            if "_type" in v.vals or (kind is not None and force(kind) == "derivation"):
                continue
            stack.extend((v.vals[n], depth + 1) for n in reversed(v.names()))


def _innermost_option(e: NixError) -> str | None:
    """The option whose computation raised ``e`` (its innermost option frame)."""
    for hint, _ in e.trace:
        m = _OPTION_FRAME.match(hint)
        if m:
            return m.group(1)
    return None


def _cycle_links(e: NixError) -> dict[str, tuple[str | None, Place | None]]:
    """For each option on the way out of ``e``: the file of its definition that
    was being evaluated, and where that definition read the next option."""
    links: dict[str, tuple[str | None, Place | None]] = {}
    file: str | None = None
    positions: list[Pos] = [e.pos]
    for hint, pos in e.trace:
        m = _OPTION_FRAME.match(hint)
        if m:
            read = next((p for p in map(_pos_place, positions)
                         if p and file and _real(p.file) == _real(file)), None)
            links.setdefault(m.group(1), (file, read))
            file, positions = None, []
            continue
        m = _DEFS_FRAME.match(hint)
        if m:
            file = m.group(1)  # the outermost in the segment: the option's own definition
        positions.append(pos)
    return links


def _source_of(record: Record, text: str, key: str | None) -> Def | None:
    """The definition of a list option (``assertions``, ``warnings``) whose list
    holds ``text`` (as the element, or as its ``key`` attribute)."""
    merge = record.merge
    for d in merge.final if merge is not None else record.defs:
        try:
            items = force(d.value)
            for item in items if type(items) is list else ():
                item = force(item)
                if key is not None:
                    item = force(item.vals[key]) if type(item) is Attrs and key in item.vals \
                        else None
                if item is not None and str(item) == text:
                    return d
        except NixError:
            continue
    return None


def _declared_at(record: Record | None) -> list[Place]:
    if record is None:
        return []
    try:
        return [Place(str(force(force(p).vals["file"])), force(force(p).vals["line"]),
                      force(force(p).vals["column"]))
                for p in force(record.decl.vals["declarationPositions"])]
    except (NixError, KeyError):
        return []


def _is_shallow(record: Record) -> bool:
    """Declared ``visible = "shallow"``: lib's docs list the option but not
    what its type declares (a whole configuration, for NixOS' variants)."""
    try:
        return force(record.decl.vals.get("visible", True)) == "shallow"
    except NixError:
        return False


def _type_name(record: Record) -> str | None:
    try:
        name = force(force(record.decl.vals["type"]).vals["name"])
    except (NixError, KeyError):
        return None
    return name if isinstance(name, str) else None


def _type_description(record: Record) -> str:
    try:
        return type_description(record)
    except NixError:
        return "?"


def _syntax_fix(message: str, place: Place | None) -> str | None:
    m = re.search(r", expecting (.+)$", message)
    if m is None or place is None or place.line is None:
        return None
    if m.group(1) != "';'":
        return f"Nix expected {m.group(1)} at {_short(place)}."
    # Nix notices a missing `;` only at the next binding's `=`: the `;` belongs
    # at the end of the line before (comments and blank lines aside)
    for n in range(place.line - 1, 0, -1):
        line = linecache.getline(place.file, n).strip()
        if line and not line.startswith("#"):
            if not line.endswith(";"):
                return f"Add the missing `;` at the end of line {n}: `{line};`"
            break
    return f"Add the missing `;` before {_short(place)}."


def _structure_fix(found: StructuralRead, read: Place) -> str:
    if found.attribute == "imports":
        if found.argument is not None:
            return (f"`imports` are resolved before any option has a value, and "
                    f"`{found.argument}` comes from `_module.args`, an option: import by a "
                    "path that does not need it (`modulesPath + \"/…\"`, or a value from "
                    "`specialArgs`).")
        return ("`imports` are resolved before any option has a value: import the module "
                "whatever the condition, and inside it write `config = lib.mkIf cond { … };` "
                "(or decide with a value from `specialArgs`).")
    cond = found.if_node
    from ..syntax.printer import to_source

    test = to_source(cond.cond) if cond is not None else found.read
    while test.startswith("(") and test.endswith(")"):
        test = test[1:-1]
    if " " in test:
        test = f"({test})"
    if cond is not None and not (isinstance(cond.else_, ast.Attrs) and not cond.else_.attrs):
        return (f"Write `{found.attribute} = lib.mkMerge [ (lib.mkIf {test} {{ … }}) "
                f"(lib.mkIf (!{test}) {{ … }}) ];`: a condition under mkIf is read for each "
                "definition, so which options the module defines is known without its value.")
    return (f"Write `{found.attribute} = lib.mkIf {test} {{ … }};`: mkIf is pushed into "
            "each definition, so which options the module defines is known without the "
            "condition's value (`lib.optionalAttrs` serves only for a condition that reads "
            "no option).")


def _written(node: Any) -> str | None:
    """A value as the user wrote it (older libs' messages do not show it)."""
    if node is None:
        return None
    from ..syntax.printer import to_source

    return to_source(node)


def _type_fix(value: str | None, expected: str, place: Place | None, name: str,
              option_type: str | None, element: bool = False) -> str:
    where = f" at {_short(place)}" if place else ""
    option_type = option_type or expected
    better = _converted(value, expected) if value else None
    if better is not None and value is not None:
        kind = "a string" if value.startswith('"') else "not a string"
        wanted = "an integer" if better.lstrip("-").isdigit() else "a Boolean"
        return (f"{value} is {kind}; the type wants {wanted}: write {better}{where} "
                f"(`{name}` is of type `{option_type}`).")
    what = "the element" if element else "the definition"
    return (f"Change {what}{where} to a value of type `{expected}` (`{name}` is of type "
            f"`{option_type}`).")


def _converted(value: str, expected: str) -> str | None:
    """The value written as the type wants it, for the usual slip: a number or
    a Boolean given as a string."""
    m = re.fullmatch(r'"(-?\d+|true|false)"', value)
    if m is None:
        return None
    inner = m.group(1)
    if inner in ("true", "false"):
        return inner if "boolean" in expected else None
    return inner if "integer" in expected or "number" in expected else None


def _file(d: Any) -> str:
    try:
        f = force(d.file)
    except NixError:
        return "?"
    return f.path if type(f) is NixPath else str(f)


def _real(path: str) -> str:
    return os.path.realpath(path) if path.startswith("/") else path


def _pos_place(pos: Pos) -> Place | None:
    if pos is None:
        return None
    source, offset = pos
    line, column = source.line_col(offset)
    return Place(source.name, line, column)


def _def_place(d: Def) -> Place:
    return _pos_place(d.pos) or Place(_file(d))


def _short(place: Place) -> str:
    """A place for a sentence: the path relative to the working directory."""
    try:
        rel = os.path.relpath(place.file)
        path = place.file if rel.startswith("..") else rel
    except ValueError:
        path = place.file
    return path if place.line is None else f"{path}:{place.line}:{place.column}"


def _value_text(d: Def) -> str:
    """A definition's value as Nix source, for a fix to quote."""
    from ..modules import properties
    from ..nixos.render import to_text

    try:
        text = to_text(properties.strip_override(d.value))
    except NixError:
        return "…"
    if "\n" in text or len(text) > 60:
        return "…"
    return f"({text})" if text.startswith("-") else text


def _stronger(prio: Any, value: str) -> str:
    if prio == 100:
        return f"lib.mkForce {value}"
    if prio == 1000:
        return value
    return f"lib.mkOverride {prio - 1} {value}" if type(prio) is int else f"lib.mkForce {value}"


def _weaker(prio: Any, value: str) -> str:
    if prio == 100:
        return f"lib.mkDefault {value}"
    return f"lib.mkOverride {prio + 1} {value}" if type(prio) is int else \
        f"lib.mkDefault {value}"
