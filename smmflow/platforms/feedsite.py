"""The built-in `feed` platform's output: a static site with an Atom feed under public/<group>/.

A static site needs no server and no credentials (GitHub Pages serves public/ as is), and its
media URLs are what Instagram is told to fetch. Output is deterministic (same input, same
bytes) so a re-run commits nothing new, and every file is replaced atomically so a crash
never leaves half a page. All user text is escaped; pages carry no JavaScript at all.

Layout: public/<group>/posts/<slug>.html, public/<group>/<src> (media mirror content/<group>/,
so `media/x.jpg` is served as <group>/media/x.jpg), public/<group>/feed.xml and index.html,
and public/index.html listing every group.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from ..model import Group, Media, Post
from ..text.escape import clean, esc
from ..text.headline import headline
from ..text.i18n import words
from ..text.render import to_html
from . import mediaprep

ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:smmflow,2026:"  # ids never derive from time or URLs: moving the site keeps them
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)  # `updated` of an empty feed
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"  # written as xml:lang
ROOT_LANG = "en"  # public/index.html lists every group: the agency's page, in English
# A fixed table, not `mimetypes`: that reads the machine's files, and output must not vary.
MIME = dict(
    pair.split("=")
    for pair in "jpg=image/jpeg jpeg=image/jpeg png=image/png gif=image/gif webp=image/webp "
    "mp4=video/mp4 m4v=video/x-m4v mov=video/quicktime webm=video/webm".split()
)
_MARK = re.compile(' data-media="([^"]*)"')
_STYLE = (
    "body{max-width:40rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 system-ui,sans-serif}"
    "img,video{max-width:100%;height:auto}figure{margin:1rem 0}time{color:#555}"
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
)
_CSP = (
    "default-src 'self'; img-src * data:; media-src *; style-src 'unsafe-inline'; script-src 'none'"
)


@dataclass(frozen=True)
class Entry:
    """A post as it went out on the feed: `published` is aware UTC."""

    post: Post
    published: dt.datetime
    first_id: str = ""  # the post id it first went out under (a renamed post keeps it)


def _parts(src: str) -> tuple[str, ...]:
    """`src` as path parts below the group folder; refuses anything that could leave it."""
    pure = PurePosixPath(src.replace("\\", "/"))
    parts = tuple(p for p in pure.parts if p != ".")
    if not parts or pure.is_absolute() or ".." in parts or ":" in parts[0]:
        raise ValueError(f"media path {src!r} is not inside the group's folder")
    return parts


def _href(parts: tuple[str, ...]) -> str:
    return "/".join(quote(p, safe="") for p in parts)


def _prefix(group_id: str, base_url: str | None) -> str:
    """Start of every URL in public/<group>/: absolute with base_url, else relative to public/."""
    group = quote(group_id, safe="")
    return f"{base_url.rstrip('/')}/{group}/" if base_url else f"{group}/"


def post_url(group_id: str, slug: str, base_url: str | None) -> str:
    """URL of a post's page; without base_url it is relative to public/."""
    return f"{_prefix(group_id, base_url)}posts/{quote(slug, safe='')}.html"


def media_url(group_id: str, src: str, base_url: str | None) -> str:
    """Public URL of a copied media file (what Instagram fetches): {base}/{group}/{src}."""
    return _prefix(group_id, base_url) + _href(_parts(src))


