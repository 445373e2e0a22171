"""The types of single values: raw, anything, unspecified, bool, boolByOr,
int and ``ints.*``, float, number and ``numbers.*``, str and its variants,
separated strings, attrs, package, shellPackage, paths, enum."""

from __future__ import annotations

import re
from typing import Any

from ...eval.ops import concat_strings, equal, force_bool, force_list, less_than
from ...eval.values import Attrs, NixPath, app, context_of, force, make_string, type_name
from ..collect import to_string
from ..definitions import Def
from ..nix import formals, lazy, select, throw
from .core import TypeLib, check_fn, loc_plus, merge_fn, prim, update

NOUN = "noun"
_BLANK = re.compile(r"[ \t\n]*")


def is_string_like(x: Any) -> bool:
    """lib's ``isStringLike``."""
    x = force(x)
    if isinstance(x, str) or type(x) is NixPath:
        return True
    return type(x) is Attrs and ("outPath" in x.vals or "__toString" in x.vals)


def is_derivation(x: Any) -> bool:
    x = force(x)
    return type(x) is Attrs and "type" in x.vals and equal(x.vals["type"], "derivation")


def _ge(x: Any, bound: Any) -> bool:
    return not less_than(x, bound)


def _le(x: Any, bound: Any) -> bool:
    return not less_than(bound, x)


