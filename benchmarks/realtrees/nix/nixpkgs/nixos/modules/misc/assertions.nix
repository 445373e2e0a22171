# Stand-in for nixpkgs' assertions module: the two options module trees
# define to report failed checks and warnings.
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
      description = "Conditions that must hold, each with the message shown when it fails.";
    };
    warnings = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      internal = true;
      default = [ ];
      description = "Messages shown when the configuration is evaluated.";
    };
  };
}
