"""The on-disk parse cache: a hit gives the same tree, any damaged or foreign
entry is a miss that is rebuilt, and a disabled cache writes nothing."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from conftest import FIXTURES

from nixeval import keyed
from nixeval.syntax import Source, ast, cache, parse, parse_nodes
from nixeval.syntax.parser import parse_source
from nixeval.syntax.walk import walk

TEXT = (FIXTURES / "accepted" / "syntax-tour.nix").read_text()


def positions(node) -> list[tuple[str, int, int]]:
    return [(type(n).__name__, n.start, n.end) for n in walk(node)]


def entry_path(key: str) -> Path:
    return Path(keyed.cache_dir()) / key[:2] / key


def test_hit_gives_an_equal_tree_with_positions_and_live_source():
    fresh = parse_source(Source("a.nix", TEXT))
    parse(Source("a.nix", TEXT))  # fills the cache
    src = Source("a.nix", TEXT)
    hit = cache.load(src, cache.key_for(TEXT, False))
    assert hit is not None
    assert hit == fresh
    assert positions(hit) == positions(fresh)
    assert all(n.src is src for n in walk(hit))


@pytest.mark.parametrize("cls", [ast.Lambda, ast.Call, ast.AttrDef, ast.InheritFrom])
def test_nodes_of_a_class_from_the_pool_are_the_trees(cls, monkeypatch):
    # what fusion finds hot functions among: the same nodes, positions
    # included, as a walk of the tree gives, from the cache and without it
    def key(n):
        return (n.start, n.end, repr(n))

    src = Source("a.nix", TEXT)
    expected = sorted(map(key, (n for n in walk(parse_source(src)) if type(n) is cls)))
    assert expected  # the tour has some of each
    parse(Source("a.nix", TEXT))  # fills the cache
    cached = parse_nodes(src, cls)
    assert all(type(n) is cls and n.src is src for n in cached)
    assert sorted(map(key, cached)) == expected
    monkeypatch.setenv("NIXEVAL_NO_PARSE_CACHE", "1")
    assert sorted(map(key, parse_nodes(Source("a.nix", TEXT), cls))) == expected


def test_damaged_entries_are_misses_and_get_rebuilt():
    key = cache.key_for(TEXT, False)
    reference = parse_source(Source("a.nix", TEXT))
    parse(Source("a.nix", TEXT))
    path = entry_path(key)
    good = path.read_bytes()
    rng = random.Random(7)
    damaged = [good[:n] for n in (0, 1, 10, len(good) // 2, len(good) - 1)]
    damaged += [b"garbage", good + b"x"]
    for _ in range(60):
        b = bytearray(good)
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        damaged.append(bytes(b))
    for data in damaged:
        path.write_bytes(data)
        assert cache.load(Source("a.nix", TEXT), key) is None
        assert parse(Source("a.nix", TEXT)) == reference
        assert path.read_bytes() == good  # rewritten whole


def test_an_entry_for_other_text_is_not_trusted():
    key = cache.key_for(TEXT, False)
    other = cache.key_for(TEXT + " ", False)
    parse(Source("a.nix", TEXT))
    path = entry_path(key)
    path.write_bytes(path.read_bytes().replace(key.encode(), other.encode()))
    assert cache.load(Source("a.nix", TEXT), key) is None


def test_key_depends_on_text_and_pipe_flag():
    assert cache.key_for("1", False) != cache.key_for("2", False)
    assert cache.key_for("1", False) != cache.key_for("1", True)


def test_disabled_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("NIXEVAL_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NIXEVAL_NO_PARSE_CACHE", "1")
    parse(Source("b.nix", "1 + 2"))
    assert not any(tmp_path.rglob("*"))


def test_unwritable_cache_dir_only_costs_speed(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NIXEVAL_CACHE_DIR", str(blocker))
    assert parse(Source("c.nix", "{ a = 1; }")) == parse_source(Source("c.nix", "{ a = 1; }"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NIXEVAL_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(0o500)
    try:
        assert parse(Source("d.nix", "[ 1 ]")) == parse_source(Source("d.nix", "[ 1 ]"))
    finally:
        tmp_path.chmod(0o700)


def test_a_fully_cached_run_never_loads_the_parser(tmp_path: Path):
    # Lark and the grammar cost start-up time; with every file cached they are not needed
    import subprocess
    import sys

    (tmp_path / "a.nix").write_text("{ x = 1 + 2; }.x")
    env = {**os.environ, "NIXEVAL_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-X", "importtime", "-m", "nixeval", "instantiate", "--eval",
           str(tmp_path / "a.nix")]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert first.stdout == second.stdout == "3\n"
    assert "nixeval.syntax.parser" in first.stderr  # the miss parsed it
    assert "nixeval.syntax.parser" not in second.stderr
    assert not any(line.split("|")[-1].strip() == "lark" for line in second.stderr.splitlines())
