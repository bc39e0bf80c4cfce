"""The link card of a post's first link: what the page says of itself (Open Graph tags),
fetched at publish time with a timeout and a size cap, or what the post's `card:` says.

Fetching a page is network I/O nobody approved in advance and nobody controls: it must
never block the post. Every failure (no answer in time, an error status, not HTML, no
title at all) gives `Card(None, note)`: the post goes out without a card and the outcome
says why. A page is read only up to `PAGE_CAP` bytes (the tags live in its `<head>`; a
50 MB page is never read whole) and an image up to `IMAGE_CAP`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # requests is imported when a page is fetched: `check` never pays for it
    import requests

from ..model import Media, Post

KEY = "card"  # the front-matter key (content/cards reads it)
TIMEOUT = 5.0  # seconds to connect, and between bytes; also the whole fetch's deadline
PAGE_CAP = 512 * 1024
IMAGE_CAP = 8 * 1024 * 1024
CHUNK = 16 * 1024
TITLE_MAX, DESCRIPTION_MAX = 300, 1000  # more is cut (Bluesky shows a line or two)


@dataclass(frozen=True)
class Page:
    """What a page says of itself."""

    url: str
    title: str = ""
    description: str = ""
    image: str = ""  # absolute URL of og:image


class _Tags(HTMLParser):
    """og:title, og:description, og:image, else <title> and <meta name=description>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}
        self._in_title = False
        self.head_done = False

    def handle_starttag(self, tag, attrs):
        attr = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            name = (attr.get("property") or attr.get("name") or "").strip().lower()
            if name in ("og:title", "og:description", "og:image", "description", "twitter:image"):
                self.found.setdefault(name, attr.get("content", "").strip())
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self.head_done = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.head_done = True

    def handle_data(self, data):
        if self._in_title:
            self.found["title"] = (self.found.get("title", "") + data)[:TITLE_MAX]


def read_capped(response: requests.Response, cap: int, deadline: float) -> tuple[bytes, bool]:
    """Up to `cap` bytes of a streamed body before `deadline`; (bytes, whole body read)."""
    got = bytearray()
    for chunk in response.iter_content(CHUNK):
        got += chunk
        if len(got) >= cap or time.monotonic() > deadline:
            return bytes(got[:cap]), False
    return bytes(got), True


def fetch_page(session: requests.Session, url: str, timeout: float | None = None) -> Page | str:
    """The page's tags, or why there are none (a note for the outcome)."""
    import requests

    timeout = TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        with session.get(url, stream=True, timeout=(timeout, timeout)) as response:
            if response.status_code >= 400:
                return f"{url} answered HTTP {response.status_code}"
            kind = response.headers.get("Content-Type", "text/html").lower()
            if "html" not in kind:
                return f"{url} is not a web page ({kind.split(';')[0]})"
            parser = _Tags()
            for chunk in _chunks(response, deadline):
                parser.feed(chunk.decode(response.encoding or "utf-8", "replace"))
                if parser.head_done:
                    break
            final = response.url or url
    except requests.RequestException as exc:
        return f"{url} could not be read ({type(exc).__name__})"
    return _page(final, parser.found) or f"{url} has no title (no Open Graph tags)"


def _chunks(response: requests.Response, deadline: float):
    read = 0
    for chunk in response.iter_content(CHUNK):
        yield chunk
        read += len(chunk)
        if read >= PAGE_CAP or time.monotonic() > deadline:
            return


def _page(url: str, tags: dict[str, str]) -> Page | None:
    title = " ".join((tags.get("og:title") or tags.get("title") or "").split())
    if not title:
        return None
    description = tags.get("og:description") or tags.get("description") or ""
    image = tags.get("og:image") or tags.get("twitter:image") or ""
    image = urljoin(url, image) if image else ""
    if image and urlsplit(image).scheme not in ("http", "https"):
        image = ""
    return Page(url, title[:TITLE_MAX], " ".join(description.split())[:DESCRIPTION_MAX], image)


def fetch_image(session: requests.Session, url: str, timeout: float | None = None) -> bytes | str:
    """The image at `url` (at most `IMAGE_CAP` bytes), or why not."""
    import requests

    timeout = TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        with session.get(url, stream=True, timeout=(timeout, timeout)) as response:
            if response.status_code >= 400:
                return f"its image {url} answered HTTP {response.status_code}"
            data, whole = read_capped(response, IMAGE_CAP, deadline)
    except requests.RequestException as exc:
        return f"its image {url} could not be read ({type(exc).__name__})"
    if not whole:
        return f"its image {url} is over {IMAGE_CAP:,} bytes or too slow"
    return data


def card_off(post: Post) -> bool:
    """Whether the post said `card: false`."""
    return post.option(KEY, "off") == "true"


def card_media(post: Post) -> Media | None:
    """The card's own image (`card: {image: ...}`) as a media file of the post."""
    src, file = post.option(KEY, "image"), post.option(KEY, "file")
    if not isinstance(src, str) or not isinstance(file, str):
        return None
    path = Path(file)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return Media(src, "", path, size, int(str(post.option(KEY, "line", "0"))))


def attachments(post: Post) -> tuple[Media, ...]:
    """Every file the post sends: its media, then its card's image."""
    card = card_media(post)
    return (*post.media, card) if card is not None else post.media
