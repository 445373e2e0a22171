"""builtins.parseFlakeRef and builtins.flakeRefToString, and the URL, Git ref
name and Git URL rules beneath them.

Every expectation is Nix's, at the language suite's pin (NixOS/nix 88b09c64);
each group names where it comes from:

- "lang": tests/functional/lang (the language suite's .exp files);
- "flakeref.cc": src/libflake-tests/flakeref.cc;
- "input.cc": src/libfetchers-tests/input.cc;
- "git-utils.cc": src/libfetchers-tests/git-utils.cc (isLegalRefName);
- "url.cc": src/libutil-tests/url.cc (parseURL, fixGitURL);
- "dubious-query.sh": tests/functional/flakes/dubious-query.sh;
- "source": no Nix test pins it; read off the Nix source file named.

The installed nix-instantiate (2.8) predates these builtins, so none of this is
differential.
"""

from __future__ import annotations

import pytest

from nixeval.eval.builtins.flake_refs import (
    BadURL,
    FlakeRefs,
    fix_git_url,
    is_legal_ref_name,
    parse_url,
)
from nixeval.eval.errors import NixError
from nixeval.eval.printer import show_value
from nixeval.eval.state import EvalState
from nixeval.syntax import Source

REV = "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
NAR = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"


def ev(text: str, features: frozenset[str] = frozenset()) -> str:
    state = EvalState(experimental_features=features)
    return show_value(state.eval_source(Source("«string»", text), "/tmp"))


def err(text: str, features: frozenset[str] = frozenset()) -> str:
    with pytest.raises(NixError) as info:
        ev(text, features)
    return info.value.message


def nix_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'


def nix_attrs(attrs: dict[str, str | int | bool]) -> str:
    def value(v: str | int | bool) -> str:
        if type(v) is bool:
            return "true" if v else "false"
        return str(v) if type(v) is int else nix_string(str(v))
    return "{ " + "".join(f"{k} = {value(v)}; " for k, v in attrs.items()) + "}"


def parse(ref: str) -> dict[str, str | int | bool]:
    return FlakeRefs(frozenset()).parse(ref)


def to_string(attrs: dict[str, str | int | bool]) -> str:
    return FlakeRefs(frozenset()).to_string(attrs)


# --------------------------------------------------------------------------
# lang


def test_lang_parse_flake_ref() -> None:
    assert ev('builtins.parseFlakeRef "github:NixOS/nixpkgs/23.05?dir=lib"') == (
        '{ dir = "lib"; owner = "NixOS"; ref = "23.05"; repo = "nixpkgs"; type = "github"; }')


def test_lang_flake_ref_to_string() -> None:
    assert ev('builtins.flakeRefToString { type = "github"; owner = "NixOS"; repo = "nixpkgs"; '
              'ref = "23.05"; dir = "lib"; }') == '"github:NixOS/nixpkgs/23.05?dir=lib"'


def test_lang_flake_ref_to_string_negative_integer() -> None:
    assert err('let n = -1; in builtins.seq n (builtins.flakeRefToString { type = "github"; '
               'owner = "NixOS"; repo = n; ref = "23.05"; dir = "lib"; })') == (
        "negative value given for flake ref attr repo: -1")


# --------------------------------------------------------------------------
# flakeref.cc: parseFlakeRef then to_string


@pytest.mark.parametrize(("ref", "expected"), [
    ("/foo/bar", "path:/foo/bar"),
    (f"/foo/bar?revCount=123&rev={'a' * 40}", f"path:/foo/bar?rev={'a' * 40}&revCount=123"),
    ("/foo bar/baz?dir=bla space", "path:/foo%20bar/baz?dir=bla%20space"),
    ("github:foo/bar/branch%23", "github:foo/bar/branch%23"),
    ("github:foo/bar?ref=branch%23", "github:foo/bar/branch%23"),
    ("http://localhost:8181/test/+3d.tar.gz", "http://localhost:8181/test/%2B3d.tar.gz"),
])
def test_flakeref_to_string(ref: str, expected: str) -> None:
    assert to_string(parse(ref)) == expected
    assert ev(f"builtins.flakeRefToString (builtins.parseFlakeRef {nix_string(ref)})") == (
        nix_string(expected))


