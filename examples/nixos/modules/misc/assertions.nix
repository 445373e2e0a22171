# `assertions` and `warnings`: checks any module can add.  They are acted on
# when config.system.build.toplevel is evaluated (system/activation/top-level.nix):
# a false assertion stops the build, a warning is printed.
{ lib, ... }:

let
  inherit (lib) mkOption types;
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (
        types.submodule {
          options = {
            assertion = mkOption {
              type = types.bool;
              description = "The condition that must hold.";
            };
            message = mkOption {
              type = types.str;
              description = "What to tell the user when the condition does not hold.";
            };
          };
        }
      );
      internal = true;
      default = [ ];
      example = [
        {
          assertion = false;
          message = "you can't enable this for that reason";
        }
      ];
      description = ''
        This option allows modules to express conditions that must
        hold for the evaluation of the system configuration to
        succeed, along with associated error messages for the user.
      '';
    };

    warnings = mkOption {
      type = types.listOf types.str;
      internal = true;
      default = [ ];
      example = [ "The `foo' service is deprecated and will go away soon!" ];
      description = ''
        This option allows modules to show warnings to users during
        the evaluation of the system configuration.
      '';
    };
  };
}
