"""``derivation``: ``derivationStrict`` wrapped so that the result is the
attribute set users know (the given attributes, ``drvPath``, ``outPath``,
one set per output, ``all``, ``drvAttrs``, ``type = "derivation"``).

As in Nix it is a Nix function, so it is lazy the same way (``drvPath`` and
``outPath`` are only computed when used), ``functionArgs`` gives
``{ outputs = true; }``, and every output's set is the same value wherever
it is reached (``out``, ``all``, the result itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...syntax import Source
from ..errors import NixError
from . import primop

if TYPE_CHECKING:
    from ..state import EvalState

_DERIVATION = """\
# The `derivation` builtin, written for nixeval: a Nix function around
# `derivationStrict`, so drvPath and outPath are only computed when used.
attrs@{ outputs ? [ "out" ], ... }:
let
  paths = derivationStrict attrs;
  forOutput = name: {
    inherit name;
    value = shared // {
      type = "derivation";
      outputName = name;
      drvPath = paths.drvPath;
      outPath = paths.${name};
    };
  };
  each = map forOutput outputs;
  shared = attrs // builtins.listToAttrs each // {
    drvAttrs = attrs;
    all = map (output: output.value) each;
  };
in
(builtins.head each).value
"""


@primop("derivation", 0)
def derivation(state: EvalState) -> Any:
    # evaluated in the base environment, so user bindings cannot change what
    # derivationStrict, map or builtins mean here
    return state.eval_source(Source("«nix-internal»/derivation-internal.nix", _DERIVATION), "/")


@primop("__outputOf", 2)
def output_of(state: EvalState, drv: Any, output: Any) -> Any:
    """Dynamic derivations are not supported: Nix's message when they are off."""
    raise NixError("experimental Nix feature 'dynamic-derivations' is disabled; "
                   "add '--extra-experimental-features dynamic-derivations' to enable it")
