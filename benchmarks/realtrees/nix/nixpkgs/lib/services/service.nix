# Stand-in for the portable part of a modular service: its command line, its
# sub-services, its configuration files, and its own assertions and warnings.
{ pkgs }:
{ lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  _class = "service";
  imports = [
    ../../nixos/modules/misc/assertions.nix
    (lib.modules.importApply ./config-data.nix { inherit pkgs; })
  ];
  options = {
    services = mkOption {
      type = types.attrsOf (
        types.submoduleWith {
          modules = [ (lib.modules.importApply ./service.nix { inherit pkgs; }) ];
        }
      );
      default = { };
      visible = "shallow";
      description = "Sub-services configured together with this one.";
    };
    process.argv = mkOption {
      type = types.listOf (types.coercedTo types.path toString types.str);
      description = "The command that starts the service, as a list of arguments.";
    };
  };
}
