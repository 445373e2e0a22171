"""Write the tree of a git commit to a directory, skipping blobs the repository lacks.

    python benchmarks/realtrees/extract.py GITDIR REV DEST

GITDIR is a git directory (bare, or a work tree's .git), REV any commit-ish
(a branch, a tag, a hash). Mirrors of large repositories may lack their largest
blobs (nixpkgs' hackage-packages.nix); those files are left out and counted, so
a partial mirror still gives a usable tree. Symlinks are recreated as symlinks
and executable files keep their mode. The file list comes from
`git ls-tree -r` and the contents from one `git cat-file --batch` process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

SYMLINK = b"120000"
EXECUTABLE = b"100755"


def list_blobs(git_dir: Path, rev: str) -> list[tuple[bytes, bytes, bytes]]:
    """(mode, object id, path) of every file in the commit's tree."""
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", rev],
                             capture_output=True, check=True).stdout
    blobs = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, kind, oid = meta.split()
        if kind == b"blob":  # submodules ("commit") have no contents here
            blobs.append((mode, oid, path))
    return blobs


def read_object(batch_in: IO[bytes], batch_out: IO[bytes], oid: bytes) -> bytes | None:
    """The object's contents from `git cat-file --batch`, or None when it is missing."""
    batch_in.write(oid + b"\n")
    batch_in.flush()
    header = batch_out.readline()
    if header.endswith(b" missing\n"):
        return None
    size = int(header.split()[2])
    data = batch_out.read(size)
    batch_out.read(1)  # the newline after the contents
    return data


def write_file(dest: Path, mode: bytes, path: bytes, data: bytes) -> None:
    out = os.path.join(os.fsencode(dest), path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if mode == SYMLINK:
        if os.path.lexists(out):
            os.unlink(out)
        os.symlink(data, out)
        return
    with open(out, "wb") as f:
        f.write(data)
    if mode == EXECUTABLE:
        os.chmod(out, 0o755)


def extract(git_dir: Path, rev: str, dest: Path) -> tuple[int, int]:
    """Write the tree at rev to dest; returns (files in the tree, files missing)."""
    blobs = list_blobs(git_dir, rev)
    dest.mkdir(parents=True, exist_ok=True)
    missing = 0
    with subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as batch:
        assert batch.stdin is not None and batch.stdout is not None
        for mode, oid, path in blobs:
            data = read_object(batch.stdin, batch.stdout, oid)
            if data is None:
                missing += 1
                continue
            write_file(dest, mode, path, data)
        batch.stdin.close()
    return len(blobs), missing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("git_dir", type=Path, metavar="GITDIR")
    ap.add_argument("rev", metavar="REV")
    ap.add_argument("dest", type=Path, metavar="DEST")
    args = ap.parse_args(argv)
    try:
        total, missing = extract(args.git_dir, args.rev, args.dest)
    except subprocess.CalledProcessError as e:
        print(f"extract: git failed: {e.stderr.decode(errors='replace').strip()}", file=sys.stderr)
        return 1
    print(f"{total} files, {missing} missing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
