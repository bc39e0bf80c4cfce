"""Which post files a time window needs, without reading the others.

The date is in every post's file name (`2026-06-01-sale.md`, the group's local date), so
a window (`sync`: everything up to now; `plan`: one month) needs the files named in it,
plus the few posts whose front-matter date disagrees with their name, and the posts that
did not load (no date known). Those exceptions are kept per shard of the post cache (a
group folder and month of names, `cache.shard_of`) together with the digest of the
shard's listing (every `path blob` line and the group file's hash): while the digest is
the same, the exceptions still hold; a shard whose digest changed is read whole, and its
exceptions found again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from ..model import Post
from .cache import shard_of
from .cachefile import _read_marshal, write_atomic
from .snapshot import Snapshot, digest

Window = tuple[dt.datetime, dt.datetime]  # [start, end), aware
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}-")
_DAY = dt.timedelta(days=1)


def _names_within(windows: list[Window]) -> list[tuple[str, str]]:
    """Inclusive ranges of name dates that may hold a post of a window: a name is the local
    date, up to 14 hours before or after UTC."""
    return [(f"{(a - 2 * _DAY):%Y-%m-%d}", f"{(b + _DAY):%Y-%m-%d}") for a, b in windows]


def in_windows(ts: float, windows: list[Window]) -> bool:
    return any(a.timestamp() <= ts < b.timestamp() for a, b in windows)


class DateIndex:
    """shard -> (digest of its listing, {relpath: utc timestamp, or None if it did not load})."""

    def __init__(self, folder: Path, header: tuple):
        self.file = folder / "dates.marshal"
        self.header = header
        found = _read_marshal(self.file, header)
        self.shards: dict[str, tuple[str, dict[str, float | None]]] = found or {}
        self.dirty = False

    @staticmethod
    def digests(
        snap: Snapshot, paths: Iterable[str], group_keys: dict[str, str]
    ) -> tuple[dict[str, list[str]], dict[str, str]]:
        """The post paths of each shard, and each shard's digest now."""
        by_shard: dict[str, list[str]] = {}
        for relpath in sorted(paths):
            by_shard.setdefault(shard_of(relpath), []).append(relpath)
        sums = {}
        blobs, blob = snap.blobs, snap.blob
        for key, paths_ in by_shard.items():
            lines = [group_keys.get(key.split("/", 1)[0], "")]
            lines += [f"{p} {blobs.get(p) or blob(p)}" for p in paths_]
            sums[key] = digest(lines)
        return by_shard, sums

    def pick(
        self, by_shard: dict[str, list[str]], sums: dict[str, str], windows: list[Window]
    ) -> tuple[list[str], set[str]]:
        """(the paths to load for `windows`, the shards read whole because they changed)."""
        names = _names_within(windows)
        chosen: list[str] = []
        whole: set[str] = set()
        for key, paths in by_shard.items():
            kept = self.shards.get(key)
            if kept is None or kept[0] != sums[key]:
                whole.add(key)
                chosen.extend(paths)
                continue
            odd = kept[1]
            chosen += [p for p, ts in odd.items() if ts is None or in_windows(ts, windows)]
            month = key[key.rfind("/") + 1 :]
            if month != "-" and not any(
                a <= f"{month}-31" and f"{month}-01" <= b for a, b in names
            ):
                continue  # no name of this month can be in the windows
            for relpath in paths:
                name = relpath[relpath.rfind("/") + 1 :]
                if relpath in odd:
                    continue
                if not _DATED.match(name) or any(a <= name[:10] <= b for a, b in names):
                    chosen.append(relpath)
        return chosen, whole

    def unloaded(self, sums: dict[str, str]) -> set[str]:
        """The posts of unchanged shards that did not load last time: the cache holds
        nothing for them (it keeps only posts that loaded), so it is not asked."""
        return {
            path
            for key, (kept, odd) in self.shards.items()
            if sums.get(key) == kept
            for path, ts in odd.items()
            if ts is None
        }

    def refresh(
        self,
        by_shard: dict[str, list[str]],
        sums: dict[str, str],
        keys: Iterable[str],
        posts: dict[str, Post],
    ) -> None:
        """Find the exceptions of the shards `keys` again, from their loaded posts."""
        for key in keys:
            odd: dict[str, float | None] = {}
            for relpath in by_shard.get(key, ()):
                post = posts.get(relpath)
                name = relpath[relpath.rfind("/") + 1 :]
                if post is None:
                    odd[relpath] = None
                elif not _DATED.match(name) or f"{post.date:%Y-%m-%d}" != name[:10]:
                    odd[relpath] = post.ts
            self.shards[key] = (sums[key], odd)
            self.dirty = True
        for key in set(self.shards) - set(by_shard):
            del self.shards[key]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.file, (self.header, self.shards))
        except OSError:
            pass
