"""Sessions: one system opened (a NixOS configuration, its VM variant, a
flake's configuration, or any ``evalModules`` call) and the questions asked
of it. A session holds its evaluation until a file it read changes (an
overlay set or cleared, ``files_changed``, ``refresh``); the next question
then evaluates again in the same evaluator, which keeps the imports that
cannot depend on the changed files (``EvalState.next_generation``)."""

from __future__ import annotations

import difflib
import gc
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from .. import inputs, keyed
from ..eval.datastack import with_room
from ..eval.errors import NixError, evaluation_limits
from ..eval.state import EvalState
from ..eval.values import Attrs, force, tracking
from ..modules.graph import Loc
from ..nixos.locate import LocateError, locate
from ..nixos.modules_system import (
    ModulesSystem,
    ModulesTarget,
    darwin_target,
    expression_target,
    home_manager_target,
)
from ..nixos.system import System
from ..syntax import Source, read_source
from ..syntax.errors import NixSyntaxError
from .cursor import attribute_path_at
from .errors import ApiError, EvalError, NotFound, OptionNotFound
from .results import AttributePath, Completion, Definition, Finding, Option, OptionAt, Position

if TYPE_CHECKING:
    from ..lint.incremental import Trace

T = TypeVar("T")

# Evaluating deeply nested Nix recurses deeply in Python: questions are
# answered on a thread with a large stack (as the command line runs), so that
# depth ends in Nix's own error, not a crash.
_STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 100_000
_answering = threading.Lock()
# Evaluation runs with Python's cycle collector off (it would rescan millions of
# live objects); a dropped evaluation's cycles are collected after this many
# (each holds about 120 MB on nixpkgs 17.03, and a collection takes seconds)
_COLLECT_AFTER = 4
# an evaluator was dropped since the last collection froze what was kept: the
# next collection looks at every object again
_thaw = False
_THAW_EVERY = 8
_collections = 0


def split_path(path: str | Loc) -> Loc:
    """``'a.b."c.d"'`` → ``("a", "b", "c.d")``; a tuple or list is taken as it is."""
    if not isinstance(path, str):
        return tuple(path)
    if not path:
        return ()
    out, cur, quoted = [], "", False
    for ch in path:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return tuple(out)


