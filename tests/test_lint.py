"""``nixeval lint``, run as a user runs it, on the example configurations."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, run_nixeval

CONFIGS = ROOT / "examples" / "configs"
NIXPKGS = ("-I", "nixpkgs=examples")


def lint(config: str, *args: str, env: dict[str, str] | None = None):
    return run_nixeval("lint", f"examples/configs/{config}.nix", *NIXPKGS, *args, env=env)


def line_of(config: str, text: str) -> int:
    """The 1-based line of ``config`` holding ``text`` (so tests follow edits)."""
    lines = (CONFIGS / f"{config}.nix").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def findings(config: str, *args: str) -> list[dict]:
    r = lint(config, "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_vm_conflict_names_both_parties_and_the_fix():
    r = lint("conflict", "--vm")
    assert r.returncode == 1, r.stdout + r.stderr
    line = line_of("conflict", "services.timesyncd.enable = true;")
    assert f"examples/configs/conflict.nix:{line}:3: error:" in r.stdout
    assert re.search(r"qemu-vm\.nix:\d+:\d+: note:", r.stdout)
    assert "has conflicting definition values" in r.stdout
    assert "services.timesyncd.enable = lib.mkDefault true;" in r.stdout
    assert "nixos-rebuild build-vm" in r.stdout
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [(), ("--vm",)])
def test_clean_configurations_exit_0(args):
    r = lint("fixed", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no problems found" in r.stdout
    assert r.stderr == ""  # nothing printed by evaluating every option (no alias traces)


def test_conflict_is_clean_without_vm():
    r = lint("conflict")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("config,kind,severity,text,option", [
    ("typo", "unknown-option", "error", "services.openssh.enabel =", "services.openssh.enabel"),
    ("type-error", "type-error", "error", "allowedTCPPorts = [ \"22\" ]",
     "networking.firewall.allowedTCPPorts"),
    ("renamed", "renamed-option", "warning", "services.sshd.enable =", "services.sshd.enable"),
    ("removed", "removed-option", "error", "services.ntp.servers =", "services.ntp.servers"),
    ("recursion", "infinite-recursion", "error", "services.openssh.ports =",
     "services.openssh.ports"),
])
def test_each_demo_gives_its_kind_at_the_users_line(config, kind, severity, text, option):
    found = findings(config)
    assert [f["kind"] for f in found] == [kind], found
    f = found[0]
    assert f["severity"] == severity
    assert f["file"] == str(CONFIGS / f"{config}.nix")
    assert f["line"] == line_of(config, text)
    line = (CONFIGS / f"{config}.nix").read_text().splitlines()[f["line"] - 1]
    # a definition is placed at its attribute; a list element at the element itself
    element = line.index(text) + text.find('"') + 1  # where the list's element starts
    assert f["column"] == (element if kind == "type-error" else 3)
    assert f["option"] == option
    assert f["fix"]


def test_typo_suggests_the_option_meant():
    f, = findings("typo")
    assert "Did you mean `services.openssh.enable'" in f["message"]
    assert "`services.openssh.enable`" in f["fix"]
    assert any(r["file"].endswith("sshd.nix") for r in f["related"])


def test_type_error_fix_writes_the_number():
    f, = findings("type-error")
    assert f["message"].startswith("Element 1 of `networking.firewall.allowedTCPPorts` is not "
                                   "of type `16 bit unsigned integer")
    assert f["notes"][0].startswith("Nix: A definition for option `networking.firewall."
                                    "allowedTCPPorts.\"[definition 1-entry 1]\"' is not of type")
    assert f["fix"].startswith('"22" is a string; the type wants an integer: write 22 at ')


def test_renamed_says_what_to_use_instead():
    f, = findings("renamed")
    assert "has been renamed to `services.openssh.enable'" in f["message"]
    assert "Use `services.openssh.enable` instead" in f["fix"]


def test_removed_fix_passes_on_the_replacement():
    f, = findings("removed")
    assert "Remove the definition of `services.ntp.servers`" in f["fix"]
    assert "networking.timeServers" in f["fix"]


def test_recursion_lists_the_cycle_with_places():
    f, = findings("recursion")
    assert "`networking.firewall.allowedTCPPorts'" in f["message"]
    # the other side of the cycle: sshd.nix opens the firewall for its ports
    assert any(r["file"].endswith("ssh/sshd.nix") and r["line"] for r in f["related"])
    read = line_of("recursion", "config.networking.firewall.allowedTCPPorts")
    assert f"recursion.nix:{read}:" in f["fix"]


def test_failed_assertion_is_placed_at_the_module_and_names_the_options():
    f, = findings("assertion")
    assert f["kind"] == "assertion"
    assert f["file"].endswith("grub.nix") and f["line"] is not None
    assert "boot.loader.grub.device" in f["message"]
    assert "`boot.loader.grub.device`" in f["fix"]
    # qemu-vm.nix sets the device for the VM: the VM variant is fine
    assert findings("assertion", "--vm") == []


def test_syntax_error_is_a_finding_with_its_position():
    r = lint("syntax-error")
    assert r.returncode == 1
    assert "examples/configs/syntax-error.nix:6:27: error: syntax error" in r.stdout
    assert "Add the missing `;` at the end of line 5" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_json_fields():
    found = findings("conflict", "--vm")
    assert len(found) == 1
    f = found[0]
    assert set(f) == {"kind", "severity", "message", "file", "line", "column", "related",
                      "fix", "option", "notes"}
    assert (f["kind"], f["severity"], f["option"]) == ("conflict", "error",
                                                       "services.timesyncd.enable")
    assert f["related"][0]["file"].endswith("virtualisation/qemu-vm.nix")
    assert isinstance(f["related"][0]["line"], int)


def test_sarif_structure():
    r = lint("conflict", "--vm", "--format", "sarif")
    assert r.returncode == 1
    log = json.loads(r.stdout)
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    run, = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nixeval" and driver["version"]
    assert [rule["id"] for rule in driver["rules"]] == ["conflict"]
    result, = run["results"]
    assert result["ruleId"] == "conflict" and result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "conflict"
    assert "conflicting definition values" in result["message"]["text"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "examples/configs/conflict.nix"
    assert physical["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
    assert physical["region"]["startLine"] == line_of("conflict", "timesyncd.enable = true")
    related = result["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"].endswith("virtualisation/qemu-vm.nix")


def test_sarif_with_no_findings():
    r = lint("fixed", "--format", "sarif")
    assert r.returncode == 0
    assert json.loads(r.stdout)["runs"][0]["results"] == []


def test_missing_configuration_file_is_a_usage_error():
    r = run_nixeval("lint", "examples/configs/no-such.nix", *NIXPKGS)
    assert r.returncode == 2
    assert "no-such.nix' does not exist" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [("-I", "nixpkgs=/nonexistent"), ()])
def test_missing_nixpkgs_is_a_usage_error(args):
    r = run_nixeval("lint", "examples/configs/fixed.nix", *args, env={"NIX_PATH": ""})
    assert r.returncode == 2
    assert "cannot find nixpkgs" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_arguments_are_usage_errors():
    r = run_nixeval("lint", "--format", "xml")
    assert r.returncode == 2
    assert "invalid choice" in r.stderr
    r = run_nixeval("lint", "examples/configs/fixed.nix", "--config",
                    "examples/configs/conflict.nix", *NIXPKGS)
    assert r.returncode == 2
    assert "give the configuration once" in r.stderr


def test_configuration_from_the_search_path():
    r = run_nixeval("lint", *NIXPKGS, "-I", "nixos-config=examples/configs/typo.nix")
    assert r.returncode == 1
    assert "typo.nix:" in r.stdout and "[unknown-option]" in r.stdout


def test_several_problems_in_one_configuration(tmp_path):
    (tmp_path / "other.nix").write_text('{ ... }: { networking.hostName = "b"; }\n')
    (tmp_path / "conf.nix").write_text(
        "{ ... }: {\n"
        "  imports = [ ./other.nix ];\n"
        '  boot.loader.grub.device = "/dev/sda";\n'
        '  networking.hostName = "a";\n'
        "  users.users.alice = { isNormalUser = true; uidd = 5; };\n"
        "  services.openssh.enabel = true;\n"
        '  system.stateVersion = "24.11";\n'
        "}\n")
    r = run_nixeval("lint", str(tmp_path / "conf.nix"), *NIXPKGS, "--format", "json")
    assert r.returncode == 1, r.stderr
    found = json.loads(r.stdout)
    got = {(f["kind"], f["option"], f["line"]) for f in found if f["kind"] != "conflict"}
    assert got == {("unknown-option", "services.openssh.enabel", 6),
                   ("unknown-option", "users.users.alice.uidd", 5)}, got
    conflict, = (f for f in found if f["kind"] == "conflict")
    assert conflict["option"] == "networking.hostName"
    places = {(f["file"], f["line"]) for f in [conflict, *conflict["related"]]}
    assert places == {(str(tmp_path / "conf.nix"), 4), (str(tmp_path / "other.nix"), 1)}


def test_warning_and_evaluation_error(tmp_path):
    conf = tmp_path / "conf.nix"
    conf.write_text('{ ... }: {\n  boot.loader.grub.device = "/dev/sda";\n'
                    '  networking.hostName = throw "no name yet";\n}\n')
    r = run_nixeval("lint", str(conf), *NIXPKGS, "--format", "json")
    assert r.returncode == 1, r.stderr
    error, warning = json.loads(r.stdout)  # errors come first
    assert (error["kind"], error["message"]) == ("eval-error", "no name yet")
    assert (error["file"], error["line"], error["column"]) == (str(conf), 3, 25)
    assert (warning["kind"], warning["severity"]) == ("warning", "warning")
    assert "system.stateVersion is not set" in warning["message"]
    assert warning["file"].endswith("version.nix")
    r = run_nixeval("lint", str(conf), *NIXPKGS, "--show-trace")
    assert "while evaluating the option `networking.hostName'" in r.stdout


@pytest.mark.parametrize("args,status", [((), 0), (("--max-warnings", "0"), 1),
                                         (("--max-warnings", "1"), 0)])
def test_warnings_alone_do_not_fail_unless_over_max_warnings(args, status):
    r = lint("renamed", "--format", "json", *args)
    found = json.loads(r.stdout)
    assert [f["severity"] for f in found] == ["warning"], found
    assert r.returncode == status, r.stdout + r.stderr


def test_errors_fail_whatever_max_warnings():
    r = lint("typo", "--max-warnings", "100")
    assert r.returncode == 1, r.stdout + r.stderr


@pytest.mark.parametrize("config,attribute,read,fix", [
    ("structure-recursion", "config", "config.services.openssh.enable",
     "config = lib.mkIf config.services.openssh.enable { … };"),
    ("imports-recursion", "imports", "config.services.openssh.enable",
     "`imports` are resolved before any option has a value"),
    ("args-recursion", "imports", "pkgs", "`pkgs` comes from `_module.args`"),
])
def test_recursion_through_module_structure_names_the_cycle(config, attribute, read, fix):
    f, = findings(config)
    assert f["kind"] == "infinite-recursion"
    source = (CONFIGS / f"{config}.nix").read_text().splitlines()
    assert (f["line"], f["column"]) == (line_of(config, f"{attribute} ="), 3)
    line = next(i for i, text in enumerate(source, 1) if f"{read}" in text
                and not text.lstrip().startswith("#") and not text.lstrip().startswith("{"))
    [related] = f["related"]
    assert (related["line"], related["column"]) == (line, source[line - 1].index(read) + 1)
    assert f["message"].startswith(f"infinite recursion encountered: this module's "
                                   f"`{attribute}` depends on")
    assert f["notes"] == ["Nix: infinite recursion encountered"]
    assert fix in f["fix"]


def test_every_finding_has_a_place():
    for config in sorted(CONFIGS.glob("*.nix")):
        r = run_nixeval("lint", str(config), *NIXPKGS, "--vm", "--format", "json")
        assert r.returncode in (0, 1), r.stderr
        for f in json.loads(r.stdout):
            assert f["file"], (config.name, f)


VARIANT = """{ lib, extendModules, ... }:
let variant = extendModules { modules = [ { networking.hostName = lib.mkForce "vm"; } ]; };
in {
  # as NixOS' virtualisation.vmVariant: the configuration again, as an option's type,
  # whose own options hold the next variant
  options.my.variant = lib.mkOption { inherit (variant) type; default = { }; visible = "shallow"; };
  config = {
    boot.loader.grub.device = "/dev/sda";
    networking.hostName = "web1";
    system.stateVersion = "24.11";
%s  };
}
"""


def test_a_configuration_variant_option_is_linted_once(tmp_path):
    # declaring the variant makes one evaluation per level of its options:
    # lint must not walk them for ever (nor report anything of them)
    conf = tmp_path / "conf.nix"
    conf.write_text(VARIANT % "")
    r = run_nixeval("lint", str(conf), *NIXPKGS, "--format", "json")
    assert (r.returncode, json.loads(r.stdout or "null")) == (0, []), r.stderr
    # what the user defines in the variant is checked there
    conf.write_text(VARIANT % '    my.variant.networking.firewall.allowedTCPPorts = [ "22" ];\n')
    r = run_nixeval("lint", str(conf), *NIXPKGS, "--format", "json")
    assert r.returncode == 1, r.stderr
    [finding] = json.loads(r.stdout)
    assert finding["kind"] == "type-error" and finding["line"] == 11, finding
