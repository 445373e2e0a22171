"""NixOS VM tests checked before building: a file holding a test
(``nodes`` and ``testScript``; written as a test module ``{ pkgs, ... }: {
… }``, or passed to ``pkgs.testers.runNixOSTest``, ``pkgs.nixosTest``,
``makeTest``/``runTest``, or ``import ./make-test-python.nix``) has each node
evaluated and linted as the test driver builds it (a NixOS configuration with
``qemu-vm.nix``, its host name the node's name, the test's ``defaults``,
``nodes`` among its module arguments), and its ``testScript`` checked with
pyflakes as nixpkgs' driver build checks it: the driver's globals and the
machines' names known, every message an error (pyflakes failing fails the
build). Script findings are placed at the test file's lines.

The test framework's own functions are not called: the call is read from the
file and its argument (the test module) evaluated in its place.
"""

from __future__ import annotations

import ast as pyast
import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import inputs
from ..eval.builtins import current_system
from ..eval.errors import NixError
from ..eval.state import EvalState
from ..eval.values import Attrs, Lambda, NixPath, PrimOp, PrimOpApp, Thunk, force
from ..nixos.locate import Target
from ..nixos.placeholder import placeholder_pkgs
from ..nixos.query import Place
from ..nixos.system import System
from ..syntax import Source, ast, parse, read_source
from ..syntax.errors import NixSyntaxError
from ..syntax.records import evolve, fields
from ..syntax.walk import children
from .rules import Finding, lint

# What the test driver puts in the script's globals (Driver.test_symbols; the
# names of current and earlier drivers), besides the machines and vlanN.
DRIVER_SYMBOLS = frozenset({
    "start_all", "test_script", "machines", "machines_qemu", "machines_nspawn", "vlans",
    "driver", "log", "os", "create_machine", "subtest", "run_tests", "join_all", "retry",
    "serial_stdout_off", "serial_stdout_on", "polling_condition", "Machine", "BaseMachine",
    "t", "debug"})

# functions that take a test module and build the test
_TEST_FUNCTIONS = {"runNixOSTest", "nixosTest", "makeTest", "runTest"}
_MAKE_TEST_FILE = re.compile(r"(^|/)make-test(-python)?\.nix$")

# A node as nixos/lib/testing/nodes.nix makes it: its host name is its name,
# the test's `defaults` apply, and `nodes` is among the module arguments.
_NODE_MODULE = """name: nodes: { lib, ... }: {
  networking.hostName = lib.mkDefault name;
  _module.args.nodes = nodes;
}"""


# `nodes.NAME` is the node's config, and (as older tests write it) has it
# again as `nodes.NAME.config` (nixos/lib/testing/nodes.nix's nodesCompat)
_NODE_COMPAT = "config: config // { inherit config; }"


# how lint's fix for a conflict with qemu-vm.nix starts, and what it means here
_BUILD_VM = "`nixos-rebuild build-vm` adds virtualisation/qemu-vm.nix"
_DRIVER_VM = "The test driver builds every node with virtualisation/qemu-vm.nix"


class NotATest(Exception):
    """The file holds no NixOS test."""


@dataclass
class ScriptPlace:
    """Where the test script's text is written in the file: its first line,
    the column that line's text starts at, and the indentation ``''``
    strings lose from every line."""

    file: str
    line: int  # of the script's first line
    column: int  # where the first line's text starts, before its indentation
    indent: int  # stripped from every line
    literal: bool  # False: the script is computed (read from a file…), not written here

    def at(self, line: int, col: int) -> Place:
        """The file's place of script line ``line``, column ``col`` (1-based)."""
        if not self.literal:
            return Place(self.file, self.line, self.column)
        start = self.column if line == 1 else 1
        return Place(self.file, self.line + line - 1, start + self.indent + col - 1)


