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
