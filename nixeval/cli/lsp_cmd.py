"""``nixeval lsp``: the language server, over standard input and output."""

from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="nixeval lsp",
        description="The Nix/NixOS language server (LSP over standard input and output). "
        "Which system it evaluates comes from the client's settings (nixeval.include, "
        "config, flake, expr, vm, pkgs), else as 'nixeval option' finds it.")
    ap.add_argument("--stdio", action="store_true", help="accepted for clients that pass it "
                    "(standard input and output are the only transport)")
    ap.add_argument("--log-level", default="WARNING",
                    choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                    help="what goes to standard error (default: WARNING)")
    args = ap.parse_args(argv)
    # The protocol owns standard output: anything else that would write there
    # (Nix's traces, a stray print, C code on descriptor 1) goes to standard error.
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="nixeval lsp: %(levelname)s %(name)s: %(message)s")
    import gc

    from ..lsp.server import server

    # unlike a command's run, the server lives long and evaluates nothing itself
    # (its evaluator process does): its own garbage is small and must be freed
    gc.enable()

    server.start_io(sys.stdin.buffer, protocol_out)
    return 0
