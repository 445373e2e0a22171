# Turning values into text: the pretty printer used by error messages, and a
# few config-file formats.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins)
    isInt isFloat isString isBool isList isAttrs isFunction isPath
    concatStringsSep filter split length attrNames toJSON;
  lineList = s: filter isString (split "\n" s);
in
{
  # Print a value as Nix-like text. With `multiline`, lists, sets and
  # strings with newlines are spread over several lines.
  toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
    let
      go = ind: v:
        let
          open = if multiline then "\n${ind}  " else " ";
          close = if multiline then "\n${ind}" else " ";
        in
        if isInt v then toString v
        else if isFloat v then toJSON v
        else if isString v then
          let lines = lineList v; in
          if multiline && length lines > 1 then
            let
              esc = builtins.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ];
              ls = map esc lines;
              lastLine = lib.last ls;
            in
            "''" + open + concatStringsSep open (lib.init ls)
            + (if lastLine == "" then close else open + lastLine) + "''"
          else
            "\"" + concatStringsSep "\\n" (map (lib.escape [ "\\" "\"" "\${" ]) lines) + "\""
        else if v == true then "true"
        else if v == false then "false"
        else if v == null then "null"
        else if isPath v then toString v
        else if isList v then
          if v == [ ] then "[ ]"
          else "[" + open + concatStringsSep open (map (go (ind + "  ")) v) + close + "]"
        else if isFunction v then
          let
            args = lib.functionArgs v;
            shown = concatStringsSep ", "
              (lib.mapAttrsToList (n: hasDefault: if hasDefault then n + "?" else n) args);
          in
          if args == { } then "<function>" else "<function, args: {${shown}}>"
        else if isAttrs v then
          if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
          else if v == { } then "{ }"
          else if v.type or null == "derivation" then "<derivation ${v.name or "???"}>"
          else
            "{" + open
            + concatStringsSep open (lib.mapAttrsToList (n: x:
                "${lib.strings.escapeNixIdentifier n} = ${
                  builtins.addErrorContext "while evaluating an attribute `${n}`" (go (ind + "  ") x)};") v)
            + close + "}"
        else abort "generators.toPretty: should never happen (v = ${v})";
    in
    go indent;

  # Replace everything nested deeper than `depthLimit` by "<unevaluated>"
  # (or throw), so that printing a huge or cyclic value terminates.
  withRecursion = { depthLimit, throwOnDepthLimit ? true }:
    let
      special = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
      cut = depth: v:
        if depth > depthLimit then
          (if throwOnDepthLimit
           then throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!"
           else "<unevaluated>")
        else v;
      walk = depth: v:
        let next = x: walk (depth + 1) (cut (depth + 1) x); in
        if isAttrs v then builtins.mapAttrs (n: x: if builtins.elem n special then x else next x) v
        else if isList v then map next v
        else cut (depth + 1) v;
    in
    walk 0;

  # key=value lines, as many simple config files want them.
  mkValueStringDefault = { }: v:
    if isString v then v
    else if isBool v then lib.boolToString v
    else if isInt v || isFloat v || isPath v || v == null then toString v
    else if isAttrs v && v ? outPath then toString v
    else throw "generators.mkValueStringDefault: cannot convert a value of type ${builtins.typeOf v}";
  mkKeyValueDefault = { mkValueString ? lib.generators.mkValueStringDefault { } }: sep: k: v:
    "${lib.escape [ sep ] k}${sep}${mkValueString v}";
  toKeyValue = { mkKeyValue ? lib.generators.mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }:
    attrs: lib.concatStrings (lib.mapAttrsToList (k: v:
      if listsAsDuplicateKeys && isList v
      then lib.concatMapStrings (x: mkKeyValue k x + "\n") v
      else mkKeyValue k v + "\n") attrs);
  toINI = { mkSectionName ? (n: lib.escape [ "[" "]" ] n), mkKeyValue ? lib.generators.mkKeyValueDefault { } "=" }:
    attrs: concatStringsSep "\n" (lib.mapAttrsToList (sec: vals:
      "[${mkSectionName sec}]\n" + lib.generators.toKeyValue { inherit mkKeyValue; } vals) attrs);
  inherit (builtins) toJSON;
  toYAML = { }: builtins.toJSON;
}
