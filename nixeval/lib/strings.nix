# String functions.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins)
    concatStringsSep stringLength substring replaceStrings match split filter
    isString isList typeOf elem toJSON genList;

  # The pieces of `builtins.split`'s result that are not match groups.
  textPieces = re: s: filter isString (split re s);

  lowerChars = lib.strings.stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = lib.strings.stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
in
{
  inherit (builtins)
    concatStringsSep stringLength substring replaceStrings isString toString
    match split baseNameOf dirOf unsafeDiscardStringContext hasContext;

  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStringsSep "" (map f list);
  concatImapStrings = f: list: concatStringsSep "" (lib.imap1 f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.imap1 f list);
  concatLines = list: concatStringsSep "" (map (l: l + "\n") list);
  intersperse = sep: list:
    if list == [ ] then [ ]
    else builtins.tail (builtins.concatMap (x: [ sep x ]) list);
  replicate = n: s: concatStringsSep "" (genList (_: s) n);

  optionalString = cond: s: if cond then s else "";

  hasPrefix = pref: s: substring 0 (stringLength pref) s == pref;
  hasSuffix = suf: s:
    let ls = stringLength s; lsuf = stringLength suf; in
    ls >= lsuf && substring (ls - lsuf) lsuf s == suf;
  hasInfix = infix: s: match ".*${lib.strings.escapeRegex infix}.*" "${s}" != null;
  removePrefix = pref: s:
    if lib.strings.hasPrefix pref s
    then substring (stringLength pref) (stringLength s - stringLength pref) s
    else s;
  removeSuffix = suf: s:
    if lib.strings.hasSuffix suf s
    then substring 0 (stringLength s - stringLength suf) s
    else s;

  stringToCharacters = s: genList (i: substring i 1 s) (stringLength s);
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;
  trim = s:
    let m = match "[ \t\r\n]*(.*[^ \t\r\n])[ \t\r\n]*" s; in
    if m == null then "" else builtins.head m;

  # `splitString "." "a.b"` == [ "a" "b" ]
  splitString = sep: s: textPieces (lib.strings.escapeRegex (toString sep)) (toString s);

  escape = list: replaceStrings list (map (c: "\\${c}") list);
  escapeRegex = lib.strings.escape (lib.strings.stringToCharacters "\\[{()^$?*+|.");
  escapeNixString = s: lib.strings.escape [ "$" ] (toJSON s);
  # Quote a string unless it is a valid Nix identifier.
  escapeNixIdentifier = s:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else lib.strings.escapeNixString s;
  escapeShellArg = arg:
    let s = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" s == null
    then "'${replaceStrings [ "'" ] [ "'\\''" ] s}'"
    else s;
  escapeShellArgs = lib.strings.concatMapStringsSep " " lib.strings.escapeShellArg;

  isStringLike = x: isString x || builtins.isPath x || x ? outPath || x ? __toString;
  isConvertibleWithToString = x:
    lib.strings.isStringLike x
    || elem (typeOf x) [ "null" "int" "float" "bool" ]
    || (isList x && builtins.all lib.strings.isConvertibleWithToString x);
  isStorePath = x:
    lib.strings.isStringLike x
    && (let s = toString x; in substring 0 1 s == "/" && dirOf s == builtins.storeDir);

  versionOlder = a: b: builtins.compareVersions a b == -1;
  versionAtLeast = a: b: !(lib.strings.versionOlder a b);
  getName = x:
    if isString x then (builtins.parseDrvName x).name
    else x.pname or (builtins.parseDrvName x.name).name;
  getVersion = x:
    if isString x then (builtins.parseDrvName x).version
    else x.version or (builtins.parseDrvName x.name).version;

  makeSearchPath = subDir: paths:
    concatStringsSep ":" (map (p: "${p}/${subDir}") (filter (x: x != null) paths));
  makeBinPath = lib.strings.makeSearchPath "bin";
  makeLibraryPath = lib.strings.makeSearchPath "lib";
  ifEnable = cond: val: if cond then val else "";
  splitVersion = builtins.splitVersion;
  toShellVar = name: value:
    let esc = lib.strings.escapeShellArg; in
    lib.throwIfNot (match "[a-zA-Z_][a-zA-Z0-9_]*" name != null) "toShellVar: ${name} is not a valid shell variable name" (
      if builtins.isAttrs value && !lib.strings.isStringLike value then
        "declare -A ${name}=(${concatStringsSep " " (lib.mapAttrsToList (n: v: "[${esc n}]=${esc v}") value)})"
      else if isList value then "declare -a ${name}=(${lib.strings.escapeShellArgs value})"
      else "${name}=${esc value}");
  toShellVars = vars: concatStringsSep "\n" (lib.mapAttrsToList lib.strings.toShellVar vars);

  toInt = s:
    let
      m = match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*" s;
      digits = builtins.head m;
      n = builtins.fromJSON digits;
      err = "toInt: Could not convert ${lib.strings.escapeNixString s} to int.";
    in
    if m == null then throw err
    else if match "0[[:digit:]]+" digits != null then
      throw "toInt: Ambiguity in interpretation of ${lib.strings.escapeNixString s} between octal and zero padded integer."
    else if !builtins.isInt n then throw err
    else n;

  fixedWidthString = width: filler: s:
    let n = width - stringLength s; in
    if n <= 0 then s else lib.strings.replicate n filler + s;
  fixedWidthNumber = width: n: lib.strings.fixedWidthString width "0" (toString n);

  enableFeature = flag: name: "--${if flag then "enable" else "disable"}-${name}";
  withFeature = flag: name: "--${if flag then "with" else "without"}-${name}";
}
