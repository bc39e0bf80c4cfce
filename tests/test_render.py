"""What each platform receives for a post body: text, Telegram HTML, Bluesky facets, counts."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smmflow.model import Media, Post
from smmflow.platforms import registry
from smmflow.text.count import graphemes, mastodon_length, utf16_units, x_weighted
from smmflow.text.render import bluesky_facets, rich, to_html

PHOTO = (
    Path(__file__).resolve().parent
    / "fixtures/telegram-caption-too-long/content/telegram-caption-too-long/media/cozonac.jpg"
)
FAMILY = "\U0001f468\u200d\u2764\ufe0f\u200d\U0001f468"  # 👨‍❤️‍👨: one grapheme, 8 UTF-16 units

# Telegram Bot API, "HTML style": the only tags it accepts.
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "tg-emoji", "code", "pre", "blockquote",
}  # fmt: skip

RICH_BODY = """# Program de sărbători

Text cu **bold**, *italic*, ~~tăiat~~ și `cod <b>` & <script>alert(1)</script>.

- unu: [comandă aici](https://example.ro/cozonac?a=1&b=2)
- doi

1. primul
2. al doilea

> un citat

```python
print("<x>")
```

---

![Cozonac pe masă](https://example.ro/c.jpg) [rău](javascript:alert(1))
"""


def make_post(body: str, *, media: bool = False) -> Post:
    shown = (
        (Media("media/cozonac.jpg", "Cozonac", PHOTO, PHOTO.stat().st_size, 6),) if media else ()
    )
    return Post(
        path="content/demo/2026-12-04-demo.md",
        group="demo",
        date=dt.datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest")),
        type="informative",
        platforms=("telegram", "bluesky", "mastodon", "x", "feed"),
        media=shown,
        body=body,
    )


def render(platform: str, body: str, *, media: bool = False):
    cls = registry.get(platform)
    assert cls is not None, platform
    return cls.render(make_post(body, media=media))


def sliced(text: str, facet: dict) -> str:
    index = facet["index"]
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")


def kinds(facets) -> list[str]:
    return [f["features"][0]["$type"].rsplit("#", 1)[1] for f in facets]


# --- Bluesky facets ------------------------------------------------------------------


def test_bluesky_docs_worked_example():
    """https://docs.bsky.app/docs/advanced-guides/post-richtext: the offsets it gives."""
    text = (
        f"✨ example mentioning @atproto.com to share the URL {FAMILY} "
        "https://en.wikipedia.org/wiki/CBOR."
    )
    facets = bluesky_facets(text)
    assert kinds(facets) == ["mention", "link"]
    mention, link = facets
    assert mention["index"] == {"byteStart": 23, "byteEnd": 35}
    assert mention["features"][0]["handle"] == "atproto.com"
    assert link["index"] == {"byteStart": 74, "byteEnd": 108}
    assert link["features"][0]["uri"] == "https://en.wikipedia.org/wiki/CBOR"
    assert sliced(text, mention) == "@atproto.com"
    assert sliced(text, link) == "https://en.wikipedia.org/wiki/CBOR"  # the final "." left out


def test_bluesky_facets_on_romanian_text_with_emoji():
    body = (
        "Cozonac 🎄 la brutăria noastră, cu nucă: [comandă aici](https://example.ro/cozonac) "
        "sau scrie-ne @brutaria.bsky.social. Detalii: https://example.ro/crăciun, "
        "#crăciun #brutărie! #2026 C#sharp ana@brutaria.ro"
    )
    rendered = render("bluesky", body)
    assert rendered.text == rendered.visible
    assert "[comandă aici]" not in rendered.text  # the anchor is shown, the URL rides in a facet
    got = [
        (kind, sliced(rendered.text, f))
        for kind, f in zip(kinds(rendered.facets), rendered.facets, strict=True)
    ]
    assert got == [
        ("link", "comandă aici"),
        ("mention", "@brutaria.bsky.social"),
        ("link", "https://example.ro/crăciun"),
        ("tag", "#crăciun"),
        ("tag", "#brutărie"),
    ]
    features = [f["features"][0] for f in rendered.facets]
    assert features[0]["uri"] == "https://example.ro/cozonac"
    assert features[1]["handle"] == "brutaria.bsky.social"
    assert [f["tag"] for f in features[3:]] == ["crăciun", "brutărie"]
    starts = [f["index"]["byteStart"] for f in rendered.facets]
    assert starts == sorted(starts)  # sorted, never overlapping
    ends = [f["index"]["byteEnd"] for f in rendered.facets]
    assert all(end <= nxt for end, nxt in zip(ends[:-1], starts[1:], strict=True))


def test_bluesky_markdown_link_byte_offsets_count_diacritics_as_two_bytes():
    rich_body = rich("Șapte [prăjituri](https://example.ro/p) azi")
    assert rich_body.text == "Șapte prăjituri azi"
    (facet,) = bluesky_facets(rich_body.text, rich_body.links)
    # "Șapte " is 6 characters but 7 bytes; "prăjituri" is 9 characters, 10 bytes.
    assert facet["index"] == {"byteStart": 7, "byteEnd": 17}
    assert facet["features"][0] == {
        "$type": "app.bsky.richtext.facet#link",
        "uri": "https://example.ro/p",
    }


def test_bluesky_bare_url_keeps_balanced_parentheses():
    """Wikipedia-style links end in `)`; cutting it sends readers to a page that does not exist."""
    text = "Rețeta: https://en.wikipedia.org/wiki/Sarmale_(food) (vezi și https://example.ro/a)."
    uris = [f["features"][0]["uri"] for f in bluesky_facets(text)]
    assert uris == ["https://en.wikipedia.org/wiki/Sarmale_(food)", "https://example.ro/a"]


def test_bluesky_hashtags_follow_bluesky_rules():
    text = "#cozonac, #crăciun2026 #123 fără#tag #brutarie."
    tags = [f["features"][0]["tag"] for f in bluesky_facets(text)]
    assert tags == ["cozonac", "crăciun2026", "brutarie"]


def test_bluesky_counts_graphemes_and_limit_is_300():
    ok = render("bluesky", "ă" * 299 + FAMILY)
    assert (ok.length, ok.limit, ok.unit) == (300, 300, "graphemes")
    over = render("bluesky", "a\u0306" * 301)  # decomposed ă: 2 code points, 1 grapheme
    assert over.length == 301


# --- Telegram HTML -------------------------------------------------------------------


def test_telegram_html_uses_only_tags_telegram_accepts():
    rendered = render("telegram", RICH_BODY)
    assert rendered.parse_mode == "HTML"
    tags = re.findall(r"<(/?)([a-zA-Z-]+)([^>]*)>", rendered.text)
    assert tags, rendered.text
    assert {name for _, name, _ in tags} <= TELEGRAM_TAGS
    for closing, name, attrs in tags:
        if closing:
            assert attrs == ""
        elif name == "a":
            assert re.fullmatch(r' href="https?://[^"<>]*"', attrs), attrs
        elif name == "code" and attrs:
            assert attrs == ' class="language-python"'
        else:
            assert attrs == "", (name, attrs)
    assert "<b>Program de sărbători</b>" in rendered.text
    assert "<b>bold</b>" in rendered.text and "<i>italic</i>" in rendered.text
    assert "<s>tăiat</s>" in rendered.text
    assert "<blockquote>un citat</blockquote>" in rendered.text
    assert '<pre><code class="language-python">print("&lt;x&gt;")</code></pre>' in rendered.text


def test_telegram_html_escapes_user_text_and_drops_unsafe_links():
    text = render("telegram", RICH_BODY).text
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<code>cod &lt;b&gt;</code>" in text
    assert " &amp; " in text
    assert '<a href="https://example.ro/cozonac?a=1&amp;b=2">comandă aici</a>' in text
    assert "[rău](javascript:alert(1))" in text  # shown as written, never a link
    assert not re.search(r"<a[^>]*javascript", text, re.IGNORECASE)
    assert not re.search(r"&(?!(amp|lt|gt|quot);)", text)  # every & is an entity


def test_telegram_visible_text_is_the_html_without_tags():
    """Limits are counted on `visible`; it must be exactly what the reader of the HTML sees."""
    for body in (
        RICH_BODY,
        "    indented code\n\nafter",
        "a & b <i>c</i> [x](tg://resolve?domain=d)",
    ):
        rendered = render("telegram", body)
        assert html.unescape(re.sub(r"<[^>]+>", "", rendered.text)) == rendered.visible


def test_telegram_counts_utf16_and_uses_the_caption_limit_with_media():
    alone = render("telegram", f"Salut {FAMILY}")
    assert (alone.length, alone.limit) == (6 + 8, 4096)
    with_photo = render("telegram", f"Salut {FAMILY}", media=True)
    assert with_photo.limit == 1024


# --- plain text and HTML pages -------------------------------------------------------


def test_plain_text_shows_link_as_anchor_then_url():
    rendered = render("mastodon", "Comenzi: [comandă aici](https://example.ro/cozonac) azi")
    assert rendered.text == "Comenzi: comandă aici (https://example.ro/cozonac) azi"
    auto = render("mastodon", "Site: <https://example.ro/> și https://example.ro/b")
    assert auto.text == "Site: https://example.ro/ și https://example.ro/b"  # not repeated


def test_plain_text_lists_quotes_and_breaks():
    rendered = render("mastodon", "**Program:**\n\n- luni\n- marți\n\n1. unu\n2. doi\n\n> citat")
    assert rendered.text == "Program:\n\n• luni\n• marți\n\n1. unu\n2. doi\n\ncitat"


@pytest.mark.parametrize("platform", ["mastodon", "x", "bluesky", "telegram", "feed"])
def test_raw_html_in_a_post_stays_literal_text(platform):
    rendered = render(platform, 'Vezi <b>asta</b> și <img src=x onerror="alert(1)">')
    assert "<b>asta</b>" in rendered.visible
    assert '<img src=x onerror="alert(1)">' in rendered.visible
    if platform in ("telegram", "feed"):  # HTML out: escaped, so it shows as typed
        assert "<img" not in rendered.text and "<b>asta" not in rendered.text
        assert "&lt;img src=x" in rendered.text
    else:  # plain text out: the characters as typed
        assert rendered.text == rendered.visible


def test_feed_html_escapes_raw_html_and_refuses_javascript_links():
    page = to_html("<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.ro)")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page.lower()
    assert '<a href="https://example.ro">ok</a>' in page
    rendered = render("feed", "**Cozonac** cu nucă")
    assert rendered.text.strip() == "<p><strong>Cozonac</strong> cu nucă</p>"
    assert rendered.visible == "Cozonac cu nucă"


# --- counting ------------------------------------------------------------------------


def test_graphemes_count_what_people_see():
    assert graphemes("Brutăria") == 8
    assert graphemes("Bruta\u0306ria") == 8  # ă as a + combining breve
    assert graphemes(FAMILY) == 1
    assert graphemes("🇷🇴") == 1
    assert graphemes("") == 0
    assert utf16_units(FAMILY) == 8


def test_mastodon_counts_each_link_as_23_and_remote_mentions_by_user():
    assert mastodon_length("Vezi https://example.ro/" + "x" * 80) == len("Vezi ") + 23
    assert mastodon_length("Vezi http://a.ro") == len("Vezi ") + 23
    assert mastodon_length("@ana@mastodon.social salut") == len("@ana salut")
    assert mastodon_length("Cozonac 🎄 cu nucă") == 17
    long_link = render("mastodon", "[x](https://example.ro/" + "p" * 600 + ")")
    assert long_link.length == len("x (") + 23 + len(")")
    assert long_link.limit == 500


def test_x_weights_emoji_cjk_and_urls():
    assert x_weighted("abc") == 3
    assert x_weighted("ăîâșț") == 5  # Latin with diacritics weighs 1
    assert x_weighted("😀") == 2
    assert x_weighted(FAMILY) == 2  # one emoji sequence
    assert x_weighted("🇷🇴") == 2
    assert x_weighted("日本語") == 6
    assert x_weighted("Привет") == 6  # Cyrillic is below U+1100: weight 1
    assert x_weighted("https://example.ro/" + "x" * 200) == 23
    assert x_weighted("Vezi https://example.ro/a 😀") == 5 + 23 + 1 + 2
    rendered = render("x", "😀" * 140)
    assert (rendered.length, rendered.limit) == (280, 280)
