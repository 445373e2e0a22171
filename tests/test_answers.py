"""The answer cache (nixeval/cli/answers.py), through the command line: a
repeated question is answered from the cache without loading the evaluator,
and any change to what the evaluation read (a file, a path's existence, a
directory's entries, an environment variable) gives the answer a cold run
gives. Each test has its own cache directory (conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLE = ROOT / "examples"

CONFIG = """{ lib, ... }: {
  imports = [ ./part.nix ];
  boot.loader.grub.device = "/dev/sda";
  system.stateVersion = "24.11";
  networking.hostName = lib.concatStrings ([ "web" ]
    ++ lib.optional (builtins.pathExists ./flag) "flag"
    ++ builtins.attrNames (builtins.readDir ./d)
    ++ [ (builtins.getEnv "NIXEVAL_TEST_GREETING_X") ]);
}
"""
PART = '{ ... }: { services.openssh.ports = [ %s ]; }\n'


def make_tree(tmp_path: Path, port: str = "22") -> Path:
    (tmp_path / "configuration.nix").write_text(CONFIG)
    (tmp_path / "part.nix").write_text(PART % port)
    (tmp_path / "d").mkdir(exist_ok=True)
    return tmp_path / "configuration.nix"


def nixeval(*args: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "nixeval", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=full, timeout=300)


def ask(config: Path, *args: str, env: dict[str, str] | None = None):
    return nixeval(*args, "-I", f"nixpkgs={EXAMPLE}", "--config", str(config), env=env)


def cold(config: Path, *args: str, env: dict[str, str] | None = None):
    return ask(config, *args, env={**(env or {}), "NIXEVAL_NO_CACHE": "1"})


def answered_from_cache(config: Path, *args: str, env: dict[str, str] | None = None):
    """A run with Python's import log on: (the run, whether the evaluator was
    loaded). The log is written past nixeval's output capture, so it only
    adds lines to stderr, which are taken out again."""
    r = ask(config, *args, env={**(env or {}), "PYTHONPROFILEIMPORTTIME": "1"})
    lines = r.stderr.splitlines(keepends=True)
    imports = [line for line in lines if line.startswith("import time:")]
    r.stderr = "".join(line for line in lines if not line.startswith("import time:"))
    assert imports, "the import log is missing: the test can't tell a hit from a miss"
    loaded = any(line.rstrip().endswith(("nixeval.eval.state", "nixeval.eval"))
                 for line in imports)
    return r, not loaded


def outcome(r: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return r.returncode, r.stdout, r.stderr


def entries() -> list[Path]:
    root = Path(os.environ["NIXEVAL_CACHE_DIR"]) / "answers"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


QUESTIONS = [("option", "networking.hostName"), ("option", "services.openssh.ports"),
             ("why", "networking.hostName"), ("options", "networking"), ("lint",)]


def test_a_repeated_question_is_answered_without_evaluating(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    for question in QUESTIONS:
        first = ask(config, *question)
        assert first.returncode == 0, first.stderr
        again, hit = answered_from_cache(config, *question)
        assert hit, question
        assert outcome(again) == outcome(first) == outcome(cold(config, *question))
    assert len(entries()) == len(QUESTIONS)


def test_lint_findings_and_status_are_replayed(tmp_path: Path) -> None:
    config = make_tree(tmp_path, port='22 "2222"')
    first = ask(config, "lint")
    assert first.returncode == 1 and "Element 2 of `services.openssh.ports`" in first.stdout
    again, hit = answered_from_cache(config, "lint")
    assert hit and outcome(again) == outcome(first)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    ask(config, "option", "services.openssh.ports")
    (tmp_path / "part.nix").write_text(PART % "2200 2201")
    r, hit = answered_from_cache(config, "option", "services.openssh.ports")
    assert not hit and "[ 2200 2201 ]" in r.stdout
    assert outcome(r) == outcome(cold(config, "option", "services.openssh.ports"))


def test_a_file_touched_but_unchanged_is_still_a_hit(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    first = ask(config, "option", "services.openssh.ports")
    part = tmp_path / "part.nix"
    part.write_text(part.read_text())  # new mtime and ctime, same contents
    r, hit = answered_from_cache(config, "option", "services.openssh.ports")
    assert hit and outcome(r) == outcome(first)


def test_a_path_that_appears_is_seen(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    assert '"web"' in ask(config, "option", "networking.hostName").stdout
    (tmp_path / "flag").write_text("")
    r, hit = answered_from_cache(config, "option", "networking.hostName")
    assert not hit and '"webflag"' in r.stdout
    (tmp_path / "flag").unlink()
    r, hit = answered_from_cache(config, "option", "networking.hostName")
    assert not hit and '"web"' in r.stdout


def test_a_directory_listing_that_changes_is_seen(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    ask(config, "option", "networking.hostName")
    (tmp_path / "d" / "x").write_text("")
    r, hit = answered_from_cache(config, "option", "networking.hostName")
    assert not hit and '"webx"' in r.stdout


def test_an_environment_variable_read_is_checked(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    ask(config, "option", "networking.hostName", env={"NIXEVAL_TEST_GREETING_X": "a"})
    r, hit = answered_from_cache(config, "option", "networking.hostName",
                                 env={"NIXEVAL_TEST_GREETING_X": "b"})
    assert not hit and '"webb"' in r.stdout
    r, hit = answered_from_cache(config, "option", "networking.hostName",
                                 env={"NIXEVAL_TEST_GREETING_X": "b"})
    assert hit and '"webb"' in r.stdout


def test_the_clock_is_never_cached(tmp_path: Path) -> None:
    config = tmp_path / "configuration.nix"
    config.write_text('{ ... }: { networking.hostName = "t${toString builtins.currentTime}"; }')
    assert ask(config, "option", "networking.hostName").returncode == 0
    assert entries() == []
    r, hit = answered_from_cache(config, "option", "networking.hostName")
    assert not hit and r.returncode == 0


def test_no_cache_turns_it_off(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    assert cold(config, "option", "networking.hostName").returncode == 0
    assert entries() == []


def test_failures_that_are_not_answers_are_not_kept(tmp_path: Path) -> None:
    r = ask(tmp_path / "missing.nix", "option", "networking.hostName")
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert entries() == []


def _one_entry() -> Path:
    [entry] = entries()
    return entry


def test_damaged_entries_are_misses_and_rebuilt(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    first = ask(config, "option", "networking.hostName")
    entry = _one_entry()
    good = entry.read_bytes()
    flipped = bytearray(good)
    flipped[-10] ^= 0x01
    for damaged in (good[: len(good) // 2], bytes(flipped), b"", good + b"x"):
        entry.write_bytes(damaged)
        r, hit = answered_from_cache(config, "option", "networking.hostName")
        assert not hit and outcome(r) == outcome(first)
        assert entry.read_bytes() != damaged  # rewritten by the run


def test_an_entry_of_another_question_is_not_taken(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    ask(config, "option", "services.openssh.ports")
    other = _one_entry().read_bytes()
    first = ask(config, "option", "networking.hostName")
    [entry] = [p for p in entries() if p.read_bytes() != other]
    entry.write_bytes(other)  # another key's entry, its HMAC good for that key only
    r, hit = answered_from_cache(config, "option", "networking.hostName")
    assert not hit and outcome(r) == outcome(first)


def test_an_unusable_cache_directory_costs_only_speed(tmp_path: Path) -> None:
    config = make_tree(tmp_path)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = {"NIXEVAL_CACHE_DIR": str(blocker / "cache")}
    for _ in range(2):
        r = ask(config, "option", "networking.hostName", env=env)
        assert outcome(r) == outcome(cold(config, "option", "networking.hostName"))


# random edits: after each, the cached answer is the cold one -------------------------

EDITS = st.lists(st.sampled_from(["port", "flag", "dir", "env", "touch"]), min_size=1,
                 max_size=3)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_answers_after_random_edits_are_cold_answers(tmp_path_factory, edits: list[str]) -> None:
    tree = tmp_path_factory.mktemp("tree")
    config = make_tree(tree)
    env = {"NIXEVAL_TEST_GREETING_X": "0"}
    ask(config, "option", "networking.hostName", env=env)
    for step, edit in enumerate(edits):
        if edit == "port":
            (tree / "part.nix").write_text(PART % (22 + step))
        elif edit == "flag":
            flag = tree / "flag"
            flag.unlink() if flag.exists() else flag.write_text("")
        elif edit == "dir":
            (tree / "d" / f"e{step}").write_text("")
        elif edit == "env":
            env = {"NIXEVAL_TEST_GREETING_X": str(step + 1)}
        else:
            (tree / "part.nix").touch()
        for question in (("option", "networking.hostName"), ("lint",)):
            assert outcome(ask(config, *question, env=env)) == \
                outcome(cold(config, *question, env=env)), (edits, step, question)
