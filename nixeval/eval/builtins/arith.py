"""Arithmetic, comparison and bit operations."""

from __future__ import annotations

import math
from typing import Any

from ..errors import NixError
from ..ops import add_numbers, arith, force_int, less_than
from ..values import force, type_error
from . import primop

primop("__add", 2)(lambda state, a, b: add_numbers(force(a), force(b), None))
primop("__sub", 2)(lambda state, a, b: arith("-", force(a), force(b), None))
primop("__mul", 2)(lambda state, a, b: arith("*", force(a), force(b), None))
primop("__div", 2)(lambda state, a, b: arith("/", force(a), force(b), None))
primop("__lessThan", 2)(lambda state, a, b: less_than(a, b, None))
primop("__bitAnd", 2)(lambda state, a, b: force_int(a, None) & force_int(b, None))
primop("__bitOr", 2)(lambda state, a, b: force_int(a, None) | force_int(b, None))
primop("__bitXor", 2)(lambda state, a, b: force_int(a, None) ^ force_int(b, None))


def _round(fn, name: str):
    def impl(state, v: Any) -> int:
        x = force(v)
        if type(x) is int:
            return x
        if type(x) is not float:
            raise type_error("a float", x)
        if math.isnan(x) or math.isinf(x) or not -(2**63) <= fn(x) < 2**63:
            raise NixError(f"NaN or Inf or out of range passed to {name}")
        return int(fn(x))

    return impl


primop("__ceil", 1)(_round(math.ceil, "ceil"))
primop("__floor", 1)(_round(math.floor, "floor"))
