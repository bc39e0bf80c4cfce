"""Edits after publication (issue #18, item 2): an approved edit of a published post goes
out as an edit, exactly once, where the platform's API edits (Mastodon, Telegram,
Facebook), and is said (`status`, `check`) where it cannot (X); `on_edit: repost` deletes
and publishes again, once. The servers are the loopback ones of tests/servers/."""

from __future__ import annotations

from edithelp import BODY, EDITED, PATH, world
from repohelp import cli, commit, write


def test_an_edit_reaches_mastodon_telegram_and_facebook_once_and_is_flagged_for_x(tmp_path, serve):
    w = world(tmp_path, serve)
    [status_id] = [s["id"] for s in w.mastodon.live("brutaria")]
    before = {name: w.record(name)["content_sha256"] for name in ("masto", "tg", "fb", "x")}
    w.post(EDITED)
    commit(w.root, "fix the hour")

    rows = w.status()
    for name in ("masto", "tg", "fb"):
        assert rows[name]["state"] == "published"
        assert "edited after publication; the next sync edits it" in rows[name]["detail"]
    assert "published; this edit cannot reach X" in rows["x"]["detail"]
    checked = cli(w.root, "check", env=w.env)
    assert f"{PATH}:5: warning: body: published; this edit cannot reach X (x)" in checked.out
    strict = cli(w.root, "check", "--strict", env=w.env)
    assert strict.code == 1, str(strict)  # no longer passes in silence

    done = w.sync()
    assert done.code == 0, str(done)
    shown = {o["account"]: o["state"] for o in done.json["outcomes"]}
    assert shown == {"masto": "edited", "tg": "edited", "fb": "edited"}
    # what a reader sees now, and exactly one edit each
    assert w.mastodon.texts[status_id] == EDITED
    assert w.mastodon.edits == [(status_id, EDITED)]
    assert len(w.mastodon.history[status_id]) == 2  # the original and the edit
    [message] = w.telegram.posts()
    assert message.text == EDITED and len(w.telegram.edits) == 1
    [fb_post] = w.graph.live_posts()
    assert fb_post["message"] == EDITED and len(w.graph.post_edits) == 1
    assert len(w.x.timeline("1460000000000000001")) == 1  # untouched
    for name in ("masto", "tg", "fb"):
        record = w.record(name)
        assert record["state"] == "published" and record["content_sha256"] != before[name]
        assert "edited:" in record["history"][-1]
    assert w.record("x")["content_sha256"] == before["x"]

    again = w.sync()
    assert again.code == 0 and again.json["outcomes"] == [], str(again)
    assert len(w.mastodon.edits) == 1 and len(w.telegram.edits) == 1
    assert len(w.graph.post_edits) == 1
    assert "edited after publication" not in w.status()["masto"]["detail"]


def test_an_uncommitted_edit_is_held_and_nothing_is_sent(tmp_path, serve):
    w = world(tmp_path, serve)
    w.post(EDITED)  # in the working tree only: not what was approved
    done = w.sync()
    assert done.code == 3, str(done)
    assert {o["state"] for o in done.json["outcomes"]} == {"held"}
    assert w.mastodon.edits == [] and w.telegram.edits == [] and w.graph.post_edits == []
    assert [s["id"] for s in w.mastodon.live("brutaria")]
    assert w.mastodon.texts[w.mastodon.live("brutaria")[0]["id"]] == BODY


def test_on_edit_repost_deletes_and_publishes_again_once(tmp_path, serve):
    w = world(tmp_path, serve, group_extra="on_edit: repost\n")
    [first] = w.x.timeline("1460000000000000001")
    w.post(EDITED)
    commit(w.root, "fix the hour")
    assert "on_edit: repost" in w.status()["x"]["detail"]

    done = w.sync()
    assert done.code == 0, str(done)
    shown = {o["account"]: o["state"] for o in done.json["outcomes"]}
    assert shown["x"] == "reposted"
    [second] = w.x.timeline("1460000000000000001")
    assert second["id"] != first["id"] and second["text"].startswith("Pâine caldă de la 7")
    assert w.record("x")["remote_id"] == second["id"]
    again = w.sync()
    assert again.json["outcomes"] == [] and len(w.x.timeline("1460000000000000001")) == 1


