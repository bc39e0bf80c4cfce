"""`smmflow site` opened in headless Chromium (Debian `chromium`): screenshots, DOM, console.

The site is built from the bundled example after a real `sync` of its feed account, plus
a post and a group whose text try to inject HTML and scripts. Chromium must be installed:
without it these tests skip on a developer's machine and FAIL under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from chromehelp import browse, pixels
from repohelp import GIT_ENV

PROJECT = Path(__file__).resolve().parents[1]
NOW = "2026-12-10 12:00"
EVIL_TITLE = "<script>alert('title')</script> & \"quotes\""
EVIL_BODY = (
    "<script>document.title='pwned'</script>\n\n"
    'Oferta "><img src=x onerror=alert(1)> [click](javascript:alert(2)) & <b>bold?</b>\n'
)
QUOTED_TITLE = EVIL_TITLE.replace('"', '\\"')
EVIL_POST = f"""---
date: 2026-12-26 09:00
type: sales
title: "{QUOTED_TITLE}"
platforms: [feed, telegram, bluesky]
media:
  - src: media/vitrina.jpg
    alt: "\\"><script>alert('alt')</script>"
---
{EVIL_BODY}"""


def env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    return {**base, **GIT_ENV}


def run(cwd: Path, *args: str) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env())
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """public/ of the example: the feed site from a real sync, then the plan site."""
    root = tmp_path_factory.mktemp("site") / "example"
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    (root / "content/brutaria-dulce/2026-12-26-oferta.md").write_text(EVIL_POST, encoding="utf-8")
    (root / "schedules/evil.yml").write_text(
        "name: \"<script>alert(0)</script> & Co\"\ntimezone: UTC\nslots: ['mon 09:00']\naccounts:\n  feed: {}\n",
        encoding="utf-8",
    )
    (root / "content/evil").mkdir()
    (root / "content/evil/2026-12-07-x.md").write_text(
        "---\ndate: 2026-12-07 09:00\ntype: informative\n---\n<style>body{display:none}</style> hi\n",
        encoding="utf-8",
    )
    run(root, "git", "init", "-q", "-b", "main")
    run(root, "git", "add", "schedules", "content")
    run(root, "git", "commit", "-q", "-m", "content")
    smmflow = [sys.executable, "-m", "smmflow"]
    run(root, *smmflow, "check")
    run(root, *smmflow, "sync", "--account", "feed", "--now", NOW, "--max-delay", "31d")
    feed_index = (root / "public/index.html").read_bytes()
    run(root, *smmflow, "site", "--now", NOW)
    assert (root / "public/index.html").read_bytes() == feed_index, "the feed's index was touched"
    return root / "public"


def assert_real_screenshot(png: Path) -> None:
    assert png.stat().st_size > 30_000, "the screenshot is suspiciously small"
    width, height, colours = pixels(png)
    assert (width, height) == (1280, 1600)
    assert len(colours) > 50, f"only {len(colours)} colours: a blank page?"


def cell(doc, day: int):
    """The calendar's <td> for a day of the month."""
    found = doc.xpath(f'//table[@class="cal"]//td[span[@class="day"]="{day}"]')
    assert len(found) == 1, day
    return found[0]


def test_group_month_in_chromium(site: Path, tmp_path: Path) -> None:
    shot = tmp_path / "month.png"
    doc, console = browse(site / "plan/brutaria-dulce/2026-12.html", tmp_path / "profile", shot)
    assert console == []
    assert_real_screenshot(shot)
    assert (
        doc.get("lang") == "en"
        and doc.xpath("//h1")[0].text_content() == "Brutăria Dulce: December 2026"
    )
    table = doc.xpath('//table[@class="cal"]')[0]
    heads = [th.text_content() for th in table.xpath("./thead/tr/th[@scope='col']")]
    assert heads == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    weeks = table.xpath("./tbody/tr")
    assert [len(w.xpath("./td")) for w in weeks] == [7] * 5  # December 2026: Tuesday 1st
    assert len(table.xpath(".//td[@class='pad']")) == 4
    first = cell(doc, 3)
    assert first.xpath(".//a/@href") == ["posts/2026-12-03-secretul-cozonacului.html"]
    assert "18:30 informative" in first.text_content() and "published: feed" in first.text_content()
    assert "missed: telegram, instagram" in first.text_content()
    evil = cell(doc, 26)
    assert evil.xpath(".//a/@href") == ["posts/2026-12-26-oferta.html"]
    assert (
        "09:00 sales" in evil.text_content()
        and "<script>alert('title')</script>" in evil.text_content()
    )
    assert "empty slot" in cell(doc, 31).text_content()
    assert cell(doc, 10).get("aria-current") == "date"  # --now
    assert not cell(doc, 4).xpath(".//li")
    rows = doc.xpath('//table[@class="mix"]/tbody/tr')
    assert [r.xpath("./th")[0].text_content() for r in rows] == [
        "informative",
        "sales",
        "entertaining",
        "announcement",
    ]
    assert [r.xpath("./td")[0].text_content() for r in rows] == ["5", "4", "2", "1"]
    assert "at most 40% (has 33%): ok" in rows[1].text_content()
    assert not doc.xpath("//script")


