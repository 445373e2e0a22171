# nixeval's embedded library: a small, self-contained Nix library laid out
# like nixpkgs' lib/, with the NixOS module system in plain Nix (which nixeval
# binds to its native implementation). Original code, MIT licence.
#
#   let lib = import <nixeval/lib>; in lib.evalModules { modules = [ … ]; }
let
  parts = {
    trivial = import ./trivial.nix { inherit lib; };
    lists = import ./lists.nix { inherit lib; };
    strings = import ./strings.nix { inherit lib; };
    attrsets = import ./attrsets.nix { inherit lib; };
    fixedPoints = import ./fixed-points.nix { inherit lib; };
    generators = import ./generators.nix { inherit lib; };
    options = import ./options.nix { inherit lib; };
    modules = import ./modules.nix { inherit lib; };
    types = import ./types.nix { inherit lib; };
  };

  lib = parts
  # The top level: every function of the parts above (types excepted:
  # only a few of its functions, as in nixpkgs).
  // parts.trivial // parts.lists // parts.strings // parts.attrsets // parts.fixedPoints
  // parts.options // parts.modules
  // {
    inherit (parts.types) isType setType isOptionType mkOptionType defaultTypeMerge defaultFunctor;
    # Names that several parts define: the same choice as nixpkgs.
    inherit (parts.lists) replicate;
    inherit (parts.trivial) importJSON;
    inherit (builtins) toString isBool isInt isFloat isPath;
  };
in
lib
