# The module system: evalModules and the definition properties (mkIf, …).
# Part of nixeval's example library (original code, MIT licence).
#
# Overview. evalModules
#  1. loads every module (paths, functions, sets) and its imports, drops the
#     disabled ones and deduplicates by key           (collectModules);
#  2. walks the option declarations and the `config` definitions together,
#     attribute by attribute                           (mergeModules);
#  3. for each option merges its definitions: mkMerge/mkIf are discharged,
#     only the best mkOverride priority stays, mkOrder sorts, and the type
#     checks and merges what is left                   (mergeDefinitions).
{ lib }:

let
  inherit (builtins)
    all any attrNames concatLists concatMap elem filter foldl' head isAttrs isBool
    isList isString length mapAttrs removeAttrs substring typeOf zipAttrsWith
    addErrorContext unsafeGetAttrPos;
  inherit (lib) isFunction types mkOption optional optionalAttrs setAttrByPath;
  inherit (lib.options) isOption showOption showFiles showDefs unknownModule;

  # Properties -------------------------------------------------------------

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkDefinition = args @ { file, value, ... }: args // { _type = "definition"; };
  mkAssert = assertion: message:
    mkIf (if assertion then true else throw "\nFailed assertion: ${message}");

  defaultOverridePriority = 100;
  mkOptionDefault = mkOverride 1500; # an option's `default`
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;

  defaultOrderPriority = 1000;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  # Turn a config value into a list of plain attribute sets: mkMerge is
  # flattened and mkIf/mkOverride are moved onto each attribute, so that a
  # condition is only evaluated when that attribute's option is.
  pushDownProperties = cfg:
    let type = cfg._type or ""; in
    if type == "merge" then concatMap pushDownProperties cfg.contents
    else if type == "if" then map (mapAttrs (_: mkIf cfg.condition)) (pushDownProperties cfg.content)
    else if type == "override" then map (mapAttrs (_: mkOverride cfg.priority)) (pushDownProperties cfg.content)
    else [ cfg ];

  # A definition's value(s) after flattening mkMerge and evaluating mkIf.
  dischargeProperties = def:
    let type = def._type or ""; in
    if type == "merge" then concatMap dischargeProperties def.contents
    else if type == "if" then
      if !isBool def.condition then throw "‘mkIf’ called with a non-Boolean condition"
      else if def.condition then dischargeProperties def.content
      else [ ]
    else [ def ];

  # Keep the definitions with the best (numerically lowest) priority.
  filterOverrides' = defs:
    let
      prioOf = def: if def.value._type or "" == "override" then def.value.priority else defaultOverridePriority;
      highestPrio = foldl' (p: def: lib.min (prioOf def) p) 9999 defs;
      unwrap = def: if def.value._type or "" == "override" then def // { value = def.value.content; } else def;
    in {
      values = concatMap (def: if prioOf def == highestPrio then [ (unwrap def) ] else [ ]) defs;
      inherit highestPrio;
    };
  filterOverrides = defs: (filterOverrides' defs).values;

  # Stable sort by mkOrder priority.
  sortProperties = defs:
    let
      unwrap = def:
        if def.value._type or "" == "order"
        then def // { value = def.value.content; inherit (def.value) priority; }
        else def;
      prio = def: def.priority or defaultOrderPriority;
    in
    builtins.sort (a: b: prio a < prio b) (map unwrap defs);

  # Merging definitions ------------------------------------------------------

  mergeDefinitions = loc: type: defs: rec {
    defsFinal' =
      let
        discharged = concatMap (def:
          map (v: if v._type or null == "definition" then v else { inherit (def) file; value = v; })
            (addErrorContext "while evaluating definitions from `${def.file}':" (dischargeProperties def.value)))
          defs;
        best = filterOverrides' discharged;
      in {
        values = if any (d: d.value._type or "" == "order") best.values then sortProperties best.values else best.values;
        inherit (best) highestPrio;
      };
    defsFinal = defsFinal'.values;
    isDefined = defsFinal != [ ];
    mergedValue =
      if !isDefined then
        throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
      else if all (d: type.check d.value) defsFinal then type.merge loc defsFinal
      else throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs (filter (d: !type.check d.value) defsFinal)}";
    optionalValue = if isDefined then { value = mergedValue; } else { };
  };

  # Evaluate one option: its default enters as mkOptionDefault.
  evalOptionValue = loc: opt: defs:
    let
      allDefs = optional (opt ? default) { file = head opt.declarations; value = mkOptionDefault opt.default; } ++ defs;
      res =
        if opt.readOnly or false && length allDefs > 1 then
          let separately = map (d: d // { value = (mergeDefinitions loc opt.type [ d ]).mergedValue; }) allDefs; in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs separately}"
        else mergeDefinitions loc opt.type allDefs;
      value = if opt ? apply then opt.apply res.mergedValue else res.mergedValue;
    in
    lib.warnIf (opt.type.deprecationMessage != null)
      "The type `types.${opt.type.name}' of option `${showOption loc}' defined in ${showFiles opt.declarations} is deprecated. ${opt.type.deprecationMessage}"
      opt
    // {
      value = addErrorContext "while evaluating the option `${showOption loc}':" value;
      inherit (res.defsFinal') highestPrio;
      definitions = map (d: d.value) res.defsFinal;
      files = map (d: d.file) res.defsFinal;
      definitionsWithLocations = res.defsFinal;
      inherit (res) isDefined;
      __toString = _: showOption loc;
    };

  # Merge several declarations of one option (e.g. submodule options that
  # several modules extend). `opts` are { _file, pos, options = decl; }.
  mergeOptionDecls = loc: opts: foldl' (res: opt:
    let
      decl = opt.options;
      both = k: decl ? ${k} && res ? ${k};
      alreadyDeclared = throw "The option `${showOption loc}' in `${opt._file}' is already declared in ${showFiles res.declarations}.";
      # Types with a deprecated functor.wrapped warn naming this option.
      withLoc = ty:
        if ty ? functor.wrappedDeprecationMessage
        then { type = ty // { functor = ty.functor // { wrapped = ty.functor.wrappedDeprecationMessage { inherit loc; }; }; }; }
        else { };
      typeSet =
        if !(decl ? type) then { }
        else if !(res ? type) then withLoc decl.type
        else let merged = res.type.typeMerge decl.type.functor; in
          if merged == null then alreadyDeclared else { type = merged; } // withLoc merged;
      subModules =
        if decl.type.getSubModules or null != null
        then map (setDefaultModuleLocation opt._file) decl.type.getSubModules ++ res.options
        else res.options;
    in
    if both "default" || both "example" || both "description" || both "apply" then alreadyDeclared
    else decl // res // {
      declarations = res.declarations ++ [ opt._file ];
      declarationPositions = res.declarationPositions
        ++ [ (if opt.pos != null then opt.pos else { file = opt._file; line = null; column = null; }) ];
      options = subModules;
    } // typeSet)
    { inherit loc; declarations = [ ]; declarationPositions = [ ]; options = [ ]; }
    opts;

  # Give the option's type the sub-modules collected from all declarations.
  fixupOptionType = loc: opt:
    if opt.type.getSubModules or null == null then opt // { type = opt.type or types.unspecified; }
    else opt // { type = opt.type.substSubModules opt.options; options = [ ]; };

  # Walk declarations and definitions together. Returns the tree of
  # evaluated options and the definitions that matched no option.
  mergeModules = prefix: modules:
    mergeModules' prefix modules (concatMap (m:
      map (config: { file = m._file; inherit config; }) (pushDownProperties m.config)) modules);

  mergeModules' = prefix: modules: configs:
    let
      declsByName = zipAttrsWith (_: ds: ds) (map (m:
        if !isAttrs m.options then
          throw ''
            An option declaration for `${lib.concatStringsSep "." prefix}' has type
            `${typeOf m.options}' rather than an attribute set.
            Did you mean to define this outside of `options'?
          ''
        else mapAttrs (n: decl: { inherit (m) _file; pos = unsafeGetAttrPos n m.options; options = decl; }) m.options)
        modules);

      checkedConfigs = assert all (c: isAttrs c.config || throw ''
        In module `${c.file}', you're trying to define a value of type `${typeOf c.config}'
        rather than an attribute set for the option
        `${lib.concatStringsSep "." prefix}'!

        This usually happens if `${lib.concatStringsSep "." prefix}' has option
        definitions inside that are not matched. Please check how to properly define
        this option by e.g. referring to `man 5 configuration.nix'!
      '') configs; configs;

      # name -> definitions, with properties pushed one level further down
      # (for option sets) or as written (for options).
      pushedDefsByName = zipAttrsWith (_: concatLists) (map (c:
        mapAttrs (_: v: map (config: { inherit (c) file; inherit config; }) (pushDownProperties v)) c.config)
        checkedConfigs);
      rawDefsByName = zipAttrsWith (_: ds: ds) (map (c:
        mapAttrs (_: value: { inherit (c) file; inherit value; }) c.config) checkedConfigs);

      # An option set declared next to a submodule option becomes a submodule.
      asOption = decl:
        if isOption decl.options then decl
        else decl // {
          options = mkOption {
            type = types.submoduleWith {
              modules = [ { options = decl.options; } ];
              shorthandOnlyDefinesConfig = null;
            };
          };
        };

      results = mapAttrs (name: decls:
        let
          loc = prefix ++ [ name ];
          defs = rawDefsByName.${name} or [ ];
          optionDecls = filter (d: d.options ? _type
            && (d.options._type == "option" || throwDeclarationTypeError loc d.options._type d._file)) decls;
          evalAs = ds: {
            matchedOptions = evalOptionValue loc (fixupOptionType loc (mergeOptionDecls loc ds)) defs;
            unmatchedDefns = [ ];
          };
        in
        if length optionDecls == length decls then evalAs decls
        else if optionDecls != [ ] then
          if all (d: d.options.type.name or null == "submodule") optionDecls then evalAs (map asOption decls)
          else
            let
              first = head optionDecls;
              others = filter (d: !isOption d.options) decls;
              lines = builtins.sort (a: b: a < b) (concatMap (d: map (p:
                " - option(s) with prefix `${showOption (loc ++ [ p ])}' in module `${d._file}'") (attrNames d.options)) others);
            in
            throw "The option `${showOption loc}' in module `${first._file}' would be a parent of the following options, but its type `${first.options.type.description or "<no description>"}' does not support nested options.\n${lib.concatStringsSep "\n" lines}"
        else mergeModules' loc decls (pushedDefsByName.${name} or [ ]))
        declsByName;

      matchedOptions = mapAttrs (_: r: r.matchedOptions) results;
      unmatchedByName = mapAttrs (_: r: r.unmatchedDefns) results
        // removeAttrs rawDefsByName (attrNames matchedOptions);
    in {
      inherit matchedOptions;
      unmatchedDefns =
        if configs == [ ] then [ ]
        else concatLists (lib.mapAttrsToList (name: defs:
          map (d: d // { prefix = [ name ] ++ (d.prefix or [ ]); }) defs) unmatchedByName);
    };

  throwDeclarationTypeError = loc: tag: file:
    let
      name = lib.strings.escapeNixIdentifier (lib.last loc);
      comment = lib.optionalString (length loc > 1) "\n    # ${showOption loc}";
    in
    throw (lib.concatStringsSep "\n\n" ([
      "In module ${file}: expected an option declaration at option path `${showOption loc}` but got an attribute set with type ${tag}"
    ] ++ optional (tag == "option-type") ''
      When declaring an option, you must wrap the type in a `mkOption` call. It should look somewhat like:
          ${comment}
          ${name} = lib.mkOption {
            description = ...;
            type = <the type you wrote for ${name}>;
            ...
          };
    ''));

  # Loading modules ----------------------------------------------------------

  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };

  # Bring a module into the form { _file key _class disabledModules imports options config }.
  unifyModuleSyntax = file: key: m:
    let
      # `meta` (full syntax only) and `freeformType` are definitions too.
      withExtras = withMeta: config:
        let
          cfgs = [ config ] ++ optional (withMeta && m ? meta) { meta = m.meta; }
            ++ optional (m ? freeformType) { _module.freeformType = m.freeformType; };
        in
        if length cfgs == 1 then config else mkMerge cfgs;
      common = {
        _file = toString m._file or file;
        _class = m._class or null;
        key = toString m.key or key;
        disabledModules = m.disabledModules or [ ];
      };
      bad = removeAttrs m [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ];
    in
    if m ? config || m ? options then
      if bad != { } then
        throw "Module `${key}' has an unsupported attribute `${head (attrNames bad)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames bad)}) into the explicit `config' attribute."
      else common // {
        imports = m.imports or [ ];
        options = m.options or { };
        config = withExtras true (m.config or { });
      }
    else
      # Shorthand: the whole module is config.
      lib.throwIfNot (isAttrs m) "module ${file} (${key}) does not look like a module." common // {
        imports = m.require or [ ] ++ m.imports or [ ];
        options = { };
        config = withExtras false (removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]);
      };

  # Call a module function. Each named argument is looked up lazily, in the
  # special arguments first and else in config._module.args, so `pkgs` can
  # be defined by a module.
  applyModuleArgs = key: f: args @ { config, ... }:
    f (args // mapAttrs (name: _:
      addErrorContext "while evaluating the module argument `${name}' in \"${key}\":"
        (args.${name} or config._module.args.${name}))
      (lib.functionArgs f));
  applyModuleArgsIfFunction = key: f: args: if isFunction f then applyModuleArgs key f args else f;

  # The error for a non-module value (e.g. a whole configuration) in imports.
  notAModule = class: file: type:
    let
      esc = builtins.fromJSON "\"\\u001b\"";
      warn = s: "${esc}[1;35m${s}${esc}[0m";
      good = s: "${esc}[1;32m${s}${esc}[0m";
      code = s: "${esc}[1m${s}${esc}[0m";
      flake = warn "inputs.someflake";
      otherFlakeAttr = { nixos = ".nixosModules.default"; darwin = ".darwinModules.default"; };
    in
    lib.concatStringsSep "\n\n" ([
      (lib.trim ''
        Expected a module, but found a value of type ${warn (lib.strings.escapeNixString type)}${
          lib.optionalString (file != null && file != unknownModule) ", while trying to load a module into ${toString file}"}.
        A module is typically loaded by adding it the ${code "imports = [ ... ];"} attribute of an existing module, or in the ${code "modules = [ ... ];"} argument of various functions.
        Please make sure that each of the list items is a module, and not a different kind of value.
      '')
    ] ++ optional (type == "configuration") (lib.trim ''
      If you really mean to import this configuration, instead please only import the modules that make up the configuration.
      You may have to create a `let` binding, file or attribute to give yourself access to the relevant modules.
      While loading a configuration into the module system is a very sensible idea, it can not be done cleanly in practice.
    '')
    ++ optional (type == "flake") (lib.concatStringsSep "\n" ([
      (lib.trim ''
        Perhaps you forgot to select an attribute name?
        Instead of, for example,
            ${flake}
        you need to write something like
            ${flake}${good ".modules.${if class == null then "someApp" else class}.default"}
      '')
    ] ++ optional (isString class && otherFlakeAttr ? ${class}) "or\n    ${flake}${good otherFlakeAttr.${class}}")));

  # All modules reachable through imports, minus disabled ones, unique by key,
  # in breadth-first order.
  collectModules = class: modulesPath: initialModules: args:
    let
      load = file: key: m:
        if isFunction m then unifyModuleSyntax file key (applyModuleArgs key m args)
        else if isAttrs m then
          if m._type or "module" == "module" then unifyModuleSyntax file key m
          else if m._type == "if" || m._type == "override" then load file key { config = m; }
          else throw (notAModule class file m._type)
        else if isList m then
          throw "Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions: ${showDefs [ { inherit file; value = m; } ]}"
        else unifyModuleSyntax (toString m) (toString m) (applyModuleArgsIfFunction (toString m) (import m) args);

      checkClass = m:
        if class == null || m._class == null || m._class == class then m
        else throw ''
          The module `${m._file or m.key}` (class: ${lib.strings.escapeNixString m._class}) cannot be imported into a module evaluation that expects class ${lib.strings.escapeNixString class}.

          Help:
          - Ensure that you are importing the correct module.
          - Verify that the module's `_class`, ${lib.strings.escapeNixString m._class} matches the expected `class` ${lib.strings.escapeNixString class}.
          - If you are using a custom class, make sure it is correctly defined and used consistently across your modules.
        '';

      # A tree of { key; module; children; disabled; }.
      collect = parentFile: parentKey: ms: lib.imap1 (n: x:
        let
          module = checkClass (load parentFile "${parentKey}:anon-${toString n}" x);
          children = collect module._file module.key module.imports;
        in {
          inherit (module) key;
          inherit module children;
          disabled = optional (module.disabledModules != [ ]) { file = module._file; list = module.disabledModules; }
            ++ concatMap (c: c.disabled) children;
        }) ms;
      tree = collect unknownModule "" initialModules;

      disabledKey = file: m:
        if isString m then (if substring 0 1 m == "/" then m else toString modulesPath + "/" + m)
        else if lib.isConvertibleWithToString m then
          if m ? key && m.key != toString m then
            throw "Module `${file}` contains a disabledModules item that is an attribute set that can be converted to a string (${toString m}) but also has a `.key` attribute (${m.key}) with a different value. This makes it ambiguous which module should be disabled."
          else toString m
        else if m ? key then m.key
        else if isAttrs m then
          throw "Module `${file}` contains a disabledModules item that is an attribute set, presumably a module, that does not have a `key` attribute. This means that the module system doesn't have any means to identify the module that should be disabled. Make sure that you've put the correct value in disabledModules: a string path relative to modulesPath, a path value, or an attribute set with a `key` attribute."
        else
          throw "Each disabledModules item must be a path, string, or a attribute set with a key attribute, or a value supported by toString. However, one of the disabledModules items in `${toString file}` is none of that, but is of type ${typeOf m}.";
      disabledKeys = concatMap (d: map (disabledKey d.file) d.list) (concatMap (c: c.disabled) tree);
      enabled = filter (c: !elem c.key disabledKeys);
    in
    map (c: c.module) (builtins.genericClosure { startSet = enabled tree; operator = c: enabled c.children; });

  # evalModules ----------------------------------------------------------------

  evalModules = evalArgs @ { modules, prefix ? [ ], specialArgs ? { }, class ? null, args ? { }, check ? true }:
    let
      withWarnings = x:
        lib.warnIf (evalArgs ? args) "The args argument to evalModules is deprecated. Please set config._module.args instead."
          (lib.warnIf (evalArgs ? check) "The check argument to evalModules is deprecated. Please set config._module.check instead." x);
      userModules = modules
        ++ optional (evalArgs ? args) { config._module.args = args; }
        ++ optional (evalArgs ? check) { config._module.check = mkDefault check; };

      # Options of the module system itself, under `_module`.
      internalModule = {
        _file = "lib/modules.nix";
        key = "lib/modules.nix";
        options._module = {
          args = mkOption ({
            # lazyAttrsOf: an argument is only evaluated when a module uses it.
            type = types.lazyAttrsOf types.raw;
            description = ''
              Additional arguments passed to each module in addition to ones
              like `lib`, `config`, and `pkgs`, `modulesPath`.
            '';
          } // optionalAttrs (prefix != [ ]) { internal = true; });
          check = mkOption {
            type = types.bool;
            internal = true;
            default = true;
            description = "Whether to check whether all option definitions have matching declarations.";
          };
          freeformType = mkOption {
            type = types.nullOr types.optionType;
            internal = true;
            default = null;
            description = ''
              If set, merge all definitions that don't have an associated option
              together using this type.
            '';
          };
          specialArgs = mkOption {
            readOnly = true;
            internal = true;
            description = ''
              Externally provided module arguments that can't be modified from
              within a configuration, but can be used in module imports.
            '';
          };
        };
        config._module = {
          args = { inherit extendModules; moduleType = type; };
          specialArgs = specialArgs;
        };
      };

      collected = collectModules class (specialArgs.modulesPath or "") (userModules ++ [ internalModule ])
        ({ inherit lib options config specialArgs; _class = class; } // specialArgs);
      # Later modules first, as nixpkgs does (this orders list definitions).
      merged = mergeModules prefix (lib.reverseList collected);

      options = merged.matchedOptions;

      declaredConfig = lib.mapAttrsRecursiveCond (v: !isOption v) (_: opt: opt.value) options;
      config =
        let freeform = declaredConfig._module.freeformType; in
        if freeform == null then declaredConfig
        else
          let
            defs = map (d: { inherit (d) file; value = setAttrByPath d.prefix d.value; }) merged.unmatchedDefns;
          in
          lib.recursiveUpdate (if defs == [ ] then { } else freeform.merge prefix defs) declaredConfig;

      checkUnmatched =
        if config._module.check && config._module.freeformType == null && merged.unmatchedDefns != [ ] then
          let
            first = head merged.unmatchedDefns;
            optText = showOption (prefix ++ first.prefix);
            defText = addErrorContext
              "while evaluating the error message for definitions for `${optText}', which is an option that does not exist"
              (addErrorContext "while evaluating a definition from `${first.file}'" (showDefs [ first ]));
            baseMsg = "The option `${optText}' does not exist. Definition values:${defText}";
          in
          if attrNames options == [ "_module" ] then
            if showOption prefix == "" then
              throw ''
                ${baseMsg}

                It seems as if you're trying to declare an option by placing it into `config' rather than `options'!
              ''
            else
              throw ''
                ${baseMsg}

                However there are no options defined in `${showOption prefix}'. Are you sure you've
                declared your options properly? This can happen if you e.g. declared your options in `types.submodule'
                under `config' rather than `options'.
              ''
          else throw baseMsg
        else null;
      checked = builtins.seq checkUnmatched;

      extendModules = ext @ { modules ? [ ], specialArgs ? { }, prefix ? [ ] }:
        evalModules (evalArgs // {
          modules = userModules ++ modules;
          specialArgs = evalArgs.specialArgs or { } // specialArgs;
          prefix = ext.prefix or evalArgs.prefix or [ ];
        });

      type = types.submoduleWith { inherit modules specialArgs class; };
    in
    withWarnings {
      _type = "configuration";
      options = checked options;
      config = checked (removeAttrs config [ "_module" ]);
      _module = checked config._module;
      inherit extendModules type class;
    };

  # Aliases, renames and removals -------------------------------------------

  mkAliasIfDef = option: mkIf (isOption option && option.isDefined);
  mkAliasAndWrapDefinitions = wrap: option: mkAliasIfDef option (wrap (mkMerge option.definitions));
  mkAliasDefinitions = mkAliasAndWrapDefinitions lib.id;
  # Like mkAliasAndWrapDefinitions, keeping the option's priority.
  mkAliasAndWrapDefsWithPriority = wrap: option:
    let prio = option.highestPrio or defaultOverridePriority; in
    mkAliasIfDef option (wrap (mkMerge (map (mkOverride prio) option.definitions)));

  # Definitions with the same priority as another option's.
  mkDerivedConfig = opt: f: mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);

  # A module declaring `from` as an alias of the option `to`.
  doRename = { from, to, visible, warn, use, withPriority ? true, condition ? true }:
    { config, options, ... }:
    let
      fromOpt = lib.getAttrFromPath from options;
      toOf = lib.attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
      toType = (lib.attrByPath to { } options).type or (types.submodule { });
    in {
      options = setAttrByPath from (mkOption {
        inherit visible;
        description = "Alias of {option}`${showOption to}`.";
        apply = _: use (toOf config);
      } // optionalAttrs (toType != null) { type = toType; });
      config = mkIf condition (mkMerge [
        (optionalAttrs (options ? warnings) {
          warnings = optional (warn && fromOpt.isDefined)
            "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been renamed to `${showOption to}'.";
        })
        ((if withPriority then mkAliasAndWrapDefsWithPriority else mkAliasAndWrapDefinitions)
          (setAttrByPath to) fromOpt)
      ]);
    };

  mkRenamedOptionModule = from: to: doRename {
    inherit from to;
    visible = false;
    warn = true;
    use = builtins.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  mkRenamedOptionModuleWith = { from, to, sinceRelease }: doRename {
    inherit from to;
    visible = false;
    warn = lib.oldestSupportedReleaseIsAtLeast sinceRelease;
    use = lib.warnIf (lib.oldestSupportedReleaseIsAtLeast sinceRelease)
      "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  mkAliasOptionModule = from: to: doRename {
    inherit from to;
    visible = true;
    warn = false;
    use = lib.id;
  };

  # Defining the removed option fails an assertion.
  mkRemovedOptionModule = optionName: replacementInstructions: { options, ... }: {
    options = setAttrByPath optionName (mkOption {
      visible = false;
      apply = _: throw "The option `${showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
    });
    config.assertions =
      let opt = lib.getAttrFromPath optionName options; in
      [ {
        assertion = !opt.isDefined;
        message = ''
          The option definition `${showOption optionName}' in ${showFiles opt.files} no longer has any effect; please remove it.
          ${replacementInstructions}
        '';
      } ];
  };

  # Options `from` replaced by `to`, whose value mergeFn computes from config.
  mkMergedOptionModule = from: to: mergeFn: { config, options, ... }: {
    options = foldl' lib.recursiveUpdate { } (map (path:
      setAttrByPath path (mkOption { visible = false; default = "_mkMergedOptionModule"; })) from);
    config = {
      warnings = filter (x: x != "") (map (f:
        let
          val = lib.getAttrFromPath f config;
          opt = lib.getAttrFromPath f options;
        in
        lib.optionalString (val != "_mkMergedOptionModule")
          "The option `${showOption f}' defined in ${showFiles opt.files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly.")
        from);
    } // setAttrByPath to (mkMerge (optional
      (any (f: lib.getAttrFromPath f config != "_mkMergedOptionModule") from) (mergeFn config)));
  };
  mkChangedOptionModule = from: to: changeFn: mkMergedOptionModule [ from ] to changeFn;

  # Per attribute of an attrsOf option: its value and priority.
  mergeAttrDefinitionsWithPrio = opt:
    let
      byAttr = lib.zipAttrs (concatLists (concatMap (def:
        map (lib.mapAttrsToList (k: v: { ${k} = def // { value = v; }; })) (pushDownProperties def.value))
        opt.definitionsWithLocations));
    in
    assert opt.type.name == "attrsOf" || opt.type.name == "lazyAttrsOf";
    mapAttrs (k: defs:
      let m = mergeDefinitions (opt.loc ++ [ k ]) opt.type.nestedTypes.elemType defs; in
      { value = m.mergedValue; inherit (m.defsFinal') highestPrio; }) byAttr;

  importApply = modulePath: staticArg: setDefaultModuleLocation modulePath (import modulePath staticArg);
  importJSON = file: { _file = file; config = lib.importJSON file; };
in
{
  inherit
    evalModules collectModules unifyModuleSyntax applyModuleArgs applyModuleArgsIfFunction
    setDefaultModuleLocation mergeModules mergeModules' mergeOptionDecls fixupOptionType
    evalOptionValue mergeDefinitions mergeAttrDefinitionsWithPrio pushDownProperties
    dischargeProperties filterOverrides filterOverrides' sortProperties
    mkIf mkAssert mkMerge mkOverride mkDefinition mkOptionDefault mkDefault mkImageMediaOverride
    mkForce mkVMOverride defaultOverridePriority mkOrder mkBefore mkAfter defaultOrderPriority
    mkAliasDefinitions mkAliasAndWrapDefinitions mkAliasAndWrapDefsWithPriority mkAliasIfDef
    mkDerivedConfig doRename mkRenamedOptionModule mkRenamedOptionModuleWith mkAliasOptionModule
    mkRemovedOptionModule mkMergedOptionModule mkChangedOptionModule importApply importJSON;
  defaultPriority = defaultOverridePriority;
  mkAliasOptionModuleMD = mkAliasOptionModule;
}
