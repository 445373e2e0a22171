"""The evaluator's core semantics: laziness, scoping, functions, errors.

Expected outputs were measured with real Nix (nix-instantiate --eval --strict);
the differential tests recheck many of them against a live Nix where present.
"""

from __future__ import annotations

import pytest
from conftest import run_nixeval

from nixeval.eval.errors import AssertionFailed, InfiniteRecursion, NixError, ThrownError
from nixeval.eval.printer import show_value
from nixeval.eval.state import EvalState
from nixeval.syntax import Source


def ev(text: str) -> str:
    return show_value(EvalState().eval_source(Source("«string»", text), "/tmp"))


@pytest.mark.parametrize(("expr", "expected"), [
    # lexical bindings beat `with`, the base environment beats `with` too
    ("let x = 1; in with { x = 2; }; x", "1"),
    ("with { x = 1; }; with { x = 2; }; x", "2"),
    ("with { map = 1; }; map", "<PRIMOP>"),
    # rec and let see all their bindings, in any order
    ("rec { a = b; b = 1; }", "{ a = 1; b = 1; }"),
    ("let a = b; b = c; c = 3; in a", "3"),
    # inherit in a let looks outside; inherit (e) evaluates e inside
    ("let x = 1; in let inherit x; y = x; in y", "1"),
    ("let s = { q = 5; }; inherit (s) q; in q", "5"),
    ("rec { __overrides = { a = 2; }; a = 1; b = a; }",
     "{ __overrides = { a = 2; }; a = 2; b = 2; }"),
    # formals: defaults see other formals, @-patterns see the whole argument
    ("({ a, b ? a * 2, ... }@args: b + args.a) { a = 3; z = 1; }", "9"),
    ("builtins.functionArgs ({ a, b ? 1 }: a)", "{ a = false; b = true; }"),
    # laziness: unused errors are never raised
    ("let x = throw \"no\"; in 1", "1"),
    ("builtins.length [ (throw \"a\") (abort \"b\") ]", "2"),
    ("{ a = throw \"x\"; }.b or 7", "7"),
    ("{ a = throw \"x\"; } ? a", "true"),
    ("{ a.b = throw \"x\"; } ? a.b", "true"),
    ("builtins.unsafeGetAttrPos \"a\" (builtins.mapAttrs (n: v: v) { a = 1; })", "null"),
    # selection and `or`, `?` through non-sets
    ("(1).a or 2", "2"),
    ("{ a = 1; } ? a.b", "false"),
    ("{ a.b.c = 1; }.a.b", "{ c = 1; }"),
    # arithmetic as Nix does it
    ("7 / -2", "-3"),
    ("(-7) / 2", "-3"),
    ("1 + 2.5", "3.5"),
    ("0.1 + 0.2", "0.3"),
    ("1.5e20 * 1.0", "1.5e+20"),
    # equality: numbers across types, functions only by identity inside containers
    ("[ 1 ] == [ 1.0 ]", "true"),
    ("let f = x: x; in f == f", "false"),
    ("let f = x: x; in [ f ] == [ f ]", "true"),
    ("{ a = 1; b = 2; } == { b = 2; a = 1; }", "true"),
    # comparison
    ("[ 1 2 ] < [ 1 3 ]", "true"),
    ("\"a\" < \"b\"", "true"),
    # operators rebound lexically are honoured, as Nix desugars them
    ("let __sub = a: b: 42; in 1 - 2", "42"),
    ("let __lessThan = a: b: true; in 2 < 1", "true"),
    # strings
    ("\"a${\"b\"}c\"", "\"abc\""),
    ("\"${toString 5}\"", "\"5\""),
    ("toString [ 1 [ ] 2 null true ]", "\"1 2  1\""),
    ("toString 1.5", "\"1.500000\""),
    # printing
    ("let x = { a = x; }; in x", "{ a = «repeated»; }"),
    ("let x = [ 1 ]; in [ x x ]", "[ [ 1 ] «repeated» ]"),
    ("{ \"a b\" = 1; \"if\" = 2; or = 3; }", "{ \"a b\" = 1; \"if\" = 2; or = 3; }"),
    ("\"${\"$\"}{x}\"", "\"\\${x}\""),
    # tryEval catches throw and assert, nothing else
    ("builtins.tryEval (throw \"x\")", "{ success = false; value = false; }"),
    ("builtins.tryEval (assert false; 1)", "{ success = false; value = false; }"),
    ("builtins.tryEval 1", "{ success = true; value = 1; }"),
    # dynamic attributes
    ("{ ${null} = 1; a = 2; }", "{ a = 2; }"),
    ("{ ${\"x\" + \"y\"} = 1; }", "{ xy = 1; }"),
    # functors
    ("{ __functor = self: x: x + 1; } 1", "2"),
    ("builtins.sort (a: b: a < b) [ 3 1 2 ]", "[ 1 2 3 ]"),
    ("builtins.genericClosure { startSet = [ { key = 1; } { key = 1.0; } ]; operator = x: [ ]; }",
     "[ { key = 1; } ]"),
    # elem forces its first argument only to compare it with an element
    ("builtins.elem (builtins.elemAt [ ] 0) [ ]", "false"),
    ("builtins.elem (throw \"x\") (builtins.genList (i: i) 0)", "false"),
])
def test_values(expr, expected):
    assert ev(expr) == expected