class TestFile:
    """A file holding a NixOS test, read (not yet evaluated)."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        source = read_source(self.path)
        self.tree = parse(source)
        parents: dict[int, ast.Node] = {}
        found = None
        for node, parent in _walk_with_parents(self.tree):
            if parent is not None:
                parents[id(node)] = parent
            if found is None and _is_test_set(node):
                found = node
        if found is None:
            raise NotATest(path)
        self.test_set: ast.Attrs = found
        self.tree = _without_test_call(self.tree, found, parents)

    def script_place(self) -> ScriptPlace:
        attr = next(a for a in self.test_set.attrs if a.name == "testScript")
        node = attr.value
        while type(node) is ast.Lambda:  # testScript = { nodes, ... }: ''…''
            node = node.body
        if type(node) not in (ast.Str, ast.StrInterp):
            line, col = attr.src.line_col(attr.start)
            return ScriptPlace(self.path, line, col, 0, literal=False)
        return _string_place(self.path, node)

    # evaluating ------------------------------------------------------------------
    def load(self, state: EvalState, target: Target, pkgs_mode: str) -> Attrs:
        """The test module's set, evaluated in ``state``."""
        value = force(state.eval_tree(self.tree, os.path.dirname(self.path)))
        args = _module_args(state, target, pkgs_mode)
        while type(value) in (Lambda, PrimOp, PrimOpApp) or (
                type(value) is Attrs and "__functor" in value.vals):
            given = args
            if type(value) is Lambda and value.fn.formals is not None and not value.fn.ellipsis:
                # as Nix's autoCallFunction: only the arguments asked for
                given = Attrs({k: v for k, v in args.vals.items()
                               if k in value.fn.formal_names})
            value = force(state.call(value, given))
        if type(value) is not Attrs:
            raise NixError(f"the test in '{self.path}' is not a set (nodes, testScript)")
        return value

    def node_names(self, test: Attrs) -> list[str]:
        return force(self.nodes(test)).names()

    @staticmethod
    def nodes(test: Attrs) -> Any:
        if "nodes" in test.vals:
            return test.vals["nodes"]
        if "machine" in test.vals:  # makeTest's single-machine form
            return Attrs({"machine": test.vals["machine"]})
        return Attrs({})

    def node_result(self, state: EvalState, target: Target, test: Attrs, name: str,
                    pkgs_mode: str, configs: dict[str, Any] | None = None) -> Attrs:
        """eval-config.nix for node ``name``, with qemu-vm.nix as the driver
        builds it; ``configs`` are the other nodes' configurations (lazily)."""
        nodes = force(self.nodes(test))
        if configs is None:
            configs = self.node_configs(state, target, test, pkgs_mode)
        extra = _compile(state, _NODE_MODULE)
        # as the test's own module system passes them on: from the test file
        modules: list[Any] = [self.from_file(nodes.vals[name]), NixPath(target.qemu_vm_module),
                              state.call(state.call(extra, name), Attrs(configs))]
        if "defaults" in test.vals:
            modules.append(self.from_file(test.vals["defaults"]))
        args: dict[str, Any] = {"modules": modules, "system": current_system()}
        if pkgs_mode == "placeholder":
            args["pkgs"] = placeholder_pkgs(state, target.nixpkgs)
        result = force(state.call(state.eval_file(target.eval_config), Attrs(args)))
        if type(result) is not Attrs or "config" not in result.vals:
            raise NixError(f"'{target.eval_config}' did not return a configuration")
        return result

    def from_file(self, module: Any) -> Attrs:
        """A module written in the test file, named by it in lib's messages."""
        return Attrs({"_file": self.path, "imports": [module]})

    def node_configs(self, state: EvalState, target: Target, test: Attrs,
                     pkgs_mode: str) -> dict[str, Any]:
        """Every node's ``config``, each evaluated when first used (``nodes``
        in modules and in a testScript function)."""
        configs: dict[str, Any] = {}
        compat = _compile(state, _NODE_COMPAT)
        for name in self.node_names(test):
            configs[name] = Thunk(lambda _env, n=name: force(state.call(compat, self.node_result(
                state, target, test, n, pkgs_mode, configs).vals["config"])), None)
        return configs

    def script(self, state: EvalState, target: Target, test: Attrs, pkgs_mode: str) -> str:
        if "testScript" not in test.vals:
            raise NixError(f"the test in '{self.path}' has no testScript")
        script = force(test.vals["testScript"])
        if type(script) in (Lambda, PrimOp, PrimOpApp):
            configs = self.node_configs(state, target, test, pkgs_mode)
            script = force(state.call(script, Attrs({"nodes": Attrs(configs)})))
        if not isinstance(script, str):
            raise NixError(f"the testScript in '{self.path}' is not a string")
        return str(script)


class NodeSystem(System):
    """One node of a NixOS test as the driver evaluates it (always the VM
    variant); lint reads it as it reads any system."""

    def __init__(self, target: Target, test: TestFile, name: str, pkgs: str = "auto") -> None:
        super().__init__(target, vm=True, pkgs=pkgs)
        self.test = test
        self.name = name

    def _result(self, target: Target) -> Attrs:
        test = self.test.load(self.state, target, self.pkgs_mode)
        return self.test.node_result(self.state, target, test, self.name, self.pkgs_mode)


