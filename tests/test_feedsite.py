"""The feed platform's static site: real content repositories in tmp_path, real files out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from smmflow.content.repo import Repo, load
from smmflow.platforms import feedsite
from smmflow.platforms.feedsite import (
    Entry,
    media_url,
    post_url,
    remove_post,
    write_index,
    write_post,
)

A = "{http://www.w3.org/2005/Atom}"
UTC = dt.timezone.utc
BASE = "https://ana.github.io/site/"


def png(width: int = 1, height: int = 1) -> bytes:
    """A tiny valid PNG, so the media is a real image and not just bytes with a name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    write(
        root,
        "schedules/brutaria-dulce.yml",
        "name: Brutăria Dulce\ntimezone: Europe/Bucharest\naccounts:\n  feed: {}\n",
    )
    write(root, "content/brutaria-dulce/media/cozonac.png", png(2, 2))
    write(root, "content/brutaria-dulce/media/pâine caldă.png", png(3, 1))
    write(
        root,
        "content/brutaria-dulce/media/vitrina.mp4",
        b"\x00\x00\x00\x18ftypmp42 not really a video",
    )
    write(
        root,
        "content/brutaria-dulce/2026-12-04-cozonac.md",
        "---\ndate: 2026-12-04 10:00\ntype: sales\nmedia:\n"
        "  - src: media/cozonac.png\n    alt: Cozonac proaspăt pe masă 🎄\n---\n"
        "**Cozonac** cu nucă, ca la bunica 🎄. Comenzi: [comandă aici](https://example.ro/cozonac)\n\n#craciun\n",
    )
    write(
        root,
        "content/brutaria-dulce/2026-12-07-maia.md",
        "---\ndate: 2026-12-07 18:30\ntype: informative\ntitle: Maia naturală & răbdare\nmedia:\n"
        "  - src: media/cozonac.png\n    alt: Același cozonac\n"
        "  - src: media/pâine caldă.png\n    alt: Pâine caldă\n"
        "  - src: media/vitrina.mp4\n    alt: Vitrina brutăriei, filmată dimineața\n---\n"
        "Maia are *trei* zile. Întrebări? Scrie-ne.\n",
    )
    write(
        root,
        "schedules/evil.yml",
        'name: "Evil <script>alert(0)</script> & co"\ntimezone: UTC\naccounts:\n  feed: {}\n',
    )
    write(root, "content/evil/media/x.png", png())
    write(
        root,
        "content/evil/2026-12-01-xss.md",
        "---\ndate: 2026-12-01 12:00\ntype: sales\ntitle: \"<script>alert('t')</script>\"\nmedia:\n"
        '  - src: media/x.png\n    alt: "\\"><script>alert(\'a\')</script>"\n---\n'
        "<script>alert(1)</script>\n\n[click](javascript:alert(2)) and <img src=x onerror=alert(3)>\n",
    )
    loaded = load(root)
    assert not loaded.problems, loaded.problems
    return loaded


def post(repo: Repo, slug: str):
    return next(p for p in repo.posts if p.slug == slug)


def publish(repo: Repo, public: Path, group_id: str, base_url: str | None = None) -> list[Entry]:
    """Write every post of a group and its index, as the sync engine would."""
    group = repo.groups[group_id]
    entries = []
    for p in repo.posts_of(group_id):
        write_post(public, group, p, base_url)
        entries.append(Entry(p, p.utc + dt.timedelta(minutes=1)))
    write_index(public, group, entries, base_url)
    return entries


def test_urls_with_and_without_base_url() -> None:
    assert (
        post_url("brutaria-dulce", "2026-12-04-cozonac", None)
        == "brutaria-dulce/posts/2026-12-04-cozonac.html"
    )
    assert (
        post_url("g", "2026-12-04-x", BASE)
        == "https://ana.github.io/site/g/posts/2026-12-04-x.html"
    )
    assert post_url("g", "x", "https://h.ro") == "https://h.ro/g/posts/x.html"
    assert media_url("g", "media/cozonac.jpg", None) == "g/media/cozonac.jpg"
    assert (
        media_url("g", "media/cozonac.jpg", BASE)
        == "https://ana.github.io/site/g/media/cozonac.jpg"
    )
    assert media_url("g", "./media/pâine caldă.png", None) == "g/media/p%C3%A2ine%20cald%C4%83.png"
    assert post_url("g", "a b#?", None) == "g/posts/a%20b%23%3F.html"
    for bad in ("../secret.png", "/etc/x.png", "media/../../x.png"):
        with pytest.raises(ValueError):
            media_url("g", bad, None)


