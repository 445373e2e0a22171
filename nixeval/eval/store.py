"""Store-path arithmetic, exactly as Nix 2.8 computes it, without a store.

Everything here is a pure function of plain Python data (plus, for NAR
serialisation, the file system being read).  The evaluator uses it for
``builtins.toFile``, path interpolation (``"${./file}"``), ``builtins.path``,
``filterSource``, ``derivationStrict``, ``hashString``/``hashFile``,
``placeholder`` and hash-format conversion.

The algorithms follow Nix 2.8's sources: ``libutil/hash.cc`` (base-32,
hash parsing, ``compressHash``), ``libutil/archive.cc`` (NAR),
``libstore/store-api.cc`` (``makeStorePath`` and friends), ``libstore/path.cc``
(name checks) and ``libstore/derivations.cc`` / ``libexpr/primops.cc``
(ATerm, ``hashDerivationModulo``, ``derivationStrict``).

Nix strings are byte strings; Python ``str`` values are encoded as UTF-8 with
``surrogateescape`` so that undecodable bytes read from disk round-trip.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Literal, TypeVar

from .. import inputs
from ..syntax.records import record

STORE_DIR = "/nix/store"
DRV_EXTENSION = ".drv"

HashAlgo = Literal["md5", "sha1", "sha256", "sha512"]
IngestionMethod = Literal["flat", "recursive"]
HashFormat = Literal["base16", "base32", "nix32", "base64", "sri"]
FileType = Literal["regular", "directory", "symlink", "unknown"]
PathFilter = Callable[[str, str], bool]
_V = TypeVar("_V")

HASH_SIZES: dict[str, int] = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}

# Nix's base-32 alphabet omits e, o, u and t (to avoid accidental words).
BASE32_CHARS = "0123456789abcdfghijklmnpqrsvwxyz"
_BASE32_VALUES = {c: i for i, c in enumerate(BASE32_CHARS)}
_BASE64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALUES = {c: i for i, c in enumerate(_BASE64_CHARS)}


class StoreError(Exception):
    """Base class; messages are Nix's own error texts (without "error: ")."""


class BadHash(StoreError):
    """A hash string or hash algorithm name that Nix would reject."""


class BadStorePath(StoreError):
    """A store path (name) that Nix would reject."""


class DerivationError(StoreError):
    """A derivation that ``derivationStrict`` would reject."""


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------------------
# Encodings


def base32_len(size: int) -> int:
    """Length of the Nix base-32 rendering of ``size`` bytes."""
    return (size * 8 - 1) // 5 + 1


def base32_encode(data: bytes) -> str:
    """Nix base-32: the bytes as a little-endian number, most significant digit first."""
    # Equivalent to printHash32's byte/bit shuffling, which reads 5-bit groups
    # of the little-endian integer from the top down.
    n = int.from_bytes(data, "little")
    return "".join(
        BASE32_CHARS[(n >> (5 * i)) & 0x1F] for i in range(base32_len(len(data)) - 1, -1, -1)
    )


def base32_decode(s: str, size: int) -> bytes:
    """Inverse of :func:`base32_encode` for a ``size``-byte hash (no length check)."""
    n = 0
    for c in s:
        digit = _BASE32_VALUES.get(c)
        if digit is None:
            raise BadHash(f"invalid base-32 hash '{s}'")
        n = (n << 5) | digit
    # Nix rejects bits that would spill past the last byte.
    if n >> (8 * size):
        raise BadHash(f"invalid base-32 hash '{s}'")
    return n.to_bytes(size, "little")


def base64_encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), 3):
        chunk = data[i : i + 3]
        n = int.from_bytes(chunk.ljust(3, b"\0"), "big")
        chars = [_BASE64_CHARS[(n >> s) & 0x3F] for s in (18, 12, 6, 0)]
        keep = len(chunk) + 1
        out.append("".join(chars[:keep]) + "=" * (4 - keep))
    return "".join(out)


