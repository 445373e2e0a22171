"""nixeval's Python library: open a system, ask it questions.

    from nixeval import api

    with api.open_nixos("examples/configs/fixed.nix", nixpkgs="examples") as s:
        s.option("services.openssh.enable").value        # True
        s.option_at("examples/configs/fixed.nix", 25, 5)  # services.openssh.enable
        s.set_overlay("examples/configs/fixed.nix", edited_text)

Results are frozen value classes with ``to_json()``; every failure is an
``ApiError``. docs/API.md describes each call.
"""

from .cursor import attribute_path_at
from .errors import ApiError, EvalError, NotFound, OptionNotFound
from .results import (
    AttributePath,
    Completion,
    Definition,
    Finding,
    Option,
    OptionAt,
    Position,
)
from .session import (
    Session,
    open_darwin,
    open_flake,
    open_home_manager,
    open_modules,
    open_nixos,
    split_path,
)

__all__ = [
    "ApiError", "AttributePath", "Completion", "Definition", "EvalError", "Finding",
    "NotFound", "Option", "OptionAt", "OptionNotFound", "Position", "Session",
    "attribute_path_at", "open_darwin", "open_flake", "open_home_manager", "open_modules",
    "open_nixos", "split_path",
]
