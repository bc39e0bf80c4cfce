"""`check` and `preview` treat VK, X, LinkedIn and Threads like the first five platforms
(issue #16): each is counted its own way on what it receives, too long is an error at the
body's line and a ❌ in the preview, and each one's media rules hold. The expected numbers
come from the loopback servers' own counters (tests/servers/xtext.py, threads.py,
little.py), written from the platforms' docs apart from smmflow's."""

from __future__ import annotations

import json
import re

import pytest
from repohelp import cli, commit, git, group_yaml, init_repo, write
from servers import little, xtext
from servers.meta import jpeg, mp4
from servers.threads import threads_length

from smmflow.content.repo import load
from smmflow.review.preview import render_post

GROUP = "brutaria"
ACCOUNTS = {
    "vk": {"owner": "-229000001", "token_env": "VK_TOKEN"},
    "x": {"token_env": "X_TOKEN"},
    "linkedin": {"author": "urn:li:organization:2414183", "token_env": "LI_TOKEN"},
    "threads": {
        "user": "17841400000000001",
        "token_env": "TH_TOKEN",
        "media_base_url": "https://example.ro/m",
    },
}
URL = "https://example.ro/cozonac?ref=luna&lang=ro"
BODY = (
    f"**Cozonac** cu nucă și _stafide_ 🎄 — ca la bunica 👩‍🍳! Comenzi: [comandă aici]({URL})\n\n"
    "Livrăm în toată țara 🇷🇴 (45 lei/kg) #crăciun"
)
PLAIN = (
    f"Cozonac cu nucă și stafide 🎄 — ca la bunica 👩‍🍳! Comenzi: comandă aici ({URL})\n\n"
    "Livrăm în toată țara 🇷🇴 (45 lei/kg) #crăciun"
)
POSTS = {
    "2026-12-04-bun": (BODY, ""),
    # 141 emoji: 282 weighted on X, 564 on Threads; 141 code points is nothing to VK
    "2026-12-05-emoji": ("🎄" * 141, ""),
    # 1,501 parentheses: 1,501 to read, 3,002 as LinkedIn's escaped commentary
    "2026-12-06-paranteze": ("(" * 1501, ""),
    "2026-12-07-poze": (
        "Cinci poze.",
        "".join(f"  - src: media/{i}.jpg\n    alt: Poza {i}\n" for i in range(5)),
    ),
    "2026-12-08-webp": ("Un webp.", "  - src: media/a.webp\n    alt: Vitrina\n"),
    "2026-12-09-film": (
        "Film și poză.",
        "  - src: media/f.mp4\n    alt: Film\n  - src: media/0.jpg\n    alt: Poza\n",
    ),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = init_repo(tmp_path_factory.mktemp("cp") / "repo")
    accounts = {name: {"platform": name, **settings} for name, settings in ACCOUNTS.items()}
    write(root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "Europe/Bucharest", accounts))
    media = root / "content" / GROUP / "media"
    media.mkdir(parents=True)
    for i in range(5):
        (media / f"{i}.jpg").write_bytes(jpeg(i))
    (media / "a.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(32))
    (media / "f.mp4").write_bytes(mp4(1))
    for slug, (body, items) in POSTS.items():
        front = f"date: {slug[:10]} 10:00\ntype: informative\n" + (
            f"media:\n{items}" if items else ""
        )
        write(root, f"content/{GROUP}/{slug}.md", f"---\n{front}---\n{body}\n")
    commit(root, "posts")
    return root


@pytest.fixture(scope="module")
def problems(repo):
    checked = cli(repo, "check", "--format", "json")
    assert checked.code == 1, str(checked)
    found: dict[str, set[tuple[str, str]]] = {}
    for p in checked.json["problems"]:
        slug = p["path"].rsplit("/", 1)[1][:-3]
        found.setdefault(slug, set()).add((p["code"], p["message"]))
    return found


def preview(repo, slug: str) -> str:
    loaded = load(repo)
    post = next(p for p in loaded.posts if p.slug == slug)
    return render_post(loaded, post, [])


def heading(out: str, title: str) -> str:
    found = re.search(rf"^#### {re.escape(title)}: (.*)$", out, re.M)
    assert found, f"no section for {title}:\n{out}"
    return found.group(1)


def test_a_good_post_passes_and_each_platform_counts_it_its_own_way(repo, problems):
    assert "2026-12-04-bun" not in problems
    out = preview(repo, "2026-12-04-bun")
    assert heading(out, "VK") == f"{len(PLAIN)} / 16384 characters (code points)"
    weighted = xtext.weighted_length(PLAIN)
    assert weighted < len(PLAIN) - len(URL) + 23 + 10  # links 23, emoji 2, diacritics 1
    assert heading(out, "X") == f"{weighted} / 280 weighted characters (links 23, emoji and CJK 2)"
    # every reserved character escaped, but the URL left as it is and the hashtag kept
    escaped = little.escape(PLAIN.replace(URL, "\0")).replace("\0", URL)
    escaped = escaped.replace("\\#crăciun", "#crăciun")
    units = len(escaped.encode("utf-16-le")) // 2
    assert (
        heading(out, "LinkedIn")
        == f"{units} / 3000 UTF-16 units of the commentary as sent (escapes count)"
    )
    assert (
        heading(out, "Threads")
        == f"{threads_length(PLAIN)} / 500 characters (an emoji counts its UTF-8 bytes)"
    )
    assert f"```text\n{PLAIN}\n```" in out  # what a reader sees, on every one of them


def test_too_long_is_counted_the_way_each_platform_counts(repo, problems):
    emoji = {m for code, m in problems["2026-12-05-emoji"] if code == "too-long"}
    assert emoji == {
        "text too long for x: 282 of 280 weighted characters (links 23, emoji and CJK 2)",
        f"text too long for threads: {threads_length('🎄' * 141)} of 500 characters (an emoji counts its UTF-8 bytes)",
    }
    brackets = {m for code, m in problems["2026-12-06-paranteze"] if code == "too-long"}
    assert brackets == {
        "text too long for linkedin: 3002 of 3000 UTF-16 units of the commentary as sent (escapes count)",
        "text too long for x: 1501 of 280 weighted characters (links 23, emoji and CJK 2)",
        "text too long for threads: 1501 of 500 characters (an emoji counts its UTF-8 bytes)",
    }  # LinkedIn counts the 1,501 escapes too; VK takes 16,384
    out = preview(repo, "2026-12-05-emoji")
    assert heading(out, "X").endswith("❌ too long") and heading(out, "Threads").endswith(
        "❌ too long"
    )
    assert not heading(out, "VK").endswith("too long") and not heading(out, "LinkedIn").endswith(
        "too long"
    )


def test_each_platforms_media_rules(repo, problems):
    assert {c for c, m in problems["2026-12-07-poze"]} == {"media-count"}
    assert [m for c, m in problems["2026-12-07-poze"]] == ["5 media files; x takes at most 4"]
    webp = {m for c, m in problems["2026-12-08-webp"]}
    assert {m.split(" does not take")[0] for m in webp} == {
        "vk",
        "linkedin",
        "threads",
    }  # X takes WebP
    film = {m for c, m in problems["2026-12-09-film"]}
    assert film == {
        "x takes one video per post, without other media",
        "linkedin takes one video per post, without other media",
    }  # VK and Threads mix videos and photos


def test_a_dry_run_shows_what_each_would_receive_and_sends_nothing(repo):
    # With every secret set (a dry run without one says the send would fail: see
    # tests/test_first_day_output.py); nothing is sent, so any value will do.
    secrets = {a["token_env"]: "dry-run-token-value" for a in ACCOUNTS.values()}
    args = ("sync", "--dry-run", "--now", "2026-12-04 12:00", "--format", "json")
    ran = cli(repo, *args, env=secrets)
    assert ran.code == 0, str(ran)
    shown = {o["account"]: json.loads(o["detail"]) for o in ran.json["outcomes"]}
    assert set(shown) == set(ACCOUNTS) and all(
        o["state"] == "would-publish" for o in ran.json["outcomes"]
    )
    assert shown["vk"]["message"] == PLAIN and shown["vk"]["attachments"] == [URL]
    assert shown["vk"]["guid"] and shown["vk"]["from_group"] == 1
    assert shown["x"]["text"] == PLAIN
    assert little.render(shown["linkedin"]["commentary"]).text == PLAIN
    assert shown["threads"]["text"] == PLAIN and shown["threads"]["media"] == []
    assert "smmflow/ledger" not in git(repo, "for-each-ref")  # nothing recorded
