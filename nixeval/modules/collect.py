"""Collecting modules: loading, normalising, imports, ``disabledModules``.

The behaviour of nixpkgs lib's ``collectModules``/``unifyModuleSyntax``/
``applyModuleArgs``: a module is a path, a function or a set; functions get
``config``, ``options``, ``lib``, ``specialArgs`` and the arguments they name
from ``_module.args`` (lazily); imports are followed depth-first; the result
is every module not disabled, unique by key, in the breadth-first order of
``builtins.genericClosure``.
"""

from __future__ import annotations

from typing import Any

from .. import readlog
from ..eval.errors import NixError
from ..eval.ops import coerce_to_string, force_list
from ..eval.values import (
    Attrs,
    ContextStr,
    Lambda,
    NixPath,
    force,
    type_name,
)
from .nix import Lib, has, lazy, select, throw

UNKNOWN_MODULE = "<unknown-file>"

_CONFIG_KEYS = ("_class", "_file", "key", "disabledModules", "imports", "options", "config",
                "meta", "freeformType")
_SHORTHAND_DROP = ("_class", "_file", "key", "disabledModules", "require", "imports",
                   "freeformType")


class Module:
    """A module in lib's canonical form; fields are Nix values, lazy as in lib."""

    __slots__ = ("cls", "config", "disabled", "file", "imports", "key", "options")

    def __init__(self, file: Any, cls: Any, key: Any, disabled: Any, imports: Any,
                 options: Any, config: Any) -> None:
        self.file = file
        self.cls = cls
        self.key = key
        self.disabled = disabled
        self.imports = imports
        self.options = options
        self.config = config


def to_string(state: Any, v: Any) -> str:
    """``toString v`` (paths stay paths: nothing is copied)."""
    return coerce_to_string(state, v, None, "", coerce_more=True, copy_to_store=False)


def _mk_merge(contents: list[Any]) -> Attrs:
    return Attrs({"_type": "merge", "contents": contents})


def unify(lib: Lib, file: Any, key: Any, m: Any) -> Module:
    """``unifyModuleSyntax file key m``."""
    state = lib.state
    v = force(m)
    is_set = type(v) is Attrs

    def add_freeform(config: Any) -> Any:
        if "freeformType" in v.vals:
            freeform = Attrs({"freeformType": v.vals["freeformType"]})
            return _mk_merge([config, Attrs({"_module": freeform})])
        return config

    def str_or(name: str, default: Any) -> Any:
        return lazy(lambda: to_string(state, v.vals[name]) if name in v.vals else force(default))

    if is_set and ("config" in v.vals or "options" in v.vals):
        bad = sorted(n for n in v.vals if n not in _CONFIG_KEYS)
        if bad:
            key_text = to_string(state, key)
            raise throw(
                f"Module `{key_text}' has an unsupported attribute `{bad[0]}'. This is caused by "
                "introducing a top-level `config' or `options' attribute. Add configuration "
                "attributes immediately on the top level instead, or move all of them (namely: "
                f"{' '.join(bad)}) into the explicit `config' attribute.")

        def config() -> Any:
            cfg = v.vals.get("config", Attrs({}))
            if "meta" in v.vals:
                cfg = _mk_merge([cfg, Attrs({"meta": v.vals["meta"]})])
            return force(add_freeform(cfg))

        return Module(str_or("_file", file), v.vals.get("_class"), str_or("key", key),
                      v.vals.get("disabledModules", []), v.vals.get("imports", []),
                      v.vals.get("options", Attrs({})), lazy(config))
    if not is_set:
        raise throw(f"module {to_string(state, file)} ({to_string(state, key)}) "
                    "does not look like a module.")

    def imports() -> list[Any]:
        return force_list(v.vals.get("require", [])) + force_list(v.vals.get("imports", []))

    def shorthand_config() -> Any:
        rest = Attrs({n: x for n, x in v.vals.items() if n not in _SHORTHAND_DROP}, v.pos)
        return force(add_freeform(rest))

    return Module(str_or("_file", file), v.vals.get("_class"), str_or("key", key),
                  v.vals.get("disabledModules", []), lazy(imports), Attrs({}),
                  lazy(shorthand_config))


def apply_module_args(lib: Lib, key: str, f: Any, args: Attrs) -> Any:
    """``applyModuleArgs key f args``: call a module function with the
    arguments it names, each looked up lazily in ``args`` or
    ``config._module.args``."""
    fv = force(f)
    if type(fv) is Lambda:
        fc = fv.fn
        names = [] if fc.formals is None else [name for name, _ in fc.formals]
    else:
        names = list(lib.function_args(fv).vals)
    if not names:
        return lib.state.call(fv, args)
    vals = dict(args.vals)
    config = args.vals["config"]
    for name in names:
        vals[name] = lazy(_module_arg, name, key, args, config)
    return lib.state.call(fv, Attrs(vals))


