# Which package set the configuration uses: `pkgs` in every module is
# `config.nixpkgs.pkgs`, by default this tree's ../../../pkgs imported for
# `nixpkgs.system`.
{
  config,
  options,
  lib,
  ...
}:

let
  inherit (lib) literalExpression mkOption types;
  cfg = config.nixpkgs;

  # A package set: an attribute set marked `_type = "pkgs"`, which cannot be
  # merged with another one.
  pkgsType = lib.mkOptionType {
    name = "pkgs";
    description = "Nixpkgs package set";
    descriptionClass = "noun";
    check = x: builtins.isAttrs x && (x._type or null) == "pkgs";
    merge = lib.mergeOneOption;
  };
in
{
  options.nixpkgs = {
    system = mkOption {
      type = types.str;
      example = "aarch64-linux";
      description = ''
        Specifies the platform on which NixOS should be built, as a
        system double such as `x86_64-linux`. eval-config.nix sets it
        (at `mkDefault` priority) from its `system` argument.
      '';
    };

    config = mkOption {
      type = types.attrsOf types.unspecified;
      default = { };
      example = literalExpression "{ allowUnfree = true; }";
      description = ''
        The configuration of the package set, passed as its `config`
        argument.
      '';
    };

    pkgs = mkOption {
      type = pkgsType;
      default = import ../../../pkgs { inherit (cfg) system config; };
      defaultText = literalExpression ''
        import <nixpkgs> { inherit (config.nixpkgs) config system; }
      '';
      description = ''
        The package set to use for this configuration, instead of
        importing Nixpkgs with `nixpkgs.system` and `nixpkgs.config`.
      '';
    };
  };

  config = {
    # At mkDefault priority, so that a `pkgs` given to eval-config.nix
    # (which it sets with mkForce) wins.
    _module.args.pkgs = lib.mkDefault cfg.pkgs;

    assertions = [
      {
        assertion = !options.nixpkgs.pkgs.isDefined || cfg.pkgs.stdenv.hostPlatform.system == cfg.system;
        message = ''
          nixpkgs.pkgs is a package set for ${cfg.pkgs.stdenv.hostPlatform.system},
          but nixpkgs.system is ${cfg.system}.
        '';
      }
    ];
  };
}
