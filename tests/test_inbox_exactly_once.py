"""Every answer exactly once: the real `smmflow reply` killed (SIGKILL) at each crash point,
then run again; two `smmflow reply` processes on one item at once.

Mastodon (tests/servers/mastodon.py) keeps an `Idempotency-Key` an hour: a stopped reply is
sent again with the same key and Mastodon answers with the status it made. Telegram
(tests/servers/telegram.py) has no key and no way to ask: a stopped reply becomes
`unknown`, is never sent again by itself, and a person settles it with `smmflow resolve`.
Either way the server ends with exactly one answer.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from inboxhelp import env, items, ledger_actions, make_repo, publish
from repohelp import smmflow
from servers.mastodon import MastodonServer
from servers.telegram import BotApiServer

from smmflow.publish.crashpoints import POINTS as ALL_POINTS

# Every crash point on a reply's path (a thread's `between-parts` is not on it).
POINTS = tuple(point for point in ALL_POINTS if point != "between-parts")


@pytest.fixture
def masto_shop(serve, tmp_path):
    server = serve(MastodonServer())
    account = {"platform": "mastodon", "instance": server.url, "token_env": "MASTO_TOKEN"}
    root = make_repo(tmp_path, {"masto": account})
    environ = env(MASTO_TOKEN="good-token")
    publish(root, environ)
    [post] = server.live("bakery")
    return server, root, environ, post


def _answers(server: MastodonServer, comment: dict) -> list[dict]:
    return [s for s in server.live("bakery") if s["in_reply_to_id"] == comment["id"]]


def test_a_reply_killed_at_each_crash_point_is_sent_exactly_once(masto_shop):
    server, root, environ, post = masto_shop
    comments = {p: server.comment("ana", f"Întrebare {p}?", reply_to=post["id"]) for p in POINTS}
    found = {i["text"]: i["id"] for i in items(root, environ)}
    for point, comment in comments.items():
        item = found[f"@bakery Întrebare {point}?"]
        crashed = smmflow(
            root, "reply", item, "--text", "Da!", env={**environ, "SMMFLOW_CRASH_AT": point}
        )
        assert crashed.code == -signal.SIGKILL, f"{point}: {crashed}"
        again = smmflow(root, "reply", item, "--text", "Da!", env=environ)
        assert again.code == 0, f"{point}: {again}"
        assert len(_answers(server, comment)) == 1, point
        record = ledger_actions(root)[(item, "reply")]
        assert (
            record["state"] == "done" and record["remote_id"] == _answers(server, comment)[0]["id"]
        )
    assert len(server.created) == 1 + len(POINTS)  # the post and one answer per comment


def test_two_replies_at_once_send_one(masto_shop):
    server, root, environ, post = masto_shop
    comment = server.comment("ana", "Cât costă?", reply_to=post["id"])
    [item] = items(root, environ)
    server.hold = 0.6  # the first send takes a while (under the 1 s timeout of the tests)
    command = [sys.executable, "-m", "smmflow", "reply", item["id"], "--text", "45 de lei"]
    procs = [
        subprocess.Popen(
            command,
            cwd=root,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=90) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert len(_answers(server, comment)) == 1, outs
    assert codes[0] == 0 and codes[1] in (0, 3), outs  # done, and busy (or already)
    joined = "".join(o for o, _ in outs)
    assert ": done" in joined and (": busy" in joined or ": already" in joined), outs


# -- Telegram: no key, no look-up: unknown, then a person ------------------------------------
@pytest.fixture
def tg_shop(serve, tmp_path):
    server = serve(BotApiServer())
    channel = server.channel("brutaria")
    group = server.discussion(channel, can_delete_messages=True)
    account = {
        "platform": "telegram",
        "chat": "@brutaria",
        "api": server.url,
        "token_env": "TG_TOKEN",
    }
    root = make_repo(tmp_path, {"tg": account})
    environ = env(TG_TOKEN=server.token)
    publish(root, environ)
    return server, group, root, environ


def _tg_answers(server: BotApiServer, group, comment) -> list:
    return [m for m in server.posts(group) if m.reply_to == comment.message_id and m.sender
            and m.sender.get("id") == server.bot_id]  # fmt: skip


@pytest.mark.parametrize("point", ["after-claim", "after-send"])
def test_a_telegram_reply_stopped_midway_waits_for_a_person(tg_shop, point):
    server, group, root, environ = tg_shop
    forward = next(m for m in server.posts(group) if m.origin is not None)
    comment = server.user_comment(group, "Aveți și fără stafide?", reply_to=forward.message_id)
    [item] = items(root, environ)
    crashed = smmflow(
        root, "reply", item["id"], "--text", "Da", env={**environ, "SMMFLOW_CRASH_AT": point}
    )
    assert crashed.code == -signal.SIGKILL, str(crashed)
    sent = len(_tg_answers(server, group, comment))
    assert sent == (1 if point == "after-send" else 0)
    again = smmflow(root, "reply", item["id"], "--text", "Da", env=environ)
    assert again.code == 3 and ": unknown" in again.out, str(again)
    assert "smmflow resolve" in again.out
    assert len(_tg_answers(server, group, comment)) == sent  # never sent blindly
    if point == "after-send":
        settled = smmflow(
            root, "resolve", item["id"], "reply", "--published", "https://t.me/c/1/2", env=environ
        )
    else:
        settled = smmflow(root, "resolve", item["id"][:8], "reply", "--retry", env=environ)
    assert settled.code == 0, str(settled)
    last = smmflow(root, "reply", item["id"], "--text", "Da", env=environ)
    assert last.code == 0, str(last)
    assert len(_tg_answers(server, group, comment)) == 1
    record = ledger_actions(root)[(item["id"], "reply")]
    assert record["state"] == "done"
    assert record["generation"] == (1 if point == "after-claim" else 0)
