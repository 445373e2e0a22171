# Stand-in for the systemd part of a modular service: the units it adds, as
# NixOS-style unit modules, the primary one (named "") running process.argv.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
in
{
  _class = "service";
  options.systemd = {
    services = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = "systemd services of this service; \"\" is the primary one.";
    };
    sockets = mkOption {
      type = types.lazyAttrsOf types.deferredModule;
      default = { };
      description = "systemd sockets of this service.";
    };
  };
  config.systemd.services."" = {
    serviceConfig.ExecStart = lib.escapeShellArgs config.process.argv;
  };
}