def base64_decode(s: str) -> bytes:
    """Nix's lenient decoder: stops at '=', skips newlines, padding optional."""
    res = bytearray()
    d = bits = 0
    for c in s:
        if c == "=":
            break
        if c == "\n":
            continue
        digit = _BASE64_VALUES.get(c)
        if digit is None:
            raise BadHash(f"invalid character in Base64 string: '{c}'")
        bits += 6
        d = (d << 6) | digit
        if bits >= 8:
            res.append((d >> (bits - 8)) & 0xFF)
            bits -= 8
    return bytes(res)


def compress_hash(digest: bytes, size: int) -> bytes:
    """Nix's ``compressHash``: XOR-fold ``digest`` into ``size`` bytes."""
    out = bytearray(size)
    for i, byte in enumerate(digest):
        out[i % size] ^= byte
    return bytes(out)


# ---------------------------------------------------------------------------
# Hashes


def parse_hash_algo(name: str) -> str:
    if name not in HASH_SIZES:
        raise BadHash(f"unknown hash algorithm '{name}'")
    return name


def hash_bytes(algo: str, data: bytes) -> bytes:
    return hashlib.new(parse_hash_algo(algo), data).digest()


@record
class Hash:
    algo: str
    digest: bytes

    def to_string(self, fmt: HashFormat = "base16", include_type: bool = False) -> str:
        """Render like ``Hash::to_string``; SRI always includes the type."""
        prefix = ""
        if fmt == "sri":
            prefix = self.algo + "-"
        elif include_type:
            prefix = self.algo + ":"
        if fmt == "base16":
            body = self.digest.hex()
        elif fmt in ("base32", "nix32"):
            body = base32_encode(self.digest)
        elif fmt in ("base64", "sri"):
            body = base64_encode(self.digest)
        else:
            raise ValueError(f"unknown hash format '{fmt}'")
        return prefix + body

    @property
    def hex(self) -> str:
        return self.digest.hex()


def hash_string(algo: str, s: str | bytes) -> Hash:
    data = _b(s) if isinstance(s, str) else s
    return Hash(algo, hash_bytes(algo, data))


def hash_file(algo: str, path: str | os.PathLike[str]) -> Hash:
    """Flat hash of a file's contents (``builtins.hashFile``)."""
    h = hashlib.new(parse_hash_algo(algo))
    with open(path, "rb") as f:
        inputs.read(path, os.fstat(f.fileno()))
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return Hash(algo, h.digest())


