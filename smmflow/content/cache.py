"""A cache of loaded and checked posts, so warm runs read only what changed.

An entry is reused only when all of these are unchanged: the post file (its blob id from
the git snapshot, `snapshot`; outside git its size, mtime and inode), every media file it
uses (the same way), its group's file (hash of its bytes), smmflow's version and
`RULES_VERSION` (bumped whenever a check rule changes). Anything else — a missing,
truncated or corrupted cache file — means that file is ignored and rebuilt.

Entries are kept in shards, one file per group folder and month of the file name
(`shard_of`), each read only when a post of it is asked for: a command that needs one
month reads one month's files. It lives in `.git/smmflow/cache/` (or `.smmflow-cache/`
outside git, or `$SMMFLOW_CACHE_DIR`), and can be kept between GitHub Actions runs with
actions/cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import astuple
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import __version__
from ..errors import Problem, Severity
from ..model import Media, Override, Poll, Post
from .cachefile import _read_marshal, enabled, write_atomic
from .snapshot import Snapshot

RULES_VERSION = 8  # bump when loading or checking rules change what a post yields
FORMAT = 7
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}-")
_ZONES: dict[str, ZoneInfo] = {}


def cache_dir(root: Path) -> Path:
    if os.environ.get("SMMFLOW_CACHE_DIR"):
        return Path(os.environ["SMMFLOW_CACHE_DIR"])
    git = root / ".git"
    return git / "smmflow" / "cache" if git.is_dir() else root / ".smmflow-cache"


def _stamp(path: Path | str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def group_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def _pack_post(post: Post) -> tuple:
    zone = getattr(post.date.tzinfo, "key", "UTC")
    media = tuple((m.src, m.alt, str(m.file), m.size, m.line) for m in post.media)
    return (
        post.path,
        post.group,
        post.date.timestamp(),
        zone,
        post.type,
        post.platforms,
        post.status,
        media,
        post.title,
        post.sha256,
        post.blob,
        post.lines,
        post.body_line,
        post.options,
        post.first_comment,
        post.parts,
        tuple(astuple(o) for o in post.overrides),
        astuple(post.poll) if post.poll else None,
    )


class CachedPost(Post):
    """A post from the cache: its body is read from the file only when someone asks.

    `check`, `status` and `plan` of a large repository never need most bodies, and not
    keeping them in the cache makes it several times smaller and faster to read.
    """

    @property
    def body(self) -> str:  # type: ignore[override]
        found = self.__dict__.get("_body")
        if found is None:
            from .sections import own_body
            from .yamlread import split_front_matter

            path = os.path.join(self.__dict__["_root"], self.path)
            with open(path, encoding="utf-8") as handle:
                found = own_body(split_front_matter(handle.read()).body)
            self.__dict__["_body"] = found
        return found


def _unpack_post(data: tuple, root: str) -> Post:
    (
        path,
        group,
        ts,
        zone,
        kind,
        plats,
        status,
        media,
        title,
        sha,
        blob,
        lines,
        bl,
        opts,
        first,
    ) = data[:15]
    parts, overrides, poll = data[15:]
    post = CachedPost.__new__(CachedPost)  # skips the frozen __init__'s per-field setattr
    post.__dict__.update(
        path=path,
        group=group,
        date=dt.datetime.fromtimestamp(ts, _zone(zone)),
        type=kind,
        platforms=plats,
        status=status,
        media=tuple(Media(s, a, Path(f), z, ln) for s, a, f, z, ln in media),
        title=title,
        sha256=sha,
        blob=blob,
        lines=lines,
        body_line=bl,
        options=opts,
        first_comment=first,
        parts=parts,
        overrides=tuple(Override(*o) for o in overrides),
        poll=Poll(*poll) if poll else None,
        _root=root,
    )
    return post


def _pack_problem(p: Problem) -> tuple:
    return (p.path, p.line, p.field, p.message, p.severity.value, p.code)


def _unpack_problem(data: tuple) -> Problem:
    path, line, field, message, severity, code = data
    return Problem(path, line, field, message, Severity(severity), code)


def shard_of(relpath: str) -> str:
    """`<group folder>/<YYYY-MM>` of a dated post file name, `<group folder>/-` otherwise."""
    cut = relpath.find("/", 8)  # after "content/"
    name = relpath[relpath.rfind("/") + 1 :]
    month = name[:7] if _DATED.match(name) else "-"
    return f"{relpath[8:cut] if cut > 0 else ''}/{month}"


def _shard_file(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:20] + ".marshal"


class PostCache:
    """relpath -> what loading (and checking) that post gave, while nothing it uses changed."""

    def __init__(self, root: Path, snap: Snapshot | None = None):
        self.root = root = root.resolve()
        self.base = str(root)
        self.snap = snap
        self.folder = cache_dir(root) / f"posts-{FORMAT}"
        self.shards: dict[str, dict[str, tuple]] = {}
        self.keys: dict[str, str] = {}  # relpath -> its shard, when known already
        self.absent: set[str] = set()  # known not to be here: not worth reading a shard for
        self.dirty: set[str] = set()
        self.hits = 0
        self._header_value: tuple | None = None
        # Equal values (group names, types, platform lists, line maps) stored once:
        # marshal then writes references, and the cache reads back several times faster.
        self._canon: dict = {}

    def header(self) -> tuple:
        if self._header_value is None:
            from ..platforms import registry

            names = tuple(registry.names())
            self._header_value = (FORMAT, __version__, RULES_VERSION, self.base, names)
        return self._header_value

    def shard(self, key: str) -> dict[str, tuple]:
        """The entries of one shard, read from its file the first time."""
        found = self.shards.get(key)
        if found is None:
            file = self.folder / _shard_file(key)
            found = self.shards[key] = _read_marshal(file, self.header()) or {}
        return found

    @property
    def entries(self) -> dict[str, tuple]:
        """Every entry of every shard on disk (and read here): for tests and tools."""
        found: dict[str, tuple] = {}
        try:
            files = sorted(self.folder.glob("*.marshal"))
        except OSError:
            files = []
        for file in files:
            if len(file.stem) == 20:  # a shard's file
                found.update(_read_marshal(file, self.header()) or {})
        for shard in self.shards.values():
            found.update(shard)
        return found

    def stamp(self, relpath: str) -> object:
        """What names the bytes of a file now: its blob id, or outside git its stat."""
        if self.snap is not None:
            return self.snap.blob(relpath)
        return _stamp(os.path.join(self.base, relpath))

    def _media_stamp(self, file: str) -> object:
        if self.snap is not None and file.startswith(self.base + "/"):
            return self.snap.blob(file[len(self.base) + 1 :])
        return _stamp(file)

    def get(
        self, relpath: str, group_key: str, checked: bool
    ) -> tuple[Post | None, list[Problem]] | None:
        if relpath in self.absent:
            return None
        entry = self.shard(self.keys.get(relpath) or shard_of(relpath)).get(relpath)
        if entry is None:
            return None
        stamp, key, was_checked, media_stamps, post, problems, title = entry
        if key != group_key or (checked and not was_checked):
            return None
        if self.stamp(relpath) != stamp:
            return None
        for file, media_stamp in media_stamps:
            if self._media_stamp(file) != media_stamp:
                return None
        try:
            found = _unpack_post(post, self.base) if post is not None else None
            if title is not None and found is not None:
                found.__dict__["_headline"] = title
            self.hits += 1
            return found, [_unpack_problem(p) for p in problems]
        except Exception:
            return None

    def put(
        self,
        relpath: str,
        group_key: str,
        checked: bool,
        post: Post | None,
        problems: list[Problem],
    ) -> None:
        stamp = self.stamp(relpath)
        if stamp is None or post is None:
            return  # a post that did not load is read again: what it lacks may appear
        media = tuple((str(m.file), self._media_stamp(str(m.file))) for m in post.media)
        canon = self._canon.setdefault
        packed = tuple(canon(v, v) if isinstance(v, (str, tuple)) else v for v in _pack_post(post))
        key = self.keys.get(relpath) or shard_of(relpath)
        self.shard(key)[relpath] = (
            stamp,
            canon(group_key, group_key),
            checked,
            canon(media, media),
            packed,
            tuple(_pack_problem(p) for p in problems),
            post.__dict__.get("_headline"),
        )
        self.dirty.add(key)

    def remember(self, posts: list[Post]) -> None:
        """Keep the headlines worked out for `posts` (`text.headline`) with their entries:
        the next plan of the month renders no Markdown for them."""
        for post in posts:
            title = post.__dict__.get("_headline")
            if title is None:
                continue
            key = shard_of(post.path)
            entry = self.shard(key).get(post.path)
            if entry is not None and entry[-1] is None and entry[0] == self.stamp(post.path):
                self.shard(key)[post.path] = (*entry[:-1], title)
                self.dirty.add(key)

    def forget_missing(self, present: set[str]) -> None:
        """Drop the entries of posts that are gone; with every shard of `present` read,
        the files of shards that hold no post any more go too."""
        keys = {self.keys.get(relpath) or shard_of(relpath) for relpath in present}
        for key in keys:
            entries = self.shard(key)
            for relpath in set(entries) - present:
                del entries[relpath]
                self.dirty.add(key)
        wanted = {_shard_file(key) for key in keys}
        try:
            stale = [f for f in self.folder.iterdir() if f.name not in wanted]
        except OSError:
            stale = []
        for file in stale:
            if file.suffix == ".marshal" and len(file.stem) == 20:  # a shard's, not the dates
                file.unlink(missing_ok=True)

    def save(self) -> None:
        if not self.dirty or not enabled():
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for key in sorted(self.dirty):
                write_atomic(self.folder / _shard_file(key), (self.header(), self.shards[key]))
        except OSError:
            pass  # a read-only checkout still works, just without a warm cache
        self.dirty.clear()
