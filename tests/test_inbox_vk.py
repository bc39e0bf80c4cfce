"""The inbox on VK, against the loopback VK API (tests/servers/vk.py): the comments under
the community's post published by the real `smmflow sync`, read page by page with their
threads and whole texts; an answer as the community, exactly once (its `guid`, then a look
under the comment); a deletion; doctor's `inbox:` line. In the style of
test_inbox_platforms.py."""

from __future__ import annotations

import datetime as dt

import pytest
from inboxhelp import by_text, env, items, ledger_actions, make_repo, publish
from repohelp import cli
from servers.vk import VkServer

from smmflow.ledger.actions import ActionRecord, open_actions
from smmflow.platforms.community import item_id

GROUP, ADMIN, MOD, FAN = 229_000_001, 743_784_474, 743_784_475, 555_000_001
OWNER = -GROUP
POST = "bakery/2026-12-15-cozonac"
TOKEN, MOD_TOKEN = "vk1.a.admin-token-for-the-bakery", "vk1.a.moderator-token-xyz"


@pytest.fixture
def vk(serve, tmp_path):
    server = VkServer()
    server.add_user(ADMIN, "Ana", "Pop")
    server.add_user(MOD, "Ion", "Rusu")
    server.add_user(FAN, "Maria", "Ionescu")
    server.add_group(GROUP, "Brutăria Dulce", "brutariadulce", admins={ADMIN: 3, MOD: 1})
    server.add_token(TOKEN, ADMIN)
    server.add_token(MOD_TOKEN, MOD)
    serve(server)
    account = {"platform": "vk", "owner": str(OWNER), "token_env": "VK_TOKEN", "api": server.api}
    root = make_repo(tmp_path, {"vk": account})
    environ = env(VK_TOKEN=TOKEN, SMMFLOW_RETRIES="2", SMMFLOW_BACKOFF="0.01")
    publish(root, environ)
    [post] = server.wall(OWNER)
    return server, post["id"], root, environ


def test_vk_comments_pages_threads_answered_and_deleted(vk):
    server, post, root, environ = vk
    comments = [server.add_comment(OWNER, post, FAN, f"Comentariul {i}") for i in range(230)]
    for i in range(12):  # a thread longer than the 10 replies VK gives inside a comment
        server.add_comment(OWNER, post, FAN, f"Răspuns {i}", reply_to=comments[0]["id"])
    long = "Cât costă cozonacul mare? " + "foarte " * 40 + "sincer."
    server.add_comment(OWNER, post, FAN, long)
    found = items(root, environ, "--limit", "0")
    assert len(found) == 230 + 12 + 1 and {i["post"]["id"] for i in found} == {POST}
    texts = by_text(found)
    assert long in texts, "a comment was cut (VK cuts to 90 characters unless told not to)"
    assert texts[long]["author"] == "Maria Ionescu" and texts[long]["question"]
    assert texts["Răspuns 11"]["kind"] == "reply" and texts["Comentariul 7"]["kind"] == "comment"
    assert texts["Răspuns 11"]["url"].endswith(f"&thread={comments[0]['id']}")
    reads = server.of("wall.getComments")
    assert [(c.params["offset"], c.params.get("comment_id")) for c in reads] == [
        ("0", None), ("100", None), ("200", None), ("0", str(comments[0]["id"])),
    ]  # fmt: skip

    assert cli(root, "reply", texts[long]["id"], "--text", "45 de lei", env=environ).code == 0
    [answer] = [c for c in server.live_comments(OWNER, post) if c["text"] == "45 de lei"]
    [sent] = server.of("wall.createComment")
    assert answer["from_id"] == OWNER and sent.params["from_group"] == str(GROUP)
    assert answer["reply_to_comment"] == int(texts[long]["url"].split("reply=")[1])
    record = ledger_actions(root)[(texts[long]["id"], "reply")]
    assert sent.params["guid"] == record["key"] and record["state"] == "done"
    server.fail("wall.deleteComment", "lost")  # deleted, the answer lost: VK then says 211
    deleted = cli(root, "moderate", texts["Comentariul 3"]["id"], "--delete", env=environ)
    assert deleted.code == 0, str(deleted)
    assert server.comments[(OWNER, comments[3]["id"])]["deleted"]
    assert len(server.of("wall.deleteComment")) == 2
    server.comments[(OWNER, comments[5]["id"])]["deleted"] = True  # deleted on VK by a person
    states = {i["text"]: i["state"] for i in items(root, environ, "--limit", "0")}
    assert (states[long], states["Comentariul 3"], states["Comentariul 5"]) == (
        "answered", "deleted", "deleted",
    )  # fmt: skip
    assert "45 de lei" not in states  # the community's own answer is not an item
    hide = cli(root, "moderate", texts["Comentariul 4"]["id"], "--hide", env=environ)
    assert hide.code != 0 and "VK cannot hide comments" in hide.out + hide.err


def test_vk_answer_lost_on_the_way_is_sent_once(vk):
    """The comment is made, the answer lost: the retry carries the same guid and VK gives
    back the first comment (within the hour)."""
    server, post, root, environ = vk
    server.add_comment(OWNER, post, FAN, "Aveți și fără zahăr?")
    [item] = items(root, environ)
    server.fail("wall.createComment", "lost")
    done = cli(root, "reply", item["id"], "--text", "Da, vineri.", env=environ)
    assert done.code == 0, str(done)
    assert [c["text"] for c in server.live_comments(OWNER, post)].count("Da, vineri.") == 1
    assert len(server.of("wall.createComment")) == 2


def test_vk_answer_of_a_stopped_run_past_the_hour_is_found_not_sent_again(vk):
    server, post, root, environ = vk
    comment = server.add_comment(OWNER, post, FAN, "Livrați în Cluj?")
    [item] = items(root, environ)
    server.add_comment(OWNER, post, OWNER, "Da.", reply_to=comment["id"])  # it went out
    long_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    claim = ActionRecord(
        "bakery", "vk", item["id"], "reply", "vk", "claimed", target=f"{OWNER}_{comment['id']}",
        key="k" * 32, claimed_at=long_ago, updated_at=long_ago,
        run={"id": "stopped", "host": "elsewhere", "pid": 1},
    )  # fmt: skip
    store, ledger = open_actions(root, None, str)
    try:
        ledger.transact(lambda current: [claim], "a run that stopped after sending")
    finally:
        store.close()
    done = cli(root, "reply", item["id"], "--text", "Da.", env=environ)
    assert done.code == 0 and "found on the platform" in done.out, str(done)
    assert not server.of("wall.createComment")  # nothing sent again: VK forgot the guid
    assert item["id"] == item_id("vk", f"{OWNER}_{comment['id']}")


def test_vk_doctor_says_what_the_inbox_may_do(vk):
    server, _, root, environ = vk
    done = cli(root, "doctor", "--inbox", env=environ)
    assert "inbox: may read comments, answer as Brutăria Dulce and delete comments" in done.out
    server.tokens[TOKEN].rights = ("photos", "video", "offline")  # no wall right
    done = cli(root, "doctor", "--inbox", env=environ)
    assert done.code == 1 and "lacks the right wall" in done.out, str(done)