def test_page_has_body_media_date_and_links(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    group = repo.groups["brutaria-dulce"]
    page = write_post(public, group, post(repo, "2026-12-04-cozonac"), None)
    assert page == public / "brutaria-dulce" / "posts" / "2026-12-04-cozonac.html"
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=")
    assert (
        "<title>Cozonac cu nucă, ca la bunica 🎄. Comenzi: comandă aici · Brutăria Dulce</title>"
        in text
    )
    assert "<strong>Cozonac</strong> cu nucă, ca la bunica 🎄" in text
    assert '<a href="https://example.ro/cozonac">comandă aici</a>' in text
    assert '<img src="../media/cozonac.png" alt="Cozonac proaspăt pe masă 🎄"' in text
    assert '<time datetime="2026-12-04T10:00+02:00">2026-12-04 10:00 EET</time>' in text
    assert '<a href="../index.html">Brutăria Dulce</a>' in text
    assert "<script" not in text
    copied = public / "brutaria-dulce" / "media" / "cozonac.png"
    assert (
        copied.read_bytes() == (repo.root / "content/brutaria-dulce/media/cozonac.png").read_bytes()
    )
    assert sorted(p.name for p in (public / "brutaria-dulce" / "media").iterdir()) == [
        "cozonac.png",
        "cozonac.png.jpg",  # the JPEG copy Instagram fetches (platforms/mediaprep)
    ]


def test_titled_post_with_video_and_odd_file_name(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    page = write_post(public, repo.groups["brutaria-dulce"], post(repo, "2026-12-07-maia"), BASE)
    text = page.read_text(encoding="utf-8")
    assert "<h1>Maia naturală &amp; răbdare</h1>" in text
    assert "<em>trei</em>" in text
    assert '<img src="../media/p%C3%A2ine%20cald%C4%83.png" alt="Pâine caldă"' in text
    assert (
        '<video controls preload="metadata" src="../media/vitrina.mp4" aria-label="Vitrina brutăriei'
        in text
    )
    assert f'<link rel="canonical" href="{BASE}brutaria-dulce/posts/2026-12-07-maia.html">' in text
    media = public / "brutaria-dulce" / "media"
    assert (media / "pâine caldă.png").read_bytes() == (
        repo.root / "content/brutaria-dulce/media/pâine caldă.png"
    ).read_bytes()
    assert (media / "vitrina.mp4").is_file()


def test_writing_is_idempotent_and_atomic(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    publish(repo, public, "brutaria-dulce", BASE)
    first = {p: p.read_bytes() for p in public.rglob("*") if p.is_file()}
    publish(repo, public, "brutaria-dulce", BASE)
    assert {p: p.read_bytes() for p in public.rglob("*") if p.is_file()} == first
    assert not [p for p in public.rglob(".*")], "temp files left behind"
    # Entries in another order or given twice: same bytes.
    group = repo.groups["brutaria-dulce"]
    entries = publish(repo, public, "brutaria-dulce", BASE)
    write_index(public, group, entries[::-1] + entries, BASE)
    assert (public / "brutaria-dulce" / "feed.xml").read_bytes() == first[
        public / "brutaria-dulce" / "feed.xml"
    ]


@pytest.mark.parametrize("base_url", [None, BASE])
def test_feed_has_the_atom_elements(repo: Repo, tmp_path: Path, base_url: str | None) -> None:
    public = tmp_path / "public"
    entries = publish(repo, public, "brutaria-dulce", base_url)
    here = f"{BASE}brutaria-dulce/" if base_url else ""
    feed = ET.parse(public / "brutaria-dulce" / "feed.xml").getroot()
    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}id") == "tag:smmflow,2026:brutaria-dulce"
    assert feed.findtext(f"{A}title") == "Brutăria Dulce"
    assert feed.findtext(f"{A}author/{A}name") == "Brutăria Dulce"
    assert feed.findtext(f"{A}updated") == "2026-12-07T16:31:00Z"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{A}link")}
    assert links == {"self": here + "feed.xml", "alternate": here + "index.html"}
    items = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}id") for e in items] == [
        "tag:smmflow,2026:brutaria-dulce/2026-12-07-maia",
        "tag:smmflow,2026:brutaria-dulce/2026-12-04-cozonac",
    ]
    maia, cozonac = items
    assert maia.findtext(f"{A}title") == "Maia naturală & răbdare"
    assert (
        cozonac.findtext(f"{A}title") == "Cozonac cu nucă, ca la bunica 🎄. Comenzi: comandă aici"
    )
    assert (
        cozonac.findtext(f"{A}published")
        == cozonac.findtext(f"{A}updated")
        == "2026-12-04T08:01:00Z"
    )
    assert cozonac.find(f"{A}category").get("term") == "sales"
    alternate = cozonac.find(f"{A}link[@rel='alternate']").get("href")
    if base_url:
        assert alternate == post_url("brutaria-dulce", "2026-12-04-cozonac", base_url)
    else:
        assert alternate == "posts/2026-12-04-cozonac.html"  # relative to feed.xml itself
    content = cozonac.find(f"{A}content")
    assert content.get("type") == "html"
    assert "<strong>Cozonac</strong> cu nucă" in content.text
    assert f'<img src="{here}media/cozonac.png" alt="Cozonac proaspăt pe masă 🎄">' in content.text
    enclosures = [link.attrib for link in maia.findall(f"{A}link[@rel='enclosure']")]
    size = len(png(2, 2))
    assert enclosures[0] == {
        "rel": "enclosure",
        "type": "image/png",
        "length": str(size),
        "href": here + "media/cozonac.png",
    }
    assert enclosures[1]["href"] == here + "media/p%C3%A2ine%20cald%C4%83.png"
    assert enclosures[2]["type"] == "video/mp4"
    if base_url:
        assert enclosures[0]["href"] == media_url("brutaria-dulce", "media/cozonac.png", base_url)
    assert len(entries) == 2


