"""Hostile files, output, signals and caches (issue 16, items 3 (the file part),
5, 8, 9 and 10): devices, FIFOs, closed or full standard streams, Ctrl-C at any
moment, forged cache entries. Each ends in a result or in a message with a
documented exit status: never an "internal error", a traceback or a hang.

Every command runs the real CLI in a child limited in memory (2 GiB of address
space) and time, so that a regression fails the test instead of hanging or
taking the machine down.

Where Nix 2.8 (the installed nix-instantiate) is compared: standard output
closed, full or a closed pipe, standard error closed or full. It is not
compared on devices and FIFOs: 2.8 reads /dev/zero until its memory runs out
and blocks on a FIFO for ever, where current Nix, which nixeval follows,
refuses what is not a regular file ("file '…' is not a regular file").
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import re
import select
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, limit_child_memory, needs_nix, nix_instantiate

from nixeval import keyed
from nixeval.syntax import MAX_FILE_BYTES, Source, ast, cache, parse, read_source

TIMEOUT = 60  # seconds: generous on a loaded machine; nothing here should take 10
EXAMPLES = ROOT / "examples"
TREE = ["-I", f"nixpkgs={EXAMPLES}"]
FIXED = EXAMPLES / "configs" / "fixed.nix"


def well_ended(stderr: str) -> None:
    for bad in ("internal error", "Traceback", "Fatal Python error"):
        assert bad not in stderr, stderr


def nixeval(*args: str, cwd: Path = ROOT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line as conftest's run_nixeval runs it, with a memory limit
    and a timeout; it must end well."""
    r = subprocess.run([sys.executable, "-m", "nixeval", *args], capture_output=True,
                       text=True, cwd=cwd, timeout=TIMEOUT, preexec_fn=limit_child_memory,
                       env={**os.environ, **(env or {})})
    well_ended(r.stderr)
    return r


def last_error(stderr: str) -> str:
    """The last ``error: …`` line: Nix 2.8 prints none of current Nix's trace
    frames before it."""
    return [line.strip() for line in stderr.splitlines()
            if line.strip().startswith("error: ")][-1]


def not_regular(builtin: str, expr: str, path: str) -> str:
    """nixeval's (current Nix's) whole message for a builtin given a device or
    a FIFO, called at the start of ``nixeval eval EXPR``."""
    return ("error:\n"
            f"       … while calling the '{builtin}' builtin\n"
            "         at «string»:1:1:\n"
            f"            1| {expr}\n"
            "             | ^\n"
            "\n"
            f"       error: file '{path}' is not a regular file\n")


# -- item 3 (files): devices are refused, not read until memory runs out ------------

BUILTINS = [("readFile", "builtins.readFile {}"), ("import", "import {}"),
            ("hashFile", 'builtins.hashFile "sha256" {}')]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
@pytest.mark.parametrize(("builtin", "template"), BUILTINS, ids=[b for b, _ in BUILTINS])
def test_a_device_is_refused_before_a_byte_is_read(builtin, template, device):
    expr = template.format(device)
    for command in (["eval", expr], ["instantiate", "--eval", "-E", expr]):
        r = nixeval(*command)
        assert (r.returncode, r.stdout, r.stderr) == (1, "", not_regular(builtin, expr, device))


def test_a_link_to_a_device_is_refused_by_the_device_s_name(tmp_path):
    (tmp_path / "z.nix").symlink_to("/dev/zero")
    for builtin, template in BUILTINS:
        expr = template.format("./z.nix")
        r = nixeval("eval", expr, cwd=tmp_path)
        assert (r.returncode, r.stderr) == (1, not_regular(builtin, expr, "/dev/zero"))


def test_parse_dev_zero():
    r = nixeval("parse", "/dev/zero")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "/dev/zero: error: Not a regular file\n")


def test_instantiate_of_dev_zero():
    for args in (["--parse", "/dev/zero"], ["--eval", "/dev/zero"]):
        r = nixeval("instantiate", *args)
        assert r.returncode == 1
        assert "/dev/zero" in r.stderr and "not a regular file" in r.stderr.lower()


def configuration(tmp_path: Path, body: str) -> str:
    path = tmp_path / "configuration.nix"
    path.write_text("{ lib, ... }:\n{\n" + body + "}\n")
    return str(path)


def test_a_configuration_importing_dev_zero(tmp_path):
    config = configuration(tmp_path, f"  imports = [ {FIXED} /dev/zero ];\n")
    r = nixeval("option", "networking.hostName", *TREE, "--config", config)
    assert (r.returncode, r.stdout) == (1, "")
    assert last_error(r.stderr) == "error: file '/dev/zero' is not a regular file"
    r = nixeval("lint", *TREE, "--config", config)
    assert r.returncode == 1
    assert r.stdout.startswith(
        f"{config}: error: file '/dev/zero' is not a regular file [eval-error]\n")
    assert r.stdout.endswith("\n1 error\n")


