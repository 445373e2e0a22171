"""An evaluation's frames in one large chunk of CPython's frame stack
(``eval/datastack.py``): a recursion that goes back and forth across the
edges of CPython's 16 KiB chunks maps and unmaps one at nearly every
crossing; inside ``with_room`` it maps none."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from nixeval.eval.datastack import with_room

OSCILLATE = """
import sys
from nixeval.eval.datastack import with_room
def f(n):
    return 0 if n == 0 else f(n - 1) + 1
def run():
    return sum(f(150) for _ in range(5000))
print(with_room(run) if sys.argv[1] == "room" else run())
"""


def test_with_room_calls_through() -> None:
    assert with_room(lambda a, b: a * b, 6, 7) == 42
    with pytest.raises(ZeroDivisionError):
        with_room(lambda: 1 // 0)


def _unmaps(mode: str) -> int:
    out = subprocess.run(["strace", "-f", "-c", "-e", "trace=munmap", sys.executable,
                          "-c", OSCILLATE, mode], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(5000 * 150)
    m = re.search(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?munmap", out.stderr, re.M)
    return int(m.group(1)) if m else 0


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's frame stack")
def test_a_recursion_across_chunk_edges_maps_no_chunk_inside_with_room() -> None:
    try:
        bare = _unmaps("bare")
    except subprocess.CalledProcessError as e:  # ptrace refused (a container's policy)
        pytest.skip(f"strace cannot trace here: {e.stderr.strip()[:200]}")
    if bare < 1000:  # one per call crossing an edge: the thrash this is about
        pytest.skip(f"this Python unmapped {bare} chunks: none to spare")
    assert _unmaps("room") < 100
