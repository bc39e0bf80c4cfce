"""The first comment (issue #18, item 4): `first_comment:` is checked per account it
reaches (path:line), sent once right after the post on Mastodon (a self-reply) and
Facebook (a comment as the Page), read back from the loopback servers, and exactly once
under SIGKILL: a run killed between the post and its comment resumes with the comment
only; one killed after the comment left finds it instead of sending it again."""

from __future__ import annotations

import signal

import pytest
from edithelp import EDITED, NOW, PAGE, world
from repohelp import cli, commit, group_yaml, init_repo, smmflow, write

FIRST = 'first_comment:\n  masto: "#paine #brutarie"\n  facebook: "Comenzi la 0722 000 000"'


def comments(w) -> dict[str, list[str]]:
    """What each server holds under the post: the account's own comments' texts."""
    live = w.mastodon.live("brutaria")
    roots = {s["id"] for s in live if not s["in_reply_to_id"]}
    replies = [w.mastodon.texts[s["id"]] for s in live if s["in_reply_to_id"] in roots]
    posts = {p["id"] for p in w.graph.live_posts()}
    on_fb = [c["text"] for c in w.graph.comments.values() if c["on"] in posts and not c["deleted"]]
    return {"masto": replies, "fb": on_fb}


def test_the_first_comment_goes_out_once_right_after_the_post(tmp_path, serve):
    w = world(tmp_path, serve, first=FIRST, publish=False)
    done = w.sync()
    assert done.code == 0, str(done)
    outcomes = {o["account"]: o for o in done.json["outcomes"]}
    assert {name: o["state"] for name, o in outcomes.items()} == dict.fromkeys(
        ("masto", "tg", "fb", "x"), "published"
    )
    assert "first comment sent" in outcomes["masto"]["detail"]
    assert "first comment sent" in outcomes["fb"]["detail"]
    assert comments(w) == {"masto": ["#paine #brutarie"], "fb": ["Comenzi la 0722 000 000"]}
    [fb_comment] = [c for c in w.graph.comments.values()]
    assert fb_comment["from_id"] == PAGE  # as the Page
    assert w.record("masto")["comment_id"] and w.record("fb")["comment_id"]
    assert not w.record("tg").get("comment_id")  # no first comment there

    again = w.sync()
    assert again.code == 0 and again.json["outcomes"] == [], str(again)
    assert len(comments(w)["masto"]) == 1 and len(comments(w)["fb"]) == 1


def test_a_first_comment_added_by_an_approved_edit_follows_the_edit(tmp_path, serve):
    w = world(tmp_path, serve)
    w.post(EDITED, 'first_comment:\n  fb: "Comenzi la 0722 000 000"')
    commit(w.root, "fix the hour, add a comment")
    done = w.sync("--account", "fb")
    assert [(o["state"], o["detail"]) for o in done.json["outcomes"]] == [
        ("edited", "the published post now has the new text; first comment sent")
    ]
    assert comments(w)["fb"] == ["Comenzi la 0722 000 000"]


def test_killed_between_the_post_and_its_comment_resumes_with_the_comment_only(tmp_path, serve):
    w = world(tmp_path, serve, first=FIRST, publish=False)
    env = {**w.env, "SMMFLOW_CRASH_AT": "after-record:1"}  # the post recorded, nothing more
    crashed = smmflow(w.root, "sync", "--now", NOW, "--account", "masto", env=env)
    assert crashed.code == -signal.SIGKILL, str(crashed)
    assert w.record("masto")["state"] == "published" and not w.record("masto").get("comment_id")
    assert comments(w)["masto"] == []
    assert "its first comment is sent next" in w.status()["masto"]["detail"]

    done = smmflow(
        w.root, "sync", "--now", NOW, "--account", "masto", "--format", "json", env=w.env
    )
    assert [o["state"] for o in done.json["outcomes"]] == ["commented"], str(done)
    assert len(w.mastodon.live("brutaria")) == 2  # the post and its one comment
    assert comments(w)["masto"] == ["#paine #brutarie"]