def _parse_hash_body(rest: str, algo: str, is_sri: bool) -> Hash:
    """``Hash::Hash(rest, type, isSRI)``: the encoding is chosen by length."""
    size = HASH_SIZES[algo]
    if not is_sri and len(rest) == 2 * size:
        try:
            if not all(c in "0123456789abcdefABCDEF" for c in rest):
                raise ValueError
            return Hash(algo, bytes.fromhex(rest))
        except ValueError:
            raise BadHash(f"invalid base-16 hash '{rest}'") from None
    if not is_sri and len(rest) == base32_len(size):
        return Hash(algo, base32_decode(rest, size))
    if is_sri or len(rest) == ((4 * size // 3) + 3) & ~3:
        digest = base64_decode(rest)
        if len(digest) != size:
            raise BadHash(f"invalid {'SRI' if is_sri else 'base-64'} hash '{rest}'")
        return Hash(algo, digest)
    raise BadHash(f"hash '{rest}' has wrong length for hash type '{algo}'")


def _split_type(s: str) -> tuple[str | None, str, bool]:
    """Strip an ``algo:`` or SRI ``algo-`` prefix: (algo, rest, is_sri)."""
    for sep, sri in ((":", False), ("-", True)):
        algo, found, rest = s.partition(sep)
        if found:
            return parse_hash_algo(algo), rest, sri
    return None, s, False


def parse_hash(s: str, algo: str | None = None) -> Hash:
    """``Hash::parseAny``: base16/base32/base64 with optional ``algo:`` prefix, or SRI."""
    parsed, rest, is_sri = _split_type(s)
    if parsed is None and algo is None:
        raise BadHash(
            f"hash '{rest}' does not include a type, nor is the type otherwise known from context"
        )
    if parsed is not None and algo is not None and parsed != algo:
        raise BadHash(f"hash '{s}' should have type '{algo}'")
    return _parse_hash_body(rest, parsed or parse_hash_algo(algo or ""), is_sri)


def parse_hash_prefixed(s: str) -> Hash:
    """``Hash::parseAnyPrefixed``: the type must be in the string."""
    parsed, rest, is_sri = _split_type(s)
    if parsed is None:
        raise BadHash(f"hash '{rest}' does not include a type")
    return _parse_hash_body(rest, parsed, is_sri)


def parse_hash_sri(s: str) -> Hash:
    algo, found, rest = s.partition("-")
    if not found:
        raise BadHash(f"hash '{s}' is not SRI")
    return _parse_hash_body(rest, parse_hash_algo(algo), True)


def parse_hash_allow_empty(s: str, algo: str | None) -> Hash:
    """``newHashAllowEmpty`` (used for ``outputHash``): "" means an all-zero hash.

    Nix also prints a warning "found empty hash, assuming '<sri>'"; that is
    left to the caller.
    """
    if s == "":
        if algo is None:
            raise BadHash("empty hash requires explicit hash type")
        return Hash(algo, bytes(HASH_SIZES[algo]))
    return parse_hash(s, algo)


def convert_hash(s: str, to: HashFormat, algo: str | None = None) -> str:
    """Re-render a hash string in another format (``builtins.convertHash``)."""
    h = parse_hash(s, algo)
    return h.to_string(to, include_type=False)


# ---------------------------------------------------------------------------
# Store paths


def check_name(base_name: str, name: str) -> None:
    """``checkName`` from libstore/path.cc; ``base_name`` is "<hash>-<name>".

    Nix scans bytes, so for a non-ASCII character it reports the first UTF-8
    byte; we report the whole character.
    """
    if not name:
        raise BadStorePath(f"store path '{base_name}' has an empty name")
    if len(_b(name)) > 211:
        raise BadStorePath(f"store path '{base_name}' has a name longer than 211 characters")
    for c in name:
        if not (c.isascii() and (c.isalnum() or c in "+-._?=")):
            raise BadStorePath(f"store path '{base_name}' contains illegal character '{c}'")


def make_store_path(type: str, hash: bytes | str, name: str, store_dir: str = STORE_DIR) -> str:
    """``Store::makeStorePath``; ``hash`` is a sha256 digest (bytes) or its hex."""
    hex_hash = hash.hex() if isinstance(hash, bytes) else hash
    s = f"{type}:sha256:{hex_hash}:{store_dir}:{name}"
    base_name = base32_encode(compress_hash(hash_bytes("sha256", _b(s)), 20)) + "-" + name
    # Nix checks the name only after hashing, so its messages show the hash.
    check_name(base_name, name)
    return f"{store_dir}/{base_name}"


def _make_type(type: str, references: Iterable[str], self_reference: bool = False) -> str:
    # References are a std::set of store paths, hence sorted.
    for ref in sorted(set(references)):
        type += ":" + ref
    if self_reference:
        type += ":self"
    return type


def output_path_name(drv_name: str, output: str) -> str:
    return drv_name if output == "out" else f"{drv_name}-{output}"


def make_output_path(
    output: str, hash: bytes | str, drv_name: str, store_dir: str = STORE_DIR
) -> str:
    """``Store::makeOutputPath`` for input-addressed derivation outputs."""
    return make_store_path("output:" + output, hash, output_path_name(drv_name, output), store_dir)


def make_text_path(
    name: str,
    contents: str | bytes,
    references: Iterable[str] = (),
    store_dir: str = STORE_DIR,
) -> str:
    """``computeStorePathForText``: what ``builtins.toFile`` and ``.drv`` files get."""
    digest = hash_string("sha256", contents).digest
    return make_store_path(_make_type("text", references), digest, name, store_dir)


def make_fixed_output_path(
    name: str,
    method: IngestionMethod,
    hash_algo: str,
    hash: bytes,
    references: Iterable[str] = (),
    store_dir: str = STORE_DIR,
) -> str:
    """``Store::makeFixedOutputPath``."""
    if method not in ("flat", "recursive"):
        raise ValueError(f"unknown ingestion method {method!r}")
    if hash_algo == "sha256" and method == "recursive":
        return make_store_path(_make_type("source", references), hash, name, store_dir)
    if tuple(references):
        raise ValueError("only recursive sha256 fixed-output paths can have references")
    prefix = "r:" if method == "recursive" else ""
    inner = f"fixed:out:{prefix}{hash_algo}:{hash.hex()}:"
    return make_store_path("output:out", hash_bytes("sha256", _b(inner)), name, store_dir)


def hash_placeholder(output: str) -> str:
    """``builtins.placeholder``: "/" + base32(sha256("nix-output:<output>"))."""
    return "/" + base32_encode(hash_bytes("sha256", _b("nix-output:" + output)))


# ---------------------------------------------------------------------------
# NAR serialisation


def _nar_str(data: bytes) -> bytes:
    # A NAR string: u64 little-endian length, bytes, zero padding to 8.
    return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)


def _nar_chunks(path: str, filter: PathFilter | None) -> Iterator[bytes]:
    inputs.look(path)
    st = os.lstat(path)
    yield _nar_str(b"(")
    if stat.S_ISREG(st.st_mode):
        yield _nar_str(b"type") + _nar_str(b"regular")
        if st.st_mode & stat.S_IXUSR:
            yield _nar_str(b"executable") + _nar_str(b"")
        yield _nar_str(b"contents") + st.st_size.to_bytes(8, "little")
        with open(path, "rb") as f:
            inputs.read(path, os.fstat(f.fileno()))
            yield from iter(lambda: f.read(1 << 16), b"")
        yield b"\0" * (-st.st_size % 8)
    elif stat.S_ISDIR(st.st_mode):
        yield _nar_str(b"type") + _nar_str(b"directory")
        # Entries are a std::map keyed by the raw name bytes.
        inputs.listed(path)
        for entry in sorted(os.listdir(path), key=_b):
            child = path + "/" + entry
            if filter is not None and not filter(child, inputs.file_type(os.lstat(child).st_mode)):
                continue
            yield _nar_str(b"entry") + _nar_str(b"(") + _nar_str(b"name") + _nar_str(_b(entry))
            yield _nar_str(b"node")
            yield from _nar_chunks(child, filter)
            yield _nar_str(b")")
    elif stat.S_ISLNK(st.st_mode):
        target = os.fsencode(os.readlink(path))
        yield _nar_str(b"type") + _nar_str(b"symlink") + _nar_str(b"target") + _nar_str(target)
    else:
        raise StoreError(f"file '{path}' has an unsupported type")
    yield _nar_str(b")")


def nar_serialise(path: str | os.PathLike[str], filter: PathFilter | None = None) -> bytes:
    """NAR of ``path`` (``dumpPath``), the root itself unfiltered.

    ``filter(child_path, file_type)`` is called, in NAR order, for every
    entry below the root, with ``child_path`` = parent path + "/" + name;
    a rejected directory is not descended into.
    """
    return b"".join(_nar_iter(path, filter))


def _nar_iter(path: str | os.PathLike[str], filter: PathFilter | None) -> Iterator[bytes]:
    yield _nar_str(b"nix-archive-1")
    yield from _nar_chunks(os.fspath(path), filter)


def nar_hash(
    path: str | os.PathLike[str], filter: PathFilter | None = None, algo: str = "sha256"
) -> Hash:
    """Hash of the NAR serialisation (``hashPath``), streamed."""
    h = hashlib.new(parse_hash_algo(algo))
    for chunk in _nar_iter(path, filter):
        h.update(chunk)
    return Hash(algo, h.digest())


def make_source_path(
    name: str,
    path: str | os.PathLike[str],
    filter: PathFilter | None = None,
    recursive: bool = True,
    store_dir: str = STORE_DIR,
) -> str:
    """``computeStorePathForPath`` with sha256, as path interpolation,
    ``builtins.path`` and ``filterSource`` use it.

    For ``"${./file}"`` pass ``name = basename``.  ``recursive=False`` is
    ``builtins.path { recursive = false; }``: a flat hash of the file (the
    filter is then not consulted, as in Nix).
    """
    if recursive:
        h = nar_hash(path, filter)
        return make_fixed_output_path(name, "recursive", "sha256", h.digest, store_dir=store_dir)
    h = hash_file("sha256", path)
    return make_fixed_output_path(name, "flat", "sha256", h.digest, store_dir=store_dir)


# ---------------------------------------------------------------------------
# Derivations


@record
class DerivationOutput:
    """One output: ``path`` is "" while masked; ``hash_algo``/``hash`` only for
    fixed outputs (``hash_algo`` with its "r:" prefix, ``hash`` as hex)."""

    path: str = ""
    hash_algo: str = ""
    hash: str = ""


@record
class Derivation:
    name: str
    outputs: Mapping[str, DerivationOutput]
    input_drvs: Mapping[str, frozenset[str]]
    input_srcs: frozenset[str]
    system: str
    builder: str
    args: tuple[str, ...]
    env: Mapping[str, str]

    @property
    def is_fixed_output(self) -> bool:
        return any(o.hash for o in self.outputs.values())

    @property
    def references(self) -> frozenset[str]:
        """References of the ``.drv`` file (outputs are deliberately not among them)."""
        return self.input_srcs | frozenset(self.input_drvs)

    def unparse(
        self,
        mask_outputs: bool = False,
        actual_inputs: Mapping[str, Iterable[str]] | None = None,
    ) -> str:
        """ATerm text (``Derivation::unparse``).

        ``actual_inputs`` replaces the input derivations (hashDerivationModulo
        substitutes input drv paths by their modulo hashes)."""
        parts = ["Derive(["]
        parts.append(
            ",".join(
                "("
                + ",".join(
                    _uq(s) for s in (name, "" if mask_outputs else o.path, o.hash_algo, o.hash)
                )
                + ")"
                for name, o in _sorted_items(self.outputs)
            )
        )
        parts.append("],[")
        inputs = self.input_drvs if actual_inputs is None else actual_inputs
        parts.append(
            ",".join(
                f"({_uq(p)},[{','.join(_uq(o) for o in _sorted(outs))}])"
                for p, outs in _sorted_items(inputs)
            )
        )
        parts.append("],[")
        parts.append(",".join(_uq(p) for p in _sorted(self.input_srcs)))
        parts.append(f"],{_uq(self.system)},{_q(self.builder)},[")
        parts.append(",".join(_q(a) for a in self.args))
        parts.append("],[")
        parts.append(
            ",".join(
                f"({_q(k)},{_q('' if mask_outputs and k in self.outputs else v)})"
                for k, v in _sorted_items(self.env)
            )
        )
        parts.append("])")
        return "".join(parts)


def _sorted(xs: Iterable[str]) -> list[str]:
    return sorted(xs, key=_b)


def _sorted_items(m: Mapping[str, _V]) -> list[tuple[str, _V]]:
    return sorted(m.items(), key=lambda kv: _b(kv[0]))


def _uq(s: str) -> str:
    # printUnquotedString: no escaping at all (paths, output names, system).
    return '"' + s + '"'


def _q(s: str) -> str:
    """printString: a derivation's strings (builders, scripts) are long and
    seldom need escaping; ``replace`` scans in C where ``translate`` looks
    up every character (30 times slower on a build script)."""
    if "\\" in s:
        s = s.replace("\\", "\\\\")
    if '"' in s:
        s = s.replace('"', '\\"')
    if "\n" in s:
        s = s.replace("\n", "\\n")
    if "\r" in s:
        s = s.replace("\r", "\\r")
    if "\t" in s:
        s = s.replace("\t", "\\t")
    return '"' + s + '"'


InputDrvHashes = Mapping[str, bytes | str]


def hash_derivation_modulo(
    drv: Derivation,
    input_drv_hashes: InputDrvHashes | None = None,
    mask_outputs: bool = False,
) -> bytes:
    """``hashDerivationModulo`` (the same for every output of a pure derivation).

    ``input_drv_hashes`` maps each input ``.drv`` path to *its* modulo hash
    (sha256 bytes or hex), as returned by this function with
    ``mask_outputs=False`` / :attr:`DerivationResult.hash_modulo`.
    """
    if drv.is_fixed_output:
        # Only one output ("out") is possible for a fixed-output derivation.
        (out,) = drv.outputs.values()
        s = f"fixed:out:{out.hash_algo}:{out.hash}:{out.path}"
        return hash_bytes("sha256", _b(s))
    hashes = input_drv_hashes or {}
    inputs2: dict[str, set[str]] = {}
    for drv_path, outs in drv.input_drvs.items():
        if drv_path not in hashes:
            raise KeyError(f"no hashDerivationModulo given for input derivation '{drv_path}'")
        h = hashes[drv_path]
        inputs2.setdefault(h.hex() if isinstance(h, bytes) else h, set()).update(outs)
    return hash_bytes("sha256", _b(drv.unparse(mask_outputs, inputs2)))


@record
class DerivationResult:
    drv_path: str
    outputs: dict[str, str]  # output name -> store path, sorted by name
    drv: Derivation
    drv_text: str  # the ATerm Nix writes to drv_path
    hash_modulo: bytes  # give this to dependents via input_drv_hashes
    env: dict[str, str]  # final env, with output paths

    @property
    def out_path(self) -> str:
        return self.outputs.get("out") or next(iter(self.outputs.values()))


def instantiate_derivation(
    name: str,
    system: str,
    builder: str,
    args: Iterable[str],
    env: Mapping[str, str],
    *,
    outputs: Iterable[str] = ("out",),
    input_drvs: Mapping[str, Iterable[str]] | None = None,
    input_srcs: Iterable[str] = (),
    output_hash: str | None = None,
    output_hash_algo: str = "",
    output_hash_mode: str | None = None,
    input_drv_hashes: InputDrvHashes | None = None,
    store_dir: str = STORE_DIR,
) -> DerivationResult:
    """The store side of ``derivationStrict`` (non-CA, non-impure derivations).

    ``env`` must be exactly what Nix puts in the environment: every attribute
    other than ``args`` (and ``__ignoreNulls``) coerced to a string -- so it
    includes ``name``, ``system``, ``builder``, ``outputs``, ``outputHash`` ...
    -- or, with ``__structuredAttrs``, just ``__json``.  Output variables are
    filled in here.  ``name``/``system``/``builder``/``outputs``/``output_hash*``
    are the values Nix extracts from those attributes.  ``input_drvs`` maps
    each input ``.drv`` path to the output names used, and
    ``input_drv_hashes`` gives each one's :attr:`DerivationResult.hash_modulo`.
    """
    if builder == "":
        raise DerivationError("required attribute 'builder' missing")
    if system == "":
        raise DerivationError("required attribute 'system' missing")
    if name.endswith(DRV_EXTENSION):
        raise DerivationError(f"derivation names are not allowed to end in '{DRV_EXTENSION}'")
    outs = check_outputs(outputs)
    if output_hash_mode not in (None, "flat", "recursive"):
        raise DerivationError(f"invalid value '{output_hash_mode}' for 'outputHashMode' attribute")

    env2 = dict(env)
    drv_inputs = {p: frozenset(o) for p, o in (input_drvs or {}).items()}
    srcs = frozenset(input_srcs)
    args_t = tuple(args)

    def make(out_map: dict[str, DerivationOutput]) -> Derivation:
        return Derivation(name, out_map, drv_inputs, srcs, system, builder, args_t, dict(env2))

    if output_hash is not None:
        if outs != ["out"]:
            raise DerivationError("multiple outputs are not supported in fixed-output derivations")
        algo = output_hash_algo if output_hash_algo in HASH_SIZES else None
        h = parse_hash_allow_empty(output_hash, algo)
        method: IngestionMethod = "recursive" if output_hash_mode == "recursive" else "flat"
        out_path = make_fixed_output_path(name, method, h.algo, h.digest, store_dir=store_dir)
        env2["out"] = out_path
        prefix = "r:" if method == "recursive" else ""
        drv = make({"out": DerivationOutput(out_path, prefix + h.algo, h.hex)})
    else:
        # Hash the derivation with outputs and their env vars blanked, then
        # derive every output path from that one hash.
        for o in outs:
            env2[o] = ""
        masked = make({o: DerivationOutput() for o in outs})
        h_masked = hash_derivation_modulo(masked, input_drv_hashes, mask_outputs=True)
        out_map = {}
        for o in sorted(outs, key=_b):
            path = make_output_path(o, h_masked, name, store_dir)
            env2[o] = path
            out_map[o] = DerivationOutput(path)
        drv = make(out_map)

    text = drv.unparse()
    drv_path = make_text_path(name + DRV_EXTENSION, text, drv.references, store_dir)
    return DerivationResult(
        drv_path=drv_path,
        outputs={o: drv.outputs[o].path for o in sorted(drv.outputs, key=_b)},
        drv=drv,
        drv_text=text,
        hash_modulo=hash_derivation_modulo(drv, input_drv_hashes),
        env=dict(drv.env),
    )


def check_outputs(outputs: Iterable[str]) -> list[str]:
    """``handleOutputs`` in current Nix's derivationStrict: no duplicates, not empty,
    and no output named "drvPath" (the result set already has that attribute)."""
    seen: list[str] = []
    for o in outputs:
        if o in seen:
            raise DerivationError(f"duplicate derivation output '{o}'")
        if o == "drvPath":
            raise DerivationError("invalid derivation output name 'drvPath'")
        seen.append(o)
    if not seen:
        raise DerivationError("derivation cannot have an empty set of outputs")
    return sorted(seen, key=_b)


def derivation_from_env(
    env: Mapping[str, str],
    args: Iterable[str] = (),
    *,
    input_drvs: Mapping[str, Iterable[str]] | None = None,
    input_srcs: Iterable[str] = (),
    input_drv_hashes: InputDrvHashes | None = None,
    store_dir: str = STORE_DIR,
) -> DerivationResult:
    """Convenience for the common (non-structured-attrs) case: take
    ``name``/``system``/``builder``/``outputs``/``outputHash*`` from ``env``
    the way derivationStrict does (``outputs`` is split on whitespace)."""
    for flag, feature in (
        ("__contentAddressed", "ca-derivations"),
        ("__impure", "impure-derivations"),
    ):
        if env.get(flag, "") not in ("", "0"):
            # derivationStrict forces a bool; true needs an experimental feature.
            raise DerivationError(
                f"experimental Nix feature '{feature}' is disabled; "
                f"use '--extra-experimental-features {feature}' to override"
            )
    # tokenizeString's default separators are exactly these four.
    outputs = ["out"]
    if "outputs" in env:
        outputs = [t for t in re.split(r"[ \t\n\r]+", env["outputs"]) if t]
    return instantiate_derivation(
        env.get("name", ""),
        env.get("system", ""),
        env.get("builder", ""),
        args,
        env,
        outputs=outputs,
        input_drvs=input_drvs,
        input_srcs=input_srcs,
        output_hash=env.get("outputHash"),
        output_hash_algo=env.get("outputHashAlgo", ""),
        output_hash_mode=env.get("outputHashMode"),
        input_drv_hashes=input_drv_hashes,
        store_dir=store_dir,
    )
