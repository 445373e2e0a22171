# Stand-in for nixpkgs' meta module: module metadata options (maintainers,
# documentation) that module trees set in almost every module.
{ lib, ... }:
{
  options.meta = {
    maintainers = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      internal = true;
      default = [ ];
      description = "Maintainers of the modules defining this.";
    };
    doc = lib.mkOption {
      type = lib.types.path;
      internal = true;
      description = "A documentation file for the module.";
    };
    buildDocsInSandbox = lib.mkOption {
      type = lib.types.bool;
      internal = true;
      default = true;
      description = "Whether the module's documentation builds in a sandbox.";
    };
  };
}
