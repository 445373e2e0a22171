# Kernel command line and containers.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
in
{
  options.boot = {
    isContainer = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether this NixOS machine is a lightweight container running
        in another NixOS system. Containers have no boot loader and no
        kernel of their own.
      '';
    };

    kernelParams = mkOption {
      type = types.listOf (
        types.strMatching ''([^"[:space:]]|"[^"]*")+''
        // {
          name = "kernelParam";
          description = "string, with spaces inside double quotes";
        }
      );
      default = [ ];
      example = [ "console=ttyS0,115200n8" ];
      description = "Parameters added to the kernel command line.";
    };

    consoleLogLevel = mkOption {
      type = types.int;
      default = 4;
      description = ''
        The kernel console `loglevel`. All Kernel Messages with a log level smaller
        than this setting will be printed to the console.
      '';
    };

    kernelModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "The set of kernel modules to be loaded in the second stage of the boot process.";
    };
  };

  config = lib.mkIf (!config.boot.isContainer) {
    boot.kernelParams = [ "loglevel=${toString config.boot.consoleLogLevel}" ];
  };
}
