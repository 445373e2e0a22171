# Evaluate a NixOS configuration: the base modules of this tree, any extra
# modules, and the caller's modules, with lib.evalModules.
#
#   import ./eval-config.nix { modules = [ ./configuration.nix ]; }
#
# returns the evalModules result (config, options, extendModules, ...) plus
# `pkgs` and `lib`.
{
  # The platform to build for; `null` leaves `nixpkgs.system` to the modules.
  system ? builtins.currentSystem,
  # A package set to use instead of importing ../../pkgs.
  pkgs ? null,
  baseModules ? import ../modules/module-list.nix,
  extraModules ? [ ],
  specialArgs ? { },
  modules,
  prefix ? [ ],
  lib ? import ../../lib,
}:

let
  pkgsModule = rec {
    _file = ./eval-config.nix;
    key = _file;
    config = lib.mkMerge (
      lib.optional (system != null) {
        # Lowest priority short of the option default: anything the
        # configuration sets wins.
        nixpkgs.system = lib.mkDefault system;
      }
      ++ lib.optional (pkgs != null) {
        # A package set passed in by the caller wins over the one
        # misc/nixpkgs.nix would import.
        _module.args.pkgs = lib.mkForce pkgs;
      }
    );
  };

  withExtraAttrs =
    configuration:
    configuration
    // {
      inherit (configuration._module.args) pkgs;
      inherit lib;
      extendModules = args: withExtraAttrs (configuration.extendModules args);
    };
in
withExtraAttrs (
  lib.evalModules {
    inherit prefix;
    modules = baseModules ++ extraModules ++ [ pkgsModule ] ++ modules;
    specialArgs = {
      modulesPath = builtins.toString ../modules;
    } // specialArgs;
    class = "nixos";
  }
)
