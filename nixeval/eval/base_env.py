"""Names bound in Nix's base environment (EvalState::createBaseEnv), as of the
Nix revision our conformance suite is pinned to.

Every builtin is reachable as ``builtins.NAME``; at top level it appears under
the name it is registered with: ``__NAME`` for most, plain for a few
(``map``, ``toString``, ``import``, …). ``__importNative`` and ``__exec`` exist
only with allow-unsafe-native-code-during-evaluation and are left out;
``__parseFlakeRef`` and ``__flakeRefToString`` (flake builtins, which Nix's
test suite runs with) are always present.
"""

BASE_NAMES: frozenset[str] = frozenset((
    "__add", "__addDrvOutputDependencies", "__addErrorContext", "__all", "__any",
    "__appendContext", "__attrNames", "__attrValues", "__bitAnd", "__bitOr", "__bitXor",
    "__catAttrs", "__ceil", "__compareVersions", "__concatLists", "__concatMap",
    "__concatStringsSep", "__convertHash", "__currentSystem", "__currentTime", "__deepSeq",
    "__div", "__elem", "__elemAt", "__fetchClosure", "__fetchurl", "__filter",
    "__filterSource", "__findFile", "__flakeRefToString", "__floor", "__foldl'",
    "__forceLazyFetcherAttr", "__fromJSON", "__functionArgs", "__genList",
    "__genericClosure", "__getAttr", "__getContext", "__getEnv", "__groupBy", "__hasAttr",
    "__hasContext", "__hashFile", "__hashString", "__head", "__intersectAttrs", "__isAttrs",
    "__isBool", "__isFloat", "__isFunction", "__isInt", "__isList", "__isPath",
    "__isString", "__langVersion", "__length", "__lessThan", "__listToAttrs", "__mapAttrs",
    "__match", "__mul", "__nixPath", "__nixVersion", "__outputOf", "__parseDrvName",
    "__parseFlakeRef", "__partition", "__path", "__pathExists", "__readDir", "__readFile",
    "__readFileType", "__replaceStrings", "__seq", "__sort", "__split", "__splitVersion",
    "__storeDir", "__storePath", "__stringLength", "__sub", "__substring", "__tail",
    "__toFile", "__toJSON", "__toPath", "__toXML", "__trace", "__traceVerbose", "__tryEval",
    "__typeOf", "__unsafeDiscardOutputDependency", "__unsafeDiscardStringContext",
    "__unsafeGetAttrPos", "__warn", "__zipAttrsWith", "abort", "baseNameOf", "break",
    "builtins", "derivation", "derivationStrict", "dirOf", "false", "fetchFinalTree",
    "fetchGit", "fetchMercurial", "fetchTarball", "fetchTree", "fromTOML", "import",
    "isNull", "map", "null", "placeholder", "removeAttrs", "scopedImport", "throw",
    "toString", "true"
))