@pytest.mark.parametrize("account", ["masto", "fb"])
def test_killed_after_the_comment_left_never_sends_a_second(tmp_path, serve, account):
    w = world(tmp_path, serve, first=FIRST, publish=False)
    env = {**w.env, "SMMFLOW_CRASH_AT": "after-send:2"}  # 1: the post, 2: its comment
    crashed = smmflow(w.root, "sync", "--now", NOW, "--account", account, env=env)
    assert crashed.code == -signal.SIGKILL, str(crashed)
    assert w.record(account)["state"] == "claimed" and w.record(account)["doing"] == "comment"
    assert len(comments(w)[account]) == 1

    done = smmflow(
        w.root, "sync", "--now", NOW, "--account", account, "--format", "json", env=w.env
    )
    assert [o["state"] for o in done.json["outcomes"]] == ["commented"], str(done)
    assert len(comments(w)[account]) == 1  # found (or deduplicated by its key), not resent
    assert w.record(account)["comment_id"]


def _checked(tmp_path, front: str) -> str:
    root = init_repo(tmp_path / "repo")
    accounts = {
        "masto": {"platform": "mastodon", "instance": "https://example.social", "token_env": "T"},
        "tg": {"platform": "telegram", "chat": "@brutaria", "token_env": "T"},
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts))
    text = f"---\ndate: 2026-12-04 09:00\ntype: informative\n{front}\n---\nPâine caldă.\n"
    write(root, "content/shop/2026-12-04-a.md", text)
    done = cli(root, "check")
    assert done.code == 1, str(done)
    return done.out


def test_a_first_comment_for_an_account_without_comments_is_refused(tmp_path):
    out = _checked(tmp_path, 'first_comment: "#paine"')
    path = "content/shop/2026-12-04-a.md"
    assert (
        f"{path}:4: first_comment: tg (Telegram) has no comments smmflow can write; give the "
        "comment per account (`first_comment: {account: text}`) to leave tg out"
    ) in out
    assert "masto" not in out  # Mastodon takes it


def test_first_comment_platforms_and_lengths_are_checked_with_lines(tmp_path):
    out = _checked(tmp_path, "first_comment:\n  telegram: hi\n  masto: " + "a" * 501)
    path = "content/shop/2026-12-04-a.md"
    assert f"{path}:5: first_comment.telegram: tg (Telegram) has no comments" in out
    assert f"{path}:6: first_comment.masto: too long for masto (Mastodon): 501 of 500" in out


def test_a_first_comment_for_no_account_is_refused_with_its_line(tmp_path):
    out = _checked(tmp_path, "first_comment:\n  mastodn: hello")
    path = "content/shop/2026-12-04-a.md"
    assert (
        f"{path}:5: first_comment.mastodn: 'mastodn' is neither an account nor a platform "
        "of shop (did you mean 'mastodon'?)"
    ) in out


def test_vk_first_comment_and_edit_each_once(tmp_path, serve):
    """VK: the first comment as the community (`guid`), then an approved edit through
    `wall.edit`; each read back from the loopback VK, each once."""
    from repohelp import base_env, ledger
    from servers.vk import VkServer

    vk = VkServer()
    vk.add_user(1, "Ana", "Pop")
    vk.add_group(42, "Brutăria", admins={1: 3})
    vk.add_token("vk-token-0123456789abcdef", 1)
    serve(vk)
    root = init_repo(tmp_path / "repo")
    account = {"platform": "vk", "owner": "-42", "token_env": "VK", "api": vk.api}
    write(root, "schedules/b.yml", group_yaml("B", "UTC", {"vk": account}))
    path = "content/b/2026-12-04-paine.md"
    front = '---\ndate: 2026-12-04 09:00\ntype: informative\nfirst_comment: "#paine"\n---\n'
    write(root, path, front + "Pâine de la 8.\n")
    commit(root)
    env = base_env(VK="vk-token-0123456789abcdef")
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["published"], str(done)
    [post] = vk.wall(-42)
    [comment] = vk.live_comments(-42, post["id"])
    assert comment["text"] == "#paine" and comment["from_id"] == -42  # as the community

    write(root, path, front + "Pâine de la 7.\n")
    commit(root, "fix")
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["edited"], str(done)
    [post] = vk.wall(-42)
    assert post["text"] == "Pâine de la 7." and len(vk.of("wall.edit")) == 1
    assert len(vk.live_comments(-42, post["id"])) == 1
    assert cli(root, "sync", "--now", NOW, "--format", "json", env=env).json["outcomes"] == []
    assert len(vk.of("wall.edit")) == 1 and len(vk.of("wall.createComment")) == 1
    assert ledger(root)[("b/2026-12-04-paine", "vk")]["comment_id"] == str(comment["id"])


