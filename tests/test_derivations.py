"""Tests for ``derivationStrict`` (nixeval/eval/derivations.py) and
``derivation`` (nixeval/eval/builtins/derivations.py).

Differential tests compare with the installed ``nix-instantiate`` (Nix 2.8)
and skip when it is absent: with ``--readonly-mode``, except where Nix must
read back derivations it instantiated (a ``"=drv"`` context pulls in the
drv's closure; ``readFile drvPath``), which a read-only Nix cannot do; those
use a throw-away chroot store in a temporary directory.  Known-answer tests
run everywhere: their paths and printed text were measured with Nix 2.8; the
error messages, traces and warnings are current Nix's, taken from its
language test suite (tests/functional/lang/*.err.exp) and primops.cc.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import needs_nix, nix_instantiate, run_nixeval

from nixeval.eval import derivations as D
from nixeval.eval.errors import NixError
from nixeval.eval.printer import to_json
from nixeval.eval.state import EvalState
from nixeval.syntax import Source

SIMPLE = 'derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; }'


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drv")
    (root / "src").mkdir()
    (root / "src" / "f").write_text("data\n")
    return root


@pytest.fixture(scope="module")
def chroot_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("nix-store"))


def evaluate(expr: str, base: Path, state: EvalState | None = None) -> Any:
    state = state or EvalState()
    return json.loads(to_json(state, state.eval_source(Source("«string»", expr), str(base))))


def error_of(expr: str, base: Path) -> NixError:
    with pytest.raises(NixError) as info:
        evaluate(expr, base)
    return info.value


def real_nix(expr: str, base: Path, chroot: str | None = None) -> Any:
    assert nix_instantiate is not None
    mode = ["--store", chroot, "--read-write-mode"] if chroot else ["--readonly-mode"]
    proc = subprocess.run([nix_instantiate, *mode, "--eval", "--strict", "--json", "-E", expr],
                          cwd=base, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def paths_of(drv: str) -> str:
    """An expression giving a derivation's store paths, for comparison."""
    # (not named outPath: a set with an outPath is that string in JSON)
    return (f"let d = {drv}; in "
            "{ drv = d.drvPath; out = d.outPath; all = map (o: o.outPath) d.all; }")


def drv(attrs: str) -> str:
    return f'derivation {{ name = "t"; system = "x86_64-linux"; builder = "/bin/sh"; {attrs} }}'


# Differential ------------------------------------------------------------------------

DERIVATIONS = [
    SIMPLE,
    drv('outputs = [ "out" "dev" "bin" ];'),
    drv('outputs = [ "lib" "out" ];'),
    drv('args = [ "-c" "echo hi" 1 true null [ "a" [ "b" ] ] ./src ];'),
    drv("a = 1; b = -7; c = 1.5; d = true; e = false; f = null; g = [ 1 [ ] \"x\" null ];"),
    drv('esc = "line\\nquote\\" back\\\\ tab\\t dollar$ é";'),
    drv("src = ./src; file = ./src/f;"),
    drv('__ignoreNulls = true; a = null; b = 1;'),
    drv('x = placeholder "out"; y = placeholder "dev"; outputs = [ "out" "dev" ];'),
    drv('__json = "{\\"a\\":1,\\"b\\":[true,null]}";'),
    drv('__structuredAttrs = true; a = null; b = 1; c = 1.5; d = { x = [ "y" 2 ]; }; '
        'outputs = [ "out" "doc" ]; f = ./src/f; g = "${./src}";'),
    drv('__structuredAttrs = false; __contentAddressed = false; __impure = false;'),
    drv('outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";'),
    drv('outputHashMode = "recursive"; outputHashAlgo = "sha256"; '
        'outputHash = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s";'),
    drv('outputHashAlgo = "sha1"; outputHash = "0000000000000000000000000000000000000000";'),
    drv('outputHashMode = "flat"; outputHash = "md5:d41d8cd98f00b204e9800998ecf8427e";'),
    drv('outputHashAlgo = "sha512"; outputHash = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg'
        '/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";'),
    # dependencies: outputs in strings, paths through ${}, fixed outputs as inputs
    'let a = derivation { name = "a"; system = "s"; builder = "/bin/sh"; '
    'outputs = [ "out" "lib" ]; }; in derivation { name = "b"; system = "s"; '
    'builder = "${a}/bin/sh"; args = [ a.lib ]; }',
    'let f = derivation { name = "f"; system = "s"; builder = "/bin/sh"; outputHashAlgo = "sha1";'
    ' outputHash = "0000000000000000000000000000000000000000"; }; '
    'g = derivation { name = "g"; system = "s"; builder = "/bin/sh"; src = f; }; '
    'in derivation { name = "h"; system = "s"; builder = "/bin/sh"; x = [ f g ]; }',
    'let a = derivation { name = "a"; system = "s"; builder = "/bin/sh"; }; '
    'in derivation { name = "s"; system = "s"; builder = "/bin/sh"; __structuredAttrs = true; '
    'dep = a; deps = { inner = [ a ]; }; }',
    'let t = builtins.toFile "t" "x"; u = builtins.toFile "u" "${t}"; in '
    'derivation { name = "c"; system = "s"; builder = u; }',
    'derivation { name = "weird+name-1.0_?="; system = "aarch64-darwin"; builder = "/bin/sh"; }',
]


