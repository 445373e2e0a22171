"""What a bound lib's module system does that older libs did not.

One native implementation serves every lib version it is proven for; where
versions behave differently (newer libs do more, older ones said things
otherwise), it asks the lib in use. Each feature is read
from the text of the lib's own file that introduced it (a marker that the
feature's code carries), so a lib behaves as its own code does whatever its
version is called, and the older libs the implementation was first proven
for keep their behaviour.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..files import read_bytes


@dataclass(frozen=True)
class Features:
    # an undeclared option's error ends "Did you mean …?" (nixpkgs 2025-09)
    option_suggestions: bool = False
    # an option with no definitions and no default is its type's emptyValue
    # when the type has one (nixpkgs 2026-03)
    empty_value_default: bool = False
    # a submodule with a freeform type is described "open submodule of …"
    # (nixpkgs 2025-09)
    open_submodule_description: bool = False
    # `separatedString ""` is described as any other separator is, not as
    # "Concatenated string" (the description of the removed types.string)
    plain_separated_string_description: bool = False
    # a submodule's emptyValue is its configuration with no definitions (the
    # sub-options' defaults), not {} (nixpkgs 2026-04)
    submodule_empty_value_config: bool = False
    # pushDownProperties leaves a config that is not a set as it is (the
    # error then names the module; nixpkgs 2026-04)
    push_down_keeps_non_sets: bool = False
    # type functors have no `wrapped` (nixpkgs 2026-04)
    functor_without_wrapped: bool = False
    # defaultTypeMerge takes a functor without `wrapped` for one whose
    # `wrapped` is null (nixpkgs 2026-04)
    type_merge_wrapped_optional: bool = False
    # evalModules' result has the `graph` of the modules it collected
    module_graph: bool = False
    # modules get their evaluation's prefix as `_prefix`, which a module that
    # fails to load names (nixpkgs 2025-06)
    prefix_module_argument: bool = False
    # the modules' `config` carries a hint for recursions through it
    # (nixpkgs 2026)
    config_argument_hint: bool = False
    # filterOverrides' leaves a lone definition's priority unread (2026-05)
    singleton_overrides_lazy: bool = False
    # what libs before 2025 said and did: an undefined option "is used but not
    # defined", a module of another class "was imported into … instead of …",
    # a value that is not a module "Could not load a value as a module", and
    # `anything` took a list from one definition only
    used_but_not_defined_message: bool = False
    class_mismatch_plain_message: bool = False
    could_not_load_message: bool = False
    anything_single_list: bool = False
    # what libs before 2025 did with type functors: the compound types named
    # here have `defaultFunctor name // { wrapped = elemType; }` (no payload;
    # 2025 libs moved them one by one to `payload.elemType`, either reading
    # the other's `wrapped` or `payload.elemType`, unique's functor type
    # taking the message or not)
    wrapped_functors: frozenset[str] = frozenset()
    # defaultTypeMerge without assertions: both wrapped null and both
    # payloads null is the type, else a merged wrapped, else a merged payload
    # (libs before 2024-11)
    type_merge_unasserted: bool = False
    # defaultTypeMerge as nixeval's embedded lib has it: no assertions, a
    # payload first, then a wrapped type (its throw's lines without blank ones)
    type_merge_payload_first: bool = False
    # defaultTypeMerge's throw for a functor with both says to remove
    # `functor.payload`, and reads no wrappedDeprecationMessage (2024-11)
    type_merge_remove_payload_message: bool = False
    # mkOptionType gives a functor with wrappedDeprecationMessage a `wrapped`
    # that warns (2025-02; before, the functor is as the type gave it)
    functor_wrapped_warns: bool = False
    # the wrapped deprecation message always names an option (before 2025-02
    # it did not take a null location)
    wrapped_message_names_option: bool = False
    # mergeOptionDecls gives merged types no deprecated `wrapped` (before 2024-12)
    decls_without_deprecated_wrapped: bool = False
    # value types' payloads are the bare value: enum's list of values,
    # separatedString's separator (before 2024-12; then `{ values }`, `{ sep }`)
    bare_value_payloads: bool = False
    # strMatching has the default functor of its whole name (before 2024-12)
    str_matching_default_functor: bool = False
    # path and pathInStore are plain types, not pathWith (before 2025-02)
    paths_without_path_with: bool = False
    # coercedTo's typeMerge takes two arguments (it gives a function, which
    # mergeOptionDecls takes for a merged type; before 2024-10)
    coerced_to_binary_type_merge: bool = False
    # functionTo merges to a plain function, without `__functionArgs` (before 2025-03)
    function_to_plain_merge: bool = False
    # attrsWith's functor is defaultFunctor's with a payload and a deprecation
    # message naming the option (2024-12)
    attrs_with_default_functor: bool = False
    # uniq is a type of its own, merged by mergeOneOption (before 2024-02)
    uniq_own_type: bool = False
    # nonEmptyListOf's substSubModules is listOf's (before 2024-02)
    non_empty_list_of_list_subst: bool = False


# the marker of each feature: a pattern in one of the lib's files, whose
# absence marks the features named with a leading "!"
_MARKERS: dict[str, tuple[str, str]] = {
    "option_suggestions": ("modules.nix", r"levenshteinAtMost\s+2\s+invalidOptionName"),
    "empty_value_default": ("modules.nix", r"else\s+if\s+type\.emptyValue\s*\?\s*value\s+then"),
    "open_submodule_description": ("types.nix", r'"open \$\{name\} of \$\{'),
    "submodule_empty_value_config": ("types.nix",
                                     r"emptyValue\s*=\s*\{\s*value\s*=\s*base\.config;"),
    "push_down_keeps_non_sets": ("modules.nix", r"mapAttrsIfAttrs\s+\(n:\s+v:\s+mkIf"),
    "module_graph": ("modules.nix", r"inherit\s+\(doCollect\s+\{\s*\}\)\s+graph;"),
    "prefix_module_argument": ("modules.nix", r"_prefix\s*=\s*prefix;"),
    "config_argument_hint": ("modules.nix", r"if you get an infinite recursion here, you probably "
                             r"reference `config` in `imports`"),
    "used_but_not_defined_message": ("modules.nix", r"' is used but not defined\.\""),
    "class_mismatch_plain_message": ("modules.nix", r"was imported into \$\{class\} instead of"),
    "could_not_load_message": ("modules.nix", r'"Could not load a value as a module, because'),
    "anything_single_list": ("types.nix", r"Safe and deterministic behavior for lists is to "
                             r"only accept one definition"),
    "type_merge_wrapped_optional": ("types.nix", r"hasWrappedNonNull\s*=\s*set:"),
    "singleton_overrides_lazy": ("modules.nix", r"if\s+length\s+defs\s*==\s*1\s+then\s*\{\s*"
                                 r"values\s*=\s*map\s+strip\s+defs;"),
    "!functor_without_wrapped": ("types.nix", r"\bwrapped\s*="),
    "type_merge_unasserted": ("types.nix", r"else\s+if\s+\(f\.wrapped\s*==\s*null\s*&&\s*"
                              r"f'\.wrapped\s*==\s*null\)"),
    "type_merge_payload_first": ("types.nix", r"else\s+if\s+f\.payload\s*!=\s*null\s+then\s+"
                                 r"if\s+!\(f\s*\?\s*wrappedDeprecationMessage\)"),
    "type_merge_remove_payload_message": ("types.nix", r"If your code worked before remove "
                                          r"`functor\.payload` from the type definition\."),
    "functor_wrapped_warns": ("types.nix", r"wrapped\s*=\s*functor\.wrappedDeprecationMessage"),
    "wrapped_message_names_option": ("types.nix", r"The deprecated `type\.functor\.wrapped` "
                                     r"attribute of the option `\$\{showOption loc\}`"),
    "decls_without_deprecated_wrapped": ("modules.nix", r"typeSet\s*=\s*if\s+\(bothHave\s+"
                                         r"\"type\"\)\s*&&\s*typesMergeable"),
    "bare_value_payloads": ("types.nix", r"payload\s*=\s*sep;"),
    "coerced_to_binary_type_merge": ("types.nix", r"typeMerge\s*=\s*t1:\s*t2:\s*null;"),
    "function_to_plain_merge": ("types.nix", r"fnArgs:\s*\(mergeDefinitions\s+\(loc\s*\+\+\s*"
                                r"\[\s*\"<function body>\"\s*\]\)"),
    "attrs_with_default_functor": ("types.nix", r'functor\s*=\s*defaultFunctor\s+"attrsWith"\s*//'),
    "uniq_own_type": ("types.nix", r"uniq\s*=\s*elemType:\s*mkOptionType"),

    "!plain_separated_string_description": ("types.nix", r'"Concatenated string"'),
}

# the compound types whose functor may carry `wrapped`, and the type whose
# definition in types.nix says so
_WRAPPING = {"listOf": "listOf", "nonEmptyListOf": "listOf", "attrsOf": "attrsOf",
             "lazyAttrsOf": "lazyAttrsOf", "nullOr": "nullOr", "functionTo": "functionTo",
             "unique": "unique", "uniq": "unique", "either": "either", "coercedTo": "coercedTo"}
_WRAPPED = re.compile(r"\bwrapped\s*=")

_cache: dict[str, Features] = {}


def definition(text: str, name: str) -> str:
    """The text of the definition ``name = …`` in a types.nix: its first
    line and those after it indented deeper (and the closing one)."""
    m = re.search(rf"^([ \t]*){re.escape(name)}\s*=", text, re.M)
    if m is None:
        return ""
    indent = len(m.group(1))
    lines = text[m.start():].split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip()) <= indent:
            if stripped[0] in "})];":
                out.append(line)
            break
        out.append(line)
    return "\n".join(out)


def _wrapped_functors(types_text: str) -> frozenset[str]:
    own = {name for name in set(_WRAPPING.values())
           if _WRAPPED.search(definition(types_text, name))}
    return frozenset(name for name, by in _WRAPPING.items() if by in own)


def _text(folder: str, name: str) -> str:
    try:
        return read_bytes(os.path.join(folder, name)).decode("utf-8", "replace")
    except OSError:
        return ""


def of(folder: str) -> Features:
    """The features of the lib whose module-system files are in ``folder``."""
    hit = _cache.get(folder)
    if hit is None:
        texts: dict[str, str] = {}
        found = {}
        for feature, (name, pattern) in _MARKERS.items():
            text = texts.setdefault(name, _text(folder, name))
            present = re.search(pattern, text) is not None
            found[feature.lstrip("!")] = present != feature.startswith("!")
        types_text = texts.setdefault("types.nix", _text(folder, "types.nix"))
        found["wrapped_functors"] = _wrapped_functors(types_text)
        str_matching = definition(types_text, "strMatching")
        found["str_matching_default_functor"] = bool(str_matching) \
            and "functor" not in str_matching
        non_empty = definition(types_text, "nonEmptyListOf")
        found["non_empty_list_of_list_subst"] = bool(non_empty) \
            and "substSubModules" not in non_empty
        found["paths_without_path_with"] = bool(definition(types_text, "path")) \
            and not definition(types_text, "pathWith")
        hit = _cache[folder] = Features(**found)
    return hit


def forget(folders: set[str]) -> None:
    """Read again the libs in ``folders``, whose files changed."""
    for folder in folders:
        _cache.pop(folder, None)
