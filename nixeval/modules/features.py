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
    "!plain_separated_string_description": ("types.nix", r'"Concatenated string"'),
}

_cache: dict[str, Features] = {}


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
        hit = _cache[folder] = Features(**found)
    return hit


def forget(folders: set[str]) -> None:
    """Read again the libs in ``folders``, whose files changed."""
    for folder in folders:
        _cache.pop(folder, None)
