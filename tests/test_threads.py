"""Threads (issue #18, item 5): a post split with `<!-- part -->` lines becomes a thread of
replies on Mastodon (loopback server), Bluesky (the reference PDS), X and Threads (their
loopback servers), every part in order, chained to the root and to the part before, and
exactly once: a `smmflow sync` SIGKILLed between parts, or after a part went out but
before its checkpoint was recorded, resumes with the next part and never sends one twice.
"""

from __future__ import annotations

import signal

import pytest
from publishhelp import Saved, make_repo, run
from repohelp import base_env, cli, commit, group_yaml, init_repo, ledger, post_md, smmflow, write
from servers.mastodon import MastodonServer
from servers.threads import ThreadsServer
from servers.x import XServer

from smmflow.content import overrides
from smmflow.model import Account
from smmflow.platforms.base import Attempt
from smmflow.platforms.threading import PREFIX, Progress, part_key
from smmflow.publish import thread

NOW = "2026-12-04T10:00Z"
GROUP, SLUG = "brutaria", "2026-12-04-cozonac"
POST = f"{GROUP}/{SLUG}"
PARTS = ["Cozonacul, pas cu pas 🧵", "1. Maiaua: făină, lapte, drojdie.", "2. Frământăm o oră."]
BODY = "\n\n<!-- part -->\n\n".join(PARTS)


def mastodon_repo(tmp_path, server: MastodonServer):
    root = init_repo(tmp_path / "repo")
    account = {"platform": "mastodon", "instance": server.url, "token_env": "M_TOKEN"}
    write(root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "UTC", {"mastodon": account}))
    write(root, f"content/{GROUP}/{SLUG}.md", post_md("2026-12-04 09:00", BODY))
    commit(root, "a thread")
    return root, base_env(M_TOKEN="good-token")


def chain(server: MastodonServer) -> list[dict]:
    made = sorted(server.live("bakery"), key=lambda s: int(s["id"]))
    assert [server.texts[s["id"]] for s in made] == PARTS  # in order, each once
    assert made[0]["in_reply_to_id"] is None
    assert [s["in_reply_to_id"] for s in made[1:]] == [s["id"] for s in made[:-1]]
    return made


