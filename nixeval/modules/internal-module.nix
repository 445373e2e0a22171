# The module every evaluation of the module system starts with: the `_module`
# options that change how the other modules are read. nixeval's own text; the
# options and their behaviour are nixpkgs lib's.
{ lib, prefix, specialArgs, extendModules, moduleType }:
let
  inherit (lib) types;
  inherit (lib.options) mkOption;
in
{
  _file = "lib/modules.nix";
  key = "lib/modules.nix";

  options = {
    _module.args = mkOption {
      # lazy in its values, so an argument nobody uses is never evaluated
      type = types.lazyAttrsOf types.raw;
      # documented once, at the root of the option tree
      ${if prefix == [ ] then null else "internal"} = true;
      description = ''
        Additional arguments passed to each module, besides `lib`, `config`,
        `options`, `specialArgs` and the attributes of `specialArgs`.
        Submodules receive `name`, the attribute they are bound to.
      '';
    };

    _module.check = mkOption {
      type = types.bool;
      internal = true;
      default = true;
      description = "Whether to check whether all option definitions have matching declarations.";
    };

    _module.freeformType = mkOption {
      type = types.nullOr types.optionType;
      internal = true;
      default = null;
      description = ''
        If set, definitions without an option are merged with this type and
        combined with the declared options' values to give `config`;
        if `null`, such definitions are an error unless `_module.check` is off.
      '';
    };

    _module.specialArgs = mkOption {
      readOnly = true;
      internal = true;
      description = ''
        Arguments given to `evalModules` as `specialArgs`: fixed for the whole
        evaluation and available to `imports`.
      '';
    };
  };

  config = {
    _module.args = {
      inherit extendModules moduleType;
    };
    _module.specialArgs = specialArgs;
  };
}