def test_flakeref_dir_keeps_its_space() -> None:
    assert parse("/foo bar/baz?dir=bla space")["dir"] == "bla space"


@pytest.mark.parametrize(("ref", "fragment", "expected"), [
    ("/foo/bar#bla", "bla", "path:/foo/bar"),
    ("/foo/bar?revCount=123#bla", "bla", "path:/foo/bar?revCount=123"),
    ('github:foo/bar?ref=branch#"name.with.dot"', '"name.with.dot"', "github:foo/bar/branch"),
    ('github:foo/bar#"name.with.dot"', '"name.with.dot"', "github:foo/bar"),
])
def test_flakeref_fragments(ref: str, fragment: str, expected: str) -> None:
    refs = FlakeRefs(frozenset())
    inp, subdir, got = refs.parse_with_fragment(ref)
    assert (str(refs.fetchers.to_url(inp)), subdir, got) == (expected, "", fragment)
    # parseFlakeRef itself refuses a fragment (the message: source, flakeref.cc)
    assert err(f"builtins.parseFlakeRef {nix_string(ref)}") == (
        f"unexpected fragment '{fragment}' in flake reference '{ref}'")


@pytest.mark.parametrize(("ref", "attrs", "expected"), [
    ("flake:nixpkgs", {"id": "nixpkgs", "type": "indirect"}, "flake:nixpkgs"),
    ("flake:nixpkgs/branch", {"id": "nixpkgs", "type": "indirect", "ref": "branch"},
     "flake:nixpkgs/branch"),
    ("nixpkgs/branch", {"id": "nixpkgs", "type": "indirect", "ref": "branch"},
     "flake:nixpkgs/branch"),
    (f"nixpkgs/branch/{REV}", {"id": "nixpkgs", "type": "indirect", "ref": "branch", "rev": REV},
     f"flake:nixpkgs/branch/{REV}"),
    ("nixpkgs/branch////", {"id": "nixpkgs", "type": "indirect", "ref": "branch"},
     "flake:nixpkgs/branch"),
    (f"nixpkgs/branch///{REV}///",
     {"id": "nixpkgs", "type": "indirect", "ref": "branch", "rev": REV},
     f"flake:nixpkgs/branch/{REV}"),
    ("git://somewhere/repo?ref=branch",
     {"type": "git", "ref": "branch", "url": "git://somewhere/repo"},
     "git://somewhere/repo?ref=branch"),
    ("git+https://somewhere.aaaaaaa/repo?ref=branch",
     {"type": "git", "ref": "branch", "url": "https://somewhere.aaaaaaa/repo"},
     "git+https://somewhere.aaaaaaa/repo?ref=branch"),
    ("flake:/nixpkgs///branch////", {"id": "nixpkgs", "type": "indirect", "ref": "branch"},
     "flake:nixpkgs/branch"),
    ("github://////owner%42/////repo%41///branch%43////",
     {"type": "github", "owner": "ownerB", "repo": "repoA", "ref": "branchC"},
     "github:ownerB/repoA/branchC"),
    ("gitlab:/owner%252Fsubgroup/////repo%41///branch%43////",
     {"type": "gitlab", "owner": "owner%2Fsubgroup", "repo": "repoA", "ref": "branchC"},
     "gitlab:owner%252Fsubgroup/repoA/branchC"),
])
def test_flakeref_input_from_url(ref: str, attrs: dict[str, str], expected: str) -> None:
    assert parse(ref) == attrs
    assert to_string(attrs) == expected
    assert parse(expected) == attrs  # the printed form parses back


