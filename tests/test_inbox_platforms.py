"""Each platform's community part against a server that behaves as the platform documents:
Telegram's discussion group and `getUpdates` (tests/servers/telegram_updates.py), Facebook
and Instagram comments (tests/servers/meta_comments.py), Bluesky on the reference PDS with
a loopback AppView for notifications and threads (tests/servers/appview.py), and the
third-party mastodon-mock serving notifications. The post is published by `smmflow sync`
first wherever the server can take it: the inbox finds it through the ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from inboxhelp import POST_ID, by_text, env, items, ledger_actions, make_repo, publish
from repohelp import cli, smmflow
from servers.appview import AppView
from servers.meta import FB_POST, IG_PUBLISH, MetaGraph
from servers.telegram import BotApiServer

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.records import Record


# -- Telegram ------------------------------------------------------------------------------
@pytest.fixture
def tg(serve, tmp_path):
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
    forward = next(m for m in server.posts(group) if m.origin is not None)
    return server, group, forward, root, environ


def test_telegram_comments_replies_and_messages(tg):
    server, group, forward, root, environ = tg
    first = server.user_comment(group, "Cât costă un cozonac?", reply_to=forward.message_id)
    server.user_comment(group, "Și eu vreau să știu", reply_to=first.message_id,
                        user={"id": 77, "is_bot": False, "first_name": "Ion"})  # fmt: skip
    server.private_message("Bună ziua, livrați în Cluj?")
    found = by_text(items(root, environ))
    assert {k: v["kind"] for k, v in found.items()} == {
        "Cât costă un cozonac?": "comment", "Și eu vreau să știu": "reply",
        "Bună ziua, livrați în Cluj?": "message",
    }  # fmt: skip
    comment = found["Cât costă un cozonac?"]
    assert comment["post"]["id"] == POST_ID and comment["author"] == "Ana Pop"
    assert comment["post"]["title"] == "Cozonac cald cu nucă"
    assert len(server.updates) == 4  # kept by Telegram until the next read confirms them
    assert len(items(root, environ)) == 3 and server.updates == []  # confirmed, not re-read
    done = cli(root, "reply", comment["id"], "--text", "45 de lei", env=environ)
    assert done.code == 0, str(done)
    [answer] = [
        m
        for m in server.posts(group)
        if m.reply_to == first.message_id and m.sender["id"] == server.bot_id
    ]
    assert answer.text == "45 de lei"
    gone = cli(root, "moderate", found["Și eu vreau să știu"]["id"], "--delete", env=environ)
    assert gone.code == 0, str(gone)
    assert [m.text for m in server.messages if m.deleted] == ["Și eu vreau să știu"]
    states = {i["text"]: i["state"] for i in items(root, environ, "--no-fetch")}
    assert (
        states["Cât costă un cozonac?"] == "answered" and states["Și eu vreau să știu"] == "deleted"
    )
    assert {a for _, a in ledger_actions(root)} == {"reply", "delete"}


def test_telegram_doctor_says_the_bot_must_administer_the_discussion_group(tg):
    server, group, _, root, environ = tg
    group.bot_status = "member"
    done = cli(root, "doctor", env=environ)
    assert done.code == 0, str(done)  # publishing is fine; the inbox is only a warning here
    assert (
        "WARN  bakery/tg (telegram): inbox: @brutaria_posting_bot is not an administrator of the discussion group"
        in done.out
    )
    strict = cli(root, "doctor", "--inbox", env=environ)
    assert strict.code == 1 and "ERROR bakery/tg (telegram): inbox:" in strict.out
    (root / "community").mkdir()
    (root / "community" / "bakery.yml").write_text("answer_within: 2h\n")
    assert cli(root, "doctor", env=environ).code == 1  # a group that uses the inbox: an error


# -- Facebook and Instagram ----------------------------------------------------------------
PAGE, USER = "1122334455", "17841400000000001"
FB_TOKEN, IG_TOKEN = "EAAG-page-token", "EAAG-ig-token"
MODERATE = ("pages_read_user_content", "pages_manage_engagement")


@pytest.fixture
def fb(serve, tmp_path):
    server = serve(MetaGraph())
    server.add_page(PAGE, "Brutăria Dulce", FB_TOKEN, scopes=(*FB_POST, *MODERATE))
    account = {"platform": "facebook", "page": PAGE, "api": server.api, "token_env": "FB_TOKEN"}
    root = make_repo(tmp_path, {"fb": account})
    environ = env(FB_TOKEN=FB_TOKEN)
    publish(root, environ)
    [post] = server.live_posts(PAGE)
    return server, post, root, environ


def test_facebook_comments_across_pages_answered_hidden_deleted(fb):
    server, post, root, environ = fb
    comments = [server.add_comment(post["id"], f"Comentariul {i}", author=(f"u{i}", f"Fan {i}"))
                for i in range(230)]  # fmt: skip
    nested = server.add_comment(comments[0]["id"], "Și eu!", author=("u9", "Ion"))
    found = items(root, environ, "--limit", "0")
    assert len(found) == 231 and {i["post"]["id"] for i in found} == {POST_ID}
    reads = server.of("GET", f"{post['id']}/comments")
    assert len(reads) == 3 and reads[0].params["filter"] == "stream"  # 100 + 100 + 31
    texts = by_text(found)
    assert texts["Și eu!"]["kind"] == "reply" and texts["Comentariul 5"]["kind"] == "comment"
    target = texts["Comentariul 1"]
    assert cli(root, "reply", target["id"], "--text", "Mulțumim!", env=environ).code == 0
    assert cli(root, "moderate", texts["Comentariul 2"]["id"], "--hide", env=environ).code == 0
    assert cli(root, "moderate", texts["Comentariul 3"]["id"], "--delete", env=environ).code == 0
    [answer] = [c for c in server.comments.values() if c["on"] == comments[1]["id"]]
    assert (answer["from_id"], answer["text"]) == (PAGE, "Mulțumim!")
    assert (
        server.comments[comments[2]["id"]]["hidden"]
        and server.comments[comments[3]["id"]]["deleted"]
    )
    server.remove_comment(nested["id"])
    states = {i["text"]: i["state"] for i in items(root, environ, "--limit", "0")}
    assert (states["Comentariul 1"], states["Comentariul 2"], states["Comentariul 3"]) == (
        "answered", "hidden", "deleted",
    )  # fmt: skip
    assert (
        states["Și eu!"] == "deleted" and "Mulțumim!" not in states
    )  # the Page's own: not an item
    assert server.of("GET", f"{PAGE}/conversations")  # asked, refused (no pages_messaging), skipped


def test_facebook_answer_whose_reply_was_lost_is_looked_up_not_sent_again(fb):
    server, post, root, environ = fb
    comment = server.add_comment(post["id"], "Aveți și fără gluten?")
    [item] = items(root, environ)
    server.fail("POST", f"{comment['id']}/comments", code=2, status=500, when="after")
    lost = cli(root, "reply", item["id"], "--text", "Da, vineri.", env=environ)
    assert lost.code == 3 and ": unknown" in lost.out, str(lost)
    again = cli(root, "reply", item["id"], "--text", "Da, vineri.", env=environ)
    assert again.code == 0 and "found on the platform" in again.out, str(again)
    answers = [c for c in server.comments.values() if c["on"] == comment["id"]]
    assert [a["text"] for a in answers] == ["Da, vineri."]


def test_facebook_conversations_where_the_token_may_read_them(fb):
    server, _, root, environ = fb
    server.tokens[FB_TOKEN].scopes += ("pages_messaging",)
    server.conversations[PAGE] = [{"id": "t_1", "messages": {"data": [
        {"id": "m_1", "message": "Aveți program duminică?", "from": {"id": "55", "name": "Eva"},
         "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())},
    ]}}]  # fmt: skip
    [message] = items(root, environ)
    assert (message["kind"], message["author"], message["question"]) == ("message", "Eva", True)


def test_facebook_doctor_names_the_missing_permission(fb):
    server, _, root, environ = fb
    server.tokens[FB_TOKEN].scopes = FB_POST
    done = cli(root, "doctor", "--inbox", env=environ)
    assert done.code == 1
    assert (
        "inbox: the token lacks permission pages_read_user_content, pages_manage_engagement"
        in done.out
    )


@pytest.fixture
def ig(serve, tmp_path):
    """Instagram media published before (its ledger record written directly)."""
    server = serve(MetaGraph())
    server.add_ig_user(
        USER, "brutariadulce", IG_TOKEN, scopes=(*IG_PUBLISH, "instagram_manage_comments")
    )
    server.media["18000000000000001"] = {"id": "18000000000000001", "user": USER}
    account = {"platform": "instagram", "user": USER, "api": server.api, "token_env": "IG_TOKEN"}
    root = make_repo(tmp_path, {"ig": account})
    store, ledger = open_ledger(root, None, str)
    try:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record = Record(POST_ID, "ig", "instagram", "published", remote_id="18000000000000001",
                        url="https://www.instagram.com/p/x/", published_at=now)  # fmt: skip
        ledger.transact(lambda records: [record], "published: seeded")
    finally:
        store.close()
    return server, root, env(IG_TOKEN=IG_TOKEN)


def test_instagram_comments_and_replies(ig):
    server, root, environ = ig
    top = server.add_ig_comment("18000000000000001", "Ce preț are?", "ana.pop")
    server.add_ig_comment(top["id"], "Și pe mine mă interesează", "ion.m")
    found = by_text(items(root, environ))
    assert found["Ce preț are?"]["kind"] == "comment" and found["Ce preț are?"]["question"]
    nested = found["Și pe mine mă interesează"]
    assert nested["kind"] == "reply" and nested["post"]["id"] == POST_ID
    assert cli(root, "reply", nested["id"], "--text", "30 de lei", env=environ).code == 0
    [answer] = [c for c in server.comments.values() if c["text"] == "30 de lei"]
    assert answer["on"] == top["id"] and answer["from_name"] == "brutariadulce"  # top-level only
    assert cli(root, "moderate", found["Ce preț are?"]["id"], "--hide", env=environ).code == 0
    assert server.comments[top["id"]]["hidden"]
    assert "30 de lei" not in by_text(items(root, environ))  # the account's own answer


# -- Bluesky: the reference PDS, a loopback AppView ------------------------------------------
def _session(pds, account) -> dict:
    made = requests.post(pds.xrpc("com.atproto.server.createSession"),
                         json={"identifier": account.handle, "password": account.password}, timeout=30)  # fmt: skip
    assert made.status_code == 200, made.text
    return made.json()


def _write(pds, account, record: dict) -> dict:
    session = _session(pds, account)
    made = requests.post(
        pds.xrpc("com.atproto.repo.createRecord"),
        json={"repo": session["did"], "collection": "app.bsky.feed.post", "record": record},
        headers={"Authorization": f"Bearer {session['accessJwt']}"}, timeout=30,
    )  # fmt: skip
    assert made.status_code == 200, made.text
    return made.json()


@pytest.fixture
def bsky(pds, serve, tmp_path):
    suffix = os.urandom(2).hex()
    shop, fan = pds.create_account(f"shop{suffix}"), pds.create_account(f"fan{suffix}")
    view = serve(AppView(pds))
    account = {
        "platform": "bluesky",
        "handle": shop.handle,
        "pds": view.url,
        "password_env": "BSKY_PASSWORD",
    }
    root = make_repo(tmp_path, {"sky": account})
    environ = env(BSKY_PASSWORD=shop.app_password)
    publish(root, environ)
    [post] = pds.list_records(shop.did)
    return view, shop, fan, post, root, environ


def test_bluesky_reply_written_to_the_pds_with_root_and_parent(pds, bsky):
    view, shop, fan, post, root, environ = bsky
    ref = {"uri": post["uri"], "cid": post["cid"]}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    comment = _write(pds, fan, {"$type": "app.bsky.feed.post", "text": "Cât costă?",
                                "createdAt": now, "reply": {"root": ref, "parent": ref}})  # fmt: skip
    text = f"Salut @{shop.handle}"
    _write(pds, fan, {"$type": "app.bsky.feed.post", "text": text, "createdAt": now, "facets": [
        {"index": {"byteStart": 6, "byteEnd": 6 + len(shop.handle) + 1},
         "features": [{"$type": "app.bsky.richtext.facet#mention", "did": shop.did}]}]})  # fmt: skip
    found = by_text(items(root, environ))
    assert set(found) == {"Cât costă?", text}
    assert found["Cât costă?"]["post"]["id"] == POST_ID and found[text]["kind"] == "mention"
    assert {"app.bsky.notification.listNotifications", "app.bsky.feed.getPostThread"} <= set(
        view.served
    )
    done = cli(root, "reply", found["Cât costă?"]["id"], "--text", "45 de lei", env=environ)
    assert done.code == 0, str(done)
    [answer] = [r for r in pds.list_records(shop.did) if r["uri"] != post["uri"]]
    assert answer["value"]["text"] == "45 de lei"
    assert answer["value"]["reply"] == {
        "root": ref,
        "parent": {"uri": comment["uri"], "cid": comment["cid"]},
    }
    assert ledger_actions(root)[(found["Cât costă?"]["id"], "reply")]["remote_id"] == answer["uri"]
    hide = cli(root, "moderate", found["Cât costă?"]["id"], "--hide", env=environ)
    assert hide.code == 0, str(hide)
    gate = pds.get_record(
        shop.did, post["uri"].rsplit("/", 1)[1], "app.bsky.feed.threadgate"
    ).json()
    assert (
        gate["value"]["hiddenReplies"] == [comment["uri"]] and gate["value"]["post"] == post["uri"]
    )
    refused = cli(root, "moderate", found[text]["id"], "--delete", env=environ)
    assert refused.code == 1 and "Bluesky cannot delete comments" in refused.out


def test_bluesky_reply_killed_after_sending_is_found_not_sent_again(pds, bsky):
    view, shop, fan, post, root, environ = bsky
    ref = {"uri": post["uri"], "cid": post["cid"]}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    _write(pds, fan, {"$type": "app.bsky.feed.post", "text": "Livrați?", "createdAt": now,
                      "reply": {"root": ref, "parent": ref}})  # fmt: skip
    [item] = items(root, environ)
    crashed = smmflow(
        root, "reply", item["id"], "--text", "Da", env={**environ, "SMMFLOW_CRASH_AT": "after-send"}
    )
    assert crashed.code == -signal.SIGKILL, str(crashed)
    again = smmflow(root, "reply", item["id"], "--text", "Da", env=environ)
    assert again.code == 0 and "found on the platform" in again.out, str(again)
    assert len([r for r in pds.list_records(shop.did) if r["value"].get("reply")]) == 1


# -- mastodon-mock: a third-party Mastodon serving notifications -----------------------------
@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    import shutil
    import socket

    home = tmp_path_factory.mktemp("mastodon-mock-inbox")
    (home / "mock.toml").write_text(
        '[[seed.accounts]]\nusername = "bakery"\naccess_token = "bakery_token"\n'
        '[[seed.accounts]]\nusername = "ana"\naccess_token = "ana_token"\n'
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [shutil.which("mastodon_mock"), "serve", "--in-memory", "--config", str(home / "mock.toml"),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=home, env={**os.environ, "TMPDIR": str(home)}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/api/v1/instance", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, (
            home / "server.log"
        ).read_text()
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


def test_mastodon_mock_notifications_and_an_answer(mock, tmp_path):
    account = {"platform": "mastodon", "instance": mock, "token_env": "MASTO_TOKEN"}
    root = make_repo(tmp_path, {"masto": account})
    environ = env(MASTO_TOKEN="bakery_token")
    publish(root, environ)
    [record] = [r for r in _ledger(root) if r.account == "masto"]
    ana = {"Authorization": "Bearer ana_token"}
    made = requests.post(f"{mock}/api/v1/statuses", headers=ana, timeout=10,
                         data={"status": "@bakery Cât costă?", "in_reply_to_id": record.remote_id})  # fmt: skip
    assert made.status_code == 200, made.text
    alone = requests.post(f"{mock}/api/v1/statuses", headers=ana, timeout=10,
                          data={"status": "@bakery Bună dimineața!"})  # fmt: skip
    assert alone.status_code == 200, alone.text
    found = by_text(items(root, environ))
    assert set(found) == {"@bakery Cât costă?", "@bakery Bună dimineața!"}
    assert found["@bakery Bună dimineața!"]["kind"] == "mention"  # only notifications have it
    item = found["@bakery Cât costă?"]
    assert item["post"]["id"] == POST_ID
    done = cli(root, "reply", item["id"], "--text", "45 de lei", env=environ)
    assert done.code == 0, str(done)
    context = requests.get(
        f"{mock}/api/v1/statuses/{made.json()['id']}/context", headers=ana, timeout=10
    ).json()
    [answer] = context["descendants"]
    assert "45 de lei" in answer["content"] and answer["account"]["username"] == "bakery"
    assert by_text(items(root, environ))["@bakery Cât costă?"]["state"] == "answered"


def _ledger(root: Path) -> list[Record]:
    store, ledger = open_ledger(root, None, str)
    store.close()
    return list(ledger.records.values())


def test_an_account_smmflow_cannot_read_is_not_asked(tmp_path):
    root = make_repo(tmp_path, {"feed": {}})
    done = cli(root, "inbox", env=env())
    assert (
        done.code == 0 and done.out.strip() == "nothing in the inbox" and "fetched" not in done.err
    )
