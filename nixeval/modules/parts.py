"""The names of a lib's module-system files that the native implementation
puts in place of the lib's own (kept apart so that deciding about a lib
loads none of that implementation)."""

NATIVE_FUNCTIONS = ("evalModules", "evalOptionValue", "mergeDefinitions", "mergeOptionDecls",
                    "fixupOptionType", "filterOverrides", "filterOverrides'", "sortProperties")
# every name of types.nix's result that native_types puts in place of the
# lib's (besides the `types` set itself, which holds the lib's other types too)
NATIVE_NAMES = (
    "addCheck", "anything", "attrs", "attrsOf", "attrsWith", "bool", "boolByOr", "coercedTo",
    "commas", "defaultFunctor", "defaultTypeMerge", "deferredModule", "deferredModuleWith",
    "either", "enum", "envVar", "float", "functionTo", "int", "ints", "isOptionType", "isType",
    "lazyAttrsOf", "lines", "listOf", "mergeTypes", "mkOptionType", "nonEmptyListOf",
    "nonEmptyStr", "nullOr", "number", "numbers", "oneOf", "optionDescriptionPhrase",
    "optionType", "package", "path", "pathInStore", "pathWith", "port", "raw",
    "separatedString", "setType", "shellPackage", "singleLineStr", "str", "strMatching",
    "submodule", "submoduleWith", "uniq", "unique", "unspecified")
NATIVE_OPTION_MERGES = ("mergeEqualOption", "mergeOneOption", "mergeDefaultOption",
                        "mergeUniqueOption")


# the names of each file whose fingerprint decides whether it is bound
PARTS: dict[str, tuple[str, ...]] = {
    "modules.nix": NATIVE_FUNCTIONS,
    "options.nix": NATIVE_OPTION_MERGES,
    "types.nix": NATIVE_NAMES,
}

# lib functions the native implementation calls (for messages and helpers),
# by the lib file that defines each: a lib without one of them (one from
# before 2020, say) can't be bound, even when native is asked for
CALLED: dict[str, tuple[str, ...]] = {
    "options.nix": ("showDefs", "showFiles", "showOption", "mkOption"),
    "modules.nix": ("mkForce",),
    "trivial.nix": ("warn", "isFunction", "functionArgs"),
    "strings.nix": ("isStorePath", "escapeNixString", "escapeNixIdentifier"),
    "attrsets.nix": ("toDerivation", "recursiveUpdate", "setAttrByPath"),
    "types.nix": ("submoduleWith", "unspecified"),
}
