# Option types: how definitions are checked and merged.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins)
    isAttrs isBool isFloat isFunction isInt isList isString
    all elem elemAt filter foldl' head length attrNames mapAttrs concatLists
    concatStringsSep toJSON match;
  inherit (lib.options)
    mergeDefaultOption mergeEqualOption mergeOneOption mergeUniqueOption
    showOption showFiles getFiles getValues;
  inherit (lib.modules) mergeDefinitions;

  t = lib.types;

  # A type's description, parenthesised unless its descriptionClass is one
  # of `classes` ("noun", "conjunction", "composite", "nonRestrictiveClause").
  phrase = classes: type:
    if elem (type.descriptionClass or null) classes then type.description
    else "(${type.description})";

  # The functor of a type built around one element type (listOf, nullOr, …):
  # merging two such types merges their element types.
  # (`functor.wrapped` is deprecated: it warns when used.)
  elemFunctor = name: payload: {
    inherit name payload;
    wrappedDeprecationMessage = wrappedWarning payload;
    type = t.${name};
    binOp = a: b:
      let merged = a.elemType.typeMerge b.elemType.functor; in
      if merged == null then null else { elemType = merged; };
  };

  wrappedWarning = payload: { loc }:
    let ty = lib.optionalString (loc != null) "type."; in
    lib.warn ''
      The deprecated `${ty}functor.wrapped` attribute ${
        lib.optionalString (loc != null) "of the option `${showOption loc}` "}is accessed, use `${ty}nestedTypes.elemType` instead.
    '' payload.elemType;

  # Attribute set definitions, split into one definition per attribute (attrsOf).
  splitDefs = map (def: mapAttrs (_: v: { inherit (def) file; value = v; }) def.value);

  # Whether a path or string is in the store: /nix/store/<32 chars>-<name>[/…].
  isInStore = x:
    let s = toString (if builtins.isPath x then x else /. + builtins.unsafeDiscardStringContext x); in
    match "${lib.strings.escapeRegex builtins.storeDir}/[^/]{32}-[^/]+(/.*)?" s != null;

  # Between-descriptions for ints.*.
  betweenText = lo: hi: "${toString lo} and ${toString hi} (both inclusive)";

  outer = rec {
    isType = type: x: (x._type or "") == type;
    setType = type: value: value // { _type = type; };
    isOptionType = isType "option-type";

    # The functor every simple type gets: only types of the same name merge,
    # and the result is the type itself.
    defaultFunctor = name: {
      inherit name;
      type = t.${name} or null;
      wrapped = null;
      payload = null;
      binOp = _: _: null;
    };

    # Merge two types through their functors (null: they do not merge).
    defaultTypeMerge = f: f':
      if f.name != f'.name then null
      else if f.payload != null then
        if !(f ? wrappedDeprecationMessage) && f.wrapped != null then throw ''
          Type ${f.name} defines both `functor.payload` and `functor.wrapped` at the same time, which is not supported.
          Use either `functor.payload` or `functor.wrapped` but not both.
          If your code worked before remove either `functor.wrapped` or `functor.payload` from the type definition.
        ''
        else let p = f.binOp f.payload f'.payload; in if p == null then null else f.type p
      else if f.wrapped != null then
        let w = f.wrapped.typeMerge f'.wrapped.functor; in if w == null then null else f.type w
      else f.type;

    mergeTypes = a: b:
      let merged = a.typeMerge b.functor; in
      if merged == null then setType "merge-error" { error = "Cannot merge types"; } else merged;

    mkOptionType =
      { name
      , description ? null
      , descriptionClass ? null
      , check ? (_: true)
      , merge ? mergeDefaultOption
      , emptyValue ? { }
      , getSubOptions ? _: { }
      , getSubModules ? null
      , substSubModules ? _: null
      , typeMerge ? defaultTypeMerge functor
      , functor ? defaultFunctor name
      , deprecationMessage ? null
      , nestedTypes ? { }
      }: {
        _type = "option-type";
        inherit name descriptionClass check merge emptyValue getSubOptions getSubModules
          substSubModules typeMerge deprecationMessage nestedTypes;
        functor =
          if functor ? wrappedDeprecationMessage
          then functor // { wrapped = functor.wrappedDeprecationMessage { loc = null; }; }
          else functor;
        description = if description == null then name else description;
      };

    types = rec {
      # Scalars ------------------------------------------------------------

      raw = mkOptionType {
        name = "raw";
        description = "raw value";
        descriptionClass = "noun";
        merge = mergeOneOption;
      };

      # Anything: sets merge recursively, functions pointwise, the rest must agree.
      anything = mkOptionType {
        name = "anything";
        description = "anything";
        descriptionClass = "noun";
        merge = loc: defs:
          let
            kind = v: if isAttrs v && lib.isStringLike v then "stringCoercibleSet" else builtins.typeOf v;
            common = foldl' (k: def:
              if kind def.value == k then k
              else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (getFiles defs)}")
              (kind (head defs).value) defs;
            mergers = {
              set = (attrsOf anything).merge;
              stringCoercibleSet = mergeOneOption;
              lambda = loc: defs: arg: anything.merge (loc ++ [ "<function body>" ])
                (map (def: { inherit (def) file; value = def.value arg; }) defs);
            };
          in
          (mergers.${common} or mergeEqualOption) loc defs;
      };

      unspecified = mkOptionType {
        name = "unspecified";
        description = "unspecified value";
        descriptionClass = "noun";
      };

      bool = mkOptionType {
        name = "bool";
        description = "boolean";
        descriptionClass = "noun";
        check = isBool;
        merge = mergeEqualOption;
      };

      boolByOr = mkOptionType {
        name = "boolByOr";
        description = "boolean (merged using or)";
        descriptionClass = "noun";
        check = isBool;
        merge = _: defs: builtins.any (d: d.value) defs;
      };

      int = mkOptionType {
        name = "int";
        description = "signed integer";
        descriptionClass = "noun";
        check = isInt;
        merge = mergeEqualOption;
      };

      ints =
        let
          between = lo: hi:
            assert lib.assertMsg (lo <= hi) "ints.between: lowest must be smaller than highest";
            addCheck int (x: x >= lo && x <= hi) // {
              name = "intBetween";
              description = "integer between ${betweenText lo hi}";
            };
          sized = lo: hi: name: what: between lo hi // {
            inherit name;
            description = "${what}; between ${betweenText lo hi}";
          };
          unsigned = bits: range:
            sized 0 (range - 1) "unsignedInt${toString bits}" "${toString bits} bit unsigned integer";
          signed = bits: range:
            sized (0 - range / 2) (range / 2 - 1) "signedInt${toString bits}" "${toString bits} bit signed integer";
        in {
          inherit between;
          unsigned = addCheck int (x: x >= 0) // {
            name = "unsignedInt";
            description = "unsigned integer, meaning >=0";
            descriptionClass = "nonRestrictiveClause";
          };
          positive = addCheck int (x: x > 0) // {
            name = "positiveInt";
            description = "positive integer, meaning >0";
            descriptionClass = "nonRestrictiveClause";
          };
          u8 = unsigned 8 256;
          u16 = unsigned 16 65536;
          u32 = unsigned 32 4294967296;
          s8 = signed 8 256;
          s16 = signed 16 65536;
          s32 = signed 32 4294967296;
        };

      port = ints.u16;

      float = mkOptionType {
        name = "float";
        description = "floating point number";
        descriptionClass = "noun";
        check = isFloat;
        merge = mergeEqualOption;
      };

      number = either int float;
      numbers =
        let text = lo: hi: "${toJSON lo} and ${toJSON hi} (both inclusive)"; in {
          between = lo: hi:
            assert lib.assertMsg (lo <= hi) "numbers.between: lowest must be smaller than highest";
            addCheck number (x: x >= lo && x <= hi) // {
              name = "numberBetween";
              description = "integer or floating point number between ${text lo hi}";
            };
          nonnegative = addCheck number (x: x >= 0) // {
            name = "numberNonnegative";
            description = "nonnegative integer or floating point number, meaning >=0";
            descriptionClass = "nonRestrictiveClause";
          };
          positive = addCheck number (x: x > 0) // {
            name = "numberPositive";
            description = "positive integer or floating point number, meaning >0";
            descriptionClass = "nonRestrictiveClause";
          };
        };

      str = mkOptionType {
        name = "str";
        description = "string";
        descriptionClass = "noun";
        check = isString;
        merge = mergeEqualOption;
      };

      nonEmptyStr = mkOptionType {
        name = "nonEmptyStr";
        description = "non-empty string";
        descriptionClass = "noun";
        check = x: isString x && match "[ \t\n]*" x == null;
        merge = mergeEqualOption;
      };

      singleLineStr =
        let base = strMatching "[^\n\r]*\n?"; in
        mkOptionType {
          name = "singleLineStr";
          description = "(optionally newline-terminated) single-line string";
          descriptionClass = "noun";
          inherit (base) check;
          merge = loc: defs: lib.removeSuffix "\n" (base.merge loc defs);
        };

      strMatching = pattern: mkOptionType {
        name = "strMatching ${lib.strings.escapeNixString pattern}";
        description = "string matching the pattern ${pattern}";
        descriptionClass = "noun";
        check = x: isString x && match pattern x != null;
        merge = mergeEqualOption;
        functor = defaultFunctor "strMatching" // {
          type = p: strMatching p.pattern;
          payload = { inherit pattern; };
          binOp = a: b: if a == b then a else null;
        };
      };

      # Strings whose definitions are joined with `sep`.
      separatedString = sep: mkOptionType {
        name = "separatedString";
        description = if sep == "" then "Concatenated string" else "strings concatenated with ${toJSON sep}";
        descriptionClass = "noun";
        check = isString;
        merge = _: defs: concatStringsSep sep (getValues defs);
        functor = defaultFunctor "separatedString" // {
          type = p: separatedString p.sep;
          payload = { inherit sep; };
          binOp = a: b: if a.sep == b.sep then a else null;
        };
      };
      lines = separatedString "\n";
      commas = separatedString ",";
      envVar = separatedString ":";

      passwdEntry = entryType: addCheck entryType (s: !(lib.hasInfix ":" s || lib.hasInfix "\n" s)) // {
        name = "passwdEntry ${entryType.name}";
        description = "${phrase [ "noun" ] entryType}, not containing newlines or colons";
        descriptionClass = "nonRestrictiveClause";
      };

      attrs = mkOptionType {
        name = "attrs";
        description = "attribute set";
        check = isAttrs;
        merge = _: foldl' (acc: def: acc // def.value) { };
        emptyValue = { value = { }; };
      };

      # A derivation, or a store path (turned into a derivation-like set).
      package = mkOptionType {
        name = "package";
        descriptionClass = "noun";
        check = x: lib.isDerivation x || lib.isStorePath x;
        merge = loc: defs:
          let v = mergeOneOption loc defs; in
          if builtins.isPath v || (isString v && !builtins.hasContext v) then lib.toDerivation v else v;
      };
      shellPackage = package // { check = x: lib.isDerivation x && x ? shellPath; };

      pathWith = { inStore ? null, absolute ? null }:
        lib.throwIf (inStore != null && absolute != null && inStore && !absolute)
          "In pathWith, inStore means the path must be absolute"
        mkOptionType {
          name = "path";
          description =
            (if absolute == null then "" else if absolute then "absolute " else "relative ")
            + "path"
            + (if inStore == null then "" else if inStore then " in the Nix store" else " not in the Nix store");
          descriptionClass = "noun";
          merge = mergeEqualOption;
          check = x:
            let s = toString x; in
            (if inStore == null || inStore then lib.isStringLike x else isString x)
            && (absolute == null || absolute == (builtins.substring 0 1 s == "/"))
            && (inStore == null || inStore == isInStore x);
          functor = defaultFunctor "path" // {
            type = pathWith;
            payload = { inherit inStore absolute; };
            binOp = a: b: if a == b then a else null;
          };
        };
      path = pathWith { absolute = true; };
      pathInStore = pathWith { inStore = true; };

      # Containers ---------------------------------------------------------

      # Elements are merged one by one, so mkIf/mkOverride inside work.
      listOf = elemType: mkOptionType {
        name = "listOf";
        description = "list of ${phrase [ "noun" "composite" ] elemType}";
        descriptionClass = "composite";
        check = isList;
        merge = loc: defs:
          map (x: x.value) (filter (x: x ? value) (concatLists (lib.imap1 (n: def:
            lib.imap1 (m: v:
              (mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType
                [ { inherit (def) file; value = v; } ]).optionalValue)
              def.value) defs)));
        emptyValue = { value = [ ]; };
        getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
        getSubModules = elemType.getSubModules;
        substSubModules = m: listOf (elemType.substSubModules m);
        functor = elemFunctor "listOf" { inherit elemType; } // { type = p: listOf p.elemType; };
        nestedTypes.elemType = elemType;
      };

      nonEmptyListOf = elemType:
        let list = addCheck (listOf elemType) (l: l != [ ]); in
        list // {
          description = "non-empty ${phrase [ "noun" ] list}";
          emptyValue = { };
          substSubModules = m: nonEmptyListOf (elemType.substSubModules m);
        };

      attrsOf = elemType: attrsWith { inherit elemType; };
      lazyAttrsOf = elemType: attrsWith { inherit elemType; lazy = true; };

      attrsWith = { elemType, lazy ? false, placeholder ? "name" }: mkOptionType {
        name = if lazy then "lazyAttrsOf" else "attrsOf";
        description = (if lazy then "lazy attribute set" else "attribute set")
          + " of ${phrase [ "noun" "composite" ] elemType}";
        descriptionClass = "composite";
        check = isAttrs;
        merge = loc: defs:
          let
            perName = f: builtins.zipAttrsWith (name: defs: f name (mergeDefinitions (loc ++ [ name ]) elemType defs))
              (splitDefs defs);
          in
          if lazy then
            # Values stay lazy; an undefined one throws only when used.
            perName (_: r: r.optionalValue.value or elemType.emptyValue.value or r.mergedValue)
          else
            mapAttrs (_: v: v.value) (lib.filterAttrs (_: v: v ? value) (perName (_: r: r.optionalValue)));
        emptyValue = { value = { }; };
        getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<${placeholder}>" ]);
        getSubModules = elemType.getSubModules;
        substSubModules = m: attrsWith { elemType = elemType.substSubModules m; inherit lazy placeholder; };
        functor = elemFunctor "attrsWith" { inherit elemType lazy placeholder; } // {
          binOp = a: b:
            let
              elemType = a.elemType.typeMerge b.elemType.functor;
              placeholder =
                if a.placeholder == b.placeholder || b.placeholder == "name" then a.placeholder
                else if a.placeholder == "name" then b.placeholder
                else null;
            in
            if elemType == null || a.lazy != b.lazy || placeholder == null then null
            else { inherit elemType placeholder; inherit (a) lazy; };
        };
        nestedTypes.elemType = elemType;
      };

      # Wrappers -----------------------------------------------------------

      uniq = unique { message = ""; };
      unique = { message }: type: mkOptionType {
        name = "unique";
        inherit (type) description descriptionClass check emptyValue getSubOptions getSubModules;
        merge = mergeUniqueOption { inherit message; inherit (type) merge; };
        substSubModules = m: uniq (type.substSubModules m);
        functor = elemFunctor "unique" { elemType = type; } // {
          type = p: unique { inherit message; } p.elemType;
        };
        nestedTypes.elemType = type;
      };

      nullOr = elemType: mkOptionType {
        name = "nullOr";
        description = "null or ${phrase [ "noun" "conjunction" ] elemType}";
        descriptionClass = "conjunction";
        check = x: x == null || elemType.check x;
        merge = loc: defs:
          let nulls = lib.count (d: d.value == null) defs; in
          if nulls == length defs then null
          else if nulls != 0 then
            throw "The option `${showOption loc}` is defined both null and not null, in ${showFiles (getFiles defs)}."
          else elemType.merge loc defs;
        emptyValue = { value = null; };
        inherit (elemType) getSubOptions getSubModules;
        substSubModules = m: nullOr (elemType.substSubModules m);
        functor = elemFunctor "nullOr" { inherit elemType; } // { type = p: nullOr p.elemType; };
        nestedTypes.elemType = elemType;
      };

      functionTo = elemType: mkOptionType {
        name = "functionTo";
        description = "function that evaluates to a(n) ${phrase [ "noun" "composite" ] elemType}";
        descriptionClass = "composite";
        check = isFunction;
        merge = loc: defs: {
          __functionArgs = builtins.zipAttrsWith (_: all (x: x)) (map (d: lib.functionArgs d.value) defs);
          __functor = _: arg:
            (mergeDefinitions (loc ++ [ "<function body>" ]) elemType
              (map (d: { inherit (d) file; value = d.value arg; }) defs)).mergedValue;
        };
        getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<function body>" ]);
        getSubModules = elemType.getSubModules;
        substSubModules = m: functionTo (elemType.substSubModules m);
        functor = elemFunctor "functionTo" { inherit elemType; } // { type = p: functionTo p.elemType; };
        nestedTypes.elemType = elemType;
      };

      enum = values:
        let
          show = v:
            if isString v then ''"${v}"''
            else if isInt v then toString v
            else if isBool v then lib.boolToString v
            else "<${builtins.typeOf v}>";
        in
        mkOptionType {
          name = "enum";
          description =
            if values == [ ] then "impossible (empty enum)"
            else if length values == 1 then "value ${show (head values)} (singular enum)"
            else "one of ${lib.concatMapStringsSep ", " show values}";
          descriptionClass = if length values < 2 then "noun" else "conjunction";
          check = x: elem x values;
          merge = mergeEqualOption;
          functor = defaultFunctor "enum" // {
            type = p: enum p.values;
            payload = { inherit values; };
            binOp = a: b: { values = lib.unique (a.values ++ b.values); };
          };
        };

      either = t1: t2: mkOptionType rec {
        name = "either";
        description =
          if t1.descriptionClass or null == "nonRestrictiveClause"
          then "${t1.description}, or ${phrase [ "noun" "conjunction" ] t2}"
          else "${phrase [ "noun" "conjunction" ] t1} or ${phrase [ "noun" "conjunction" "composite" ] t2}";
        descriptionClass = "conjunction";
        check = x: t1.check x || t2.check x;
        merge = loc: defs:
          let values = getValues defs; in
          if all t1.check values then t1.merge loc defs
          else if all t2.check values then t2.merge loc defs
          else mergeOneOption loc defs;
        typeMerge = f':
          let
            m1 = t1.typeMerge (elemAt f'.payload.elemType 0).functor;
            m2 = t2.typeMerge (elemAt f'.payload.elemType 1).functor;
          in
          if name == f'.name && m1 != null && m2 != null then either m1 m2 else null;
        functor = elemFunctor "either" { elemType = [ t1 t2 ]; };
        nestedTypes.left = t1;
        nestedTypes.right = t2;
      };

      oneOf = ts:
        if ts == [ ] then throw "types.oneOf needs to get at least one type in its argument"
        else foldl' either (head ts) (builtins.tail ts);

      # Values of `coercedType` are turned into `finalType` by `coerceFunc`.
      coercedTo = coercedType: coerceFunc: finalType:
        assert lib.assertMsg (coercedType.getSubModules == null)
          "coercedTo: coercedType must not have submodules (it’s a ${coercedType.description})";
        mkOptionType {
          name = "coercedTo";
          description = "${phrase [ "noun" ] finalType} or ${phrase [ "noun" ] coercedType} convertible to it";
          check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
          merge = loc: defs:
            finalType.merge loc (map (d: d // {
              value = if coercedType.check d.value then coerceFunc d.value else d.value;
            }) defs);
          inherit (finalType) emptyValue getSubOptions getSubModules;
          substSubModules = m: coercedTo coercedType coerceFunc (finalType.substSubModules m);
          typeMerge = _: null;
          functor = defaultFunctor "coercedTo" // { wrappedDeprecationMessage = wrappedWarning { elemType = finalType; }; };
          nestedTypes = { inherit coercedType finalType; };
        };

      addCheck = type: check: type // { check = x: type.check x && check x; };

      # Modules ------------------------------------------------------------

      submodule = modules: submoduleWith {
        shorthandOnlyDefinesConfig = true;
        modules = lib.toList modules;
      };

      # Each value is a module (or its config); the merged value is the
      # `config` of evaluating them all, with `name` set to the attribute name.
      submoduleWith =
        { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false
        , description ? null, class ? null } @ attrs:
        let
          defsToModules = map ({ value, file }:
            if isAttrs value && shorthandOnlyDefinesConfig
            then { _file = file; config = value; }
            else { _file = file; imports = [ value ]; });
          base = lib.modules.evalModules {
            inherit class specialArgs;
            modules = [ { _module.args.name = lib.mkOptionDefault "‹name›"; } ] ++ modules;
          };
          # For documentation and descriptions: don't fail on unknown options.
          noCheck = {
            _file = "<built-in module that disables checks for the purpose of documentation generation>";
            config._module.check = lib.mkForce false;
          };
          freeformType = base._module.freeformType;
        in
        mkOptionType {
          name = "submodule";
          description =
            if description != null then description
            else (base.extendModules { modules = [ noCheck ]; })._module.freeformType.description or "submodule";
          check = x: isAttrs x || isFunction x || path.check x;
          merge = loc: defs: (base.extendModules {
            modules = [ { _module.args.name = lib.last loc; } ] ++ defsToModules defs;
            prefix = loc;
          }).config;
          emptyValue = { value = { }; };
          getSubOptions = prefix:
            let docs = base.extendModules { inherit prefix; modules = [ noCheck ]; }; in
            docs.options // lib.optionalAttrs (docs._module.freeformType != null) {
              _freeformOptions = docs._module.freeformType.getSubOptions prefix;
            };
          getSubModules = modules;
          substSubModules = m: submoduleWith (attrs // { modules = m; });
          nestedTypes = lib.optionalAttrs (freeformType != null) { inherit freeformType; };
          functor = defaultFunctor "submodule" // {
            type = submoduleWith;
            payload = { inherit modules class specialArgs shorthandOnlyDefinesConfig description; };
            binOp = a: b:
              let
                # Combine a setting from two declarations: null means "not set".
                pick = what: x: y:
                  if x == null then y else if y == null || x == y then x
                  else throw "A submoduleWith option is declared multiple times with conflicting ${what}";
                sharedArgs = builtins.intersectAttrs a.specialArgs b.specialArgs;
              in {
                class = if a.class or null == null then b.class or null
                  else if b.class or null == null || a.class == b.class then a.class
                  else throw "A submoduleWith option is declared multiple times with conflicting class values \"${toString a.class}\" and \"${toString b.class}\".";
                modules = a.modules ++ b.modules;
                specialArgs = if sharedArgs == { } then a.specialArgs // b.specialArgs
                  else throw "A submoduleWith option is declared multiple times with the same specialArgs \"${toString (attrNames sharedArgs)}\"";
                shorthandOnlyDefinesConfig = pick "shorthandOnlyDefinesConfig values"
                  a.shorthandOnlyDefinesConfig b.shorthandOnlyDefinesConfig;
                description = pick "descriptions" a.description b.description;
              };
          };
        };

      # A module as a value; merging collects the definitions as imports.
      deferredModule = deferredModuleWith { };
      deferredModuleWith = { staticModules ? [ ] } @ attrs: mkOptionType {
        name = "deferredModule";
        description = "module";
        descriptionClass = "noun";
        check = x: isAttrs x || isFunction x || path.check x;
        merge = loc: defs: {
          imports = staticModules ++ map (def:
            lib.setDefaultModuleLocation "${def.file}, via option ${showOption loc}" def.value) defs;
        };
        inherit (submoduleWith { modules = staticModules; }) getSubOptions getSubModules;
        substSubModules = m: deferredModuleWith (attrs // { staticModules = m; });
        functor = defaultFunctor "deferredModuleWith" // {
          type = deferredModuleWith;
          payload = { inherit staticModules; };
          binOp = a: b: { staticModules = a.staticModules ++ b.staticModules; };
        };
      };

      # A type as a value (for _module.freeformType); several merge like
      # several declarations of one option.
      optionType = mkOptionType {
        name = "optionType";
        description = "optionType";
        descriptionClass = "noun";
        check = v: v._type or null == "option-type";
        merge = loc: defs:
          if length defs == 1 then (head defs).value
          else (lib.modules.fixupOptionType loc (lib.modules.mergeOptionDecls loc
            (map ({ value, file }: { _file = file; options = lib.mkOption { type = value; }; }) defs))).type;
      };
    };
  };
in
# Both lib.types.bool and lib.types.mkOptionType work, as in nixpkgs.
outer // outer.types
