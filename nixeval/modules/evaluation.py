"""``evalModules``, natively: nixpkgs lib's algorithm and laziness, with
provenance kept for every definition and the option dependency graph
recorded as option values are computed.

An ``Evaluation`` is one call of ``evalModules``; ``Level`` is lib's
``mergeModules'`` for one attribute path; ``OptionRecord`` is what front ends
read about an evaluated option.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import readlog
from ..eval.errors import InfiniteRecursion, NixError, levenshtein
from ..eval.ops import force_list
from ..eval.values import (
    Attrs,
    Kept,
    Lambda,
    PrimOp,
    Thunk,
    force,
    ready,
    retrace,
    traced,
    type_error,
    type_name,
)
from ..readlog import Span
from .collect import Collector, Module, to_string
from .declarations import Decl, fixup_option_type, merge_option_decls
from .definitions import Def, Merge
from .graph import Graph, Loc, watched
from .nix import Lib, formals, lazy, throw
from .properties import push_down

_EVAL_MODULES_ARGS = ("modules", "prefix", "specialArgs", "class", "args", "check")


class OptionRecord:
    """An evaluated option, for front ends: its path, merged declaration
    (lib's option set) and the merge of its definitions (once computed)."""

    __slots__ = ("decl", "defs", "loc", "merge")

    def __init__(self, loc: Loc, decl: Attrs, defs: list[Def]) -> None:
        self.loc = loc
        self.decl = decl
        self.defs = defs  # in lib's order (modules reversed), the default first
        self.merge: Merge | None = None


class Level:
    """``mergeModules' prefix modules configs``: the options and definitions
    under one attribute path, each name's result computed when needed."""

    def __init__(self, ev: Evaluation, prefix: list[Any], loc: Loc, modules: list[Any],
                 configs: Callable[[], list[tuple[Any, Any]]]) -> None:
        self.ev = ev
        self.prefix = prefix  # lib's loc (a Nix list of strings)
        self.loc = loc
        self.modules = modules  # Modules or Decls: `.file` and `.options`
        # (file, config set) pairs, properties pushed down: listed when first
        # needed, since pushing down may read `options`, which this level makes
        self._configs = configs
        # the declarations, configurations, definitions and each name's result
        self._kept = Kept()

    @property
    def decls(self) -> dict[str, list[Decl]]:
        return self._kept.get_or_compute("decls", self._declarations)

    def _declarations(self) -> dict[str, list[Decl]]:
        by: dict[str, list[Decl]] = {}
        for m in self.modules:
                sub = force(m.options)
                if type(sub) is not Attrs:
                    raise throw(
                        f"An option declaration for `{'.'.join(map(str, self.loc))}' has type\n"
                        f"`{type_name(sub)}' rather than an attribute set.\n"
                        "Did you mean to define this outside of `options'?\n")
                for name in sub.vals:
                    by.setdefault(name, []).append(Decl.of(m.file, sub, name))
        return by

    @property
    def configs(self) -> list[tuple[Any, Any]]:
        return self._kept.get_or_compute("configs", self._configs)

    @property
    def raw(self) -> dict[str, list[Def]]:
        return self._kept.get_or_compute("raw", self._definitions)

    def _definitions(self) -> dict[str, list[Def]]:
        by: dict[str, list[Def]] = {}
        for file, config in self.configs:
                c = force(config)
                if type(c) is not Attrs:
                    where = ".".join(map(str, self.loc))
                    raise throw(
                        f"In module `{to_string(self.ev.lib.state, file)}', you're trying to "
                        f"define a value of type `{type_name(c)}'\nrather than an attribute set "
                        f"for the option\n`{where}'!\n\nThis usually happens if `{where}' has "
                        "option\ndefinitions inside that are not matched. Please check how to "
                        "properly define\nthis option by e.g. referring to `man 5 "
                        "configuration.nix'!\n")
                pos = c.pos or {}
                for name, value in c.vals.items():
                    by.setdefault(name, []).append(Def(file, value, pos.get(name)))
        return by

    def pushed(self, name: str) -> list[tuple[Any, Any]]:
        keep = self.ev.lib.features.push_down_keeps_non_sets
        return [(d.file, c) for d in self.raw.get(name, ()) for c in push_down(d.value, keep)]

    def result(self, name: str) -> tuple[Any, Any]:
        """(matched option or option set, unmatched definitions) for ``name``."""
        return self._kept.get_or_compute(("result", name), self._result, name)

    def _result(self, name: str) -> tuple[Any, Any]:
        ev = self.ev
        lib = ev.lib
        decls = self.decls[name]
        loc = [*self.prefix, name]
        loc_t = (*self.loc, name)
        option_decls = [d for d in decls if _is_option_decl(lib, loc, d)]
        if len(option_decls) == len(decls):
            return ev.option(loc, loc_t, decls, lambda: self.raw.get(name, [])), []
        if option_decls:
            if all(_type_name_of(d) == "submodule" for d in option_decls):
                trees = [_tree_to_option(lib, d) for d in decls]
                return ev.option(loc, loc_t, trees, lambda: self.raw.get(name, [])), []
            head = option_decls[0]
            desc = _description_of(head)
            others = sorted(
                f" - option(s) with prefix `{lib.show_option([*loc, p])}' in module "
                f"`{to_string(lib.state, d.file)}'"
                for d in decls if not _is_option(d.options) for p in force(d.options).vals)
            raise throw(
                f"The option `{lib.show_option(loc)}' in module "
                f"`{to_string(lib.state, head.file)}' would be a parent of the following "
                f"options, but its type `{desc}' does not support nested options.\n"
                + "\n".join(others))
        sub = Level(ev, loc, loc_t, decls, lambda: self.pushed(name))
        return lazy(sub.matched), lazy(sub.unmatched)

    def matched(self) -> Attrs:
        """``matchedOptions``: a set of options and option sets."""
        return Attrs({name: lazy(self._matched_one, name) for name in self.decls})

    def _matched_one(self, name: str) -> Any:
        return force(self.result(name)[0])

    def unmatched(self) -> list[Unmatched]:
        """``unmatchedDefns``, in lib's order (by name)."""
        if not self.configs:
            return []
        from ..eval.values import sorted_names

        decls = self.decls
        names = set(decls) | set(self.raw)
        out: list[Unmatched] = []
        for name in sorted_names(names):
            if name in decls:
                for u in force(self.result(name)[1]):
                    out.append(Unmatched(u.file, u.value, (name, *u.prefix), u.pos))
            else:
                for d in self.raw[name]:
                    out.append(Unmatched(d.file, d.value, (name,), d.pos))
        return out


class Unmatched:
    """A definition no option declares (lib adds its ``prefix``)."""

    __slots__ = ("file", "pos", "prefix", "value")

    def __init__(self, file: Any, value: Any, prefix: tuple[str, ...], pos: Any) -> None:
        self.file = file
        self.value = value
        self.prefix = prefix
        self.pos = pos

    def to_nix(self) -> Attrs:
        return Attrs({"file": self.file, "value": self.value, "prefix": list(self.prefix)})


def _is_option(v: Any) -> bool:
    v = force(v)
    return type(v) is Attrs and "_type" in v.vals and force(v.vals["_type"]) == "option"


def _is_option_decl(lib: Lib, loc: list[Any], d: Decl) -> bool:
    o = force(d.options)
    if type(o) is not Attrs or "_type" not in o.vals:
        return False
    tag = force(o.vals["_type"])
    if tag == "option":
        return True
    raise _declaration_type_error(lib, loc, tag, d.file)


def _declaration_type_error(lib: Lib, loc: list[Any], tag: Any, file: Any) -> NixError:
    state = lib.state
    name = force(state.call(lib.get("strings", "escapeNixIdentifier"), loc[-1]))
    path = lib.show_option(loc)
    paragraphs = [f"In module {to_string(state, file)}: expected an option declaration at option "
                  f"path `{path}` but got an attribute set with type {to_string(state, tag)}"]
    if tag == "option-type":
        comment = f"\n    # {path}" if len(loc) > 1 else ""
        paragraphs.append(
            "When declaring an option, you must wrap the type in a `mkOption` call. It should "
            f"look somewhat like:\n    {comment}\n    {name} = lib.mkOption {{\n"
            f"      description = ...;\n      type = <the type you wrote for {name}>;\n"
            "      ...\n    };\n")
    return throw("\n\n".join(paragraphs))


def _type_name_of(d: Decl) -> Any:
    """``x.options.type.name or null``."""
    o = force(d.options)
    t = force(o.vals["type"]) if "type" in o.vals else None
    if type(t) is Attrs and "name" in t.vals:
        return force(t.vals["name"])
    return None


def _description_of(d: Decl) -> Any:
    o = force(d.options)
    t = force(o.vals["type"]) if "type" in o.vals else None
    if type(t) is Attrs and "description" in t.vals:
        return force(t.vals["description"])
    return "<no description>"


def _tree_to_option(lib: Lib, d: Decl) -> Decl:
    """An option set declared beside a submodule option becomes a submodule."""
    if _is_option(d.options):
        return d
    submodule = lib.call(("types", "submoduleWith"), Attrs({
        "modules": [Attrs({"options": d.options})], "shorthandOnlyDefinesConfig": None}))
    option = lib.call(("options", "mkOption"), Attrs({"type": submodule}))
    return Decl(d.file, d.pos, option)


class Evaluation:
    """One ``evalModules`` call."""

    def __init__(self, lib: Lib, args: Attrs, graph: Graph) -> None:
        self.lib = lib
        self.args = args
        self.graph = graph
        # lib checks for undeclared definitions before it gives config or
        # options; a caller that knows the verdict from an earlier evaluation
        # of the same modules takes the check over (``take_check``)
        self.check_deferred = graph.defer_check and not graph.created
        graph.defer_check = False
        graph.created.append(self)
        self.records: dict[Loc, OptionRecord] = {}
        vals = args.vals
        self.prefix_v = vals.get("prefix", [])
        self.special = vals.get("specialArgs", Attrs({}))
        self.cls = vals.get("class")
        self.options_t = lazy(self._options)
        self.config_t = lazy(self._config)
        self._merged: Level | None = None
        self._merged_reads: Span | None = None
        self.collector: Collector | None = None  # set with ``merged``
        self._check = lazy(self._check_unmatched)
        self.type_t = lazy(lambda: lib.call(("types", "submoduleWith"), Attrs({
            "modules": vals["modules"], "specialArgs": self.special, "class": self.cls})))

    # the module list -------------------------------------------------------
    def regular_modules(self) -> list[Any]:
        vals = self.args.vals
        modules = list(force_list(vals["modules"]))
        if "args" in vals:
            modules.append(Attrs({"config": Attrs({"_module": Attrs({"args": vals["args"]})})}))
        if "check" in vals:
            check = Attrs({"_type": "override", "priority": 1000, "content": vals["check"]})
            modules.append(Attrs({"config": Attrs({"_module": Attrs({"check": check})})}))
        return modules

    def internal_module(self) -> Any:
        """The lib's own ``internalModule`` for this call (lib_source.py),
        given the arguments of this call its ``evalModules`` takes."""
        call = self.lib.state.call
        native = Attrs({"extendModules": self.extend_modules_fn(), "type": self.type_t})
        fn = force(call(self.lib.internal_module, native))
        args = self.args
        if type(fn) is Lambda and fn.fn.formals is not None and not fn.fn.ellipsis:
            args = Attrs({k: v for k, v in args.vals.items() if k in fn.fn.formal_names})
        return call(fn, args)

    @property
    def merged(self) -> Level:
        if self._merged is None:
            self._merged, self._merged_reads = traced(self._collected)
        else:
            retrace(self._merged_reads)
        return self._merged

    def _collected(self) -> Level:
        special = force(self.special)
        if type(special) is not Attrs:
            raise type_error("a set", special)
        features = self.lib.features
        args = {"lib": self.lib.value, "options": self.options_t, "config": self.config_t,
                "specialArgs": self.special, "_class": self.cls}
        if features.prefix_module_argument:
            args["_prefix"] = self.prefix_v
        if features.config_argument_hint:
            args["config"] = lazy(self._config_argument)
        args.update(special.vals)
        collector = self.collector = Collector(self.lib, force(self.cls), Attrs(args))
        modules_path = special.vals.get("modulesPath", "")
        collected = collector.collect(
            modules_path, [*self.regular_modules(), self.internal_module()])
        collected.reverse()
        prefix = force_list(self.prefix_v)
        loc = tuple(to_string(self.lib.state, p) for p in prefix)
        return Level(self, prefix, loc, collected, lambda: _module_configs(
            collected, self.lib.features.push_down_keeps_non_sets))

    def _options(self) -> Attrs:
        return self.merged.matched()

    # options ---------------------------------------------------------------
    def option(self, loc: list[Any], loc_t: Loc, decls: list[Decl], defs: Any) -> Any:
        """lib's ``evalOptionValue loc (fixupOptionType loc (mergeOptionDecls loc decls)) defs``,
        computed when the option set is first needed."""
        return lazy(self._option, loc, loc_t, decls, defs)

    def _option(self, loc: list[Any], loc_t: Loc, decls: list[Decl], defs: Any) -> Attrs:
        lib = self.lib
        opt = fixup_option_type(lib, loc, merge_option_decls(lib, loc, decls))
        return self.option_value(loc, loc_t, opt, list(defs()))

    def option_value(self, loc: list[Any], loc_t: Loc | None, opt: Attrs,
                     defs: list[Def]) -> Attrs:
        """``evalOptionValue loc opt defs``."""
        lib = self.lib
        ov = opt.vals
        if "default" in ov:
            default = Def(Thunk(_first_declaration, ov),
                          Attrs({"_type": "override", "priority": 1500, "content": ov["default"]}))
            defs = [default, *defs]
        record = OptionRecord(loc_t, opt, defs) if loc_t is not None else None
        if record is not None:
            self.records[loc_t] = record
            self.graph.records.setdefault(loc_t, record)
        p = _OptionParts(self, loc, loc_t, ov, defs, record)
        t = force(ov["type"])
        if type(t) is not Attrs:  # what an old coercedTo's typeMerge gives: a function
            from ..eval.values import type_error

            raise type_error("a set", t)
        # a type of a lib from before deprecationMessage (2018) has none
        message = force(t.vals.get("deprecationMessage"))
        if message is not None:
            lib.warn(f"The type `types.{to_string(lib.state, t.vals['name'])}' of option "
                     f"`{lib.show_option(loc)}' defined in "
                     f"{lib.show_files(ov['declarations'])} is deprecated. "
                     f"{to_string(lib.state, message)}")
        value_t = Thunk(_traced_value, p)
        if loc_t is not None:
            self.graph.owner[id(value_t)] = loc_t
        vals = dict(ov)
        vals.update({
            "value": value_t,
            "highestPrio": Thunk(_highest_prio, p),
            "definitions": Thunk(_definitions, p),
            "files": Thunk(_files, p),
            "definitionsWithLocations": Thunk(_definitions_with_locations, p),
            "isDefined": Thunk(_is_defined, p),
            "__toString": PrimOp("__toString", 1, p.show, lambda_like=True),
        })
        if lib.merge_v2:
            vals["valueMeta"] = Thunk(_value_meta, p)
        return Attrs(vals, opt.pos)

    # config ----------------------------------------------------------------
    def config_node(self, matched: Attrs, loc: Loc) -> Attrs:
        """lib's ``mapAttrsRecursiveCond (v: !isOption v) (_: v: v.value)``, one level."""
        owner = self.graph.owner
        vals = {}
        for name, v in matched.vals.items():
            t = lazy(self._config_entry, v, (*loc, name))
            owner[id(t)] = (*loc, name)
            vals[name] = t
        return Attrs(watched(self.graph, loc, vals), matched.pos)

    def _config_entry(self, v: Any, loc: Loc) -> Any:
        v = force(v)
        if type(v) is Attrs and not _is_option(v):
            return self.config_node(v, loc)
        if type(v) is not Attrs or "value" not in v.vals:
            from ..eval.compiler import _missing

            raise _missing(v, "value") if type(v) is Attrs else type_error("a set", v)
        return force(v.vals["value"])

    def _config_argument(self) -> Attrs:
        """The modules' ``config`` argument, with lib's hint for a recursion
        through it."""
        try:
            return force(self.config_t)
        except NixError as e:
            e.add_trace(CONFIG_HINT, None, True)
            raise

    def _declared_config(self) -> Attrs:
        return self.config_node(force(self.options_t), self.merged.loc)

    def _config(self) -> Attrs:
        declared = self._declared_config()
        freeform = _freeform_type(declared)
        if freeform is None:
            return declared
        unmatched = self.merged.unmatched()
        if not unmatched:
            free = Attrs({})
        else:
            set_by_path = self.lib.get("attrsets", "setAttrByPath")
            call = self.lib.state.call
            defs = [Attrs({"file": u.file,
                           "value": lazy(lambda u=u: force(call(call(set_by_path, list(u.prefix)),
                                                                u.value)))})
                    for u in unmatched]
            merge = force(freeform).vals["merge"]
            free = force(call(call(merge, self.prefix_v), defs))
        return self.lib.call(("attrsets", "recursiveUpdate"), free, declared)

    def _check_unmatched(self) -> None:
        lib = self.lib
        config = force(self.config_t)
        module = force(config.vals["_module"])
        if not force(module.vals["check"]) or _freeform_type(config) is not None:
            return None
        unmatched = self.merged.unmatched()
        if not unmatched:
            return None
        first = unmatched[0]
        prefix = force_list(self.prefix_v)
        opt_text = lib.show_option([*prefix, *first.prefix])
        try:
            try:
                def_text = lib.show_defs([first.to_nix()])
            except NixError as e:
                file = to_string(lib.state, first.file)
                e.add_trace(f"while evaluating a definition from `{file}'", None, True)
                raise
        except NixError as e:
            e.add_trace(f"while evaluating the error message for definitions for `{opt_text}', "
                        "which is an option that does not exist", None, True)
            raise
        base = f"The option `{opt_text}' does not exist. Definition values:{def_text}"
        if lib.features.option_suggestions:
            base += self._suggestion(prefix, first.prefix)
        if sorted(force(self.options_t).vals) == ["_module"]:
            name = lib.show_option(prefix)
            if name == "":
                raise throw(f"{base}\n\nIt seems as if you're trying to declare an option by "
                            "placing it into `config' rather than `options'!\n")
            raise throw(
                f"{base}\n\nHowever there are no options defined in `{name}'. Are you sure you've\n"
                "declared your options properly? This can happen if you e.g. declared your "
                "options in `types.submodule'\nunder `config' rather than `options'.\n")
        raise throw(base)

    def _suggestion(self, prefix: list[Any], undeclared: tuple[str, ...]) -> str:
        """"\n\nDid you mean …?": the declared siblings of an undeclared option
        nearest to its name (lib's ``checkUnmatched``)."""
        siblings: Any = force(self.options_t)
        for name in undeclared[:-1]:  # lib's attrByPath, {} where the path ends
            siblings = force(siblings.vals[name]) if type(siblings) is Attrs \
                and name in siblings.vals else Attrs({})
        if type(siblings) is not Attrs:
            raise type_error("a set", siblings)
        candidates = sorted(siblings.vals)
        if len(undeclared) == 1 and "_module" in candidates:
            candidates.remove("_module")
        wrong = undeclared[-1].encode()

        def distance(name: str) -> int:
            return levenshtein(wrong, name.encode())

        if len(candidates) >= 100:  # lib keeps only the near ones of a large set
            candidates = [c for c in candidates if distance(c) <= 2]
        nearest = sorted(candidates, key=distance)[:3]
        if not nearest:
            return ""
        parent = [*prefix, *undeclared[:-1]]
        shown = [f"`{self.lib.show_option([*parent, n])}'" for n in nearest]
        if len(shown) == 1:
            return f"\n\nDid you mean {shown[0]}?"
        return f"\n\nDid you mean {', '.join(shown[:-1])} or {shown[-1]}?"

    def _checked(self, get: Any) -> Any:
        if not self.check_deferred:
            force(self._check)
        return force(get())

    def take_check(self, known: bool) -> None:
        """The deferred check of undeclared definitions: ``known`` to pass
        (an earlier evaluation's verdict that nothing since can change), or
        made now (raising what it finds)."""
        self.check_deferred = False
        if known:
            self._check = ready(None)
        else:
            force(self._check)

    # the result ------------------------------------------------------------
    def result(self) -> Attrs:
        vals = self.args.vals
        lib = self.lib
        if "args" in vals:
            lib.warn("The args argument to evalModules is deprecated. Please set "
                     "config._module.args instead.")
        if "check" in vals:
            lib.warn("The check argument to evalModules is deprecated. Please set "
                     "config._module.check instead.")

        def config() -> Attrs:
            c = force(self.config_t)
            rest = {n: v for n, v in c.vals.items() if n != "_module"}
            if type(c.vals) is not dict:
                rest = watched(self.graph, self.merged.loc, rest)
            return Attrs(rest, c.pos)

        checked_config = lazy(self._checked, config)
        # front ends find the evaluation by this (unforced) value, which callers
        # like eval-config.nix pass on as it is
        self.graph.evaluations[id(checked_config)] = self
        result = Attrs({
            "_type": "configuration",
            "options": lazy(self._checked, lambda: self.options_t),
            "config": checked_config,
            "_module": lazy(self._checked, lambda: force(self.config_t).vals["_module"]),
            "extendModules": self.extend_modules_fn(),
            "type": self.type_t,
            "class": self.cls,
        })
        if self.lib.features.module_graph:
            result.vals["graph"] = lazy(self._graph)
        return result

    def _graph(self) -> list[Attrs]:
        _ = self.merged  # collecting the modules sets the collector
        assert self.collector is not None
        return self.collector.graph()

    def extend_modules_fn(self) -> PrimOp:
        def extend(state: Any, ext_v: Any) -> Attrs:
            ext = formals(ext_v, "extendModules", ("modules", "specialArgs", "prefix"), ())
            vals = dict(self.args.vals)
            vals["modules"] = lazy(lambda: self.regular_modules() + force_list(
                ext.vals.get("modules", [])))
            vals["specialArgs"] = lazy(lambda: _update(self.special, ext.vals.get(
                "specialArgs", Attrs({}))))
            vals["prefix"] = ext.vals.get("prefix", self.args.vals.get("prefix", []))
            return eval_modules(self.lib, Attrs(vals), self.graph)

        return PrimOp("extendModules", 1, extend, lambda_like=True,
                      formals=_extend_modules_formals(self.lib.state))


def _update(a: Any, b: Any) -> Attrs:
    a, b = force(a), force(b)
    for v in (a, b):
        if type(v) is not Attrs:
            raise type_error("a set", v)
    vals = dict(a.vals)
    vals.update(b.vals)
    return Attrs(vals)


CONFIG_HINT = ("if you get an infinite recursion here, you probably reference `config` in "
               "`imports`. If you are trying to achieve a conditional import behavior dependent "
               "on `config`, consider importing unconditionally, and using `mkEnableOption` and "
               "`mkIf` to control its effect.")


def _extend_modules_formals(state: Any) -> Any:
    """A lambda with lib's ``extendModules`` formals, which ``functionArgs``
    and printing (``showDefs`` of a configuration) report."""
    hit = state.extensions.get("extendModules-formals")
    if hit is None:
        from ..syntax import parse_text

        # through the parse cache: the parser itself is not loaded for it
        tree = parse_text("{ modules ? [ ], specialArgs ? { }, prefix ? [ ] }: null",
                          "«extendModules»", use_cache=True)
        hit = state.extensions["extendModules-formals"] = force(state.eval_tree(tree, "/"))
    return hit


def _freeform_type(declared: Attrs) -> Any:
    module = force(declared.vals["_module"])
    # libs before 2020 have no freeform types
    return force(module.vals["freeformType"]) if "freeformType" in module.vals else None


def _module_configs(modules: list[Module], keep_non_sets: bool) -> list[tuple[Any, Any]]:
    return [(m.file, c) for m in modules for c in push_down(m.config, keep_non_sets)]


def eval_modules(lib: Lib, args_v: Any, graph: Graph | None = None) -> Attrs:
    """The native ``lib.evalModules``."""
    args = formals(args_v, "evalModules", _EVAL_MODULES_ARGS, ("modules",))
    return Evaluation(lib, args, graph if graph is not None else lib.graph).result()



# ``evalOptionValue``'s parts --------------------------------------------------------
# Each lazy attribute of the set an option evaluates to is a thunk of one of
# these functions with the option's _OptionParts as its environment: one object
# per option rather than a closure (function, cells, argument tuples) per
# attribute, which on home-manager's 8,000 options is tens of megabytes.


class _OptionParts:
    __slots__ = ("ev", "loc", "loc_t", "merge", "ov")

    def __init__(self, ev: Evaluation, loc: list[Any], loc_t: Loc | None, ov: dict[str, Any],
                 defs: list[Def], record: OptionRecord | None) -> None:
        self.ev = ev
        self.loc = loc
        self.loc_t = loc_t
        self.ov = ov
        # its own environment, not this object: no reference cycle to collect
        self.merge = Thunk(_merge, (ev.lib, loc, ov, defs, record, loc_t))

    def show(self, state: Any, _self: Any) -> str:
        """``__toString``: the option's name."""
        return self.ev.lib.show_option(self.loc)


def _first_declaration(ov: dict[str, Any]) -> Any:
    return force(force_list(ov["declarations"])[0])


def _merge(env: tuple) -> Merge:
    lib, loc, ov, defs, record, loc_t = env
    if loc_t is not None:
        # all that tells of the option's definitions (its value, `definitions',
        # `isDefined', …) comes through here: a read of them (see readlog)
        readlog.note(loc_t)
    if "readOnly" in ov and force(ov["readOnly"]) and len(defs) > 1:
        separate = [d.with_value(lazy(Merge(lib, loc, ov["type"], [d]).merged_value)).to_nix()
                    for d in defs]
        raise throw(f"The option `{lib.show_option(loc)}' is read-only, but it's set "
                    f"multiple times. Definition values:{lib.show_defs(separate)}")
    m = Merge(lib, loc, ov["type"], defs)
    if record is not None:
        record.merge = m
    return m


def _merged_value(p: _OptionParts) -> Any:
    return force(p.merge).merged_value()


def _value(p: _OptionParts) -> Any:
    merged = Thunk(_merged_value, p)
    if "apply" in p.ov:
        return force(p.ev.lib.state.call(p.ov["apply"], merged))
    return force(merged)


def _traced_value(p: _OptionParts) -> Any:
    """The option's value, computed with the option on the graph's stack (its
    reads are its edges) and the option named in a failure's trace."""
    ev, loc_t = p.ev, p.loc_t
    stack = ev.graph.stack
    if loc_t is not None:
        stack.append(loc_t)
    try:
        return _value(p)
    except NixError as e:
        if type(e) is InfiniteRecursion and e.thunk is not None \
                and getattr(e, "option_cycle", None) is None:
            e.option_cycle = ev.graph.cycle_through(e.thunk)  # type: ignore[attr-defined]
        e.add_trace(f"while evaluating the option `{ev.lib.show_option(p.loc)}':", None, True)
        raise
    finally:
        if loc_t is not None:
            stack.pop()


def _highest_prio(p: _OptionParts) -> Any:
    return force(force(p.merge)._highest())


def _definitions(p: _OptionParts) -> list[Any]:
    return [d.value for d in force(p.merge).final]


def _files(p: _OptionParts) -> list[Any]:
    return [d.file for d in force(p.merge).final]


def _definitions_with_locations(p: _OptionParts) -> list[Any]:
    return [d.to_nix() for d in force(p.merge).final]


def _is_defined(p: _OptionParts) -> Any:
    return force(p.merge).is_defined


def _value_meta(p: _OptionParts) -> Any:
    return force(p.merge).value_meta()