@needs_nix
@pytest.mark.parametrize("expr", DERIVATIONS)
def test_paths_like_nix(expr: str, base: Path) -> None:
    assert evaluate(paths_of(expr), base) == real_nix(paths_of(expr), base)


@needs_nix
@pytest.mark.parametrize("expr", [
    SIMPLE,
    drv('outputs = [ "out" "dev" ]; x = 1;'),
    'builtins.derivationStrict { name = "x"; system = "s"; builder = "/b"; }',
    # a string of outputs is split at spaces, tabs and newlines
    'builtins.derivationStrict { name = "x"; system = "s"; builder = "/b"; '
    'outputs = " out  dev\\tbin\\n"; }',
    f"[ ({SIMPLE} == {SIMPLE}) ({SIMPLE} == ({SIMPLE} // {{ x = 1; }})) ]",
    "builtins.attrNames (" + drv('outputs = [ "out" "dev" ];') + ")",
])
def test_values_like_nix(expr: str, base: Path) -> None:
    assert evaluate(expr, base) == real_nix(expr, base)


STORE_CASES = [
    # "=drv": the closure of the drv, with all outputs of every drv in it
    'let a = derivation { name = "a"; system = "s"; builder = "/bin/sh"; }; '
    'b = derivation { name = "b"; system = "s"; builder = "/bin/sh"; x = a; }; '
    'in derivation { name = "c"; system = "s"; builder = "/bin/sh"; y = b.drvPath; }',
    'let t = builtins.toFile "t" "x"; u = builtins.toFile "u" "${t}"; '
    'a = derivation { name = "a"; system = "s"; builder = u; src = ./src; '
    'outputs = [ "out" "dev" ]; }; '
    'f = derivation { name = "f"; system = "s"; builder = "/bin/sh"; '
    'outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; x = a.dev; }; '
    'b = derivation { name = "b"; system = "s"; builder = "/bin/sh"; x = f; y = a.drvPath; }; '
    'in derivation { name = "c"; system = "s"; builder = "/bin/sh"; y = b.drvPath; }',
    # the ATerm text Nix would write
    'builtins.readFile (derivation { name = "a"; system = "s"; builder = "/bin/sh"; '
    'outputs = [ "out" "dev" ]; x = builtins.toFile "x" "y"; args = [ "a\\"b" ]; }).drvPath',
    'let a = derivation { name = "a"; system = "s"; builder = "/bin/sh"; }; in builtins.readFile '
    '(derivation { name = "b"; system = "s"; builder = "/bin/sh"; x = a.drvPath; }).drvPath',
]


@needs_nix
@pytest.mark.parametrize("expr", STORE_CASES)
def test_store_dependent_like_nix(expr: str, base: Path, chroot_store: str) -> None:
    if "readFile" not in expr:
        expr = paths_of(expr)
    assert evaluate(expr, base) == real_nix(expr, base, chroot_store)


# Known answers (Nix 2.8) ---------------------------------------------------------------


def test_simple_paths(base: Path) -> None:
    assert evaluate(paths_of(SIMPLE), base) == {
        "drv": "/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",
        "out": "/nix/store/s668cfx1vrqfjryf96jj8wfhg7f67dhj-x",
        "all": ["/nix/store/s668cfx1vrqfjryf96jj8wfhg7f67dhj-x"]}


