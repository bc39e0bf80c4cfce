"""Per-platform and per-account versions in one post file (issue #18, item 1): a
`<!-- bluesky -->` section gives a platform its own text, `<!-- telegram-promo -->` one
account; a `<platform>:`/`<account>:` block in the front matter its own media subset and
alt texts. Checked with path:line, checked per platform against its limits, shown by
`preview` per account, kept by the cache, and sent: read back from the loopback servers.
"""

from __future__ import annotations

import pytest
from repohelp import cli, commit, group_yaml, init_repo, ledger, write
from servers.mastodon import MastodonServer
from servers.telegram import BotApiServer

from smmflow.content import overrides
from smmflow.content.overrides import RESERVED
from smmflow.content.repo import load
from smmflow.platforms import registry
from smmflow.review import preview

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ACCOUNTS = {
    "mastodon": {"instance": "https://m.example", "token_env": "T"},
    "bluesky": {"handle": "b.test", "password_env": "P"},
    "telegram": {"chat": "@b", "token_env": "T"},
    "telegram-promo": {"platform": "telegram", "chat": "@p", "token_env": "T"},
}
FRONT = (
    "---\ndate: 2026-12-04 09:00\ntype: informative\n"
    "media:\n  - src: media/a.png\n    alt: Cozonac pe masă\n"
    "  - src: media/b.png\n    alt: Pâine\n"
)
BODY = (
    "Cozonac cu nucă, ca la bunica. Comenzi până pe 20 decembrie. #craciun\n"
    "\n<!-- bluesky -->\nCozonac cu nucă 🎄\n"
    "\n<!-- telegram-promo -->\n**Ofertă**: cozonac -10%\n"
)


def repo_with(tmp_path, front: str, body: str, accounts: dict | None = None):
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/g.yml", group_yaml("G", "UTC", accounts or ACCOUNTS))
    (root / "content/g/media").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (root / "content/g/media" / name).write_bytes(PNG)
    write(root, "content/g/2026-12-04-a.md", front + "---\n" + body)
    commit(root)
    return root


def check_lines(root) -> list[str]:
    done = cli(root, "check")
    return [line for line in done.out.splitlines() if line.startswith("content/")]


def test_each_account_gets_its_own_text_media_and_alt(tmp_path):
    front = FRONT + "mastodon:\n  media: []\ntelegram:\n  media: [media/b.png]\n"
    front += "bluesky:\n  alt: {media/a.png: Cozonac}\n"
    root = repo_with(tmp_path, front, BODY)
    assert check_lines(root) == []
    repo = load(root)
    post, group = repo.posts[0], repo.groups["g"]
    seen = {a.name: overrides.view(post, a) for a in group.accounts}
    assert post.body.startswith("Cozonac cu nucă, ca la bunica") and "<!--" not in post.body
    assert seen["mastodon"].body == post.body and seen["mastodon"].media == ()
    assert seen["bluesky"].body == "Cozonac cu nucă 🎄"
    assert [(m.src, m.alt) for m in seen["bluesky"].media] == [
        ("media/a.png", "Cozonac"),
        ("media/b.png", "Pâine"),
    ]
    assert seen["telegram"].body == post.body  # the platform's media, the post's text
    assert [m.src for m in seen["telegram"].media] == ["media/b.png"]
    # the account's own text before its platform's; the platform's media still apply
    assert seen["telegram-promo"].body == "**Ofertă**: cozonac -10%"
    assert [m.src for m in seen["telegram-promo"].media] == ["media/b.png"]
    assert seen["bluesky"].body_line == 19  # the section's first line: problems point there


