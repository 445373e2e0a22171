# home-manager's workloads: its modules evaluated with the stub package set
# (found as <nixpkgs>) and the lib under test (<realtrees-lib>).
# `tree` and `configuration` are absolute paths, given as strings (--argstr).
{
  tree,
  configuration,
  # The option the error workloads read (each configuration breaks one).
  read ? "home.username",
}:
let
  treeDir = /. + tree;
  userModule = /. + configuration;
  lib = import <realtrees-lib/lib>;
  common = import ./common.nix { inherit lib; };
  pkgs = import <nixpkgs> { system = "x86_64-linux"; };
  hm = import (treeDir + "/modules") {
    inherit pkgs;
    configuration = userModule;
  };
  cfg = hm.config;
in
{
  optionNames = common.optionNames hm.options;
  docs = common.docs hm.options;
  # The user's configuration: what the enabled programs and files amount to.
  # (Whole `programs.X` sets are not read: they hold renamed options' aliases.)
  config = {
    home = {
      inherit (cfg.home) username homeDirectory sessionVariables packages file;
      activationPackage = cfg.home.activationPackage.drvPath;
    };
    xdg = { inherit (cfg.xdg) configFile; };
    programs.bash = { inherit (cfg.programs.bash) shellAliases initExtra; };
    programs.git = { inherit (cfg.programs.git) iniContent; };
    programs.starship = { inherit (cfg.programs.starship) settings; };
  };
  read = lib.getAttrFromPath (lib.splitString "." read) cfg;
}
