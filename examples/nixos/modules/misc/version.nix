# The NixOS release this tree models, and system.stateVersion.
{
  config,
  options,
  lib,
  ...
}:

let
  inherit (lib) mkOption types;
  cfg = config.system.nixos;
in
{
  options.system = {
    nixos.release = mkOption {
      readOnly = true;
      type = types.str;
      default = "25.11";
      description = "The NixOS release (e.g. `25.11`).";
    };

    nixos.versionSuffix = mkOption {
      internal = true;
      type = types.str;
      default = "";
      description = "The NixOS version suffix (e.g. `pre1234.abcdef`).";
    };

    nixos.version = mkOption {
      internal = true;
      type = types.str;
      default = cfg.release + cfg.versionSuffix;
      description = "The full NixOS version (e.g. `25.11pre1234.abcdef`).";
    };

    nixos.label = mkOption {
      type = types.strMatching "[a-zA-Z0-9:_\\.-]*";
      default = cfg.version;
      description = ''
        A label for this NixOS configuration, part of the name of
        the system's store path and shown in the boot menu.
      '';
    };

    stateVersion = mkOption {
      type = types.str;
      default = cfg.release;
      example = "24.11";
      description = ''
        This option defines the first version of NixOS you have
        installed on this particular machine, and is used to
        maintain compatibility with application data (e.g.
        databases) created on older NixOS versions.

        Most users should never change this value after the initial
        install, for any reason, even if you've upgraded your system
        to a new NixOS release.
      '';
    };
  };

  config = {
    warnings = lib.optional (options.system.stateVersion.highestPrio == (lib.mkOptionDefault { }).priority) ''
      system.stateVersion is not set, defaulting to ${config.system.stateVersion}. Set it to the release this machine was first installed with; see the description of the option system.stateVersion.
    '';

    environment.etc."os-release".text = ''
      NAME=NixOS
      ID=nixos
      VERSION="${cfg.version}"
      VERSION_ID="${cfg.release}"
      PRETTY_NAME="NixOS ${cfg.release}"
      HOME_URL="https://nixos.org/"
    '';
  };
}
