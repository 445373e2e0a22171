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
# The `derivation` builtin: a Nix function wrapping the `derivationStrict`
# primop so that `drvPath` and `outPath` are only computed when used.
#
# Its code is laid out line for line as Nix's own derivation-internal.nix,
# so that error traces pointing into it show the same positions and code.

/*
  derivation attrs

  Takes the attribute set describing a build (at least `name`, `system`
  and `builder`; optionally `outputs`, a list of output names defaulting
  to [ "out" ]) and returns an attribute set that has:

    * every attribute it was given,
    * `type = "derivation"`,
    * `drvPath`, the store path of the derivation file,
    * `outPath`, the store path of the first output,
    * `outputName`, the name of that output,
    * one attribute per output, each a derivation value of its own,
    * `all`, the list of those per-output values,
    * `drvAttrs`, the attributes it was given.

  Every per-output value shares the same `drvPath`; outputs are only
  store paths to be: nothing is built while evaluating.

  nixeval computes the paths without a store (see nixeval/eval/store.py).

*/
drvAttrs@{
  outputs ? [ "out" ],
  ...
}:

let

  strict = derivationStrict drvAttrs;

  commonAttrs =
    drvAttrs
    // (builtins.listToAttrs outputsList)
    // {
      all = map (x: x.value) outputsList;
      inherit drvAttrs;
    };

  outputToAttrListElement = outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = strict.${outputName};
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };

  outputsList = map outputToAttrListElement outputs;

in
(builtins.head outputsList).value
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
