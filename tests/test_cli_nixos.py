"""The NixOS commands (`option`, `options`, `why`, `build-vm`) driven as a
user would, on the example tree (examples/README.md says what each
configuration is for). build-vm runs the real nix-build, in a temporary
working directory, and is skipped when Nix is not installed."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest
from conftest import ROOT, run_nixeval

EXAMPLES = ROOT / "examples"
CONFIGS = EXAMPLES / "configs"
TREE = ["-I", f"nixpkgs={EXAMPLES}"]


def on(config: str, *args: str, vm: bool = False) -> list[str]:
    """Arguments naming the example tree and one of its configurations."""
    return [*args, *TREE, "--config", str(CONFIGS / config), *(["--vm"] if vm else [])]


def table_rows(text: str) -> dict[str, str]:
    """A tabulate table's rows, by their first cell."""
    rows = {}
    for line in text.splitlines():
        if line.strip() and not set(line.strip()) <= {"-", " "}:
            rows[line.split()[0]] = line
    return rows


def section(text: str, title: str) -> list[str]:
    """The indented lines under ``title`` in `why`'s output."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    out = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        out.append(line.strip())
    return out


# option ----------------------------------------------------------------------

def test_option_shows_value_and_every_definition():
    r = run_nixeval("option", *on("fixed.nix", "services.timesyncd.enable"))
    assert r.returncode == 0, r.stderr
    assert "  Value:       true\n" in r.stdout
    assert "Declared in: examples/nixos/modules/services/networking/timesyncd.nix:" in r.stdout
    rows = [line.split() for line in r.stdout.splitlines()]
    mine = next(row for row in rows if row[:1] == ["examples/configs/fixed.nix:42:3"])
    assert mine[1:] == ["mkDefault", "(1000)", "true", "won"]


def test_option_vm_variant_gives_way_to_qemu_vm():
    r = run_nixeval("option", *on("fixed.nix", "services.timesyncd.enable", vm=True))
    assert r.returncode == 0, r.stderr
    assert "  Value:       false\n" in r.stdout
    rows = [line.split() for line in r.stdout.splitlines()]
    qemu = next(row for row in rows if row and row[0].startswith(
        "examples/nixos/modules/virtualisation/qemu-vm.nix:"))
    assert qemu[1:] == ["plain", "(100)", "false", "won"]
    mine = next(row for row in rows if row[:1] == ["examples/configs/fixed.nix:42:3"])
    assert mine[-1] == "overridden"


def test_option_json_has_provenance():
    r = run_nixeval("option", "--json", *on("fixed.nix", "services.timesyncd.enable"))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["name"] == "services.timesyncd.enable"
    assert (data["value"], data["type"]) == (True, "boolean")
    assert data["default"] == "!config.boot.isContainer"
    assert data["description"]
    decl = data["declarations"][0]
    assert decl["file"].endswith("services/networking/timesyncd.nix") and decl["line"] > 0
    won = [d for d in data["definitions"] if d["won"]]
    assert len(won) == 1
    assert won[0]["file"] == str(CONFIGS / "fixed.nix")
    assert (won[0]["line"], won[0]["column"], won[0]["priority"], won[0]["value"]) \
        == (42, 3, 1000, True)
    assert all({"file", "line", "column", "priority", "value", "won"} <= d.keys()
               for d in data["definitions"])


def test_option_conflict_only_in_vm():
    r = run_nixeval("option", *on("conflict.nix", "services.timesyncd.enable"))
    assert (r.returncode, "  Value:       true\n" in r.stdout) == (0, True), r.stderr
    r = run_nixeval("option", *on("conflict.nix", "services.timesyncd.enable", vm=True))
    assert r.returncode == 1
    assert ("error: The option `services.timesyncd.enable' has conflicting definition values:"
            in r.stdout)
    assert f"- In `{CONFIGS / 'conflict.nix'}': true" in r.stdout


def test_option_unknown_suggests():
    r = run_nixeval("option", *on("fixed.nix", "services.openssh.enabel"))
    assert r.returncode == 1
    assert "no option `services.openssh.enabel'" in r.stderr
    assert "did you mean `services.openssh.enable'" in r.stderr


def test_option_set_lists_children():
    r = run_nixeval("option", *on("fixed.nix", "services.openssh"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("`services.openssh' is a set of options:\n")
    assert "  services.openssh.ports\n" in r.stdout
    assert "  services.openssh.enable\n" in r.stdout


# options ---------------------------------------------------------------------

def test_options_table():
    r = run_nixeval("options", *on("fixed.nix", "services.openssh"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0].split() == ["option", "type", "value", "set", "at"]
    rows = table_rows(r.stdout)
    assert set(rows) >= {"services.openssh.enable", "services.openssh.ports",
                         "services.openssh.settings"}
    assert not any(name.startswith("services.timesyncd") for name in rows)
    assert rows["services.openssh.enable"].split() == [
        "services.openssh.enable", "boolean", "true", "examples/configs/fixed.nix:25"]
    assert rows["services.openssh.ports"].split()[-3:] == ["22", "]", "default"]
    # one line per option, values cut short
    assert all(len(line) < 250 for line in r.stdout.splitlines())


def test_options_vm_conflict_shows_error_row():
    r = run_nixeval("options", *on("conflict.nix", "services.timesyncd", vm=True))
    assert r.returncode == 0, r.stderr
    row = table_rows(r.stdout)["services.timesyncd.enable"]
    assert "error: has conflicting definition values" in row
    assert "examples/nixos/modules/virtualisation/qemu-vm.nix:199" in row
    assert "examples/configs/conflict.nix:42" in row


def test_options_hides_internal_unless_all():
    r = run_nixeval("options", *on("fixed.nix", "_module"))
    assert r.returncode == 0, r.stderr
    assert "_module.check" not in r.stdout
    assert "internal or invisible options not shown" in r.stderr
    r = run_nixeval("options", "--all", *on("fixed.nix", "_module"))
    assert "_module.check" in table_rows(r.stdout)


def test_options_json():
    r = run_nixeval("options", "--json", *on("fixed.nix", "networking.firewall"))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    by_name = {d["name"]: d for d in data}
    assert by_name["networking.firewall.allowedTCPPorts"]["value"] == [22, 80, 443]
    assert all(name.startswith("networking.firewall.") for name in by_name)


def test_options_unknown_prefix():
    r = run_nixeval("options", *on("fixed.nix", "services.opensh"))
    assert r.returncode == 1
    assert "no option or set of options `services.opensh'" in r.stderr
    assert "did you mean `services.openssh'" in r.stderr


# why -------------------------------------------------------------------------

def test_why_reads_and_readers():
    r = run_nixeval("why", *on("fixed.nix", "networking.firewall.allowedTCPPorts"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("networking.firewall.allowedTCPPorts = [ 22 80 443 ]\n")
    assert "examples/configs/fixed.nix:31:3" in r.stdout
    assert "examples/nixos/modules/services/networking/ssh/sshd.nix:" in r.stdout
    reads = section(r.stdout, "reads:")
    assert {"services.openssh.ports", "services.openssh.openFirewall"} <= set(reads)
    assert 'environment.etc."systemd/system/firewall.service".text' in \
        section(r.stdout, "read by:")
    assert "trace:" not in r.stderr  # forcing every option prints no alias warnings


def test_why_readers_of_a_leaf():
    r = run_nixeval("why", "--json", *on("fixed.nix", "services.openssh.ports"))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["value"] == [22]
    assert data["reads"] == []
    assert "networking.firewall.allowedTCPPorts" in data["readBy"]
    assert [d["won"] for d in data["definitions"]] == [True]


def test_why_unknown_and_set():
    r = run_nixeval("why", *on("fixed.nix", "services.openssh.prots"))
    assert r.returncode == 1
    assert "did you mean `services.openssh.ports'" in r.stderr
    r = run_nixeval("why", *on("fixed.nix", "services.openssh"))
    assert r.returncode == 1
    assert "is a set of options" in r.stderr and "`services.openssh.ports'" in r.stderr


# bad input -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["option", "options", "why"])
def test_missing_config_file(command, tmp_path):
    r = run_nixeval(command, "services.openssh.enable", *TREE,
                    "--config", str(tmp_path / "nope.nix"))
    assert r.returncode == 2
    assert f"configuration file '{tmp_path / 'nope.nix'}' does not exist" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["option", "options", "why"])
def test_syntax_error_names_the_place(command):
    r = run_nixeval(command, *on("syntax-error.nix", "services.openssh.enable"))
    assert r.returncode == 1
    assert "error: syntax error, unexpected '=', expecting ';'" in r.stderr
    assert f"at {CONFIGS / 'syntax-error.nix'}:6:27:" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize("command", ["option", "options", "why", "build-vm"])
def test_missing_nixpkgs(command, tmp_path):
    r = run_nixeval(command, "-I", "nixpkgs=/nonexistent", "--config",
                    str(CONFIGS / "fixed.nix"), *(["x"] if command != "build-vm" else []),
                    cwd=tmp_path, env={"NIX_PATH": ""})
    assert r.returncode == 2
    assert "cannot find nixpkgs: pass -I nixpkgs=PATH" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "result").exists()


# build-vm --------------------------------------------------------------------

needs_nix_build = pytest.mark.skipif(shutil.which("nix-build") is None,
                                     reason="nix-build not installed (apt-get install nix-bin)")


@needs_nix_build
def test_build_vm_builds_and_says_how_to_start(tmp_path):
    r = run_nixeval("build-vm", str(CONFIGS / "fixed.nix"), *TREE, "--offline", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    scripts = list((tmp_path / "result" / "bin").glob("run-*-vm"))
    assert [s.name for s in scripts] == ["run-web1-vm"]
    assert "\n  ./result/bin/run-web1-vm\n" in r.stdout
    assert "QEMU_KERNEL_PARAMS=console=ttyS0 ./result/bin/run-web1-vm -nographic" in r.stdout
    # the example's qemu-vm.nix forwards host port 2222 to sshd itself
    assert "ssh -p 2222 alice@localhost" in r.stdout
    assert os.path.realpath(tmp_path / "result") + "\n" in r.stdout  # nix-build's own output


@needs_nix_build
def test_build_vm_extra_arguments_go_to_nix_build(tmp_path):
    r = run_nixeval("build-vm", "--no-lint", "--offline", *TREE,
                    "--config", str(CONFIGS / "fixed.nix"), "--", "--no-out-link", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "result").exists()
    script = next(line.strip() for line in r.stdout.splitlines()
                  if line.strip().endswith("/bin/run-web1-vm"))
    assert script.startswith("/nix/store/") and os.access(script, os.X_OK)


@needs_nix_build
def test_build_vm_refuses_what_lint_rejects(tmp_path):
    r = run_nixeval("build-vm", str(CONFIGS / "conflict.nix"), *TREE, "--offline",
                    cwd=tmp_path)
    assert r.returncode == 1
    assert "services.timesyncd.enable" in r.stderr
    assert "not building the VM" in r.stderr
    assert "running nix-build" not in r.stderr
    assert not (tmp_path / "result").exists()


@needs_nix_build
def test_build_vm_goes_on_after_warnings_and_shows_them(tmp_path):
    r = run_nixeval("build-vm", str(CONFIGS / "renamed.nix"), *TREE, "--offline",
                    cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "warning: The option `services.sshd.enable' defined in" in r.stderr
    assert "running nix-build" in r.stderr
    assert list((tmp_path / "result" / "bin").glob("run-*-vm"))


@needs_nix_build
def test_build_vm_without_lint_returns_nix_builds_status(tmp_path):
    r = run_nixeval("build-vm", str(CONFIGS / "conflict.nix"), *TREE, "--offline", "--no-lint",
                    cwd=tmp_path)
    assert r.returncode == 1
    assert "running nix-build '<nixpkgs/nixos>' -A vm" in r.stderr
    assert "has conflicting definition values" in r.stderr  # Nix's own message, streamed
    assert "nix-build failed (exit status 1)" in r.stderr
    assert not (tmp_path / "result").exists()


@pytest.mark.parametrize("lint", [False, True])
def test_build_vm_without_nix(tmp_path, lint):
    python_dir = os.path.dirname(sys.executable)
    assert shutil.which("nix-build", path=python_dir) is None
    r = run_nixeval("build-vm", str(CONFIGS / "fixed.nix"), *TREE,
                    *([] if lint else ["--no-lint"]), cwd=tmp_path, env={"PATH": python_dir})
    assert r.returncode == 3, r.stderr
    assert "building the VM needs Nix's nix-build, which is not on PATH" in r.stderr
    assert "apt-get install nix-bin" in r.stderr and "https://nixos.org/download" in r.stderr
    assert not (tmp_path / "result").exists()


def test_build_vm_help_documents_exit_statuses():
    r = run_nixeval("build-vm", "--help")
    assert r.returncode == 0
    assert "3  Nix's nix-build is not installed" in r.stdout


def test_build_vm_command_line():
    from nixeval.nixos.build import command
    from nixeval.nixos.locate import Target

    target = Target("/t/nixpkgs", "/t/configuration.nix",
                    ("nixpkgs=examples", "nixos-config=x.nix", "secrets=/t/secrets"))
    assert command(target, offline=True, extra=["--show-trace"]) == [
        "nix-build", "<nixpkgs/nixos>", "-A", "vm", "-I", "nixpkgs=/t/nixpkgs",
        "-I", "nixos-config=/t/configuration.nix", "-I", "secrets=/t/secrets",
        "--option", "substituters", "", "--show-trace"]
