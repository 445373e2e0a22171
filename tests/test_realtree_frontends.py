"""The NixOS front ends on a real nixpkgs tree, as a user runs them.

A real 17.03 (or 16.09) tree runs its own module system (nixeval's native one
is not proven for that lib version), so these check the front ends on that
path: `option` and `lint --vm` on a server configuration written here, against
what `nix-instantiate` says of the same configuration. The tree is a public
repository extracted outside the project (benchmarks/realtrees/README.md),
found through NIXEVAL_TREE_NIXPKGS_1703 / NIXEVAL_TREE_NIXPKGS_1609.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import needs_nix, nix_instantiate, run_nixeval

SERVER = """{ config, pkgs, lib, ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.hostName = "web1";
  services.openssh.enable = true;
  TIME_SERVICE
  networking.firewall.allowedTCPPorts = [ 22 80 ];
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
"""

# the time service each release's qemu-vm.nix turns off (a conflict in 17.03,
# whose option is a boolean; 16.09's is untyped, and its definitions are or-ed)
TREES = [("NIXEVAL_TREE_NIXPKGS_1703", "services.timesyncd.enable"),
         ("NIXEVAL_TREE_NIXPKGS_1609", "services.ntp.enable")]


def tree_or_skip(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} is not set (a nixpkgs tree: benchmarks/realtrees/README.md)")
    return Path(value)


def write_config(tmp_path: Path, option: str, value: str) -> Path:
    config = tmp_path / "configuration.nix"
    config.write_text(SERVER.replace("TIME_SERVICE", f"{option} = {value};"))
    return config


def config_line(config: Path, option: str) -> int:
    return next(i for i, line in enumerate(config.read_text().splitlines(), 1)
                if line.strip().startswith(option))


def qemu_vm_line(tree: Path, option: str) -> int:
    qemu = tree / "nixos/modules/virtualisation/qemu-vm.nix"
    return next(i for i, line in enumerate(qemu.read_text().splitlines(), 1)
                if re.match(rf"\s*{re.escape(option)}\s*=\s*false;", line))


def nix_error(tree: Path, config: Path, option: str) -> str | None:
    """Nix's error for the option in the VM variant (None: it has a value)."""
    expr = (f"(import <nixpkgs/nixos/lib/eval-config.nix> {{ modules = [ {config} "
            "<nixpkgs/nixos/modules/virtualisation/qemu-vm.nix> ]; }).config." + option)
    nix = subprocess.run([nix_instantiate, "--eval", "-I", f"nixpkgs={tree}", "-E", expr],
                         capture_output=True, text=True, timeout=600)
    if nix.returncode == 0:
        return None
    return next(line.strip().removeprefix("error: ")
                for line in reversed(nix.stderr.splitlines()) if "error:" in line)


@needs_nix
@pytest.mark.slow
@pytest.mark.parametrize("variable,option", TREES)
def test_lint_vm_reports_qemu_vm_conflict_with_the_fix(tmp_path: Path, variable: str,
                                                       option: str) -> None:
    """Where Nix fails on the VM variant, lint says so, where and how to fix
    it; where Nix does not, lint finds nothing."""
    tree = tree_or_skip(variable)
    config = write_config(tmp_path, option, "true")
    args = ["-I", f"nixpkgs={tree}", "--config", str(config), "--vm"]
    r = run_nixeval("lint", *args, "--format", "json")
    findings = json.loads(r.stdout)
    error = nix_error(tree, config, option)
    if error is None:
        assert (r.returncode, findings) == (0, []), r.stderr
        return
    assert r.returncode == 1, r.stderr
    assert [f["kind"] for f in findings] == ["conflict"], findings
    f = findings[0]
    assert f["message"] == error
    assert (f["file"], f["line"]) == (str(config), config_line(config, option))
    related = [(Path(p["file"]).name, p["line"]) for p in f["related"]]
    assert related == [("qemu-vm.nix", qemu_vm_line(tree, option))]
    assert f"{option} = lib.mkDefault true;" in f["fix"]

    fixed = write_config(tmp_path, option, "lib.mkDefault true")
    r = run_nixeval("lint", "-I", f"nixpkgs={tree}", "--config", str(fixed), "--vm")
    assert r.returncode == 0, r.stdout + r.stderr


@needs_nix
@pytest.mark.slow
@pytest.mark.parametrize("variable,option", TREES)
def test_option_shows_both_definitions_and_the_value(tmp_path: Path, variable: str,
                                                     option: str) -> None:
    tree = tree_or_skip(variable)
    config = write_config(tmp_path, option, "lib.mkDefault true")
    args = [option, "-I", f"nixpkgs={tree}", "--config", str(config), "--json"]
    plain = json.loads(run_nixeval("option", *args).stdout)
    vm = json.loads(run_nixeval("option", *args, "--vm").stdout)
    expr = ("(import <nixpkgs/nixos/lib/eval-config.nix> {{ modules = [ {} {} ]; }})"
            ".config.{}")
    qemu = "<nixpkgs/nixos/modules/virtualisation/qemu-vm.nix>"
    for info, modules in ((plain, ""), (vm, qemu)):
        nix = subprocess.run([nix_instantiate, "--eval", "--json", "-I", f"nixpkgs={tree}",
                              "-E", expr.format(config, modules, option)],
                             capture_output=True, text=True, timeout=600)
        assert info["value"] == json.loads(nix.stdout)
        assert info["moduleSystem"] == "interpreted"
    # the VM's definition wins; where it is, is read from qemu-vm.nix
    [won] = [d for d in vm["definitions"] if d["won"]]
    assert (Path(won["file"]).name, won["line"]) == ("qemu-vm.nix", qemu_vm_line(tree, option))
    [mine] = [d for d in plain["definitions"] if d["file"] == str(config)]
    assert mine["line"] == config_line(config, option)


TYPE_ERRORS = """{ config, pkgs, lib, ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.firewall.allowedTCPPorts = [ 22 "80" ];
  users.users.alice = { isNormalUser = true; uid = "1000"; };
}
"""

STRUCTURE = """{ config, pkgs, lib, ... }:
{
  config = if config.services.xserver.enable then {
    environment.systemPackages = [ pkgs.firefox ];
  } else {
    boot.loader.grub.device = "/dev/sda";
    fileSystems."/".device = "/dev/sda1";
  };
}
"""


def lint_json(tree: Path, config: Path) -> list[dict]:
    r = run_nixeval("lint", "-I", f"nixpkgs={tree}", "--config", str(config), "--format", "json")
    assert r.returncode == 1, r.stdout + r.stderr
    return json.loads(r.stdout)


def position(config: Path, text: str) -> tuple[int, int]:
    for i, line in enumerate(config.read_text().splitlines(), 1):
        if text in line:
            return i, line.index(text) + 1
    raise AssertionError(text)


@needs_nix
@pytest.mark.slow
def test_type_errors_at_the_element_and_in_submodules(tmp_path: Path) -> None:
    tree = tree_or_skip("NIXEVAL_TREE_NIXPKGS_1703")
    config = tmp_path / "configuration.nix"
    config.write_text(TYPE_ERRORS)
    found = {f["option"]: f for f in lint_json(tree, config)}
    assert set(found) == {"networking.firewall.allowedTCPPorts", "users.users.alice.uid"}
    ports, uid = found["networking.firewall.allowedTCPPorts"], found["users.users.alice.uid"]
    assert (ports["kind"], ports["line"], ports["column"]) == ("type-error",
                                                              *position(config, '"80"'))
    assert ports["message"].startswith("Element 2 of `networking.firewall.allowedTCPPorts`")
    assert "write 80" in ports["fix"]
    assert (uid["kind"], uid["line"], uid["column"]) == ("type-error",
                                                        *position(config, "uid ="))
    assert "write 1000" in uid["fix"]
    # the texts are the lib's own, as Nix prints them for this configuration
    for option, f in found.items():
        expr = (f"(import <nixpkgs/nixos/lib/eval-config.nix> {{ modules = [ {config} ]; }})"
                f".config.{option}")
        nix = subprocess.run([nix_instantiate, "--eval", "--strict", "-I", f"nixpkgs={tree}",
                              "-E", expr], capture_output=True, text=True, timeout=600)
        last = [line for line in nix.stderr.splitlines() if "error:" in line][-1]
        text = last.split("error: ", 1)[1].strip()
        assert text in [f["message"], *(n.removeprefix("Nix: ") for n in f["notes"])]


@needs_nix
@pytest.mark.slow
def test_recursion_through_the_modules_config_on_a_real_tree(tmp_path: Path) -> None:
    tree = tree_or_skip("NIXEVAL_TREE_NIXPKGS_1703")
    config = tmp_path / "configuration.nix"
    config.write_text(STRUCTURE)
    [f] = lint_json(tree, config)
    assert f["kind"] == "infinite-recursion"
    assert (f["line"], f["column"]) == position(config, "config =")
    [read] = f["related"]
    assert (read["line"], read["column"]) == position(config, "config.services")
    assert "`services.xserver.enable`" in f["message"]
    assert "lib.mkIf config.services.xserver.enable" in f["fix"]
