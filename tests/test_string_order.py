"""Fast paths for strings, against the definitions they stand for: Nix orders
strings and attribute names by their bytes (UTF-8, with the bytes that are
not UTF-8 kept as Python's surrogate escapes), and a derivation's strings
are written with five escapes (printString)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nixeval.eval.ops import less_than
from nixeval.eval.store import _q
from nixeval.eval.values import ContextStr, sorted_names

# ASCII, other code points, and bytes that are not UTF-8 (as they are read);
# the escapes of such bytes (U+DC80-U+DCFF) sort as bytes 0x80-0xFF, below
# every other non-ASCII character, where code point order puts them between
_BYTES = st.binary(max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape"))
_MIXED = st.text(alphabet=st.sampled_from(["a", "B", "é", "\udc80", "\udcff", "\ue000",
                                           "\u0100", "\U0001f600"]), max_size=6)
TEXT = st.one_of(st.text(alphabet=st.characters(max_codepoint=127), max_size=12),
                 st.text(max_size=12), _BYTES, _MIXED)


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


@given(TEXT, TEXT)
def test_less_than_orders_strings_by_their_bytes(a: str, b: str) -> None:
    assert less_than(a, b) == (_bytes(a) < _bytes(b))
    assert less_than(ContextStr(a, frozenset({"/nix/store/x"})), b) == (_bytes(a) < _bytes(b))


@given(st.lists(TEXT, max_size=20, unique=True))
def test_sorted_names_is_byte_order(names: list[str]) -> None:
    assert sorted_names(names) == sorted(names, key=_bytes)
    assert sorted_names(dict.fromkeys(names)) == sorted(names, key=_bytes)


def _reference_quote(s: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return '"' + "".join(escapes.get(c, c) for c in s) + '"'


@given(st.text(alphabet=st.sampled_from('ab"\\\n\r\t\x00é'), max_size=30) | st.text())
def test_derivation_strings_escaped_as_print_string(s: str) -> None:
    assert _q(s) == _reference_quote(s)
