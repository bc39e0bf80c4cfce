"""Hostile content: text that tries to become markup, links that try to run code,
characters that disguise text, and a body too big to handle, through EVERY output.

One content repository holds a post per attack (body, title, alt text, file name, group
name and post type all take part) for a group on every platform smmflow knows. Each
output is then read the way its consumer reads it and must be inert:

- what each platform receives (`Platform.render` for every registered platform; the
  webhook's JSON from `sync --dry-run`): Telegram HTML parses to allowed tags only and
  shows exactly the text a reader should see; HTML has no script, no event handler, no
  javascript:/vbscript:/data: address; plain text stays plain;
- the pull-request preview (`smmflow preview`), rendered as Markdown with raw HTML ON
  (more permissive than GitHub), must produce no active HTML either;
- the plan site (`smmflow site`), the feed site and the Atom feed (after `smmflow sync` to
  the feed): the same HTML rules, the input text visible as text, valid XML.

A body over the size limit and text with bidirectional overrides are refused by `check`
with a clear error and never reach any output or the network.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    git,
    init_repo,
    smmflow,
    write,
)
from servers import little

from smmflow.content import repo as repo_module
from smmflow.platforms import registry
from smmflow.text.render import rich

NOW = "2026-12-31T12:00Z"
GROUP = "shop"
GROUP_NAME = 'Shop <script>alert("name")</script> & "Co" \u202eevil'
EVIL_TYPE = "<b onmouseover=alert(1)>offer</b>"
ATTACKS = {
    # raw HTML: must stay text everywhere
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "svg-onload": "<svg onload=alert(1)>",
    "a-javascript": '<a href="javascript:alert(1)">click</a>',
    "style": "<style>body{display:none}</style>",
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "comment": "<!-- hidden --> shown",
    # links that would run code or hide a document
    "md-javascript": "[click](javascript:alert(1))",
    "md-javascript-case": "[click](JaVaScRiPt:alert(1))",
    "md-javascript-entity": "[click](&#106;avascript:alert(1))",
    "md-javascript-angle": "[click](<javascript:alert(1)>)",
    "md-vbscript": "[click](vbscript:msgbox(1))",
    "md-data-html": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-data-image": "![pic](data:image/png;base64,iVBORw0KGgo=)",
    "md-data-svg": "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "md-image-javascript": "![pic](javascript:alert(1))",
    "autolink-javascript": "<javascript:alert(1)>",
    "autolink-quote": '<https://e.example/"><script>alert(1)</script>>',
    # Markdown that tries to break out of a tag or an attribute
    "break-bold": '**</b><a href="https://evil.example">x**',
    "break-href": '[a](https://x"><script>alert(1)</script>)',
    "break-href-attr": '[a](https://e.example/"onmouseover="alert(1))',
    "break-code": "`</code><script>alert(1)</script>`",
    "break-pre": "```\n</pre><script>alert(1)</script>\n```",
    "break-lang": '```js" onload="alert(1)\nx\n```',
    "break-quote": "> </blockquote><script>alert(1)</script>",
    "break-anchor": "[<img src=x onerror=alert(1)>](https://e.example/)",
    "break-cdata": "]]></content><script>alert(1)</script>",
    "break-alt": '![x" onerror="alert(1)](https://e.example/a.png)',
    "entities": "&lt;script&gt; &amp;lt; &#60;script&#62; &#x3C;b&#x3E;",
}
RAW = {
    "script",
    "img-onerror",
    "iframe",
    "svg-onload",
    "a-javascript",
    "style",
    "meta-refresh",
    "break-cdata",
}
TITLE = '</title><script>alert("title")</script>'
ALT = '"><img src=x onerror=alert("alt")>'
EVIL_SLUG = '2026-12-02-x"><svg onload=alert(1)>'
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
TELEGRAM_TAGS |= {"blockquote", "tg-spoiler", "span", "tg-emoji"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "frame", "frameset"}
ACTIVE_TAGS |= {"applet", "form", "base", "noscript", "template"}
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
SECRET = "hostile-hook-secret"


def _post(day: int, body: str, *, title: str | None = None, type_: str = "informative") -> str:
    front = [f"date: 2026-12-{day:02d} 10:00", f"type: {json.dumps(type_)}"]
    if title is not None:
        front.append(f"title: {json.dumps(title)}")
    front += ["media:", "  - src: media/photo.jpg", f"    alt: {json.dumps(ALT)}"]
    return "---\n" + "\n".join(front) + "\n---\n" + body + "\n"


# -- reading HTML the way a browser would ---------------------------------------------------
class Page(HTMLParser):
    """Tags, attributes and visible text of an HTML document or fragment."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None], bool]] = []  # (tag, attrs, in head)
        self.text: list[str] = []
        self.head = False
        self.hidden = 0  # inside <style>/<title> of the page's own head
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.head = True
        self.tags.append((tag, dict(attrs), self.head))
        if self.head and tag in ("style", "title"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag == "head":
            self.head = False
        if self.head and tag in ("style", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


def _unsafe_address(value: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned.startswith(BAD_SCHEMES)


def assert_inert_html(text: str, where: str) -> Page:
    """No element or attribute from user text can run or load anything active."""
    page = Page(text)
    assert "<script" not in text.lower(), where
    for tag, attrs, in_head in page.tags:
        assert tag not in ACTIVE_TAGS, (where, tag, attrs)
        if tag in ("style", "meta", "link", "title"):
            assert in_head, (where, tag, attrs)  # only the page's own head has them
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, attrs)
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "xlink:href"):
                assert not _unsafe_address(value or ""), (where, tag, attrs)
    assert not BIDI.search(text), (where, "a bidirectional control is in the page")
    return page


def assert_telegram_html(text: str, visible: str, where: str) -> None:
    """Telegram's HTML subset only, and exactly the text a reader is meant to see."""
    page = Page(text)
    for tag, attrs, _ in page.tags:
        assert tag in TELEGRAM_TAGS, (where, tag)
        for name, value in attrs.items():
            if tag == "a":
                assert name == "href" and (value or "").startswith(("https://", "http://", "tg://"))
            elif tag == "code":
                assert name == "class" and (value or "").startswith("language-"), (where, attrs)
            else:
                raise AssertionError(f"{where}: <{tag} {name}=...> is not Telegram HTML")
    assert page.visible.strip() == visible.strip(), where


def _ledger_records(root: Path) -> list[str]:
    """Record files on the ledger branch (-z: a hostile file name stays as it is)."""
    out = git(root, "ls-tree", "-r", "-z", "--name-only", "smmflow/ledger", "--", "records")
    return [name for name in out.split("\0") if name]


# -- the repository and every output, made once ---------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    receiver = LoopbackReceiver(secret=SECRET.encode()).start()
    root = init_repo(tmp_path_factory.mktemp("hostile") / "repo")
    accounts = [
        "  feed: {}",
        f'  hook: {{platform: webhook, url: "{receiver.url}", secret_env: HOOK_SECRET}}',
        '  telegram: {chat: "@shop", token_env: SHOP_TELEGRAM_TOKEN}',
        "  mastodon: {instance: https://mastodon.example, token_env: SHOP_MASTODON_TOKEN}",
        "  bluesky: {handle: shop.bsky.social, password_env: SHOP_BSKY_PASSWORD}",
        '  facebook: {page: "100000000000001", token_env: SHOP_FACEBOOK_TOKEN}',
        '  instagram: {user: "1784140000", token_env: SHOP_IG_TOKEN, media_base_url: "https://media.example/shop"}',
        '  vk: {owner: "-1", token_env: SHOP_VK_TOKEN}',
        "  x: {token_env: SHOP_X_TOKEN}",
        '  linkedin: {author: "urn:li:organization:1", token_env: SHOP_LI_TOKEN}',
    ]
    group = (
        f"name: {json.dumps(GROUP_NAME)}\ntimezone: UTC\n"
        f"types: [informative, {json.dumps(EVIL_TYPE)}]\naccounts:\n" + "\n".join(accounts) + "\n"
    )
    write(root, f"schedules/{GROUP}.yml", group)
    (root / "content" / GROUP / "media").mkdir(parents=True)
    (root / "content" / GROUP / "media" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    commit(root, "the group")
    base = git(root, "rev-parse", "HEAD").strip()
    slugs = {}
    for i, (name, body) in enumerate(sorted(ATTACKS.items())):
        slug = f"2026-12-{3 + i % 25:02d}-{name}"
        kind = EVIL_TYPE if name == "script" else "informative"
        title = TITLE if name == "break-bold" else None
        write(root, f"content/{GROUP}/{slug}.md", _post(3 + i % 25, body, title=title, type_=kind))
        slugs[name] = slug
    # Refused by check, so never in any output: a file name outside the safe set (issue
    # #11.9; docs/format.md, "File names"), disguised text, and 10 MB of body.
    write(root, f"content/{GROUP}/{EVIL_SLUG}.md", _post(2, "A post with a hostile file name."))
    write(root, f"content/{GROUP}/2026-12-01-bidi.md", _post(1, "Pay: \u202egpj.exe"))
    big = "Ten megabytes. " * (10 * 1024 * 1024 // 15)
    write(root, f"content/{GROUP}/2026-12-01-huge.md", _post(1, big))
    commit(root, "hostile posts")
    env = base_env(HOOK_SECRET=SECRET, SMMFLOW_NO_CACHE="1")
    out: dict = {"root": root, "receiver": receiver, "slugs": slugs}
    out["check"] = smmflow(root, "check", "--format", "json", env=env)
    out["dry"] = smmflow(
        root, "sync", "--dry-run", "--account", "hook", "--now", NOW, "--max-delay", "40d",
        "--format", "json", env=env,
    )  # fmt: skip
    out["deliveries_after_dry_run"] = len(receiver.deliveries)
    out["preview"] = smmflow(root, "preview", "--base", base, env=env)
    out["site"] = smmflow(root, "site", "--now", NOW, env=env)
    for account in ("feed", "hook"):
        out[f"sync-{account}"] = smmflow(
            root, "sync", "--now", NOW, "--max-delay", "40d", "--account", account,
            "--format", "json", env=env, timeout=300,
        )  # fmt: skip
    out["repo"] = repo_module.load(root, use_cache=False)
    yield out
    receiver.stop()


def test_no_command_crashed(hostile) -> None:
    for name in ("check", "dry", "preview", "site", "sync-feed", "sync-hook"):
        result = hostile[name]
        assert "Traceback" not in result.out + result.err, str(result)
    assert hostile["check"].code == 1
    assert hostile["preview"].code == 0, str(hostile["preview"])
    assert hostile["site"].code == 0, str(hostile["site"])


def test_check_refuses_disguised_and_huge_text(hostile) -> None:
    problems = hostile["check"].json["problems"]
    errors = {(p["path"].rsplit("/", 1)[-1], p["field"], p["code"]): p for p in problems}
    bidi = errors[("2026-12-01-bidi.md", "body", "invisible")]
    assert (
        bidi["line"] == 8
        and "U+202E" in bidi["message"]
        and "RIGHT-TO-LEFT OVERRIDE" in bidi["message"]
    )
    assert "column 6" in bidi["message"] and "\u202e" not in bidi["message"]
    huge = errors[("2026-12-01-huge.md", "body", "too-big")]
    assert huge["line"] == 8 and "at most 262,144 bytes (256 KB)" in huge["message"]
    evil = errors[(f"{EVIL_SLUG}.md", "", "file-name")]
    assert evil["line"] == 1 and '`"` (U+0022)' in evil["message"]
    name = errors[(f"{GROUP}.yml", "name", "invisible")]
    assert name["line"] == 1 and "U+202E" in name["message"]
    # The other posts only break platform limits, if anything: none is refused for its text.
    refused = {
        p["path"]
        for p in problems
        if p["severity"] == "error" and p["code"] in ("yaml", "invisible", "too-big")
    }
    assert refused == {
        f"content/{GROUP}/2026-12-01-bidi.md",
        f"content/{GROUP}/2026-12-01-huge.md",
        f"schedules/{GROUP}.yml",
    }


def test_refused_posts_reach_no_output_and_no_network(hostile) -> None:
    root, receiver = hostile["root"], hostile["receiver"]
    for account in ("feed", "hook"):
        sync = hostile[f"sync-{account}"].json
        skipped = set(sync["skipped_files"])
        assert {f"content/{GROUP}/2026-12-01-{n}.md" for n in ("bidi", "huge")} <= skipped
        assert f"content/{GROUP}/{EVIL_SLUG}.md" in skipped
    assert len(receiver.deliveries) == len(ATTACKS)  # the others, each once
    assert not [
        d for d in receiver.deliveries if d.json["post"]["id"].startswith(f"{GROUP}/2026-12-01-")
    ]
    records = _ledger_records(root)
    assert len(records) == 2 * len(ATTACKS)
    assert not [name for name in records if "<svg" in name]
    assert not [name for name in records if name.startswith(f"records/{GROUP}/2026-12-01-")]
    for path in (root / "public").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".ics"):
            text = path.read_text(encoding="utf-8")
            assert "Ten megabytes" not in text and "gpj.exe" not in text, path
            if path.suffix != ".ics":  # calendars: the group's name keeps it (reported)
                assert not BIDI.search(text), path
    assert "Ten megabytes" not in hostile["preview"].out and not BIDI.search(hostile["preview"].out)


@pytest.mark.parametrize("name", sorted(registry.classes()))
def test_every_platform_receives_inert_text(hostile, name: str) -> None:
    cls = registry.classes()[name]
    posts = hostile["repo"].posts
    assert len(posts) == len(ATTACKS)
    for post in posts:
        sent = cls.render(post)
        where = f"{name}: {post.path}"
        if sent.parse_mode == "HTML" or cls.style == "telegram":
            assert_telegram_html(sent.text, sent.visible, where)
        elif cls.style == "html":
            assert_inert_html(sent.text, where)
        elif cls.style == "little":  # LinkedIn: every reserved character escaped
            shown = little.render(sent.text)
            assert shown.text == sent.visible and not shown.cut, where
            assert not shown.mentions, where
        else:  # plain text (with facets on Bluesky): nothing is markup, links are web links
            assert sent.text == sent.visible, where
            for facet in sent.facets:
                for feature in facet["features"]:
                    if "uri" in feature:
                        assert feature["uri"].startswith(("https://", "http://")), (where, feature)
        for attack in RAW:
            if post.slug.endswith(f"-{attack}"):
                assert ATTACKS[attack].strip() in sent.visible, where  # shown as written


def test_webhook_payload_from_dry_run_is_inert(hostile) -> None:
    assert hostile["deliveries_after_dry_run"] == 0  # a dry run never touches the network
    outcomes = hostile["dry"].json["outcomes"]
    payloads = [json.loads(o["detail"]) for o in outcomes if o["state"] == "would-publish"]
    assert len(payloads) == len(ATTACKS)
    for payload in payloads:
        post = payload["post"]
        assert_inert_html(post["html"], post["id"])
        assert post["text"] == rich(post["markdown"]).plain
        # `markdown` is the writer's source as written (docs/platforms/webhook.md): data for
        # the receiver, never markup; `title` is plain text.
        assert "\n" not in post["title"]


def test_preview_markdown_stays_inert_when_rendered_with_raw_html_on(hostile) -> None:
    markdown = hostile["preview"].out
    slugs = hostile["slugs"]
    # Every post that loads is in the preview; the one with a hostile file name is named
    # among those that cannot be previewed (inert, as the HTML check below shows).
    for slug in [*slugs.values(), EVIL_SLUG]:
        assert f"{slug}.md" in markdown, slug
    assert "cannot be previewed" in markdown and "2026-12-01-huge.md" in markdown
    html = MarkdownIt("commonmark", {"html": True}).render(markdown)
    page = assert_inert_html(html, "preview")
    for attack in RAW:
        assert ATTACKS[attack].strip() in page.visible, attack  # shown as text


def test_plan_site_is_inert(hostile) -> None:
    root = hostile["root"]
    pages = sorted((root / "public" / "plan").rglob("*.html"))
    assert len(pages) > len(ATTACKS)
    visible = ""
    for path in pages:
        page = assert_inert_html(path.read_text(encoding="utf-8"), str(path))
        visible += page.visible
    for attack in RAW:
        assert ATTACKS[attack].strip() in visible, attack
    assert 'Shop <script>alert("name")</script> & "Co" evil' in visible
    assert EVIL_TYPE in visible and TITLE in visible and ALT not in visible  # alt is an attribute


def test_feed_site_and_atom_after_sync_are_inert(hostile) -> None:
    root = hostile["root"]
    for account in ("feed", "hook"):
        sync = hostile[f"sync-{account}"]
        assert sync.code == 1, str(sync)  # the refused (bidi, huge) files were skipped
        published = [o for o in sync.json["outcomes"] if o["state"] == "published"]
        assert len(published) == len(ATTACKS)
    folder = root / "public" / GROUP
    pages = sorted(folder.rglob("*.html")) + [root / "public" / "index.html"]
    assert len(pages) == len(ATTACKS) + 2
    visible = ""
    for path in pages:
        page = assert_inert_html(path.read_text(encoding="utf-8"), str(path))
        visible += page.visible
        for tag, attrs, _ in page.tags:
            if tag == "img":
                assert attrs.get("alt") == ALT or attrs.get("src", "").startswith(
                    "https://e.example/"
                ), attrs
    for attack in RAW:
        assert ATTACKS[attack].strip() in visible, attack
    assert not (folder / "posts" / f"{EVIL_SLUG}.html").exists()
    # Atom: well-formed XML; every entry's HTML content inert; titles plain text.
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(folder / "feed.xml").getroot()
    assert "<script" not in (folder / "feed.xml").read_text(encoding="utf-8")
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(ATTACKS)
    assert feed.findtext(f"{atom}title") == 'Shop <script>alert("name")</script> & "Co" evil'
    for entry in entries:
        content = entry.find(f"{atom}content")
        assert content is not None and content.get("type") == "html"
        assert_inert_html(content.text or "", entry.findtext(f"{atom}id") or "")
        assert entry.find(f"{atom}category").get("term") in ("informative", EVIL_TYPE)
    titles = {entry.findtext(f"{atom}title") for entry in entries}
    assert TITLE in titles and ATTACKS["script"] in titles
