# List functions.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins) length elemAt genList filter foldl';
in
{
  inherit (builtins)
    head tail elem elemAt filter map length foldl' genList concatLists
    concatMap any all sort partition isList groupBy
    ;

  singleton = x: [ x ];
  forEach = xs: f: map f xs;

  # foldr op nul [x1 x2 ... xn] == op x1 (op x2 ... (op xn nul))
  foldr = op: nul: list:
    let
      n = length list;
      go = i: if i == n then nul else op (elemAt list i) (go (i + 1));
    in go 0;
  fold = lib.lists.foldr;
  foldl = op: foldl' op;

  imap = lib.lists.imap1;
  imap0 = f: list: genList (i: f i (elemAt list i)) (length list);
  imap1 = f: list: genList (i: f (i + 1) (elemAt list i)) (length list);

  flatten = x: if builtins.isList x then builtins.concatMap lib.lists.flatten x else [ x ];
  remove = e: filter (x: x != e);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
  findFirst = pred: default: list:
    let found = filter pred list; in if found == [ ] then default else builtins.head found;
  findSingle = pred: default: multiple: list:
    let found = filter pred list; n = length found; in
    if n == 0 then default else if n > 1 then multiple else builtins.head found;

  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  toList = x: if builtins.isList x then x else [ x ];

  range = first: last: if first > last then [ ] else genList (i: first + i) (last - first + 1);
  replicate = n: x: genList (_: x) n;

  reverseList = xs: let n = length xs; in genList (i: elemAt xs (n - i - 1)) n;
  last = list:
    assert lib.assertMsg (list != [ ]) "lists.last: list must not be empty!";
    elemAt list (length list - 1);
  init = list:
    assert lib.assertMsg (list != [ ]) "lists.init: list must not be empty!";
    lib.lists.take (length list - 1) list;
  sublist = start: count: list:
    let
      len = length list;
      n = if start >= len then 0 else if start + count > len then len - start else count;
    in genList (i: elemAt list (i + start)) n;
  take = count: lib.lists.sublist 0 count;
  drop = count: list: lib.lists.sublist count (length list) list;

  # Keeps the first occurrence of each element.
  unique = foldl' (acc: e: if builtins.elem e acc then acc else acc ++ [ e ]) [ ];
  subtractLists = e: filter (x: !(builtins.elem x e));
  intersectLists = e: filter (x: builtins.elem x e);
  mutuallyExclusive = a: b: length a == 0 || !(builtins.any (x: builtins.elem x a) b);

  allUnique = list: length (lib.lists.unique list) == length list;
  cartesianProduct = sets: builtins.foldl' (acc: name:
    builtins.concatMap (a: map (v: a // { ${name} = v; }) sets.${name}) acc) [ { } ] (builtins.attrNames sets);
  mapCartesianProduct = f: sets: map f (lib.lists.cartesianProduct sets);
  zipListsWith = f: fst: snd:
    genList (n: f (elemAt fst n) (elemAt snd n)) (lib.min (length fst) (length snd));
  zipLists = lib.lists.zipListsWith (fst: snd: { inherit fst snd; });

  # A stable sort: builtins.sort is a stable merge sort since Nix 2.0.
  sortOn = f: list:
    map (p: p.x) (builtins.sort (a: b: a.k < b.k) (map (x: { inherit x; k = f x; }) list));

}