def test_an_option_value_importing_dev_zero(tmp_path):
    config = configuration(tmp_path, f"  imports = [ {FIXED} ];\n"
                                     "  networking.hostName = lib.mkForce (import /dev/zero);\n")
    r = nixeval("option", "networking.hostName", *TREE, "--config", config)
    assert (r.returncode, r.stdout) == (1, "")
    assert f"at {config}:4:38:\n" in r.stderr
    assert last_error(r.stderr) == "error: file '/dev/zero' is not a regular file"
    r = nixeval("lint", *TREE, "--config", config)
    assert r.returncode == 1
    assert r.stdout.startswith(f"{config}:4:38: error: file '/dev/zero' is not a regular file"
                               " [eval-error]\n")


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def test_a_file_past_the_read_bound_is_refused_by_its_size(tmp_path):
    big = sparse(tmp_path / "big.nix", MAX_FILE_BYTES + 1)
    too_large = f"error: file '{big}' is too large: nixeval reads at most 256 MiB of a file"
    for expr in ("builtins.readFile ./big.nix", "import ./big.nix"):
        r = nixeval("eval", expr, cwd=tmp_path)
        assert r.returncode == 1
        assert last_error(r.stderr) == too_large
    r = nixeval("parse", "big.nix", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, "big.nix: error: File too large\n")


@pytest.mark.slow
def test_hash_file_streams_a_file_past_the_read_bound(tmp_path):
    size = MAX_FILE_BYTES + 4096
    sparse(tmp_path / "big", size)
    h = hashlib.sha256()
    for _ in range(size >> 20):
        h.update(bytes(1 << 20))
    h.update(bytes(size % (1 << 20)))
    r = nixeval("eval", 'builtins.hashFile "sha256" ./big', cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, f'"{h.hexdigest()}"\n', "")


def test_a_file_whose_status_says_empty_is_read_to_its_end():
    # files under /proc have a size of 0 and contents
    expected = Path("/proc/sys/kernel/ostype").read_text()
    r = nixeval("eval", "builtins.readFile /proc/sys/kernel/ostype")
    assert (r.returncode, r.stdout) == (0, f'"{expected[:-1]}\\n"\n')


# -- item 5: FIFOs are refused, never waited on ----------------------------------


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "p.nix"
    os.mkfifo(path)
    return path


def test_parse_a_fifo(fifo):
    r = nixeval("parse", "p.nix", cwd=fifo.parent)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "p.nix: error: Not a regular file\n")


@pytest.mark.parametrize(("builtin", "template"), BUILTINS, ids=[b for b, _ in BUILTINS])
def test_builtins_refuse_a_fifo(fifo, builtin, template):
    expr = template.format("./p.nix")
    r = nixeval("eval", expr, cwd=fifo.parent)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", not_regular(builtin, expr, str(fifo)))


def test_a_link_to_a_fifo_is_refused_by_the_fifo_s_name(fifo):
    (fifo.parent / "link.nix").symlink_to(fifo)
    r = nixeval("eval", "builtins.readFile ./link.nix", cwd=fifo.parent)
    assert r.stderr == not_regular("readFile", "builtins.readFile ./link.nix", str(fifo))


def test_instantiate_of_a_fifo(fifo):
    for args in (["--parse", "p.nix"], ["--eval", "p.nix"]):
        r = nixeval("instantiate", *args, cwd=fifo.parent)
        assert r.returncode == 1
        assert "p.nix" in r.stderr and "not a regular file" in r.stderr.lower()