def scalar_types(tl: TypeLib) -> dict[str, Any]:
    state = tl.state
    merges = tl.merges
    types = tl.types
    t: dict[str, Any] = {}

    def simple(name: str, description: str, check: Any, merge: Any) -> Any:
        return lazy(lambda: tl.make(name, description=description, description_class=NOUN,
                                    check=check_fn(check), merge=merge))

    t["raw"] = simple("raw", "raw value", lambda v: True, merges.one)
    t["unspecified"] = lazy(lambda: tl.make("unspecified", description="unspecified value",
                                            description_class=NOUN))
    t["bool"] = simple("bool", "boolean", lambda v: type(force(v)) is bool, merges.equal)
    t["int"] = simple("int", "signed integer", lambda v: type(force(v)) is int, merges.equal)
    t["float"] = simple("float", "floating point number", lambda v: type(force(v)) is float,
                        merges.equal)
    t["str"] = simple("str", "string", lambda v: isinstance(force(v), str), merges.equal)

    def merge_or(loc: Any, defs: list[Def]) -> bool:
        result = False
        for d in defs:
            result = result or force_bool(d.value)
        return result

    t["boolByOr"] = simple("boolByOr", "boolean (merged using or)",
                           lambda v: type(force(v)) is bool, merge_fn(merge_or))

    # anything ------------------------------------------------------------------
    def type_of(v: Any) -> str:
        v = force(v)
        if type(v) is Attrs and is_string_like(v):
            return "stringCoercibleSet"
        return type_name(v)

    def merge_anything(loc: Any, defs: list[Def]) -> Any:
        if not defs:
            from ...eval.errors import NixError

            raise NixError("'builtins.head' called on an empty list")
        common = type_of(defs[0].value)
        for d in defs:
            if type_of(d.value) != common:
                raise throw(f"The option `{tl.show_option(loc)}' has conflicting option types "
                            f"in {tl.show_files_of(defs)}")
        if common == "set":
            attrs_of_anything = tl.call(types["attrsOf"], types["anything"])
            return tl.merge(attrs_of_anything, loc, defs)
        if common == "list" and tl.lib.features.anything_single_list:
            if len(defs) > 1:  # the lib's only safe and deterministic merge of lists
                raise throw(f"The option `{tl.show_option(loc)}' has conflicting definitions, "
                            f"in {tl.show_files_of(defs)}.")
            return tl.merge(tl.call(types["listOf"], types["anything"]), loc, defs)
        if common == "stringCoercibleSet":
            return merges.one.native(loc, defs)
        if common == "lambda":
            def called(arg: Any) -> Any:
                return merge_anything(loc_plus(loc, "<function body>"),
                                      [Def(d.file, app(state, d.value, arg), d.pos) for d in defs])

            return prim("anything", 1, called)
        return merges.merge_equal(loc, defs)

    t["anything"] = simple("anything", "anything", lambda v: True, merge_fn(merge_anything))

    # ints and numbers ------------------------------------------------------------
    def between_desc(lo: Any, hi: Any, show: Any) -> str:
        return f"{show(lo)} and {show(hi)} (both inclusive)"

    def to_json(v: Any) -> str:
        return tl.call(select(state.base_env["builtins"], "toJSON"), v)

    def int_between(lo: Any, hi: Any) -> Attrs:
        if less_than(hi, lo):
            raise throw("ints.between: lowest must be smaller than highest")
        shown = between_desc(lo, hi, lambda v: to_string(state, v))
        return update(tl.with_check(types["int"], lambda x: _ge(x, lo) and _le(x, hi)),
                      name="intBetween", description=f"integer between {shown}")

    def ranged(lo: int, hi: int, name: str, doc: str) -> Any:
        return lazy(lambda: update(int_between(lo, hi), name=name,
                                   description=f"{doc}; between {lo} and {hi} (both inclusive)"))

    def sign_bound(base: str, positive: bool, name: str, description: str) -> Any:
        """``addCheck base (x: x >= 0)`` (or ``x > 0``) with a clause for a description."""
        test = (lambda x: less_than(0, x)) if positive else (lambda x: _ge(x, 0))
        return lazy(lambda: update(tl.with_check(types[base], test), name=name,
                                   description=description,
                                   descriptionClass="nonRestrictiveClause"))

    ints = {
        "between": prim("between", 2, int_between),
        "unsigned": sign_bound("int", False, "unsignedInt", "unsigned integer, meaning >=0"),
        "positive": sign_bound("int", True, "positiveInt", "positive integer, meaning >0"),
    }
    for bit in (8, 16, 32):
        size = 1 << bit
        ints[f"u{bit}"] = ranged(0, size - 1, f"unsignedInt{bit}", f"{bit} bit unsigned integer")
        ints[f"s{bit}"] = ranged(-(size // 2), size // 2 - 1, f"signedInt{bit}",
                                 f"{bit} bit signed integer")
    t["ints"] = Attrs(ints)
    t["port"] = ints["u16"]
    t["number"] = lazy(lambda: tl.call(types["either"], types["int"], types["float"]))

    def number_between(lo: Any, hi: Any) -> Attrs:
        if less_than(hi, lo):
            raise throw("numbers.between: lowest must be smaller than highest")
        shown = between_desc(lo, hi, to_json)
        return update(tl.with_check(types["number"], lambda x: _ge(x, lo) and _le(x, hi)),
                      name="numberBetween",
                      description=f"integer or floating point number between {shown}")

    t["numbers"] = Attrs({
        "between": prim("between", 2, number_between),
        "nonnegative": sign_bound(
            "number", False, "numberNonnegative",
            "nonnegative integer or floating point number, meaning >=0"),
        "positive": sign_bound("number", True, "numberPositive",
                               "positive integer or floating point number, meaning >0"),
    })

    # strings -----------------------------------------------------------------------
    def non_empty(v: Any) -> bool:
        v = force(v)
        return isinstance(v, str) and _BLANK.fullmatch(v) is None

    t["nonEmptyStr"] = simple("nonEmptyStr", "non-empty string", non_empty, merges.equal)

    def str_matching(pattern: Any) -> Attrs:
        match = select(state.base_env["builtins"], "match")

        def check(v: Any) -> bool:
            return isinstance(force(v), str) and tl.call(match, pattern, v) is not None

        name = lazy(lambda: "strMatching " + tl.lib.call(("strings", "escapeNixString"), pattern))
        if tl.lib.features.str_matching_default_functor:  # of its whole name
            functor: Any = lazy(lambda: tl.default_functor(force(name)))
        else:
            functor = update(
                tl.default_functor("strMatching"),
                type=prim("strMatching", 1, lambda p: str_matching(select(p, "pattern"))),
                payload=Attrs({"pattern": pattern}),
                binOp=prim("binOp", 2, lambda a, b: force(a) if equal(a, b) else None))
        return tl.make(
            name,
            description=lazy(lambda: "string matching the pattern " + tl.string(pattern)),
            description_class=NOUN, check=check_fn(check), merge=merges.equal, functor=functor)

    t["strMatching"] = prim("strMatching", 1, str_matching)

    def single_line() -> Attrs:
        matching = str_matching("[^\n\r]*\n?")

        def merge(loc: Any, defs: list[Def]) -> str:
            s = tl.string(merges.merge_equal(loc, defs))  # lib.removeSuffix coerces
            return make_string(s[:-1], context_of(s)) if s.endswith("\n") else s

        return tl.make("singleLineStr",
                       description="(optionally newline-terminated) single-line string",
                       description_class=NOUN, check=matching.vals["check"],
                       merge=merge_fn(merge))

    t["singleLineStr"] = lazy(single_line)

    def separated(sep: Any) -> Attrs:
        def merge(loc: Any, defs: list[Def]) -> str:
            s = force(sep)
            parts: list[str] = []
            for i, d in enumerate(defs):
                if i:
                    parts.append(s)
                parts.append(tl.string(d.value))
            return concat_strings(parts)

        def description() -> str:
            if equal(sep, "") and not tl.lib.features.plain_separated_string_description:
                return "Concatenated string"
            return "strings concatenated with " + to_json(sep)

        def same_sep(a: Any, b: Any) -> Any:
            return Attrs({"sep": select(a, "sep")}) if equal(select(a, "sep"), select(b, "sep")) \
                else None

        if tl.lib.features.bare_value_payloads:
            functor = update(tl.default_functor("separatedString"), payload=sep,
                             binOp=prim("binOp", 2, lambda a, b: force(a) if equal(a, b)
                                        else None))
        else:
            functor = update(
                tl.default_functor("separatedString"), payload=Attrs({"sep": sep}),
                type=prim("separatedString", 1, lambda p: separated(select(p, "sep"))),
                binOp=prim("binOp", 2, same_sep))
        return tl.make("separatedString", description=lazy(description), description_class=NOUN,
                       check=check_fn(lambda v: isinstance(force(v), str)),
                       merge=merge_fn(merge), functor=functor)

    t["separatedString"] = prim("separatedString", 1, separated)
    t["lines"] = lazy(separated, "\n")
    t["commas"] = lazy(separated, ",")
    t["envVar"] = lazy(separated, ":")

    # sets and packages -----------------------------------------------------------
    def merge_attrs(loc: Any, defs: list[Def]) -> Attrs:
        from ...eval.values import type_error

        out: dict[str, Any] = {}
        for d in defs:
            v = force(d.value)
            if type(v) is not Attrs:
                raise type_error("a set", v)
            out.update(v.vals)
        return Attrs(out)

    t["attrs"] = lazy(lambda: tl.make(
        "attrs", description="attribute set", check=check_fn(lambda v: type(force(v)) is Attrs),
        merge=merge_fn(merge_attrs), empty_value=Attrs({"value": Attrs({})})))

    def is_store_path(x: Any) -> bool:
        return tl.lib.call(("strings", "isStorePath"), x)

    def merge_package(loc: Any, defs: list[Def]) -> Any:
        res = merges.one.native(loc, defs)
        if type(res) is NixPath or (isinstance(res, str) and not context_of(res)):
            return tl.lib.call(("attrsets", "toDerivation"), res)
        return res

    package = lazy(lambda: tl.make(
        "package", description_class=NOUN,
        check=check_fn(lambda x: is_derivation(x) or is_store_path(x)),
        merge=merge_fn(merge_package)))
    t["package"] = package
    t["shellPackage"] = lazy(lambda: update(force(package), check=check_fn(
        lambda x: is_derivation(x) and "shellPath" in force(x).vals)))

    # paths -----------------------------------------------------------------------
    def path_with(args: Any) -> Attrs:
        a = formals(args, "pathWith", ("absolute", "inStore"), ())
        in_store = a.vals.get("inStore")
        absolute = a.vals.get("absolute")
        if force(in_store) is not None and force(absolute) is not None \
                and force_bool(in_store) and not force_bool(absolute):
            raise throw("In pathWith, inStore means the path must be absolute")

        def check(x: Any) -> bool:
            if force(in_store) is not None:
                # the store-prefix test is lib.path's; rare enough to stay lib's code
                # (a lib from before pathWith has only pathInStore)
                own = tl.interpreted.vals.get("pathWith")
                interpreted = tl.call(own, args) if own is not None \
                    else force(tl.interpreted.vals["pathInStore"])
                return tl.check(interpreted, x)
            if not is_string_like(x):
                return False
            if force(absolute) is None:
                return True
            return equal(absolute, to_string(state, x)[:1] == "/")

        def description() -> str:
            abs_v, store_v = force(absolute), force(in_store)
            head = "" if abs_v is None else ("absolute " if force_bool(abs_v) else "relative ")
            tail = "" if store_v is None else (" in the Nix store" if force_bool(store_v)
                                               else " not in the Nix store")
            return head + "path" + tail

        payload = Attrs({"inStore": in_store, "absolute": absolute})
        functor = update(tl.default_functor("path"), type=t["pathWith"], payload=payload,
                         binOp=prim("binOp", 2, lambda x, y: force(x) if equal(x, y) else None))
        return tl.make("path", description=lazy(description), description_class=NOUN,
                       merge=merges.equal, functor=functor, check=check_fn(check))

    t["pathWith"] = prim("pathWith", 1, path_with)
    t["path"] = lazy(path_with, Attrs({"absolute": True}))
    t["pathInStore"] = lazy(path_with, Attrs({"inStore": True}))
    if tl.lib.features.paths_without_path_with:  # plain types, default functors
        def plain_path(name: str, description: str, made: Any) -> Any:
            return lazy(lambda: tl.make(name, description=description, description_class=NOUN,
                                        check=select(made, "check"), merge=merges.equal))

        t["path"] = plain_path("path", "path", t["path"])
        t["pathInStore"] = plain_path("pathInStore", "path in the Nix store", t["pathInStore"])

    # enum --------------------------------------------------------------------------
    def show(v: Any) -> str:
        v = force(v)
        if isinstance(v, str):
            return f'"{v}"'
        if type(v) is bool:
            return "true" if v else "false"
        if type(v) is int:
            return str(v)
        return f"<{type_name(v)}>"

    def unique(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            if not any(equal(v, o) for o in out):
                out.append(v)
        return out

    def enum(values_v: Any) -> Attrs:
        def description() -> str:
            values = force_list(values_v)
            if not values:
                return "impossible (empty enum)"
            if len(values) == 1:
                return f"value {show(values[0])} (singular enum)"
            return "one of " + ", ".join(show(v) for v in values)

        def union(a: Any, b: Any) -> Attrs:
            return Attrs({"values": unique([*force_list(select(a, "values")),
                                            *force_list(select(b, "values"))])})

        if tl.lib.features.bare_value_payloads:
            functor = update(tl.default_functor("enum"), payload=values_v, binOp=prim(
                "binOp", 2, lambda a, b: unique([*force_list(a), *force_list(b)])))
        else:
            functor = update(tl.default_functor("enum"), payload=Attrs({"values": values_v}),
                             type=prim("enum", 1, lambda p: enum(select(p, "values"))),
                             binOp=prim("binOp", 2, union))
        return tl.make(
            "enum", description=lazy(description),
            description_class=lazy(lambda: "noun" if len(force_list(values_v)) < 2
                                   else "conjunction"),
            check=check_fn(lambda x: any(equal(x, v) for v in force_list(values_v))),
            merge=merges.equal, functor=functor)

    t["enum"] = prim("enum", 1, enum)
    return t