def test_mastodon_thread_of_three_parts(tmp_path, serve):
    server = serve(MastodonServer())
    root, env = mastodon_repo(tmp_path, server)
    done = cli(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert done.code == 0, str(done)
    made = chain(server)
    record = ledger(root)[(POST, "mastodon")]
    assert record["state"] == "published" and record["remote_id"] == made[0]["id"]
    assert record["url"] == made[0]["url"]
    keys = [h.headers.get("Idempotency-Key") for h in server.of("/api/v1/statuses")]
    assert len(set(keys)) == 3  # one key per part


@pytest.mark.parametrize(
    "crash",
    ["between-parts:2", "before-record:2"],
    ids=["after-part-2-recorded", "after-part-2-sent-not-recorded"],
)
def test_mastodon_thread_killed_between_parts_is_one_thread(tmp_path, serve, crash):
    server = serve(MastodonServer())
    root, env = mastodon_repo(tmp_path, server)
    killed = smmflow(root, "sync", "--now", NOW, env={**env, "SMMFLOW_CRASH_AT": crash})
    assert killed.code == -signal.SIGKILL, str(killed)
    record = ledger(root)[(POST, "mastodon")]
    assert record["state"] == "claimed" and record["remote_id"].startswith(PREFIX)
    assert len(server.live("bakery")) == 2  # parts 1 and 2 are out

    again = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert again.code == 0, str(again)
    assert [o["state"] for o in again.json["outcomes"]] == ["published"]
    made = chain(server)  # exactly one thread: part 2 was not posted twice
    assert ledger(root)[(POST, "mastodon")]["remote_id"] == made[0]["id"]
    third = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert third.json["outcomes"] == [] and len(server.live("bakery")) == 3


def test_bluesky_thread_replies_to_root_and_parent_once_under_sigkill(tmp_path, pds):
    from test_platform_bluesky import bsky, env_for
    from test_platform_bluesky import make_repo as bsky_repo
    from test_platform_bluesky import smmflow as bsky_smmflow

    carol = pds.create_account("thread-carol")
    root = bsky_repo(
        tmp_path / "repo",
        {"bsky": bsky(carol.handle, pds.url)},
        {SLUG: post_md("2026-12-04 09:00", BODY)},
    )
    env = env_for(carol.app_password)
    crashed = bsky_smmflow(
        root, env_for(carol.app_password, SMMFLOW_CRASH_AT="before-record:2"), "sync", "--now", NOW
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert len(pds.list_records(carol.did)) == 2

    done = bsky_smmflow(root, env, "sync", "--now", NOW, "--format", "json")
    assert done.returncode == 0, done.stderr
    records = sorted(pds.list_records(carol.did), key=lambda r: r["value"]["createdAt"])
    by_text = {r["value"]["text"]: r for r in records}
    assert sorted(by_text) == sorted(PARTS) and len(records) == 3  # one thread, once
    first, second, third = (by_text[text] for text in PARTS)
    assert "reply" not in first["value"]
    ref = lambda r: {"uri": r["uri"], "cid": r["cid"]}  # noqa: E731
    assert second["value"]["reply"] == {"root": ref(first), "parent": ref(first)}
    assert third["value"]["reply"] == {"root": ref(first), "parent": ref(second)}
    record = ledger(root)[(f"brutaria/{SLUG}", "bsky")]
    assert record["state"] == "published" and record["remote_id"] == first["uri"]


def test_x_and_threads_chain_their_replies(tmp_path, serve):
    x = serve(XServer())
    x.add_account("1460000000000000001", "brutaria")
    x.add_token("x-token-for-threads-0123456789", "1460000000000000001")
    th = serve(ThreadsServer())
    th.add_user("17841400000000001", "brutaria", "threads-token-0123456789")
    accounts = {
        "x": {"platform": "x", "token_env": "X_TOKEN", "api": x.url},
        "threads": {
            "platform": "threads",
            "user": "17841400000000001",
            "token_env": "TH_TOKEN",
            "api": th.api,
        },
    }
    repo = make_repo(tmp_path / "repo", accounts, {SLUG: (BODY, [])})
    env = {"X_TOKEN": "x-token-for-threads-0123456789", "TH_TOKEN": "threads-token-0123456789"}
    for name in ("x", "threads"):
        publishing = run(repo, name, env)
        post = publishing.post(SLUG)
        saved = Saved()
        receipt = thread.send(publishing.publisher, post, Attempt("k-" + name, "", saved))
        assert "a thread of 3 parts" in receipt.note
        ids = Progress.decode(saved.last).ids
        assert len(ids) == 2 and ids[0] == receipt.remote_id  # checkpointed after parts 1, 2
    tweets = sorted(x.timeline("1460000000000000001"), key=lambda t: int(t["id"]))
    assert [t["text"] for t in tweets] == PARTS
    assert [t["reply_to"] for t in tweets] == ["", tweets[0]["id"], tweets[1]["id"]]
    media = sorted(th.live_media("17841400000000001", replies=True), key=lambda m: m["id"])
    assert [m["text"] for m in media] == PARTS
    assert [m["replied_to"] for m in media] == ["", media[0]["id"], media[1]["id"]]


def test_a_resumed_thread_sends_only_what_is_left():
    """The driver reads the checkpoint: parts already out are skipped, the next part
    replies to the root and to the last part sent, with its own key."""

    class Recorder:
        thread_style, can_verify, title = "reply", False, "Rec"
        sent: list = []

        def render(self, post):
            from smmflow.platforms.mastodon import Mastodon

            return Mastodon.render(post)

        def publish(self, post, rendered, attempt):
            from smmflow.platforms.base import Receipt

            self.sent.append((rendered.text, attempt.key, attempt.reply))
            return Receipt(f"id{len(self.sent) + 1}", "")

    post = overrides.replace(_post(), parts=tuple((p, 5 + i) for i, p in enumerate(PARTS)))
    saved = Progress(["id1"], "https://m/1").encode()
    receipt = thread.send(Recorder(), post, Attempt("key", saved, Saved()))  # type: ignore[arg-type]
    assert [text for text, _, _ in Recorder.sent] == PARTS[1:]
    assert [key for _, key, _ in Recorder.sent] == [part_key("key", 1), part_key("key", 2)]
    assert [(r.root, r.parent) for _, _, r in Recorder.sent] == [("id1", "id1"), ("id1", "id2")]
    assert receipt.remote_id == "id1" and receipt.url == "https://m/1"


def _post():
    import datetime as dt

    from smmflow.model import Post

    when = dt.datetime(2026, 12, 4, 9, tzinfo=dt.timezone.utc)
    return Post("content/g/a.md", "g", when, "informative", ("m",), body="x")


def test_check_refuses_a_split_a_platform_cannot_carry(tmp_path):
    root = init_repo(tmp_path / "repo")
    accounts = {
        "mastodon": {"instance": "https://m.example", "token_env": "T"},
        "telegram": {"chat": "@b", "token_env": "T"},
        "fb": {"platform": "facebook", "page": "1", "token_env": "T"},
        "feed": {},
    }
    write(root, "schedules/g.yml", group_yaml("G", "UTC", accounts))
    long_part = "Lung " * 120
    body = f"Unu\n\n<!-- part -->\n{long_part}\n\n<!-- telegram -->\nTot firul într-un mesaj.\n"
    write(root, "content/g/2026-12-04-a.md", post_md("2026-12-04 09:00", body))
    commit(root)
    done = cli(root, "check")
    assert done.code == 1
    lines = [line for line in done.out.splitlines() if line.startswith("content/")]
    assert lines == [
        "content/g/2026-12-04-a.md:7: body: split into 2 parts, and fb (facebook) cannot post a "
        "thread: give it a text of its own (a `<!-- facebook -->` section) or leave it out",
        "content/g/2026-12-04-a.md:8: body: part 2 of 2: text too long for mastodon: 599 of 500 "
        "characters (a link counts 23)",
    ]  # Telegram has its own text; the feed takes the parts as one page


def test_view_joins_parts_for_a_page_and_keeps_them_for_a_thread(tmp_path):
    root = init_repo(tmp_path / "repo")
    accounts = {"mastodon": {"instance": "https://m.example", "token_env": "T"}, "feed": {}}
    write(root, "schedules/g.yml", group_yaml("G", "UTC", accounts))
    write(root, "content/g/2026-12-04-a.md", post_md("2026-12-04 09:00", BODY))
    commit(root)
    from smmflow.content.repo import load

    post = load(root).posts[0]
    assert post.body == "\n\n".join(PARTS)  # the feed, the plan, the headline: one text
    assert [text for text, _ in post.parts] == PARTS
    assert [line for _, line in post.parts] == [5, 9, 13]
    mastodon = Account("mastodon", "mastodon")
    assert [overrides.part(post, i).body for i in range(3)] == PARTS
    assert overrides.view(post, mastodon) is post


@pytest.mark.parametrize("name", ["x", "threads"])
def test_x_and_threads_killed_after_a_part_went_out_finish_one_thread(tmp_path, serve, name):
    """X has no idempotency key: the part that went out is found by `verify` (its send
    mark was checkpointed inside the thread's); Threads finds its published container."""
    token = "crash-thread-token-0123456789"
    if name == "x":
        server = serve(XServer())
        server.add_account("1460000000000000001", "brutaria")
        server.add_token(token, "1460000000000000001")
        account = {"platform": "x", "token_env": "TOKEN", "api": server.url}
    else:
        server = serve(ThreadsServer())
        server.add_user("17841400000000001", "brutaria", token)
        account = {
            "platform": "threads",
            "user": "17841400000000001",
            "token_env": "TOKEN",
            "api": server.api,
        }
    root = init_repo(tmp_path / "repo")
    write(root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "UTC", {name: account}))
    write(root, f"content/{GROUP}/{SLUG}.md", post_md("2026-12-04 09:00", BODY))
    commit(root, "a thread")
    env = base_env(TOKEN=token)
    # records: part 1's own checkpoint, part 1 done, part 2's own checkpoint, part 2 done
    killed = smmflow(root, "sync", "--now", NOW, env={**env, "SMMFLOW_CRASH_AT": "before-record:4"})
    assert killed.code == -signal.SIGKILL, str(killed)
    again = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert again.code == 0, str(again)
    if name == "x":
        made = sorted(server.timeline("1460000000000000001"), key=lambda t: int(t["id"]))
        assert [t["text"] for t in made] == PARTS  # part 2 found, not sent again
        assert [t["reply_to"] for t in made] == ["", made[0]["id"], made[1]["id"]]
        assert len(server.of("tweets")) == 3
    else:
        made = sorted(server.live_media("17841400000000001", replies=True), key=lambda m: m["id"])
        assert [m["text"] for m in made] == PARTS
        assert [m["replied_to"] for m in made] == ["", made[0]["id"], made[1]["id"]]
    assert ledger(root)[(POST, name)]["remote_id"] == made[0]["id"]


def test_sync_never_sends_a_split_or_a_poll_a_platform_cannot_carry(tmp_path, serve):
    """Even when `check` was not heeded: the engine refuses before any request."""
    from servers.telegram import BotApiServer

    api = serve(BotApiServer())
    api.channel("b", chat_id=-1001)
    root = init_repo(tmp_path / "repo")
    account = {"platform": "telegram", "chat": "@b", "token_env": "T", "api": api.url}
    write(root, "schedules/g.yml", group_yaml("G", "UTC", {"telegram": account}))
    write(root, "content/g/2026-12-04-a.md", post_md("2026-12-04 09:00", BODY))
    poll = "---\ndate: 2026-12-04 09:30\ntype: informative\nplatforms: [fb]\npoll:\n  options: [a, b]\n---\nQ?\n"
    fb = {"platform": "facebook", "page": "1", "token_env": "T", "api": api.url}
    write(root, "schedules/g.yml", group_yaml("G", "UTC", {"telegram": account, "fb": fb}))
    write(root, "content/g/2026-12-04-b.md", poll)
    commit(root)
    done = cli(root, "sync", "--now", NOW, "--format", "json", env={"T": api.token})
    details = {o["account"]: (o["state"], o["detail"]) for o in done.json["outcomes"]}
    assert details["telegram"][0] == "failed" and "cannot post a thread" in details["telegram"][1]
    assert details["fb"][0] == "failed" and "cannot carry the post's poll" in details["fb"][1]
    assert api.sends() == []  # nothing reached the platform
