"""What a short evaluation loads: start-up is most of a small evaluation's time,
so modules only some builtins need are imported at their first call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# loaded only by the builtins (or the rare paths) that need them
LATE = ("tomllib", "json", "dataclasses", "inspect", "platform", "platformdirs", "tempfile",
        "shutil", "ipaddress", "nixeval.eval.builtins.flake_refs",
        "nixeval.eval.builtins.toml_reader", "lark")


_PROBE = """
import sys
before = set(sys.modules)  # what the interpreter and its site loaded
from nixeval.cli.main import run
status = run(["instantiate", "--eval", "--strict", "-E", sys.argv[1]])
sys.stdout.flush()
sys.stderr.write("\\n".join(sorted(set(sys.modules) - before)))
"""


def _imported(expr: str, cache: Path) -> tuple[str, set[str]]:
    """What evaluating ``expr`` printed, and the modules it loaded."""
    env = {**os.environ, "NIXEVAL_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", _PROBE, expr], capture_output=True, text=True,
                          env=env, timeout=60)
    return done.stdout, set(done.stderr.split("\n"))


def test_a_small_evaluation_loads_none_of_the_late_modules(tmp_path: Path):
    _imported("1", tmp_path)  # the first run fills the caches
    out, names = _imported("1", tmp_path)
    assert out == "1\n"
    assert "nixeval.eval.builtins.serialise" in names  # the families are registered
    assert not names & set(LATE), sorted(names & set(LATE))


@pytest.mark.parametrize(("expr", "module", "expected"), [
    ('builtins.fromTOML "a = 1"', "nixeval.eval.builtins.toml_reader", "{ a = 1; }"),
    ('builtins.fromJSON "[1]"', "json", "[ 1 ]"),
    ('(builtins.parseFlakeRef "github:a/b").owner', "nixeval.eval.builtins.flake_refs", '"a"'),
])
def test_a_late_module_loads_at_its_builtins_first_call(tmp_path: Path, expr: str, module: str,
                                                       expected: str):
    out, names = _imported(expr, tmp_path)
    assert out == expected + "\n"
    assert module in names


def test_parsing_needs_no_lark_once_the_tables_are_cached(tmp_path: Path):
    # importing Lark takes longer than parsing most files: its tables are cached as data
    out, names = _imported("1 + 1", tmp_path)  # the first parse builds the tables
    assert out == "2\n" and "lark" in names
    out, names = _imported("2 + 2", tmp_path)  # a new expression: parsed, not cached
    assert out == "4\n"
    assert "nixeval.syntax.parser" in names and "lark" not in names