def test_parse_a_directory_holding_a_fifo(tmp_path):
    (tmp_path / "a.nix").write_text("{ a = 1; }\n")
    os.mkfifo(tmp_path / "b.nix")
    (tmp_path / "c.nix").symlink_to("/dev/zero")
    r = nixeval("parse", ".", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ("./b.nix: error: Not a regular file\n"
                        "./c.nix: error: Not a regular file\n"
                        "3 files, 1 parsed, 2 rejected\n")


def a_file(tmp_path: Path, text: str = "{ a = 1 + 2; }.a\n", name: str = "f.nix") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def cache_files(kind: str) -> list[Path]:
    return sorted(p for p in Path(keyed.cache_dir(kind)).rglob("*") if not p.is_dir())


def test_a_parse_cache_entry_replaced_by_a_fifo(tmp_path):
    f = a_file(tmp_path)
    assert nixeval("eval", str(f)).stdout == "3\n"
    entry = Path(keyed.cache_dir()) / cache.key_for(f.read_text(), False)[:2] / \
        cache.key_for(f.read_text(), False)
    assert entry.is_file()
    entry.unlink()
    os.mkfifo(entry)
    for _ in range(2):  # a miss, then the entry rewritten
        r = nixeval("eval", str(f))
        assert (r.returncode, r.stdout, r.stderr) == (0, "3\n", "")
    assert entry.is_file() and not entry.is_fifo()


def test_every_cache_entry_and_the_secret_replaced_by_fifos(tmp_path):
    config = ["networking.hostName", *TREE, "--config", str(FIXED)]
    first = nixeval("option", *config)
    assert first.returncode == 0, first.stderr
    replaced = [p for kind in ("parse", "grammar", "fingerprint") for p in cache_files(kind)]
    assert {p.parent.parent.name for p in replaced} == {"parse", "grammar", "fingerprint"}
    secret = Path(keyed.cache_dir()).parent / "secret"
    for p in [*replaced, secret]:
        p.unlink()
        os.mkfifo(p)
    for _ in range(2):
        r = nixeval("option", *config)
        assert (r.returncode, r.stdout, r.stderr) == (0, first.stdout, "")
    assert not any(p.is_fifo() for p in [*replaced, secret])


# -- item 8: standard output or error closed or failing ----------------------------

# the shell's redirections, applied to the command as a user types them
STDOUT = {"closed": ">&-", "full": ">/dev/full"}
STDERR = {"closed": "2>&-", "full": "2>/dev/full"}


def redirected(command: list[str], redirection: str, *, limit: bool = True,
               cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(["bash", "-c", f'exec "$@" {redirection}', "bash", *command],
                       capture_output=True, text=True, cwd=cwd, timeout=TIMEOUT,
                       preexec_fn=limit_child_memory if limit else None)
    well_ended(r.stderr)
    return r


NIXEVAL = [sys.executable, "-m", "nixeval"]
LONG_OUTPUT = "builtins.genList (x: x) 100000"  # some 600 kB printed
THROW_TEXT = ('error:\n'
              "       … while calling the 'throw' builtin\n"
              '         at «string»:1:1:\n'
              '            1| throw "x"\n'
              '             | ^\n\n'
              '       error: x\n')


@pytest.mark.parametrize("how", STDOUT)
@pytest.mark.parametrize("command", [["eval"], ["instantiate", "--eval", "--strict", "-E"]],
                         ids=["eval", "instantiate"])
def test_stdout_closed_or_full_loses_the_output_quietly(command, how):
    for expr in ("1", LONG_OUTPUT):
        r = redirected([*NIXEVAL, *command, expr], STDOUT[how])
        assert (r.returncode, r.stderr) == (0, "")
    r = redirected([*NIXEVAL, *command, 'throw "x"'], STDOUT[how])
    assert (r.returncode, r.stderr) == (1, THROW_TEXT)


@pytest.mark.parametrize("how", STDERR)
def test_stderr_closed_or_full_keeps_the_exit_status(how):
    r = redirected([*NIXEVAL, "eval", 'throw "x"'], STDERR[how])
    assert (r.returncode, r.stdout) == (1, "")
    r = redirected([*NIXEVAL, "eval", "1"], STDERR[how])
    assert (r.returncode, r.stdout) == (0, "1\n")
    r = redirected([*NIXEVAL, "eval", 'throw "x"'], f"{STDOUT[how]} {STDERR[how]}")
    assert r.returncode == 1


@pytest.mark.parametrize("how", STDOUT)
def test_other_commands_with_stdout_closed_or_full(tmp_path, how):
    a_file(tmp_path)
    conflict = ["--vm", *TREE, "--config", str(EXAMPLES / "configs" / "conflict.nix")]
    for args, status in ((["parse", "--print", "f.nix"], 0),
                         (["instantiate", "--parse", "f.nix"], 0),
                         (["option", "networking.hostName", *TREE, "--config", str(FIXED)], 0),
                         (["why", "services.openssh.ports", *TREE, "--config", str(FIXED)], 0),
                         (["lint", *TREE, "--config", str(FIXED)], 0),
                         (["lint", *conflict], 1)):  # the report lost, not its status
        r = redirected([*NIXEVAL, *args], STDOUT[how], cwd=tmp_path)
        assert (r.returncode, r.stderr) == (status, ""), args


def test_closed_stdout_never_lands_in_a_file_nixeval_opens(tmp_path):
    # with descriptor 1 closed, the first file opened would get its number: the
    # parse cache's entry, the secret; the output must not go there
    f = a_file(tmp_path)
    r = redirected([*NIXEVAL, "eval", str(f)], STDOUT["closed"])
    assert (r.returncode, r.stderr) == (0, "")
    key = cache.key_for(f.read_text(), False)
    assert cache.load(Source(str(f), f.read_text()), key) is not None
    assert nixeval("eval", str(f)).stdout == "3\n"


def read_a_little_then_close(command: list[str], *, limit: bool = True) -> tuple[int, str]:
    p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                         preexec_fn=limit_child_memory if limit else None)
    try:
        assert p.stdout is not None
        p.stdout.read(10)
        p.stdout.close()
        _, err = p.communicate(timeout=TIMEOUT)
        return p.returncode, err.decode()
    finally:
        p.kill()
        p.wait()


def test_a_reader_that_goes_away_ends_the_run_quietly():
    status, err = read_a_little_then_close([*NIXEVAL, "eval", LONG_OUTPUT])
    assert (status, err) == (0, "")


@needs_nix
@pytest.mark.parametrize("expr", ["1", LONG_OUTPUT, 'throw "x"'])
@pytest.mark.parametrize("redirection", [*STDOUT.values(), *STDERR.values(), ">&- 2>&-",
                                         ">/dev/full 2>/dev/full"])
def test_broken_output_as_nix_instantiate(redirection, expr):
    assert nix_instantiate is not None
    ours = redirected([*NIXEVAL, "instantiate", "--eval", "--strict", "-E", expr], redirection)
    nix = redirected([nix_instantiate, "--eval", "--strict", "-E", expr], redirection,
                     limit=False)
    assert ours.returncode == nix.returncode
    assert ours.stdout == nix.stdout
    if nix.stderr:
        assert last_error(ours.stderr) == last_error(nix.stderr)
    else:
        assert ours.stderr == ""


@needs_nix
def test_a_reader_that_goes_away_as_nix_instantiate():
    assert nix_instantiate is not None
    ours = read_a_little_then_close([*NIXEVAL, "instantiate", "--eval", "--strict", "-E",
                                     LONG_OUTPUT])
    nix = read_a_little_then_close([nix_instantiate, "--eval", "--strict", "-E", LONG_OUTPUT],
                                   limit=False)
    assert ours == nix == (0, "")


# -- item 9: Ctrl-C at any moment -----------------------------------------------------

# minutes of work for the evaluator, in little memory: 100,000 lists of 10,000
SLOW = ("builtins.foldl' (n: i: n + builtins.length (builtins.genList (x: x) 10000)) 0 "
        "(builtins.genList (x: x) 100000)")


def slow_configuration(tmp_path: Path) -> str:
    return configuration(tmp_path, f"  imports = [ {FIXED} ];\n"
                                   f"  networking.hostName = lib.mkForce (builtins.seq ({SLOW})"
                                   ' "web1");\n')


def interrupted_commands(tmp_path: Path) -> dict[str, list[str]]:
    """eval, lint and why on the example, each busy for minutes."""
    config = ["-I", f"nixpkgs={EXAMPLES}", "--config", slow_configuration(tmp_path)]
    return {"eval": ["eval", SLOW], "lint": ["lint", *config],
            "why": ["why", "networking.hostName", *config]}


# What the console script runs (pyproject: nixeval = "nixeval.cli.main:entry"),
# saying on a descriptor when nixeval's first line has run: its SIGINT handler
# is in place from that line on. Before it the interpreter starts up (and runs
# the site's .pth hooks), which no code of nixeval can reach; see
# test_ctrl_c_from_the_first_moment.
ENTRY_SAYING_READY = ("import os, sys\n"
                      "from nixeval.cli.main import entry\n"
                      "os.write(int(sys.argv.pop(1)), b'ready')\n"
                      "entry()\n")


def interrupt(args: list[str], delay: float, *, from_spawn: bool = False,
              alive_at_signal: bool = True) -> tuple[int, str, str]:
    """Run nixeval, send SIGINT ``delay`` seconds after its first line ran
    (``from_spawn``: after the process started, and again, as a user would,
    if the first was lost), return (status, stdout, stderr)."""
    read_end, write_end = os.pipe()
    try:
        if from_spawn:
            command = [*NIXEVAL, *args]
        else:
            command = [sys.executable, "-c", ENTRY_SAYING_READY, str(write_end), *args]
        p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=ROOT, preexec_fn=limit_child_memory, pass_fds=(write_end,))
        os.close(write_end)
        write_end = -1
        try:
            if not from_spawn:
                ready, _, _ = select.select([read_end], [], [], TIMEOUT)
                assert ready and os.read(read_end, 5) == b"ready", "nixeval never started"
            time.sleep(delay)
            if alive_at_signal:
                assert p.poll() is None, "the command ended before the signal"
            p.send_signal(signal.SIGINT)
            if from_spawn:
                try:
                    out, err = p.communicate(timeout=10)
                except subprocess.TimeoutExpired:  # see before_nixeval_ran
                    p.send_signal(signal.SIGINT)
                    out, err = p.communicate(timeout=TIMEOUT)
            else:
                out, err = p.communicate(timeout=TIMEOUT)
        finally:
            p.kill()
            p.wait()
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