def test_bluesky_first_comment_is_a_self_reply_and_an_edit_is_flagged(pds, tmp_path):
    """Read back from the reference PDS: the post and one reply of the account to it."""
    from repohelp import base_env, ledger

    me = pds.create_account(f"fc{tmp_path.name[-6:].replace('_', '')}")
    root = init_repo(tmp_path / "repo")
    account = {"platform": "bluesky", "handle": me.handle, "pds": pds.url, "password_env": "BP"}
    write(root, "schedules/b.yml", group_yaml("B", "UTC", {"bsky": account}))
    path = "content/b/2026-12-04-paine.md"
    front = (
        '---\ndate: 2026-12-04 09:00\ntype: informative\nfirst_comment: "#paine #brutarie"\n---\n'
    )
    write(root, path, front + "Pâine caldă de la 8.\n")
    commit(root)
    env = base_env(BP=me.app_password)
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["published"], str(done)
    post_uri = ledger(root)[("b/2026-12-04-paine", "bsky")]["remote_id"]
    records = pds.list_records(me.did)
    replies = [
        r
        for r in records
        if (r["value"].get("reply") or {}).get("parent", {}).get("uri") == post_uri
    ]
    assert len(records) == 2 and [r["value"]["text"] for r in replies] == ["#paine #brutarie"]
    assert replies[0]["value"]["reply"]["root"]["uri"] == post_uri

    write(root, path, front + "Pâine caldă de la 7.\n")
    commit(root, "fix")
    again = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert again.code == 0 and again.json["outcomes"] == [], str(again)
    assert len(pds.list_records(me.did)) == 2  # nothing new: the edit cannot reach Bluesky
    shown = cli(root, "status", "--now", NOW, "--format", "json", env=env).json
    assert "published; this edit cannot reach Bluesky" in shown[0]["detail"]


def test_the_preview_shows_each_accounts_first_comment(tmp_path):
    from repohelp import git

    root = init_repo(tmp_path / "repo")
    accounts = {
        "masto": {"platform": "mastodon", "instance": "https://example.social", "token_env": "T"},
        "tg": {"platform": "telegram", "chat": "@brutaria", "token_env": "T"},
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the group")
    git(root, "checkout", "-q", "-b", "new-post")
    front = 'first_comment:\n  masto: "#paine #brutarie"'
    text = f"---\ndate: 2026-12-04 09:00\ntype: informative\n{front}\n---\nPâine caldă.\n"
    write(root, "content/shop/2026-12-04-a.md", text)
    commit(root, "a post")
    shown = cli(root, "preview", "--base", "main")
    assert shown.code == 0, str(shown)
    assert (
        "**First comment:**\n\n- Mastodon (masto), 16 / 500:\n\n```text\n#paine #brutarie\n```"
        in shown.out
    )
    assert "Telegram (tg), " not in shown.out  # no comment there


def test_linkedin_first_comment_and_edit_each_once(tmp_path, serve):
    """LinkedIn: the first comment as the organization (socialActions), then an approved
    edit as a PARTIAL_UPDATE of the commentary; each read back, each once."""
    from repohelp import base_env
    from servers.linkedin import LinkedInServer

    li = LinkedInServer()
    org = li.add_org(7, "Brutăria")
    li.add_member("li-token-0123456789abcdef", "urn:li:person:ana", {org: "ADMINISTRATOR"})
    serve(li)
    root = init_repo(tmp_path / "repo")
    account = {"platform": "linkedin", "author": org, "token_env": "LI", "api": li.api}
    write(root, "schedules/b.yml", group_yaml("B", "UTC", {"li": account}))
    path = "content/b/2026-12-04-paine.md"
    front = (
        '---\ndate: 2026-12-04 09:00\ntype: informative\nfirst_comment: "Comenzi la 0722"\n---\n'
    )
    write(root, path, front + "Pâine de la 8\n")
    commit(root)
    env = base_env(LI="li-token-0123456789abcdef")
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["published"], str(done)
    [post] = li.live_posts(org)
    [comment] = li.comments[post["id"]]
    assert comment["text"] == "Comenzi la 0722" and comment["actor"] == org

    write(root, path, front + "Pâine de la 7\n")
    commit(root, "fix")
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert [o["state"] for o in done.json["outcomes"]] == ["edited"], str(done)
    [post] = li.live_posts(org)
    assert post["commentary"] == "Pâine de la 7" and post["edits"] == ["Pâine de la 8"]
    assert cli(root, "sync", "--now", NOW, "--format", "json", env=env).json["outcomes"] == []
    assert len(li.of("POST", r"/rest/socialActions/")) == 1 and len(post["edits"]) == 1
