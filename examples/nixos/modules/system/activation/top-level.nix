# config.system.build.toplevel: the derivation that is "the system".  It
# links the system's parts (sw, etc, ...) and refuses to evaluate when an
# assertion fails; warnings are printed while it is evaluated.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;

  baseSystem = pkgs.runCommand "nixos-system-${config.system.name}-${config.system.nixos.label}" {
    preferLocalBuild = true;
    allowSubstitutes = false;
    systemName = config.system.name;
    nixosLabel = config.system.nixos.label;
    kernelParams = config.boot.kernelParams;
    installBootLoader =
      config.system.build.installBootLoader
        or "echo 'Warning: do not know how to make this configuration bootable; please enable a boot loader.' 1>&2; true";
  } ''
    /bin/mkdir -p "$out"
    echo -n "$nixosLabel" > "$out/nixos-version"
    echo -n "$kernelParams" > "$out/kernel-params"
    echo -n "$systemName" > "$out/configuration-name"
    /bin/ln -s ${config.system.path} "$out/sw"
    /bin/ln -s ${stage2Init} "$out/init"
    ${config.system.extraSystemBuilderCmds}
  '';

  # Stands in for NixOS' stage-2 init script.
  stage2Init = pkgs.writeShellScript "init" ''
    echo "nixeval example: this would be the stage 2 init of ${config.system.name}; there is nothing to boot." >&2
    exit 1
  '';

  # Handle assertions and warnings
  failedAssertions = map (x: x.message) (lib.filter (x: !x.assertion) config.assertions);

  baseSystemAssertWarn =
    if failedAssertions != [ ] then
      throw "\nFailed assertions:\n${lib.concatStringsSep "\n" (map (x: "- ${x}") failedAssertions)}"
    else
      # Print each warning, then return the system (lib.showWarnings).
      lib.foldr (w: x: lib.warn w x) baseSystem config.warnings;
in
{
  options.system = {
    build = mkOption {
      internal = true;
      default = { };
      type = with types; lazyAttrsOf (uniq unspecified);
      description = ''
        Attribute set of derivations used to set up the system
        (`toplevel`, `vm`, `etc`, ...).
      '';
    };

    name = mkOption {
      type = types.str;
      default = if config.networking.hostName == "" then "unnamed" else config.networking.hostName;
      defaultText = lib.literalExpression ''
        if config.networking.hostName == ""
        then "unnamed"
        else config.networking.hostName;
      '';
      description = ''
        The name of the system used in the {option}`system.build.toplevel`
        derivation and in the name of the VM script (`run-«name»-vm`).
      '';
    };

    extraSystemBuilderCmds = mkOption {
      type = types.lines;
      internal = true;
      default = "";
      description = ''
        This code will be added to the builder creating the system store path.
      '';
    };
  };

  config.system.build.toplevel = baseSystemAssertWarn;
}
