"""The `media:` list of a post: every file checked to be a regular file inside its group's
folder (no absolute path, no `..`, no link leading out, no FIFO or device), of a type and
size smmflow publishes, with alt text."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from ..model import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Media
from ..text.guard import bidi_problems
from .fields import Fields, one_of

MEDIA_KEYS = ("src", "alt")
MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES
MB = 1024 * 1024
# Platforms without a media limit of their own (feed, webhook) still copy or announce the
# file; nothing bigger than this is a post's photo or video.
MAX_MEDIA_BYTES = 512 * MB


def media_list(f: Fields, raw: object, group_dir: Path) -> tuple[Media, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    found = []
    for i, item in enumerate(items):
        key = f"media.{i}"
        if isinstance(item, str):
            item = {"src": item}
        if not isinstance(item, dict):
            f.error(key, "each media entry is `- src: media/photo.jpg` with `alt: ...`", "type")
            continue
        f.unknown_keys(item, MEDIA_KEYS, key + ".")
        src = f.string(f"{key}.src", item.get("src"), required=True)
        alt = f.string(f"{key}.alt", item.get("alt"))
        if not alt or not alt.strip():
            f.error(
                f"{key}.alt" if "alt" in item else key,
                "alt text is required: describe the picture for people who cannot see it",
                "alt",
            )
        elif alt:
            f.problems.extend(bidi_problems(f.path, f"{key}.alt", alt, f.line(f"{key}.alt")))
        if src is None:
            continue
        media = _media_file(f, f"{key}.src", src, group_dir, alt or "")
        if media is not None:
            found.append(media)
    return tuple(found)


def _media_file(f: Fields, key: str, src: str, group_dir: Path, alt: str) -> Media | None:
    """The file `src` names, checked; None when it is refused (the problem is in `f`)."""
    refused = _refused_path(src)
    if refused is not None:
        f.error(key, refused, "media-path")
        return None
    candidate = group_dir.joinpath(*PurePosixPath(src.replace("\\", "/")).parts)
    try:
        real, info = _regular_file(candidate, group_dir.resolve())
    except _Refused as exc:
        f.error(key, f"{src!r} {exc.args[0]}", exc.args[1])
        return None
    if real.suffix.lower() not in MEDIA_SUFFIXES:
        kind = real.suffix or "no extension"
        message = (
            f"{src!r}: {kind} is not a media type smmflow publishes ({one_of(MEDIA_SUFFIXES)})"
        )
        f.error(key, message, "media-type")
        return None
    if info.st_size > MAX_MEDIA_BYTES:
        message = (
            f"{src!r} is {info.st_size:,} bytes; no platform takes a file over "
            f"{MAX_MEDIA_BYTES:,} bytes ({MAX_MEDIA_BYTES // MB} MB)"
        )
        f.error(key, message, "media-size")
        return None
    return Media(src, alt, real, info.st_size, f.line(key))


def _refused_path(src: str) -> str | None:
    """Why `src` is no path inside a group's folder (absolute, `..`, empty), or None."""
    pure = PurePosixPath(src.replace("\\", "/"))
    if pure.is_absolute() or (src[1:3] == ":/" or src[1:3] == ":\\"):
        return f"{src!r} is an absolute path; give a path inside the group's folder, like media/photo.jpg"
    if ".." in pure.parts:
        return f"{src!r} leaves the group's folder (`..`); media must stay inside content/<group>/"
    if "\0" in src or not pure.parts or pure.parts == (".",):
        return f"{src!r} is not a file name; write a path like media/photo.jpg"
    return None


class _Refused(Exception):
    """(what is wrong, problem code) of a media path that resolved badly."""


def _regular_file(candidate: Path, root: Path) -> tuple[Path, os.stat_result]:
    """The real path of `candidate` and its stat, if it is a regular file inside `root`."""
    try:
        real = candidate.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a link loop so
        raise _Refused("is a link that leads in a loop", "media-path") from None
    except (OSError, ValueError) as exc:  # missing, a loop (3.13+), a name too long
        if getattr(exc, "errno", None) == errno.ELOOP:
            raise _Refused("is a link that leads in a loop", "media-path") from None
        raise _Refused("does not exist", "media-missing") from None
    if real != root and root not in real.parents:
        raise _Refused("is a link that leads outside the group's folder", "media-path")
    try:
        info = os.stat(real)  # stat, never open: a FIFO or a device must not be read
    except OSError:
        raise _Refused("does not exist", "media-missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise _Refused(f"is {_kind(info.st_mode)}; media must be a regular file", "media-path")
    return real, info


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"
