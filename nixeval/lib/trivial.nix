# Basic combinators, warnings and assertions.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  # ANSI colour codes around "evaluation warning:", as nixpkgs prints them on
  # Nix versions without builtins.warn (Nix 2.8 has none).
  esc = builtins.fromJSON "\"\\u001b\"";
  abortOnWarn = builtins.elem (builtins.getEnv "NIX_ABORT_ON_WARN") [ "1" "true" "yes" ];
in
{
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = builtins.foldl' (x: f: f x);
  concat = a: b: a ++ b;
  "or" = a: b: a || b;
  "and" = a: b: a && b;
  mergeAttrs = a: b: a // b;
  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;
  mod = a: b: a - b * (a / b);
  boolToString = b: if b then "true" else "false";
  defaultTo = default: x: if x == null then default else x;
  mapNullable = f: x: if x == null then null else f x;
  # Functions, and sets with __functor.
  isFunction = f: builtins.isFunction f || (f ? __functor && lib.trivial.isFunction (f.__functor f));
  functionArgs = f:
    if f ? __functor then f.__functionArgs or (lib.trivial.functionArgs (f.__functor f))
    else builtins.functionArgs f;
  setFunctionArgs = f: args: { __functor = _: f; __functionArgs = args; };
  toFunction = v: if lib.isFunction v then v else _: v;

  inherit (builtins)
    seq deepSeq trace typeOf tryEval add sub lessThan bitAnd bitOr bitXor
    genericClosure unsafeGetAttrPos pathExists readFile;
  xor = a: b: a != b;
  fileContents = file: lib.removeSuffix "\n" (builtins.readFile file);
  addErrorContext = builtins.addErrorContext;
  importJSON = path: builtins.fromJSON (builtins.readFile path);

  # `warn msg v` prints msg (like builtins.warn in newer Nix) and returns v.
  warn = msg: v:
    assert builtins.isString msg;
    if abortOnWarn then
      builtins.trace "${esc}[1;31mevaluation warning:${esc}[0m ${msg}"
        (abort "NIX_ABORT_ON_WARN=true; warnings are treated as unrecoverable errors.")
    else builtins.trace "${esc}[1;35mevaluation warning:${esc}[0m ${msg}" v;
  warnIf = cond: msg: if cond then lib.warn msg else x: x;
  warnIfNot = cond: msg: if cond then x: x else lib.warn msg;
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  assertMsg = pred: msg: pred || throw msg;
  assertOneOf = name: val: xs:
    lib.assertMsg (builtins.elem val xs)
      "${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } val}";

  # Release numbers, for `mkRenamedOptionModuleWith { sinceRelease = 2411; … }`.
  release = "25.11";
  version = "25.11pre-nixeval";
  oldestSupportedRelease = 2411;
  oldestSupportedReleaseIsAtLeast = release: release <= lib.trivial.oldestSupportedRelease;
  inNixShell = builtins.getEnv "IN_NIX_SHELL" != "";
}