@pytest.mark.parametrize(("expr", "error", "message"), [
    ("throw \"foo\"", ThrownError, "foo"),
    # current Nix says why an `==` assertion failed
    ("assert 1 == 2; 3", AssertionFailed,
     "an integer with value '1' is not equal to an integer with value '2'"),
    ("let x = x; in x", InfiniteRecursion, "infinite recursion encountered"),
    ("1 + \"a\"", NixError, "cannot add a string to an integer"),
    ("\"a\" + 1", NixError, "cannot coerce an integer to a string"),
    ("{ a = 1; }.b", NixError, "attribute 'b' missing"),
    ("(x: x) 1 2", NixError, "attempt to call something which is not a function but an integer"),
    ("let f = { a }: a; in f { }", NixError,
     "function 'f' called without required argument 'a'"),
    ("let f = { a }: a; in f { a = 1; b = 2; }", NixError,
     "function 'f' called with unexpected argument 'b'"),
    ("9223372036854775807 + 1", NixError, "integer overflow in adding 9223372036854775807 + 1"),
    ("builtins.div 7 0", NixError, "division by zero"),
    ("{ ${\"a\"} = 1; a = 2; }.a", NixError, "already defined"),
    ("if 1 then 2 else 3", NixError, "expected a Boolean but found an integer"),
    ("1 < \"a\"", NixError, "cannot compare an integer with a string"),
    ("builtins.head [ ]", NixError, "'builtins.head' called on an empty list"),
    ("with 1; x", NixError, "expected a set but found an integer"),
])
def test_errors(expr, error, message):
    with pytest.raises(error) as info:
        ev(expr)
    assert message in info.value.message


def test_deep_recursion_ends_in_nix_error_not_a_crash():
    r = run_nixeval("instantiate", "--eval", "-E",
                    "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000")
    assert r.returncode == 1
    assert "stack overflow" in r.stderr
    assert "Traceback" not in r.stderr


def test_moderate_recursion_evaluates():
    r = run_nixeval("instantiate", "--eval", "-E",
                    "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 5000")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "5000\n"


def test_eval_error_names_the_place():
    r = run_nixeval("instantiate", "--eval", "-E", "let x = 1; in x + \"a\"")
    assert r.returncode == 1
    # as current Nix: at the operand that cannot be added
    assert r.stderr.startswith("error: cannot add a string to an integer\n       at «string»:1:19:")
