# Lint demo: infinite recursion through `_module.args`.  `pkgs` is a module
# argument set by the `_module.args` option, so it has no value while
# `imports` are resolved.
{ pkgs, ... }:

{
  imports = [ ./fixed.nix ] ++ (if pkgs ? htop then [ ] else [ ./typo.nix ]);
}