@pytest.mark.parametrize(
    "front, body, expected",
    [
        (
            FRONT,
            "Text\n<!-- blusky -->\nScurt\n",
            "content/g/2026-12-04-a.md:11: body.blusky: <!-- blusky --> names no account or "
            "platform of g (did you mean 'bluesky'?); its accounts: mastodon, bluesky, "
            "telegram, telegram-promo",
        ),
        (
            FRONT,
            "Text\n<!-- bluesky -->\nUnu\n<!-- bluesky -->\nDoi\n",
            "content/g/2026-12-04-a.md:13: body.bluesky: a second <!-- bluesky --> section "
            "(the first is at line 11)",
        ),
        (
            FRONT,
            "Text\n<!-- bluesky -->\n\n",
            "content/g/2026-12-04-a.md:11: body.bluesky: the section is empty: write the text "
            "this platform gets, or remove the line",
        ),
        (
            FRONT,
            "Text\n<!-- part -->\n\n<!-- part -->\nDoi\n",
            "content/g/2026-12-04-a.md:11: body: an empty part: write its text, or remove the "
            "`<!-- part -->` line",
        ),
        (
            FRONT + "bluesky:\n  media: [media/c.png]\n",
            "Text\n",
            "content/g/2026-12-04-a.md:10: bluesky.media.0: 'media/c.png' is not one of the "
            "post's `media:` (did you mean 'media/b.png'?); list files of the post's media by "
            "their `src`",
        ),
        (
            FRONT + "bluesky:\n  alt: {media/z.png: x}\n",
            "Text\n",
            "content/g/2026-12-04-a.md:10: bluesky.alt.media/z.png: 'media/z.png' is not one "
            "of the post's `media:` (did you mean 'media/b.png'?)",
        ),
        (
            FRONT + "bluesky:\n  text: Scurt\n",
            "Text\n",
            "content/g/2026-12-04-a.md:10: bluesky.text: unknown key 'text'; allowed: alt, media",
        ),
        (
            FRONT + "bluesky: scurt\n",
            "Text\n",
            "content/g/2026-12-04-a.md:9: bluesky: must be a mapping of `key: value` lines",
        ),
        (
            FRONT + "facebook:\n  media: []\n",
            "Text\n",
            "content/g/2026-12-04-a.md:9: warning: facebook: g has no facebook account, so "
            "these keys are never used",
        ),
        (
            FRONT,
            "Scurt\n<!-- bluesky -->\n" + "Lung " * 70 + "\n",
            "content/g/2026-12-04-a.md:12: body: text too long for bluesky: 349 of 300 graphemes",
        ),
    ],
    ids=[
        "unknown-section",
        "twice",
        "empty",
        "empty-part",
        "media-subset",
        "alt-src",
        "unknown-key",
        "not-a-mapping",
        "no-account",
        "own-text-too-long",
    ],
)
def test_override_problems_with_lines(tmp_path, front, body, expected):
    assert check_lines(repo_with(tmp_path, front, body)) == [expected]


def test_a_short_own_text_lets_a_long_post_go_to_bluesky(tmp_path):
    long = "Cozonac " * 50
    assert any("bluesky" in line for line in check_lines(repo_with(tmp_path, FRONT, long + "\n")))
    fixed = long + "\n<!-- bluesky -->\nCozonac, pe scurt.\n"
    assert check_lines(repo_with(tmp_path / "2", FRONT, fixed)) == []


def test_no_platform_may_declare_a_reserved_key():
    for name, cls in registry.classes().items():
        assert not set(cls.post_options) & set(RESERVED), name


def test_preview_shows_each_account_its_version(tmp_path):
    front = FRONT + "telegram:\n  media: [media/b.png]\n"
    root = repo_with(tmp_path, front, BODY)
    text = preview.build(load(root), ["content/g/2026-12-04-a.md"], [])
    blocks = dict(
        (block.split(":", 1)[0], block) for block in text.split("#### ")[1:]
    )  # one block per account
    assert "Cozonac cu nucă 🎄" in blocks["Bluesky"] and "ca la bunica" not in blocks["Bluesky"]
    assert "This account gets a text of its own." in blocks["Bluesky"]
    assert "Ofertă: cozonac -10%" in blocks["Telegram (telegram-promo)"]
    assert "ca la bunica" in blocks["Mastodon"] and "own" not in blocks["Mastodon"]
    assert "Media for this account: `media/b.png` “Pâine”" in blocks["Telegram"]


def test_the_cache_keeps_every_version(tmp_path):
    root = repo_with(tmp_path, FRONT + "telegram:\n  media: []\n", BODY)
    fresh = load(root).posts[0]
    cached = load(root).posts[0]
    assert type(cached).__name__ == "CachedPost"
    assert cached.overrides == fresh.overrides and cached.body == fresh.body
    assert "<!--" not in cached.body