def test_structured_attrs_legacy(base: Path) -> None:
    # tests/functional/lang/eval-okay-derivation-legacy.nix
    expr = ('(builtins.derivationStrict { name = "eval-okay-derivation-legacy"; '
            'system = "x86_64-linux"; builder = "/dontcare"; __structuredAttrs = true; '
            "allowedReferences = [ ]; disallowedReferences = [ ]; allowedRequisites = [ ]; "
            "disallowedRequisites = [ ]; maxSize = 1234; maxClosureSize = 12345; }).out")
    assert evaluate(expr, base) == \
        "/nix/store/mzgwvrjjir216ra58mwwizi8wj6y9ddr-eval-okay-derivation-legacy"


def test_printed_like_nix_instantiate() -> None:
    # `nix-instantiate --eval --strict` prints a derivation in full; each
    # output's set is one value, so `out` and `all`'s item are «repeated»
    proc = run_nixeval("instantiate", "--eval", "--strict", "-E", SIMPLE)
    assert proc.stdout == (
        '{ all = [ «repeated» ]; builder = "/bin/sh"; drvAttrs = { builder = "/bin/sh"; '
        'name = "x"; system = "x86_64-linux"; }; drvPath = '
        '"/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv"; name = "x"; out = «repeated»; '
        'outPath = "/nix/store/s668cfx1vrqfjryf96jj8wfhg7f67dhj-x"; outputName = "out"; '
        'system = "x86_64-linux"; type = "derivation"; }\n')


def test_result_contexts(base: Path) -> None:
    state = EvalState()
    strict = state.eval_source(Source("«string»", 'builtins.derivationStrict { name = "x"; '
                                      'system = "s"; builder = "/b"; outputs = ["out" "dev"]; }'),
                               str(base))
    drv_path = strict.get("drvPath")
    assert drv_path.context == frozenset(["=" + drv_path])
    assert strict.get("dev").context == frozenset(["!dev!" + drv_path])
    assert strict.names() == ["dev", "drvPath", "out"]


# The derivation function ---------------------------------------------------------------


def test_derivation_is_lazy(base: Path) -> None:
    # nothing is instantiated until drvPath or outPath is needed
    lazy = 'derivation { name = "x"; system = "s"; builder = throw "no"; }'
    assert evaluate(f"builtins.attrNames ({lazy})", base) == [
        "all", "builder", "drvAttrs", "drvPath", "name", "out", "outPath", "outputName",
        "system", "type"]
    d = drv('outputs = [ "a" "b" ]; x = throw "no";')
    assert evaluate(f"({d}).b.outputName", base) == "b"


def test_derivation_is_a_function(base: Path) -> None:
    assert evaluate("builtins.functionArgs derivation", base) == {"outputs": True}
    assert evaluate("builtins.isFunction builtins.derivation", base) is True


def test_first_output_is_the_default(base: Path) -> None:
    d = drv('outputs = [ "lib" "out" ];')
    result = evaluate(f"let d = {d}; in [ d.outputName d.lib.outPath d.outPath d.out.outputName ]",
                      base)
    assert result[0] == "lib" and result[1] == result[2] and result[3] == "out"


# Errors, traces and warnings (current Nix) ---------------------------------------------


@pytest.mark.parametrize(("attrs", "message"), [
    ('name = "~jiggle~"; system = "s"; builder = "/b";',
     "invalid derivation name: name '~jiggle~' contains illegal character '~'. Please pass a "
     "different 'name'."),
    ('name = ".-x"; system = "s"; builder = "/b";',
     "invalid derivation name: name '.-x' is not valid: first dash-separated component must "
     "not be '.'. Please pass a different 'name'."),
    ("system = \"s\";", "attribute 'name' missing"),
    ('name = "foo";', "required attribute 'builder' missing"),
    ('name = "foo"; builder = 1;', "required attribute 'system' missing"),
    ('name = "foo.drv"; system = "s"; builder = "/b";',
     "derivation names are allowed to end in '.drv' only if they produce a single derivation "
     "file"),
    ('name = "foo"; builder = 1; system = 1; outputs = "drvPath";',
     "invalid derivation output name 'drvPath'"),
    ('name = "foo"; builder = 1; system = 1; outputs = [ "out" "out" ];',
     "duplicate derivation output 'out'"),
    ('name = "foo"; builder = 1; system = 1; outputs = [ ];',
     "derivation cannot have an empty set of outputs"),
    ('name = "foo"; builder = 1; outputHashMode = "custom";',
     "invalid value 'custom' for 'outputHashMode' attribute"),
    ('name = "foo"; builder = 1; system = 1; __contentAddressed = true;',
     "experimental Nix feature 'ca-derivations' is disabled; add '--extra-experimental-features "
     "ca-derivations' to enable it"),
    ('name = "foo"; builder = 1; system = 1; outputs = [ "a" "b" ]; outputHash = "";',
     "multiple outputs are not supported in fixed-output derivations"),
    ('name = "foo"; outputs = "out"; __structuredAttrs = true;',
     "expected a list but found a string: \"out\""),
])
def test_errors(attrs: str, message: str, base: Path) -> None:
    assert error_of(f"builtins.derivationStrict {{ {attrs} }}", base).message == message


