# Option declarations and the text helpers used in module-system messages.
# Part of nixeval's example library (original code, MIT licence).
{ lib }:

let
  inherit (builtins)
    head tail length all isList isAttrs isBool isInt isString isFunction
    concatStringsSep filter foldl' split;

  prioritySuggestion = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';
in
{
  isOption = lib.isType "option";

  # An option declaration: the given attributes, tagged.
  mkOption =
    { default ? null, defaultText ? null, example ? null, description ? null
    , relatedPackages ? null, type ? null, apply ? null, internal ? null
    , visible ? null, readOnly ? null } @ attrs:
    attrs // { _type = "option"; };

  mkEnableOption = name: lib.options.mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = lib.types.bool;
  };

  # mkPackageOption pkgs "hello" { } declares a package option defaulting
  # to pkgs.hello; `default` may be an attribute path (a list).
  mkPackageOption = pkgs: name:
    { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      shortName = if isList name then lib.last name else name;
      path = lib.toList default;
      pathText = lib.showAttrPath path;
    in
    lib.options.mkOption (
      (if default != null then {
        default = lib.attrByPath path (throw "${pathText} cannot be found in ${pkgsText}") pkgs;
        defaultText = lib.options.literalExpression "${pkgsText}.${pathText}";
      } else lib.optionalAttrs nullable { default = null; })
      // {
        description = "The ${shortName} package to use."
          + (if extraDescription == "" then "" else " ") + extraDescription;
        type = (if nullable then lib.types.nullOr else lib.id) lib.types.package;
      }
      // lib.optionalAttrs (example != null) {
        example = lib.options.literalExpression
          (if isList example then "${pkgsText}.${lib.showAttrPath example}" else example);
      });

  mkSinkUndeclaredOptions = attrs: lib.options.mkOption ({
    internal = true;
    visible = false;
    default = false;
    description = "Sink for option definitions.";
    type = lib.types.mkOptionType { name = "sink"; check = _: true; merge = _: _: false; };
    apply = _: throw "Option value is not readable because the option is not declared.";
  } // attrs);

  # Merge functions (loc: defs: value) ------------------------------------

  # The merge of types without their own: concatenate lists, update sets, …
  mergeDefaultOption = loc: defs:
    let values = lib.options.getValues defs; in
    if length values == 1 then head values
    else if all isFunction values then x: lib.options.mergeDefaultOption loc (map (f: f x) values)
    else if all isList values then builtins.concatLists values
    else if all isAttrs values then foldl' (a: b: a // b) { } values
    else if all isBool values then builtins.any (x: x) values
    else if all isString values then concatStringsSep "" values
    else if all isInt values && all (x: x == head values) values then head values
    else throw "Cannot merge definitions of `${lib.options.showOption loc}'. Definition values:${lib.options.showDefs defs}";

  mergeOneOption = lib.options.mergeUniqueOption { message = ""; };
  mergeUniqueOption = { message, merge ? loc: defs: (head defs).value }: loc: defs:
    if length defs == 1 then merge loc defs
    else
      assert length defs > 1;
      throw "The option `${lib.options.showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${lib.options.showDefs defs}\n${prioritySuggestion}";

  # All definitions must be equal; the first pair that differs is reported.
  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else
      let
        first = head defs;
        clash = lib.findFirst (d: d.value != first.value) null (tail defs);
      in
      if clash == null then first.value
      else throw "The option `${lib.options.showOption loc}' has conflicting definition values:${lib.options.showDefs [ first clash ]}\n${prioritySuggestion}";

  getValues = map (d: d.value);
  getFiles = map (d: d.file);

  # Documentation helpers -------------------------------------------------

  literalExpression = text:
    if !isString text then throw "literalExpression expects a string."
    else { _type = "literalExpression"; inherit text; };
  literalMD = text:
    if !isString text then throw "literalMD expects a string."
    else { _type = "literalMD"; inherit text; };
  # Descriptions are Markdown already; kept for modules written for older nixpkgs.
  mdDoc = lib.id;

  # A flat list of documentation records for an option tree.
  optionAttrSetToDocList = options: builtins.concatMap (opt:
    let
      doc = {
        loc = opt.loc;
        name = lib.options.showOption opt.loc;
        description = opt.description or null;
        declarations = filter (d: d != lib.options.unknownModule) opt.declarations;
        internal = opt.internal or false;
        visible = if opt.visible or true == "shallow" then true else opt.visible or true;
        readOnly = opt.readOnly or false;
        type = opt.type.description or "unspecified";
      }
      // lib.optionalAttrs (opt ? example) { example = lib.options.renderOptionValue opt.example; }
      // lib.optionalAttrs (opt ? defaultText || opt ? default) {
        default = lib.options.renderOptionValue (opt.defaultText or opt.default);
      };
      sub = opt.type.getSubOptions opt.loc;
    in
    [ doc ] ++ lib.optionals (doc.visible && opt.visible or null != "shallow" && sub != { })
      (lib.options.optionAttrSetToDocList sub)
  ) (lib.collect lib.options.isOption options);
  renderOptionValue = v:
    if v ? _type && v ? text then v
    else lib.options.literalExpression
      (lib.generators.toPretty { multiline = true; allowPrettyValues = true; } v);

  # Text for messages -----------------------------------------------------

  # [ "a" "b.c" "<name>" ] -> a."b.c".<name>
  showOption = parts: concatStringsSep "." (map (p:
    if p == "*" || builtins.match "<(.*)>" p != null then p
    else lib.strings.escapeNixIdentifier p) parts);

  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # "\n- In `file': value" for each definition; values longer than five lines
  # are cut, values that fail to print are left out.
  showDefs = defs: lib.concatMapStrings (def:
    let
      printed = builtins.tryEval (lib.generators.toPretty { }
        (lib.generators.withRecursion { depthLimit = 10; throwOnDepthLimit = false; } def.value));
      lines = filter isString (split "\n" printed.value);
      shown = concatStringsSep "\n    "
        (lib.take 5 lines ++ lib.optional (length lines > 5) "...");
      suffix =
        if !printed.success then ""
        else if length lines > 1 then ":\n    " + shown
        else ": " + shown;
    in
    "\n- In `${def.file}'${suffix}") defs;

  showOptionWithDefLocs = opt: ''
    ${lib.options.showOption opt.loc}, with values defined in:
    ${lib.concatMapStringsSep "\n" (f: "  - ${f}") opt.files}
  '';

  unknownModule = "<unknown-file>";
}
