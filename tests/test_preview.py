"""`smmflow preview` as a client reads it: one new post with diacritics, emoji (a ZWJ
sequence and a flag among them), bold and italic, a link and an image, for a group on six
platforms, compared with tests/expected/preview-every-platform.md exactly.

The expected file was read line by line by a person; the numbers in it are also checked
here independently of smmflow (lengths per platform, local and UTC time), so that the file
cannot silently freeze a wrong count. To rewrite it after a deliberate change, run with
SMMFLOW_UPDATE_EXPECTED=1 and read the diff before committing it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import regex
from repohelp import git
from servers.github import clean_env, run_smmflow

PROJECT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).parent / "expected" / "preview-every-platform.md"
IMAGE = PROJECT / "content" / "brutaria-dulce" / "media" / "cozonac-nuca.jpg"
GROUP = "patiseria-luna"
SCHEDULE = """\
name: Patiseria Lună & Stele
timezone: Europe/Bucharest
approvers: [ana-popescu]
slots: ["mon 10:00", "thu 18:30"]
mix:
  sales: {max_share: 0.5, max_in_a_row: 1}
  informative: {min_share: 0.3}
accounts:
  feed: {}
  telegram: {chat: "@patiserialuna", token_env: LUNA_TELEGRAM_TOKEN}
  bluesky: {handle: patiserialuna.bsky.social, password_env: LUNA_BSKY_PASSWORD}
  mastodon: {instance: https://mastodon.social, token_env: LUNA_MASTODON_TOKEN}
  instagram: {user: "17841400000000001", token_env: LUNA_INSTAGRAM_TOKEN}
  facebook: {page: "100000000000001", token_env: LUNA_FACEBOOK_TOKEN}
"""
EARLIER = """\
---
date: 2026-12-07 10:00
type: informative
---
Cum păstrăm cozonacul proaspăt: într-un ștergar curat, departe de calorifer.
"""
URL = "https://example.ro/cozonac?ref=luna&lang=ro"
NEW = f"""\
---
date: 2026-12-10 18:30
type: sales
media:
  - src: media/cozonac.jpg
    alt: Cozonac cu nucă și stafide, feliat, pe o masă de lemn
---
**Cozonac** cu nucă și _stafide_ 🎄 — ca la bunica 👩‍🍳! Comenzi până pe 20 decembrie: [comandă aici]({URL})

Livrăm în toată țara 🇷🇴. Preț: 45 lei/kg, în Str. Știrbei Vodă 12, București.

#crăciun #patiserie
"""
NEW_PATH = f"content/{GROUP}/2026-12-10-cozonac.md"


def make_repo(root: Path) -> Path:
    """main: the group and one earlier post; branch `cozonac`: the new post and its image."""
    (root / "schedules").mkdir(parents=True)
    (root / "schedules" / f"{GROUP}.yml").write_text(SCHEDULE, encoding="utf-8")
    folder = root / "content" / GROUP
    (folder / "media").mkdir(parents=True)
    (folder / "2026-12-07-pastrare.md").write_text(EARLIER, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "group")
    git(root, "checkout", "-q", "-b", "cozonac")
    shutil.copy(IMAGE, folder / "media" / "cozonac.jpg")
    (root / NEW_PATH).write_text(NEW, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "cozonac")
    return root


def fenced(markdown: str, heading: str) -> str:
    """The text in the code fence under `#### {heading}: ...`."""
    m = re.search(
        rf"^#### {re.escape(heading)}: [^\n]*\n\n```text\n(.*?)\n```$", markdown, re.M | re.S
    )
    assert m, f"no section {heading!r}"
    return m.group(1)


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def test_preview_of_a_post_for_every_platform_reads_as_expected(tmp_path):
    root = make_repo(tmp_path / "content-repo")
    ran = run_smmflow(root, "preview", "--base", "main", env=clean_env())
    assert ran.code == 0, str(ran)
    out = ran.out
    if os.environ.get("SMMFLOW_UPDATE_EXPECTED"):
        EXPECTED.write_text(out, encoding="utf-8")
    assert out == EXPECTED.read_text(encoding="utf-8")

    # The numbers in it, worked out without smmflow.
    shown = fenced(out, "Bluesky")  # links by their anchor text, no Markdown marks
    assert shown.startswith("Cozonac cu nucă și stafide 🎄 — ca la bunica 👩‍🍳! ")
    assert URL not in shown and "comandă aici" in shown
    assert f"#### Bluesky: {graphemes(shown)} / 300 graphemes" in out
    assert len(shown.encode("utf-8")) < 3000
    assert f"- link “comandă aici” → `{URL}`" in out  # the hidden address is shown
    # Telegram: the same text, counted in UTF-16 units (each emoji here is 2 or more).
    assert fenced(out, "Telegram") == shown
    utf16 = len(shown.encode("utf-16-le")) // 2
    assert utf16 > graphemes(shown)
    assert f"#### Telegram: {utf16} / 1024 characters" in out  # a caption: there is an image
    # Plain-text platforms: the address after its anchor; Mastodon counts it as 23.
    plain = fenced(out, "Mastodon")
    assert f"comandă aici ({URL})" in plain
    assert plain == fenced(out, "Instagram") == fenced(out, "Facebook Page")
    assert plain == fenced(out, "Feed (static site + Atom)")
    mastodon = graphemes(plain) - len(URL) + 23
    assert f"#### Mastodon: {mastodon} / 500 characters (a link counts 23)" in out
    assert f"#### Instagram: {graphemes(plain)} / 2200 characters" in out
    assert f"#### Facebook Page: {graphemes(plain)} / 63206 characters" in out
    # The date in the client's zone and in UTC.
    local = dt.datetime(2026, 12, 10, 18, 30, tzinfo=ZoneInfo("Europe/Bucharest"))
    utc = local.astimezone(dt.timezone.utc)
    assert (
        f"**When:** Thursday 10 December 2026, 18:30 (Europe/Bucharest) · "
        f"{utc:%Y-%m-%d %H:%M} UTC" in out
    )
    size = IMAGE.stat().st_size
    assert f"(image, {size:,} bytes): alt text “Cozonac cu nucă și stafide" in out
    # No Markdown of the writer's leaks into the headings or the alt text.
    assert "\\_" not in out and "**Cozonac**" not in out
