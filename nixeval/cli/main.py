"""``nixeval`` entry point: dispatch to a subcommand, keep start-up cheap, and turn
every failure into a message and an exit status, never a traceback."""

from __future__ import annotations

# First thing, before any other import: from here on a Ctrl-C ends the run with
# "nixeval: interrupted" (not with a traceback from whatever import or wait it
# falls in). Only what the interpreter's start-up has loaded already is used
# before the handler is in place: the builtin ``_signal`` (``signal`` would
# import ``enum``) and ``os`` (loaded by ``runpy`` and ``site``; frozen), no
# ``contextlib``: every module imported first widens the window in which a
# Ctrl-C is Python's KeyboardInterrupt. Before this file runs, the
# interpreter's own start-up (and the site's ``.pth`` hooks) run, which no
# code of nixeval can reach. A SIGINT the parent chose to ignore (``nohup``, a
# background job) stays ignored.
import _signal
import os

# exit statuses
OK, FAILED, USAGE_ERROR, INTERRUPTED = 0, 1, 2, 130


# A command that handles Ctrl-C itself puts a function here (the repl: it
# interrupts the evaluation and returns to the prompt); when it returns True
# the signal was taken care of and the run goes on.
INTERRUPT_HOOKS: list = []


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C, whenever it comes: the message on the real standard error (the
    descriptor itself: a command may have redirected ``sys.stderr`` for the
    whole process, as ``lint`` and ``why`` do) and status 130, at once. The
    handler runs between two bytecodes of the main thread, so nothing else
    (an import half done, the worker thread's evaluation) gets to raise or
    print; ``os._exit`` leaves them as they are."""
    for hook in INTERRUPT_HOOKS:
        if hook():
            return
    try:  # noqa: SIM105 -- contextlib is not loaded yet (see above)
        os.write(2, b"nixeval: interrupted\n")
    except OSError:
        pass
    os._exit(INTERRUPTED)


if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    try:  # noqa: SIM105 -- contextlib is not loaded yet (see above)
        _signal.signal(_signal.SIGINT, _interrupted)
    except ValueError:  # imported off the main thread: not the entry
        pass

import contextlib  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, TextIO  # noqa: E402

USAGE = """\
usage: nixeval [--version] COMMAND [ARGS...]

commands:
  eval EXPR|FILE        evaluate a Nix expression or file and print the value
  parse FILE|DIR...     check that Nix files parse (directories are searched for *.nix)
  instantiate ...       a drop-in for nix-instantiate (--eval, --parse, drvPaths)
  option PATH           a NixOS option: value, type, declarations, every definition
  options [PREFIX]      a table of the options under a prefix
  lint [CONFIG]         check a configuration before building it (--vm: as build-vm would)
  why PATH              an option's definitions, the options it reads and those reading it
  build-vm [CONFIG]     lint the VM variant, then build it with the real nix-build
  deploy [CONFIG] --target USER@HOST
                        lint, build with nix-build, copy over ssh and activate
  repl [CONFIG]         explore a configuration: config, options, pkgs, lib in scope
  lsp                   the language server (LSP over standard input and output)

Run 'nixeval COMMAND --help' for a command's options.

A lib's module system runs natively where nixeval is proven for that lib
version, else as the lib's own code; NIXEVAL_SHOW_MODULES=1 says which ran.
"""

# Evaluating deeply nested Nix recurses deeply in Python; run on a thread with a
# large stack so that depth ends in Nix's own error, not a crash.
_STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 100_000


# command -> the module (in this package) whose main(argv) runs it; imported
# only when that command runs, to keep start-up cheap
COMMANDS = {"eval": "eval_cmd", "parse": "parse_cmd", "instantiate": "instantiate",
            "option": "option_cmd", "options": "options_cmd", "lint": "lint_cmd",
            "why": "why_cmd", "build-vm": "build_vm_cmd", "repl": "repl_cmd",
            "deploy": "deploy_cmd", "lsp": "lsp_cmd"}


def _command(name: str) -> Callable[[list[str]], int] | None:
    import importlib

    module = COMMANDS.get(name)
    return None if module is None else importlib.import_module(f"{__package__}.{module}").main


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return OK if argv else USAGE_ERROR
    if argv[0] == "--version":
        from .. import __version__

        print(f"nixeval {__version__}")
        return OK
    command = _command(argv[0])
    if command is None:
        sys.stderr.write(f"nixeval: unknown command '{argv[0]}'\n\n{USAGE}")
        return USAGE_ERROR
    from .. import modules
    from ..eval.datastack import with_room
    from ..eval.errors import run_within_limits

    modules.register()  # a lib's module system, where proven, runs natively
    # the one guard on Python's stack and memory: Nix's error, whatever the command
    return with_room(run_within_limits, command, argv[1:])


def _guarded(argv: list[str]) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:  # only where the handler above could not be installed
        _say_interrupted()
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): as Nix, not a failure
        return OK
    except MemoryError:
        sys.stderr.write("error: out of memory\n")  # Nix's text for std::bad_alloc
        return FAILED
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else (OK if e.code is None else USAGE_ERROR)
    except Exception as e:  # a bug in nixeval: say so plainly
        if os.environ.get("NIXEVAL_DEBUG"):
            raise
        sys.stderr.write(f"nixeval: internal error: {type(e).__name__}: {e}\n"
                         "(set NIXEVAL_DEBUG=1 for a Python traceback)\n")
        return 70


def _say_interrupted() -> None:
    with contextlib.suppress(OSError):
        os.write(2, b"nixeval: interrupted\n")


class _QuietOutput(io.RawIOBase):
    """Standard output or error as Nix's ``std::cout`` treats them: what can't
    be written (the descriptor closed, a full disk, an I/O error) is dropped
    and the run goes on to its own exit status, without a word or a
    traceback. Only a closed pipe stops it (``BrokenPipeError``, status 0):
    nothing more would be read."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.lost = False
        self.capture: list[tuple[int, bytes]] | None = None  # kept for the answer cache

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return not self.lost and os.isatty(self._fd)

    def write(self, data: bytes) -> int:  # type: ignore[override]
        written = len(data)
        if not self.lost:
            try:
                written = os.write(self._fd, data)
            except BrokenPipeError:
                self.lost = True
                raise
            except OSError:
                self.lost = True
        if self.capture is not None:  # what was written (the rest comes again)
            self.capture.append((self._fd, bytes(data[:written])))
        return written


_RAW: dict[int, _QuietOutput] = {}  # the raw standard output and error, once guarded


def _guard_output() -> None:
    """The one guard on the process's standard streams, before anything is
    read or written: a descriptor the caller closed (``>&-``) is opened on
    /dev/null (else the next file opened would take its number and receive
    the output), and stdout and stderr write through ``_QuietOutput``."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        _RAW[fd] = _QuietOutput(fd)
        stream = io.TextIOWrapper(
            io.BufferedWriter(_RAW[fd]),
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None) or "strict",
            line_buffering=bool(getattr(old, "line_buffering", name == "stderr")),
            write_through=bool(getattr(old, "write_through", False)))
        setattr(sys, name, stream)


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()


class _PlainText:
    """stderr without terminal escapes: Nix drops them from messages (lib's
    coloured warnings, for one) unless it writes to a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from ..eval.errors import strip_escapes

        return self._stream.write(strip_escapes(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    _guard_output()
    if os.environ.get("NO_COLOR") is not None or not sys.stderr.isatty():
        sys.stderr = _PlainText(sys.stderr)  # type: ignore[assignment]
    if args[:1] == ["--version"]:
        status = _guarded(args)  # no thread needed: keep it instant
        _flush_output()
        return status
    from . import answers

    if answers.enabled(args):
        return _answered(args)
    return _run_on_worker(args)


def _answered(args: list[str]) -> int:
    """A command the answer cache serves: from its entry when every input
    is as it was, else run with its inputs and output recorded and kept."""
    from .. import inputs
    from . import answers

    hit = _cache_step(answers.lookup, args)
    if hit is not None:
        status, output = hit
        try:
            for fd, data in output:
                view = memoryview(data)
                while view:  # a write may take part of it
                    view = view[_RAW[fd].write(view):]
        except BrokenPipeError:
            return OK
        return status
    output: list[tuple[int, bytes]] = []
    for raw in _RAW.values():
        raw.capture = output
    with inputs.recording(answers.ignored()) as record:
        status = _run_on_worker(args)
    for raw in _RAW.values():
        raw.capture = None
    if not any(raw.lost for raw in _RAW.values()):
        _cache_step(answers.store, args, status, output, record)
    return status


def _cache_step(step: Callable[..., Any], *args: Any) -> Any:
    """A step of the answer cache; a fault in it only costs the cache."""
    try:
        return step(*args)
    except Exception:
        if os.environ.get("NIXEVAL_DEBUG"):
            raise
        return None


def _run_on_worker(args: list[str]) -> int:
    result = [INTERRUPTED]

    def target() -> None:
        result[0] = _guarded(args)

    sys.setrecursionlimit(_RECURSION_LIMIT)
    threading.stack_size(_STACK_BYTES)
    # One run of the evaluator makes millions of small objects and almost no
    # garbage cycles (a thunk drops its environment once forced): Python's
    # cycle collector would rescan them all again and again, which cost three
    # quarters of the time on large module trees, for no memory back.
    gc.disable()
    worker = threading.Thread(target=target, name="nixeval", daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:  # only where the handler above could not be installed
        _say_interrupted()
        os._exit(INTERRUPTED)
    _flush_output()
    return result[0]


def entry() -> None:
    status = main()
    _flush_output()
    # Leave without tearing the evaluation down: freeing millions of objects
    # one by one (and the final collection) took seconds after the answer.
    os._exit(status)
