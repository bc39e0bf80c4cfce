"""The working tree's `content/` as git already knows it: every file with its blob id.

One `git ls-files -s` lists every tracked file with the blob id of its staged bytes;
`git diff-files` names the files whose bytes on disk may differ (git compares the stat
data it keeps in the index), and `git ls-files -o` the files git does not track. Only
those few are read and hashed here; every other file is known by its blob id without a
`stat` or a read. A blob id names exact bytes, so the post cache (`cache`) keys its
entries by it, and a shard of posts whose listing did not change is known unchanged as a
whole (`digest`).

Outside git, or when git fails, there is no snapshot (None): loading walks the folders
and the cache stats each file instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# `git ls-files -s -z`: "<mode> <blob> <stage>\t<path>\0"; sha-1 ids
_REGULAR = re.compile(r"10(?:0644|0755) ([0-9a-f]{40}) \d\t([^\0]*)\0")
_LINKS = re.compile(r"120000 [0-9a-f]{40} \d\t([^\0]*)\0")
_GIT_ENV_DROP = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE")


@dataclass
class Snapshot:
    """relpath (forward slashes, from the repository root) -> blob id of its bytes now."""

    root: str = ""
    blobs: dict[str, str | None] = field(default_factory=dict)  # None: hashed when asked
    odd: dict[str, str] = field(default_factory=dict)  # relpath -> "link" | "special"

    def blob(self, relpath: str) -> str | None:
        """The blob id of the file's bytes now (a changed file is read once, here)."""
        found = self.blobs.get(relpath, "")
        if found is None:
            try:
                with open(os.path.join(self.root, relpath), "rb") as handle:
                    found = self.blobs[relpath] = blob_id(handle.read())
            except OSError:
                del self.blobs[relpath]
                return None
        return found or None


def blob_id(data: bytes) -> str:
    """git's id of a blob holding `data` (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _git(root: str, *args: str) -> bytes | None:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env["GIT_LITERAL_PATHSPECS"] = "1"
    try:
        proc = subprocess.run(["git", "-C", root, *args], capture_output=True, env=env, check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def _names(out: bytes) -> list[str]:
    return [os.fsdecode(n) for n in out.split(b"\0") if n]


def take(root: Path, folder: str = "content") -> Snapshot | None:
    """The snapshot of `root/folder`, or None when `root` is not the top of a git work
    tree (then nothing here is asked of git again)."""
    base = str(root)
    top = _git(base, "rev-parse", "--show-cdup")
    if top is None or top.strip():
        return None
    listed = _git(base, "ls-files", "-s", "-z", "--", folder)
    dirty = _git(base, "diff-files", "--name-only", "-z", "--", folder)
    others = _git(base, "ls-files", "-o", "-z", "--", folder)
    if listed is None or dirty is None or others is None:
        return None
    snap = Snapshot(base)
    text = listed.decode("utf-8", "surrogateescape")  # os.fsdecode's way, in one call
    snap.blobs = {path: blob for blob, path in _REGULAR.findall(text)}
    snap.odd = {path: "link" for path in _LINKS.findall(text)}
    for path in _names(dirty) + _names(others):
        _look(base, path, snap)
    return snap


def _look(base: str, path: str, snap: Snapshot) -> None:
    """Read one file git cannot vouch for: hash its bytes, or note what else it is."""
    snap.blobs.pop(path, None)
    snap.odd.pop(path, None)
    full = os.path.join(base, path)
    try:
        info = os.lstat(full)
    except OSError:
        return  # deleted from the working tree
    if stat.S_ISLNK(info.st_mode):
        snap.odd[path] = "link"
    elif not stat.S_ISREG(info.st_mode):
        snap.odd[path] = "special"
    else:
        snap.blobs[path] = None


def digest(lines: list[str]) -> str:
    """One id for a list of `path blob` lines (a shard's listing)."""
    return hashlib.sha1("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