DELAYS = [0, 0.005, 0.02, 0.2]


@pytest.mark.parametrize("delay", DELAYS, ids=[f"{int(d * 1000)}ms" for d in DELAYS])
@pytest.mark.parametrize("command", ["eval", "lint", "why"])
def test_ctrl_c_at_any_moment_of_nixeval(tmp_path, command, delay):
    status, out, err = interrupt(interrupted_commands(tmp_path)[command], delay)
    well_ended(err)
    assert (status, out, err) == (130, "", "nixeval: interrupted\n")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["eval", "lint", "why"])
def test_ctrl_c_during_a_long_evaluation(tmp_path, command):
    status, out, err = interrupt(interrupted_commands(tmp_path)[command], 3)
    assert (status, out, err) == (130, "", "nixeval: interrupted\n")


def test_ctrl_c_ignored_by_the_parent_stays_ignored(tmp_path):
    # nohup, a background job: SIGINT ignored before nixeval starts is left so
    p = subprocess.Popen([*NIXEVAL, "eval", "1 + 1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=ROOT, preexec_fn=lambda: (
                             limit_child_memory(), signal.signal(signal.SIGINT, signal.SIG_IGN)))
    time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=TIMEOUT)
    assert (p.returncode, out, err) == (0, b"2\n", b"")


# The line of nixeval/cli/main.py that installs the handler: a Ctrl-C before
# it is the interpreter's, as for any Python program.
HANDLER_LINE = next(
    n for n, line in enumerate((ROOT / "nixeval/cli/main.py").read_text().splitlines(), 1)
    if "_signal.signal(_signal.SIGINT, _interrupted)" in line)
FRAME = re.compile(r'^  File "(.*)", line (\d+), in ', re.MULTILINE)


