"""Reading Nix: lexer, grammar, AST, printer and parse cache.

>>> from nixeval.syntax import parse_text
>>> parse_text("1 + 2")
BinOp(op='+', lhs=Int(value=1), rhs=Int(value=2))
"""

from __future__ import annotations

import os

from ..files import (
    MAX_FILE_BYTES,
    FileTooLarge,
    NotARegularFile,
    open_regular,
    read_bytes,
    read_fd,
)
from . import cache
from .ast import Node
from .errors import NixSyntaxError
from .source import Source, Span

__all__ = [
    "MAX_FILE_BYTES",
    "FileTooLarge",
    "NixSyntaxError",
    "Node",
    "NotARegularFile",
    "Source",
    "Span",
    "open_regular",
    "parse_file",
    "parse_nodes",
    "parse_text",
    "read_bytes",
    "read_fd",
    "read_source",
]


def read_source(path: str | os.PathLike[str]) -> Source:
    """Read a file as Nix does: bytes, decoded as UTF-8 with undecodable bytes kept."""
    return Source(os.fspath(path), read_bytes(path).decode("utf-8", "surrogateescape"))


def parse_source(source: Source, pipe_operators: bool = False) -> Node:
    """Parse without the cache. The parser (and Lark) is imported only here:
    a run whose files are all cached never loads it."""
    from .parser import parse_source as parse_uncached

    return parse_uncached(source, pipe_operators)


def parse(source: Source, *, pipe_operators: bool = False, use_cache: bool = True) -> Node:
    """Parse a Source, through the on-disk cache unless disabled."""
    if not (use_cache and cache.enabled()):
        return parse_source(source, pipe_operators)
    key = cache.key_for(source.text, pipe_operators)
    node = cache.load(source, key)
    if node is None:
        node = parse_source(source, pipe_operators)
        cache.store(source, key, node)
    return node


def parse_nodes(source: Source, cls: type[Node], *, pipe_operators: bool = False) -> list[Node]:
    """Every node of class ``cls`` in the file's tree, in no particular order
    (from the parse cache's pool of the class where cached: no walk)."""
    if cache.enabled():
        key = cache.key_for(source.text, pipe_operators)
        nodes = cache.load_nodes(source, key, cls)
        if nodes is not None:
            return nodes
    from .walk import walk

    return [n for n in walk(parse(source, pipe_operators=pipe_operators)) if type(n) is cls]


def parse_text(text: str, name: str = "«string»", *, pipe_operators: bool = False,
               use_cache: bool = False) -> Node:
    return parse(Source(name, text), pipe_operators=pipe_operators, use_cache=use_cache)


def parse_file(path: str | os.PathLike[str], *, pipe_operators: bool = False,
               use_cache: bool = True) -> Node:
    return parse(read_source(path), pipe_operators=pipe_operators, use_cache=use_cache)
