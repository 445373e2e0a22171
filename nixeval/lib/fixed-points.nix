# Fixed points and overlays.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

{
  # fix f = f (fix f), tied lazily.
  fix = f: let x = f x; in x;
  fix' = f: let x = f x // { __unfix__ = f; }; in x;

  # Converge f x: apply f until the value stops changing.
  converge = f: x: let y = f x; in if x == y then x else lib.fixedPoints.converge f y;

  # An overlay `final: prev: {…}` applied on top of `rattrs final`.
  extends = overlay: rattrs: final:
    let prev = rattrs final; in prev // overlay final prev;
  composeExtensions = f: g: final: prev:
    let fApplied = f final prev; in fApplied // g final (prev // fApplied);
  composeManyExtensions = builtins.foldl' lib.fixedPoints.composeExtensions (_: _: { });

  makeExtensible = lib.fixedPoints.makeExtensibleWithCustomName "extend";
  makeExtensibleWithCustomName = name: rattrs:
    lib.fixedPoints.fix' (self: rattrs self // {
      ${name} = f: lib.fixedPoints.makeExtensibleWithCustomName name (lib.fixedPoints.extends f rattrs);
    });
}
