# A stub package set: just enough of nixpkgs' top level for module trees
# (home-manager, nix-darwin, flake-parts) to evaluate their options and a
# configuration, without nixpkgs itself.
#
# `names` is a tree of attribute paths the module tree reads from `pkgs`
# (`{ git = { }; kdePackages = { kate = { }; }; }`), found by scanning its
# sources (realtrees.py writes it); each becomes a placeholder package: a real
# `derivation` (so drvPath/outPath are computed as usual) carrying the
# attributes modules commonly read (pname, version, meta.mainProgram, override…).
# The builders modules call to write files (writeText, runCommand, formats.*…)
# are written out so their derivations depend on what they are given.
{
  lib,
  path,
  names ? { },
  system ? null,
  localSystem ? null,
  crossSystem ? null,
  config ? { },
  ...
}:
let
  inherit (builtins) isAttrs isList isFunction toJSON;

  hostSystem =
    if crossSystem != null then
      crossSystem.system or crossSystem
    else if localSystem != null then
      localSystem.system or localSystem
    else if system != null then
      system
    else
      "x86_64-linux";
  platform = lib.systems.elaborate hostSystem;

  # Values a derivation can take as an attribute; module code hands builders
  # sets (passthru, meta, settings) that real nixpkgs strips before `derivation`.
  drvValue =
    v:
    !(isFunction v)
    && (!(isAttrs v) || v ? outPath || v ? __toString)
    && (!(isList v) || builtins.all drvValue v);

  mkDrv =
    name: attrs:
    let
      full = {
        buildCommand = "echo stub > $out";
      }
      // attrs;
      clean = lib.filterAttrs (n: v: drvValue v && n != "passthru" && n != "meta") full;
      drv = derivation (
        clean
        // {
          inherit name;
          system = hostSystem;
          builder = "/bin/sh";
          args = [
            "-c"
            full.buildCommand
          ];
        }
      );
    in
    drv
    // (attrs.passthru or { })
    // {
      meta = {
        mainProgram = lib.getName name;
        platforms = lib.platforms.all;
      }
      // (attrs.meta or { });
      # As mkDerivation's: attributes computed from the previous ones
      # (`prev: { … }`, or `final: prev: { … }`).
      overrideAttrs =
        f:
        let
          changes = f full;
        in
        mkDrv name (full // (if isFunction changes then changes full else changes));
    };

  # Placeholders are also callable (`pkgs.fetchFromGitHub { … }`,
  # `python3.withPackages f`), returning themselves whatever the arguments.
  callable = drv: drv // { __functor = self: _: self; };

  placeholder =
    loc: children:
    let
      pname = lib.last loc;
      # Newer than anything modules test for (`versionAtLeast nix.version "2.2"`).
      version = "100.0";
      self =
        lib.mapAttrs (n: placeholder (loc ++ [ n ])) children
        // mkDrv "${pname}-${version}" { }
        // {
          inherit pname version;
          meta = {
            mainProgram = pname;
            description = "stub of pkgs.${lib.concatStringsSep "." loc}";
            platforms = lib.platforms.all;
            license = lib.licenses.mit;
          };
          passthru = { };
          override = _: self;
          overrideAttrs = _: self;
          withPackages = _: self;
          withPlugins = _: self;
          withExtensions = _: self;
          unwrapped = self;
          outputName = "out";
        };
    in
    if builtins.match "(fetch|build|make|mk|write|wrap|run|substitute|replace|copy|concat|link).*" pname
      != null
    then
      callable self
    else
      self;

  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
      ...
    }@args:
    mkDrv name {
      inherit text executable destination;
      passAsFile = [ "text" ];
      meta = args.meta or { };
      passthru = args.passthru or { };
    };

  writeShellApplication =
    {
      name,
      text,
      runtimeInputs ? [ ],
      ...
    }:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = "#!/bin/sh\nexport PATH=${lib.makeBinPath runtimeInputs}:$PATH\n${text}";
      meta.mainProgram = name;
    };

  runCommand =
    name: env: buildCommand:
    mkDrv name (env // { inherit buildCommand; });

  # A format is a value type for options and a generator writing a file.
  valueType =
    description: leaf:
    let
      t = lib.types.nullOr (
        lib.types.oneOf [
          leaf
          (lib.types.attrsOf t)
          (lib.types.listOf t)
        ]
      );
    in
    t // { inherit description; };
  scalar = lib.types.oneOf [
    lib.types.bool
    lib.types.int
    lib.types.float
    lib.types.str
    lib.types.path
  ];
  format = type: _args: {
    inherit type;
    lib.types.atom = scalar;
    generate =
      name: value:
      writeTextFile {
        inherit name;
        text = toJSON value;
      };
  };
  formatNames = lib.attrNames (names.formats or { });
  formats =
    lib.genAttrs formatNames (n: format (valueType "${n} value" scalar))
    // {
      json = format (valueType "JSON value" scalar);
      yaml = format (valueType "YAML value" scalar);
      yaml_1_1 = format (valueType "YAML 1.1 value" scalar);
      yaml_1_2 = format (valueType "YAML 1.2 value" scalar);
      toml = format (valueType "TOML value" scalar);
      ini = format (lib.types.attrsOf (lib.types.attrsOf (lib.types.either scalar (lib.types.listOf scalar))));
      iniWithGlobalSection = format (
        lib.types.submodule {
          options.globalSection = lib.mkOption {
            type = lib.types.attrsOf scalar;
            default = { };
          };
          options.sections = lib.mkOption {
            type = lib.types.attrsOf (lib.types.attrsOf scalar);
            default = { };
          };
        }
      );
      keyValue = format (lib.types.attrsOf (lib.types.either scalar (lib.types.listOf scalar)));
      gitIni = format (lib.types.attrsOf (lib.types.attrsOf (valueType "git-config value" scalar)));
      javaProperties = format (lib.types.attrsOf lib.types.str);
    };

  stdenv = mkDrv "stdenv-stub" { } // {
    buildPlatform = platform;
    hostPlatform = platform;
    targetPlatform = platform;
    inherit (platform) isLinux isDarwin;
    shell = "/bin/sh";
    cc = placeholder [ "cc" ] { cc = { }; };
    mkDerivation =
      argsOrFun:
      let
        args = if isFunction argsOrFun then argsOrFun { } else argsOrFun;
      in
      mkDrv (args.name or "${args.pname}-${args.version}") args;
    shellDryRun = "/bin/sh -n";
  };

  explicit = {
    inherit lib path formats;
    system = hostSystem;
    config = {
      allowUnfree = false;
    }
    // (if isFunction config then config { } else config);
    buildPlatform = platform;
    hostPlatform = platform;
    targetPlatform = platform;
    inherit stdenv;
    stdenvNoCC = stdenv;
    inherit writeTextFile writeShellApplication runCommand;
    writeText = name: text: writeTextFile { inherit name text; };
    writeTextDir =
      dest: text:
      writeTextFile {
        name = baseNameOf dest;
        destination = "/${dest}";
        inherit text;
      };
    writeScript =
      name: text:
      writeTextFile {
        inherit name text;
        executable = true;
      };
    writeScriptBin =
      name: text:
      writeTextFile {
        inherit name text;
        executable = true;
        destination = "/bin/${name}";
      };
    writeShellScript =
      name: text:
      writeTextFile {
        inherit name;
        executable = true;
        text = "#!/bin/sh\n${text}";
      };
    writeShellScriptBin =
      name: text:
      writeTextFile {
        inherit name;
        executable = true;
        destination = "/bin/${name}";
        text = "#!/bin/sh\n${text}";
      };
    runCommandLocal = runCommand;
    runCommandNoCC = runCommand;
    symlinkJoin = args: mkDrv args.name (args // { paths = map toString args.paths; });
    buildEnv = args: mkDrv args.name (args // { paths = map toString args.paths; });
    linkFarm =
      name: entries:
      mkDrv name {
        entries = toJSON (
          if isList entries then
            map (e: { inherit (e) name; path = toString e.path; }) entries
          else
            lib.mapAttrs (_: toString) entries
        );
      };
    callPackage =
      fn: args:
      let
        f = if isFunction fn then fn else import fn;
      in
      # Arguments the stub lacks get placeholders, as a tree's own packages ask for anything.
      f (
        lib.mapAttrs (n: optional: pkgs.${n} or (placeholder [ n ] { })) (
          lib.filterAttrs (n: optional: !optional || pkgs ? ${n}) (lib.functionArgs f)
        )
        // args
      );
    replaceVars = src: vars: mkDrv (baseNameOf src) (vars // { inherit src; });
    replaceVarsWith =
      { src, replacements, ... }@args:
      mkDrv (args.name or (baseNameOf src)) (replacements // { inherit src; });
    substituteAll = args: mkDrv (baseNameOf args.src) args;
    buildPackages = pkgs;
    appendOverlays = _: pkgs;
    __splicedPackages = pkgs;
    pkgsi686Linux = pkgs;
  };

  pkgs = lib.mapAttrs (n: placeholder [ n ]) names // explicit;
in
pkgs
