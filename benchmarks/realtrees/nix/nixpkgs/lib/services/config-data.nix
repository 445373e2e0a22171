# Stand-in for a modular service's configuration files (`configData.<name>`):
# each given as text or as a file, placed by the service manager.
{ pkgs }:
{ lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  _class = "service";
  options.configData = mkOption {
    type = types.lazyAttrsOf (
      types.submodule (
        { name, config, ... }:
        {
          options = {
            enable = mkOption {
              type = types.bool;
              default = true;
              description = "Whether this file is installed.";
            };
            name = mkOption {
              type = types.str;
              default = name;
              description = "The file's name, relative to the service's directory.";
            };
            text = mkOption {
              type = types.nullOr types.lines;
              default = null;
              description = "The file's contents.";
            };
            source = mkOption {
              type = types.path;
              description = "The file to install.";
            };
            path = mkOption {
              type = types.str;
              description = "Where the service finds the file.";
            };
          };
          config.source = lib.mkIf (config.text != null) (
            lib.mkDefault (pkgs.writeText (baseNameOf name) config.text)
          );
        }
      )
    );
    default = { };
    description = "Configuration files of the service.";
  };
}
