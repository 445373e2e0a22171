# system.activationScripts: shell snippets run when a system is activated
# (`switch-to-configuration switch` or `test`), as NixOS runs them: each in
# turn, a failed one reported and the others still run, the script failing
# at the end if any did.  top-level.nix puts the script at `$out/activate`.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;

  snippet = name: text: ''
    # ${name}
    (
    :
    ${text}
    ) || {
      _localstatus=$?
      _status=1
      echo "Activation script snippet '${name}' failed ($_localstatus)" >&2
    }
  '';
in
{
  options.system.activationScripts = mkOption {
    type = types.attrsOf types.lines;
    default = { };
    example = lib.literalExpression ''
      { stdio = "ln -sfn /proc/self/fd /dev/fd"; }
    '';
    description = ''
      Shell snippets run, in the order of their names, each time the system
      is activated (at boot and by `switch-to-configuration switch` or
      `test`).  They must be idempotent.  In NixOS a snippet may also be a
      set `{ text; deps; }`; this example tree takes the text only.
    '';
  };

  config.system.build.activate = pkgs.writeScript "activate-${config.system.name}" ''
    #!${pkgs.stdenv.shell}
    # Activation of ${config.system.name}: system.activationScripts, in turn.
    _status=0
    ${lib.concatStrings (lib.mapAttrsToList snippet config.system.activationScripts)}
    exit $_status
  '';
}