def _rfc3339(moment: dt.datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no timezone; feed times must be aware")
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(post: Post, group: Group) -> str:
    """The post's date as its readers' clock shows it, without locale-dependent month names."""
    local = post.date.astimezone(group.tz)
    stamp = f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()
    return f'<time datetime="{local.isoformat(timespec="minutes")}">{esc(stamp)}</time>'


def _replace(path: Path, fill: Callable[[str], None]) -> None:
    """Fill a temp file next to `path`, then rename it over: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        fill(tmp)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from a web server
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _write(path: Path, data: bytes) -> None:
    _replace(path, lambda tmp: Path(tmp).write_bytes(data))


def _copy(data: bytes, target: Path) -> None:
    """Write unless an identical regular file is there already: re-runs leave videos alone."""
    if target.is_symlink() or not target.is_file() or target.read_bytes() != data:
        _replace(target, lambda tmp: Path(tmp).write_bytes(data))


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _page_path(folder: Path, slug: str) -> Path:
    if not slug or any(c in slug for c in "/\\\x00"):
        raise ValueError(f"{slug!r} is not a post slug")
    return folder / "posts" / f"{slug}.html"


def _figure(media: Media, href: str, mark: bool) -> str:
    """An image or video; pages mark theirs (`data-media`) so unused copies can be found later."""
    alt = esc(media.alt)
    data = f' data-media="{esc("/".join(_parts(media.src)))}"' if mark else ""
    if media.kind == "video":
        tag = f'<video controls preload="metadata" src="{esc(href)}" aria-label="{alt}"{data}>{alt}</video>'
    else:
        tag = f'<img src="{esc(href)}" alt="{alt}"{data}>'
    return f"<figure>{tag}</figure>\n"


def _document(title: str, body: str, head: str = "", lang: str = ROOT_LANG) -> bytes:
    """A page; `lang` is its group's `language:` (BCP 47), which its words are in."""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f"<title>{title}</title>\n{head}<style>{_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    ).encode()


def _feed_link(href: str, title: str) -> str:
    return f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{href}">\n'


def write_post(
    public: Path,
    group: Group,
    post: Post,
    base_url: str | None,
    read: Callable[[Media], bytes] | None = None,
) -> Path:
    """Write the post's page and copy its media; returns the page. Links stay relative, so the
    site works offline and wherever it is served; base_url only adds a canonical link.

    `read` gives each media file's bytes (sync: the publish branch's blob, so an
    uncommitted change never reaches public/); without it the file is read."""
    folder = public / group.id
    page = _page_path(folder, post.slug)
    before = _refs(page)
    for media in post.media:
        target = folder.joinpath(*_parts(media.src))
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _inside(target.parent, folder):
            raise ValueError(f"{target.parent} leads outside {folder}")
        data = read(media) if read else media.file.read_bytes()
        _copy(data, target)
        if (jpeg := mediaprep.jpeg_copy(media.src, data)) is not None:
            _copy(jpeg, target.with_name(target.name + ".jpg"))
    name, title = esc(group.name), esc(headline(post))
    w = words(group.language)
    all_posts, atom = w.gettext("{name}: all posts").format(name=group.name), w.gettext("Atom feed")
    # Untitled posts open with their headline already: keep the h1 for screen readers only.
    heading = f"<h1>{title}</h1>" if post.title else f'<h1 class="sr">{title}</h1>'
    figures = "".join(_figure(m, "../" + _href(_parts(m.src)), True) for m in post.media)
    body = (
        f'<header><p><a href="../index.html">{name}</a></p></header>\n<main>\n<article>\n'
        f"{heading}\n<p>{_time(post, group)}</p>\n{clean(to_html(post.body))}{figures}"
        f'</article>\n</main>\n<footer><p><a href="../index.html">{esc(all_posts)}</a> · '
        f'<a href="../feed.xml" type="application/atom+xml">{esc(atom)}</a></p></footer>\n'
    )
    head = _feed_link("../feed.xml", name)
    if base_url:
        head += f'<link rel="canonical" href="{esc(post_url(group.id, post.slug, base_url))}">\n'
    _write(page, _document(f"{title} · {name}", body, head, group.language))
    _prune(folder, before - _refs(page))
    return page


def _refs(page: Path) -> set[str]:
    """The `data-media` marks of a page. A body cannot forge one: markdown-it escapes `"`."""
    if not page.is_file():
        return set()
    return set(map(html.unescape, _MARK.findall(page.read_text(encoding="utf-8"))))


def _prune(folder: Path, candidates: set[str]) -> None:
    """Delete media copies that no page uses any more (withdrawn or edited posts)."""
    if not candidates:
        return
    used = set().union(*(_refs(p) for p in sorted((folder / "posts").glob("*.html"))))
    for rel in sorted(candidates - used):
        try:
            path = folder.joinpath(*_parts(rel))
        except ValueError:
            continue
        if path.suffix.lower().lstrip(".") not in MIME or not _inside(path.parent, folder):
            continue
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".jpg").unlink(missing_ok=True)  # its JPEG copy
        parent = path.parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def remove_post(public: Path, group: Group, slug: str) -> bool:
    """Delete a withdrawn post's page and the media only it used; False if there was none."""
    folder = public / group.id
    page = _page_path(folder, slug)
    if not page.is_file():
        return False
    used = _refs(page)
    page.unlink()
    _prune(folder, used)
    return True