def is_nixos_test(path: str) -> bool:
    """Whether ``path`` holds a NixOS test (read, not evaluated); a file that
    does not parse is no test (lint reports its syntax error as a configuration's)."""
    try:
        TestFile(path)
    except (NotATest, NixSyntaxError, OSError):
        return False
    return True


def lint_test(target: Target, path: str, *, pkgs: str = "auto", show_trace: bool = False,
              every_option: bool = False) -> list[Finding]:
    """Findings for every node and for the test script, errors first."""
    test_file = TestFile(path)
    script_system = System(target, vm=True, pkgs=pkgs)  # a state to evaluate the test in
    state, mode = script_system.state, script_system.pkgs_mode
    findings: list[Finding] = []
    try:
        test = test_file.load(state, target, mode)
        names = test_file.node_names(test)
    except NixError as e:
        return [_eval_finding(e, test_file, "the test does not evaluate")]
    if not names:
        findings.append(Finding("test-script", "error", "the test has no nodes", Place(
            test_file.path, *test_file.test_set.src.line_col(test_file.test_set.start)),
            fix="Add a machine: `nodes.machine = { pkgs, ... }: { … };`."))
    for name in names:
        node = NodeSystem(target, test_file, name, pkgs)
        for f in lint(node, show_trace=show_trace, every_option=every_option):
            if f.fix:  # the VM is the driver's, not build-vm's
                f.fix = f.fix.replace(_BUILD_VM, _DRIVER_VM)
            f.notes.append(f"in node `{name}' of the test (its configuration with "
                           "qemu-vm.nix, as the test driver builds it)")
            findings.append(f)
    try:
        script = test_file.script(state, target, test, mode)
    except NixError as e:
        findings.append(_eval_finding(e, test_file, "the testScript does not evaluate"))
    else:
        findings.extend(check_script(script, test_file.script_place(), names))
    return sorted(_merged(findings), key=lambda f: f.severity != "error")


def machine_names(nodes: list[str]) -> list[str]:
    """The names the driver gives the machines in the script: each node's
    name made a Python identifier (as nixos/lib/testing/driver.nix does), and
    ``machine`` when there is exactly one node not called so."""
    names = [_pythonized(n) for n in nodes]
    if len(nodes) == 1 and "machine" not in nodes:
        names.append("machine")
    return names


def _pythonized(name: str) -> str:
    head = name[:1] if re.fullmatch(r"[A-z_]", name[:1] or " ") else "_"
    return head + re.sub(r"[^A-z0-9_]", "_", name[1:])


def check_script(script: str, place: ScriptPlace, nodes: list[str]) -> list[Finding]:
    """pyflakes over the script, its messages at the file's lines."""
    from pyflakes.checker import Checker
    from pyflakes.messages import UndefinedName

    machines = machine_names(nodes)
    known = DRIVER_SYMBOLS | set(machines)

    def where(line: int) -> str:  # a script not written in the file: its own line
        return "testScript" if place.literal else f"testScript, line {line}"

    try:
        tree = pyast.parse(script, filename="testScript")
    except SyntaxError as e:
        return [Finding("test-script", "error", f"{where(e.lineno or 1)}: syntax error: {e.msg}",
                        place.at(e.lineno or 1, e.offset or 1),
                        fix="The testScript is Python: fix the syntax the driver would "
                            "reject when the test starts.")]
    checker = Checker(tree, filename="testScript", builtins=known)
    out = []
    for m in sorted(checker.messages, key=lambda m: (m.lineno, m.col)):
        text = m.message % m.message_args
        fix = None
        if isinstance(m, UndefinedName):
            close = difflib.get_close_matches(m.message_args[0], sorted(known), n=3)
            fix = (f"Did you mean {', '.join(f'`{c}`' for c in close)}? " if close else "") + \
                f"The test's machines are {', '.join(f'`{n}`' for n in machines)}."
        out.append(Finding("test-script", "error", f"{where(m.lineno)}: {text}",
                           place.at(m.lineno, m.col + 1), fix=fix,
                           notes=["nixpkgs checks the testScript with pyflakes when it builds "
                                  "the test driver, and the build fails on this"]))
    return out


# reading the file ------------------------------------------------------------------