def test_on_edit_ignore_says_so_in_status_only(tmp_path, serve):
    w = world(tmp_path, serve, group_extra="on_edit: ignore\n")
    w.post(EDITED)
    commit(w.root, "fix the hour")
    assert "(on_edit: ignore)" in w.status()["x"]["detail"]
    checked = cli(w.root, "check", env=w.env)
    assert "cannot reach X" not in checked.out + checked.err


def test_on_edit_is_checked_with_its_line(tmp_path):
    from repohelp import group_yaml, init_repo

    root = init_repo(tmp_path / "repo")
    write(
        root, "schedules/shop.yml", group_yaml("Shop", "UTC", {"feed": {}}) + "on_edit: repost-it\n"
    )
    write(
        root,
        "content/shop/2026-12-04-a.md",
        "---\ndate: 2026-12-04 09:00\ntype: informative\n---\nHi\n",
    )
    done = cli(root, "check")
    assert done.code != 0
    assert (
        "schedules/shop.yml:6: on_edit: unknown choice 'repost-it' (did you mean 'repost'?)"
        in done.out + done.err
    )


def test_the_preview_shows_what_happens_to_each_account_and_the_diff(tmp_path, serve):
    from repohelp import git

    w = world(tmp_path, serve)
    git(w.root, "checkout", "-q", "-b", "fix-hour")
    w.post(EDITED)
    commit(w.root, "fix the hour")
    shown = cli(w.root, "preview", "--base", "main", env=w.env)
    assert shown.code == 0, str(shown)
    text = shown.out
    assert "**Edited after publication:**" in text
    assert "- masto: sent to Mastodon as an edit of the published post" in text
    assert "- tg: sent to Telegram as an edit of the published post" in text
    assert "- x: published; this edit cannot reach X" in text
    assert "-Pâine caldă de la 8, comenzi: https://example.ro/paine" in text
    assert "+Pâine caldă de la 7 (nu 8), comenzi: https://example.ro/paine" in text


def test_a_telegram_photo_post_gets_its_caption_edited(tmp_path, serve):
    from repohelp import base_env, group_yaml, init_repo
    from servers.meta import jpeg
    from servers.telegram import BotApiServer

    telegram = BotApiServer()
    telegram.channel("brutaria", title="Brutăria")
    serve(telegram)
    root = init_repo(tmp_path / "repo")
    account = {"platform": "telegram", "chat": "@brutaria", "api": telegram.url, "token_env": "TG"}
    write(root, "schedules/b.yml", group_yaml("B", "UTC", {"tg": account}))
    (root / "content/b/media").mkdir(parents=True)
    (root / "content/b/media/paine.jpg").write_bytes(jpeg())
    front = "---\ndate: 2026-12-04 09:00\ntype: informative\nmedia:\n  - src: media/paine.jpg\n    alt: Pâine\n---\n"
    path = "content/b/2026-12-04-paine.md"
    write(root, path, front + "Pâine de la **8**\n")
    commit(root)
    env = base_env(TG=telegram.token)
    assert cli(root, "sync", "--now", "2026-12-04T10:00Z", env=env).code == 0
    write(root, path, front + "Pâine de la **7**\n")
    commit(root, "fix")
    done = cli(root, "sync", "--now", "2026-12-04T10:00Z", "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["edited"], str(done)
    [message] = telegram.posts()
    assert message.kind == "photo" and message.text == "Pâine de la 7"
    assert message.marked("bold") == ["7"] and len(telegram.edits) == 1


def test_a_refused_edit_is_said_and_not_tried_again_until_the_post_changes(tmp_path, serve):
    w = world(tmp_path, serve)
    w.mastodon.fail("edit", "422")
    w.post(EDITED)
    commit(w.root, "fix the hour")
    done = w.sync("--account", "masto")
    assert done.code == 1, str(done)
    [outcome] = done.json["outcomes"]
    assert outcome["state"] == "failed" and outcome["detail"].startswith("edit not sent: ")
    assert w.record("masto")["state"] == "published"  # the publication stands
    assert "refused" in w.status()["masto"]["detail"]
    again = w.sync("--account", "masto")
    assert again.code == 0 and again.json["outcomes"] == [], str(again)
    w.post(EDITED + " (again)")
    commit(w.root, "fix it again")
    third = w.sync("--account", "masto")
    assert [o["state"] for o in third.json["outcomes"]] == ["edited"], str(third)
    assert w.mastodon.edits[-1][1] == EDITED + " (again)"
