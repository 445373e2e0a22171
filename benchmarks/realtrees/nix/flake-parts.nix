# flake-parts' workloads: a flake's module evaluated as `mkFlake` would, with
# the lib under test (<realtrees-lib>) and a nixpkgs input made of the stub
# package set (<nixpkgs>).
# `tree` and `configuration` are absolute paths, given as strings (--argstr).
{
  tree,
  configuration,
  # The flake output the error workloads read (each configuration breaks one).
  read ? "packages.x86_64-linux",
}:
let
  treeDir = /. + tree;
  userModule = /. + configuration;
  lib = import <realtrees-lib/lib>;
  common = import ./common.nix { inherit lib; };

  # The modules of a flake-parts directory, by name, as its flake.nix lists them.
  modulesIn =
    dir:
    lib.mapAttrs' (n: _: lib.nameValuePair (lib.removeSuffix ".nix" n) (treeDir + "/${dir}/${n}")) (
      lib.filterAttrs (n: kind: kind == "regular" && lib.hasSuffix ".nix" n) (builtins.readDir (treeDir + "/${dir}"))
    );
  builtinModules = modulesIn "modules";
  extraModules = modulesIn "extras";
  flake-parts-lib = import (treeDir + "/lib.nix") { inherit lib builtinModules extraModules; };

  systems = [
    "x86_64-linux"
    "aarch64-darwin"
  ];
  # Inputs as Nix makes them for a flake: each a set of outputs, tagged.
  inputs = {
    self = eval.config.processedFlake // {
      _type = "flake";
      outPath = toString (dirOf userModule);
      inherit inputs;
    };
    nixpkgs = {
      _type = "flake";
      outPath = toString <nixpkgs>;
      inherit lib;
      legacyPackages = lib.genAttrs systems (system: import <nixpkgs> { inherit system; });
    };
    flake-parts = {
      _type = "flake";
      outPath = tree;
      lib = flake-parts-lib;
      flakeModules = builtinModules // extraModules;
    };
  };
  eval = flake-parts-lib.evalFlakeModule { inherit inputs; } userModule;
  flake = eval.config.processedFlake;
in
{
  optionNames = common.optionNames eval.options;
  docs = common.docs eval.options;
  # The flake's outputs, and what its overlay adds to a package set.
  config = {
    inherit (flake)
      packages
      devShells
      apps
      checks
      formatter
      templates
      ;
    overlay =
      let
        pkgs = inputs.nixpkgs.legacyPackages.x86_64-linux;
      in
      flake.overlays.default pkgs pkgs;
  };
  read = lib.getAttrFromPath (lib.splitString "." read) flake;
}
