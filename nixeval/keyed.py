"""Keyed cache entries under the user's cache directory, each with an
HMAC-SHA256 under a per-user secret kept there (``secret``, created on first
use, mode 0600): a checksum catches accidents, the keyed hash catches
tampering too, and it is verified before anything decodes an entry. Used by
the parse, fingerprint and grammar caches (``syntax``) and the answer cache
(``cli/answers.py``); ``NIXEVAL_CACHE_DIR`` moves the directory. Imports
nothing heavy: the answer cache replies from here before the evaluator loads."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import stat
import sys

from .files import open_regular


def cache_root() -> str:
    return os.environ.get("NIXEVAL_CACHE_DIR") or _default_dir()


def cache_dir(kind: str = "parse") -> str:
    """Where entries of one kind live (``parse``; ``fingerprint``; ``grammar``;
    ``compile``: compile_facts.py; ``fused``: fusion.py's code objects)."""
    return os.path.join(cache_root(), kind)


@functools.cache
def _default_dir() -> str:
    if sys.platform.startswith("linux"):
        # platformdirs' rule on Linux, without its import's cost at every start
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return os.path.join(xdg or os.path.expanduser("~/.cache"), "nixeval")
    import platformdirs

    return platformdirs.user_cache_dir("nixeval")


# keyed entries ------------------------------------------------------------------

_SECRET_NAME = "secret"
_SECRET_BYTES = 32
_MAC_BYTES = 32  # HMAC-SHA256
_secrets: dict[str, bytes | None] = {}  # cache root -> its secret (None: no caching)


def _read_secret(path: str) -> bytes | None:
    """The secret at ``path`` if it is one this user can trust: a regular
    file (not a link, not a FIFO), owned by the user, readable by nobody
    else, of the right size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY
                     | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid()
                or st.st_mode & 0o077 or st.st_size != _SECRET_BYTES):
            return None
        data = os.read(fd, _SECRET_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == _SECRET_BYTES else None


def _new_secret(root: str, path: str, replace: bool) -> None:
    """Write a fresh secret whole, mode 0600 from its creation, then put it in
    place atomically: beside no secret (a link: when processes race, the
    first one's stays), or over one that can't be trusted."""
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        import tempfile  # only where something is written: a cache hit stays light

        fd, tmp = tempfile.mkstemp(dir=root, prefix=".secret-")  # O_EXCL, 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(_SECRET_BYTES))
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def secret() -> bytes | None:
    """This user's key for the entries under the cache root, created on first
    use; None when there can be none (an unwritable cache directory): then
    nothing is cached."""
    root = cache_root()
    if root in _secrets:
        return _secrets[root]
    path = os.path.join(root, _SECRET_NAME)
    key = _read_secret(path)
    if key is None:
        _new_secret(root, path, replace=os.path.lexists(path))
        key = _read_secret(path)
    _secrets[root] = key
    return key


def _header(kind: str, key: str) -> bytes:
    return b"nixeval-" + kind.encode() + b"\n" + key.encode() + b"\n"


def read_entry(kind: str, key: str, magic: bytes, limit: int) -> memoryview | None:
    """The contents of the entry ``key`` of ``kind`` (at most ``limit``
    bytes), or None unless it is whole and was written by this user's
    nixeval for this key (its HMAC verified). Opened as files are read
    (``open_regular``): a FIFO or a device in its place is a miss."""
    mac_key = secret()
    if mac_key is None:
        return None
    try:
        fd, st = open_regular(os.path.join(cache_dir(kind), key[:2], key))
    except OSError:
        return None
    try:
        if st.st_size > limit:
            return None
        data = os.read(fd, st.st_size)
    except OSError:
        return None
    finally:
        os.close(fd)
    header = magic + _header(kind, key)
    start = len(header) + _MAC_BYTES
    if len(data) < start or not data.startswith(header):
        return None
    payload = memoryview(data)[start:]
    mac = hmac.new(mac_key, header, hashlib.sha256)
    mac.update(payload)
    if not hmac.compare_digest(mac.digest(), data[len(header):start]):
        return None
    return payload


def write_entry(kind: str, key: str, magic: bytes, payload: bytes) -> None:
    """Write an entry whole (a temporary file renamed into place) with its
    HMAC; any failure only costs speed."""
    mac_key = secret()
    if mac_key is None:
        return
    header = magic + _header(kind, key)
    mac = hmac.new(mac_key, header, hashlib.sha256)
    mac.update(payload)
    directory = os.path.join(cache_dir(kind), key[:2])
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    except OSError:
        return  # a read-only cache directory only costs speed
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header)
            f.write(mac.digest())
            f.write(payload)
        os.replace(tmp, os.path.join(directory, key))
    except OSError:
        with contextlib.suppress(OSError):  # a full disk: leave no partial file behind
            os.unlink(tmp)