def test_traces(base: Path) -> None:
    err = error_of('builtins.derivationStrict {\n  name = "foo";\n  builder = 1;\n'
                   "  args = [ { } ];\n}", base)
    assert [hint for hint, _ in err.trace] == [
        "while evaluating an element of the argument list",
        "while evaluating attribute 'args' of derivation 'foo'",
        "while evaluating derivation 'foo'\n"
        "  whose name attribute is located at «string»:2:3",
        "while calling the 'derivationStrict' builtin"]
    src, offset = err.trace[1][1]
    assert src.line_col(offset) == (4, 3)
    err = error_of("builtins.derivationStrict { name = 1; }", base)
    assert [hint for hint, _ in err.trace] == [
        "while evaluating the `name` attribute passed to builtins.derivationStrict",
        "while evaluating the derivation attribute 'name'",
        "while calling the 'derivationStrict' builtin"]
    err = error_of('builtins.derivationStrict { name = "foo"; __ignoreNulls = 15; }', base)
    assert err.trace[0][0] == \
        "while evaluating the `__ignoreNulls` attribute passed to builtins.derivationStrict"


def test_structured_attrs_warnings(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = drv("__structuredAttrs = true;\n  maxSize = 1;")
    evaluate(f"({d}).outPath", base)
    assert capsys.readouterr().err == (
        "warning:\n"
        "         … while evaluating derivation 't'\n"
        "\n"
        "         warning: 'structuredAttrs' disables the effect of the derivation attribute "
        "'maxSize'; use 'outputChecks.<output>.maxSize' instead\n"
        "         at «string»:2:3:\n"
        '              1| (derivation { name = "t"; system = "x86_64-linux"; builder = "/bin/sh"; '
        "__structuredAttrs = true;\n"
        "              2|   maxSize = 1; }).outPath\n"
        "               |   ^\n")


# Reading .drv files ----------------------------------------------------------------------


def test_aterm_round_trip(base: Path) -> None:
    state = EvalState()
    d = drv('outputs = [ "out" "dev" ]; e = "a\\"b\\nc\\t";')
    drv_path = evaluate(f"({d}).drvPath", base, state)
    objects = D.store_objects(state)
    text = objects.texts[drv_path][0].decode()
    parsed = D.parse_derivation(text, "t")
    assert parsed == objects.drvs[drv_path]
    assert parsed.unparse() == text


def test_derivations_read_from_disk(tmp_path: Path, base: Path) -> None:
    """An input derivation nixeval did not make is read from its .drv file."""
    store_dir = str(tmp_path)
    first = EvalState(store_dir=store_dir)
    dep = evaluate('(derivation { name = "dep"; system = "s"; builder = "/b"; '
                   'outputs = [ "out" "dev" ]; }).drvPath', base, first)
    Path(dep).write_bytes(D.store_objects(first).texts[dep][0])
    user = ('let d = derivation { name = "dep"; system = "s"; builder = "/b"; '
            'outputs = [ "out" "dev" ]; }; in (derivation { name = "u"; system = "s"; '
            'builder = "/b"; x = d.drvPath; y = d.dev; }).drvPath')
    expected = evaluate(user, base, EvalState(store_dir=store_dir))
    # the same derivation, its input known only from the file on disk
    fresh = EvalState(store_dir=store_dir)
    strict = fresh.eval_source(Source("«string»", "builtins.derivationStrict"), str(base))
    dev = D.store_objects(first).drvs[dep].outputs["dev"].path
    from nixeval.eval.values import Attrs, ContextStr

    attrs = Attrs({"name": "u", "system": "s", "builder": "/b",
                   "x": ContextStr(dep, frozenset(["=" + dep])),
                   "y": ContextStr(dev, frozenset([f"!dev!{dep}"]))})
    assert fresh.call(strict, attrs).get("drvPath") == expected
