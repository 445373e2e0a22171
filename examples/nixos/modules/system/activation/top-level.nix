# config.system.build.toplevel: the derivation that is "the system".  It
# links the system's parts (sw, etc, the activation script, ...), has the
# `bin/switch-to-configuration` that deployment runs, and refuses to evaluate
# when an assertion fails; warnings are printed while it is evaluated.
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
    inherit switchToConfiguration;
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
    /bin/ln -s ${config.system.build.activate} "$out/activate"
    /bin/mkdir "$out/bin"
    { echo "#!/bin/sh"; echo "systemConfig=$out"; echo "$switchToConfiguration"; } \
      > "$out/bin/switch-to-configuration"
    /bin/chmod +x "$out/bin/switch-to-configuration"
    ${config.system.extraSystemBuilderCmds}
  '';

  # Stands in for NixOS' stage-2 init script.
  stage2Init = pkgs.writeShellScript "init" ''
    echo "nixeval example: this would be the stage 2 init of ${config.system.name}; there is nothing to boot." >&2
    exit 1
  '';

  # Stands in for NixOS' switch-to-configuration, which would also install the
  # boot loader and start, stop and restart services: this one says what it
  # would do and runs the activation script.  The builder puts
  # `systemConfig=$out` (this system) before it.  For tests of deployment:
  # with $NIXEVAL_EXAMPLE_RECORD set to a directory, each call appends a line
  # "ACTION SYSTEM PROFILE-TARGET" to the file `switch-to-configuration`
  # there, the profile ($NIXEVAL_EXAMPLE_PROFILE, else the system profile)
  # resolved as this script sees it, or `none`.
  switchToConfiguration = ''
    action="$1"
    case "$action" in
      switch|boot|test|dry-activate) ;;
      *)
        echo "Usage: $0 [switch|boot|test|dry-activate]" >&2
        exit 1
        ;;
    esac
    profile="''${NIXEVAL_EXAMPLE_PROFILE:-/nix/var/nix/profiles/system}"
    if [ -n "$NIXEVAL_EXAMPLE_RECORD" ]; then
      seen=none
      if [ -L "$profile" ]; then
        seen="$(/bin/readlink -f "$profile")"
      fi
      echo "$action $systemConfig $seen" >> "$NIXEVAL_EXAMPLE_RECORD/switch-to-configuration"
    fi
    case "$action" in
      boot|switch)
        echo "switch-to-configuration: ${config.system.name} would boot $systemConfig next (nixeval's example tree installs no boot loader)"
        ;;
      dry-activate)
        echo "switch-to-configuration: would activate $systemConfig (nothing done)"
        exit 0
        ;;
    esac
    case "$action" in
      switch|test)
        echo "switch-to-configuration: activating $systemConfig"
        if ! "$systemConfig/activate"; then
          echo "warning: error(s) occurred while switching to the new configuration" >&2
          exit 2
        fi
        ;;
    esac
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
