# A tiny stand-in for Nixpkgs, written for nixeval's example tree.
#
# It has the shape NixOS modules expect from `pkgs` (`pkgs.lib`,
# `pkgs.stdenv.hostPlatform.system`, `pkgs.writeText`, `pkgs.runCommand`,
# packages with `meta.description` and `meta.mainProgram`), but every package
# is a stub: a derivation that `/bin/sh` of the build machine builds offline in
# a moment, with one executable in `$out/bin` that only says what it is.
#
# Builders run without PATH, so they use absolute paths (/bin/mkdir,
# /bin/chmod, /bin/cp, /bin/ln — all present on Debian and most other
# distributions) or shell builtins only.
{
  system ? builtins.currentSystem,
  config ? { },
}:

let
  lib = import ../lib;

  shell = "/bin/sh";

  # Like nixpkgs' stdenv.mkDerivation, much reduced: `buildCommand` is run by
  # /bin/sh -e; `meta` and `passthru` stay out of the derivation's
  # environment and are added to the result.
  mkDerivation =
    {
      name ? "${pname}-${version}",
      pname ? null,
      version ? null,
      buildCommand,
      meta ? { },
      passthru ? { },
      ...
    }@args:
    let
      drv = derivation (
        removeAttrs args [
          "meta"
          "passthru"
          "buildCommand"
          "pname"
          "version"
        ]
        // lib.optionalAttrs (pname != null) { inherit pname; }
        // lib.optionalAttrs (version != null) { inherit version; }
        // {
          inherit name system;
          builder = shell;
          args = [
            "-e"
            "-c"
            buildCommand
          ];
        }
      );
    in
    drv // passthru // { inherit meta; };

  stdenv = {
    inherit mkDerivation shell;
    hostPlatform = {
      inherit system;
      isLinux = lib.hasSuffix "-linux" system;
      isDarwin = lib.hasSuffix "-darwin" system;
    };
    buildPlatform = stdenv.hostPlatform;
  };

  # runCommand name env buildCommand
  runCommand =
    name: env: buildCommand:
    mkDerivation ({ inherit name buildCommand; } // env);

  # writeTextFile { name; text; executable ? false; destination ? ""; }
  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      meta ? { },
    }:
    mkDerivation {
      inherit name text meta;
      passAsFile = [ "text" ];
      buildCommand = ''
        target="$out"${lib.escapeShellArg destination}
        if [ -n ${lib.escapeShellArg destination} ]; then
          /bin/mkdir -p "''${target%/*}"
        fi
        /bin/cp "$textPath" "$target"
        ${lib.optionalString executable ''/bin/chmod +x "$target"''}
      '';
    };

  writeText = name: text: writeTextFile { inherit name text; };

  writeScript =
    name: text:
    writeTextFile {
      inherit name text;
      executable = true;
    };

  writeShellScript =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = ''
        #!${shell}
        ${text}
      '';
    };

  writeShellScriptBin =
    name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = ''
        #!${shell}
        ${text}
      '';
      meta.mainProgram = name;
    };

  # Like nixpkgs' buildEnv, reduced to what NixOS' system.path needs: one
  # directory whose bin/ has a symlink to every program of every package.
  buildEnv =
    {
      name,
      paths,
      meta ? { },
    }:
    mkDerivation {
      inherit name paths meta;
      buildCommand = ''
        /bin/mkdir -p "$out/bin"
        for p in $paths; do
          for f in "$p"/bin/*; do
            if [ -e "$f" ]; then
              /bin/ln -sf "$f" "$out/bin/"
            fi
          done
        done
      '';
    };

  # A stub package: one program, `meta.mainProgram`, that prints what it is.
  stubPackage =
    {
      pname,
      version,
      description,
      homepage,
      mainProgram ? pname,
      license ? "unknown",
      passthru ? { },
    }:
    mkDerivation {
      inherit pname version passthru;
      program = mainProgram;
      stub = ''
        #!${shell}
        echo "${pname} ${version} (stub from nixeval's example package set: ${description})"
      '';
      buildCommand = ''
        /bin/mkdir -p "$out/bin"
        printf '%s' "$stub" > "$out/bin/$program"
        /bin/chmod +x "$out/bin/$program"
      '';
      meta = {
        inherit
          description
          homepage
          mainProgram
          license
          ;
        platforms = [
          "x86_64-linux"
          "aarch64-linux"
        ];
      };
    };

  # Data-only stub (no program), e.g. tzdata: one README under $out/${dataDir}.
  stubData =
    {
      pname,
      version,
      description,
      homepage,
      dataDir ? "share/${pname}",
    }:
    mkDerivation {
      inherit pname version dataDir;
      buildCommand = ''
        /bin/mkdir -p "$out/$dataDir"
        echo "${pname} ${version}: stub from nixeval's example package set" > "$out/$dataDir/README"
      '';
      meta = { inherit description homepage; };
    };

  self = {
    _type = "pkgs";
    inherit
      lib
      config
      system
      stdenv
      runCommand
      writeTextFile
      writeText
      writeScript
      writeShellScript
      writeShellScriptBin
      buildEnv
      ;

    bash = stubPackage {
      pname = "bash";
      version = "5.2p37";
      description = "GNU Bourne-Again Shell, the de facto standard shell on Linux";
      homepage = "https://www.gnu.org/software/bash/";
      license = "gpl3Plus";
      passthru.shellPath = "/bin/bash";
    };

    coreutils = stubPackage {
      pname = "coreutils";
      version = "9.5";
      description = "GNU Core Utilities";
      homepage = "https://www.gnu.org/software/coreutils/";
      mainProgram = "ls";
      license = "gpl3Plus";
    };

    curl = stubPackage {
      pname = "curl";
      version = "8.11.0";
      description = "Command line tool for transferring files with URL syntax";
      homepage = "https://curl.se/";
      license = "curl";
    };

    git = stubPackage {
      pname = "git";
      version = "2.47.0";
      description = "Distributed version control system";
      homepage = "https://git-scm.com/";
      license = "gpl2";
    };

    htop = stubPackage {
      pname = "htop";
      version = "3.3.0";
      description = "Interactive process viewer";
      homepage = "https://htop.dev/";
      license = "gpl2Only";
    };

    iptables = stubPackage {
      pname = "iptables";
      version = "1.8.10";
      description = "Program to configure the Linux IP packet filtering ruleset";
      homepage = "https://www.netfilter.org/projects/iptables/index.html";
      license = "gpl2Plus";
    };

    nano = stubPackage {
      pname = "nano";
      version = "8.2";
      description = "Small, user-friendly console text editor";
      homepage = "https://www.nano-editor.org/";
      license = "gpl3Plus";
    };

    nginx = stubPackage {
      pname = "nginx";
      version = "1.26.2";
      description = "Reverse proxy and lightweight webserver";
      homepage = "https://nginx.org";
      license = "bsd2";
    };

    openssh = stubPackage {
      pname = "openssh";
      version = "9.9p1";
      description = "Implementation of the SSH protocol";
      homepage = "https://www.openssh.com/";
      mainProgram = "ssh";
      license = "bsd2";
    };

    systemd = stubPackage {
      pname = "systemd";
      version = "256.8";
      description = "System and service manager for Linux";
      homepage = "https://systemd.io/";
      mainProgram = "systemctl";
      license = "lgpl21Plus";
    };

    tmux = stubPackage {
      pname = "tmux";
      version = "3.5a";
      description = "Terminal multiplexer";
      homepage = "https://tmux.github.io/";
      license = "bsd3";
    };

    vim = stubPackage {
      pname = "vim";
      version = "9.1.0765";
      description = "Most popular clone of the VI editor";
      homepage = "https://www.vim.org";
      license = "vim";
    };

    tzdata = stubData {
      pname = "tzdata";
      version = "2024b";
      description = "Database of current and historical time zones";
      homepage = "https://www.iana.org/time-zones";
      dataDir = "share/zoneinfo";
    };
  };
in
self