def test_a_changed_section_is_a_change_of_the_approved_bytes(tmp_path):
    before = load(repo_with(tmp_path, FRONT, BODY)).posts[0]
    after = load(repo_with(tmp_path / "2", FRONT, BODY.replace("🎄", "🎁"))).posts[0]
    assert before.body == after.body  # the post's own text is the same ...
    assert before.sha256 != after.sha256 and before.blob != after.blob  # ... the file is not


def test_sync_sends_each_account_its_version(tmp_path, serve):
    mastodon = serve(MastodonServer())
    api = serve(BotApiServer())
    api.channel("b", chat_id=-1001)
    api.channel("p", chat_id=-1002)
    accounts = {
        "mastodon": {"instance": mastodon.url, "token_env": "M"},
        "telegram": {"chat": "@b", "token_env": "T", "api": api.url},
        "telegram-promo": {"platform": "telegram", "chat": "@p", "token_env": "T", "api": api.url},
    }
    front = FRONT + "telegram:\n  media: []\nmastodon:\n  alt: {media/b.png: Pâine albă}\n"
    root = repo_with(tmp_path, front, BODY, accounts)
    assert check_lines(root) == [
        "content/g/2026-12-04-a.md:16: warning: body.bluesky: g has no bluesky account, so "
        "this text is never used"
    ]
    env = {"M": "good-token", "T": api.token}
    done = cli(root, "sync", "--now", "2026-12-04 10:00", "--format", "json", env=env)
    assert done.code == 0, str(done)
    assert {o["state"] for o in done.json["outcomes"]} == {"published"}
    [status] = mastodon.live("bakery")
    assert mastodon.texts[status["id"]].startswith("Cozonac cu nucă, ca la bunica")
    assert [m["description"] for m in status["media_attachments"]] == [
        "Cozonac pe masă",
        "Pâine albă",
    ]
    by_chat = {m.chat_id: m for m in api.posts()}
    assert by_chat[-1001].kind == "text" and by_chat[-1001].text.startswith("Cozonac cu nucă, ca")
    assert by_chat[-1002].kind == "text" and by_chat[-1002].text == "Ofertă: cozonac -10%"
    assert by_chat[-1002].marked("bold") == ["Ofertă"]
    assert {r["state"] for r in ledger(root).values()} == {"published"}


def test_markers_in_any_case_and_never_inside_a_code_block(tmp_path):
    body = "Text\n```\n<!-- bluesky -->\n```\n<!-- Bluesky -->\nScurt\n"
    root = repo_with(tmp_path, FRONT, body)
    assert check_lines(root) == []
    repo = load(root)
    bluesky = repo.groups["g"].account("bluesky")
    assert overrides.view(repo.posts[0], bluesky).body == "Scurt"
    assert repo.posts[0].body == "Text\n```\n<!-- bluesky -->\n```"  # code stays code


def test_an_edit_after_publication_sends_the_accounts_own_text(tmp_path, serve):
    mastodon = serve(MastodonServer())
    accounts = {"mastodon": {"instance": mastodon.url, "token_env": "M"}}
    body = "Textul tuturor.\n\n<!-- mastodon -->\nPentru Mastodon.\n"
    root = repo_with(tmp_path, FRONT.split("media:")[0], body, accounts)
    env = {"M": "good-token"}
    first = cli(root, "sync", "--now", "2026-12-04 10:00", "--format", "json", env=env)
    assert first.code == 0, str(first)
    [status] = mastodon.live("bakery")
    assert mastodon.texts[status["id"]] == "Pentru Mastodon."
    write(
        root,
        "content/g/2026-12-04-a.md",
        FRONT.split("media:")[0] + "---\n" + body.replace("Pentru", "Doar pentru"),
    )
    commit(root, "edit the Mastodon text")
    again = cli(root, "sync", "--now", "2026-12-04 10:30", "--format", "json", env=env)
    assert [o["state"] for o in again.json["outcomes"]] == ["edited"], str(again)
    assert mastodon.texts[status["id"]] == "Doar pentru Mastodon."
