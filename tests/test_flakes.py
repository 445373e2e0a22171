"""Flakes: `--flake DIR#NAME` on the NixOS commands, flake.lock, `self`, input
overrides and `builtins.getFlake`, compared with the real Nix
(`nix --extra-experimental-features 'nix-command flakes' eval …`) on flakes
written here, in temporary directories, with the example tree as their
`nixpkgs` input. The differential tests skip, saying why, without Nix; the
bad-input tests need no Nix (their locks are written by hand).

Where Nix 2.8 (the installed one) and current Nix differ, nixeval follows
current Nix and the tests avoid the difference, saying so where they meet it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

EXAMPLES = ROOT / "examples"
NIX = shutil.which("nix")
FEATURES = ["--extra-experimental-features", "nix-command flakes"]
needs_nix = pytest.mark.skipif(NIX is None,
                               reason="Nix's `nix` command is not installed "
                               "(apt-get install nix-bin)")
# the answer cache is another component's business; these tests change git
# state between runs that read the same files
NO_CACHE = {"NIXEVAL_NO_CACHE": "1"}
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c",
       "commit.gpgsign=false"]

OPTIONS = ["networking.hostName", "services.timesyncd.enable",
           "networking.firewall.allowedTCPPorts", "services.openssh.enable",
           "environment.etc.flake-self.text", "environment.etc.extras.text"]

FLAKE = """\
{
  description = "a machine, for nixeval's tests";
  inputs.nixpkgs.url = "path:@NIXPKGS@";
  inputs.extras.url = "path:./extras";
  inputs.extras.inputs.nixpkgs.follows = "nixpkgs";
  outputs = { self, nixpkgs, extras }: {
    info = builtins.removeAttrs self.sourceInfo [ "outPath" ];
    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        ./configuration.nix
        extras.nixosModules.default
        {
          environment.etc."flake-self".text =
            "${self} ${self.rev or "dirty"} ${toString (self.revCount or 0)} ${self.narHash}";
        }
      ];
    };
  };
}
"""

# A relative `path:` input with its own nixpkgs input, which follows the root's.
# Only its outputs are used: current Nix makes a relative input a directory of
# its parent's store path, Nix 2.8 copied it to a store path of its own.
EXTRAS = """\
{
  inputs.nixpkgs.url = "path:@NIXPKGS@";
  outputs = { self, nixpkgs }: {
    nixosModules.default = { ... }: {
      networking.firewall.allowedTCPPorts = [ 8080 ];
      environment.etc.extras.text = nixpkgs.lib.concatStringsSep "," [ "from" "extras" ];
    };
  };
}
"""


def nix(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert NIX is not None
    return subprocess.run([NIX, *FEATURES, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def nix_value(flake: Path, attr: str, *extra: str) -> object:
    r = nix("eval", "--json", f"{flake}#{attr}", *extra, cwd=flake)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def nixpkgs(tmp_path_factory) -> Path:
    """The example tree as a directory of its own (its lib link followed:
    a copy in the store keeps a link as a link, which would dangle there)."""
    dst = tmp_path_factory.mktemp("nixpkgs") / "nixpkgs"
    shutil.copytree(EXAMPLES, dst, symlinks=False)
    return dst


def write_flake(where: Path, nixpkgs: Path) -> Path:
    where.mkdir(parents=True)
    (where / "flake.nix").write_text(FLAKE.replace("@NIXPKGS@", str(nixpkgs)))
    (where / "extras").mkdir()
    (where / "extras" / "flake.nix").write_text(EXTRAS.replace("@NIXPKGS@", str(nixpkgs)))
    shutil.copy(EXAMPLES / "configs" / "fixed.nix", where / "configuration.nix")
    return where


@pytest.fixture(scope="module")
def machine(tmp_path_factory, nixpkgs) -> Path:
    """A git flake, locked by Nix and committed, with an untracked file that
    must not count in `self`."""
    if NIX is None:
        pytest.skip("Nix's `nix` command is not installed (apt-get install nix-bin)")
    flake = write_flake(tmp_path_factory.mktemp("machine") / "machine", nixpkgs)
    git("init", "-q", cwd=flake)
    git("add", ".", cwd=flake)
    git("commit", "-qm", "a machine", cwd=flake)
    r = nix("flake", "lock", cwd=flake)
    assert r.returncode == 0, r.stderr
    git("add", "flake.lock", cwd=flake)
    git("commit", "-qm", "lock", cwd=flake)
    (flake / "untracked.nix").write_text("{ this = 'is not valid Nix, and not copied'; }\n")
    return flake


def our_value(flake: str, option: str, *extra: str) -> object:
    r = run_nixeval("option", option, "--json", "--flake", flake, *extra, env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr  # a lock Nix wrote is what flake.nix asks for
    return json.loads(r.stdout)["value"]


def our_drv_path(flake: str, overrides: list[list[str]] | None = None,
                 vm: bool = False) -> str:
    """The toplevel's (or the VM's) drvPath, through the same door the commands use."""
    code = ("import sys, json\n"
            "from nixeval.nixos.flake import parse_flake_arg\n"
            "from nixeval.nixos.system import System\n"
            "from nixeval.eval.values import force\n"
            "vm = sys.argv[3] == 'vm'\n"
            "s = System(parse_flake_arg(sys.argv[1], json.loads(sys.argv[2])), vm=vm)\n"
            "drv = s.value(('system', 'build', 'vm' if vm else 'toplevel'))\n"
            "print(force(drv.vals['drvPath']))\n")
    r = subprocess.run([sys.executable, "-c", code, flake, json.dumps(overrides or []),
                        "vm" if vm else ""],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, **NO_CACHE})
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# --------------------------------------------------------------------------
# Differential: the same answers as Nix


@needs_nix
@pytest.mark.parametrize("option", OPTIONS)
def test_option_values_match_nix(machine, option):
    ours = our_value(f"{machine}#web1", option)
    theirs = nix_value(machine, f"nixosConfigurations.web1.config.{option}")
    assert ours == theirs


@needs_nix
def test_toplevel_drv_path_matches_nix(machine):
    theirs = nix("eval", "--raw",
                 f"{machine}#nixosConfigurations.web1.config.system.build.toplevel.drvPath",
                 cwd=machine)
    assert theirs.returncode == 0, theirs.stderr
    assert our_drv_path(f"{machine}#web1") == theirs.stdout


@needs_nix
def test_vm_variant_matches_nix(machine):
    """--vm: the configuration with qemu-vm.nix, as virtualisation.vmVariant is;
    the VM nix build would build is the same derivation."""
    ours = our_value(f"{machine}#web1", "services.timesyncd.enable", "--vm")
    theirs = nix_value(machine, "nixosConfigurations.web1.config.virtualisation.vmVariant."
                       "services.timesyncd.enable")
    assert ours == theirs is False
    r = nix("eval", "--raw",
            f"{machine}#nixosConfigurations.web1.config.system.build.vm.drvPath", cwd=machine)
    assert r.returncode == 0, r.stderr
    assert our_drv_path(f"{machine}#web1", vm=True) == r.stdout


@needs_nix
def test_self_is_the_tracked_files_with_their_revision(machine):
    """sourceInfo as Nix gives it: rev, shortRev, revCount, lastModified(Date),
    narHash of the tracked files (the untracked one left out), submodules."""
    theirs = nix_value(machine, "info")
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E",
                    f'removeAttrs (builtins.getFlake "{machine}").sourceInfo [ "outPath" ]',
                    env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    ours = json.loads(r.stdout)
    assert ours == theirs
    assert ours["rev"] == git("rev-parse", "HEAD", cwd=machine).strip()
    assert (machine / "untracked.nix").exists()


@needs_nix
def test_follows_gives_the_same_node(machine):
    """extras' nixpkgs follows the root's: one input, one store path."""
    expr = (f'let f = builtins.getFlake "{machine}"; in '
            "[ f.inputs.extras.inputs.nixpkgs.outPath f.inputs.nixpkgs.outPath ]")
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", expr, env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    ours = json.loads(r.stdout)
    theirs = nix("eval", "--json", "--impure", "--expr", expr, cwd=machine)
    assert theirs.returncode == 0, theirs.stderr
    assert ours == json.loads(theirs.stdout)
    assert ours[0] == ours[1]


@needs_nix
def test_dirty_tree(tmp_path, nixpkgs):
    """A tracked file changed: the copy holds the change (same narHash as Nix);
    no rev, but current Nix's dirtyRev (which Nix 2.8 does not give)."""
    flake = write_flake(tmp_path / "dirty", nixpkgs)
    git("init", "-q", cwd=flake)
    git("add", ".", cwd=flake)
    git("commit", "-qm", "a machine", cwd=flake)
    assert nix("flake", "lock", cwd=flake).returncode == 0
    with open(flake / "configuration.nix", "a") as f:
        f.write("# changed\n")
    theirs = nix_value(flake, "info")
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E",
                    f'removeAttrs (builtins.getFlake "{flake}").sourceInfo [ "outPath" ]',
                    env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    ours = json.loads(r.stdout)
    head = git("rev-parse", "HEAD", cwd=flake).strip()
    assert ours.pop("dirtyRev") == head + "-dirty"
    assert ours.pop("dirtyShortRev") == head[:7] + "-dirty"
    assert "rev" not in ours and "rev" not in theirs
    assert ours == theirs
    # the configuration reads `self.rev or "dirty"`, the same without a rev either way
    r = nix("eval", "--raw",
            f"{flake}#nixosConfigurations.web1.config.system.build.toplevel.drvPath", cwd=flake)
    assert r.returncode == 0, r.stderr
    assert our_drv_path(f"{flake}#web1") == r.stdout


