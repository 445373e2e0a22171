"""``nixeval lint TEST.nix`` on NixOS VM tests: every node linted as the test
driver builds it, the testScript checked with pyflakes as nixpkgs' driver
build checks it, findings at the test file's lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

NIXPKGS = ("-I", "nixpkgs=examples")
TESTS = ROOT / "tests" / "nixos-tests"


def lint(path: str | Path, *args: str):
    return run_nixeval("lint", str(path), *NIXPKGS, *args)


def findings(path: str | Path) -> list[dict]:
    r = lint(path, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_clean_test_module():
    r = lint("examples/tests/web.nix")
    assert (r.returncode, r.stdout.strip()) == (0, "no problems found"), r.stdout + r.stderr


def test_run_nixos_test_form_finds_node_conflict_and_script_errors():
    path = ROOT / "examples" / "tests" / "broken.nix"
    r = lint(path)
    assert r.returncode == 1
    found = findings(path)
    conflict = next(f for f in found if f["kind"] == "conflict")
    assert (conflict["file"], conflict["line"], conflict["column"]) == (
        str(path), line_of(path, "services.timesyncd.enable = true;"), 5)
    assert conflict["related"][0]["file"].endswith("virtualisation/qemu-vm.nix")
    assert "in node `server' of the test" in conflict["notes"][0]
    assert conflict["fix"].startswith("The test driver builds every node with "
                                      "virtualisation/qemu-vm.nix, which sets "
                                      "`services.timesyncd.enable = false;`")
    # lib names the node's module by the test file, as the test framework's own does
    assert f"In `{path}': true" in conflict["message"]
    script = [(f["line"], f["column"], f["message"]) for f in found if f["kind"] == "test-script"]
    assert script == [(line_of(path, "import json"), 5,
                       "testScript: 'json' imported but unused"),
                      (line_of(path, "clinet.succeed"), 5,
                       "testScript: undefined name 'clinet'")]
    undefined = next(f for f in found if "clinet" in f["message"])
    assert "`client`" in undefined["fix"] and "`server`" in undefined["fix"]
    assert all(f["severity"] == "error" for f in found)
    # the text report shows the script's line under the finding
    assert f"broken.nix:{line_of(path, 'clinet.succeed')}:5: error: testScript: undefined " \
           "name 'clinet' [test-script]\n" in r.stdout
    assert "|     clinet.succeed(\"ssh alice@server true\")" in r.stdout


def test_sarif_has_the_script_rule():
    r = lint("examples/tests/broken.nix", "--format", "sarif")
    log = json.loads(r.stdout)
    rules = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert rules == ["conflict", "test-script"]


def test_make_test_python_form_nodes_argument_and_single_machine_alias():
    path = TESTS / "make-test.nix"
    found = findings(path)
    # `machine` (the only node's alias), `t`, `subtest`, `retry`: known;
    # `nodes` reached the node module and the testScript function
    line = line_of(path, "print(undefined_thing)")
    column = path.read_text().splitlines()[line - 1].index("undefined_thing") + 1
    assert [(f["kind"], f["line"], f["column"], f["message"]) for f in found] == [
        ("test-script", line, column, "testScript: undefined name 'undefined_thing'")]


def test_script_syntax_error_at_its_place(tmp_path):
    test = tmp_path / "syntax.nix"
    test.write_text(
        "{ pkgs, ... }: {\n"
        f"  nodes.machine = {{ imports = [ {ROOT}/examples/configs/fixed.nix ]; }};\n"
        "  testScript = ''\n"
        "    start_all()\n"
        "    if True\n"
        "        machine.succeed('true')\n"
        "  '';\n"
        "}\n")
    found = findings(test)
    assert [(f["kind"], f["line"], f["column"]) for f in found] == [("test-script", 5, 12)]
    assert found[0]["message"].startswith("testScript: syntax error: ")


def test_one_line_script_columns(tmp_path):
    test = tmp_path / "one-line.nix"
    test.write_text(
        "{ pkgs, ... }: {\n"
        f"  nodes.machine = {{ imports = [ {ROOT}/examples/configs/fixed.nix ]; }};\n"
        '  testScript = "start_all(); machin.succeed(\'true\')";\n'
        "}\n")
    found = findings(test)
    column = test.read_text().splitlines()[2].index("machin.") + 1
    assert [(f["line"], f["column"], f["message"]) for f in found] == [
        (3, column, "testScript: undefined name 'machin'")]


def test_script_text_on_the_first_line(tmp_path):
    test = tmp_path / "first-line.nix"
    nix = ("{ pkgs, ... }: {\n"
           f"  nodes.machine = {{ imports = [ {ROOT}/examples/configs/fixed.nix ]; }};\n"
           "  testScript = ''  machin.start()\n"
           "  start_all()\n"
           "  '';\n"
           "}\n")
    test.write_text(nix)
    # both lines lose their two spaces: `machin` at its own column on the '' line
    column = nix.splitlines()[2].index("machin") + 1
    assert [(f["line"], f["column"]) for f in findings(test)] == [(3, column)]
    # text on the '' line without indentation: nothing is stripped, so the
    # next line's indentation is Python's business (and an error, as in the driver)
    test.write_text(nix.replace("''  machin.start()", "''start_all()").replace(
        "  start_all()\n", "    machine.succeed('true')\n"))
    found = findings(test)
    assert [(f["line"], f["kind"]) for f in found] == [(4, "test-script")]
    assert found[0]["message"] == "testScript: syntax error: unexpected indent"


def test_script_read_from_a_file_is_placed_at_the_attribute(tmp_path):
    (tmp_path / "script.py").write_text("start_all()\nmachin.succeed('true')\n")
    test = tmp_path / "read.nix"
    test.write_text(
        "{ pkgs, ... }: {\n"
        f"  nodes.machine = {{ imports = [ {ROOT}/examples/configs/fixed.nix ]; }};\n"
        "  testScript = builtins.readFile ./script.py;\n"
        "}\n")
    assert [(f["line"], f["column"], f["message"]) for f in findings(test)] == [
        (3, 3, "testScript, line 2: undefined name 'machin'")]


def test_a_node_that_does_not_evaluate(tmp_path):
    test = tmp_path / "bad-node.nix"
    test.write_text(
        "{ pkgs, ... }: {\n"
        "  nodes.machine = { services.openssh.enabel = true; };\n"
        "  testScript = \"machine.succeed('true')\";\n"
        "}\n")
    found = findings(test)
    unknown = next(f for f in found if f["kind"] == "unknown-option")
    assert (unknown["file"], unknown["line"]) == (str(test), 2)
    assert "services.openssh.enable" in unknown["fix"]


def test_configurations_are_still_configurations():
    r = lint("examples/configs/conflict.nix")
    assert r.returncode == 0, r.stdout  # not a test: no VM variant unless --vm


def test_flake_with_a_test_file_is_a_usage_error():
    r = run_nixeval("lint", "examples/tests/web.nix", "--flake", "examples#web1")
    assert r.returncode == 2
    assert "not --flake" in r.stderr and "Traceback" not in r.stderr


# the same messages as the pyflakes nixpkgs runs, with the builtins it passes --------

NIX_INSTANTIATE = shutil.which("nix-instantiate")
# Driver.test_symbols() of nixpkgs' current test driver (generate-driver-symbols)
NIXPKGS_DRIVER_SYMBOLS = ("start_all,test_script,machines_qemu,machines_nspawn,vlans,driver,"
                          "log,os,create_machine,subtest,run_tests,join_all,retry,"
                          "serial_stdout_off,serial_stdout_on,polling_condition,BaseMachine,t,"
                          "debug")


@pytest.mark.skipif(NIX_INSTANTIATE is None,
                    reason="nix-instantiate not installed (apt-get install nix-bin)")
def test_same_messages_as_nixpkgs_pyflakes_run(tmp_path):
    path = TESTS / "typos.nix"
    # the script as real Nix evaluates it
    script = json.loads(subprocess.run(
        [NIX_INSTANTIATE, "--eval", "--strict", "--json", "-E",
         f"(import {path} {{ pkgs = {{ }}; }}).testScript"],
        capture_output=True, text=True, check=True).stdout)
    (tmp_path / "test-script").write_text(script)
    # nixpkgs' driver.nix: the pythonized node names, then driver-symbols
    env = {**os.environ, "PYFLAKES_BUILTINS": f"web_1,db,{NIXPKGS_DRIVER_SYMBOLS}"}
    r = subprocess.run([sys.executable, "-m", "pyflakes", "test-script"], cwd=tmp_path,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1
    expected = []
    first = line_of(path, "testScript = ''") + 1
    for line in r.stdout.splitlines():
        m = re.fullmatch(r"test-script:(\d+):(\d+):? (.*)", line)
        assert m, line
        expected.append((first + int(m[1]) - 1, 4 + int(m[2]), f"testScript: {m[3]}"))
    found = [(f["line"], f["column"], f["message"]) for f in findings(path)
             if f["kind"] == "test-script"]
    assert len(found) == 5
    assert found == expected
