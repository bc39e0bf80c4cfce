"""A post's `card:` key: the link card of its first link, read and checked with its lines.

    card: false                    # no link card where the platform lets smmflow say so
    card:                          # or: what the card says (each key optional)
      url: https://example.com/x   # the link the card shows (default: the first link)
      title: Our new bread
      description: Baked today
      image: media/card.jpg        # inside the group's folder, like `media:`

Without `card:`, a card is made from the page's Open Graph tags at publish time
(platforms/linkcard). The values travel in `Post.options` as ("card", key, value), the
image's file as ("card", "file", path); `platforms.linkcard.card_media` gives the image as a `Media`, so that
approval (ledger/committed) and sending treat it like any media file the post names.
"""

from __future__ import annotations

from pathlib import Path

from ..model import IMAGE_SUFFIXES
from ..platforms.linkcard import KEY
from ..text.guard import bidi_problems
from .fields import Fields
from .groups import url_problem
from .media import _media_file  # the one check of a media path

FIELDS = ("url", "title", "description", "image")
NO = ("false", "no", "off", "none")
Value = str | tuple[str, ...]


def read(f: Fields, raw: dict, group_dir: Path) -> tuple[tuple[str, str, Value], ...]:
    """The `card:` of a post's front matter `raw`, checked (problems land in `f`)."""
    if KEY not in raw or raw[KEY] is None:
        return ()
    value = raw[KEY]
    if isinstance(value, str):
        if value.strip().lower() in NO:
            return ((KEY, "off", "true"),)
        f.error(KEY, "`card:` is `false` or a mapping of url, title, description, image", "type")
        return ()
    block = f.mapping(KEY, value)
    if not block:
        return ()
    f.unknown_keys(block, FIELDS, prefix=f"{KEY}.")
    found: list[tuple[str, str, Value]] = []
    for name in ("url", "title", "description"):
        text = f.string(f"{KEY}.{name}", block.get(name))
        if text is None or not text.strip():
            continue
        text = text.strip()
        if name == "url" and (problem := url_problem(text)):
            f.error(f"{KEY}.url", problem, "url")
            continue
        f.problems.extend(bidi_problems(f.path, f"{KEY}.{name}", text, f.line(f"{KEY}.{name}")))
        found.append((KEY, name, text))
    src = f.string(f"{KEY}.image", block.get("image"))
    if src is not None:
        found += _image(f, src.strip(), group_dir)
    return tuple(found)


def _image(f: Fields, src: str, group_dir: Path) -> list[tuple[str, str, Value]]:
    key = f"{KEY}.image"
    media = _media_file(f, key, src, group_dir, "")
    if media is None:
        return []
    if media.file.suffix.lower() not in IMAGE_SUFFIXES:
        f.error(key, f"{src!r} is not an image (a card's image is a picture)", "media-type")
        return []
    return [(KEY, "image", src), (KEY, "file", str(media.file)), (KEY, "line", str(media.line))]
