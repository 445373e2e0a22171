"""Tests for the file, path and store builtins (nixeval/eval/builtins/io.py).

Differential tests compare with the installed ``nix-instantiate`` (Nix 2.8)
and skip when it is absent: most with ``--readonly-mode``; those that read
back what an evaluation added to the store (``toFile`` outputs, copies of
sources) use a throw-away chroot store in a temporary directory
(``--store DIR --read-write-mode``), since a read-only Nix cannot read paths
it did not write.  Known-answer tests run everywhere; their answers were
measured with Nix 2.8 where 2.8 and current Nix agree, and where they do not
(``readFileType`` is newer than 2.8, messages were reworded, ``builtins.path``
now follows a symlink it is given) the expectation comes from current Nix's
source (src/libexpr/primops.cc, primops/fetchTree.cc) or its language test
suite, as noted.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import needs_nix, nix_instantiate

from nixeval.eval import store
from nixeval.eval.errors import NixError
from nixeval.eval.printer import to_json
from nixeval.eval.state import EvalState
from nixeval.syntax import Source


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small source tree with every kind of entry the builtins distinguish."""
    root = tmp_path_factory.mktemp("io") / "tree"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("hello\n")
    (root / "utf8.txt").write_text("é\n")
    (root / "sub" / "b.txt").write_text("world\n")
    (root / "sub" / "deeper" / "c.txt").write_text("!")
    (root / "bin.dat").write_bytes(bytes(range(256)))
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    os.symlink("a.txt", root / "link")
    os.symlink("sub", root / "dirlink")
    os.symlink("nowhere", root / "broken")
    return root


@pytest.fixture(scope="module")
def chroot_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("nix-store"))


def evaluate(expr: str, base: Path) -> Any:
    """nixeval's value of ``expr`` as JSON data (forcing it completely)."""
    state = EvalState()
    return json.loads(to_json(state, state.eval_source(Source("«string»", expr), str(base))))


def error_of(expr: str, base: Path) -> NixError:
    state = EvalState()
    with pytest.raises(NixError) as info:
        to_json(state, state.eval_source(Source("«string»", expr), str(base)))
    return info.value


