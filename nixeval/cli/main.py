"""``nixeval`` entry point: dispatch to a subcommand, keep start-up cheap, and turn
every failure into a message and an exit status, never a traceback."""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import TextIO

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

Run 'nixeval COMMAND --help' for a command's options.

A lib's module system runs natively where nixeval is proven for that lib
version, else as the lib's own code; NIXEVAL_SHOW_MODULES=1 says which ran.
"""

# exit statuses
OK, FAILED, USAGE_ERROR, INTERRUPTED = 0, 1, 2, 130

# Evaluating deeply nested Nix recurses deeply in Python; run on a thread with a
# large stack so that depth ends in Nix's own error, not a crash.
_STACK_BYTES = 512 * 1024 * 1024
_RECURSION_LIMIT = 100_000


# command -> the module (in this package) whose main(argv) runs it; imported
# only when that command runs, to keep start-up cheap
COMMANDS = {"eval": "eval_cmd", "parse": "parse_cmd", "instantiate": "instantiate",
            "option": "option_cmd", "options": "options_cmd", "lint": "lint_cmd",
            "why": "why_cmd", "build-vm": "build_vm_cmd"}


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

    modules.register()  # a lib's module system, where proven, runs natively
    return command(argv[1:])


def _guarded(argv: list[str]) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        sys.stderr.write("nixeval: interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else (OK if e.code is None else USAGE_ERROR)
    except Exception as e:  # a bug in nixeval: say so plainly
        if os.environ.get("NIXEVAL_DEBUG"):
            raise
        sys.stderr.write(f"nixeval: internal error: {type(e).__name__}: {e}\n"
                         "(set NIXEVAL_DEBUG=1 for a Python traceback)\n")
        return 70


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
    if os.environ.get("NO_COLOR") is not None or not sys.stderr.isatty():
        sys.stderr = _PlainText(sys.stderr)  # type: ignore[assignment]
    if args[:1] == ["--version"]:
        return run(args)  # no thread needed: keep it instant
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
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        sys.stderr.write("nixeval: interrupted\n")
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    sys.stdout.flush()
    return result[0]


def entry() -> None:
    sys.exit(main())
