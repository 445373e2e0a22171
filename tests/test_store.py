"""Tests for nixeval.eval.store.

Two kinds: known-answer tests whose expected values were *measured* with real
Nix 2.8 (nix-instantiate / nix-hash / nix hash) and pasted in, which run
everywhere; and differential tests that call the real Nix when it is
installed and skip otherwise.  Differential calls use ``--readonly-mode`` so
paths are computed without writing to the store; the single test that
compares the literal ``.drv`` text needs a writable store and skips otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nixeval.eval import store as S

NIX_INSTANTIATE = shutil.which("nix-instantiate")
NIX_STORE = shutil.which("nix-store")
NIX_HASH = shutil.which("nix-hash")
NIX = shutil.which("nix")

needs_nix = pytest.mark.skipif(
    NIX_INSTANTIATE is None, reason="real Nix (nix-instantiate) is not installed"
)
# Each Nix call costs ~50 ms, so keep hypothesis runs small.
few = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class NixFailed(Exception):
    pass


def nix_eval(expr: str) -> object:
    assert NIX_INSTANTIATE is not None
    proc = subprocess.run(
        [NIX_INSTANTIATE, "--readonly-mode", "--eval", "--strict", "--json", "-E", expr],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise NixFailed(proc.stderr)
    return json.loads(proc.stdout)


def nix_error(expr: str) -> str:
    """First line of Nix's error message, without the "error: " prefix."""
    with pytest.raises(NixFailed) as exc:
        nix_eval(expr)
    lines = [ln for ln in str(exc.value).splitlines() if ln.startswith("error: ")]
    return lines[0].removeprefix("error: ")


