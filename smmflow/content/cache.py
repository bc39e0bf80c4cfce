"""A cache of loaded and checked posts, so warm runs read only what changed.

An entry is reused only when all of these are unchanged: the post file (size, mtime,
inode), every media file it uses, its group's file (hash of its bytes), smmflow's version
and `RULES_VERSION` (bumped whenever a check rule changes). Anything else — a missing,
truncated or corrupted cache file — means the cache is ignored and rebuilt.

It lives in `.git/smmflow/cache/` (or `.smmflow-cache/` outside git, or
`$SMMFLOW_CACHE_DIR`), and can be kept between GitHub Actions runs with actions/cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import tempfile
from dataclasses import astuple
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import __version__
from ..errors import Problem, Severity
from ..model import Media, Override, Poll, Post

RULES_VERSION = 7  # bump when loading or checking rules change what a post yields
FORMAT = 6
_ZONES: dict[str, ZoneInfo] = {}


def cache_dir(root: Path) -> Path:
    if os.environ.get("SMMFLOW_CACHE_DIR"):
        return Path(os.environ["SMMFLOW_CACHE_DIR"])
    git = root / ".git"
    return git / "smmflow" / "cache" if git.is_dir() else root / ".smmflow-cache"


def enabled() -> bool:
    return os.environ.get("SMMFLOW_NO_CACHE", "") in ("", "0")


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


class PostCache:
    """relpath -> what loading (and checking) that post gave, while nothing it uses changed."""

    def __init__(self, root: Path):
        self.root = root
        self.root = root = root.resolve()
        self.base = str(root)
        self.file = cache_dir(root) / f"posts-{FORMAT}.marshal"
        self.entries: dict[str, tuple] = {}
        self.dirty = False
        self.hits = 0
        # Equal values (group names, types, platform lists, line maps) stored once:
        # marshal then writes references, and the cache reads back several times faster.
        self._canon: dict = {}
        if enabled():
            self._read()

    def _header(self) -> tuple:
        from ..platforms import registry

        return (FORMAT, __version__, RULES_VERSION, str(self.root), tuple(registry.names()))

    def _read(self) -> None:
        try:
            with open(self.file, "rb") as handle:
                header, entries = marshal.loads(handle.read())
            if header == self._header() and isinstance(entries, dict):
                self.entries = entries
        except Exception:  # missing or damaged: start again, it is only a cache
            self.entries = {}

    def get(
        self, relpath: str, group_key: str, checked: bool
    ) -> tuple[Post | None, list[Problem]] | None:
        entry = self.entries.get(relpath)
        if entry is None:
            return None
        stamp, key, was_checked, media_stamps, post, problems = entry
        if key != group_key or (checked and not was_checked):
            return None
        if _stamp(os.path.join(self.base, relpath)) != stamp:
            return None
        for file, media_stamp in media_stamps:
            if _stamp(file) != media_stamp:
                return None
        try:
            found = _unpack_post(post, self.base) if post is not None else None
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
        stamp = _stamp(self.root / relpath)
        if stamp is None or post is None:
            return  # a post that did not load is read again: what it lacks may appear
        media_stamps = tuple((str(m.file), _stamp(m.file)) for m in post.media)
        canon = self._canon.setdefault
        packed = tuple(canon(v, v) if isinstance(v, (str, tuple)) else v for v in _pack_post(post))
        self.entries[relpath] = (
            stamp,
            canon(group_key, group_key),
            checked,
            canon(media_stamps, media_stamps),
            packed,
            tuple(_pack_problem(p) for p in problems),
        )
        self.dirty = True

    def forget_missing(self, present: set[str]) -> None:
        for relpath in set(self.entries) - present:
            del self.entries[relpath]
            self.dirty = True

    def save(self) -> None:
        if not self.dirty or not enabled():
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".posts-")
            with os.fdopen(fd, "wb") as handle:
                marshal.dump((self._header(), self.entries), handle)
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only checkout still works, just without a warm cache
