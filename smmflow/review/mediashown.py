"""What each account receives of a post's images, for the preview: the format, the size
in pixels and in bytes after preparation (platforms/mediaprep: converted, resized,
metadata removed), so a client sees what will leave where it is not the file committed."""

from __future__ import annotations

from ..model import Group, Media, Post
from ..platforms import mediaprep, publicmedia, registry
from ..text.i18n import Words


def media_lines(post: Post, group: Group, media: Media, w: Words) -> list[str]:
    """Sub-list lines under one image: accounts that receive the same bytes share a line.
    An account fetching the file as it is (`media_base_url`) gets none: `check` speaks."""
    if media.kind != "image":
        return []
    try:
        data = media.file.read_bytes()
    except OSError:
        return []
    shown: dict[tuple, list[str]] = {}
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        if account is None or cls is None or not cls.limits.media_suffixes & mediaprep.IMAGES:
            continue
        if cls.media_by_url and account.get("media_base_url"):
            continue
        ready = _ready(data, media, cls, account, group)
        if ready is None or ready.size is None or ready.data == data:
            continue  # sent as committed: nothing to add
        shown.setdefault((ready.mime, ready.size, len(ready.data)), []).append(name)
    lines = []
    for (mime, size, length), names in shown.items():
        said = w.gettext("{accounts}: {format} {width}×{height}, {size} bytes, without metadata")
        fmt = mime.split("/")[-1].upper()
        text = said.format(
            accounts=", ".join(names),
            format=fmt,
            width=size[0],
            height=size[1],
            size=w.number(length),
        )
        lines.append(f"  - {text}")
    return lines


def _ready(data: bytes, media: Media, cls, account, group) -> mediaprep.Prepared | None:
    try:
        if not cls.media_by_url or publicmedia.feed_account(group) is None:
            return mediaprep.prepare(data, media.file.name, cls.limits.fit())
        if mediaprep.served_src(media.src, cls.limits.fit()) != media.src:
            copy = mediaprep.jpeg_copy(media.src, data)
            return mediaprep.prepare(copy, "copy.jpg") if copy else None
        return mediaprep.prepare(data, media.file.name)  # the feed site's copy
    except ValueError:
        return None
