# The packages of the system profile (/run/current-system/sw).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) literalExpression mkOption types;

  requiredPackages = with pkgs; [
    bash
    coreutils
    curl
    systemd
  ];
in
{
  options = {
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = literalExpression "[ pkgs.firefox pkgs.thunderbird ]";
      description = ''
        The set of packages that appear in
        /run/current-system/sw. These packages are
        automatically available to all users, and are
        automatically updated every time you rebuild the system
        configuration.
      '';
    };

    environment.defaultPackages = mkOption {
      type = types.listOf types.package;
      default = with pkgs; [ nano ];
      defaultText = literalExpression "[ pkgs.nano ]";
      example = [ ];
      description = ''
        Packages installed by default, which the configuration may
        remove by setting this option to `[ ]`.
      '';
    };

    system.path = mkOption {
      internal = true;
      type = types.package;
      description = "The package gathering all of environment.systemPackages.";
    };
  };

  config = {
    environment.systemPackages = requiredPackages ++ config.environment.defaultPackages;

    system.path = pkgs.buildEnv {
      name = "system-path";
      paths = config.environment.systemPackages;
    };
  };
}
