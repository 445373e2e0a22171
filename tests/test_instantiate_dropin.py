"""``nixeval instantiate`` as a drop-in for ``nix-instantiate``: file arguments
(``<name>`` through the search path, directories, symlinks, stdin), ``-A``
selection paths, and the plain mode that prints the ``drvPath`` of each
derivation found (Nix's getDerivations).

Differential tests run the installed ``nix-instantiate`` (Nix 2.8) with
``--readonly-mode``, so it computes the same paths without writing to a store,
and skip when it is absent; error texts are compared by their final message
line, since Nix 2.8 prints no trace frames. Known-answer tests run everywhere:
the drvPaths were measured with Nix 2.8; the error texts are current Nix's
(its get-drvs.cc, attr-path.cc, eval.cc and tests/functional/cli-characterisation).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import FIXTURES, needs_nix, nix_instantiate, run_nixeval

FIX = FIXTURES / "instantiate"
SEARCH = ["-I", f"fx={FIX}"]
SYSTEM = ["--argstr", "system", "x86_64-linux"]
ENV = {"NIX_PATH": ""}

# nix-instantiate default.nix, measured with Nix 2.8
DEFAULT_DRVS = [
    "/nix/store/7g5giqf764p3y3zv7a8rqsy9sqqq5kw4-a.drv",
    "/nix/store/nrb4avj6pm8s9wv5zqyxn1zf91648msi-d.drv",
    "/nix/store/az9frl7fl4gmqnv8p189r25c833cx4yy-e.drv",
    "/nix/store/xnr21jgck7hbq8c670qdll8zpk8i9lnq-deps.drv",
    "/nix/store/nwsf5yf5hpl1ffn9spbdnvjaw1xh62kd-multi.drv!dev",
    "/nix/store/45ajkcjzx6y4agmm3ji92551als5y176-ok.drv",
]


def ours(*args: str, stdin: str | None = None,
         env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = run_nixeval("instantiate", *args, cwd=FIX, env={**ENV, **(env or {})},
                    stdin=None if stdin is None else stdin.encode())
    out, err = r.stdout, r.stderr
    if isinstance(out, bytes):
        out, err = out.decode(), err.decode()
    assert "Traceback" not in err
    return r.returncode, out, err


def nix(*args: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> tuple[int, str, str]:
    assert nix_instantiate is not None
    r = subprocess.run([nix_instantiate, "--readonly-mode", *args], cwd=FIX, input=stdin,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, **ENV, **(env or {})})
    return r.returncode, r.stdout, r.stderr


def message(stderr: str) -> str:
    """The error's own message line, without Nix's trace frames (2.8 prints none)."""
    lines = [line.strip() for line in stderr.splitlines()]
    return [line for line in lines if line.startswith("error: ")][-1]


# Differential ------------------------------------------------------------------------

SAME_OUTPUT = [
    [],  # ./default.nix
    ["."],
    ["default.nix", "-A", "list"],
    ["-A", "deep"],
    ["-A", "deps"],
    ["-A", "multi.dev"],
    ["-A", "multi.out"],
    ["-A", "a", "-A", "multi", "-A", "nested"],
    ["args.nix", *SYSTEM, "--argstr", "x", "X"],
    ["args.nix", *SYSTEM, "-A", "functor"],
    ["args.nix", *SYSTEM, "--arg", "name", '"given"', "-A", "top", "-A", "set.f"],
    ["fake.nix", "-A", "good", "-A", "lib"],
    ["-E", "[ { a = 1; } ]"],
    ["-E", 'let d = derivation { name = "d"; system = "s"; builder = "/b"; }; '
           "in rec { x = d; y = x; z = [ d d ]; w = d // { }; }"],
    ["-E", "1", "--eval", "-E", "2"],
    [*SEARCH, "<fx>", "-A", "a"],
    [*SEARCH, "<fx/args.nix>", *SYSTEM, "-A", "fns", "--argstr", "x", "Y"],
    [*SEARCH, "--eval", "--strict", "<fx>", "-A", "multi.outputs"],
    [*SEARCH, "--find-file", "fx/args.nix", "fx"],
    ["--eval", "-E", "{ a ? 1 }: a"],
    ["--eval", "-E", "{ a ? 1 }: a", "--arg", "b", "2"],
    ["--eval", "-E", '{ "a.b" = { c = [ 5 ]; }; }', "-A", '"a.b".c.0'],
    ["--eval", "-E", "{ x = 1; }", "-A", "x."],
    ["--eval", "-E", "{ x = 1; }", "-A", 'x.""'],
]


@needs_nix
@pytest.mark.parametrize("args", SAME_OUTPUT, ids=" ".join)
def test_output_like_nix(args: list[str]) -> None:
    rc, out, err = ours(*args)
    assert (rc, out) == nix(*args)[:2], err


@needs_nix
def test_search_path_from_nix_path_like_nix() -> None:
    env = {"NIX_PATH": f"fx={FIX}"}
    args = ["<fx/default.nix>", "-A", "a"]
    assert ours(*args, env=env)[:2] == nix(*args, env=env)[:2] == (0, DEFAULT_DRVS[0] + "\n")


@needs_nix
@pytest.mark.parametrize(("args", "stdin"), [
    (["-"], 'derivation { name = "s"; system = "s"; builder = "/b"; }'),
    (["-E", "2", "-", "--eval"], "1"),
])
def test_stdin_like_nix(args: list[str], stdin: str) -> None:
    assert ours(*args, stdin=stdin)[:2] == nix(*args, stdin=stdin)[:2]


SAME_ERROR = [
    ["-E", "1"],
    ["-E", '"s"'],
    ["-E", "x: x"],
    ["-E", "[ 1 ]"],
    ["-E", "[ [ 1 ] ]"],
    ["fake.nix", "-A", "noName"],
    ["fake.nix", "-A", "noDrvPath"],
    ["fake.nix", "-A", "noOutputName"],
    ["fake.nix", "-A", "emptyOutputName"],
    ["fake.nix", "-A", "outsideStore"],
    ["fake.nix", "-A", "subPath"],
    ["fake.nix", "-A", "throws"],
    ["<nowhere>"],
    ["--eval", "<nowhere/x.nix>"],
    ["args.nix"],
    ["-A", "nope"],
    ["-A", "mult"],
    ["-A", ".a"],
    ["-A", 'a"b'],
    ["-A", "list.7"],
    ["-A", "a.0"],
    ["-A", "notDrv.x"],
]


@needs_nix
@pytest.mark.parametrize("args", SAME_ERROR, ids=" ".join)
def test_errors_like_nix(args: list[str]) -> None:
    rc, out, err = ours(*args)
    nix_rc, nix_out, nix_err = nix(*args)
    assert (rc, out) == (nix_rc, nix_out) == (1, "")
    assert message(err) == message(nix_err)


@needs_nix
def test_symlinked_file_and_directory_like_nix(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "real.nix").write_text("import ./other.nix\n")
    (tmp_path / "sub" / "other.nix").write_text("42\n")
    (tmp_path / "link.nix").symlink_to("sub/real.nix")
    (tmp_path / "dirlink").symlink_to(FIX)
    for args in (["--eval", str(tmp_path / "link.nix")], [str(tmp_path / "dirlink"), "-A", "a"]):
        assert ours(*args)[:2] == nix(*args)[:2]
    assert ours("--eval", str(tmp_path / "link.nix"))[1] == "42\n"


# Known answers -------------------------------------------------------------------------

def test_default_nix_drv_paths() -> None:
    assert ours() == (0, "".join(p + "\n" for p in DEFAULT_DRVS), "")


def test_search_path_file_argument() -> None:
    rc, out, _ = ours(*SEARCH, "<fx/args.nix>", *SYSTEM, "-A", "top")
    assert (rc, out) == (0, "/nix/store/jjyznmfzb1pgq5v3bxnbqid2bnxyg38x-dflt.drv\n")


def test_not_in_search_path() -> None:
    assert ours("<nowhere/x.nix>")[2] == (
        "error: file 'nowhere/x.nix' was not found in the Nix search path "
        "(add it using $NIX_PATH or -I)\n")


def test_add_root_dry_run_and_indirect_write_nothing(tmp_path) -> None:
    root = tmp_path / "result.drv"
    rc, out, _ = ours("--add-root", str(root), "--indirect", "--dry-run", "-A", "a")
    assert (rc, out) == (0, DEFAULT_DRVS[0] + "\n")
    assert not os.path.lexists(root)


def test_version_and_help() -> None:
    from nixeval import __version__

    assert ours("--version") == (0, f"nixeval instantiate (nixeval) {__version__}\n", "")
    rc, out, _ = ours("--help")
    assert rc == 0
    assert "writes no store" in out and "no .drv file is written" in " ".join(out.split())


def test_missing_argument_text() -> None:
    rc, _, err = ours("args.nix")
    assert rc == 1
    source = (FIX / "args.nix").read_text().splitlines()
    assert err == f"""\