@needs_nix
def test_override_input(machine, nixpkgs, tmp_path):
    """--override-input nixpkgs DIR: the other tree's options and the same
    toplevel as Nix's with the same override."""
    other = tmp_path / "other-nixpkgs"
    shutil.copytree(nixpkgs, other)
    (other / "nixos" / "modules" / "timesyncd-off.nix").write_text(
        "{ lib, ... }: { services.timesyncd.enable = lib.mkOverride 900 false; }\n")
    modules = other / "nixos" / "modules" / "module-list.nix"
    modules.write_text(modules.read_text().replace("[\n", "[\n  ./timesyncd-off.nix\n", 1))
    override = ["--override-input", "nixpkgs", f"path:{other}"]
    theirs = nix_value(machine, "nixosConfigurations.web1.config.services.timesyncd.enable",
                       *override)
    assert theirs is False
    assert our_value(f"{machine}#web1", "services.timesyncd.enable", *override) is False
    r = nix("eval", "--raw",
            f"{machine}#nixosConfigurations.web1.config.system.build.toplevel.drvPath",
            *override, cwd=machine)
    assert r.returncode == 0, r.stderr
    assert our_drv_path(f"{machine}#web1", [["nixpkgs", f"path:{other}"]]) == r.stdout
    assert r.stdout != our_drv_path(f"{machine}#web1")


