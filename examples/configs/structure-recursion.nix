# Lint demo: infinite recursion through the module's own structure.  Which
# options a module defines must be known before any option has a value, but
# this module's whole `config` depends on an option's value: to compute
# services.openssh.enable, every module's definitions are needed, this one's too.
{ config, pkgs, ... }:

{
  imports = [ ./fixed.nix ];

  config = if config.services.openssh.enable then {
    environment.systemPackages = [ pkgs.htop ];
  } else { };
}
