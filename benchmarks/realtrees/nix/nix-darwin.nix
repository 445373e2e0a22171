# nix-darwin's workloads: its eval-config.nix with the lib under test
# (<realtrees-lib>) and the stub package set as nixpkgs.source (<nixpkgs>).
# `tree` and `configuration` are absolute paths, given as strings (--argstr).
{
  tree,
  configuration,
  # The option the error workloads read (each configuration breaks one).
  read ? "networking.hostName",
}:
let
  treeDir = /. + tree;
  userModule = /. + configuration;
  lib = import <realtrees-lib/lib>;
  common = import ./common.nix { inherit lib; };
  darwin = import (treeDir + "/eval-config.nix") {
    inherit lib;
    modules = [
      userModule
      {
        nixpkgs.source = <nixpkgs>;
        nixpkgs.hostPlatform = "aarch64-darwin";
      }
    ];
    # nix-darwin's own check that lib is of its release: every lib is tried.
    enableNixpkgsReleaseCheck = false;
  };
  cfg = darwin.config;
in
{
  optionNames = common.optionNames darwin.options;
  docs = common.docs darwin.options;
  # The user's configuration: what the defaults, services and packages amount to.
  # (Not all of `system.defaults`: it holds removed options that throw when read.)
  config = {
    system = {
      defaults = { inherit (cfg.system.defaults) dock finder NSGlobalDomain trackpad; };
      toplevel = cfg.system.build.toplevel.drvPath;
    };
    environment = { inherit (cfg.environment) systemPackages variables etc; };
    launchd = { inherit (cfg.launchd) daemons agents user; };
    users = { inherit (cfg.users) users; };
    homebrew = { inherit (cfg.homebrew) brewfile; };
  };
  read = lib.getAttrFromPath (lib.splitString "." read) cfg;
}
