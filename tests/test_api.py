"""nixeval.api on the example tree: each call's answer against what the
command line prints for the same question (its JSON), positions mapped to
options, cursor paths, completion, overlays for unsaved buffers; and a few
answers on the real nixpkgs 17.03 tree when NIXEVAL_TREE_NIXPKGS_1703 names it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, run_nixeval

from nixeval import api, files, inputs

EXAMPLES = ROOT / "examples"
CONFIGS = EXAMPLES / "configs"
FIXED = CONFIGS / "fixed.nix"


def cli_json(*args: str, config: str = "fixed.nix", vm: bool = False) -> object:
    r = run_nixeval(*args, "-I", f"nixpkgs={EXAMPLES}", "--config", str(CONFIGS / config),
                    *(["--vm"] if vm else []))
    assert r.stdout, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def fixed() -> api.Session:
    with api.open_nixos(FIXED, nixpkgs=EXAMPLES) as session:
        yield session


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# answers equal the command line's ----------------------------------------------

@pytest.mark.parametrize("option", ["services.timesyncd.enable", "networking.hostName",
                                    "users.users.alice.extraGroups", "services.openssh.enable"])
def test_option_is_what_option_json_prints(fixed: api.Session, option: str):
    assert fixed.option(option).to_json() == cli_json("option", "--json", option)


def test_option_of_the_vm_variant(fixed: api.Session):
    with api.open_nixos(FIXED, nixpkgs=EXAMPLES, vm=True) as vm:
        answer = vm.option("services.timesyncd.enable")
    assert answer.value is False and fixed.option("services.timesyncd.enable").value is True
    assert answer.to_json() == cli_json("option", "--json", "services.timesyncd.enable",
                                        vm=True)


@pytest.mark.parametrize("args", [("services.openssh",), ("networking", "--all"), ()])
def test_options_is_what_options_json_prints(fixed: api.Session, args: tuple[str, ...]):
    prefix = args[0] if args else ""
    answer = fixed.options(prefix, include_hidden="--all" in args)
    assert [o.to_json() for o in answer] == cli_json("options", "--json", *args)


@pytest.mark.parametrize("config", ["conflict.nix", "type-error.nix", "typo.nix",
                                    "assertion.nix", "renamed.nix", "syntax-error.nix",
                                    "fixed.nix"])
def test_lint_is_what_lint_json_prints(config: str):
    with api.open_nixos(CONFIGS / config, nixpkgs=EXAMPLES) as session:
        findings = session.lint()
    assert [f.to_json() for f in findings] == cli_json("lint", "--format", "json",
                                                       config=config)


def test_lint_finds_the_conflict_at_its_line():
    with api.open_nixos(CONFIGS / "conflict.nix", nixpkgs=EXAMPLES, vm=True) as session:
        findings = session.lint()
    kinds = {f.kind for f in findings}
    assert "conflict" in kinds, findings
    conflict = next(f for f in findings if f.kind == "conflict")
    assert conflict.position is not None and conflict.position.line is not None


def test_names_children_and_values_agree_with_the_options(fixed: api.Session):
    everything = fixed.options(include_hidden=True)
    assert fixed.option_names() == [o.name for o in everything]
    under = fixed.option_names("services.openssh")
    assert under and all(n.startswith("services.openssh.") for n in under)
    assert set(fixed.children("services")) == {n.split(".")[1] for n in
                                               fixed.option_names("services")}
    ports = fixed.value("networking.firewall.allowedTCPPorts")
    assert ports == fixed.option("networking.firewall.allowedTCPPorts").value
    assert {80, 443} <= set(ports)  # fixed.nix's, merged with sshd's
    assert fixed.value_text("networking.hostName") == '"web1"'


def test_definitions_with_priorities(fixed: api.Session):
    defs = fixed.definitions("services.timesyncd.enable")
    mine = [d for d in defs if d.position.file == str(FIXED)]
    assert [(d.position.line, d.priority, d.status) for d in mine] == \
        [(line_of(FIXED, "services.timesyncd.enable = lib.mkDefault"), 1000, "won")]
    assert any(d.is_default and d.status == "overridden" for d in defs)


def test_hidden_options_are_counted(fixed: api.Session):
    shown = fixed.options("networking")
    every = fixed.options("networking", include_hidden=True)
    assert fixed.hidden_count("networking") == len(every) - len(shown)
    assert fixed.hidden_count() == len(fixed.option_names()) - len(fixed.options())


def test_the_configuration_from_the_search_path(fixed: api.Session):
    with api.open_nixos(include=[f"nixpkgs={EXAMPLES}", f"nixos-config={FIXED}"]) as session:
        assert session.option("networking.hostName").to_json() == \
            fixed.option("networking.hostName").to_json()


def test_open_flake(tmp_path: Path):
    """A flake whose nixpkgs input is the example tree (given as an
    override: the lock names a store path this machine need not have)."""
    import shutil

    nixpkgs = tmp_path / "nixpkgs"
    shutil.copytree(EXAMPLES, nixpkgs, symlinks=False)
    flake = tmp_path / "machine"
    flake.mkdir()
    (flake / "flake.nix").write_text(
        '{ inputs.nixpkgs.url = "path:' + str(nixpkgs) + '";\n'
        "  outputs = { self, nixpkgs }: {\n"
        "    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {\n"
        '      system = "x86_64-linux"; modules = [ ./configuration.nix ]; }; };\n}\n')
    shutil.copy(FIXED, flake / "configuration.nix")
    lock = {"nodes": {"nixpkgs": {"locked": {"lastModified": 1700000000, "narHash":
                                             "sha256-" + "A" * 43 + "=", "path": str(nixpkgs),
                                             "type": "path"},
                                  "original": {"path": str(nixpkgs), "type": "path"}},
                      "root": {"inputs": {"nixpkgs": "nixpkgs"}}},
            "root": "root", "version": 7}
    (flake / "flake.lock").write_text(json.dumps(lock))
    overrides = {"nixpkgs": str(nixpkgs)}
    with api.open_flake(f"{flake}#web1", overrides=overrides) as session:
        answer = session.option("networking.hostName")
        assert answer.value == "web1"
        cli = run_nixeval("option", "--json", "networking.hostName", "--flake", f"{flake}#web1",
                          "--override-input", "nixpkgs", str(nixpkgs))
        assert answer.to_json() == json.loads(cli.stdout)
        at = session.option_at(flake / "configuration.nix", line_of(FIXED, "hostName"), 3)
        assert at is not None and at.name == "networking.hostName"
    with api.open_flake(f"{flake}#web1", overrides=overrides, vm=True) as vm:
        assert vm.value("services.timesyncd.enable") is False
    with api.open_flake(f"{flake}#db9", overrides=overrides) as session, \
            pytest.raises(api.EvalError, match="no configuration"):
        session.option_names()
    with pytest.raises(api.NotFound, match=r"has no flake\.nix"):
        api.open_flake(f"{tmp_path}#web1")


# errors ----------------------------------------------------------------------------

def test_an_option_not_there_suggests(fixed: api.Session):
    with pytest.raises(api.OptionNotFound) as e:
        fixed.option("services.opensh.enable")
    assert "services.openssh.enable" in e.value.suggestions
    with pytest.raises(api.OptionNotFound) as e:
        fixed.option("services.openssh")
    assert "enable" in e.value.children
    with pytest.raises(api.OptionNotFound):
        fixed.options("services.nothing")


def test_nothing_to_open_is_not_found(tmp_path: Path):
    with pytest.raises(api.NotFound, match="does not exist"):
        api.open_nixos(tmp_path / "missing.nix", nixpkgs=EXAMPLES)
    with pytest.raises(api.NotFound, match="not a nixpkgs tree"):
        api.open_nixos(FIXED, nixpkgs=tmp_path)


def test_a_syntax_error_is_an_api_error_with_its_place():
    with api.open_nixos(CONFIGS / "syntax-error.nix", nixpkgs=EXAMPLES) as session, \
            pytest.raises(api.EvalError) as e:
        session.option("networking.hostName")
    where = e.value.position
    assert (where.file, where.line) == (str(CONFIGS / "syntax-error.nix"),
                                        line_of(CONFIGS / "syntax-error.nix",
                                                "boot.loader.grub.device"))
    assert "syntax error" in e.value.message and str(where) in str(e.value)
    assert e.value.to_json()["line"] == where.line


# positions ---------------------------------------------------------------------------

def test_every_definition_in_the_config_maps_back_to_its_option(fixed: api.Session):
    """option_at at each definition place the evaluation reports for fixed.nix."""
    seen = 0
    for option in fixed.options(include_hidden=True):
        for d in option.definitions:
            if d.position.file != str(FIXED) or d.position.line is None:
                continue
            at = fixed.option_at(FIXED, d.position.line, d.position.column)
            assert at is not None, (option.name, d.position)
            if at.name == option.name:
                assert at.definition == d
            else:  # the same key defines an option of the option's submodule
                assert at.name.startswith(option.name + "."), (at.name, option.name)
                assert at.definition is not None and at.definition.position == d.position
            seen += 1
    assert seen >= 10


def test_option_at_inside_a_submodule_and_below_an_option(fixed: api.Session):
    line = line_of(FIXED, "isNormalUser")
    at = fixed.option_at(FIXED, line, 5)
    assert at is not None and at.option == ("users", "users", "alice", "isNormalUser")
    assert at.definition is not None and at.definition.value is True
    line = line_of(FIXED, "environment.variables.EDITOR")
    at = fixed.option_at(FIXED, line, 30)  # on EDITOR: a key of an attribute set option
    assert at is not None and at.name == "environment.variables" and at.rest == ("EDITOR",)
    assert fixed.option_at(FIXED, 1, 1) is None  # a comment


def test_option_at_in_a_nixos_module_declaration_is_none(fixed: api.Session):
    sshd = EXAMPLES / "nixos/modules/services/networking/ssh/sshd.nix"
    declared = fixed.option("services.openssh.enable").declarations[0]
    assert declared.file == str(sshd)
    path = fixed.attribute_path_at(sshd, declared.line, declared.column)
    assert path is not None and path.declares
    assert path.module_path == ("services", "openssh", "enable")
    assert fixed.option_at(sshd, declared.line, declared.column) is None


CURSOR = """{ config, lib, ... }:
let helper = { inner = 1; }; in
{
  options.my.opt = lib.mkOption { default = 1; };
  config = lib.mkIf true {
    services.openssh.settings.PermitRootLogin = "no";
    users.users.bob = { home = "/b"; };
    f = x: { y = x; };
  };
}
"""


@pytest.mark.parametrize("line,column,path,module_path", [
    (6, 5, ("config", "services"), ("services",)),
    (6, 14, ("config", "services", "openssh"), ("services", "openssh")),
    (6, 31, ("config", "services", "openssh", "settings", "PermitRootLogin"),
     ("services", "openssh", "settings", "PermitRootLogin")),
    (6, 52, ("config", "services", "openssh", "settings", "PermitRootLogin"),
     ("services", "openssh", "settings", "PermitRootLogin")),
    (7, 25, ("config", "users", "users", "bob", "home"), ("users", "users", "bob", "home")),
    (8, 14, ("config", "f", "y"), None),  # inside a function: no module structure
    (2, 18, ("helper", "inner"), None),  # a let binding
])
def test_attribute_path_at_cursor(line: int, column: int, path: tuple[str, ...],
                                  module_path: tuple[str, ...] | None):
    at = api.attribute_path_at(CURSOR, line, column, name="m.nix")
    assert at is not None
    assert (at.path, at.module_path) == (path, module_path)
    assert at.start.file == "m.nix" and at.start.line <= line


def test_attribute_path_at_declaration_and_nowhere():
    at = api.attribute_path_at(CURSOR, 4, 14)
    assert at is not None and at.declares and at.module_path == ("my", "opt")
    assert api.attribute_path_at(CURSOR, 1, 1) is None
    with pytest.raises(api.NotFound):
        api.attribute_path_at(CURSOR, 99, 1)
    with pytest.raises(api.ApiError) as e:
        api.attribute_path_at("{ a = ; }", 1, 3, name="bad.nix")
    assert (e.value.position.file, e.value.position.line, e.value.position.column) == \
        ("bad.nix", 1, 7)


def test_completions(fixed: api.Session):
    got = fixed.completions("services.ope")
    assert [c.name for c in got] == [f"services.{n}" for n in fixed.children("services")
                                     if n.startswith("ope")]
    assert got and all(c.kind == "set" for c in got)
    [host] = fixed.completions("networking.hostN")
    assert (host.name, host.kind, host.type) == ("networking.hostName", "option",
                                                 fixed.option("networking.hostName").type)
    top = fixed.completions("")
    assert {c.name for c in top} == {n.split(".")[0] for n in fixed.option_names()}
    assert fixed.completions("no.such.pre") == []


# overlays ----------------------------------------------------------------------------

def test_an_overlay_changes_the_answer_and_clearing_restores_it():
    text = FIXED.read_text()
    with api.open_nixos(FIXED, nixpkgs=EXAMPLES) as session:
        assert session.value("networking.hostName") == "web1"
        session.set_overlay(FIXED, text.replace('"web1"', '"web42"'))
        assert session.value("networking.hostName") == "web42"
        assert session.overlays == [str(FIXED)]
        # positions follow the buffer: a line added above moves the definition
        session.set_overlay(FIXED, "\n\n" + text)
        line = line_of(FIXED, "networking.hostName") + 2
        at = session.option_at(FIXED, line, 3)
        assert at is not None and at.name == "networking.hostName"
        assert at.definition is not None and at.definition.position.line == line
        session.clear_overlay(FIXED)
        assert session.value("networking.hostName") == "web1"
        assert session.overlays == []
    # the overlay never reaches other readers, in or after the session
    assert inputs.overlay(FIXED) is None
    assert files.read_bytes(FIXED).decode() == text


def test_overlays_belong_to_their_session(fixed: api.Session):
    text = FIXED.read_text()
    with api.open_nixos(FIXED, nixpkgs=EXAMPLES) as edited:
        edited.set_overlay(FIXED, text.replace('"web1"', '"web7"'))
        for _ in range(2):  # interleaved questions
            assert edited.value("networking.hostName") == "web7"
            assert fixed.value("networking.hostName") == "web1"
        line = line_of(FIXED, "networking.hostName")
        assert edited.option_at(FIXED, line, 3).definition.value == "web7"
        assert fixed.option_at(FIXED, line, 3).definition.value == "web1"


def test_positions_in_a_file_not_there(fixed: api.Session, tmp_path: Path):
    with pytest.raises(api.NotFound, match="cannot read"):
        fixed.option_at(tmp_path / "nothing.nix", 1, 1)
    with pytest.raises(api.NotFound, match="has no line 999"):
        fixed.attribute_path_at(FIXED, 999, 1)


def test_an_overlay_of_a_file_not_on_disk(tmp_path: Path):
    config = tmp_path / "configuration.nix"
    config.write_text(FIXED.read_text())
    extra = tmp_path / "extra.nix"
    with api.open_nixos(config, nixpkgs=EXAMPLES) as session:
        session.set_overlay(extra, '{ networking.hostName = "from-buffer"; }')
        session.set_overlay(config, FIXED.read_text().replace(
            '{\n  networking.hostName = "web1";', "{\n  imports = [ ./extra.nix ];"))
        assert session.value("networking.hostName") == "from-buffer"
        [d] = [d for d in session.definitions("networking.hostName")
               if d.position.file == str(extra)]
        assert d.position.line == 1 and d.status == "won"
        session.clear_overlay(extra)
        with pytest.raises(api.EvalError, match=r"extra\.nix"):
            session.value("networking.hostName")
    assert not extra.exists()


def test_a_syntax_error_in_an_overlay_is_an_api_error_at_its_place():
    text = FIXED.read_text()
    line = line_of(FIXED, "networking.hostName")
    with api.open_nixos(FIXED, nixpkgs=EXAMPLES) as session:
        session.set_overlay(FIXED, text.replace('"web1";', '"web1"'))
        with pytest.raises(api.EvalError) as e:
            session.option("networking.hostName")
        assert e.value.position is not None
        assert (e.value.position.file, e.value.position.line) == (str(FIXED), line + 1)
        with pytest.raises(api.ApiError):
            session.attribute_path_at(FIXED, line, 3)
        session.clear_overlay(FIXED)
        assert session.option("networking.hostName").value == "web1"


# any evalModules ----------------------------------------------------------------------

MODULES = """
let lib = import <nixeval/lib>; in
lib.evalModules {
  modules = [
    { options.greeting = lib.mkOption { type = lib.types.str; default = "hello";
                                        description = "What to say."; }; }
    { greeting = lib.mkForce "hi"; }
  ];
}
"""


def test_open_modules_expression(tmp_path: Path):
    with api.open_modules(MODULES, base_dir=tmp_path) as session:
        greeting = session.option("greeting")
        assert (greeting.value, greeting.type, greeting.description) == \
            ("hi", "string", "What to say.")
        assert [d.priority for d in greeting.definitions if d.won] == [50]
        names = session.option_names()
        assert "greeting" in names and all(n.startswith("_module.") for n in names
                                           if n != "greeting")


def test_open_modules_file_and_its_overlay(tmp_path: Path):
    entry = tmp_path / "home.nix"
    entry.write_text(MODULES)
    with api.open_modules(file=entry) as session:
        assert session.value("greeting") == "hi"
        session.set_overlay(entry, MODULES.replace('"hi"', '"hey"'))
        assert session.value("greeting") == "hey"


def test_lint_of_a_module_set():
    expr = MODULES.replace('{ greeting = lib.mkForce "hi"; }',
                           "{ greeting = 80; }\n    { greting = \"hi\"; }")
    with api.open_modules(expr) as session:
        findings = {f.kind: f for f in session.lint()}
    assert set(findings) == {"type-error", "unknown-option"}
    lines = expr.splitlines()
    assert lines[findings["type-error"].position.line - 1].strip() == "{ greeting = 80; }"
    assert "greeting" in findings["unknown-option"].message
    assert lines[findings["unknown-option"].position.line - 1].strip() == '{ greting = "hi"; }'


def test_open_modules_not_an_evaluation():
    with api.open_modules("{ a = 1; }") as session, \
            pytest.raises(api.EvalError, match="not an evalModules result"):
        session.option_names()
    with api.open_modules("{ a = ; }") as session, pytest.raises(api.EvalError) as e:
        session.option_names()
    assert e.value.position is not None and e.value.position.column == 7
    with pytest.raises(api.ApiError):
        api.open_modules()


# the real nixpkgs 17.03 tree -----------------------------------------------------------

SERVER = """{ config, pkgs, lib, ... }:
{
  boot.loader.grub.device = "/dev/sda";
  fileSystems."/".device = "/dev/sda1";
  networking.hostName = "web1";
  services.openssh.enable = true;
  services.timesyncd.enable = lib.mkDefault true;
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };
}
"""


@pytest.fixture(scope="module")
def tree_1703() -> Path:
    value = os.environ.get("NIXEVAL_TREE_NIXPKGS_1703")
    if not value:
        pytest.skip("NIXEVAL_TREE_NIXPKGS_1703 is not set (a nixpkgs 17.03 tree: "
                    "benchmarks/realtrees/README.md)")
    return Path(value)


def test_real_tree_option_and_position(tree_1703: Path, tmp_path: Path):
    config = tmp_path / "configuration.nix"
    config.write_text(SERVER)
    with api.open_nixos(config, nixpkgs=tree_1703) as session:
        answer = session.option("services.openssh.enable")
        assert answer.to_json() == json.loads(run_nixeval(
            "option", "--json", "services.openssh.enable", "-I", f"nixpkgs={tree_1703}",
            "--config", str(config)).stdout)
        line = line_of(config, "services.openssh.enable")
        at = session.option_at(config, line, 3)
        assert at is not None and at.name == "services.openssh.enable"
        assert at.definition is not None and at.definition.won
        assert {c.name for c in session.completions("services.opens")} >= {
            "services.openssh"}


def test_real_tree_vm_lint_and_overlay(tree_1703: Path, tmp_path: Path):
    config = tmp_path / "configuration.nix"
    config.write_text(SERVER.replace("lib.mkDefault true", "true"))
    with api.open_nixos(config, nixpkgs=tree_1703, vm=True) as session:
        findings = session.lint()
        conflict = [f for f in findings if f.kind == "conflict"]
        assert conflict and conflict[0].position.line == line_of(config, "timesyncd")
        session.set_overlay(config, SERVER)  # the fix, not yet saved
        assert not [f for f in session.lint() if f.kind == "conflict"]
        assert session.value("services.timesyncd.enable") is False


# the documentation's examples ------------------------------------------------------------

def test_api_md_examples_run(monkeypatch: pytest.MonkeyPatch):
    """docs/API.md's Python blocks, in order, from the repository root (they
    assert what they show)."""
    import re

    text = (ROOT / "docs" / "API.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    scope: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/API.md", "exec"), scope)