error: cannot evaluate a function that has an argument without a value ('system')
       Nix attempted to evaluate a function as a top level expression; in
       this case it must have its arguments supplied either by default
       values, or passed explicitly with '--arg' or '--argstr'. See
       https://nix.dev/manual/nix/stable/language/syntax.html#functions.
       at {FIX}/args.nix:2:18:
            1| {source[0]}
            2| {source[1]}
             |                  ^
            3| {source[2]}
"""


def test_drv_path_must_name_a_derivation() -> None:
    # current Nix checks the .drv suffix (Nix 2.8 printed such a path as it was)
    rc, out, err = ours("fake.nix", "-A", "notADrv")
    assert (rc, out) == (1, "")
    assert "… while evaluating the 'drvPath' attribute of a derivation" in err
    assert message(err) == ("error: store path '2pkii2yxw9c9wmpbsq16hk5acdv09njc-not-a-drv' "
                            "is not a valid derivation path")


def test_bad_recurse_for_derivations() -> None:
    rc, _, err = ours("fake.nix", "-A", "badRecurse")
    assert rc == 1
    assert "… while evaluating the attribute 's'" in err
    assert "… while evaluating the attribute `recurseForDerivations`" in err
    assert message(err) == "error: expected a Boolean but found an integer: 1"


def test_selection_path_type_names() -> None:
    assert message(ours("--eval", "-E", "1", "-A", "0")[2]) == (
        "error: the expression selected by the selection path '0' should be a list "
        "but is an integer")
    assert message(ours("--eval", "-E", "[ 1 ]", "-A", "x")[2]) == (
        "error: the expression selected by the selection path 'x' should be a set "
        "but is a list")


def test_urls_are_not_fetched() -> None:
    rc, _, err = ours("--eval", "https://example.org/nixexprs.tar.xz")
    assert rc == 1
    assert err == ("error: 'https://example.org/nixexprs.tar.xz' cannot be evaluated by "
                   "nixeval: it has no network access and no Nix store to fetch into\n")


def test_stdin_comes_first() -> None:
    # as nix-instantiate: standard input, then the other arguments
    assert ours("--eval", "-E", "2", "-", stdin="1")[:2] == (0, "1\n2\n")
    rc, out, _ = ours("-", stdin='derivation { name = "x"; system = "x86_64-linux"; '
                                 'builder = "/bin/sh"; }')
    assert (rc, out) == (0, "/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv\n")
