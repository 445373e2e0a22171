"""Arithmetic, comparison and bit operations."""

from __future__ import annotations

import math
from typing import Any

from ..errors import NixError
from ..ops import add_numbers, arith, force_float, force_int, less_than
from ..values import force
from . import primop

primop("__add", 2)(lambda state, a, b: add_numbers(force(a), force(b)))
primop("__sub", 2)(lambda state, a, b: arith("-", force(a), force(b)))
primop("__mul", 2)(lambda state, a, b: arith("*", force(a), force(b)))
primop("__div", 2)(lambda state, a, b: arith("/", force(a), force(b)))
primop("__lessThan", 2)(lambda state, a, b: less_than(a, b, None))


def _bit_op(name: str, fn):
    first = f"while evaluating the first argument passed to builtins.{name}"
    second = f"while evaluating the second argument passed to builtins.{name}"
    return lambda state, a, b: fn(force_int(a, None, first), force_int(b, None, second))


primop("__bitAnd", 2)(_bit_op("bitAnd", lambda a, b: a & b))
primop("__bitOr", 2)(_bit_op("bitOr", lambda a, b: a | b))
primop("__bitXor", 2)(_bit_op("bitXor", lambda a, b: a ^ b))


def _round(fn, name: str):
    def impl(state, v: Any) -> int:
        x = force(v)
        if type(x) is int:
            return x
        force_float(x, None, f"while evaluating the first argument passed to builtins.{name}")
        if math.isnan(x) or math.isinf(x) or not -(2**63) <= fn(x) < 2**63:
            raise NixError(f"NaN or Inf or out of range passed to {name}")
        return int(fn(x))

    return impl


primop("__ceil", 1)(_round(math.ceil, "ceil"))
primop("__floor", 1)(_round(math.floor, "floor"))