# RFC 4287 Appendix B, the normative RELAX NG compact schema (Schematron annotations left out:
# they are not part of what RELAX NG checks).
ATOM_RNC = r"""
namespace atom = "http://www.w3.org/2005/Atom"
namespace xhtml = "http://www.w3.org/1999/xhtml"
namespace local = ""
start = atomFeed | atomEntry
atomCommonAttributes = attribute xml:base { atomUri }?, attribute xml:lang { atomLanguageTag }?, undefinedAttribute*
atomPlainTextConstruct = atomCommonAttributes, attribute type { "text" | "html" }?, text
atomXHTMLTextConstruct = atomCommonAttributes, attribute type { "xhtml" }, xhtmlDiv
atomTextConstruct = atomPlainTextConstruct | atomXHTMLTextConstruct
atomPersonConstruct = atomCommonAttributes, (element atom:name { text } & element atom:uri { atomUri }? & element atom:email { atomEmailAddress }? & extensionElement*)
atomDateConstruct = atomCommonAttributes, xsd:dateTime
atomFeed = element atom:feed { atomCommonAttributes, (atomAuthor* & atomCategory* & atomContributor* & atomGenerator? & atomIcon? & atomId & atomLink* & atomLogo? & atomRights? & atomSubtitle? & atomTitle & atomUpdated & extensionElement*), atomEntry* }
atomEntry = element atom:entry { atomCommonAttributes, (atomAuthor* & atomCategory* & atomContent? & atomContributor* & atomId & atomLink* & atomPublished? & atomRights? & atomSource? & atomSummary? & atomTitle & atomUpdated & extensionElement*) }
atomInlineTextContent = element atom:content { atomCommonAttributes, attribute type { "text" | "html" }?, (text)* }
atomInlineXHTMLContent = element atom:content { atomCommonAttributes, attribute type { "xhtml" }, xhtmlDiv }
atomInlineOtherContent = element atom:content { atomCommonAttributes, attribute type { atomMediaType }?, (text|anyElement)* }
atomOutOfLineContent = element atom:content { atomCommonAttributes, attribute type { atomMediaType }?, attribute src { atomUri }, empty }
atomContent = atomInlineTextContent | atomInlineXHTMLContent | atomInlineOtherContent | atomOutOfLineContent
atomAuthor = element atom:author { atomPersonConstruct }
atomCategory = element atom:category { atomCommonAttributes, attribute term { text }, attribute scheme { atomUri }?, attribute label { text }?, undefinedContent }
atomContributor = element atom:contributor { atomPersonConstruct }
atomGenerator = element atom:generator { atomCommonAttributes, attribute uri { atomUri }?, attribute version { text }?, text }
atomIcon = element atom:icon { atomCommonAttributes, (atomUri) }
atomId = element atom:id { atomCommonAttributes, (atomUri) }
atomLogo = element atom:logo { atomCommonAttributes, (atomUri) }
atomLink = element atom:link { atomCommonAttributes, attribute href { atomUri }, attribute rel { atomNCName | atomUri }?, attribute type { atomMediaType }?, attribute hreflang { atomLanguageTag }?, attribute title { text }?, attribute length { text }?, undefinedContent }
atomPublished = element atom:published { atomDateConstruct }
atomRights = element atom:rights { atomTextConstruct }
atomSource = element atom:source { atomCommonAttributes, (atomAuthor* & atomCategory* & atomContributor* & atomGenerator? & atomIcon? & atomId? & atomLink* & atomLogo? & atomRights? & atomSubtitle? & atomTitle? & atomUpdated? & extensionElement*) }
atomSubtitle = element atom:subtitle { atomTextConstruct }
atomSummary = element atom:summary { atomTextConstruct }
atomTitle = element atom:title { atomTextConstruct }
atomUpdated = element atom:updated { atomDateConstruct }
atomNCName = xsd:string { minLength = "1" pattern = "[^:]*" }
atomMediaType = xsd:string { pattern = ".+/.+" }
atomLanguageTag = xsd:string { pattern = "[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*" }
atomUri = text
atomEmailAddress = xsd:string { pattern = ".+@.+" }
simpleExtensionElement = element * - atom:* { text }
structuredExtensionElement = element * - atom:* { (attribute * { text }+, (text|anyElement)*) | (attribute * { text }*, (text?, anyElement+, (text|anyElement)*)) }
extensionElement = simpleExtensionElement | structuredExtensionElement
undefinedAttribute = attribute * - (xml:base | xml:lang | local:*) { text }
undefinedContent = (text|anyForeignElement)*
anyElement = element * { (attribute * { text } | text | anyElement)* }
anyForeignElement = element * - atom:* { (attribute * { text } | text | anyElement)* }
anyXHTML = element xhtml:* { (attribute * { text } | text | anyXHTML)* }
xhtmlDiv = element xhtml:div { (attribute * { text } | text | anyXHTML)* }
"""