def test_post_page_with_injected_text_in_chromium(site: Path, tmp_path: Path) -> None:
    shot = tmp_path / "post.png"
    doc, console = browse(
        site / "plan/brutaria-dulce/posts/2026-12-26-oferta.html", tmp_path / "profile", shot
    )
    assert console == []  # a script that ran, or one that the CSP blocked, would log here
    assert_real_screenshot(shot)
    assert not doc.xpath("//script") and not doc.xpath("//*[@onerror]")
    assert not [h for h in doc.xpath("//a/@href") if h.lower().startswith("javascript")]
    assert doc.xpath("//title")[0].text_content().startswith(EVIL_TITLE)
    assert doc.xpath("//h1")[0].text_content() == EVIL_TITLE
    images = doc.xpath("//img")
    assert [i.get("alt") for i in images] == ["\"><script>alert('alt')</script>"]
    assert [i.get("src") for i in images] == ["../media/vitrina.jpg"]
    sent = [pre.text_content() for pre in doc.xpath("//pre[@class='sent']")]
    assert any("<script>document.title='pwned'</script>" in text for text in sent)
    sections = {s.xpath("./h3")[0].text_content(): s.text_content() for s in doc.xpath("//section")}
    assert set(sections) == {
        "feed (Feed (static site + Atom))",
        "telegram (Telegram)",
        "bluesky (Bluesky)",
    }
    assert "of 300 graphemes: fits" in sections["bluesky (Bluesky)"]
    assert "of 1024 characters: fits" in sections["telegram (Telegram)"]  # caption: it has media
    assert "State: scheduled" in sections["telegram (Telegram)"]


def test_published_post_links_to_the_feed_page(site: Path, tmp_path: Path) -> None:
    doc, console = browse(
        site / "plan/cafe-boema/posts/2026-12-04-latte-turta-dulce.html", tmp_path / "p"
    )
    assert console == []
    links = doc.xpath("//section//a/@href")
    assert links == ["../../../cafe-boema/posts/2026-12-04-latte-turta-dulce.html"]
    target = (site / "plan/cafe-boema/posts" / links[0]).resolve()
    assert target.is_file()  # the feed site's page of the published post
    assert "State: missed" in doc.text_content()


def test_index_in_chromium(site: Path, tmp_path: Path) -> None:
    doc, console = browse(site / "plan/index.html", tmp_path / "profile")
    assert console == []
    names = [a.text_content() for a in doc.xpath("//tbody/tr/th/a")]
    assert names == [
        "Brutăria Dulce",
        "Cafe Boema",
        "Clinica Zâmbet",
        "English Online",
        "<script>alert(0)</script> & Co",
        "FitStudio Nord",
    ]
    assert not doc.xpath("//script")


def test_every_page_is_static_accessible_and_escaped(site: Path) -> None:
    pages = sorted((site / "plan").rglob("*.html"))
    assert len(pages) > 60
    for page in pages:
        raw = page.read_text(encoding="utf-8")
        assert "<script" not in raw.lower(), page
        assert "<style>body{display:none}" not in raw, page
        doc = lxml.html.fromstring(raw)
        # Each group's pages speak its `language:` (the example's clinic: Romanian); the
        # index of every group is the agency's, in English.
        group = page.relative_to(site / "plan").parts[0]
        assert doc.get("lang") == ("ro" if group == "clinica-zambet" else "en"), page
        assert len(doc.xpath("//h1")) == 1 and doc.xpath("//title")[0].text_content(), page
        assert all(img.get("alt") for img in doc.xpath("//img")), page
        for table in doc.xpath("//table"):
            assert table.xpath(".//th") and table.xpath("./caption"), page
    for ics in ("all.ics", "brutaria-dulce.ics", "evil.ics"):
        assert (site / "plan" / ics).is_file()
    month = (site / "plan/evil/2026-12.html").read_text(encoding="utf-8")
    assert "&lt;style&gt;body{display:none}&lt;/style&gt; hi" in month


def test_rebuild_is_stable_and_prunes(site: Path) -> None:
    root = site.parent
    before = {p: p.read_bytes() for p in (site / "plan").rglob("*") if p.is_file()}
    (root / "content/evil/2026-12-07-x.md").unlink()
    run(root, sys.executable, "-m", "smmflow", "site", "--now", NOW)
    after = {p: p.read_bytes() for p in (site / "plan").rglob("*") if p.is_file()}
    gone = site / "plan/evil/posts/2026-12-07-x.html"
    assert gone in before and gone not in after
    changed = {p.relative_to(site).as_posix() for p in after if after[p] != before.get(p)}
    assert changed == {
        "plan/evil/2026-12.html",
        "plan/evil/index.html",
        "plan/index.html",
        "plan/evil.ics",
        "plan/all.ics",
    }
