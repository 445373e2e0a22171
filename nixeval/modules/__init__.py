"""The NixOS module system, native: ``evalModules`` and its parts, bound to
a lib's module system when Nix code imports one (see ``binding.py``).
Importing this package registers the binding with the evaluator."""

import os
from typing import Any

from .parts import PARTS


def _bind_lib_part(state: Any, path: str, value: Any) -> Any:
    # binding.py (and what it imports) is loaded at the first lib file, not
    # at every start
    if os.path.basename(path) not in PARTS:
        return value
    from .binding import bind

    return bind(state, path, value)


def register() -> None:
    """Have every evaluator offer imported files to ``binding.bind``."""
    from ..eval.state import IMPORT_HOOKS

    if _bind_lib_part not in IMPORT_HOOKS:
        IMPORT_HOOKS.append(_bind_lib_part)


register()
