"""`nixeval deploy` end to end, for real: an sshd started here on 127.0.0.1
with a throwaway host key and the test's own authorized_keys (the user is
the one running the tests; ~/.ssh is never read or written: ssh gets
`-F /dev/null` and its own known_hosts through NIX_SSHOPTS), the real
nix-build and nix-copy-closure (copying into the same local store), and the
example tree's system, whose `bin/switch-to-configuration` appends
"ACTION SYSTEM PROFILE-TARGET" to a file under $NIXEVAL_EXAMPLE_RECORD
(passed through ssh with SendEnv). Skipped, saying why, without sshd
(apt-get install openssh-server) or Nix (apt-get install nix-bin)."""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

EXAMPLES = ROOT / "examples"
CONFIGS = EXAMPLES / "configs"
TREE = ["-I", f"nixpkgs={EXAMPLES}", "--offline"]
SYSTEM_PATH = re.compile(r"^/nix/store/[0-9a-z]{32}-nixos-system-web1-\S+$", re.M)

SSHD = shutil.which("sshd", path=f"/usr/sbin:/usr/local/sbin:{os.environ.get('PATH', '')}")
needs_nix = pytest.mark.skipif(
    shutil.which("nix-build") is None or shutil.which("nix-copy-closure") is None,
    reason="nix-build and nix-copy-closure not installed (apt-get install nix-bin)")
