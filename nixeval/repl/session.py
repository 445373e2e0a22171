"""The repl's session: a NixOS configuration's ``config``, ``options``,
``pkgs`` and ``lib`` in scope (as ``nixos-rebuild repl``), and each input
handled as ``nix repl`` handles it: an expression is evaluated and printed, ``x
= e`` binds a name, ``:p``, ``:t``, ``:a``, ``:doc``, ``:r``, ``:q``. An input
cut short (``{ a = 1;``) waits for more lines. Nothing that goes wrong ends the
session: errors, running out of stack and Ctrl-C come back to the prompt.

The terminal (prompt_toolkit, or plain lines off a terminal) is in
``terminal.py``; this module reads and writes text only.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import gc
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from ..eval.compiler import Compiler
from ..eval.env import Env, Scope
from ..eval.errors import NixError, evaluation_limits
from ..eval.printer import show_string
from ..eval.values import Attrs, Thunk, force, show_type
from ..syntax import Source, parse
from ..syntax.errors import NixSyntaxError
from .printer import UNLIMITED, show_repl

if TYPE_CHECKING:
    from ..nixos.system import System

# the names a configuration brings into scope, as nixos-rebuild repl
SCOPE = ("config", "options", "pkgs", "lib")
_FALLBACK = {"pkgs": "eval.config._module.args.pkgs", "lib": "import <nixpkgs/lib>"}

HELP = """\
The following commands are available:

  <expr>              Evaluate and print an expression (one level deep)
  <x> = <expr>        Bind an expression to a variable
  :a, :add <expr>     Add the attributes of a set to the scope
  :doc <option>       Show an option: value, type, description, declarations, definitions
  :p, :print <expr>   Evaluate and print an expression recursively
                      (strings are printed directly, without escaping)
  :q, :quit           Exit the repl
  :r, :reload         Evaluate the configuration again (the files are read again;
                      variables bound with = or :a are dropped, as in nix repl)
  :t <expr>           Describe the type of an expression's value
  :?, :help           Show this help"""

COMMANDS = (":?", ":a", ":add", ":doc", ":help", ":p", ":print", ":q", ":quit", ":r",
            ":reload", ":t")

# nix repl's isVarName: what may stand left of `=` in a binding
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")
_COMMAND = re.compile(r"(\S+)\s*(.*)", re.S)
# where an expression's word starts, for completion (nix repl's separators)
_WORD_BREAKS = " \n\r\t(){}[]"


class Outcome(enum.Enum):
    DONE = "done"  # the input was handled (successfully or not)
    MORE = "more"  # the input is incomplete: read another line
    QUIT = "quit"


class Incomplete(Exception):
    """The input ended in the middle of an expression."""


class Interrupts:
    """Ctrl-C during an evaluation: the signal arrives in the main thread
    (``deliver``, called by the command line's handler) and is raised as
    KeyboardInterrupt in the thread that evaluates, which reports it and
    goes back to the prompt. Outside an evaluation ``deliver`` declines and
    Ctrl-C ends the run as it does for any command."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: int | None = None

    @contextlib.contextmanager
    def evaluating(self) -> Iterator[None]:
        with self._lock:
            self._thread = threading.get_ident()
        try:
            yield
        finally:
            with self._lock:
                self._thread = None

    def deliver(self) -> bool:
        with self._lock:
            if self._thread is None:
                return False
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self._thread), ctypes.py_object(KeyboardInterrupt))
            return True


