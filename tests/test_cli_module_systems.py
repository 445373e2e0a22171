"""``--home-manager FILE``, ``--darwin FILE`` and ``--modules EXPR``: the
option commands and lint on module systems other than NixOS, found on the
search path as home-manager and darwin-rebuild find them. Small trees of our
own stand for home-manager and nix-darwin (their entry points' shapes: the
one calls ``modules/`` with ``configuration`` and ``pkgs``, the other
``default.nix`` with ``configuration``); the real home-manager tree is asked
when NIXEVAL_TREE_HOME_MANAGER (and a lib) are set."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

from nixeval import api

HOME_MODULE = """{ lib, ... }: {
  options.home = {
    username = lib.mkOption { type = lib.types.str; description = "The user."; };
    shell = lib.mkOption { type = lib.types.enum [ "bash" "zsh" ]; default = "bash"; };
  };
}
"""


def fake_trees(root: Path) -> list[str]:
    """A nixpkgs with just a lib, a home-manager and a nix-darwin of our own:
    the -I entries that find them."""
    (root / "nixpkgs").mkdir()
    (root / "nixpkgs" / "default.nix").write_text("{ ... }: { lib = import <nixeval/lib>; }")
    (root / "hm" / "modules").mkdir(parents=True)
    (root / "hm" / "modules" / "home.nix").write_text(HOME_MODULE)
    (root / "hm" / "modules" / "default.nix").write_text(
        "{ configuration, pkgs, lib ? pkgs.lib }:\n"
        "lib.evalModules { modules = [ ./home.nix configuration ]; }\n")
    (root / "darwin").mkdir()
    (root / "darwin" / "eval-config.nix").write_text(
        "{ modules }: let lib = import <nixeval/lib>; in lib.evalModules {\n"
        "  modules = modules ++ [ { options.networking.hostName = lib.mkOption {\n"
        "    type = lib.types.str; default = \"mac\"; }; } ]; }\n")
    (root / "darwin" / "default.nix").write_text(
        "{ configuration }: import ./eval-config.nix { modules = [ configuration ]; }\n")
    return ["-I", f"nixpkgs={root / 'nixpkgs'}", "-I", f"home-manager={root / 'hm'}",
            "-I", f"darwin={root / 'darwin'}"]


def test_home_manager_option_and_lint(tmp_path: Path):
    include = fake_trees(tmp_path)
    home = tmp_path / "home.nix"
    home.write_text('{ ... }: { home.username = "alice"; home.shell = "fish"; }\n')
    r = run_nixeval("option", "--json", "home.username", "--home-manager", str(home), *include)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["value"] == "alice" and answer["description"] == "The user."
    assert answer["definitions"][0]["file"] == str(home)
    r = run_nixeval("lint", "--format", "json", "--home-manager", str(home), *include)
    assert r.returncode == 1, r.stderr
    [finding] = json.loads(r.stdout)
    assert finding["kind"] == "type-error" and finding["option"] == "home.shell"
    assert (finding["file"], finding["line"]) == (str(home), 1)
    # the session the API opens the same way
    with api.open_home_manager(home, include=include[1::2]) as session:
        assert session.value("home.username") == "alice"


def test_darwin_and_an_expression(tmp_path: Path):
    include = fake_trees(tmp_path)
    mac = tmp_path / "darwin.nix"
    mac.write_text('{ ... }: { networking.hostName = "studio"; }\n')
    r = run_nixeval("option", "--json", "networking.hostName", "--darwin", str(mac), *include)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] == "studio"
    expr = f"import {tmp_path}/darwin {{ configuration = {mac}; }}"
    r = run_nixeval("options", "--json", "--modules", expr, *include)
    assert r.returncode == 0, r.stderr
    assert "networking.hostName" in [o["name"] for o in json.loads(r.stdout)]


def test_module_systems_say_what_is_missing(tmp_path: Path):
    home = tmp_path / "home.nix"
    home.write_text("{ ... }: { }")
    env = {**os.environ, "NIX_PATH": ""}
    r = run_nixeval("option", "home.username", "--home-manager", str(home), "-I",
                    f"nixpkgs={tmp_path}", env=env)
    assert r.returncode == 2 and "--home-manager needs <home-manager>" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_nixeval("option", "x", "--home-manager", str(home), "--config", str(home))
    assert r.returncode == 2 and "drop --config" in r.stderr
    r = run_nixeval("option", "x", "--darwin", str(tmp_path / "absent.nix"))
    assert r.returncode == 2 and "does not exist" in r.stderr


@pytest.mark.skipif(not (os.environ.get("NIXEVAL_TREE_HOME_MANAGER")
                         and os.environ.get("NIXEVAL_TREE_LIBS")),
                    reason="NIXEVAL_TREE_HOME_MANAGER and NIXEVAL_TREE_LIBS are not set "
                    "(a home-manager checkout and a nixpkgs lib: benchmarks/realtrees/README.md)")
def test_real_home_manager(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "benchmarks" / "realtrees"))
    import realtrees

    tree = Path(os.environ["NIXEVAL_TREE_HOME_MANAGER"])
    hm = next(t for t in realtrees.TREES if t.name == "home-manager")
    names = realtrees.write_package_names(hm, tree, tmp_path)
    lib = next(iter(realtrees.configured_libs().values()))
    configs = realtrees.CONFIGS / "home-manager"
    for name in ("user.nix", "base.nix"):
        (tmp_path / name).write_text((configs / name).read_text())
    include = ["-I", f"home-manager={tree}", "-I", f"nixpkgs={realtrees.STUB_NIXPKGS}",
               "-I", f"realtrees-lib={lib}", "-I", f"realtrees-names={names}"]
    r = run_nixeval("option", "--json", "home.sessionVariables", "--home-manager",
                    str(tmp_path / "user.nix"), *include)
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["value"]["EDITOR"] == "vim"
    assert any(d["file"] == str(tmp_path / "user.nix") for d in answer["definitions"])