def real_nix(expr: str, base: Path, chroot: str | None = None) -> Any:
    assert nix_instantiate is not None
    mode = ["--store", chroot, "--read-write-mode"] if chroot else ["--readonly-mode"]
    proc = subprocess.run([nix_instantiate, *mode, "--eval", "--strict", "--json", "-E", expr],
                          cwd=base, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# Differential ------------------------------------------------------------------------

READONLY_CASES = [
    "builtins.readFile ./a.txt",
    "builtins.readFile ./utf8.txt",
    "builtins.readFile ./link",
    'builtins.readFile "${toString ./.}/sub/../a.txt"',
    "builtins.readDir ./.",
    "builtins.readDir ./dirlink",
    'builtins.readDir (toString ./. + "/sub/")',
    "map (a: builtins.hashFile a ./bin.dat) [ \"md5\" \"sha1\" \"sha256\" \"sha512\" ]",
    "builtins.hashFile \"sha256\" ./link",
    # pathExists: a trailing "/" or "/." asks for a directory (through symlinks)
    "map builtins.pathExists [ ./a.txt ./nope ./broken ./dirlink ]",
    'map (s: builtins.pathExists (toString ./. + s)) [ "/a.txt" "/a.txt/" "/a.txt/." '
    '"/sub/" "/sub/." "/dirlink/" "/dirlink/." "/broken" "/broken/" "/sub/../a.txt" '
    '"/sub//b.txt" "/./sub" ]',
    'builtins.pathExists { outPath = toString ./a.txt; }',
    'builtins.toPath "/a/../b//c/./"',
    "builtins.toPath ./a.txt",
    'builtins.toFile "hello.txt" "hi\\n"',
    'let a = builtins.toFile "a" "A"; in builtins.toFile "b" "see ${a} and ${./a.txt}"',
    "builtins.path { path = ./.; }",
    "builtins.path { path = ./sub; name = \"renamed\"; }",
    'builtins.path { path = ./.; filter = p: t: t != "symlink" && baseNameOf p != "deeper"; }',
    "builtins.path { path = ./a.txt; recursive = false; }",
    "builtins.path { path = ./run.sh; recursive = false; }",
    "builtins.path { path = ./run.sh; }",
    'builtins.filterSource (p: t: t == "directory" || baseNameOf p == "c.txt") ./sub',
    '"${./sub}"',
]


@needs_nix
@pytest.mark.parametrize("expr", READONLY_CASES)
def test_like_nix(expr: str, tree: Path) -> None:
    assert evaluate(expr, tree) == real_nix(expr, tree)


STORE_CASES = [
    'builtins.readFile (builtins.toFile "x" "contents")',
    'let a = builtins.toFile "a" "A"; b = builtins.toFile "b" "uses ${a}"; in builtins.readFile b',
    'builtins.readFile "${./sub}/deeper/c.txt"',
    'builtins.readDir "${./.}"',
    'builtins.readFile "${builtins.path { path = ./a.txt; recursive = false; }}"',
    'let p = builtins.path { path = ./.; filter = p: t: baseNameOf p != "sub"; }; in '
    '[ (builtins.readDir p) (builtins.pathExists "${p}/sub") (builtins.readFile "${p}/a.txt") ]',
    'let p = builtins.filterSource (p: t: baseNameOf p != "deeper") ./sub; in '
    '[ (builtins.readDir p) (builtins.pathExists "${p}/deeper/c.txt") ]',
    'builtins.hashFile "sha1" (builtins.toFile "x" "y")',
    'builtins.path { path = builtins.toFile "x" "y"; }',
    'builtins.path { path = builtins.toFile "x" "y"; recursive = false; }',
    'builtins.path { path = "${./sub}/deeper"; }',
    'builtins.filterSource (p: t: true) "${./sub}"',
]


@needs_nix
@pytest.mark.parametrize("expr", STORE_CASES)
def test_reading_back_the_store_like_nix(expr: str, tree: Path, chroot_store: str) -> None:
    assert evaluate(expr, tree) == real_nix(expr, tree, chroot_store)


# Known answers (measured with Nix 2.8 unless said otherwise) -------------------------


def test_hash_file_known(tree: Path) -> None:
    assert evaluate('builtins.hashFile "md5" ./a.txt', tree) == \
        "b1946ac92492d2347c6235b4d2611184"


def test_to_file_known(tree: Path) -> None:
    assert evaluate('builtins.toFile "hello.txt" "hi\\n"', tree) == \
        "/nix/store/0n8rj1cflhzhh0min74l7ml0ck57hkcc-hello.txt"


def test_read_file_context(tree: Path) -> None:
    # current Nix: a store file's contents depend on those of its references
    # they mention, so this is the derivation with x = "uses ${a}", whose path
    # Nix 2.8 gave (2.8 through a chroot store cannot show it: its files are
    # then not "in the store")
    assert evaluate('let a = builtins.toFile "a" "A"; b = builtins.toFile "b" "uses ${a}"; '
                    'in (derivation { name = "r"; system = "s"; builder = "/bin/sh"; '
                    'x = builtins.readFile b; }).drvPath', tree) == \
        "/nix/store/4kpmiz98ldm5ny0v6b3b2m69dv5qssa9-r.drv"


def test_read_file_type(tree: Path) -> None:
    # readFileType is newer than Nix 2.8: expectations from current Nix's lang tests
    assert evaluate("map builtins.readFileType [ ./a.txt ./sub ./link ./dirlink ./broken ]",
                    tree) == ["regular", "directory", "symlink", "symlink", "symlink"]
    assert evaluate('builtins.readFileType (builtins.toFile "x" "y")', tree) == "regular"


def test_read_dir_types(tree: Path) -> None:
    assert evaluate("builtins.readDir ./.", tree) == {
        "a.txt": "regular", "bin.dat": "regular", "broken": "symlink", "dirlink": "symlink",
        "link": "symlink", "run.sh": "regular", "sub": "directory", "utf8.txt": "regular"}


def test_read_file_refuses_nul(tree: Path) -> None:
    err = error_of("builtins.readFile ./bin.dat", tree)
    assert err.message == (f"the contents of the file '{tree}/bin.dat' cannot be represented "
                           "as a Nix string")


def test_path_follows_a_symlink_it_is_given(tree: Path) -> None:
    # current Nix's addPath hashes path.resolveSymlinks() (2.8 hashed the link itself)
    assert evaluate("builtins.path { path = ./link; }", tree) == \
        evaluate('builtins.path { path = ./a.txt; name = "link"; }', tree)


def test_path_of_store_file_keeps_its_references(tree: Path) -> None:
    # current Nix's addPath adds a store path with the references it had
    # (Nix 2.8 dropped them)
    out = evaluate('let a = builtins.toFile "a" "A"; b = builtins.toFile "b" "uses ${a}"; '
                   "in builtins.path { path = b; }", tree)
    a = evaluate('builtins.toFile "a" "A"', tree)
    data = f"uses {a}".encode()
    with_refs = store.make_fixed_output_path(
        "nhqn3prizj9pj3jmq74rgygw63rznyb0-b", "recursive", "sha256",
        _nar_of_regular_file(data), [a])
    assert out == with_refs


def _nar_of_regular_file(data: bytes) -> bytes:
    import hashlib

    def s(b: bytes) -> bytes:
        return len(b).to_bytes(8, "little") + b + b"\0" * (-len(b) % 8)

    nar = (s(b"nix-archive-1") + s(b"(") + s(b"type") + s(b"regular") + s(b"contents")
           + s(data) + s(b")"))
    return hashlib.sha256(nar).digest()


def test_path_with_matching_hash(tree: Path) -> None:
    expected = evaluate("builtins.path { path = ./sub; }", tree)
    digest = store.nar_hash(str(tree / "sub")).to_string("base32")
    assert evaluate(f'builtins.path {{ path = ./sub; sha256 = "{digest}"; }}', tree) == expected


def test_store_path(tree: Path) -> None:
    p = "/nix/store/s668cfx1vrqfjryf96jj8wfhg7f67dhj-x"
    assert evaluate(f'builtins.storePath "{p}/bin/sh"', tree) == p + "/bin/sh"
    # the result depends on the store path: a derivation using it lists it as a source
    state = EvalState()
    v = state.eval_source(Source("«string»", f'builtins.storePath "{p}/bin"'), str(tree))
    assert v.context == frozenset([p])


# Errors: current Nix's texts (its lang test suite, primops.cc) ----------------------


@pytest.mark.parametrize(("expr", "message"), [
    ("builtins.readDir ./nope", "path '{tree}/nope' does not exist"),
    ("builtins.readDir ./a.txt", "'{tree}/a.txt' is not a directory"),
    ("builtins.readDir ./link", "'{tree}/a.txt' is not a directory"),
    ("builtins.readFile ./nope", "path '{tree}/nope' does not exist"),
    ("builtins.readFileType ./nope", "path '{tree}/nope' does not exist"),
    ('builtins.hashFile "sha3" ./a.txt', "unknown hash algorithm 'sha3'"),
    ('builtins.pathExists "relative"', "string 'relative' doesn't represent an absolute path"),
    ('builtins.toPath "foo/bar"', "string 'foo/bar' doesn't represent an absolute path"),
    ("builtins.storePath ./a.txt", "path '{tree}/a.txt' is not in the Nix store"),
    ("builtins.path { path = ./a.txt; foo = 1; }", "unsupported argument 'foo' to 'builtins.path'"),
    ('builtins.path { name = "x"; }',
     "missing required 'path' attribute in the first argument to 'builtins.path'"),
    ('builtins.path { path = ./a.txt; sha256 = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzic'
     'y5s"; }', "store path mismatch in (possibly filtered) path added from '{tree}/a.txt'"),
    ('builtins.toFile "f" (derivation { name = "a"; system = "s"; builder = "/b"; }).drvPath',
     "files created by builtins.toFile may not reference derivations, but f references "
     "=9wqz90h8cq2vij7j9nc478n4zmag4ysk-a.drv"),
    ('builtins.toFile "f" "${derivation { name = "a"; system = "s"; builder = "/b"; }}"',
     "files created by builtins.toFile may not reference derivations, but f references "
     "!out!9wqz90h8cq2vij7j9nc478n4zmag4ysk-a.drv"),
    ("builtins.filterSource [ ] ./.", "expected a function but found a list: [ ]"),
    ('builtins.fetchurl "https://example.com/~wiggle~"',
     "invalid store path name when fetching URL 'https://example.com/~wiggle~': name "
     "'~wiggle~' contains illegal character '~'. Please pass an attribute set with 'url' and "
     "'name' attributes to 'fetchurl',  so that it can create a valid store path."),
    ('builtins.fetchTree { type = "file"; url = "file:///x"; owner = -1; }',
     "negative value given for 'fetchTree' argument 'owner': -1"),
])
def test_errors(expr: str, message: str, tree: Path) -> None:
    assert error_of(expr, tree).message == message.format(tree=tree)


def test_traces(tree: Path) -> None:
    err = error_of("builtins.filterSource (p: t: 1) ./sub", tree)
    assert [hint for hint, _ in err.trace] == [
        "while evaluating the return value of the path filter function",
        f"while adding path '{tree}/sub'",
        "while calling the 'filterSource' builtin"]
    err = error_of("builtins.pathExists [ ]", tree)
    assert [hint for hint, _ in err.trace] == ["while realising the context of a path",
                                               "while calling the 'pathExists' builtin"]


@pytest.mark.parametrize("fetch", [
    'builtins.fetchurl "https://example.com/x.tar.gz"',
    'fetchTarball { url = "https://example.com/x.tar.gz"; sha256 = ""; }',
    'builtins.fetchGit { url = "https://example.com/r.git"; }',
    'builtins.fetchTree { type = "github"; owner = "o"; repo = "r"; }',
    'builtins.fetchMercurial "https://example.com/r"',
    'builtins.fetchClosure { fromPath = "/nix/store/x"; }',
])
def test_fetchers_refuse_clearly(fetch: str, tree: Path) -> None:
    who = fetch.split()[0].removeprefix("builtins.")
    assert error_of(fetch, tree).message == (
        f"'{who}' cannot be evaluated by nixeval: it has no network access and no Nix store "
        "to fetch into")


def test_derivation_outputs_cannot_be_read(tree: Path) -> None:
    err = error_of('builtins.readFile "${derivation { name = "a"; system = "s"; '
                   'builder = "/b"; }}/x"', tree)
    assert err.message.startswith("cannot build '/nix/store/")
    assert "nixeval has no store" in err.message


def test_store_path_not_in_pure_mode(tree: Path) -> None:
    state = EvalState(pure=True)
    with pytest.raises(NixError) as info:
        state.eval_source(Source("«string»", 'builtins.storePath "/nix/store/x"'), str(tree))
    assert info.value.message == "'builtins.storePath' is not allowed in pure evaluation mode"
