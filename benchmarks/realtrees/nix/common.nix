# What every workload reads from an evaluation's `options`, written once.
{ lib }:
let
  inherit (builtins) isAttrs isFunction isList;

  # Older libs' doc lists carry option values as they are (with functions and
  # derivations, which JSON cannot hold); newer ones render them as text.
  jsonSafe =
    v:
    if isFunction v then
      "<function>"
    else if lib.isDerivation v then
      "<derivation ${v.name}>"
    else if isAttrs v then
      lib.mapAttrs (_: jsonSafe) v
    else if isList v then
      map jsonSafe v
    else
      v;
in
{
  # Every declared option, by its dotted name (submodules not entered).
  optionNames =
    options: lib.sort lib.lessThan (map (o: lib.showOption o.loc) (lib.collect lib.isOption options));

  # What a manual is made from (nixpkgs' optionsJSON): the visible options,
  # submodules' options included, with their rendered defaults.
  docs =
    options:
    map
      (
        o:
        {
          inherit (o)
            name
            type
            description
            declarations
            readOnly
            ;
        }
        // lib.optionalAttrs (o ? loc) { inherit (o) loc; }
        // lib.optionalAttrs (o ? default) { default = jsonSafe o.default; }
      )
      (lib.filter (o: o.visible == true && !o.internal) (lib.optionAttrSetToDocList options));
}