class ReplSession:
    def __init__(self, make_system: Callable[[], System], describe: str, out: TextIO,
                 err: TextIO, *, colors: bool = False, show_trace: bool = False,
                 blank_lines: bool = False) -> None:
        self.make_system = make_system
        self.describe = describe  # what is loaded, for the notices
        self.out = out
        self.err = err
        self.colors = colors
        self.show_trace = show_trace
        self.blank_lines = blank_lines  # as nix repl on a terminal: a blank line after each
        self.interrupts = Interrupts()
        self.pending = ""  # lines of an incomplete input
        self.failures = 0  # inputs that ended in an error
        self.system: System | None = None
        self.names: dict[str, Any] = {}

    def note(self, text: str) -> None:
        """A notice or an error, on standard error, in order with the values."""
        self.out.flush()
        self.err.write(text)
        self.err.flush()

    # loading -------------------------------------------------------------------
    def load(self) -> None:
        """Evaluate the configuration afresh (lazily: a broken configuration is
        an error where a name is used, so ``:r`` can follow a fix)."""
        self.note(f"Loading {self.describe}...\n")
        system = self.make_system()
        reloading = self.system is not None
        self.system = system
        self.names = {name: Thunk(lambda _env, n=name: self._loaded(system, n), None)
                      for name in SCOPE}
        if reloading:
            # the command line turns automatic collection off (a run makes no
            # cycles worth it); a session dropping a whole evaluation does
            gc.collect()
        self.note(f"Added {len(SCOPE)} variables.\n{', '.join(sorted(SCOPE))}\n")

    @staticmethod
    def _loaded(system: System, name: str) -> Any:
        system.evaluation  # noqa: B018 -- evaluates eval-config.nix, keeping its result
        result = system.result
        assert result is not None
        if name in result.vals:
            return force(result.vals[name])
        # an older eval-config.nix returns neither: where nixos/default.nix finds them
        tree = parse(Source("«nixeval»", _FALLBACK[name]), use_cache=False)
        code = Compiler(system.state, os.getcwd()).compile(tree, Scope({"eval": 0}, None))
        return code(Env([result], None))

    # reading input ----------------------------------------------------------------
    def feed(self, line: str) -> Outcome:
        """One line typed; the input so far is handled once it is complete."""
        text = f"{self.pending}\n{line}" if self.pending else line
        try:
            outcome = self.handle(text)
        except Incomplete:
            self.pending = text
            return Outcome.MORE
        self.pending = ""
        if self.blank_lines and outcome is Outcome.DONE and text.strip():
            self.out.write("\n")
        self.out.flush()
        return outcome

    def finish(self) -> None:
        """End of input: an expression left incomplete is reported, not dropped."""
        if self.pending:
            with contextlib.suppress(Incomplete):
                self.handle(self.pending, final=True)
            self.pending = ""

    def handle(self, text: str, final: bool = False) -> Outcome:
        """Run one complete input; raises Incomplete when it needs more."""
        try:
            with self.interrupts.evaluating(), evaluation_limits():
                return self._run(text.strip(), final)
        except NixError as e:
            self.failures += 1
            self.note(e.render(self.show_trace) + "\n")
        except KeyboardInterrupt:
            self.failures += 1
            self.note("error: interrupted by the user\n")
        except Incomplete:
            raise
        except Exception as e:  # a bug in nixeval: said, and the session goes on
            if os.environ.get("NIXEVAL_DEBUG"):
                raise
            self.failures += 1
            self.note(f"nixeval: internal error: {type(e).__name__}: {e}\n"
                      "(set NIXEVAL_DEBUG=1 for a Python traceback)\n")
        return Outcome.DONE

    def _run(self, line: str, final: bool) -> Outcome:
        if not line:
            return Outcome.DONE
        command, arg = "", line
        if line.startswith(":"):
            command, arg = _COMMAND.match(line).groups()  # type: ignore[union-attr]
        if command in (":?", ":help"):
            self.out.write(HELP + "\n")
        elif command in (":q", ":quit"):
            return Outcome.QUIT
        elif command in (":r", ":reload"):
            self.load()
        elif command in (":p", ":print"):
            v = force(self.evaluate(arg, final))
            self.out.write((str(v) if isinstance(v, str) else
                            show_repl(v, UNLIMITED, self.colors)) + "\n")
        elif command == ":t":
            self.out.write(show_type(force(self.evaluate(arg, final))) + "\n")
        elif command in (":a", ":add"):
            self.add(force(self.evaluate(arg, final)))
        elif command == ":doc":
            self.doc(arg)
        elif command:
            raise NixError(f"unknown command '{command}'")
        else:
            name, eq, rest = line.partition("=")
            if eq and not rest.startswith("=") and _VAR_NAME.fullmatch(name.strip()):
                code, env = self.compile(rest, final)
                self.names[name.strip()] = Thunk(code, env)
            else:
                v = self.evaluate(line, final)
                self.out.write(show_repl(v, 1, self.colors) + "\n")
        return Outcome.DONE

    # evaluating ----------------------------------------------------------------------
    def compile(self, text: str, final: bool = False) -> tuple[Callable[[Any], Any], Env]:
        """Parse and compile ``text`` with the session's names in scope."""
        source = Source("«string»", text)
        try:
            tree = parse(source, use_cache=False)
        except NixSyntaxError as e:
            if not final and "unexpected end of file" in e.message:
                raise Incomplete from None
            raise NixError(e.message, (e.source, e.offset)) from None
        names = list(self.names)
        scope = Scope({name: i for i, name in enumerate(names)}, None)
        env = Env([self.names[name] for name in names], None)
        state = self.require_system().state
        return Compiler(state, os.getcwd()).compile(tree, scope), env

    def evaluate(self, text: str, final: bool = False) -> Any:
        code, env = self.compile(text, final)
        return code(env)

    def require_system(self) -> System:
        if self.system is None:
            self.load()
        assert self.system is not None
        return self.system

    def add(self, v: Any) -> None:
        """``:a``: every attribute of a set becomes a variable."""
        if type(v) is not Attrs:
            raise NixError(f"expected a set but found {show_type(v)}")
        for name in v.names():
            self.names[name] = v.vals[name]
        self.note(f"Added {len(v.vals)} variables.\n")

    def doc(self, arg: str) -> None:
        """``:doc PATH``: the option as ``nixeval option PATH`` shows it."""
        from ..cli.option_cmd import format_info, split_path
        from ..nixos.query import describe, show_loc, suggestions

        if not arg:
            raise NixError("':doc' needs an option path, e.g. :doc services.openssh.enable")
        loc = tuple(split_path(_without_scope(arg)))
        system = self.require_system()
        record = system.option(loc)
        if record is not None:
            self.out.write(format_info(describe(system, record)) + "\n")
            return
        children = system.children(loc)
        if children:
            self.out.write(f"`{show_loc(loc)}' is a set of options:\n")
            self.out.write("".join(f"  {show_loc((*loc, c))}\n" for c in children))
            return
        hint = suggestions(system, loc)
        more = "; did you mean " + ", ".join(f"`{h}'" for h in hint) + "?" if hint else ""
        raise NixError(f"no option `{show_loc(loc)}'{more}")

    # completion ------------------------------------------------------------------------
    def complete(self, text: str) -> tuple[int, list[str]]:
        """Completions of the word before the cursor (``text`` is the input up
        to it): how many characters they replace, and the candidates. Errors
        while evaluating what is completed are ignored, as nix repl does."""
        if self.pending:  # the word is completed within the input so far
            text = f"{self.pending}\n{text}"
        stripped = text.lstrip()
        if stripped.startswith(":") and not self.pending:
            command, space, arg = stripped.partition(" ")
            if not space:
                return len(command), [c for c in COMMANDS if c.startswith(command)]
            if command == ":doc":
                return len(arg), self.complete_option(arg)
        start = max(text.rfind(c) for c in _WORD_BREAKS) + 1
        word = text[start:]
        try:
            with self.interrupts.evaluating(), evaluation_limits():
                return len(word), self.complete_word(word)
        except (NixError, KeyboardInterrupt):
            return len(word), []

    def complete_word(self, word: str) -> list[str]:
        dot = len(word)
        while True:  # the longest prefix before a dot that parses is the set
            dot = word.rfind(".", 0, dot)
            if dot < 0:
                state = self.require_system().state
                names = {*self.names, *state.base_env}
                # builtins' __-names only when asked for
                return sorted(n for n in names if n.startswith(word)
                              and (word.startswith("__") or not n.startswith("__")))
            try:
                code, env = self.compile(word[:dot], final=True)
                break
            except (NixError, Incomplete):
                continue
        expr, partial = word[:dot], word[dot + 1:]
        quoted = partial.startswith('"')
        partial = partial.lstrip('"')
        v = force(code(env))
        if type(v) is not Attrs:
            return []
        return [f"{expr}.{show_string(n) if quoted or not _VAR_NAME.fullmatch(n) else n}"
                for n in v.names() if n.startswith(partial)]

    def complete_option(self, arg: str) -> list[str]:
        """Option paths for ``:doc``."""
        from ..cli.option_cmd import split_path
        from ..nixos.query import show_loc

        prefix = arg[:len(arg) - len(_without_scope(arg))]
        *parent, partial = split_path(_without_scope(arg))
        try:
            with self.interrupts.evaluating(), evaluation_limits():
                children = self.require_system().children(tuple(parent))
        except (NixError, KeyboardInterrupt):
            return []
        return [prefix + show_loc((*parent, c)) for c in children if c.startswith(partial)]


def _without_scope(path: str) -> str:
    """``config.a.b`` and ``options.a.b`` name the option ``a.b``."""
    for name in ("config.", "options."):
        if path.startswith(name):
            return path[len(name):]
    return path
