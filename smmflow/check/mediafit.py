"""Whether a post's media can reach each platform: image formats, sizes, aspect ratios and
metadata, video durations (the media rules of `smmflow check`).

Images that leave by upload, or through the feed site, are prepared for each platform
(platforms/mediaprep: converted, resized, metadata removed), so only what preparation
cannot fix is refused: an aspect ratio a platform refuses (Instagram's feed, 4:5 to
1.91:1), or a file it fetches as it is from `media_base_url` (its format, its bytes, and
the metadata it would leak: a GPS position is an error, other metadata a warning).
Bytes Pillow cannot read are sent as they are, so the platform's own formats and byte
limits apply to them.
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import Problem, Severity
from ..model import IMAGE_SUFFIXES, Account, Media, Post
from ..platforms import mediaprep, videoprobe
from ..platforms.base import Platform


def problems(post: Post, cls: type[Platform], account: Account, shown: str) -> list[Problem]:
    """Every media problem of `post` for one account."""
    as_is = cls.media_by_url and bool(account.get("media_base_url"))
    found: list[Problem] = []
    for i, media in enumerate(post.media):
        key = f"media.{i}.src"
        if media.kind == "video":
            found += _file_rules(post, media, key, cls, shown)
            found += _duration(post, media, key, cls, shown)
            continue
        facts = mediaprep.inspect(media.file)
        if as_is or not facts.readable or not _takes_images(cls):
            found += _file_rules(post, media, key, cls, shown)
        if facts.readable:
            found += _aspect(post, media, key, cls, facts, shown)
        if as_is and facts.metadata:
            found.append(_leak(post, media, key, facts, shown))
    return found


def _problem(post: Post, media: Media, key: str, message: str, code: str, sev=Severity.ERROR):
    return Problem(post.path, media.line, key, message, sev, code)


def _takes_images(cls: type[Platform]) -> bool:
    return bool(cls.limits.media_suffixes & IMAGE_SUFFIXES)


def _file_rules(post: Post, media: Media, key: str, cls, shown: str) -> list[Problem]:
    """The file as it is: a suffix and bytes the platform takes."""
    lim, found = cls.limits, []
    if media.file.suffix.lower() not in lim.media_suffixes:
        allowed = ", ".join(sorted(lim.media_suffixes))
        message = f"{shown} does not take {media.file.suffix} files (it takes {allowed})"
        found.append(_problem(post, media, key, message, "media-type"))
    cap = lim.video_bytes if media.kind == "video" else lim.image_bytes
    if cap is not None and media.size > cap:
        message = f"{media.src} is {media.size:,} bytes; {shown} takes at most {cap:,}"
        found.append(_problem(post, media, key, message, "media-size"))
    return found


def _aspect(post: Post, media: Media, key: str, cls, facts, shown: str) -> list[Problem]:
    bounds = cls.limits.aspect
    if bounds is None or facts.size is None:
        return []
    width, height = facts.size
    if bounds[0] <= width / height <= bounds[1]:
        return []
    low, high = (_ratio(b) for b in bounds)
    message = (
        f"{media.src} is {width}×{height} (aspect {width / height:.2f}); {shown} takes images "
        f"from {low} to {high} (width:height): crop it to fit"
    )
    return [_problem(post, media, key, message, "media-aspect")]


def _ratio(value: float) -> str:
    frac = Fraction(value).limit_denominator(100)
    return f"{frac.numerator}:{frac.denominator}" if frac.denominator <= 5 else f"{value}:1"


def _leak(post: Post, media: Media, key: str, facts, shown: str) -> Problem:
    what = ", ".join(facts.metadata)
    message = (
        f"{media.src} carries {what}; {shown} fetches it as it is from media_base_url, "
        "where smmflow cannot remove it: remove the metadata before committing, or drop "
        "media_base_url so the feed site serves a cleaned copy"
    )
    severity = Severity.ERROR if facts.gps else Severity.WARNING
    return _problem(post, media, key, message, "media-metadata", severity)


def _duration(post: Post, media: Media, key: str, cls, shown: str) -> list[Problem]:
    bounds = cls.limits.video_seconds
    if bounds is None or videoprobe.ffprobe() is None:
        return []  # said once per video by `unprobed`
    seconds = videoprobe.seconds(media.file)
    if seconds is None:
        message = f"ffprobe cannot read the duration of {media.src}: not a video it knows"
        return [_problem(post, media, key, message, "video-unchecked", Severity.WARNING)]
    if bounds[0] <= seconds <= bounds[1]:
        return []
    message = f"{media.src} lasts {seconds:.1f} s; {shown} takes {bounds[0]:g}–{bounds[1]:g} s"
    return [_problem(post, media, key, message, "video-duration")]


def unprobed(post: Post, classes: list[type[Platform]]) -> list[Problem]:
    """Once per video: its duration was not checked, since ffprobe is missing."""
    limited = sorted({c.name for c in classes if c.limits.video_seconds})
    if not limited or videoprobe.ffprobe() is not None:
        return []
    found = []
    for i, media in enumerate(post.media):
        if media.kind == "video":
            message = (
                f"duration of {media.src} not checked for {', '.join(limited)}: ffprobe is "
                "not installed (install FFmpeg to check it)"
            )
            code = "video-unchecked"
            found.append(_problem(post, media, f"media.{i}.src", message, code, Severity.WARNING))
    return found