@pytest.mark.parametrize("ref", [
    "/foo/bar?xyzzy=123",
    # ref= where rev= was meant (NixOS/nix#15196)
    f"github:nixos/nixpkgs/nixpkgs.git?ref={REV}",
])
def test_flakeref_rejected(ref: str) -> None:
    with pytest.raises(NixError):
        parse(ref)


# --------------------------------------------------------------------------
# input.cc: flakeRefToString of attribute sets (Input::fromAttrs, toURLString)


@pytest.mark.parametrize(("attrs", "expected"), [
    ({"url": "git+ssh://git@github.com/NixOS/nixpkgs", "type": "git"},
     "git+ssh://git@github.com/NixOS/nixpkgs"),
    ({"url": "git://user@github.com/NixOS/nixpkgs", "type": "git",
      "rev": "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
     "git://user@github.com/NixOS/nixpkgs?rev=0000000000000000000000000000000000000000"),
    ({"url": "git+https://user@github.com/NixOS/nix.git", "type": "git",
      "rev": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
     "git+https://user@github.com/NixOS/nix.git?rev=0000000000000000000000000000000000000000"),
    ({"url": "git+something://user@github.com/NixOS/nix.git", "type": "git",
      "rev": "sha1:0000000000000000000000000000000000000000"},
     "git+something://user@github.com/NixOS/nix.git"
     "?rev=0000000000000000000000000000000000000000"),
    ({"url": "git+http://somewhere/some/repo/path%2Fwith%2Fspaces", "type": "git",
      "rev": "89144hj289144hj289144hj289144hj2"},
     "git+http://somewhere/some/repo/path%2Fwith%2Fspaces"
     "?rev=4242424242424242424242424242424242424242"),
    ({"url": "http://somewhere?something=abcd#a", "type": "git",
      "rev": "sha1:89144hj289144hj289144hj289144hj2"},
     "git+http://somewhere?rev=4242424242424242424242424242424242424242&something=abcd#a"),
    ({"url": "proprietaryhelper:///something///else///?hello=goodbye&test=%2F%3f", "type": "git",
      "rev": "sha1:QkJCQkJCQkJCQkJCQkJCQkJCQkI="},
     "git+proprietaryhelper:///something///else///"
     "?hello=goodbye&rev=4242424242424242424242424242424242424242&test=/?"),
    ({"type": "indirect", "id": "some_Id_-1234567890",
      "ref": "sOmE/BRANCH%2f/definitely/Not1/HEAD",
      "rev": "sha1-QkJCQkJCQkJCQkJCQkJCQkJCQkI====aaaaaaaaa even more trailing%2Fgarbage"},
     "flake:some_Id_-1234567890/sOmE%2FBRANCH%252f%2Fdefinitely%2FNot1%2FHEAD/"
     "4242424242424242424242424242424242424242"),
])
def test_input_from_attrs(attrs: dict[str, str], expected: str) -> None:
    assert ev(f"builtins.flakeRefToString {nix_attrs(attrs)}") == nix_string(expected)


def test_input_git_url_loses_git_plus() -> None:
    inp = FlakeRefs(frozenset()).fetchers.from_attrs(
        {"url": "git+ssh://git@github.com/NixOS/nixpkgs", "type": "git"})
    assert inp.attrs == {"url": "ssh://git@github.com/NixOS/nixpkgs", "type": "git"}


def test_input_github_unknown_parameter() -> None:
    # a BadURL naming the parameter, which (source, flakeref.cc) sends
    # parseFlakeRef on to try the string as a path
    with pytest.raises(BadURL, match="tag"):
        FlakeRefs(frozenset()).fetchers.from_url(parse_url("github:a/b?tag=foo"))
    assert err('builtins.parseFlakeRef "github:a/b?tag=foo"') == (
        "flake reference 'github:a/b?tag=foo' is not an absolute path")


# --------------------------------------------------------------------------
# git-utils.cc: isLegalRefName


@pytest.mark.parametrize("name", [
    "A/b", "AaA/b", "FOO/BAR/BAZ", "HEAD", "refs/tags/1.2.3", "refs/heads/master", "foox",
    "1337", "foo.baz", "foo/bar/baz", "foo./bar", "heads/foo@bar", "heads/fu\u00df",
    "foo-bar-baz", "branch#", "$1", "foo.locke",
])
def test_legal_ref_name(name: str) -> None:
    assert is_legal_ref_name(name)


@pytest.mark.parametrize("name", [
    "refs///heads/foo", "heads/foo/", "///heads/foo", ".foo", "./foo", "./foo/bar",
    "foo/./bar", "foo/bar/.", "foo bar", "foo?bar", "foo^bar", "foo~bar", "foo:bar", "foo[bar",
    ".refs/foo", "refs/heads/foo.", "heads/foo..bar", "heads/foo?bar", "heads/foo.lock",
    "heads///foo.lock", "foo.lock/bar", "foo.lock///bar", "heads/v@{ation", "heads/foo\bar",
    "@", "\37", "\177", "foo/*", "*/foo", "foo/*/bar", "*", "foo/*/*", "*/foo/*", "/foo", "",
])
def test_illegal_ref_name(name: str) -> None:
    assert not is_legal_ref_name(name)


# --------------------------------------------------------------------------
# url.cc: fixGitURL (the git input's url attribute) and parseURL


@pytest.mark.parametrize(("url", "expected"), [
    ("git+ssh://user@domain:1234/path", "ssh://user@domain:1234/path"),
    ("git@github.com:owner/repo.git", "ssh://git@github.com/owner/repo.git"),
    ("github.com:owner/repo.git", "ssh://github.com/owner/repo.git"),
    ("github.com:/owner/repo.git", "ssh://github.com/owner/repo.git"),
    ("user@server.com:/path/to/repo", "ssh://user@server.com/path/to/repo"),
    ("/home/me/repo", "file:///home/me/repo"),
    ("file:/var/repos/x", "file:/var/repos/x"),
    ("git+file:///var/repos/x", "file:///var/repos/x"),
    ("/repos/git repo", "file:///repos/git%20repo"),
    ('/repos/"git repo"', "file:///repos/%22git%20repo%22"),
    ("user@[2001:db8:1::2]:/home/file", "ssh://user@[2001:db8:1::2]/home/file"),
    ("git:github.com:nixos/nixpkgs", "git:github.com:nixos/nixpkgs"),
    ("git+https:/codeberg.org/forgejo/forgejo", "https:/codeberg.org/forgejo/forgejo"),
    ("user%20@[::1]:repo/path", "ssh://user%2520@[::1]/repo/path"),
    ("[2a02:8071:8192:c100:311d:192d:81ac:11ea]:12345",
     "ssh://[2a02:8071:8192:c100:311d:192d:81ac:11ea]/12345"),
    ("/a/b/%20", "file:///a/b/%2520"),
    ("host[1]:repo", "ssh://host%5B1%5D/repo"),
    ("[user]@[::1]:path", "ssh://%5Buser%5D@[::1]/path"),
    ("notuser:notpass@notjusthost:restofpath", "ssh://notuser/notpass@notjusthost:restofpath"),
])
def test_fix_git_url(url: str, expected: str) -> None:
    assert str(fix_git_url(url)) == expected


@pytest.mark.parametrize(("url", "host", "user"), [
    ("user[2001:db8:1::2]:/home/@file", "user[2001", None),
    ("user:[2001:db8:1::2]:/home/@file", "user", None),
    ("user:@[2001:db8:1::2]:/home/file", "2001:db8:1::2", "user:"),
    ("user@[host:path", "[host", "user"),
    ("[:path", "[", None),
])
def test_fix_git_url_odd_brackets(url: str, host: str, user: str | None) -> None:
    parsed = fix_git_url(url)
    assert parsed.authority is not None
    assert (parsed.scheme, parsed.authority.host, parsed.authority.user) == ("ssh", host, user)


@pytest.mark.parametrize(("url", "message"), [
    ("file://var/repos/x", "file:// URL 'file://var/repos/x' has unexpected authority 'var'"),
    ("relative/repo", "doesn't have a scheme"),
    ("host:", "SCP-style Git URL 'host:' has an empty path"),
    ("user@[::1]/path", "is not a valid URL"),
    ("[[]:path", "is not a valid IPv6 address"),
    ("x@foo/bar:baz", "doesn't have a scheme"),
    ("user@[host]", "is not a valid URL"),
    ("user@[host]/path", "is not a valid URL"),
    ("user@[::1]foo:path", "is not a valid URL"),
])
def test_fix_git_url_rejects(url: str, message: str) -> None:
    with pytest.raises(BadURL, match=message.replace("[", r"\[")):
        fix_git_url(url)


def test_scp_relative_path_warns(capsys: pytest.CaptureFixture[str]) -> None:
    # the warning's text: source, libutil/url.cc
    fix_git_url("git@github.com:owner/repo.git")
    assert capsys.readouterr().err.startswith(
        "warning: SCP-style URL 'git@github.com:owner/repo.git' has a relative path which "
        "cannot be faithfully converted to an SSH URL")
    fix_git_url("github.com:~/repo.git")  # relative to the home directory: fine
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("url", [
    "http://www.example.org/file.tar.gz",
    "https://www.example.org/file.tar.gz?download=fast&when=now#hello",
    "file+https://www.example.org/video.mp4",
    "http://127.0.0.1:8080/file.tar.gz?download=fast&when=now#hello",
    "http://[fe80::818c:da4d:8975:415c%25enp0s25]:8080",
    "http://[2a02:8071:8192:c100:311d:192d:81ac:11ea]:8080",
    "http://user:pass@www.example.org:8080/file.tar.gz",
    "file:///none/of//your/business",
    "file:/none/of/your/business/",
    "file://///of/your/business//",
    "file:none/of/your/business/",
    "http://example.com/",
    "ftp://ftp.nixos.org/downloads/nixos.iso",
    "whatever://github.com/NixOS/nixpkgs.git",
    "whatever:github.com/NixOS/nixpkgs.git",
])
def test_parse_url_round_trips(url: str) -> None:
    assert str(parse_url(url)) == url


def test_parse_url_parts() -> None:
    url = parse_url("http://[fe80::818c:da4d:8975:415c%25enp0s25]:8080")
    assert url.authority is not None
    assert (url.authority.host_type, url.authority.host, url.authority.port, url.path) == (
        "ipv6", "fe80::818c:da4d:8975:415c%enp0s25", 8080, [""])
    url = parse_url("http://www.example.org/file.tar.gz?field=value#?foo=bar%23")
    assert (url.path, url.query, url.fragment) == (
        ["", "file.tar.gz"], {"field": "value"}, "?foo=bar#")
    url = parse_url("file://///of/your/business//")
    assert url.path == ["", "", "", "of", "your", "business", "", ""]
    assert parse_url("http://127.0.0.1:8080/file.tar.gz?&&&&&").query == {}
    # an empty port is dropped
    assert str(parse_url("http://www.example.org:/file.tar.gz?foo=bar")) == (
        "http://www.example.org/file.tar.gz?foo=bar")


def test_parse_url_lenient() -> None:
    url = 'http://www.example.org/file.tar.gz?query "= 123"#shevron^quote"space '
    with pytest.raises(BadURL):
        parse_url(url)
    parsed = parse_url(url, lenient=True)
    assert (parsed.query, parsed.fragment) == ({'query "': ' 123"'}, 'shevron^quote"space ')


def test_parse_url_empty() -> None:
    with pytest.raises(BadURL):
        parse_url("")


# --------------------------------------------------------------------------
# dubious-query.sh


def test_dubious_query(capsys: pytest.CaptureFixture[str]) -> None:
    refs = FlakeRefs(frozenset())
    refs.parse_with_fragment("git+file:///repo?bar#foo")
    assert "warning: dubious URI query 'bar' is missing equal sign '=', ignoring" in (
        capsys.readouterr().err)
    for ref in ("git+file:///repo?#foo", "git+file:///repo?=#foo"):
        refs.parse_with_fragment(ref)
        assert "dubious" not in capsys.readouterr().err
    _, _, fragment = refs.parse_with_fragment("git+file:///repo#foo?bar")
    assert fragment == "foo?bar"


# --------------------------------------------------------------------------
# source: what the input schemes make of references, with Nix's attribute types


@pytest.mark.parametrize(("ref", "attrs", "expected"), [
    # fetchers/path.cc: revCount and lastModified are integers
    (f"/nix/store/x-source?lastModified=1585388205&narHash={NAR.replace('+', '%2B')}",
     {"type": "path", "path": "/nix/store/x-source", "lastModified": 1585388205, "narHash": NAR},
     f"path:/nix/store/x-source?lastModified=1585388205&narHash={NAR.replace('+', '%2B')}"),
    ("path:./foo", {"type": "path", "path": "./foo"}, "path:./foo"),
    # std::filesystem: a trailing slash comes back doubled
    ("path:/foo/bar/", {"type": "path", "path": "/foo/bar/"}, "path:/foo/bar//"),
    # fetchers/github.cc: a 40-digit third segment is a revision, more segments one ref
    (f"github:a/b/{REV.upper()}", {"type": "github", "owner": "a", "repo": "b",
                                   "rev": REV.upper()}, f"github:a/b/{REV}"),
    ("github:a/b/release/23.05", {"type": "github", "owner": "a", "repo": "b",
                                  "ref": "release/23.05"}, "github:a/b/release%2F23.05"),
    (f"github:a/b?narHash={NAR}&host=git.example.org",
     {"type": "github", "owner": "a", "repo": "b", "narHash": NAR, "host": "git.example.org"},
     f"github:a/b?host=git.example.org&narHash={NAR.replace('+', '%2B')}%3D"),
    ("sourcehut:~user/repo", {"type": "sourcehut", "owner": "~user", "repo": "repo"},
     "sourcehut:~user/repo"),
    # fetchers/git.cc: flags are Booleans, unknown parameters stay in the URL
    ("git+ssh://git@github.com/foo/bar?shallow=1&lfs=0&dir=sub&x=y",
     {"type": "git", "url": "ssh://git@github.com/foo/bar?x=y", "shallow": True, "lfs": False,
      "dir": "sub"},
     "git+ssh://git@github.com/foo/bar?dir=sub&shallow=1&x=y"),
    # fetchers/tarball.cc: "file" only with "file+"; tarball's own parameters leave the URL
    ("tarball+https://example.com/x?lastModified=123&revCount=x&foo=1",
     {"type": "tarball", "url": "https://example.com/x?foo=1", "lastModified": 123},
     "https://example.com/x?foo=1"),
    ("https://example.com/x.tar.gz?foo=bar",
     {"type": "tarball", "url": "https://example.com/x.tar.gz?foo=bar"},
     "https://example.com/x.tar.gz?foo=bar"),
    ("file+https://example.com/README.md",
     {"type": "file", "url": "https://example.com/README.md"}, "https://example.com/README.md"),
    # fetchers/mercurial.cc
    ("hg+https://hg.example.com/repo?ref=default",
     {"type": "hg", "url": "https://hg.example.com/repo", "ref": "default"},
     "hg+https://hg.example.com/repo?ref=default"),
    # fetchers/indirect.cc: query parameters are ignored; a flake ID may take a ref
    ("flake:nixpkgs?foo=bar", {"type": "indirect", "id": "nixpkgs"}, "flake:nixpkgs"),
    ("relative/path", {"type": "indirect", "id": "relative", "ref": "path"},
     "flake:relative/path"),
])
def test_source_schemes(ref: str, attrs: dict[str, str | int | bool], expected: str) -> None:
    assert parse(ref) == attrs
    assert to_string(attrs) == expected


def test_source_attribute_types() -> None:
    assert ev('builtins.parseFlakeRef "/p?revCount=3"') == (
        '{ path = "/p"; revCount = 3; type = "path"; }')
    assert ev('builtins.parseFlakeRef "git+https://h/r?allRefs=1&lfs=0"') == (
        '{ allRefs = true; lfs = false; type = "git"; url = "https://h/r"; }')


@pytest.mark.parametrize(("ref", "message"), [
    # flakeref.cc: a string no scheme takes, and no absolute path either
    ("github:a", "flake reference 'github:a' is not an absolute path"),
    ("", "flake reference '' is not an absolute path"),
    ("github:a/b?ref=foo..bar",
     "flake reference 'github:a/b?ref=foo..bar' is not an absolute path"),
    # a hash error is no BadURL: it stops the search (hash.cc's texts)
    ("github:a/b?rev=xyz", "hash 'xyz' has wrong length for hash algorithm 'sha1'"),
    # fetchers.cc
    ("foo:bar", "input 'foo:bar' is unsupported"),
    ("file+git://x/y",
     "input 'file+git://x/y' is unsupported; did you mean 'git+file' instead of 'file+git'?"),
    # indirect.cc: a flake ID's errors are not retried as a path
    ("nixpkgs/a/b/c", "GitHub URL 'flake:nixpkgs/a/b/c' is invalid"),
    # path.cc (an absolute path gets an empty authority)
    ("/foo/bar?xyzzy=123",
     "path URL 'path:///foo/bar?xyzzy=123' has unsupported parameter 'xyzzy'"),
    ("path:/foo?lastModified=x", "path URL 'path:/foo?lastModified=x' has invalid parameter "
     "'lastModified'"),
    # url.cc
    ("/foo#%zz", "invalid URI parameter '%zz': bad hexdig in pct-encoding"),
    ("/foo#a%4", "invalid URI parameter 'a%4': incomplete pct-encoding"),
    ("/foo?a=<", "invalid URI query 'a=<': leftover"),
    ("/foo#a\nb", "invalid flakeref '/foo#a\nb'"),
])
def test_source_parse_errors(ref: str, message: str) -> None:
    assert err(f"builtins.parseFlakeRef {nix_string(ref)}") == message


@pytest.mark.parametrize(("attrs", "message"), [
    ('{ type = "github"; owner = "o"; repo = "r"; x = [ ]; }',
     "flake reference attribute sets may only contain integers, Booleans, and strings, but "
     "attribute 'x' is a list"),
    ('{ type = "github"; owner = "o"; repo = "r"; x = 1; }',
     "input attribute 'x' not supported by scheme 'github'"),
    ('{ owner = "o"; }', "'type' attribute to specify input scheme is required but not provided"),
    ('{ type = "foo"; owner = "o"; }',
     """cannot show unsupported input '{"owner":"o","type":"foo"}'"""),
    ('{ type = "github"; owner = "o"; repo = 1; }',
     """input attribute 'repo' is not a string {"owner":"o","repo":1,"type":"github"}"""),
    ('{ type = "github"; owner = "o"; repo = "r"; dir = true; }',
     "input attribute 'dir' is not a string "
     """{"dir":true,"owner":"o","repo":"r","type":"github"}"""),
    (f'{{ type = "github"; owner = "o"; repo = "r"; ref = "a"; rev = "{REV}"; }}',
     f"""input {{"owner":"o","ref":"a","repo":"r","rev":"{REV}","type":"github"}} contains """
     f"both a commit hash ('{REV}') and a branch/tag name ('a')"),
    ('{ type = "path"; path = "/x"; revCount = "1"; }',
     "input attribute 'revCount' is not an integer"),
    ('{ type = "git"; url = "https://h/r"; shallow = 1; }',
     "input attribute 'shallow' is not a Boolean"),
    ('{ type = "git"; url = "https://h/r"; publicKey = "k"; }',
     "experimental Nix feature 'verified-fetches' is disabled; add "
     "'--extra-experimental-features verified-fetches' to enable it"),
    ('{ type = "git"; url = "https://h/r"; rev = "abc"; }',
     "hash 'abc' has wrong length for hash algorithm 'sha1'"),
    ('{ type = "tarball"; url = "not a url"; }', "'not a url' is not a valid URL: leftover"),
    ('{ type = "indirect"; id = "1x"; }', "'1x' is not a valid flake ID"),
    ('{ type = "github"; owner = "o"; repo = "r"; narHash = "sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA="; }',
     "narHash must use SHA-256"),
    ('{ type = "github"; owner = "o"; repo = "r"; narHash = "sha256:abc"; }',
     "hash 'sha256:abc' is not SRI"),
    ('{ type = "github"; owner = "o"; repo = "r"; narHash = "sha256-AAAA"; }',
     "invalid SRI hash 'AAAA', length 3 != expected length 32"),
    ('{ type = "github"; owner = "o"; repo = "r"; rev = "md6:abc"; }',
     "unknown hash algorithm 'md6', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'"),
])
def test_source_to_string_errors(attrs: str, message: str) -> None:
    assert err(f"builtins.flakeRefToString {attrs}") == message


@pytest.mark.parametrize(("attrs", "expected"), [
    # fetchers/path.cc: every attribute but path and type goes into the query
    ('{ type = "path"; path = "/foo"; revCount = 5; lastModified = 3; rev = "abc"; '
     '__final = true; }', "path:/foo?lastModified=3&rev=abc&revCount=5"),
    # fetchers/git.cc: an absolute path is a file URL; only true flags are shown
    ('{ type = "git"; url = "/home/me/repo"; shallow = true; submodules = false; ref = "main"; }',
     "git+file:///home/me/repo?ref=main&shallow=1"),
    # fetchers.cc: an empty narHash is the zero hash
    ('{ type = "github"; owner = "NixOS"; repo = "nix"; narHash = ""; }',
     "github:NixOS/nix?narHash=sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D"),
    # string context plays no part
    ('{ type = "indirect"; id = "nixpkgs" + builtins.substring 0 0 "${builtins.toFile "x" ""}"; }',
     "flake:nixpkgs"),
])
def test_source_to_string(attrs: str, expected: str) -> None:
    assert ev(f"builtins.flakeRefToString {attrs}") == nix_string(expected)


def test_source_public_keys() -> None:
    features = frozenset({"verified-fetches"})
    attrs = ('{ type = "git"; url = "https://h/r"; publicKeys = '
             '''"[{\\"key\\":\\"k1\\"},{\\"type\\":\\"ssh-rsa\\",\\"key\\":\\"k2\\"}]"; }''')
    assert ev(f"builtins.flakeRefToString {attrs}", features) == nix_string(
        "git+https://h/r?publicKeys=%5B%7B%22key%22:%22k1%22%2C%22type%22:%22ssh-ed25519%22"
        "%7D%2C%7B%22key%22:%22k2%22%2C%22type%22:%22ssh-rsa%22%7D%5D")
    attrs = '{ type = "git"; url = "https://h/r"; publicKey = "k"; verifyCommit = true; }'
    assert ev(f"builtins.flakeRefToString {attrs}", features) == nix_string(
        "git+https://h/r?keytype=ssh-ed25519&publicKey=k&verifyCommit=1")