def _module_arg(name: str, key: str, args: Attrs, config: Any) -> Any:
    try:
        if name in args.vals:
            return force(args.vals[name])
        cfg = force(config)
        margs = _select(_select(cfg, "_module"), "args")
        return force(_select(margs, name))
    except NixError as e:
        e.add_trace(f'while evaluating the module argument `{name}\' in "{key}":', None, True)
        raise


def _select(v: Any, name: str) -> Any:
    return force(select(v, name))


class Collector:
    """One ``collectModules class modulesPath modules args``."""

    def __init__(self, lib: Lib, cls: Any, args: Attrs) -> None:
        self.lib = lib
        self.cls = cls  # forced: None or a string
        self.args = args
        # what the last ``collect`` found, for ``graph``
        self.entries: list = []
        self.disabled_keys: list[str] = []

    # loadModule ----------------------------------------------------------
    def load(self, fallback_file: Any, fallback_key: str, m: Any) -> Module:
        lib = self.lib
        state = lib.state
        if lib.is_function(m):
            return unify(lib, fallback_file, fallback_key,
                         apply_module_args(lib, fallback_key, m, self.args))
        v = force(m)
        t = type(v)
        if t is Attrs:
            tag = force(v.vals["_type"]) if "_type" in v.vals else "module"
            if tag == "module":
                return unify(lib, fallback_file, fallback_key, v)
            if tag in ("if", "override"):
                return self.load(fallback_file, fallback_key, Attrs({"config": v}))
            if lib.features.could_not_load_message:
                raise throw(could_not_load(state, fallback_file, tag))
            raise throw(not_a_module(lib, fallback_file, tag, self.cls,
                                     self.args.vals.get("_prefix")))
        if t is list:
            defs = [Attrs({"file": fallback_file, "value": m})]
            raise throw("Module imports can't be nested lists. Perhaps you meant to remove one "
                        f"level of lists? Definitions: {lib.show_defs(defs)}")
        path = to_string(state, v)
        before = readlog.loading_module(path)
        try:
            imported = state.call(state.base_env["import"], m)
        finally:
            readlog.loaded(before)
        if lib.is_function(imported):
            imported = apply_module_args(lib, path, imported, self.args)
        return unify(lib, path, path, imported)

    def check_class(self, m: Module) -> Module:
        if self.cls is None:
            return m
        mcls = force(m.cls)
        if mcls is None or mcls == self.cls:
            return m
        if self.lib.features.class_mismatch_plain_message:
            name = to_string(self.lib.state, force(m.file))
            raise throw(f"The module {name} was imported into {self.cls} instead of "
                        f"{to_string(self.lib.state, mcls)}.")
        escape = self.lib.get("strings", "escapeNixString")
        call = self.lib.state.call
        shown = force(call(escape, mcls))
        want = force(call(escape, self.cls))
        name = force(m.file) if m.file is not None else force(m.key)
        raise throw(
            f"The module `{to_string(self.lib.state, name)}` (class: {shown}) cannot be imported "
            f"into a module evaluation that expects class {want}.\n\nHelp:\n"
            "- Ensure that you are importing the correct module.\n"
            f"- Verify that the module's `_class`, {shown} matches the expected `class` {want}.\n"
            "- If you are using a custom class, make sure it is correctly defined and used "
            "consistently across your modules.\n")

    # collectStructuredModules ----------------------------------------------
    def structure(self, parent_file: Any, parent_key: str, modules: Any) -> tuple[list, list]:
        """Entries ``(key, module, children)`` and the ``(file, disabled)`` list."""
        entries = []
        disabled: list[tuple[Any, Any]] = []
        for n, x in enumerate(force_list(modules), 1):
            module = self.check_class(self.load(parent_file, f"{parent_key}:anon-{n}", x))
            key = force(module.key)
            children, child_disabled = self.structure(module.file, key, module.imports)
            if force_list(module.disabled):
                disabled.append((module.file, module.disabled))
            disabled.extend(child_disabled)
            entries.append((key, module, children))
        return entries, disabled

    def collect(self, modules_path: Any, modules: Any) -> list[Module]:
        entries, disabled = self.structure(UNKNOWN_MODULE, "", modules)
        disabled_keys = [self.disabled_key(modules_path, file, m)
                         for file, items in disabled for m in force_list(items)]
        self.entries, self.disabled_keys = entries, disabled_keys

        def keep(es: list) -> list:
            return [e for e in es if e[0] not in disabled_keys]

        # builtins.genericClosure: breadth-first, first of each key
        seen: set[str] = set()
        out: list[Module] = []
        work = keep(entries)
        i = 0
        while i < len(work):
            key, module, children = work[i]
            i += 1
            if key in seen:
                continue
            seen.add(key)
            out.append(module)
            work.extend(keep(children))
        return out

    def graph(self) -> list[Attrs]:
        """lib's ``graph``: every module collected, as its imports nest, each
        with its key, file and whether it is disabled (the lib's own module
        left out)."""
        def node(entry: tuple) -> Attrs:
            key, module, children = entry
            return Attrs({"key": key, "file": module.file, "disabled": key in self.disabled_keys,
                          "imports": [node(c) for c in children]})

        return [node(e) for e in self.entries if e[0] != "lib/modules.nix"]

    def disabled_key(self, modules_path: Any, file: Any, m: Any) -> str:
        state = self.lib.state
        v = force(m)
        t = type(v)
        if t is str or t is ContextStr:
            return v if v[:1] == "/" else to_string(state, modules_path) + "/" + v
        if _convertible(v):
            if has(v, "key"):
                key = force(v.vals["key"])
                text = to_string(state, v)
                if key != text:
                    raise throw(
                        f"Module `{to_string(state, file)}` contains a disabledModules item that "
                        "is an attribute set that can be converted to a string "
                        f"({text}) but also has a `.key` attribute ({to_string(state, key)}) with "
                        "a different value. This makes it ambiguous which module should be "
                        "disabled.")
            return to_string(state, v)
        if has(v, "key"):
            return force(v.vals["key"])
        if t is Attrs:
            raise throw(
                f"Module `{to_string(state, file)}` contains a disabledModules item that is an "
                "attribute set, presumably a module, that does not have a `key` attribute. This "
                "means that the module system doesn't have any means to identify the module that "
                "should be disabled. Make sure that you've put the correct value in "
                "disabledModules: a string path relative to modulesPath, a path value, or an "
                "attribute set with a `key` attribute.")
        raise throw(
            "Each disabledModules item must be a path, string, or a attribute set with a key "
            "attribute, or a value supported by toString. However, one of the disabledModules "
            f"items in `{to_string(state, file)}` is none of that, but is of type {type_name(v)}.")