class Session:
    """One system and the questions asked of it. Made by ``open_nixos``,
    ``open_flake`` or ``open_modules``; ``close()`` (or ``with``) ends it.

    Every method answers from the current evaluation (made on first need)
    and raises ``ApiError`` for anything that goes wrong: the system not
    evaluating (``EvalError``, with Nix's text and position), an option not
    there (``OptionNotFound``), a file or line not there (``NotFound``)."""

    def __init__(self, make_system: Callable[[EvalState | None], System], *,
                 carries: bool = True) -> None:
        # make_system(state): a new System, in ``state`` (begun anew) if given
        self._make_system = make_system
        self._carries = carries  # False (a flake): any change means a fresh evaluator
        self._system: System | None = None
        # the evaluator, kept across evaluations, and everything it has read
        self._state: EvalState | None = None
        self._record: inputs.Recorder | None = None
        self._changed: set[str] = set()  # read files changed since the last evaluation
        self._overlays: dict[str, bytes] = {}
        self._executor: ThreadPoolExecutor | None = None
        self.evaluations = 0  # how many times the system was evaluated (for tests, tools)
        # how many steps of the last lint were the lint's before it, given again
        self.lint_steps_reused = 0
        self._dropped = 0  # evaluations dropped since garbage was last collected
        self._collected_at = -1  # ``evaluations`` at the last collection
        # lint's findings (by every_option) with the number of the evaluation
        # it made for them
        self._linted: dict[bool, tuple[int, list[Finding]]] = {}
        # the last lint's trace, and the files changed since (see lint.incremental)
        self._lint_trace: Trace | None = None
        self._changed_since_lint: set[str] = set()

    # life ----------------------------------------------------------------------
    def close(self) -> None:
        """Drop the evaluation and the worker thread (and free its memory)."""
        kept = self._state is not None
        self._forget()
        if kept and gc.get_freeze_count():
            with _answering:
                self._collect()
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def collect(self) -> None:
        """Free what earlier evaluations left (their cycles of thunks and
        scopes), now: a client calls it when idle. What the session keeps is
        then frozen, so later collections do not scan it again. Done every
        few evaluations anyway, which bounds the memory a session holds.
        Nothing to do when nothing was evaluated since the last one."""
        with _answering:
            if self._collected_at != self.evaluations or self._dropped:
                self._collect()

    def _collect(self) -> None:
        global _thaw, _collections
        _collections += 1
        # What a closed or restarted session kept is frozen, its cycles too; and
        # what was alive at a collection and dropped since (a file's old parse,
        # cache entries pushed out) stays frozen: now and then all is looked at.
        if _thaw or _collections % _THAW_EVERY == 0:
            gc.unfreeze()
            _thaw = False
        gc.collect()
        gc.freeze()
        self._dropped = 0
        self._collected_at = self.evaluations

    def invalidate(self) -> None:
        """Forget the evaluation and the evaluator: the next question
        evaluates again from nothing (every file is read again)."""
        self._forget()

    def _forget(self) -> None:
        global _thaw
        from ..modules import sites

        _thaw = _thaw or self._state is not None
        self._system = None
        self._state = None
        self._record = None
        self._changed.clear()
        self._lint_trace = None
        sites.forget()

    def files_changed(self, paths: list[str] | tuple[str, ...] | set[str]) -> None:
        """The files ``paths`` changed on disk (an editor's save, a watcher's
        event): the next question evaluates again if the evaluation read any
        of them, reusing what cannot depend on them."""
        changes = {}
        for p in paths:
            path = os.path.abspath(os.fspath(p))
            if path not in self._overlays:  # a buffer stands for it: the disk is no matter
                changes[path] = self._kind_changed(path)
        self._apply(changes)

    def refresh(self) -> list[str]:
        """Check every file and path the evaluation read or looked at against
        the disk now; what changed is taken as ``files_changed`` would. Returns
        the changed paths."""
        record = self._record
        if record is None:
            return []
        changes: dict[str, bool] = {}
        for path, sig in list(record.read.items()):
            if path in self._overlays:
                continue
            try:
                now: inputs.Signature | None = inputs.signature(os.stat(path))
            except OSError:
                now = None
            if now != sig:
                changes[path] = now is None or inputs.observe(path) != record.looked.get(
                    path, ("regular", None, "regular"))
        for path, seen in list(record.looked.items()):
            if path not in self._overlays and inputs.observe(path) != seen:
                changes[path] = True
        for path, entries in list(record.listed.items()):
            if inputs.listing(path) != entries:
                changes[path] = True
        self._apply(changes)
        return sorted(changes)

    def _kind_changed(self, path: str) -> bool:
        """Whether ``path`` is now of another kind (or there, or not) than the
        evaluation saw: then not only contents changed."""
        record = self._record
        if record is None:
            return False
        seen = record.looked.get(path)
        if seen is None:
            seen = ("regular", None, "regular") if path in record.read else None
        return seen is not None and inputs.observe(path) != seen

    def _apply(self, changes: dict[str, bool]) -> None:
        """``changes``: path → whether its kind changed (or it appeared or
        went). A changed kind, or any change in a flake, starts afresh; a
        changed file the evaluation read starts a new evaluation that keeps
        what cannot depend on it; a file it never read changes nothing."""
        record = self._record
        if record is None or not changes:
            return
        from ..modules import binding, sites

        read = {p for p in changes if p in record.read or p in record.buffers}
        # a path appearing or going matters where it was looked at or listed
        seen = {p for p, kind in changes.items() if kind and (
            p in read or p in record.looked or os.path.dirname(p) in record.listed)}
        if seen or (read and not self._carries):
            self._forget()
            return
        if read:
            self._system = None
            self._changed |= read
            self._changed_since_lint |= read
            sites.forget()
            binding.forget({os.path.dirname(p) for p in read})

    def _run(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the session's worker thread, with its overlays in
        effect, errors as ``ApiError``. One question at a time across all
        sessions: the overlays and the recursion limit are process-wide."""
        with _answering:
            if self._executor is None:
                before = threading.stack_size(_STACK_BYTES)
                try:
                    self._executor = ThreadPoolExecutor(1, thread_name_prefix="nixeval-api")
                    self._executor.submit(lambda: None).result()  # the thread starts now
                finally:
                    threading.stack_size(before)
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
            # evaluation makes millions of objects and almost no cyclic garbage:
            # the cycle collector rescanning them would take half the time
            collecting = gc.isenabled()
            gc.disable()
            try:
                with inputs.overlaid(self._overlays):
                    return self._executor.submit(with_room, _guarded, self._recorded,
                                                 fn).result()
            finally:
                sys.setrecursionlimit(limit)
                if collecting:
                    gc.enable()

    def _recorded(self, fn: Callable[[], T]) -> T:
        """``fn()``, what it reads added to the record of the evaluator's inputs."""
        if self._record is None:
            self._record = inputs.Recorder((keyed.cache_root() + os.sep,))
        with inputs.recording(into=self._record):
            return fn()

    @property
    def system(self) -> System:
        """The evaluated system, for code that needs the layers below."""
        return self._run(self._evaluated)

    def with_system(self, fn: Callable[[System], T]) -> T:
        """``fn(system)`` where the session answers (its worker thread, its
        overlays in effect, failures of the Nix code as ``ApiError``): for
        code that reads the layers below at length, as the language server's
        snapshot of the option tree does."""
        return self._run(lambda: fn(self._evaluated()))

    def _evaluated(self, defer_check: bool = False, evaluate: bool = True) -> System:
        """The system, evaluated now if it is not (on the worker thread);
        ``defer_check``: its check of undeclared definitions is left to the
        lint that asks (``Evaluation.take_check``); ``evaluate`` false: made
        only, for lint to evaluate (and report what fails)."""
        if self._system is None:
            state = self._state
            if state is not None:
                state.next_generation(frozenset(self._changed))
                self._dropped += 1
                if self._dropped >= _COLLECT_AFTER:
                    self._collect()
            self._changed.clear()
            system = self._make_system(state)
            system.graph.defer_check = defer_check
            self._state = system.state
            self.evaluations += 1
            if evaluate:
                system.evaluation  # noqa: B018 - evaluates the module tree now
            self._system = system
        return self._system

    # overlays ------------------------------------------------------------------
    def set_overlay(self, path: str | os.PathLike[str], text: str) -> None:
        """Use ``text`` as the contents of the file ``path`` (an editor's
        unsaved buffer; the file need not exist) in every later answer."""
        path = os.path.abspath(os.fspath(path))
        data = text.encode("utf-8", "surrogateescape")
        before = self._overlays.get(path)
        self._overlays[path] = data
        if before is None:
            disk = _disk_contents(path)
            if disk != data:
                self._apply({path: disk is None})
        elif before != data:
            self._apply({path: False})

    def clear_overlay(self, path: str | os.PathLike[str]) -> None:
        """Back to the file's contents on disk."""
        path = os.path.abspath(os.fspath(path))
        before = self._overlays.pop(path, None)
        if before is not None:
            disk = _disk_contents(path)
            if disk is None and self._record is not None:
                self._forget()  # looks at a buffer are not recorded: it may have been seen
            elif disk != before:
                self._apply({path: False})

    @property
    def overlays(self) -> list[str]:
        """The files with overlays (absolute paths)."""
        return sorted(self._overlays)

    # options -------------------------------------------------------------------
    def option_names(self, prefix: str | Loc = "") -> list[str]:
        """Every declared option under ``prefix``, in name order, as lib's
        ``showOption`` writes them (options inside submodule instances are
        not listed: they belong to each instance)."""
        from ..nixos.query import show_loc

        loc = split_path(prefix)
        return self._run(lambda: [show_loc(r.loc) for r in self._evaluated().options(loc)])

    def children(self, path: str | Loc = "") -> list[str]:
        """The names directly under ``path`` when it is a set of options."""
        loc = split_path(path)
        return self._run(lambda: self._evaluated().children(loc))

    def option(self, path: str | Loc) -> Option:
        """The option at ``path`` (inside a submodule instance too, such as
        ``users.users.alice.home``): declarations, type, description,
        default, example, its value and its definitions (known once the
        value is computed, so it is)."""
        from ..nixos.query import describe, show_loc, suggestions

        loc = split_path(path)

        def answer() -> Option:
            system = self._evaluated()
            record = system.option(loc)
            if record is None:
                children = system.children(loc)
                what = "is a set of options, not one option" if children else "is no option"
                raise OptionNotFound(f"`{show_loc(loc)}' {what}", children,
                                     [] if children else suggestions(system, loc))
            return Option.of(describe(system, record))
        return self._run(answer)

    def options(self, prefix: str | Loc = "", *, include_hidden: bool = False
                ) -> list[Option]:
        """The options under ``prefix`` (every option when empty), as
        ``nixeval options --json`` lists them: internal and invisible ones
        only with ``include_hidden``. A prefix that is an option inside a
        submodule instance gives that one option."""
        from ..nixos.query import describe

        loc = split_path(prefix)

        def answer() -> list[Option]:
            system = self._evaluated()
            records = list(system.options(loc))
            if not records and loc:
                one = system.option(loc)
                if one is None:
                    raise self._not_found(system, loc)
                records = [one]
            return [Option.of(describe(system, r)) for r in records
                    if include_hidden or not hidden(r)]
        return self._run(answer)

    def hidden_count(self, prefix: str | Loc = "") -> int:
        """How many options under ``prefix`` ``options()`` leaves out
        (internal or invisible ones) unless ``include_hidden``."""
        loc = split_path(prefix)

        def answer() -> int:
            system = self._evaluated()
            records = list(system.options(loc))
            if not records and loc:
                one = system.option(loc)
                records = [one] if one is not None else []
            return sum(hidden(r) for r in records)
        return self._run(answer)

    def _not_found(self, system: System, loc: Loc) -> OptionNotFound:
        from ..nixos.query import show_loc

        names: set[str] = set()
        for p in system.all_option_paths():
            names.update(show_loc(p[:i]) for i in range(1, len(p) + 1))
        near = difflib.get_close_matches(show_loc(loc), sorted(names), n=5, cutoff=0.6)
        return OptionNotFound(f"no option or set of options `{show_loc(loc)}'", [], near)

    def value(self, path: str | Loc) -> Any:
        """The value of ``config.<path>`` as JSON data (derivations by name)."""
        from ..nixos import render

        loc = split_path(path)
        return self._run(lambda: render.to_data(self._value(loc)))

    def value_text(self, path: str | Loc) -> str:
        """The value of ``config.<path>`` as Nix text, as ``nixeval option`` shows it."""
        from ..nixos import render

        loc = split_path(path)
        return self._run(lambda: render.to_text(self._value(loc)))

    def _value(self, loc: Loc) -> Any:
        from ..nixos.query import show_loc

        v: Any = force(self._evaluated().evaluation.config_t)
        for i, name in enumerate(loc):
            if type(v) is not Attrs or name not in v.vals:
                raise OptionNotFound(f"config has no attribute `{show_loc(loc[:i + 1])}'",
                                     [], [])
            v = force(v.vals[name])
        return v

    def definitions(self, path: str | Loc) -> list[Definition]:
        """Every definition of the option at ``path``: place, priority, and
        whether it won, was overridden or sits under a false ``mkIf``."""
        return list(self.option(path).definitions)

    # lint ----------------------------------------------------------------------
    def lint(self, *, every_option: bool = False) -> list[Finding]:
        """Lint's findings, errors first, as ``nixeval lint --format json``
        gives them. Lint computes values: it evaluates afresh, so earlier
        answers' forced values do not change what it sees; asked again with
        nothing changed, it answers what it found. After an edit, the steps
        of the last lint that read nothing the edit changed give what they
        gave (docs/API.md, "Re-linting after an edit")."""
        from ..lint.incremental import Stale

        def answer() -> list[Finding]:
            known = self._linted.get(every_option)
            if known is not None and self._system is not None and \
                    known[0] == self.evaluations:
                return list(known[1])
            previous, self._lint_trace = self._lint_trace, None
            try:
                found = self._lint_evaluated(every_option, previous)
            except Stale:  # the last lint's steps cannot be reused: all afresh
                found = self._lint_evaluated(every_option, None)
            findings = [Finding.of(f) for f in found]
            self._linted[every_option] = (self.evaluations, findings)
            return list(findings)
        return self._run(answer)

    def _lint_evaluated(self, every_option: bool, previous: Trace | None) -> list[Any]:
        """Lint a new evaluation, every read logged; with ``previous``, the
        steps of the last lint that read nothing changed since are reused."""
        from ..lint.rules import lint_traced

        log: list[Any] = []
        self._system = None  # lint reads the whole state it is given
        try:
            with tracking(log):
                # a lint reusing the last one's check takes the check over
                system = self._evaluated(previous is not None and previous.check_passed,
                                         evaluate=False)
                findings, trace = lint_traced(system, every_option=every_option, log=log,
                                              previous=previous,
                                              changed=frozenset(self._changed_since_lint))
        except BaseException:
            self._system = None  # its check may be left unmade: evaluated again if asked
            raise
        finally:
            if self._system is not None:  # no evaluation made later defers its check
                self._system.graph.defer_check = False
        self._lint_trace = trace
        self._changed_since_lint.clear()
        self.lint_steps_reused = trace.reused if trace is not None else 0
        return findings

    # positions -----------------------------------------------------------------
    def attribute_path_at(self, file: str | os.PathLike[str], line: int,
                          column: int) -> AttributePath | None:
        """The attribute path at ``line``:``column`` of ``file`` (its overlay
        when it has one), read from the syntax alone."""
        return self._run(lambda: attribute_path_at(_source(file), line, column))

    def option_at(self, file: str | os.PathLike[str], line: int,
                  column: int) -> OptionAt | None:
        """The option that the attribute at ``line``:``column`` of the
        module ``file`` defines: its whole key counts (on ``a`` of ``a.b.c =
        …;`` too). None when it defines none: not module structure, or no
        option there."""
        from ..nixos.query import describe, show_loc

        def answer() -> OptionAt | None:
            source = _source(file)
            at = attribute_path_at(source, line, column)
            if at is not None:  # the whole key defines, whichever name the cursor is on
                at = attribute_path_at(source, at.end.line, at.end.column)
            if at is None or at.module_path is None or at.declares:
                return None
            system = self._evaluated()
            loc = at.module_path
            for n in range(len(loc), 0, -1):
                record = system.option(loc[:n])
                if record is None:
                    continue
                # definitions are known once the value is computed: describe does
                defs = [Definition.of(d) for d in describe(system, record).definitions
                        if os.path.realpath(d.place.file) == os.path.realpath(source.name)]
                here = [d for d in defs if (d.position.line, d.position.column) == (
                    at.start.line, at.start.column)]
                return OptionAt(loc[:n], show_loc(loc[:n]), loc[n:],
                                (here or defs or [None])[0])
            return None
        return self._run(answer)

    def completions(self, prefix: str) -> list[Completion]:
        """Option paths that complete ``prefix`` (``services.open`` →
        ``services.openssh``…): the names under its set part that start
        with its last part, each an option or a set of options."""
        from ..nixos.query import show_loc, type_description

        loc = split_path(prefix)
        parent, partial = (loc[:-1], loc[-1]) if loc else ((), "")

        def answer() -> list[Completion]:
            system = self._evaluated()
            out = []
            for name in system.children(parent):
                if not name.startswith(partial):
                    continue
                full = (*parent, name)
                record = system.option(full) if not system.children(full) else None
                out.append(Completion(full, show_loc(full), "set" if record is None
                                      else "option",
                                      None if record is None else type_description(record)))
            return out
        return self._run(answer)



def _disk_contents(path: str) -> bytes | None:
    """A regular file's contents on disk (None: not one, or unreadable)."""
    from ..files import read_bytes

    try:
        return read_bytes(path) if os.path.isfile(path) else None
    except OSError:
        return None


def _source(file: str | os.PathLike[str]) -> Source:
    """A file's text (its overlay when it has one: read while answering)."""
    path = os.path.abspath(os.fspath(file))
    try:
        return read_source(path)
    except OSError as e:
        raise NotFound(f"cannot read '{path}': {e.strerror or e}", Position(path)) from None


def hidden(record: Any) -> bool:
    """``internal = true`` or ``visible = false`` (or "transparent": only its
    sub-options are documented), as the NixOS manual leaves them out."""
    vals = record.decl.vals
    try:
        internal = force(vals["internal"]) if "internal" in vals else False
        visible = force(vals["visible"]) if "visible" in vals else True
    except NixError:
        return False
    return internal is True or visible is False or visible == "transparent"


def _guarded(run: Callable[[Callable[[], T]], T], fn: Callable[[], T]) -> T:
    """``run(fn)`` with every failure of the Nix code an ``ApiError``."""
    try:
        with evaluation_limits():  # out of stack or memory: Nix's error
            return run(fn)
    except ApiError:
        raise
    except NixError as e:
        raise EvalError(e) from None
    except LocateError as e:
        raise NotFound(str(e)) from None
    except NixSyntaxError as e:
        raise ApiError(e.message, Position(e.source.name, *e.source.line_col(e.offset))) \
            from None


# opening -------------------------------------------------------------------------
def open_nixos(config: str | os.PathLike[str] | None = None, *,
               nixpkgs: str | os.PathLike[str] | None = None,
               include: list[str] | tuple[str, ...] = (), vm: bool = False,
               pkgs: str = "auto") -> Session:
    """A NixOS configuration, found as ``nixeval option`` finds it: ``include``
    is ``-I`` (``nixpkgs=PATH``, ``nixos-config=FILE``), then ``NIX_PATH``;
    ``nixpkgs`` is the same as ``-I nixpkgs=PATH`` first; ``config`` as
    ``--config`` (default: ``<nixos-config>``, ``$NIXOS_CONFIG``,
    ``/etc/nixos/configuration.nix``). ``vm``: its VM variant (with
    ``qemu-vm.nix``, as ``nixos-rebuild build-vm``). ``pkgs``: ``auto``,
    ``placeholder`` or ``real``, as ``--pkgs``. ``NotFound`` when nixpkgs or
    the configuration is not there."""
    entries = ([f"nixpkgs={os.fspath(nixpkgs)}"] if nixpkgs is not None else []) + \
        list(include)
    try:
        target = locate(entries, os.fspath(config) if config is not None else None)
    except LocateError as e:
        raise NotFound(str(e)) from None
    return Session(lambda state: System(target, vm=vm, pkgs=pkgs, state=state))


def open_flake(ref: str, *, overrides: dict[str, str] | None = None,
               vm: bool = False) -> Session:
    """``nixosConfigurations.NAME`` of the local flake ``DIR#NAME`` (NAME:
    the host name by default), its inputs as ``flake.lock`` locks them;
    ``overrides`` as ``--override-input NAME PATH``."""
    from ..nixos.flake import parse_flake_arg

    try:
        target = parse_flake_arg(ref, [[k, v] for k, v in (overrides or {}).items()])
    except LocateError as e:
        raise NotFound(str(e)) from None
    # a flake's source is a copy of its whole tree: any change changes every path
    return Session(lambda state: System(target, vm=vm), carries=False)


def open_modules(expr: str | None = None, *, file: str | os.PathLike[str] | None = None,
                 include: list[str] | tuple[str, ...] = (),
                 base_dir: str | os.PathLike[str] | None = None,
                 tree: str | os.PathLike[str] | None = None) -> Session:
    """Any ``evalModules`` call: the Nix expression ``expr`` (or the file
    ``file`` holding one) must evaluate to an ``evalModules`` result, as
    home-manager's and nix-darwin's entry points return. ``include`` is the
    search path (``-I``; ``<nixeval/lib>`` is the embedded lib);
    relative paths in ``expr`` are from ``base_dir`` (default: the working
    directory); ``tree``: the checkout whose own modules lint should not
    report as the user's (``nixos/``, ``lib/``, ``pkgs/`` below it)."""
    if (expr is None) == (file is None):
        raise ApiError("give the expression or the file holding it, one of the two")
    target = expression_target(expr, None if file is None else os.fspath(file), include,
                               None if base_dir is None else os.fspath(base_dir),
                               None if tree is None else os.fspath(tree))
    return Session(lambda state: ModulesSystem(target, state))



def open_home_manager(config: str | os.PathLike[str], *,
                      include: list[str] | tuple[str, ...] = ()) -> Session:
    """A home-manager configuration (``home.nix``) as home-manager evaluates
    it: ``<home-manager/modules>`` and ``<nixpkgs>`` from ``include`` (``-I``),
    then ``NIX_PATH``."""
    return _open_target(lambda: home_manager_target(os.fspath(config), list(include)))


def open_darwin(config: str | os.PathLike[str], *,
                include: list[str] | tuple[str, ...] = ()) -> Session:
    """A nix-darwin configuration as ``darwin-rebuild`` evaluates it, through
    ``<darwin>`` on the search path (``include``, then ``NIX_PATH``)."""
    return _open_target(lambda: darwin_target(os.fspath(config), list(include)))


def _open_target(make: Callable[[], ModulesTarget]) -> Session:
    try:
        target = make()
    except LocateError as e:
        raise NotFound(str(e)) from None
    return Session(lambda state: ModulesSystem(target, state))