def nix_str(s: str) -> str:
    """A Nix string literal denoting exactly ``s``."""
    for a, b in (
        ("\\", "\\\\"),
        ('"', '\\"'),
        ("$", "\\$"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
    ):
        s = s.replace(a, b)
    return f'"{s}"'


def nix_path(p: Path | str) -> str:
    """A Nix path value for an absolute path, whatever characters it has."""
    return f"(/. + {nix_str(str(p))})"


def attrs_expr(attrs: dict[str, str], extra: str = "") -> str:
    return "{ " + " ".join(f"{nix_str(k)} = {nix_str(v)};" for k, v in attrs.items()) + extra + " }"


# Strings Nix can hold (no NUL) and Python can encode (no surrogates).
nix_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"))
store_name = st.text(st.sampled_from("abcXYZ019+-._?="), min_size=1, max_size=40).filter(
    lambda s: not s.endswith(".drv")
)


# ---------------------------------------------------------------------------
# Known answers (measured with Nix 2.8; see module docstring)

HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_base32_known_answers() -> None:
    # nix-hash --type <t> --to-base32 <hex of "hello">
    assert S.base32_encode(bytes.fromhex(HELLO_SHA256)) == (
        "094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
    )
    assert S.hash_string("md5", "hello").to_string("base32") == "4jqlbi14cxf6wpcajbphm40hax"
    assert S.hash_string("sha1", "hello").to_string("base32") == "9m1skbnr5i43n3yypvda5s65vhfwdx5a"
    assert S.hash_string("sha512", "hello").to_string("nix32") == (
        "11w1pmwfdpz9pisbhp5qiv38q6dmidq2ipcqykw3p0sb6yrqcij7"
        "9rwcwcjbxyzwbdal349qbxrncbk7pmd6snljrfpiwv2pljd4wcv"
    )


def test_base64_sri_known_answers() -> None:
    # nix hash to-base64 / to-sri --type <t> <hex of "hello">
    h = S.hash_string("sha256", "hello")
    assert h.to_string("base64") == "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    assert h.to_string("sri") == "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
    assert S.hash_string("sha512", "hello").to_string("sri") == (
        "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
    )


def test_hash_parse_round_trips_all_formats() -> None:
    for algo in S.HASH_SIZES:
        h = S.hash_string(algo, "hello")
        for fmt in ("base16", "base32", "base64"):
            assert S.parse_hash(h.to_string(fmt), algo) == h
            assert S.parse_hash(h.to_string(fmt, include_type=True)) == h
            assert S.parse_hash_prefixed(h.to_string(fmt, include_type=True)) == h
        assert S.parse_hash(h.to_string("sri")) == h
        assert S.parse_hash_sri(h.to_string("sri")) == h
        assert S.convert_hash(h.to_string("sri"), "base16") == h.hex


@pytest.mark.parametrize(
    ("text", "algo", "message"),
    [
        # Messages as printed by Nix 2.8 for outputHash (= parseAny).
        (
            "abc",
            None,
            "hash 'abc' does not include a type, nor is the type otherwise known from context",
        ),
        ("sha256:abc", None, "hash 'abc' has wrong length for hash type 'sha256'"),
        ("foo:abc", None, "unknown hash algorithm 'foo'"),
        ("sha1:" + "0" * 40, "sha256", "hash 'sha1:" + "0" * 40 + "' should have type 'sha256'"),
        ("z" * 64, "sha256", "invalid base-16 hash '" + "z" * 64 + "'"),
        ("e" * 52, "sha256", "invalid base-32 hash '" + "e" * 52 + "'"),
        ("sha256-AAAA", None, "invalid SRI hash 'AAAA'"),
    ],
)
def test_hash_parse_errors(text: str, algo: str | None, message: str) -> None:
    with pytest.raises(S.BadHash) as exc:
        S.parse_hash(text, algo)
    assert str(exc.value) == message


def test_base32_overflow_rejected() -> None:
    # 52 base-32 digits hold 260 bits; a sha256 must leave the top 4 clear.
    with pytest.raises(S.BadHash):
        S.base32_decode("z" + "0" * 51, 32)
    assert S.base32_decode("1" + "0" * 51, 32)[-1] == 0x80


def test_compress_hash() -> None:
    assert S.compress_hash(bytes(range(32)), 20) == bytes(
        [i ^ (i + 20) if i < 12 else i for i in range(20)]
    )


def test_store_path_known_answers() -> None:
    # All measured with nix-instantiate --readonly-mode --eval.
    assert S.make_text_path("foo", "bar") == "/nix/store/vxjiwkjkn7x4079qvh1jkl5pn05j2aw0-foo"
    assert S.hash_placeholder("out") == "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
    assert S.hash_placeholder("dev") == "/02qcpld1y6xhs5gz9bchpxaw0xdhmsp5dv88lh25r2ss44kh8dxz"
    r = S.derivation_from_env(
        {"name": "x", "system": "x86_64-linux", "builder": "/bin/sh", "foo": "bar"},
        ["-c", "echo"],
    )
    assert r.drv_path == "/nix/store/5q9sba9a047d2dn74frdqkaymskmhgif-x.drv"
    assert r.out_path == "/nix/store/az769dx40qzbxgpwyzizqv3ns6p8n4x4-x"
    # outputHash = ""; outputHashAlgo = "sha256" (Nix warns and uses zeros).
    r = S.derivation_from_env(
        {
            "name": "x",
            "system": "x",
            "builder": "/bin/sh",
            "outputHash": "",
            "outputHashAlgo": "sha256",
        }
    )
    assert r.out_path == "/nix/store/yplc6kklcg6k8aln037jq8jxq5v92wln-x"


def test_name_errors() -> None:
    # Texts measured with builtins.toFile in Nix 2.8.
    with pytest.raises(S.BadStorePath) as exc:
        S.make_text_path("a b", "x")
    assert str(exc.value) == (
        "store path 'dm85kbl5cy82j2dzvy1874s14y3salv3-a b' contains illegal character ' '"
    )
    with pytest.raises(S.BadStorePath) as exc:
        S.make_text_path("", "x")
    assert str(exc.value) == "store path '9r1mh2rc3s3i33vpdw86kqqyvy9i1y4w-' has an empty name"
    with pytest.raises(S.BadStorePath, match="has a name longer than 211 characters"):
        S.make_text_path("a" * 212, "x")
    long_ok = S.make_text_path("a" * 211, "x")
    assert long_ok.startswith("/nix/store/yx91frwj9qkga75f8habg8q40arnqila-")


def test_derivation_errors() -> None:
    base = {"name": "x", "system": "x", "builder": "/bin/sh"}
    cases = [
        ({**base, "builder": ""}, "required attribute 'builder' missing"),
        ({**base, "system": ""}, "required attribute 'system' missing"),
        ({**base, "name": "x.drv"}, "derivation names are not allowed to end in '.drv'"),
        (
            {**base, "outputs": "out dev", "outputHash": "sha256:" + "0" * 64},
            "multiple outputs are not supported in fixed-output derivations",
        ),
        ({**base, "outputs": "a a"}, "duplicate derivation output 'a'"),
        ({**base, "outputs": "drvPath"}, "invalid derivation output name 'drvPath'"),
        ({**base, "outputs": " "}, "derivation cannot have an empty set of outputs"),
        ({**base, "outputHashMode": "foo"}, "invalid value 'foo' for 'outputHashMode' attribute"),
    ]
    for env, message in cases:
        with pytest.raises(S.DerivationError) as exc:
            S.derivation_from_env(env)
        assert str(exc.value) == message


def test_aterm_escaping_and_layout() -> None:
    r = S.instantiate_derivation(
        "x",
        "sys",
        "/bin/sh",
        ['a"\\\n\t\r'],
        {"v": "q", "name": "x"},
        input_srcs=["/nix/store/b-src", "/nix/store/a-src"],
    )
    out = r.outputs["out"]
    assert r.drv_text == (
        f'Derive([("out","{out}","","")],[],["/nix/store/a-src","/nix/store/b-src"],'
        '"sys","/bin/sh",["a\\"\\\\\\n\\t\\r"],'
        f'[("name","x"),("out","{out}"),("v","q")])'
    )


# ---------------------------------------------------------------------------
# NAR


def make_tree(root: Path) -> Path:
    """A tree exercising every NAR case: padding, exec bit, symlinks, sorting."""
    d = root / "tree"
    (d / "sub" / "deeper").mkdir(parents=True)
    (d / "empty-dir").mkdir()
    (d / "a").write_bytes(b"12345678")
    (d / "B").write_bytes(b"123456789")
    (d / "a.b").write_bytes(b"")
    (d / "a-b").write_text("x\n")
    (d / "sub" / "deeper" / "f").write_text("deep")
    exe = d / "sub" / "run.sh"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    (d / "link").symlink_to("a")
    (d / "dangling").symlink_to("/does/not/exist")
    (d / "skip-me").write_text("filtered")
    return d


@pytest.mark.skipif(NIX_STORE is None, reason="real Nix (nix-store) is not installed")
def test_nar_matches_nix_store_dump(tmp_path: Path) -> None:
    d = make_tree(tmp_path)
    assert NIX_STORE is not None
    for p in (d, d / "a", d / "sub" / "run.sh", d / "link"):
        dump = subprocess.run([NIX_STORE, "--dump", str(p)], capture_output=True, check=True)
        assert S.nar_serialise(p) == dump.stdout, p


@pytest.mark.skipif(NIX_HASH is None, reason="real Nix (nix-hash) is not installed")
def test_nar_hash_and_flat_hash_match_nix_hash(tmp_path: Path) -> None:
    d = make_tree(tmp_path)
    assert NIX_HASH is not None

    def nix_hash(*args: str) -> str:
        return subprocess.run(
            [NIX_HASH, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    for algo in ("md5", "sha1", "sha256", "sha512"):
        assert S.nar_hash(d, algo=algo).hex == nix_hash("--type", algo, str(d))
        assert S.hash_file(algo, d / "B").hex == nix_hash("--flat", "--type", algo, str(d / "B"))
    assert S.nar_hash(d).to_string("base32") == nix_hash("--type", "sha256", "--base32", str(d))


# ---------------------------------------------------------------------------
# Differential: hashes


@needs_nix
@few
@given(algo=st.sampled_from(sorted(S.HASH_SIZES)), text=nix_text)
def test_hash_string_vs_nix(algo: str, text: str) -> None:
    assert S.hash_string(algo, text).hex == nix_eval(
        f"builtins.hashString {nix_str(algo)} {nix_str(text)}"
    )


@pytest.mark.skipif(NIX is None, reason="real Nix (nix command) is not installed")
@few
@given(
    algo=st.sampled_from(sorted(S.HASH_SIZES)),
    data=st.binary(max_size=64),
    fmt=st.sampled_from(["base16", "base32", "base64", "sri"]),
)
def test_hash_conversion_vs_nix_hash(algo: str, data: bytes, fmt: str) -> None:
    assert NIX is not None
    h = S.Hash(algo, S.hash_bytes(algo, data))
    target = {"base16": "to-base16", "base32": "to-base32", "base64": "to-base64", "sri": "to-sri"}[
        fmt
    ]
    # Feed Nix a different encoding than we ask for, to exercise its parser too.
    source = h.to_string("base32" if fmt == "base16" else "base16")
    out = subprocess.run(
        [
            NIX,
            "--extra-experimental-features",
            "nix-command",
            "hash",
            target,
            "--type",
            algo,
            source,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert h.to_string(fmt) == out
    assert S.parse_hash(out, algo) == h


# ---------------------------------------------------------------------------
# Differential: text and source paths


@needs_nix
@few
@given(name=store_name, contents=nix_text)
def test_to_file_vs_nix(name: str, contents: str) -> None:
    assert S.make_text_path(name, contents) == nix_eval(
        f"builtins.toFile {nix_str(name)} {nix_str(contents)}"
    )


@needs_nix
def test_to_file_with_references_vs_nix() -> None:
    dep1 = S.make_text_path("dep1", "one")
    dep2 = S.make_text_path("dep2", "two")
    got = nix_eval(
        'let a = builtins.toFile "dep1" "one"; b = builtins.toFile "dep2" "two"; in '
        'builtins.toFile "top" "${b} and ${a}"'
    )
    assert S.make_text_path("top", f"{dep2} and {dep1}", [dep2, dep1]) == got


@needs_nix
@pytest.mark.parametrize("name", ["a b", "", "x" * 212, "caf!", "a/b"])
def test_invalid_name_errors_vs_nix(name: str) -> None:
    with pytest.raises(S.BadStorePath) as exc:
        S.make_text_path(name, "x")
    assert str(exc.value) == nix_error(f'builtins.toFile {nix_str(name)} "x"')


@needs_nix
def test_source_paths_vs_nix(tmp_path: Path) -> None:
    d = make_tree(tmp_path)
    for p in (d, d / "a", d / "sub", d / "sub" / "run.sh", d / "link", d / "empty-dir"):
        assert S.make_source_path(p.name, p) == nix_eval(f'"${{{nix_path(p)}}}"'), p
    # builtins.path with a custom name, and flat (recursive = false).
    assert S.make_source_path("custom", d) == nix_eval(
        f'builtins.path {{ path = {nix_path(d)}; name = "custom"; }}'
    )
    assert S.make_source_path("flat", d / "B", recursive=False) == nix_eval(
        f'builtins.path {{ path = {nix_path(d / "B")}; name = "flat"; recursive = false; }}'
    )


@needs_nix
def test_filter_source_vs_nix(tmp_path: Path) -> None:
    d = make_tree(tmp_path)
    calls: list[str] = []

    def keep(path: str, type: str) -> bool:
        calls.append(f"{path} {type}")
        return type != "symlink" and not path.endswith("/skip-me") and not path.endswith("/deeper")

    ours = S.make_source_path("tree", d, keep)
    proc = subprocess.run(
        [
            NIX_INSTANTIATE or "",
            "--readonly-mode",
            "--eval",
            "--json",
            "-E",
            'builtins.filterSource (p: t: builtins.trace "${p} ${t}" (t != "symlink" && '
            'builtins.baseNameOf p != "skip-me" && builtins.baseNameOf p != "deeper")) '
            + nix_path(d),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ours == json.loads(proc.stdout)
    # Same entries offered to the filter, in the same order.
    traces = [
        ln.removeprefix("trace: ") for ln in proc.stderr.splitlines() if ln.startswith("trace: ")
    ]
    assert calls == traces


@needs_nix
@few
@given(
    files=st.dictionaries(
        store_name.filter(lambda s: s not in (".", "..")),
        st.tuples(st.binary(max_size=40), st.booleans()),
        max_size=5,
    )
)
def test_random_trees_vs_nix(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, tuple[bytes, bool]]
) -> None:
    d = tmp_path_factory.mktemp("rand") / "src"
    d.mkdir()
    for fname, (data, executable) in files.items():
        (d / fname).write_bytes(data)
        os.chmod(d / fname, 0o755 if executable else 0o644)
    assert S.make_source_path("src", d) == nix_eval(f'"${{{nix_path(d)}}}"')


# ---------------------------------------------------------------------------
# Differential: derivations

BASE = {"name": "x", "system": "x86_64-linux", "builder": "/bin/sh"}


def drv_paths_expr(attrs_nix: str) -> str:
    return (
        f"let d = derivation ({attrs_nix}); in "
        '[d.drvPath] ++ map (o: d.${o}.outPath) (d.outputs or ["out"])'
    )


def nix_drv(attrs_nix: str) -> list[str]:
    result = nix_eval(drv_paths_expr(attrs_nix))
    assert isinstance(result, list)
    return result


def ours(r: S.DerivationResult, outputs: list[str] | None = None) -> list[str]:
    return [r.drv_path, *(r.outputs[o] for o in (outputs or ["out"]))]


@needs_nix
def test_simple_derivation_vs_nix() -> None:
    r = S.derivation_from_env({**BASE, "foo": "bar"}, ["-c", "echo"])
    assert ours(r) == nix_drv(attrs_expr({**BASE, "foo": "bar"}, ' args = ["-c" "echo"];'))


@needs_nix
@few
@given(
    name=store_name,
    env=st.dictionaries(
        nix_text.filter(
            lambda k: (
                k not in ("args", "outputs")
                and not k.startswith("__")
                and not k.startswith("outputHash")
                and k not in BASE
            )
        ),
        nix_text,
        max_size=4,
    ),
    args=st.lists(nix_text, max_size=3),
)
def test_random_derivations_vs_nix(name: str, env: dict[str, str], args: list[str]) -> None:
    attrs = {**BASE, "name": name, **env}
    r = S.derivation_from_env(attrs, args)
    args_nix = " args = [" + " ".join(nix_str(a) for a in args) + "];"
    assert ours(r) == nix_drv(attrs_expr(attrs, args_nix))


@needs_nix
def test_multiple_outputs_vs_nix() -> None:
    outs = ["out", "dev", "lib"]
    r = S.derivation_from_env({**BASE, "outputs": "out dev lib"})
    assert ours(r, outs) == nix_drv(attrs_expr(BASE, ' outputs = ["out" "dev" "lib"];'))
    # Output order in the list does not matter to paths; "out" need not be first.
    r = S.derivation_from_env({**BASE, "outputs": "dev out"})
    assert ours(r, ["dev", "out"]) == nix_drv(attrs_expr(BASE, ' outputs = ["dev" "out"];'))


@needs_nix
def test_input_derivation_chain_vs_nix() -> None:
    dep = S.derivation_from_env({**BASE, "name": "dep", "outputs": "out dev"})
    top = S.derivation_from_env(
        {**BASE, "a": dep.outputs["out"], "b": dep.outputs["dev"]},
        input_drvs={dep.drv_path: {"out", "dev"}},
        input_drv_hashes={dep.drv_path: dep.hash_modulo},
    )
    # A third level, so the modulo hash of a derivation with inputs is used too;
    # hashes can be given as hex as well as bytes.
    top2 = S.derivation_from_env(
        {**BASE, "name": "top2", "t": top.out_path},
        input_drvs={top.drv_path: {"out"}},
        input_drv_hashes={top.drv_path: top.hash_modulo.hex()},
    )
    expected = nix_eval(
        'let b = { system = "x86_64-linux"; builder = "/bin/sh"; };'
        ' dep = derivation (b // { name = "dep"; outputs = ["out" "dev"]; });'
        ' top = derivation (b // { name = "x"; a = dep; b = dep.dev; });'
        ' top2 = derivation (b // { name = "top2"; t = top; });'
        " in [top.drvPath top.outPath top2.drvPath top2.outPath]"
    )
    assert [top.drv_path, top.out_path, top2.drv_path, top2.out_path] == expected


@needs_nix
@pytest.mark.parametrize(
    ("algo", "mode", "fmt"),
    [
        ("sha256", "flat", "base16"),
        ("sha256", "recursive", "base32"),
        ("sha1", "flat", "base32"),
        ("sha1", "recursive", "base16"),
        ("sha512", "recursive", "sri"),
        ("md5", "flat", "base64"),
    ],
)
def test_fixed_output_vs_nix(algo: str, mode: str, fmt: str) -> None:
    h = S.hash_string(algo, "content").to_string(fmt)
    attrs = {**BASE, "outputHash": h, "outputHashMode": mode}
    if fmt != "sri":
        attrs["outputHashAlgo"] = algo
    fod = S.derivation_from_env(attrs)
    user = S.derivation_from_env(
        {**BASE, "name": "user", "src": fod.out_path},
        input_drvs={fod.drv_path: {"out"}},
        input_drv_hashes={fod.drv_path: fod.hash_modulo},
    )
    expected = nix_eval(
        f"let fod = derivation ({attrs_expr(attrs)});"
        ' user = derivation { name = "user"; system = "x86_64-linux";'
        ' builder = "/bin/sh"; src = fod; };'
        " in [fod.drvPath fod.outPath user.drvPath user.outPath]"
    )
    assert [fod.drv_path, fod.out_path, user.drv_path, user.out_path] == expected


@needs_nix
def test_fixed_output_modulo_hides_provenance() -> None:
    # Two different FODs with the same output give dependents identical out paths
    # (that is the point of hashDerivationModulo); Nix agrees.
    h = S.hash_string("sha256", "same").hex
    results = []
    for builder in ("/bin/sh", "/bin/bash"):
        fod = S.derivation_from_env(
            {**BASE, "builder": builder, "outputHash": h, "outputHashAlgo": "sha256"}
        )
        user = S.derivation_from_env(
            {**BASE, "name": "user", "src": fod.out_path},
            input_drvs={fod.drv_path: {"out"}},
            input_drv_hashes={fod.drv_path: fod.hash_modulo},
        )
        results.append(user)
    assert results[0].out_path == results[1].out_path
    assert results[0].drv_path != results[1].drv_path
    expected = nix_eval(
        f'map (bld: (derivation {{ name = "user"; system = "x86_64-linux"; '
        f'builder = "/bin/sh"; src = derivation {{ name = "x"; '
        f'system = "x86_64-linux"; builder = bld; outputHash = "{h}"; '
        f'outputHashAlgo = "sha256"; }}; }}).outPath) ["/bin/sh" "/bin/bash"]'
    )
    assert [r.out_path for r in results] == expected


@needs_nix
def test_input_sources_vs_nix(tmp_path: Path) -> None:
    f = tmp_path / "input.txt"
    f.write_text("data\n")
    txt = S.make_text_path("s", "hi")
    src = S.make_source_path("input.txt", f)
    r = S.derivation_from_env({**BASE, "src": txt}, ["-c", f"cat {src}"], input_srcs={txt, src})
    expected = nix_drv(
        f'{{ name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; '
        f'src = builtins.toFile "s" "hi"; args = ["-c" "cat ${{{nix_path(f)}}}"]; }}'
    )
    assert ours(r) == expected


@needs_nix
def test_coerced_attribute_values_vs_nix() -> None:
    # derivationStrict's coercions: true -> "1", false/null -> "", lists joined by spaces.
    env = {**BASE, "t": "1", "f": "", "n": "", "i": "3", "l": "1 x  y"}
    r = S.derivation_from_env(env)
    assert ours(r) == nix_drv(
        attrs_expr(BASE, ' t = true; f = false; n = null; i = 3; l = [1 "x" null "y"];')
    )


@needs_nix
def test_derivation_error_messages_vs_nix() -> None:
    for attrs, extra in [
        ({**BASE, "name": "a b"}, ""),
        ({**BASE, "name": "x.drv"}, ""),
        ({**BASE, "outputHash": "sha256:abc"}, ""),
        ({**BASE, "outputHash": "abc"}, ""),
    ]:
        with pytest.raises(S.StoreError) as exc:
            S.derivation_from_env(attrs)
        assert str(exc.value) == nix_error(f"(derivation {attrs_expr(attrs, extra)}).drvPath")


@pytest.mark.skipif(
    NIX_INSTANTIATE is None or not os.access("/nix/store", os.W_OK),
    reason="comparing .drv text needs real Nix and a writable /nix/store",
)
def test_drv_text_matches_store_file() -> None:
    assert NIX_INSTANTIATE is not None
    dep = S.derivation_from_env({**BASE, "name": "dep"})
    txt = S.make_text_path("s", "hi")
    v = 'q"\\\n\t\r$'
    r = S.derivation_from_env(
        {**BASE, "v": v, "d": dep.out_path, "s": txt},
        ["-c", 'echo "hi"\n'],
        input_drvs={dep.drv_path: {"out"}},
        input_srcs={txt},
        input_drv_hashes={dep.drv_path: dep.hash_modulo},
    )
    expr = (
        'let b = { system = "x86_64-linux"; builder = "/bin/sh"; }; '
        'dep = derivation (b // { name = "dep"; }); in '
        f'derivation (b // {{ name = "x"; v = {nix_str(v)}; '
        'd = dep; s = builtins.toFile "s" "hi"; args = ["-c" "echo \\"hi\\"\\n"]; })'
    )
    proc = subprocess.run(
        [NIX_INSTANTIATE, "--no-gc-warning", "-E", expr],
        capture_output=True,
        text=True,
        check=True,
    )
    drv_path = proc.stdout.strip()
    assert drv_path == r.drv_path
    assert Path(drv_path).read_text() == r.drv_text