needs_sshd = pytest.mark.skipif(
    SSHD is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
    reason="sshd, ssh or ssh-keygen not installed (apt-get install openssh-server)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "nixeval-test",
                    "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text()


@dataclass
class Sshd:
    dir: Path
    port: int
    user: str
    key: Path  # accepted
    wrong_key: Path  # not in authorized_keys
    known_hosts: Path

    @property
    def target(self) -> str:
        return f"{self.user}@127.0.0.1"

    def sshopts(self, key: Path | None = None, known_hosts: Path | None = None) -> str:
        return " ".join([
            "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", f"UserKnownHostsFile={known_hosts or self.known_hosts}",
            "-o", "SendEnv=NIXEVAL_EXAMPLE_*", "-i", str(key or self.key)])


def start_sshd(d: Path, extra_config: str = "") -> Iterator[Sshd]:
    """An sshd on 127.0.0.1 with keys of its own in ``d``, until resumed."""
    if SSHD is None or shutil.which("ssh-keygen") is None or shutil.which("ssh") is None:
        pytest.skip("sshd, ssh or ssh-keygen not installed (apt-get install openssh-server)")
    if os.getuid() == 0 and not os.path.isdir("/run/sshd"):
        # sshd started as root insists on its privilege separation directory,
        # which its service would create at boot
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    host_key = keygen(d / "host_key")
    (d / "authorized_keys").write_text(keygen(d / "key"))
    keygen(d / "wrong_key")
    for _ in range(5):  # the port may be taken between choosing and binding it
        port = free_port()
        (d / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {d / "host_key"}
PidFile {d / "sshd.pid"}
AuthorizedKeysFile {d / "authorized_keys"}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AcceptEnv NIXEVAL_EXAMPLE_*
{extra_config}""")
        (d / "sshd.log").write_bytes(b"")
        proc = subprocess.Popen([SSHD, "-D", "-E", str(d / "sshd.log"),
                                 "-f", str(d / "sshd_config")])
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if b"Server listening" in (d / "sshd.log").read_bytes():
                break
            time.sleep(0.05)
        if proc.poll() is None and b"Server listening" in (d / "sshd.log").read_bytes():
            break
        proc.kill()
        proc.wait()
    else:
        pytest.skip(f"sshd did not start: {(d / 'sshd.log').read_text(errors='replace')}")
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}")
    try:
        yield Sshd(d, port, getpass.getuser(), d / "key", d / "wrong_key", d / "known_hosts")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    yield from start_sshd(tmp_path_factory.mktemp("sshd"))


@pytest.fixture(scope="module")
def sshd_without_nix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A target whose shell finds no Nix: every command runs with nothing on PATH."""
    force = 'PATH=/nonexistent exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"'
    yield from start_sshd(tmp_path_factory.mktemp("sshd"), f"ForceCommand {force}\n")


@dataclass
class Deployment:
    status: int
    stdout: str
    stderr: str
    calls: list[list[str]]  # each call of switch-to-configuration: action, system, profile
    profile: Path

    def built(self) -> str:
        """The system nix-build printed (its own output, passed on)."""
        paths = SYSTEM_PATH.findall(self.stdout)
        assert len(paths) == 1, self.stdout
        return paths[0]


def deploy(sshd: Sshd, tmp_path: Path, *args: str, config: str | Path = "fixed.nix",
           sshopts: str | None = None, env: dict[str, str] | None = None) -> Deployment:
    """`nixeval deploy` of an example configuration (or ``--flake=…``) to the
    test's sshd, with a profile of the test's own (never the machine's system
    profile)."""
    record = tmp_path / "record"
    record.mkdir(exist_ok=True)
    profile = tmp_path / "profiles" / "system"
    profile.parent.mkdir(exist_ok=True)
    where = [config] if str(config).startswith("--flake=") else [str(CONFIGS / config),
                                                                  "-I", f"nixpkgs={EXAMPLES}"]
    r = run_nixeval("deploy", *where, "--offline", "--target", sshd.target,
                    "--port", str(sshd.port), "--profile", str(profile), *args,
                    cwd=tmp_path,
                    env={"NIX_SSHOPTS": sshd.sshopts() if sshopts is None else sshopts,
                         "NIXEVAL_EXAMPLE_RECORD": str(record),
                         "NIXEVAL_EXAMPLE_PROFILE": str(profile), **(env or {})})
    calls_file = record / "switch-to-configuration"
    calls = [line.split() for line in calls_file.read_text().splitlines()] \
        if calls_file.exists() else []
    return Deployment(r.returncode, r.stdout, r.stderr, calls, profile)


def nix_build(*args: str) -> str:
    """What the real nix-build builds from the example tree."""
    r = subprocess.run(["nix-build", *args, "-I", f"nixpkgs={EXAMPLES}", "--no-out-link",
                        "--option", "substituters", ""], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


# deploying -------------------------------------------------------------------

@needs_nix
@needs_sshd
@pytest.mark.parametrize("action", ["switch", "boot"])
def test_switch_and_boot_set_the_profile_then_activate(sshd, tmp_path, action):
    d = deploy(sshd, tmp_path, "--action", action)
    assert d.status == 0, d.stderr
    out = d.built()
    assert out == nix_build("<nixpkgs/nixos>", "-A", "system",
                            "-I", f"nixos-config={CONFIGS / 'fixed.nix'}")
    # the profile pointed at the new system when switch-to-configuration ran
    assert d.calls == [[action, out, out]]
    assert os.path.realpath(d.profile) == out
    # every step shown, and the target's own output passed on as it came
    assert "\nnixeval: running NIX_SSHOPTS=" in d.stderr
    assert f" nix-copy-closure --to {sshd.target} --gzip {out}\n" in d.stderr
    assert f"-- {sshd.target} nix-env -p {d.profile} --set {out}" in d.stderr
    assert (f"switch-to-configuration: activating {out}" in d.stdout) == (action == "switch")
    assert f"nixeval: deployed {out} to {sshd.target} (port {sshd.port})" in d.stdout


@needs_nix
@needs_sshd
@pytest.mark.parametrize("action", ["test", "dry-activate"])
def test_test_and_dry_activate_leave_the_profile(sshd, tmp_path, action):
    d = deploy(sshd, tmp_path, "--action", action)
    assert d.status == 0, d.stderr
    out = d.built()
    assert d.calls == [[action, out, "none"]]
    assert not os.path.lexists(d.profile)
    assert "nix-env" not in d.stderr


@needs_nix
@needs_sshd
def test_vm_deploys_the_vm_variants_system(sshd, tmp_path):
    # the system build-vm's VM runs, as its script says
    built = run_nixeval("build-vm", str(CONFIGS / "fixed.nix"), *TREE, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    script = subprocess.run([str(tmp_path / "result" / "bin" / "run-web1-vm")],
                            capture_output=True, text=True, check=True).stdout
    vm_system = re.search(r"^System: (\S+)$", script, re.M).group(1)

    d = deploy(sshd, tmp_path, "--vm", "--action", "test")
    assert d.status == 0, d.stderr
    assert d.built() == vm_system
    assert d.calls == [["test", vm_system, "none"]]
    # not the machine's own system: qemu-vm.nix changed the configuration
    assert vm_system != nix_build("<nixpkgs/nixos>", "-A", "system",
                                  "-I", f"nixos-config={CONFIGS / 'fixed.nix'}")


@needs_nix
@needs_sshd
def test_dry_run_prints_the_commands_a_run_executes(sshd, tmp_path):
    d = deploy(sshd, tmp_path, "--dry-run", "--action", "switch")
    assert d.status == 0, d.stderr
    assert d.calls == [] and not os.path.lexists(d.profile)  # nothing ran
    assert "running" not in d.stderr
    script = d.stdout
    assert script.startswith("# nixeval deploy --dry-run")
    # run exactly what was printed: it deploys as deploy itself does
    r = subprocess.run(["sh", "-e", "-c", script], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "NIX_SSHOPTS": "",
                                         "NIXEVAL_EXAMPLE_RECORD": str(tmp_path / "record"),
                                         "NIXEVAL_EXAMPLE_PROFILE": str(d.profile)})
    assert r.returncode == 0, r.stderr
    out = nix_build("<nixpkgs/nixos>", "-A", "system",
                    "-I", f"nixos-config={CONFIGS / 'fixed.nix'}")
    calls = (tmp_path / "record" / "switch-to-configuration").read_text().split()
    assert calls == ["switch", out, out]
    assert os.path.realpath(d.profile) == out


@needs_nix
@needs_sshd
@pytest.mark.skipif(shutil.which("nix") is None, reason="nix not installed (apt-get install "
                    "nix-bin)")
def test_flake(sshd, tmp_path):
    """--flake DIR#NAME: built with nix build, as nixos-rebuild --flake does;
    with --vm, the system the VM of build-vm --flake runs."""
    nixpkgs = tmp_path / "nixpkgs"
    shutil.copytree(EXAMPLES, nixpkgs)  # links followed: a flake input is copied
    flake = tmp_path / "flake"
    flake.mkdir()
    shutil.copy(CONFIGS / "fixed.nix", flake / "configuration.nix")
    (flake / "flake.nix").write_text(
        f'{{ inputs.nixpkgs.url = "path:{nixpkgs}";\n'
        "  outputs = { self, nixpkgs }: {\n"
        "    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {\n"
        '      system = "x86_64-linux"; modules = [ ./configuration.nix ]; }; }; }\n')
    subprocess.run(["nix", "--extra-experimental-features", "nix-command flakes", "flake",
                    "lock"], cwd=flake, check=True, capture_output=True, timeout=120)
    built = run_nixeval("build-vm", "--flake", f"{flake}#web1", "--offline", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    script = subprocess.run([str(tmp_path / "result" / "bin" / "run-web1-vm")],
                            capture_output=True, text=True, check=True).stdout
    vm_system = re.search(r"^System: (\S+)$", script, re.M).group(1)

    def deploy_flake(*args: str) -> Deployment:
        record = tmp_path / "record"
        (record / "switch-to-configuration").unlink(missing_ok=True)
        return deploy(sshd, tmp_path, *args, config=f"--flake={flake}#web1")

    d = deploy_flake("--vm", "--action", "test")
    assert d.status == 0, d.stderr
    assert "running nix --extra-experimental-features" in d.stderr
    assert d.built() == vm_system
    assert d.calls == [["test", vm_system, "none"]]

    d = deploy_flake("--action", "switch")
    assert d.status == 0, d.stderr
    out = d.built()
    assert out != vm_system  # the machine's own system, without qemu-vm.nix
    assert d.calls == [["switch", out, out]]
    assert os.path.realpath(d.profile) == out

    d = deploy_flake("--dry-run")
    lines = d.stdout.splitlines()
    assert lines[2].endswith(f" build '{flake}#nixosConfigurations.web1.config.system.build"
                             ".toplevel' --no-link --option substituters ''")
    assert lines[3].startswith("out=$(nix ") and " path-info " in lines[3]


def test_dry_run_command_text(tmp_path):
    """Each command shell-quoted, the build setting $out; no Nix or ssh needed."""
    python_dir = os.path.dirname(sys.executable)
    r = run_nixeval("deploy", str(CONFIGS / "fixed.nix"), "-I", f"nixpkgs={EXAMPLES}",
                    "--vm", "--target", "root@localhost", "--port", "2221",
                    "--profile", "/tmp/my profile", "--dry-run", "--", "--show-trace",
                    cwd=tmp_path, env={"PATH": python_dir, "NIX_SSHOPTS": "-i /k"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    ssh = "ssh -i /k -p 2221 -- root@localhost"
    assert lines[1:] == [
        f"{ssh} nix-store --version",
        "out=$(nix-build -E 'import <nixpkgs/nixos/lib/eval-config.nix> { modules = "
        "[ <nixos-config> <nixpkgs/nixos/modules/virtualisation/qemu-vm.nix> ]; }' "
        f"-A config.system.build.toplevel -I nixpkgs={EXAMPLES} "
        f"-I nixos-config={CONFIGS / 'fixed.nix'} --no-out-link --show-trace)",
        "NIX_SSHOPTS='-i /k -p 2221' nix-copy-closure --to root@localhost --gzip \"$out\"",
        f"{ssh} nix-env -p ''\"'\"'/tmp/my profile'\"'\"'' --set \"$out\"",
        f"{ssh} \"$out\"/bin/switch-to-configuration switch",
    ]


# failures --------------------------------------------------------------------

@needs_nix
@needs_sshd
def test_unreachable_port(sshd, tmp_path):
    port = free_port()  # nothing listens there
    r = run_nixeval("deploy", str(CONFIGS / "fixed.nix"), *TREE, "--target", sshd.target,
                    "--port", str(port), cwd=tmp_path, env={"NIX_SSHOPTS": sshd.sshopts()})
    assert r.returncode == 5, r.stderr
    assert (f"nixeval: cannot reach {sshd.target} (port {port}) over ssh "
            f"(ssh: connect to host 127.0.0.1 port {port}: Connection refused)") in r.stderr
    assert "running nix-build" not in r.stderr  # found out before building


@needs_nix
@needs_sshd
def test_unknown_host_name(sshd, tmp_path):
    # .invalid never resolves (RFC 6761)
    r = run_nixeval("deploy", str(CONFIGS / "fixed.nix"), *TREE,
                    "--target", "root@nixeval-test.invalid", cwd=tmp_path,
                    env={"NIX_SSHOPTS": sshd.sshopts()})
    assert r.returncode == 5, r.stderr
    assert ("nixeval: cannot reach root@nixeval-test.invalid over ssh "
            "(ssh: Could not resolve hostname nixeval-test.invalid") in r.stderr
    assert "running nix-build" not in r.stderr


@needs_nix
@needs_sshd
def test_wrong_key_is_refused_authentication(sshd, tmp_path):
    d = deploy(sshd, tmp_path, sshopts=sshd.sshopts(key=sshd.wrong_key))
    assert d.status == 6, d.stderr
    assert f"nixeval: {sshd.target} (port {sshd.port}) refused the login" in d.stderr
    assert "Permission denied (publickey" in d.stderr
    assert "running nix-build" not in d.stderr and d.calls == []


@needs_nix
@needs_sshd
def test_unknown_host_key_is_refused(sshd, tmp_path):
    other = tmp_path / "known_hosts"
    other.write_text(f"[127.0.0.1]:{sshd.port} {keygen(tmp_path / 'impostor')}")
    d = deploy(sshd, tmp_path, sshopts=sshd.sshopts(known_hosts=other))
    assert d.status == 6, d.stderr
    assert "ssh does not trust the host key" in d.stderr
    assert d.calls == []


@needs_sshd
def test_nix_build_absent_from_path(sshd, tmp_path):
    bin_dir = tmp_path / "bin"  # ssh and nix-copy-closure, but no nix-build
    bin_dir.mkdir()
    for tool in ("ssh", "nix-copy-closure"):
        if (found := shutil.which(tool)) is not None:
            (bin_dir / tool).symlink_to(found)
    d = deploy(sshd, tmp_path, env={"PATH": f"{bin_dir}:{os.path.dirname(sys.executable)}"})
    assert d.status == 3, d.stderr
    missing = "nix-build" if shutil.which("nix-copy-closure") else "nix-build, nix-copy-closure"
    assert f"nixeval: deploying needs {missing} on PATH" in d.stderr
    assert "apt-get install nix-bin" in d.stderr
    assert d.calls == []


@needs_nix
@needs_sshd
def test_target_without_nix(sshd_without_nix, tmp_path):
    d = deploy(sshd_without_nix, tmp_path)
    assert d.status == 7, d.stderr
    assert (f"nixeval: {sshd_without_nix.target} (port {sshd_without_nix.port}) has no Nix: "
            "nix-store is not on its PATH there") in d.stderr
    assert "nix-store: not found" in d.stderr  # the target shell's own words
    assert "running nix-build" not in d.stderr and d.calls == []


@needs_nix
@needs_sshd
def test_failed_activation(sshd, tmp_path):
    config = tmp_path / "broken.nix"
    config.write_text(f"""{{ ... }}: {{
  imports = [ {CONFIGS / "fixed.nix"} ];
  system.activationScripts.broken = "echo 'cannot set up /var/www' >&2; exit 3";
}}
""")
    d = deploy(sshd, tmp_path, "--action", "switch", config=config)
    assert d.status == 10, d.stderr
    out = d.built()
    assert d.calls == [["switch", out, out]]
    assert "cannot set up /var/www" in d.stderr  # the target's own words, passed on
    assert "Activation script snippet 'broken' failed (3)" in d.stderr
    assert (f"nixeval: activation failed: switch-to-configuration switch on {sshd.target} "
            f"(port {sshd.port}) exited with status 2") in d.stderr
    assert "roll back" in d.stderr
    assert "nixeval: deployed" not in d.stdout


@needs_nix
@needs_sshd
def test_failed_build(sshd, tmp_path):
    # lint would refuse this (see below); without it, nix-build finds the conflict
    d = deploy(sshd, tmp_path, "--vm", "--no-lint", config="conflict.nix")
    assert d.status == 4, d.stderr
    assert "has conflicting definition values" in d.stderr  # Nix's own message
    assert "nixeval: nix-build failed (exit status 1); nothing was copied" in d.stderr
    assert "nix-store --version" in d.stderr  # the target was checked first
    assert "nix-copy-closure --to" not in d.stderr
    assert d.calls == []


@needs_nix
def test_lint_errors_refuse_before_anything_runs(tmp_path):
    r = run_nixeval("deploy", str(CONFIGS / "conflict.nix"), *TREE, "--vm",
                    "--target", "root@127.0.0.1", "--port", str(free_port()), cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "services.timesyncd.enable" in r.stderr
    assert "nixeval: not deploying: fix the errors above" in r.stderr
    assert "running" not in r.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "-oProxyCommand=touch /tmp/x"], "starts with '-'"),
    (["--target", "root@"], "lacks a user or a host"),
    (["--target", "root@a b"], "contains spaces"),
    (["--target", "root@h", "--port", "70000"], "port 70000 is not between 1 and 65535"),
    (["--target", "root@h", "--action", "reboot"], "invalid choice: 'reboot'"),
    ([], "the following arguments are required: --target"),
    (["--target", "root@h", "--flake", ".#web1"], "--flake takes the configuration from the flake"),
    (["--target", "root@h", "--no-lint", "--override-input", "nixpkgs", "/x"],
     "--override-input is for --flake"),
])
def test_usage_errors(tmp_path, args, message):
    r = run_nixeval("deploy", str(CONFIGS / "fixed.nix"), *TREE, *args, "--dry-run",
                    cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_help_documents_exit_statuses():
    r = run_nixeval("deploy", "--help")
    assert r.returncode == 0
    for line in ("4  nix-build (nix build with --flake) failed",
                 "5  the target could not be reached",
                 "6  the target refused the login", "10  switch-to-configuration failed"):
        assert line in r.stdout