def before_nixeval_ran(status: int, err: str) -> bool:
    """The interpreter's own end for a SIGINT before nixeval's handler was in
    place: killed by the signal without a word (before Python set its own
    handler; a shell shows status 130), or Python's KeyboardInterrupt during
    its start-up (its site hooks, runpy, the import of nixeval's entry), with
    no frame in nixeval's code past the handler's line. Or the signal lost:
    a KeyboardInterrupt raised in a callback of the import system is only
    reported ("Exception ignored in: …"), and the run goes on; the second
    Ctrl-C, nixeval's by then, ends it."""
    if status == -signal.SIGINT and err == "":
        return True
    lost = "nixeval: interrupted\n"
    if status == 130 and err.startswith("Exception ignored in: ") and err.endswith(lost):
        report = err[:-len(lost)].rstrip()
        return report.splitlines()[-1].startswith("KeyboardInterrupt") \
            and _no_frame_of_nixeval(report)
    if status not in (1, -signal.SIGINT) or not err.rstrip().endswith("KeyboardInterrupt"):
        return False
    return _no_frame_of_nixeval(err)


def _no_frame_of_nixeval(err: str) -> bool:
    for file, line in FRAME.findall(err):
        inside = os.path.realpath(file)
        if not inside.startswith(str(ROOT / "nixeval") + os.sep):
            continue  # the interpreter's, the site's, the standard library's
        if inside == str(ROOT / "nixeval" / "__main__.py") and line == "1":
            continue  # the import of the entry point, before its first line
        if inside == str(ROOT / "nixeval" / "cli" / "main.py") and int(line) < HANDLER_LINE:
            continue
        return False
    return True


@pytest.mark.parametrize("delay", DELAYS, ids=[f"{int(d * 1000)}ms" for d in DELAYS])
def test_ctrl_c_from_the_first_moment(tmp_path, delay):
    """The issue's repro as it stands: SIGINT a fixed time after the process
    started. On a loaded machine Python's own start-up takes longer than
    200 ms (this one's site hooks alone take 50), so a signal may come before
    any of nixeval's code runs; then the end is the interpreter's, which
    nixeval can't change (see before_nixeval_ran). Once nixeval's first line
    has run, the end is always nixeval's message and 130."""
    for command in interrupted_commands(tmp_path).values():
        status, out, err = interrupt(command, delay, from_spawn=True, alive_at_signal=False)
        assert "internal error" not in err
        assert (status, out, err) == (130, "", "nixeval: interrupted\n") \
            or before_nixeval_ran(status, err), (status, err)


# -- item 10: forged and damaged cache entries ---------------------------------------

# one file with most kinds of node, its value, and how nixeval prints it
FORGED_TEXT = """\
let
  x = 42;
  s = { y = "why"; a = { b = 1; }; };
  f = { a, b ? 2, ... }: a * b;
in rec {
  inherit x;
  inherit (s) y;
  z = f { a = x; } + 0;
  w = "${s.y}-${toString x}";
  v = s.q or [ 1 2 ];
  u = with s; y;
  t = if s ? y then ./. + "/a" else null;
  p = ./a/${"b"};
  n = -x;
  m = s.a.${"b" + ""};
}
"""


def forged_value(where: Path) -> str:
    return (f'{{ m = 1; n = -42; p = {where}/a/b; t = {where}/a; u = "why"; v = [ 1 2 ]; '
            f'w = "why-42"; x = 42; y = "why"; z = 84; }}')


def entry_path(key: str, kind: str = "parse") -> Path:
    return Path(keyed.cache_dir(kind)) / key[:2] / key


def header(key: str) -> bytes:
    return cache._MAGIC + keyed._header("parse", key)


def genuine_entry(tmp_path: Path, *, by_the_cli: bool = True) -> tuple[str, list]:
    """The cache's own entry for FORGED_TEXT (its key, its decoded payload),
    made by the CLI (or in this process, as the CLI makes it)."""
    f = a_file(tmp_path, FORGED_TEXT, "genuine.nix")
    if by_the_cli:
        r = nixeval("eval", str(f))
        assert (r.returncode, r.stdout, r.stderr) == (0, forged_value(tmp_path) + "\n", "")
    else:
        parse(read_source(f))
    key = cache.key_for(FORGED_TEXT, False)
    data = entry_path(key).read_bytes()
    assert data.startswith(header(key))
    return key, list(marshal.loads(data[len(header(key)) + 32:]))


def column(t: list, cls: str, field: str) -> list:
    """The stored column (kind, data, items) of a class's field, as a list."""
    groups = t[3]
    i = t[1].index(cls)
    j = cache._FIELDS[getattr(ast, cls)].index(field)
    groups[i][j] = list(groups[i][j])
    return groups[i][j]


def data(t: list, cls: str, field: str) -> list:
    return column(t, cls, field)[1]


def nodes(t: list) -> int:
    return sum(t[2])


def run_of(t: list, cls: str) -> int:
    """The pool index of the first node of a class."""
    return sum(t[2][:t[1].index(cls)])


def put(t: list, cls: str, field: str, value: object, at: int = 0) -> None:
    data(t, cls, field)[at] = value


