"""Reading a file's contents safely: regular files only (a FIFO would block
for ever, a device never end), at most ``MAX_FILE_BYTES``. Every reader of
file contents, from Nix files to ``readFile`` and the caches, opens through
``open_regular``, which also reports the read to ``inputs``, and honours
its overlays (an editor's unsaved buffer in place of a file's contents)."""

from __future__ import annotations

import errno
import os
import stat

from . import inputs

# The most nixeval reads of one file: Nix files and the files a configuration
# reads are small; this only stops a runaway (a file that keeps growing, a
# sparse file of terabytes) before it takes the machine's memory.
MAX_FILE_BYTES = 256 * 1024 * 1024


class NotARegularFile(OSError):
    """A FIFO, a device, a directory or a socket, where a file's contents are
    needed: a FIFO would block for ever and a device would never end. ``str()``
    is current Nix's message; ``strerror`` completes ``opening file '…': ``."""

    def __init__(self, path: str) -> None:
        super().__init__(None, "Not a regular file", path)

    def __str__(self) -> str:
        return f"file '{self.filename}' is not a regular file"


class FileTooLarge(OSError):
    """A regular file larger than ``MAX_FILE_BYTES``."""

    def __init__(self, path: str, limit: int) -> None:
        super().__init__(errno.EFBIG, os.strerror(errno.EFBIG), path)
        self.limit = limit

    def __str__(self) -> str:
        return (f"file '{self.filename}' is too large: nixeval reads at most "
                f"{self.limit >> 20} MiB of a file")


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """Open a file that must be a regular one: the descriptor and its status.

    Every reader of a file's contents (Nix files, ``readFile``, ``hashFile``,
    the caches) opens through here. The open does not block (``O_NONBLOCK``:
    a FIFO would wait for a writer) and the check is made on the descriptor
    itself (``fstat``), so a file replaced by a FIFO or a device between a
    look and the open is refused too. The look before (``stat``) spares
    devices an open (some act on one).

    A file with an overlay opens as an anonymous file holding the overlay's
    contents, so readers that take a descriptor need no second path."""
    data = inputs.overlay(path)
    if data is not None:
        return _buffer(path, data)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotARegularFile(os.fspath(path))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    inputs.read(path, st)
    return fd, st


def _buffer(path: str | os.PathLike[str], data: bytes) -> tuple[int, os.stat_result]:
    """A descriptor on an unnamed regular file holding ``data``."""
    inputs.read_buffer(path)
    import tempfile  # rarely needed: loading it costs start-up

    with tempfile.TemporaryFile() as f:
        f.write(data)
        f.flush()
        fd = os.dup(f.fileno())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd, os.fstat(fd)


def read_fd(fd: int, size: int, path: str | os.PathLike[str],
            limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's contents to its end, at most ``limit`` bytes
    (``FileTooLarge`` past it). ``size`` (its status) is a hint: files under
    ``/proc`` say 0 and have contents; a file may grow while it is read."""
    if size > limit:
        raise FileTooLarge(os.fspath(path), limit)
    chunks = []
    total = 0
    want = size + 1 if size else 65536  # the extra byte finds the end in one read
    while True:
        chunk = os.read(fd, min(want, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(os.fspath(path), limit)
        want = 65536
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's contents (``NotARegularFile``, ``FileTooLarge``, or
    the ``OSError`` of opening it)."""
    fd, st = open_regular(path)
    try:
        return read_fd(fd, st.st_size, path, limit)
    finally:
        os.close(fd)


def read_beside(module_file: str, name: str) -> bytes:
    """One of nixeval's own files, in the folder of the module ``module_file``
    (what the caches hash to recognise the code that wrote an entry)."""
    with open(os.path.join(os.path.dirname(module_file), name), "rb") as f:
        return f.read()
