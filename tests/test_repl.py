"""``nixeval repl``, run as a user runs it: lines piped in, and at a terminal
(a pseudo-terminal driven by pexpect), on the bundled example; values compared
with the real ``nix repl`` (Nix 2.8) where its printing is the same."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

CONFIG = "examples/configs/fixed.nix"
NIXPKGS = ("-I", "nixpkgs=examples")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def repl(*lines: str, config: str = CONFIG, args: tuple[str, ...] = ()):
    stdin = "".join(f"{line}\n" for line in lines).encode()
    r = run_nixeval("repl", config, *NIXPKGS, *args, stdin=stdin)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def test_values_printed_one_level_deep_and_p_prints_all():
    status, out, err = repl("config.networking.hostName", "config.users",
                            ":p config.users.users.alice.extraGroups",
                            ':p { a = { b = [ 1 2 ]; }; s = "x"; }', ':p "a\\nb"')
    assert status == 0, err
    assert out == ('"web1"\n'
                   "{\n  groups = { ... };\n  mutableUsers = true;\n  users = { ... };\n}\n"
                   '[ "wheel" ]\n'
                   '{\n  a = {\n    b = [\n      1\n      2\n    ];\n  };\n  s = "x";\n}\n'
                   "a\nb\n")
    assert "Added 4 variables.\nconfig, lib, options, pkgs" in err


def test_scope_has_config_options_pkgs_lib():
    status, out, _ = repl(":t config", ":t options.services.openssh.enable",
                          "pkgs.vim.name", "lib.mkDefault 1", "options.time.timeZone.type.name")
    lines = out.splitlines()
    assert status == 0
    assert lines[:3] == ["a set", "a set", '"vim-9.1.0765"']
    assert lines[3:] == ["{", "  _type = \"override\";", "  content = 1;", "  priority = 1000;",
                         "}", '"nullOr"']


def test_functions_derivations_and_repeated_values():
    status, out, err = repl("builtins.map", "builtins.map (x: x)", "(x: x)",
                            "let f = y: y; in f", "pkgs.vim",
                            "let a = { x = 1; }; in :p [ a a ]".replace(":p ", ""),
                            ":p let a = { x = 1; }; in [ a a ]")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "«primop map»"
    assert lines[1] == "«partially applied primop map»"
    assert lines[2] == "«lambda @ «string»:1:2»"
    assert lines[3] == "«lambda f @ «string»:1:9»"
    assert re.fullmatch(r"«derivation /nix/store/[0-9a-z]{32}-vim-9\.1\.0765\.drv»", lines[4])
    assert out.endswith("[\n  { x = 1; }\n  «repeated»\n]\n")


def test_bindings_add_and_type():
    status, out, err = repl("x = 1 + 2", "y = x * 2", "x = 10", "y", ":t y",
                            ":a { zz = 5; }", "zz + x", ":t builtins.map", ':t "s"')
    assert status == 0, err
    # y keeps the x it was bound with, as nix repl's environment does
    assert out.splitlines() == ["6", "an integer", "15", "the built-in function 'map'",
                                "a string"]
    assert "Added 1 variables." in err


def test_doc_is_the_option_view():
    status, out, err = repl(":doc services.timesyncd.enable", ":doc config.time.timeZone")
    assert status == 0, err
    option = run_nixeval("option", "services.timesyncd.enable", "--config", CONFIG, *NIXPKGS)
    assert out.startswith(option.stdout)
    assert "time.timeZone\n  Value:       \"Europe/Berlin\"" in out


def test_doc_of_a_set_and_of_a_typo():
    status, out, err = repl(":doc services.openssh", ":doc services.timesyncd.enabel")
    assert status == 1
    assert out.startswith("`services.openssh' is a set of options:\n  services.openssh.enable\n")
    assert "error: no option `services.timesyncd.enabel'; did you mean " \
           "`services.timesyncd.enable'" in err


def test_errors_never_end_the_session():
    status, out, err = repl('throw "boom"', "1 + ", "2", "let f = x: f x + 1; in f 1",
                            "{ a = throw \"x\"; b = 2; }", ":foo", "undefinedName",
                            "{ a = 1; } }", "config.networking.hostName")
    assert status == 1  # piped: some inputs failed
    assert out.splitlines()[0] == "3"  # `1 +` waited for `2`
    assert out.endswith('{\n  a = «error: x»;\n  b = 2;\n}\n"web1"\n')
    assert "error: boom" in err
    assert "error: stack overflow; max-call-depth exceeded" in err
    assert "error: unknown command ':foo'" in err
    assert "error: undefined variable 'undefinedName'" in err
    # a syntax error is shown at its place with a caret
    assert re.search(r"error: syntax error, unexpected '}'.*\n\s+at «string»:1:12:\n"
                     r"\s+1\| \{ a = 1; \} \}\n\s+\|\s{12}\^", err), err
    assert "Traceback" not in err


def test_incomplete_input_at_the_end_is_reported():
    status, out, err = repl("{ a = 1;")
    assert status == 1 and out == ""
    assert "error: syntax error, unexpected end of file" in err


def test_ctrl_c_off_a_terminal_interrupts_the_evaluation():
    child = subprocess.Popen([sys.executable, "-m", "nixeval", "repl", CONFIG, *NIXPKGS],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=ROOT, text=True)
    assert child.stdin and child.stderr
    # 2^40 calls, never deep: runs until interrupted
    child.stdin.write("let f = n: if n == 0 then 1 else f (n - 1) + f (n - 1); in f 40\n")
    child.stdin.flush()
    while "config, lib, options, pkgs" not in child.stderr.readline():
        pass  # loaded: the evaluation comes next
    time.sleep(1)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate("6 * 7\n", timeout=60)
    assert (child.returncode, out) == (1, "42\n")
    assert err == "error: interrupted by the user\n"


def test_quit_stops_reading():
    status, out, _ = repl("1", ":q", "2")
    assert (status, out) == (0, "1\n")


def test_vm_variant():
    _, plain, _ = repl("config.services.timesyncd.enable")
    _, vm, err = repl("config.services.timesyncd.enable", args=("--vm",))
    assert (plain, vm) == ("true\n", "false\n")
    assert "(VM variant)" in err


def test_a_broken_configuration_is_an_error_in_the_session(tmp_path):
    config = tmp_path / "broken.nix"
    config.write_text("{ ... }: { networking.hostName = ; }\n")
    status, out, err = repl("1 + 1", "config.networking.hostName", "2 + 2", ":t pkgs",
                            config=str(config))
    assert status == 1
    assert out == "2\n4\n"
    assert err.count("error: syntax error, unexpected ';'") == 2
    assert f"at {config}:1:34:" in err


def test_missing_configuration_is_a_usage_error(tmp_path):
    status, _, err = repl("1", config=str(tmp_path / "none.nix"))
    assert status == 2
    assert "does not exist" in err and "Traceback" not in err


# completion, through the session the terminal uses --------------------------------

@pytest.fixture(scope="module")
def session():
    import argparse
    import io

    from nixeval import modules
    from nixeval.cli.nixos_args import add_nixos_arguments, make_system
    from nixeval.repl.session import ReplSession

    modules.register()
    cwd = os.getcwd()
    os.chdir(ROOT)
    parser = argparse.ArgumentParser()
    add_nixos_arguments(parser)  # the arguments the command line gives make_system
    args = parser.parse_args(["--config", CONFIG, *NIXPKGS])
    s = ReplSession(lambda: make_system(args), "test", io.StringIO(), io.StringIO())
    s.load()
    yield s
    os.chdir(cwd)


def test_completion_of_attribute_paths(session):
    assert session.complete("config.networking.host") == (22, ["config.networking.hostName"])
    replaced, names = session.complete("1 + config.services.o")
    assert (replaced, names) == (len("config.services.o"), ["config.services.openssh"])
    assert session.complete("conf") == (4, ["config"])
    assert "lib.mkDefault" in session.complete("lib.mkD")[1]
    # broken or missing sets complete to nothing, quietly
    assert session.complete("nonexistent.a") == (13, [])
    session.feed('broken = throw "x"')
    assert session.complete("broken.a") == (8, [])


def test_completion_of_option_names_and_commands(session):
    assert session.complete(":doc services.timesyncd.en") == (
        len("services.timesyncd.en"), ["services.timesyncd.enable"])
    assert session.complete(":doc config.services.opens") == (
        len("config.services.opens"), ["config.services.openssh"])
    assert session.complete(":re") == (3, [":reload"])


def test_completion_quotes_names_that_need_it(session):
    session.feed('weird = { "a b" = 1; ok = 2; }')
    assert session.complete("weird.") == (6, ['weird."a b"', "weird.ok"])


# at a terminal -------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path: Path, config: str = CONFIG, nixpkgs: str = "examples"):
    env = {**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1",
           "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("NO_COLOR", None)
    argv = ["-m", "nixeval", "repl", config, "-I", f"nixpkgs={nixpkgs}"]
    child = pexpect.spawn(sys.executable, argv, cwd=str(ROOT), env=env, encoding="utf-8",
                          timeout=60, dimensions=(40, 200))
    child.expect(PROMPT)
    return child


# prompt_toolkit draws the prompt's trailing space as a cursor movement
PROMPT = "nixeval>"
ACCEPTED = "\x1b[?2004l"


def plain(text: str) -> str:
    return _ANSI.sub("", text).replace("\r", "")


def enter(child, keys: str = "") -> None:
    """Type ``keys`` and Enter; returns once the line is accepted (prompt_toolkit
    then turns bracketed paste off: redraws of the prompt before are passed)."""
    child.send(keys + "\r")
    child.expect_exact(ACCEPTED)


def answer(child, line: str) -> str:
    """Enter ``line``; what is printed before the next prompt, without escapes."""
    enter(child, line)
    child.expect(PROMPT)
    return plain(child.before)


def test_terminal_session_colours_history_and_quit(tmp_path):
    child = spawn(tmp_path)
    enter(child, "config.networking.hostName")
    child.expect(PROMPT)
    assert '\x1b[35;1m"web1"\x1b[0m' in child.before  # strings magenta, as nix repl
    assert answer(child, ":t config.networking.hostName").strip() == "a string"
    enter(child, ":q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "data" / "nixeval" / "repl-history").read_text()
    assert "+config.networking.hostName\n" in history and "+:q\n" in history
    # the next session finds it: up arrow three times (past :q and :t) recalls it
    child = spawn(tmp_path)
    enter(child, "\x1b[A" * 3)
    child.expect(PROMPT)
    assert '"web1"' in plain(child.before)
    child.sendeof()
    child.expect(pexpect.EOF)


def test_terminal_highlights_input(tmp_path):
    child = spawn(tmp_path)
    child.send('"zzz"')
    child.expect("zzz")
    # Pygments' Nix lexer colours the string literal as it is typed
    assert re.search(r'\x1b\[[0-9;]*38;5;\d+m"$', child.before), repr(child.before)
    child.sendeof()


def test_terminal_tab_completes(tmp_path):
    child = spawn(tmp_path)
    child.send("config.networking.host\t")
    child.expect("Name")
    assert '"web1"' in answer(child, "")
    child.send(":doc services.timesyncd.ena\t")
    child.expect("ble")
    assert "Declared in: examples/nixos/modules/services/networking/timesyncd.nix" in \
        answer(child, "")
    child.sendeof()


def test_terminal_ctrl_c_interrupts_an_evaluation(tmp_path):
    child = spawn(tmp_path)
    # 2^40 calls, never deep: runs until interrupted
    enter(child, "let f = n: if n == 0 then 1 else f (n - 1) + f (n - 1); in f 40")
    child.expect(pexpect.TIMEOUT, timeout=1)
    child.sendintr()
    child.expect("error: interrupted by the user")
    child.expect(PROMPT)
    assert answer(child, "6 * 7").strip() == "42"
    child.sendeof()
    child.expect(pexpect.EOF)


def test_terminal_errors_and_continuation(tmp_path):
    child = spawn(tmp_path)
    assert "error: boom" in answer(child, 'throw "boom"')
    enter(child, "{ a =")  # incomplete: no answer, no new prompt, until it is complete
    child.expect(pexpect.TIMEOUT, timeout=1)
    assert PROMPT not in child.before
    assert answer(child, "1; }").strip().endswith("{ a = 1; }")
    assert "stack overflow" in answer(child, "let f = x: f x + 1; in f 1")
    child.send("1 + \x03")  # Ctrl-C at the prompt drops the line (else: 1 + 2)
    child.expect_exact(ACCEPTED)
    child.expect(PROMPT)
    assert answer(child, "2").strip() == "2"
    child.sendeof()


def test_terminal_reload_reads_the_files_again(tmp_path):
    work = tmp_path / "tree"
    shutil.copytree(ROOT / "examples", work)
    config = work / "configs" / "fixed.nix"
    child = spawn(tmp_path, config=str(config), nixpkgs=str(work))
    answer(child, "x = 1")
    assert '"web1"' in answer(child, "config.networking.hostName")
    config.write_text(config.read_text().replace('"web1"', '"web2"'))
    assert '"web1"' in answer(child, "config.networking.hostName")  # until :r
    assert "Loading configuration" in answer(child, ":r")
    assert '"web2"' in answer(child, "config.networking.hostName")
    assert "undefined variable 'x'" in answer(child, "x")  # as nix repl: bindings dropped
    child.sendeof()


# against the real nix repl ---------------------------------------------------------------

NIX = shutil.which("nix")

# values whose printing Nix 2.8 shares with current Nix once the layout (current Nix
# pretty-prints sets and lists of more than one item) is set aside
SAME = ["config.networking.hostName", "config.users", "config.networking.firewall",
        ":p config.users.users.alice.extraGroups", ":p config.users.users.alice.openssh",
        ":t config", ":t config.services.openssh.ports", "config.environment.variables",
        "rec { a = [ b ]; b = 1; }", ":p { a = { b = [ 1 2.5 null true ]; }; }",
        'config.time.timeZone + "!"', "{ }", "[ ]", ":p [ [ ] { } ]", "pkgs.vim",
        ":p { a = [ pkgs.git ]; b = { }; c = [ ]; }", "{ a = { }; b = [ ]; }"]


@pytest.mark.skipif(NIX is None, reason="nix not installed (apt-get install nix-bin)")
def test_same_values_as_nix_repl():
    env = {**os.environ, "NIX_PATH": ""}
    text = "".join(f"{line}\n" for line in SAME)
    nix = subprocess.run([NIX, "--extra-experimental-features", "nix-command", "repl",
                          "<nixpkgs/nixos>", *NIXPKGS, "-I", f"nixos-config={CONFIG}"],
                         input=text, capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120)
    # its answers: what follows each echoed input line, up to the next prompt
    answers = [block.split("\n", 1)[1].strip() for block in
               _ANSI.sub("", nix.stdout).split("nix-repl> ")[1:] if "\n" in block]
    assert len(answers) == len(SAME), nix.stdout + nix.stderr
    for line, expected in zip(SAME, answers, strict=True):
        status, out, err = repl(line)
        assert status == 0, err
        assert " ".join(out.split()) == " ".join(expected.split()), line


@pytest.mark.skipif(NIX is None, reason="nix not installed (apt-get install nix-bin): it "
                    "writes the flake.lock")
def test_flake_configuration(tmp_path):
    nixpkgs = tmp_path / "nixpkgs"
    shutil.copytree(ROOT / "examples", nixpkgs)  # links followed: a flake input is copied
    # the tree as a flake, with the nixosSystem nixpkgs' flake has
    (nixpkgs / "flake.nix").write_text(
        "{ outputs = { self }: { lib = import ./lib // {\n"
        "    nixosSystem = args: import ./nixos/lib/eval-config.nix args; }; }; }\n")
    flake = tmp_path / "flake"
    flake.mkdir()
    shutil.copy(ROOT / CONFIG, flake / "configuration.nix")
    (flake / "flake.nix").write_text(
        f'{{ inputs.nixpkgs.url = "path:{nixpkgs}";\n'
        "  outputs = { self, nixpkgs }: {\n"
        "    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {\n"
        '      system = "x86_64-linux"; modules = [ ./configuration.nix ]; }; }; }\n')
    subprocess.run([NIX, "--extra-experimental-features", "nix-command flakes", "flake",
                    "lock"], cwd=flake, check=True, capture_output=True, timeout=120)
    stdin = b"config.networking.hostName\nconfig.services.timesyncd.enable\n:t lib.mkForce\n"
    r = run_nixeval("repl", "--flake", f"{flake}#web1", "--vm", stdin=stdin)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode() == '"web1"\nfalse\na function\n'
    assert f"Loading flake '{flake}#web1' (VM variant)" in r.stderr.decode()