def _walk_with_parents(root: ast.Node) -> Iterator[tuple[ast.Node, ast.Node | None]]:
    stack: list[tuple[ast.Node, ast.Node | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(list(children(node))))


def _is_test_set(node: ast.Node) -> bool:
    if type(node) is not ast.Attrs:
        return False
    names = {a.name for a in node.attrs}
    return "testScript" in names and bool(names & {"nodes", "machine"})


def _called_name(fn: ast.Node) -> str | None:
    if type(fn) is ast.Var:
        return fn.name
    if type(fn) is ast.Select and fn.path and isinstance(fn.path[-1], str):
        return fn.path[-1]
    return None


def _without_test_call(tree: ast.Node, found: ast.Node, parents: dict[int, ast.Node]
                       ) -> ast.Node:
    """The tree with the call that builds the test (``runNixOSTest m``,
    ``import ./make-test-python.nix m …``) replaced by its test module ``m``."""
    child, node = found, parents.get(id(found))
    while node is not None:
        if type(node) is ast.Call and child in node.args:
            name = _called_name(node.fn)
            builds = name in _TEST_FUNCTIONS or (
                name == "import" and type(node.args[0]) is ast.Path
                and _MAKE_TEST_FILE.search(node.args[0].value) is not None)
            if builds:
                return _replaced(tree, node, child)
        child, node = node, parents.get(id(node))
    return tree


def _replaced(node: ast.Node, old: ast.Node, new: ast.Node) -> ast.Node:
    """``node`` with the sub-node ``old`` (by identity) replaced by ``new``."""
    if node is old:
        return new
    changes = {}
    for field in fields(type(node)):
        if not field.eq:
            continue
        value = getattr(node, field.name)
        if isinstance(value, ast.Node):
            replaced = _replaced(value, old, new)
            if replaced is not value:
                changes[field.name] = replaced
        elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
            items = tuple(_replaced(v, old, new) if isinstance(v, ast.Node) else v
                          for v in value)
            if any(a is not b for a, b in zip(items, value, strict=True)):
                changes[field.name] = items
    return evolve(node, **changes) if changes else node


def _string_place(path: str, node: ast.Node) -> ScriptPlace:
    """Where a string's text starts; for ``''`` strings, what Nix strips:
    a first line of only blanks, and the indentation common to the lines
    with text."""
    text = node.src.text
    line, col = node.src.line_col(node.start)
    if not text.startswith("''", node.start):
        return ScriptPlace(path, line, col + 1, 0, literal=True)
    lines = text[node.start + 2:node.end - 2].split("\n")
    indent = min((len(x) - len(x.lstrip(" ")) for x in lines if x.strip()), default=0)
    if len(lines) > 1 and not lines[0].strip():  # the script starts on the next line
        return ScriptPlace(path, line + 1, 1, indent, literal=True)
    return ScriptPlace(path, line, col + 2, indent, literal=True)


def _module_args(state: EvalState, target: Target, pkgs_mode: str) -> Attrs:
    """What a test module is called with: ``pkgs`` (the host's packages) and ``lib``."""
    if pkgs_mode == "placeholder":
        pkgs: Any = placeholder_pkgs(state, target.nixpkgs)
    else:
        # looked at through inputs: the answer cache sees the file appear
        entry = "<nixpkgs>" if inputs.isfile(os.path.join(target.nixpkgs, "default.nix")) \
            else "<nixpkgs/pkgs>"
        pkgs = Thunk(lambda _env: state.eval_source(
            Source("«nixeval»", f"import {entry} {{ }}"), os.getcwd()), None)
    lib = Thunk(lambda _env: state.eval_source(Source("«nixeval»", "import <nixpkgs/lib>"),
                                               os.getcwd()), None)
    return Attrs({"pkgs": pkgs, "lib": lib})


def _compile(state: EvalState, text: str) -> Any:
    return state.eval_tree(parse(Source("«nixeval»", text), use_cache=False), os.getcwd())


def _eval_finding(e: NixError, test_file: TestFile, what: str) -> Finding:
    place = None
    if e.pos is not None:
        line, col = e.pos[0].line_col(e.pos[1])
        place = Place(e.pos[0].name, line, col)
    return Finding("eval-error", "error", f"{what}: {e.message}",
                   place or Place(test_file.path))


def _merged(findings: list[Finding]) -> list[Finding]:
    """A finding every node has (a shared module's) once, its notes joined."""
    out: dict[tuple, Finding] = {}
    for f in findings:
        key = (f.kind, f.message, str(f.place))
        if key in out:
            out[key].notes.extend(n for n in f.notes if n not in out[key].notes)
        else:
            out[key] = f
    return list(out.values())
