"""Room on CPython's frame stack for an evaluation.

CPython (3.11 on) keeps Python frames in 16 KiB chunks that it maps when a
call needs one more and unmaps when the call returns. An evaluator's deep
recursion goes back and forth across chunk edges all the time: one nixpkgs
17.03 system evaluation mapped and unmapped a chunk 96,000 times, which with
the page faults was a sixth of the run, all of it system time.

A chunk is sized to fit the frame that needs it, doubling from 16 KiB. So a
function whose frame is just over 4 MiB (its declared stack size: the slots
are reserved, not written) gets an 8 MiB chunk, and the frames of everything
it calls fill the other half, about 25,000 of them, before another chunk is
needed. Its pages are only touched as frames use them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_SLOTS = (1 << 19) + 64  # 8-byte slots: just over 4 MiB


def with_room(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, the frames of its calls in one large chunk of the
    frame stack."""
    return fn(*args)


if sys.implementation.name == "cpython":
    with_room.__code__ = with_room.__code__.replace(co_stacksize=_SLOTS)