def _convertible(v: Any) -> bool:
    """lib.strings.isConvertibleWithToString."""
    t = type(v)
    if t in (str, ContextStr, NixPath, int, float, bool) or v is None:
        return True
    if t is Attrs:
        return "outPath" in v.vals or "__toString" in v.vals
    if t is list:
        return all(_convertible(force(x)) for x in v)
    return False


def could_not_load(state: Any, fallback_file: Any, tag: Any) -> str:
    """The message of libs before ``messages.not_a_module`` (2024)."""
    from ..eval.printer import show_value

    ff = force(fallback_file)
    text = f"Could not load a value as a module, because it is of type {show_value(tag)}"
    if ff != UNKNOWN_MODULE:
        text += f", in file {to_string(state, ff)}."
    if tag == "configuration":
        text += (" If you do intend to import this configuration, please only import the modules "
                 "that make up the configuration. You may have to create a `let` binding, file or "
                 "attribute to give yourself access to the relevant modules.\nWhile loading a "
                 "configuration into the module system is a very sensible idea, it can not be "
                 "done cleanly in practice.")
    return text


def not_a_module(lib: Lib, fallback_file: Any, tag: Any, expected_class: Any,
                 prefix: Any) -> str:
    """lib's ``messages.not_a_module`` (``prefix``: the module argument
    ``_prefix`` of libs that have it)."""
    from ..eval.printer import show_value

    state = lib.state

    esc = "\x1b"

    def warn(s: str) -> str:
        return f"{esc}[1;35m{s}{esc}[0m"

    def good(s: str) -> str:
        return f"{esc}[1;32m{s}{esc}[0m"

    def code(s: str) -> str:
        return f"{esc}[1m{s}{esc}[0m"

    ff = force(fallback_file)
    where = (f", while trying to load a module into {to_string(state, ff)}"
             if ff is not None and ff != UNKNOWN_MODULE else "")
    if prefix is not None and force_list(prefix):
        where += f", while trying to load a module into {code(lib.show_option(prefix))}"
    shown_tag = show_value(tag) if isinstance(tag, str) else str(tag)
    adding = "adding it to the" if lib.features.prefix_module_argument else "adding it the"
    paragraphs = [
        f"Expected a module, but found a value of type {warn(shown_tag)}{where}.\n"
        f"A module is typically loaded by {adding} {code('imports = [ ... ];')} attribute of "
        f"an existing module, or in the {code('modules = [ ... ];')} argument of various "
        "functions.\nPlease make sure that each of the list items is a module, and not a "
        "different kind of value."]
    if tag == "configuration":
        paragraphs.append(
            "If you really mean to import this configuration, instead please only import the "
            "modules that make up the configuration.\nYou may have to create a `let` binding, file "
            "or attribute to give yourself access to the relevant modules.\nWhile loading a "
            "configuration into the module system is a very sensible idea, it can not be done "
            "cleanly in practice.")
    elif tag == "flake":
        suffix = (".modules.someApp.default" if expected_class is None
                  else f".modules.{expected_class}.default")
        lines = ["Perhaps you forgot to select an attribute name?\nInstead of, for example,\n"
                 f"    {warn('inputs.someflake')}\nyou need to write something like\n"
                 f"    {warn('inputs.someflake')}{good(suffix)}"]
        alt = {"nixos": ".nixosModules.default", "darwin": ".darwinModules.default"}
        if isinstance(expected_class, str) and expected_class in alt:
            lines.append(f"or\n    {warn('inputs.someflake')}{good(alt[expected_class])}")
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)