@pytest.mark.parametrize("base_url", [None, BASE])
def test_feed_validates_against_the_rfc_4287_schema(
    repo: Repo, tmp_path: Path, base_url: str | None
) -> None:
    etree = pytest.importorskip("lxml.etree")
    rnc2rng = pytest.importorskip("rnc2rng")
    # rnc2rng declares the empty `local` prefix as xmlns:local="", which XML forbids; its
    # <nsName ns=""/> needs no prefix, so the declaration can simply go.
    rng = rnc2rng.dumps(rnc2rng.loads(ATOM_RNC)).replace(' xmlns:local=""', "")
    schema = etree.RelaxNG(etree.fromstring(rng.encode()))
    public = tmp_path / "public"
    for group_id in ("brutaria-dulce", "evil"):
        publish(repo, public, group_id, base_url)
        feed = etree.parse(str(public / group_id / "feed.xml"))
        assert schema.validate(feed), schema.error_log
    write_index(public, repo.groups["evil"], [], base_url)
    feed = etree.parse(str(public / "evil" / "feed.xml"))
    assert schema.validate(feed), schema.error_log
    broken = etree.fromstring(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    assert not schema.validate(broken)  # the schema does catch a feed without id/updated


def test_empty_feed_has_a_fixed_updated(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    paths = write_index(public, repo.groups["brutaria-dulce"], [], None)
    assert paths == [
        public / "brutaria-dulce" / "feed.xml",
        public / "brutaria-dulce" / "index.html",
        public / "index.html",
    ]
    feed = ET.parse(paths[0]).getroot()
    assert feed.findtext(f"{A}updated") == "1970-01-01T00:00:00Z"
    assert feed.findall(f"{A}entry") == []
    assert "No posts yet." in paths[1].read_text(encoding="utf-8")


def test_naive_published_time_is_refused(repo: Repo, tmp_path: Path) -> None:
    p = post(repo, "2026-12-04-cozonac")
    with pytest.raises(ValueError):
        write_index(
            tmp_path, repo.groups["brutaria-dulce"], [Entry(p, dt.datetime(2026, 12, 4, 8))], None
        )
    with pytest.raises(ValueError):  # a post of another group in this group's feed
        write_index(tmp_path, repo.groups["evil"], [Entry(p, p.utc)], None)


def test_indexes_list_posts_newest_first_and_every_group(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    publish(repo, public, "brutaria-dulce")
    index = (public / "brutaria-dulce" / "index.html").read_text(encoding="utf-8")
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Brutăria Dulce" href="feed.xml">'
        in index
    )
    maia = index.index('href="posts/2026-12-07-maia.html">Maia naturală &amp; răbdare</a>')
    cozonac = index.index('href="posts/2026-12-04-cozonac.html">')
    assert maia < cozonac
    root = (public / "index.html").read_text(encoding="utf-8")
    assert '<a href="brutaria-dulce/index.html">Brutăria Dulce</a>' in root
    assert "evil" not in root
    publish(repo, public, "evil")
    root = (public / "index.html").read_text(encoding="utf-8")
    assert (
        '<a href="brutaria-dulce/index.html">Brutăria Dulce</a>' in root
    )  # name read from its feed
    assert (
        '<a href="evil/index.html">Evil &lt;script&gt;alert(0)&lt;/script&gt; &amp; co</a>' in root
    )


def test_script_and_javascript_links_come_out_inert(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    publish(repo, public, "evil")
    pages = [
        public / "evil/posts/2026-12-01-xss.html",
        public / "evil/index.html",
        public / "index.html",
    ]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page
        assert 'href="javascript:' not in text, page
        assert "<img src=x" not in text, page
    text = pages[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<h1>&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;</h1>" in text
    assert 'alt="&quot;&gt;&lt;script&gt;alert(&#x27;a&#x27;)&lt;/script&gt;"' in text
    raw = (public / "evil/feed.xml").read_text(encoding="utf-8")
    assert "<script" not in raw.lower()
    entry = ET.fromstring(raw).find(f"{A}entry")
    assert (
        entry.findtext(f"{A}title") == "<script>alert('t')</script>"
    )  # type="text": shown, not run
    html = entry.findtext(f"{A}content")
    assert (
        "<script" not in html.lower()
        and 'href="javascript:' not in html
        and "<img src=x" not in html
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_remove_post_drops_the_page_and_unshared_media(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    group = repo.groups["brutaria-dulce"]
    entries = publish(repo, public, "brutaria-dulce")
    folder = public / "brutaria-dulce"
    assert remove_post(public, group, "2026-12-07-maia") is True
    assert not (folder / "posts/2026-12-07-maia.html").exists()
    assert (folder / "media/cozonac.png").is_file()  # the cozonac post still shows it
    assert not (folder / "media/pâine caldă.png").exists()
    assert not (folder / "media/vitrina.mp4").exists()
    assert remove_post(public, group, "2026-12-07-maia") is False
    write_index(public, group, [e for e in entries if e.post.slug != "2026-12-07-maia"], None)
    feed = (folder / "feed.xml").read_text(encoding="utf-8")
    assert "2026-12-07-maia" not in feed and "2026-12-04-cozonac" in feed
    assert "2026-12-07-maia" not in (folder / "index.html").read_text(encoding="utf-8")
    assert remove_post(public, group, "2026-12-04-cozonac") is True
    assert not (folder / "media").exists()  # nothing uses any media now
    with pytest.raises(ValueError):
        remove_post(public, group, "../index")


def test_remove_post_ignores_media_references_written_in_a_body(repo: Repo, tmp_path: Path) -> None:
    """Only the media smmflow itself put on a page count: a body's image links or a literal
    `data-media="..."` in its text must not get a file deleted when the post is withdrawn."""
    public = tmp_path / "public"
    group = repo.groups["brutaria-dulce"]
    publish(repo, public, "brutaria-dulce")
    logo = public / "brutaria-dulce/media/logo.png"  # used by no page
    logo.write_bytes(png())
    body = '![x](../media/logo.png) data-media="media/logo.png" `data-media="media/logo.png"`'
    sneaky = dataclasses.replace(
        post(repo, "2026-12-04-cozonac"),
        path="content/brutaria-dulce/2026-12-09-s.md",
        body=body,
        media=(),
    )
    write_post(public, group, sneaky, None)
    assert remove_post(public, group, "2026-12-09-s") is True
    assert logo.is_file()
    assert (public / "brutaria-dulce/feed.xml").is_file()


def test_editing_a_post_prunes_media_it_no_longer_uses(repo: Repo, tmp_path: Path) -> None:
    public = tmp_path / "public"
    group = repo.groups["brutaria-dulce"]
    maia = post(repo, "2026-12-07-maia")
    write_post(public, group, maia, None)
    edited = dataclasses.replace(maia, media=maia.media[:1])
    write_post(public, group, edited, None)
    assert sorted(p.name for p in (public / "brutaria-dulce/media").iterdir()) == [
        "cozonac.png",
        "cozonac.png.jpg",
    ]


def test_mime_table_covers_every_media_type_smmflow_publishes() -> None:
    from smmflow.content.media import MEDIA_SUFFIXES

    assert {"." + suffix for suffix in feedsite.MIME} == set(MEDIA_SUFFIXES)


def test_media_is_never_written_through_a_link_that_leaves_the_group(
    repo: Repo, tmp_path: Path
) -> None:
    public, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (public / "brutaria-dulce").mkdir(parents=True)
    (public / "brutaria-dulce" / "media").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ValueError):
        write_post(public, repo.groups["brutaria-dulce"], post(repo, "2026-12-04-cozonac"), None)
    assert list(elsewhere.iterdir()) == []
