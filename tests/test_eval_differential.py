"""Does nixeval evaluate like real Nix?

Hypothesis generates well-typed-ish expressions over the core language (let,
if, functions with plain and set patterns, arithmetic, comparisons, ``//``,
``++``, string interpolation, ``rec``, ``assert``, ``throw``) and the common
builtins, and ``nixeval instantiate --eval --strict --json`` is compared with
the installed ``nix-instantiate``.

Each expression is evaluated as ``builtins.tryEval (builtins.deepSeq e e)`` in
a file of its own, and all files of a batch go to one process: errors that
``tryEval`` catches (``throw``, ``assert``) give ``success = false``, and an
uncatchable error (say ``head []``) ends the process after the files before
it were printed, so the run continues from the next file.  Values are
compared as parsed JSON, failures of either kind only as "it failed": when an
expression holds both kinds, which one surfaces depends on evaluation order
(Nix forces a set's attributes in the order their names were first seen).

The installed Nix is 2.8 while nixeval follows current Nix, so the
generator steers clear of where they differ (each is also why something
is not generated):

* integer overflow wraps in 2.8 and is an error now: numbers stay small and
  products are of a number and a small literal;
* floats: 2.8 prints them with 6 significant digits in JSON;
* ``replaceStrings`` evaluates every replacement in 2.8, only the used ones
  now: replacements never fail;
* strings hold no control characters but newline and tab, which 2.8's JSON
  writer escapes as nlohmann does;
* functions are never part of a result (``--json`` cannot print them);
* a string that is not valid UTF-8 (``substring`` or an empty
  ``replaceStrings`` pattern can cut a character in two): 2.8 prints its bytes
  into the JSON output, current Nix refuses to.  Such a result of 2.8 counts as
  an error.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from conftest import needs_nix, nix_instantiate, run_nixeval
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


class _Failed:
    def __repr__(self) -> str:
        return "<failed>"


ERROR = _Failed()  # an evaluation that failed, whichever way
# invalid UTF-8 from the output, as surrogateescape decodes it
_INVALID_UTF8 = re.compile(r"[\udc80-\udcff]")
INT, STR, BOOL, INTS, STRS, SET, ANY = "int", "str", "bool", "ints", "strs", "set", "any"
NAMES = ["a", "b", "c", "x-y", "é"]
REGEXES = ["a", "(a)(b)?", "[a-c]+", "(.*)-(.*)", "x|é", "([0-9]+)", "", "(a*)", "[^a]*"]
VERSIONS = ["1.0", "1.0pre1", "2.3.1", "2.3a", "1.2-rc3", "10", "1.é", "-1", "pre"]


def nix_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("$", "\\$")


def _name(n: str) -> str:
    return n if n.replace("-", "").isascii() and n[0].isalpha() else nix_string(n)


def _int(n: int) -> str:
    return f"({n})" if n < 0 else str(n)  # `[ -1 ]` is not Nix


string_literals = st.text(alphabet="abcé-.1_/ \n\t$", max_size=6).map(nix_string)


class Gen:
    """Expressions of a type, ``depth`` levels deep; ``env`` holds the
    let-bound variables in scope as (name, type)."""

    def __init__(self, draw, env: tuple[tuple[str, str], ...] = ()) -> None:
        self.draw = draw
        self.env = env

    def pick(self, options: list) -> object:
        return self.draw(st.sampled_from(options))

    def small(self, lo: int = 0, hi: int = 5) -> int:
        return self.draw(st.integers(lo, hi))

    def __call__(self, t: str, depth: int) -> str:
        variables = [name for name, vt in self.env if vt == t]
        if variables and self.draw(st.booleans()):
            return self.pick(variables)
        if depth <= 0:
            return self.leaf(t)
        if t == ANY:
            t = self.pick([INT, STR, BOOL, INTS, STRS, SET])
            if self.small(0, 6) == 0:
                return self.pick([
                    f"(builtins.split {nix_string(self.pick(REGEXES))} {self(STR, depth - 1)})",
                    f"(builtins.match {nix_string(self.pick(REGEXES))} {self(STR, depth - 1)})",
                    "null",
                ])
        rule = self.pick(getattr(self, "rules_" + t))
        return "(" + rule(self, depth - 1) + ")"

    def leaf(self, t: str) -> str:
        if t in (INT, ANY):
            return _int(self.draw(st.integers(-20, 100)))
        if t == STR:
            return self.draw(string_literals)
        if t == BOOL:
            return self.pick(["true", "false"])
        if t == INTS:
            return "[ " + " ".join(_int(self.small(-3, 9)) for _ in range(self.small())) + " ]"
        if t == STRS:
            return "[ " + " ".join(self.draw(string_literals) for _ in range(self.small())) + " ]"
        return "{ " + "".join(f"{_name(n)} = {_int(self.small(-3, 9))}; "
                              for n in self.draw(st.sets(st.sampled_from(NAMES)))) + "}"

    def let(self, t: str, d: int) -> str:
        vt = self.pick([INT, STR, INTS])
        name = f"v{len(self.env)}"
        value = self(vt, d)
        body = Gen(self.draw, (*self.env, (name, vt)))(t, d)
        return f"let {name} = {value}; in {body}"

    def if_(self, t: str, d: int) -> str:
        return f"if {self(BOOL, d)} then {self(t, d)} else {self(t, d)}"

    def assert_(self, t: str, d: int) -> str:
        return f"assert {self(BOOL, d)}; {self(t, d)}"

    rules_int = [
        lambda g, d: f"{g(INT, d)} + {g(INT, d)}",
        lambda g, d: f"{g(INT, d)} - {g(INT, d)}",
        lambda g, d: f"{g(INT, d)} * {_int(g.small(-3, 4))}",
        lambda g, d: f"{g(INT, d)} / {g.pick(['1', '2', '3', '(-4)', '0'])}",
        lambda g, d: f"builtins.length {g(INTS, d)}",
        lambda g, d: f"builtins.stringLength {g(STR, d)}",
        lambda g, d: f"builtins.elemAt ({g(INTS, d)} ++ [ {g(INT, d)} ]) 0",
        lambda g, d: f"builtins.elemAt {g(INTS, d)} {g.small(0, 2)}",
        lambda g, d: f"builtins.foldl' (acc: x: acc + x) {g(INT, d)} {g(INTS, d)}",
        lambda g, d: f"builtins.head ({g(INTS, d)} ++ [ {g(INT, d)} ])",
        lambda g, d: f"({g(SET, d)}).{_name(g.pick(NAMES))} or {g(INT, d)}",
        lambda g, d: f"builtins.compareVersions {nix_string(g.pick(VERSIONS))} "
                     f"{nix_string(g.pick(VERSIONS))}",
        lambda g, d: f"(x: x * 2 + {g(INT, d)}) {g(INT, d)}",
        lambda g, d: f"({{ a, b ? {g(INT, d)} }}: a - b) {{ a = {g(INT, d)}; }}",
        lambda g, d: f"builtins.getAttr \"a\" ({g(SET, d)} // {{ a = {g(INT, d)}; }})",
        lambda g, d: f"(rec {{ a = {g(INT, d)}; b = a + 1; }}).b",
        lambda g, d: f"builtins.length (builtins.attrNames {g(SET, d)})",
        lambda g, d: g.let(INT, d),
        lambda g, d: g.if_(INT, d),
        lambda g, d: g.assert_(INT, d),
    ]
    rules_str = [
        lambda g, d: f"{g(STR, d)} + {g(STR, d)}",
        lambda g, d: f"\"${{{g(STR, d)}}}-${{{g(STR, d)}}}\"",
        lambda g, d: f"builtins.toString {g(g.pick([INT, BOOL, INTS]), d)}",
        lambda g, d: f"builtins.substring {g.small()} {_int(g.small(-1, 4))} {g(STR, d)}",
        lambda g, d: f"builtins.replaceStrings [ {g.draw(string_literals)} "
                     f"{g.draw(string_literals)} ] [ {g.draw(string_literals)} "
                     f"{g.draw(string_literals)} ] {g(STR, d)}",
        lambda g, d: f"builtins.concatStringsSep {g(STR, d)} {g(STRS, d)}",
        lambda g, d: f"builtins.toJSON {g(ANY, d)}",
        lambda g, d: f"builtins.typeOf {g(ANY, d)}",
        lambda g, d: f"builtins.head ({g(STRS, d)} ++ [ {g(STR, d)} ])",
        lambda g, d: f"builtins.baseNameOf {g(STR, d)}",
        lambda g, d: f"builtins.dirOf {g(STR, d)}",
        lambda g, d: f"builtins.hashString \"{g.pick(['md5', 'sha256'])}\" {g(STR, d)}",
        lambda g, d: f"(builtins.parseDrvName {g(STR, d)}).version",
        lambda g, d: f"builtins.concatStringsSep \"|\" (builtins.splitVersion {g(STR, d)})",
        lambda g, d: f"throw {g(STR, d)}",
        lambda g, d: g.let(STR, d),
        lambda g, d: g.if_(STR, d),
        lambda g, d: g.assert_(STR, d),
    ]
    rules_bool = [
        lambda g, d: f"{g(INT, d)} < {g(INT, d)}",
        lambda g, d: f"{g(STR, d)} <= {g(STR, d)}",
        lambda g, d: f"{g(INT, d)} == {g(INT, d)}",
        lambda g, d: f"{g(INTS, d)} == {g(INTS, d)}",
        lambda g, d: f"{g(SET, d)} != {g(SET, d)}",
        lambda g, d: f"!{g(BOOL, d)}",
        lambda g, d: f"{g(BOOL, d)} {g.pick(['&&', '||', '->'])} {g(BOOL, d)}",
        lambda g, d: f"builtins.elem {g(INT, d)} {g(INTS, d)}",
        lambda g, d: f"builtins.hasAttr {nix_string(g.pick(NAMES))} {g(SET, d)}",
        lambda g, d: f"{g(SET, d)} ? {_name(g.pick(NAMES))}",
        lambda g, d: f"builtins.{g.pick(['isInt', 'isString', 'isList', 'isAttrs', 'isBool'])} "
                     f"{g(ANY, d)}",
        lambda g, d: f"builtins.match {nix_string(g.pick(REGEXES))} {g(STR, d)} == null",
        lambda g, d: f"builtins.{g.pick(['all', 'any'])} (x: x > {g(INT, d)}) {g(INTS, d)}",
        lambda g, d: g.if_(BOOL, d),
    ]
    rules_ints = [
        lambda g, d: f"{g(INTS, d)} ++ {g(INTS, d)}",
        lambda g, d: f"map (x: x + {g(INT, d)}) {g(INTS, d)}",
        lambda g, d: f"builtins.filter (x: x > {g(INT, d)}) {g(INTS, d)}",
        lambda g, d: f"builtins.genList (i: i * {_int(g.small(-2, 3))}) {_int(g.small(-1, 5))}",
        lambda g, d: f"builtins.sort builtins.lessThan {g(INTS, d)}",
        lambda g, d: f"builtins.tail ({g(INTS, d)} ++ [ 0 ])",
        lambda g, d: f"builtins.tail {g(INTS, d)}",
        lambda g, d: f"builtins.attrValues {g(SET, d)}",
        lambda g, d: f"builtins.concatLists [ {g(INTS, d)} {g(INTS, d)} ]",
        lambda g, d: f"map builtins.stringLength {g(STRS, d)}",
        lambda g, d: g.let(INTS, d),
        lambda g, d: g.if_(INTS, d),
    ]
    rules_strs = [
        lambda g, d: f"{g(STRS, d)} ++ {g(STRS, d)}",
        lambda g, d: f"builtins.attrNames {g(SET, d)}",
        lambda g, d: f"map builtins.toString {g(INTS, d)}",
        lambda g, d: f"builtins.filter (s: s != {g(STR, d)}) {g(STRS, d)}",
        lambda g, d: f"builtins.sort builtins.lessThan {g(STRS, d)}",
        lambda g, d: f"builtins.splitVersion {g(STR, d)}",
        lambda g, d: f"map (s: s + {g(STR, d)}) {g(STRS, d)}",
        lambda g, d: g.if_(STRS, d),
    ]
    rules_set = [
        lambda g, d: f"{g(SET, d)} // {g(SET, d)}",
        lambda g, d: f"builtins.mapAttrs (n: v: v + {g(INT, d)}) {g(SET, d)}",
        lambda g, d: "builtins.listToAttrs [ " + " ".join(
            f"{{ name = {g(STR, d)}; value = {g(INT, d)}; }}" for _ in range(g.small(0, 3)))
                     + " ]",
        lambda g, d: f"removeAttrs {g(SET, d)} [ {nix_string(g.pick(NAMES))} ]",
        lambda g, d: f"builtins.intersectAttrs {g(SET, d)} {g(SET, d)}",
        lambda g, d: f"rec {{ a = {g(INT, d)}; b = a * 2; }}",
        lambda g, d: f"let s = {g(SET, d)}; in s // {{ c = {g(INT, d)}; }}",
        lambda g, d: g.if_(SET, d),
    ]


@st.composite
def expressions(draw) -> str:
    return Gen(draw)(ANY, draw(st.integers(1, 4)))


def json_values(text: str) -> list:
    """The JSON values printed one after another (Nix 2.8 puts no newline
    between them)."""
    decoder = json.JSONDecoder()
    values, pos = [], 0
    text = text.strip()
    while pos < len(text):
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break  # output cut short by an error
        values.append(value)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return values


def evaluate_all(run: Callable[[list[str]], subprocess.CompletedProcess[bytes]],
                 files: list[str]) -> list:
    """One result per file; a process that fails is restarted after the file
    that failed."""
    results: list = []
    while len(results) < len(files):
        rest = files[len(results):]
        proc = run(rest)
        outputs = json_values(proc.stdout.decode("utf-8", "surrogateescape"))[:len(rest)]
        results.extend(ERROR if not v["success"]
                       or _INVALID_UTF8.search(json.dumps(v, ensure_ascii=False)) else v["value"]
                       for v in outputs)
        if proc.returncode != 0:
            results.append(ERROR)
        elif len(outputs) < len(rest):
            raise AssertionError(f"no output for {rest[len(outputs)]}: {proc.stderr!r}")
    return results


def run_nix(files: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([nix_instantiate, "--eval", "--strict", "--json", *files],
                          capture_output=True, timeout=120)


def run_ours(files: list[str]) -> subprocess.CompletedProcess[bytes]:
    return run_nixeval("instantiate", "--eval", "--strict", "--json", *files, stdin=b"")


@needs_nix
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(expressions(), min_size=40, max_size=40))
def test_same_results_as_nix(exprs: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, e in enumerate(exprs):
            path = Path(tmp) / f"e{i}.nix"
            path.write_text(f"builtins.tryEval (builtins.deepSeq ({e}) ({e}))\n")
            files.append(str(path))
        theirs = evaluate_all(run_nix, files)
        ours = evaluate_all(run_ours, files)
    mismatches = [f"{e}\n  nix:     {t}\n  nixeval: {o}"
                  for e, t, o in zip(exprs, theirs, ours, strict=True) if t != o]
    assert not mismatches, "\n".join(mismatches)