def _newest_first(group: Group, entries: list[Entry]) -> list[Entry]:
    """Newest first, ties by id (never the caller's order), one entry per post: ids are unique."""
    if any(e.post.group != group.id for e in entries):
        raise ValueError(f"every entry must be a post of {group.id}")
    unique: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: (e.published, e.post.id), reverse=True):
        unique.setdefault(entry.post.id, entry)
    return list(unique.values())


def _sub(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    element.text = clean(text)
    return element


def _atom(group: Group, entries: list[Entry], base_url: str | None) -> bytes:
    """RFC 4287 feed. Without base_url, URLs are relative to feed.xml itself (RFC 3986 base)."""
    here = _prefix(group.id, base_url) if base_url else ""
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: group.language})
    _sub(feed, "id", TAG + quote(group.id, safe=""))
    _sub(feed, "title", group.name)
    _sub(feed, "updated", _rfc3339(entries[0].published if entries else EPOCH))
    _sub(ET.SubElement(feed, "author"), "name", group.name)
    _sub(feed, "link", "", rel="self", type="application/atom+xml", href=here + "feed.xml")
    _sub(feed, "link", "", rel="alternate", type="text/html", href=here + "index.html")
    for entry in entries:
        post, stamp = entry.post, _rfc3339(entry.published)
        item = ET.SubElement(feed, "entry")
        _sub(item, "id", TAG + quote(entry.first_id or post.id, safe="/"))
        _sub(item, "title", headline(post))
        _sub(item, "updated", stamp)
        _sub(item, "published", stamp)
        page = here + f"posts/{quote(post.slug, safe='')}.html"
        _sub(item, "link", "", rel="alternate", type="text/html", href=page)
        for m in post.media:
            mime = MIME.get(m.file.suffix.lower().lstrip("."), "application/octet-stream")
            href = here + _href(_parts(m.src))
            _sub(item, "link", "", rel="enclosure", type=mime, length=str(m.size), href=href)
        _sub(item, "category", "", term=post.type)
        figures = "".join(_figure(m, here + _href(_parts(m.src)), False) for m in post.media)
        _sub(item, "content", to_html(post.body) + figures, type="html")
    ET.indent(feed)
    text = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode()


def _root_index(public: Path, group: Group) -> bytes:
    """public/index.html: every group with a feed; names come from their feeds' titles."""
    items, head = [], ""
    for feed in sorted(public.glob("*/feed.xml")):
        gid = feed.parent.name
        title = group.name if gid == group.id else None
        with contextlib.suppress(ET.ParseError, OSError):
            title = title or ET.parse(feed).getroot().findtext(f"{{{ATOM}}}title")
        name = esc(title or gid)
        href = quote(gid, safe="")
        head += _feed_link(f"{href}/feed.xml", name)
        items.append(
            f'<li><a href="{href}/index.html">{name}</a> '
            f'(<a href="{href}/feed.xml" type="application/atom+xml">Atom feed</a>)</li>\n'
        )
    body = f"<main>\n<h1>Feeds</h1>\n<ul>\n{''.join(items)}</ul>\n</main>\n"
    return _document("Feeds", body, head)


def write_index(
    public: Path, group: Group, entries: list[Entry], base_url: str | None
) -> list[Path]:
    """(Re)write the group's feed.xml and index.html, then public/index.html; returns them."""
    folder = public / group.id
    ordered = _newest_first(group, entries)
    feed, index, root = folder / "feed.xml", folder / "index.html", public / "index.html"
    _write(feed, _atom(group, ordered, base_url))
    name = esc(group.name)
    w = words(group.language)
    none, every, atom = w.gettext("No posts yet."), w.gettext("All feeds"), w.gettext("Atom feed")
    items = "".join(
        f'<li><a href="posts/{esc(quote(e.post.slug, safe=""))}.html">{esc(headline(e.post))}</a>'
        f" {_time(e.post, group)}</li>\n"
        for e in ordered
    )
    listing = f"<ul>\n{items}</ul>\n" if items else f"<p>{esc(none)}</p>\n"
    body = (
        f'<header><p><a href="../index.html">{esc(every)}</a></p></header>\n'
        f"<main>\n<h1>{name}</h1>\n"
        f'<p><a href="feed.xml" type="application/atom+xml">{esc(atom)}</a></p>\n'
        f"{listing}</main>\n"
    )
    _write(index, _document(name, body, _feed_link("feed.xml", name), group.language))
    _write(root, _root_index(public, group))
    return [feed, index, root]
