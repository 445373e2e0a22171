# Attribute set functions.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins)
    attrNames attrValues listToAttrs mapAttrs isAttrs length head tail elemAt
    concatMap filter foldl' zipAttrsWith;
in
{
  inherit (builtins)
    attrNames attrValues listToAttrs mapAttrs hasAttr getAttr removeAttrs
    intersectAttrs catAttrs isAttrs zipAttrsWith;

  # Walk `path` into `set`; `default` when some step is missing.
  attrByPath = path: default: set:
    if path == [ ] then set
    else if isAttrs set && set ? ${head path} then lib.attrsets.attrByPath (tail path) default set.${head path}
    else default;
  hasAttrByPath = path: set:
    path == [ ]
    || (isAttrs set && set ? ${head path} && lib.attrsets.hasAttrByPath (tail path) set.${head path});
  setAttrByPath = path: value:
    if path == [ ] then value else { ${head path} = lib.attrsets.setAttrByPath (tail path) value; };
  getAttrFromPath = path: set:
    lib.attrsets.attrByPath path
      (abort ("cannot find attribute '" + builtins.concatStringsSep "." path + "'")) set;
  attrVals = names: set: map (n: set.${n}) names;
  getAttrs = names: set: builtins.intersectAttrs (lib.genAttrs names (_: null)) set;
  showAttrPath = path:
    if path == [ ] then "<root attribute path>"
    else lib.concatMapStringsSep "." lib.strings.escapeNixIdentifier path;

  nameValuePair = name: value: { inherit name value; };
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  filterAttrs = pred: set:
    removeAttrs set (filter (n: !(pred n set.${n})) (attrNames set));
  filterAttrsRecursive = pred: set:
    lib.mapAttrs (_: v: if isAttrs v then lib.filterAttrsRecursive pred v else v)
      (lib.filterAttrs pred set);
  mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  mapAttrsFlatten = lib.attrsets.mapAttrsToList;
  attrsToList = lib.attrsets.mapAttrsToList lib.attrsets.nameValuePair;
  concatMapAttrs = f: set: foldl' (a: b: a // b) { } (lib.attrsets.mapAttrsToList f set);
  mapAttrsRecursive = f: lib.attrsets.mapAttrsRecursiveCond (_: true) f;
  # Like mapAttrsRecursive, but only descends into sets for which `cond` holds.
  mapAttrsRecursiveCond = cond: f: set:
    let
      go = path: mapAttrs (n: v:
        if isAttrs v && cond v then go (path ++ [ n ]) v else f (path ++ [ n ]) v);
    in go [ ] set;
  foldAttrs = op: nul: sets:
    lib.foldr (set: acc:
      foldl' (a: n: a // { ${n} = op set.${n} (a.${n} or nul); }) acc (attrNames set)) { } sets;
  collect = pred: v:
    if pred v then [ v ]
    else if isAttrs v then concatMap (lib.attrsets.collect pred) (attrValues v)
    else [ ];
  foldlAttrs = f: init: set: foldl' (acc: n: f acc n set.${n}) init (attrNames set);
  mergeAttrsList = foldl' (a: b: a // b) { };
  concatMapAttrsStringSep = sep: f: set: builtins.concatStringsSep sep (lib.attrsets.mapAttrsToList f set);
  recurseIntoAttrs = set: set // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = set: set // { recurseForDerivations = false; };
  optionalAttrs = cond: set: if cond then set else { };
  zipAttrs = zipAttrsWith (_: vs: vs);
  zipAttrsWithNames = names: f: sets:
    lib.genAttrs names (n: f n (builtins.catAttrs n sets));

  # Merge recursively; `pred path rhs lhs` stops the descent (rhs wins then).
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      go = path: zipAttrsWith (n: vs:
        let here = path ++ [ n ]; in
        if length vs == 1 || pred here (elemAt vs 1) (head vs) then head vs
        else go here vs);
    in go [ ] [ rhs lhs ];
  recursiveUpdate = lib.attrsets.recursiveUpdateUntil
    (_: lhs: rhs: !(isAttrs lhs && isAttrs rhs));

  # Derivations
  isDerivation = v: v.type or null == "derivation";
  toDerivation = path:
    let
      p = builtins.storePath path;
      drv = {
        type = "derivation";
        name = builtins.substring 33 (-1) (baseNameOf p);
        outPath = p;
        outputs = [ "out" ];
        out = drv;
        outputName = "out";
      };
    in drv;
  # Package priorities (for buildEnv-like collisions).
  setPrio = priority: drv: drv // { meta = drv.meta or { } // { inherit priority; }; };
  lowPrio = lib.attrsets.setPrio 10;
  hiPrio = lib.attrsets.setPrio (-10);
  getOutput = output: pkg:
    if !(pkg ? outputSpecified) || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  getBin = lib.attrsets.getOutput "bin";
  getLib = lib.attrsets.getOutput "lib";
  getDev = lib.attrsets.getOutput "dev";
  getMan = lib.attrsets.getOutput "man";
  getExe' = x: y:
    assert lib.assertMsg (lib.isDerivation x)
      "lib.meta.getExe': The first argument is of type ${builtins.typeOf x}, but it should be a derivation instead.";
    assert lib.assertMsg (builtins.isString y)
      "lib.meta.getExe': The second argument is of type ${builtins.typeOf y}, but it should be a string instead.";
    assert lib.assertMsg (builtins.match ".*/.*" y == null)
      "lib.meta.getExe': The second argument \"${y}\" is a nested path with a \"/\" character, but it should just be the name of the executable instead.";
    "${lib.attrsets.getBin x}/bin/${y}";
  getExe = x:
    lib.attrsets.getExe' x (x.meta.mainProgram or (lib.warn
      "getExe: Package ${lib.strings.escapeNixIdentifier x.meta.name or x.pname or x.name} does not have the meta.mainProgram attribute. We'll assume that the main program has the same name for now, but this behavior is deprecated, because it leads to surprising errors when the assumption does not hold. If the package has a main program, please set `meta.mainProgram` in its definition to make this warning go away. Otherwise, if the package does not have a main program, or if you don't control its definition, use getExe' to specify the name to the program, such as lib.getExe' foo \"bar\"."
      (lib.getName x)));
}
