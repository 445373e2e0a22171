# Files in /etc, built into one directory (system.build.etc) that the
# system's toplevel links as `etc`.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkDefault mkIf mkOption types;

  etc' = lib.filter (f: f.enable) (lib.attrValues config.environment.etc);

  # One shell command per file.
  install =
    f:
    let
      target = "$out/etc/" + lib.escapeShellArg (lib.removePrefix "/" f.target);
      dir = lib.escapeShellArg (dirOf (lib.removePrefix "/" f.target));
      source = lib.escapeShellArg "${f.source}";
    in
    ''
      /bin/mkdir -p "$out/etc/"${dir}
    ''
    + (
      if f.mode == "symlink" || f.mode == "direct-symlink" then
        ''
          /bin/ln -s ${source} ${target}
        ''
      else
        ''
          /bin/cp ${source} ${target}
          /bin/chmod ${lib.escapeShellArg f.mode} ${target}
        ''
    );

  etc = pkgs.runCommand "etc" { } ''
    /bin/mkdir -p "$out/etc"
    ${lib.concatMapStrings install etc'}
  '';
in
{
  options.environment.etc = mkOption {
    default = { };
    example = lib.literalExpression ''
      { example-configuration-file =
          { source = "/nix/store/.../etc/dir/file.conf.example";
            mode = "0440";
          };
        "default/useradd".text = "GROUP=100 ...";
      }
    '';
    description = ''
      Set of files that have to be linked in {file}`/etc`.
    '';
    type = types.attrsOf (
      types.submodule (
        {
          name,
          config,
          options,
          ...
        }:
        {
          options = {
            enable = mkOption {
              type = types.bool;
              default = true;
              description = ''
                Whether this /etc file should be generated. This
                option allows specific /etc files to be disabled.
              '';
            };

            target = mkOption {
              type = types.str;
              description = ''
                Name of symlink (relative to {file}`/etc`). Defaults to
                the attribute name.
              '';
            };

            text = mkOption {
              type = types.nullOr types.lines;
              default = null;
              description = "Text of the file.";
            };

            source = mkOption {
              type = types.path;
              description = "Path of the source file.";
            };

            mode = mkOption {
              type = types.str;
              default = "symlink";
              example = "0600";
              description = ''
                If set to something else than `symlink`, the file is
                copied instead of symlinked, with the given file mode.
              '';
            };
          };

          config = {
            target = mkDefault name;
            source = mkIf (config.text != null) (
              let
                name' = "etc-" + lib.replaceStrings [ "/" ] [ "-" ] name;
              in
              mkDefault (pkgs.writeText name' config.text)
            );
          };
        }
      )
    );
  };

  config = {
    system.build.etc = etc;

    system.extraSystemBuilderCmds = ''
      /bin/ln -s ${etc}/etc "$out/etc"
    '';
  };
}