def move_items(t: list, cls: str, field: str, count: int = 1) -> None:
    """Move items from a tuple field's first tuple to its second (the tree
    stays a tree: each node keeps one parent)."""
    lengths = data(t, cls, field)
    lengths[0] -= count
    lengths[1] += count


# Each forgery, its HMAC made with the user's own secret: it passes the keyed
# hash, so only the check of the decoded structure stands between it and an
# error later (IndexError, AttributeError, a cycle, a 5,000-digit integer).
Forgery = Callable[[list], object]
FORGERIES: dict[str, Forgery] = {
    "root out of range": lambda t: t.__setitem__(0, nodes(t)),
    "root negative": lambda t: t.__setitem__(0, -1),
    "root a string": lambda t: t.__setitem__(0, "0"),
    "root not an expression": lambda t: t.__setitem__(0, run_of(t, "AttrDef")),
    "an unknown class": lambda t: t[1].__setitem__(0, "Evil"),
    "a class twice": lambda t: t[1].__setitem__(1, t[1][0]),
    "a negative count": lambda t: t[2].__setitem__(0, -1),
    "a count past the payload": lambda t: t[2].__setitem__(0, 10**7),
    "a count that is a float": lambda t: t[2].__setitem__(0, float(t[2][0])),
    "an integer that is a string": lambda t: put(t, "Int", "value", "42"),
    "an integer that is a float": lambda t: put(t, "Int", "value", 42.0),
    "an integer that is a bool": lambda t: put(t, "Int", "value", True),
    "an integer of 5,000 digits": lambda t: put(t, "Int", "value", 10**5000),
    "an integer past 64 bits": lambda t: put(t, "Int", "value", 1 << 64),
    "a negative integer literal": lambda t: put(t, "Int", "value", -1),
    "a string that is a number": lambda t: put(t, "Str", "value", 1),
    "a string holding NUL": lambda t: put(t, "Str", "value", "wh\0y"),
    "a path holding NUL": lambda t: put(t, "Path", "value", "./a\0"),
    "a name holding NUL": lambda t: put(t, "AttrDef", "name", "x\0"),
    "a variable that is a number": lambda t: put(t, "Var", "name", 7),
    "a bool that is a string": lambda t: put(t, "Attrs", "recursive", "yes"),
    "an operator nixeval never makes": lambda t: put(t, "BinOp", "op", "**"),
    "an operator that is a number": lambda t: put(t, "BinOp", "op", 3),
    "an operator offset past the text": lambda t: put(t, "BinOp", "op_start", 10**6),
    "a node index out of range": lambda t: put(t, "Let", "body", 10**6),
    "a node index negative": lambda t: put(t, "Let", "body", -1),
    "a node index that is a name": lambda t: put(t, "Let", "body", nodes(t) + 1),
    "None where a node must be": lambda t: put(t, "Let", "body", nodes(t)),
    "a node that is its own child": lambda t: put(t, "Let", "body", run_of(t, "Let")),
    "the root as a child": lambda t: put(t, "Not" if "Not" in t[1] else "Neg", "expr",
                                         t[0]),
    "a node with two parents": lambda t: put(t, "Neg", "expr", data(t, "Let", "body")[0]),
    "a set where its bindings must be": lambda t: put(t, "Let", "bindings",
                                                      run_of(t, "List")),
    "an attribute kind out of range": lambda t: put(t, "AttrDef", "kind", 99),
    "an attribute kind negative": lambda t: put(t, "AttrDef", "kind", -1),
    "an inherit source index out of range": lambda t: put(t, "InheritFrom", "index", 5),
    "an inherit source no longer inherited": lambda t: data(t, "AttrDef", "kind").__setitem__(
        data(t, "AttrDef", "kind").index(2), 0),
    "two attributes of one name": lambda t: data(t, "AttrDef", "name").__setitem__(
        slice(None), ["x"] * len(data(t, "AttrDef", "name"))),
    "two formals of one name": lambda t: data(t, "Formal", "name").__setitem__(
        slice(None), ["a"] * len(data(t, "Formal", "name"))),
    "an interpolated path without its literal part": lambda t: column(
        t, "PathInterp", "parts")[2].reverse(),
    "tuple lengths that do not add up": lambda t: data(t, "List", "items").__setitem__(
        0, data(t, "List", "items")[0] + 1),
    "a tuple length negative": lambda t: move_items(t, "Attrs", "attrs", 100),
    "an empty attribute path": lambda t: put(t, "Select", "path", ()),
    "offsets past the text": lambda t: t[4].__setitem__(0, 10**6),
    "an offset negative": lambda t: t[5].__setitem__(0, -1),
    "an offset that is a float": lambda t: t[4].__setitem__(0, 0.5),
    "fewer offsets than nodes": lambda t: t[4].pop(),
    "a column too long": lambda t: data(t, "Int", "value").append(1),
    "a column missing": lambda t: t[3][t[1].index("BinOp")].pop(),
    "a column of another kind": lambda t: column(t, "Let", "body").__setitem__(0, 0),
    "names that are not strings": lambda t: t[6].__setitem__(0, 5),
}
RAW_FORGERIES: dict[str, Callable[[bytes], bytes]] = {
    "an empty payload": lambda good: b"",
    "garbage": lambda good: b"garbage",
    "the payload cut short": lambda good: good[:-7],
    "not a tuple": lambda good: marshal.dumps([1, 2, 3]),
    "a tuple of another length": lambda good: marshal.dumps((0, [], [], [], [], [])),
    "None": lambda good: marshal.dumps(None),
    "lists nested 100,000 deep": lambda good: b"[\x01\x00\x00\x00" * 100_000 + b"N",
    "a list of 2**31 items declared": lambda good: b"[\xff\xff\xff\x7f" + b"N" * 8,
}