@needs_nix
def test_get_flake_locked_by_nar_hash(machine):
    """builtins.getFlake of a reference locked by narHash: found in the store."""
    lock = json.loads((machine / "flake.lock").read_text())
    locked = lock["nodes"]["nixpkgs"]["locked"]
    ref = f"path:{locked['path']}?narHash={locked['narHash']}"
    expr = f'(builtins.getFlake "{ref}").lib.concatStringsSep "-" [ "a" "b" ]'
    r = run_nixeval("instantiate", "--eval", "-E", expr, env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '"a-b"'
    expr = f'(builtins.getFlake "{ref}").outPath'
    ours = run_nixeval("instantiate", "--eval", "-E", expr, env=NO_CACHE).stdout.strip()
    theirs = nix("eval", "--impure", "--expr", expr, cwd=machine)
    assert ours == theirs.stdout.strip()


@needs_nix
def test_build_vm_hands_off_to_nix_build(machine, tmp_path):
    r = run_nixeval("build-vm", "--flake", f"{machine}#web1", "--offline", cwd=tmp_path,
                    env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert "nixosConfigurations.web1.config.system.build.vm" in r.stderr
    assert (tmp_path / "result" / "bin" / "run-web1-vm").exists()
    assert "./result/bin/run-web1-vm" in r.stdout


# --------------------------------------------------------------------------
# Bad input: clear messages, no Nix needed


def nar_hash_of_nothing() -> str:
    """An SRI hash no store path of these tests has."""
    return "sha256-" + base64.b64encode(hashlib.sha256(b"absent").digest()).decode()


def hand_locked(where: Path, nixpkgs: Path, version: int = 7,
                nar_hash: str | None = None) -> Path:
    """A flake whose flake.lock is written here (as `nix flake lock` writes it)."""
    where.mkdir(parents=True)
    (where / "flake.nix").write_text(
        '{ inputs.nixpkgs.url = "path:' + str(nixpkgs) + '";\n'
        "  outputs = { self, nixpkgs }: {\n"
        "    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {\n"
        '      system = "x86_64-linux"; modules = [ ./configuration.nix ]; };\n'
        "    nixosConfigurations.db1 = nixpkgs.lib.nixosSystem {\n"
        '      system = "x86_64-linux"; modules = [ ./configuration.nix ]; };\n'
        "  };\n}\n")
    shutil.copy(EXAMPLES / "configs" / "fixed.nix", where / "configuration.nix")
    lock = {"nodes": {
        "nixpkgs": {"locked": {"lastModified": 1700000000,
                               "narHash": nar_hash or nar_hash_of_nothing(),
                               "path": str(nixpkgs), "type": "path"},
                    "original": {"path": str(nixpkgs), "type": "path"}},
        "root": {"inputs": {"nixpkgs": "nixpkgs"}}},
        "root": "root", "version": version}
    (where / "flake.lock").write_text(json.dumps(lock, indent=2))
    return where


def test_input_absent_from_the_store(tmp_path, nixpkgs):
    flake = hand_locked(tmp_path / "f", nixpkgs)
    r = run_nixeval("option", "networking.hostName", "--flake", f"{flake}#web1", env=NO_CACHE)
    assert r.returncode == 1
    assert "input 'nixpkgs'" in r.stderr and "is not in the store" in r.stderr
    assert "nix flake archive" in r.stderr and "--override-input nixpkgs" in r.stderr
    assert "Traceback" not in r.stderr


def test_override_input_stands_in_for_an_absent_one(tmp_path, nixpkgs):
    flake = hand_locked(tmp_path / "f", nixpkgs)
    r = run_nixeval("option", "networking.hostName", "--json", "--flake", f"{flake}#web1",
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] == "web1"


def test_unknown_override(tmp_path, nixpkgs):
    flake = hand_locked(tmp_path / "f", nixpkgs)
    r = run_nixeval("option", "networking.hostName", "--flake", f"{flake}#web1",
                    "--override-input", "nixpkgz", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 1
    assert "cannot override input 'nixpkgz'" in r.stderr and "nixpkgs" in r.stderr


def test_syntax_error_in_flake_nix(tmp_path):
    flake = tmp_path / "f"
    flake.mkdir()
    (flake / "flake.nix").write_text("{\n  outputs = { self }: {\n    x = ;\n  };\n}\n")
    r = run_nixeval("lint", "--flake", f"{flake}#web1", env=NO_CACHE)
    assert r.returncode == 1
    assert f"{flake}/flake.nix:3:9" in r.stderr + r.stdout
    assert "syntax error" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr


def test_unknown_host_lists_the_configurations(tmp_path, nixpkgs):
    flake = hand_locked(tmp_path / "f", nixpkgs)
    r = run_nixeval("option", "networking.hostName", "--flake", f"{flake}#mail1",
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 1
    assert "nixosConfigurations.mail1" in r.stderr
    assert "it has db1, web1" in r.stderr


def test_host_name_is_the_default(tmp_path, nixpkgs):
    from nixeval.nixos.flake import host_name

    flake = hand_locked(tmp_path / "f", nixpkgs)
    r = run_nixeval("option", "networking.hostName", "--flake", str(flake),
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    if host_name() in ("web1", "db1"):
        assert r.returncode == 0, r.stderr
    else:
        assert f"nixosConfigurations.{host_name()}'" in r.stderr or host_name() in r.stderr
        assert "this machine's host name" in r.stderr


@pytest.mark.parametrize("version", [4, 8])
def test_unsupported_lock_version(tmp_path, nixpkgs, version):
    flake = hand_locked(tmp_path / "f", nixpkgs, version=version)
    r = run_nixeval("options", "--flake", f"{flake}#web1", env=NO_CACHE)
    assert r.returncode == 1
    assert f"unsupported version {version}" in r.stderr
    assert "versions 5 to 7" in r.stderr


def test_input_missing_from_the_lock(tmp_path, nixpkgs):
    flake = hand_locked(tmp_path / "f", nixpkgs)
    text = (flake / "flake.nix").read_text()
    (flake / "flake.nix").write_text(text.replace(
        "{ inputs.nixpkgs", '{ inputs.home.url = "github:example/home";\n  inputs.nixpkgs', 1))
    r = run_nixeval("why", "networking.hostName", "--flake", f"{flake}#web1", env=NO_CACHE)
    assert r.returncode == 1
    assert "'home'" in r.stderr and "nix flake lock" in r.stderr


def test_no_flake_nix(tmp_path):
    r = run_nixeval("option", "networking.hostName", "--flake", f"{tmp_path}#web1",
                    env=NO_CACHE)
    assert r.returncode == 2
    assert "has no flake.nix" in r.stderr


# --------------------------------------------------------------------------
# The lock file's graph


def test_follows_paths_resolve_from_the_root():
    from nixeval.eval.flake.lock import parse_lock

    lock = parse_lock(json.dumps({
        "version": 7, "root": "root", "nodes": {
            "root": {"inputs": {"a": "a", "b": "b"}},
            "a": {"inputs": {"c": ["b", "c"]}, "locked": {}},
            "b": {"inputs": {"c": "c"}, "locked": {}},
            "c": {"locked": {}}}}), "flake.lock")
    assert lock.by_path(["a", "c"]) == "c"
    assert lock.resolve(["b"]) == "b"


def test_follows_cycle_is_an_error():
    from nixeval.eval.flake.errors import FlakeError
    from nixeval.eval.flake.lock import parse_lock

    lock = parse_lock(json.dumps({
        "version": 5, "root": "root", "nodes": {
            "root": {"inputs": {"a": ["b"], "b": ["a"]}}}}), "flake.lock")
    with pytest.raises(FlakeError, match="leads back to itself"):
        lock.by_path(["a"])


def test_answer_cache_sees_git_add(tmp_path, nixpkgs):
    """With the answer cache on, `git add` of a file already there changes
    `self` (only git's index changed, which nixeval reads through git): the
    answer is computed again, not replayed."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    (flake / "flake.nix").write_text((flake / "flake.nix").read_text().replace(
        "modules = [ ./configuration.nix ];",
        "modules = [ ./configuration.nix { environment.etc.src.text = self.narHash; } ];", 1))
    (flake / "notes.txt").write_text("not tracked at first\n")
    git("init", "-q", cwd=flake)
    git("add", "flake.nix", "flake.lock", "configuration.nix", cwd=flake)
    git("commit", "-qm", "one", cwd=flake)
    args = ["option", "environment.etc.src.text", "--json", "--flake", f"{flake}#web1",
            "--override-input", "nixpkgs", str(nixpkgs)]
    first = run_nixeval(*args)
    assert first.returncode == 0, first.stderr
    git("add", "notes.txt", cwd=flake)
    second = run_nixeval(*args)
    assert second.returncode == 0, second.stderr
    before, after = (json.loads(r.stdout)["value"] for r in (first, second))
    assert before.startswith("sha256-") and after.startswith("sha256-")
    assert before != after


def test_lint_names_the_files_the_user_edits(tmp_path, nixpkgs):
    """Positions in the flake's own files are in its directory (Nix would name
    its store copy, which need not exist); NixOS' own are in its input's copy."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    shutil.copy(EXAMPLES / "configs" / "typo.nix", flake / "configuration.nix")
    r = run_nixeval("lint", "--flake", f"{flake}#web1", "--format", "json",
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 1, r.stderr
    [finding] = json.loads(r.stdout)
    assert finding["kind"] == "unknown-option"
    assert finding["file"] == str(flake / "configuration.nix")
    line = (flake / "configuration.nix").read_text().splitlines()[finding["line"] - 1]
    assert "services.openssh.enabel" in line
    assert finding["related"][0]["file"].endswith("/nixos/modules/services/networking/"
                                                  "ssh/sshd.nix")


def test_override_input_without_a_lock(tmp_path, nixpkgs):
    """No flake.lock at all (no Nix to write one): every input overridden."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    (flake / "flake.lock").unlink()
    r = run_nixeval("option", "networking.hostName", "--json", "--flake", f"{flake}#db1",
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] == "web1"
    r = run_nixeval("option", "networking.hostName", "--flake", f"{flake}#db1", env=NO_CACHE)
    assert r.returncode == 1
    assert "has no flake.lock" in r.stderr and "--override-input nixpkgs PATH" in r.stderr


def test_lock_info_of_older_versions():
    """Version 5 locks kept narHash and lastModified in a node's `info`."""
    from nixeval.eval.flake.lock import parse_lock

    lock = parse_lock(json.dumps({
        "version": 5, "root": "root", "nodes": {
            "root": {"inputs": {"a": "a"}},
            "a": {"info": {"narHash": "sha256-x", "lastModified": 5},
                  "locked": {"type": "path", "path": "/a"}}}}), "flake.lock")
    assert lock.nodes["a"].locked == {"narHash": "sha256-x", "lastModified": 5,
                                      "type": "path", "path": "/a"}


def test_untracked_flake_nix(tmp_path, nixpkgs):
    """Nix copies only what git tracks: a flake.nix not yet added is not there."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    git("init", "-q", cwd=flake)
    git("add", "configuration.nix", cwd=flake)
    r = run_nixeval("options", "--flake", f"{flake}#web1", env=NO_CACHE)
    assert r.returncode == 1
    assert "is not tracked by git" in r.stderr and "git add flake.nix" in r.stderr


@needs_nix
def test_flake_value_has_nix_attributes(machine):
    """The flake's own value: Nix's attributes, plus `_type = "flake"`, which
    current Nix adds and Nix 2.8 does not. (A git+file reference: for a plain
    path Nix 2.8's getFlake takes every file, current Nix's the git flake.)"""
    expr = f'builtins.attrNames (builtins.getFlake "git+file://{machine}")'
    r = run_nixeval("instantiate", "--eval", "--strict", "--json", "-E", expr, env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    ours = json.loads(r.stdout)
    theirs = nix("eval", "--json", "--impure", "--expr", expr, cwd=machine)
    assert theirs.returncode == 0, theirs.stderr
    assert [n for n in ours if n != "_type"] == json.loads(theirs.stdout)
    assert "_type" in ours


def test_nixos_tree_input_of_another_name(tmp_path, nixpkgs):
    """The input holding NixOS need not be called nixpkgs: --vm finds its
    qemu-vm.nix all the same."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    for name in ("flake.nix", "flake.lock"):
        (flake / name).write_text((flake / name).read_text().replace(
            "nixpkgs", "nixos").replace(str(nixpkgs).replace("nixpkgs", "nixos"), str(nixpkgs)))
    assert "nixos.lib.nixosSystem" in (flake / "flake.nix").read_text()
    r = run_nixeval("option", "services.timesyncd.enable", "--json", "--vm", "--flake",
                    f"{flake}#web1", "--override-input", "nixos", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] is False


HOME = """\
{ inputs.nixpkgs.url = "path:@NIXPKGS@";
  inputs.nixpkgs.flake = false;
  outputs = { self, nixpkgs }: let lib = import "${nixpkgs}/lib"; in {
    homeConfigurations.alice = lib.evalModules {
      modules = [ ./home.nix {
        options.home.username = lib.mkOption { type = lib.types.str; };
      } ];
    };
  };
}
"""


def test_home_configuration_and_path_flake(tmp_path, nixpkgs):
    """DIR#homeConfigurations.NAME: any evalModules result; path:DIR takes
    every file of a git work tree (home.nix is not tracked), a plain DIR
    only what git tracks."""
    flake = tmp_path / "home"
    flake.mkdir()
    (flake / "flake.nix").write_text(HOME.replace("@NIXPKGS@", str(nixpkgs)))
    (flake / "home.nix").write_text('{ home.username = "alice"; }\n')
    (flake / "flake.lock").write_text(json.dumps({"nodes": {
        "nixpkgs": {"flake": False, "locked": {"narHash": nar_hash_of_nothing(),
                                               "path": str(nixpkgs), "type": "path"},
                    "original": {"path": str(nixpkgs), "type": "path"}},
        "root": {"inputs": {"nixpkgs": "nixpkgs"}}}, "root": "root", "version": 7}))
    git("init", "-q", cwd=flake)
    git("add", "flake.nix", "flake.lock", cwd=flake)
    args = ["option", "home.username", "--json", "--override-input", "nixpkgs", str(nixpkgs)]
    r = run_nixeval(*args, "--flake", f"path:{flake}#homeConfigurations.alice", env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["value"] == "alice"
    r = run_nixeval(*args, "--flake", f"{flake}#homeConfigurations.alice", env=NO_CACHE)
    assert r.returncode == 1
    assert "Path 'home.nix' in the repository" in r.stderr
    assert "is not tracked by Git" in r.stderr and "add home.nix" in r.stderr
    r = run_nixeval(*args, "--vm", "--flake", f"path:{flake}#homeConfigurations.alice",
                    env=NO_CACHE)
    assert r.returncode == 1
    assert "--vm is for NixOS configurations" in r.stderr


def test_lock_behind_flake_nix_is_a_warning(tmp_path, nixpkgs):
    """flake.nix asks for another url than the lock has: said, the lock used."""
    flake = hand_locked(tmp_path / "f", nixpkgs)
    (flake / "flake.nix").write_text((flake / "flake.nix").read_text().replace(
        f"path:{nixpkgs}", "github:NixOS/nixpkgs/nixos-24.11", 1))
    r = run_nixeval("option", "networking.hostName", "--json", "--flake", f"{flake}#web1",
                    "--override-input", "nixpkgs", str(nixpkgs), env=NO_CACHE)
    assert r.returncode == 0, r.stderr
    assert "warning" not in r.stderr  # the input is overridden: the lock does not matter
    r = run_nixeval("option", "networking.hostName", "--flake", f"{flake}#web1",
                    env=NO_CACHE)
    assert "input 'nixpkgs'" in r.stderr and "github:NixOS/nixpkgs/nixos-24.11" in r.stderr
    assert f"flake.lock locked path:{nixpkgs}" in r.stderr and "nix flake lock" in r.stderr
