"""The help text's formatter for the commands a short evaluation runs."""

from __future__ import annotations

import argparse
import os
import sys


def raw_description(prog: str) -> argparse.HelpFormatter:
    """``argparse.RawDescriptionHelpFormatter`` at the terminal's width, found
    as ``shutil.get_terminal_size`` finds it (``COLUMNS``, else the terminal,
    else 80): argparse would import shutil (and the compression modules shutil
    loads) to ask, at every start of every command."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return argparse.RawDescriptionHelpFormatter(prog, width=columns - 2)