def forged_payloads(t: list, good: bytes) -> dict[str, bytes]:
    out = {}
    for name, forge in FORGERIES.items():
        copy = marshal.loads(marshal.dumps(tuple(t)))  # a deep copy, lists all through
        copy = list(copy)
        forge(copy)
        out[name] = marshal.dumps(tuple(copy))
    out.update((name, forge(good)) for name, forge in RAW_FORGERIES.items())
    return out


def test_forgeries_really_change_the_entry(tmp_path):
    key, t = genuine_entry(tmp_path)
    good = marshal.dumps(tuple(t))
    payloads = forged_payloads(t, good)
    assert all(p != good for p in payloads.values())
    # and the genuine entry, written again the same way, is a hit
    keyed.write_entry("parse", key, cache._MAGIC, good)
    assert cache.load(Source("genuine.nix", FORGED_TEXT), key) is not None


# (not in this process: marshal allocates the list first, 16 GiB; the CLI
# test below runs it in a child limited in memory)
IN_PROCESS = [name for name in [*FORGERIES, *RAW_FORGERIES]
              if name != "a list of 2**31 items declared"]


@pytest.mark.parametrize("name", IN_PROCESS)
def test_a_forged_entry_with_the_user_s_key_is_a_miss(tmp_path, name):
    key, t = genuine_entry(tmp_path, by_the_cli=False)
    payload = forged_payloads(t, marshal.dumps(tuple(t)))[name]
    keyed.write_entry("parse", key, cache._MAGIC, payload)
    assert cache.load(Source("genuine.nix", FORGED_TEXT), key) is None


def test_forged_entries_with_the_user_s_key_through_the_cli(tmp_path):
    """Every forgery at once, one file each: each a miss, the file parsed
    again, the right value printed by eval, by parse --print and by
    instantiate --parse (the printer and the scope check read trees too)."""
    _, t = genuine_entry(tmp_path)
    payloads = forged_payloads(t, marshal.dumps(tuple(t)))
    files = []
    for i, (name, payload) in enumerate(payloads.items()):
        text = FORGED_TEXT + f"# {name}\n"
        files.append(a_file(tmp_path, text, f"forged{i}.nix"))
        keyed.write_entry("parse", cache.key_for(text, False), cache._MAGIC, payload)
    listing = " ".join(f"(import ./{f.name})" for f in files)
    r = nixeval("eval", f"[ {listing} ]", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "[ " + " ".join([forged_value(tmp_path)] * len(files)) + " ]\n"
    for i, _ in enumerate(payloads):  # written again: forged no more
        assert cache.load(Source("f", files[i].read_text()),
                          cache.key_for(files[i].read_text(), False)) is not None
    for i, payload in enumerate(payloads.values()):
        keyed.write_entry("parse", cache.key_for(files[i].read_text(), False), cache._MAGIC,
                          payload)
    r = nixeval("parse", "--print", "-q", *[f.name for f in files], cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")
    r = nixeval("instantiate", "--parse", *[f.name for f in files], cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, "")


def changed_constant(t: list) -> bytes:
    copy = list(marshal.loads(marshal.dumps(tuple(t))))
    values = data(copy, "Int", "value")
    values[values.index(42)] = 43
    return marshal.dumps(tuple(copy))


def test_entries_forged_without_the_key_are_misses(tmp_path):
    """A changed constant, with the checksum an attacker can compute: the
    old format's CRC32, a CRC32 where the keyed hash goes, the keyed hash
    left as it was, the hash under another key. Each a miss: 42 printed."""
    key, t = genuine_entry(tmp_path)
    forged = changed_constant(t)
    good_mac = entry_path(key).read_bytes()[len(header(key)):len(header(key)) + 32]
    crc = zlib.crc32(forged).to_bytes(4, "little")
    other = hmac.new(os.urandom(32), header(key) + forged, hashlib.sha256).digest()
    variants = {
        "the old format with a recomputed CRC32": b"nixeval-ast-2\n" + key.encode() + b"\n"
                                                  + crc + forged,
        "a CRC32 where the keyed hash goes": header(key) + crc + bytes(28) + forged,
        "the keyed hash left as it was": header(key) + good_mac + forged,
        "the keyed hash under another key": header(key) + other + forged,
        "a keyed hash of the payload alone": header(key) + hmac.new(
            (Path(keyed.cache_dir()).parent / "secret").read_bytes(), forged,
            hashlib.sha256).digest() + forged,
    }
    f = tmp_path / "genuine.nix"
    for name, contents in variants.items():
        entry_path(key).write_bytes(contents)
        assert cache.load(Source(str(f), FORGED_TEXT), key) is None, name
        r = nixeval("eval", str(f))
        assert (r.returncode, r.stdout, r.stderr) == (0, forged_value(tmp_path) + "\n", ""), name
    # the forging itself works: under the real key the constant would be trusted
    keyed.write_entry("parse", key, cache._MAGIC, forged)
    assert "x = 43;" in nixeval("eval", str(f)).stdout


def secret_path() -> Path:
    return Path(keyed.cache_dir()).parent / "secret"


def forge_under(secret: bytes, key: str, payload: bytes) -> None:
    mac = hmac.new(secret, header(key) + payload, hashlib.sha256).digest()
    entry_path(key).write_bytes(header(key) + mac + payload)


def replace_secret(how: str, tmp_path: Path) -> bytes | None:
    """Put something else in the secret's place; the key it holds, if any
    (an attacker's, known to them)."""
    path = secret_path()
    path.unlink()
    known = b"k" * 32
    if how == "another key":
        path.write_bytes(known)
        path.chmod(0o600)
        return known
    if how == "readable by others":
        path.write_bytes(known)
        path.chmod(0o644)
        return known
    if how == "a link to the attacker's file":
        planted = tmp_path / "planted"
        planted.write_bytes(known)
        planted.chmod(0o600)
        path.symlink_to(planted)
        return known
    if how == "owned by another user":
        path.write_bytes(known)
        path.chmod(0o600)
        os.chown(path, 65534, 65534)
        return known
    if how == "too short":
        path.write_bytes(known[:16])
        path.chmod(0o600)
        return known[:16]
    if how == "a FIFO":
        os.mkfifo(path, 0o600)
        return None
    if how == "a directory":
        path.mkdir()
        return None
    raise AssertionError(how)


SECRETS = ["another key", "readable by others", "a link to the attacker's file",
           "owned by another user", "too short", "a FIFO", "a directory"]


@pytest.mark.parametrize("how", SECRETS)
def test_a_replaced_secret(tmp_path, monkeypatch, how):
    """Whatever is put in the secret's place: the entries made under the old
    one are misses, the right value is printed, and the secret is one to
    trust after (except a directory, which nixeval can't replace: then it
    caches nothing). A secret nixeval does not trust (a link, readable by
    others, another user's, the wrong size) is replaced before it is used:
    an entry forged under the key it holds is a miss too. (A 0600 file of
    the user's own is the user's key: whoever can write it is the user.)"""
    if how == "owned by another user" and os.geteuid() != 0:
        pytest.skip("only root can give a file away")
    key, t = genuine_entry(tmp_path)
    before = secret_path().read_bytes()
    known = replace_secret(how, tmp_path)
    f = tmp_path / "genuine.nix"
    if how == "another key":
        monkeypatch.setattr(keyed, "_secrets", {})  # this process read the old one
        assert cache.load(Source(str(f), FORGED_TEXT), key) is None
    elif known is not None:
        forge_under(known, key, changed_constant(t))
    for _ in range(2):
        r = nixeval("eval", str(f))
        assert (r.returncode, r.stdout, r.stderr) == (0, forged_value(tmp_path) + "\n", "")
    path = secret_path()
    if how == "another key":  # the user's own choice: kept, and used from now on
        assert path.read_bytes() == known
    elif how == "a directory":
        assert path.is_dir()
        return
    else:
        assert not path.is_symlink() and path.is_file()
        assert path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o777 == 0o600
        assert path.read_bytes() not in (before, known)
    monkeypatch.setattr(keyed, "_secrets", {})  # this process read the old one
    assert cache.load(Source(str(f), FORGED_TEXT), key) is not None  # rewritten under it


def test_a_forged_parser_table_is_never_used(tmp_path):
    """The parser's tables: one forged without the key is not read (were it
    a pickle, as Lark's own cache is, it would run code), only rebuilt."""
    f = a_file(tmp_path)
    assert nixeval("eval", str(f)).stdout == "3\n"
    (entry,) = cache_files("grammar")
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import pickle

    data = entry.read_bytes()
    head = data[:data.index(b"\n", data.index(b"\n", len(b"nixeval-tables-1\n")) + 1) + 1]
    entry.write_bytes(head + data[len(head):len(head) + 32] + pickle.dumps(Evil()))
    a_file(tmp_path, "{ b = 4; }.b\n", "g.nix")  # a file not in the parse cache: parsed
    r = nixeval("eval", str(tmp_path / "g.nix"))
    assert (r.returncode, r.stdout, r.stderr) == (0, "4\n", "")
    assert not marker.exists()


def test_forged_fingerprints_are_misses(tmp_path):
    """A lib's fingerprint decides whether its module system is bound
    natively: a forged entry (without the key) is a miss, computed again."""
    args = ["option", "services.timesyncd.enable", *TREE, "--config", str(FIXED)]
    env = {"NIXEVAL_SHOW_MODULES": "1", "NIXEVAL_NO_CACHE": "1"}  # evaluated each time
    first = nixeval(*args, env=env)
    assert first.returncode == 0, first.stderr
    entries = cache_files("fingerprint")
    assert entries
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[:-64] + b"0" * 64)  # another fingerprint, the hash kept
    r = nixeval(*args, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, first.stdout, first.stderr)
    assert not any(e.read_bytes().endswith(b"0" * 64) for e in entries)  # computed again
