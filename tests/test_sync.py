"""`smmflow sync` end to end: real git repositories, the real CLI, the loopback receiver.

Acceptance 1 (due posts published exactly once, drafts and unmerged posts never, dry
run, withdrawn, missed, resolve), 5 (secrets never leak) and 6 (timezones and DST).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, quote_plus

import feedparser
import pytest
from repohelp import (
    LEDGER,
    LoopbackReceiver,
    base_env,
    commit,
    example_repo,
    git,
    group_yaml,
    init_repo,
    ledger,
    ledger_text,
    post_md,
    published,
    read_plan,
    rev,
    smmflow,
    states,
    status_rows,
    sync_json,
    write,
)

A = "{http://www.w3.org/2005/Atom}"
UTC = dt.timezone.utc
NOW = "2026-12-12 14:00+02:00"  # 12:00Z: some example posts are due, many missed, most ahead
NOW_UTC = dt.datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
SECRET = "hook-SECRET-7f3a9c51"


@pytest.fixture
def receiver(serve):
    return serve(LoopbackReceiver(secret=SECRET.encode()))


def shop_repo(tmp_path: Path, hook_url: str, posts: dict[str, str], **extra_accounts) -> Path:
    """One group `shop` on UTC with a feed and a signed webhook account, posts committed."""
    root = init_repo(tmp_path / "shop")
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": hook_url, "secret_env": "HOOK_SECRET"},
        **extra_accounts,
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts))
    for slug, text in posts.items():
        write(root, f"content/shop/{slug}.md", text)
    commit(root, "shop content")
    return root


def env(**extra: str) -> dict[str, str]:
    return base_env(HOOK_SECRET=SECRET, **extra)


# -- Atom --------------------------------------------------------------------------------
def _rfc3339(text: str | None) -> dt.datetime:
    assert text, "a date construct is empty"
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, f"{text} has no offset (RFC 3339 requires one)"
    return moment


def check_atom(feed_xml: Path) -> dict[str, ET.Element]:
    """The RFC 4287 requirements a reader relies on; returns the entries by id."""
    data = feed_xml.read_bytes()
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = ET.fromstring(data)
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{tag}") or "").strip(), f"feed has no {tag}"
    updated = _rfc3339(root.findtext(f"{A}updated"))
    entries = root.findall(f"{A}entry")
    # 4.1.1: a feed without an author needs one in every entry.
    feed_author = root.find(f"{A}author/{A}name")
    assert feed_author is not None and feed_author.text, "feed has no author name"
    found = {}
    for entry in entries:
        entry_id = entry.findtext(f"{A}id") or ""
        assert entry_id.strip(), "entry has no id"
        assert entry_id not in found, f"duplicate entry id {entry_id}"
        assert (entry.findtext(f"{A}title") or "").strip(), f"{entry_id} has no title"
        assert _rfc3339(entry.findtext(f"{A}updated")) <= updated
        links = [
            link
            for link in entry.findall(f"{A}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert links, f"{entry_id} has no alternate link"
        page = (feed_xml.parent / links[0].get("href", "")).resolve()
        assert page.is_file(), f"{entry_id} links to {page}, which does not exist"
        found[entry_id] = entry
    return found


# -- acceptance 1: the example content ------------------------------------------------------
def test_sync_feed_publishes_exactly_the_due_example_posts_once(tmp_path: Path) -> None:
    root = example_repo(tmp_path)
    plan = read_plan(root)
    feed_posts = [p for p in plan if p.status == "ready" and "feed" in p.platforms]
    due = {p.id for p in feed_posts if p.utc <= NOW_UTC and NOW_UTC - p.utc <= p.max_delay}
    missed = {p.id for p in feed_posts if NOW_UTC - p.utc > p.max_delay}
    assert due and missed and len(due | missed) < len(feed_posts)  # a meaningful moment

    result, report = sync_json(root, NOW, "--account", "feed")
    got = states(report["outcomes"])
    assert {post for (post, _), s in got.items() if s == "published"} == due, str(result)
    assert {post for (post, _), s in got.items() if s == "missed"} == missed
    assert {account for _, account in got} == {"feed"}
    assert set(got.values()) == {"published", "missed"}
    assert result.code == 1 and report["exit_code"] == 1  # missed posts are worth a look

    records = ledger(root)
    assert published(records) == {(post, "feed") for post in due}
    assert {post for (post, _), r in records.items() if r["state"] == "missed"} == missed

    tip, feeds = rev(root), {g: (root / "public" / g / "feed.xml") for g in {p.group for p in plan}}
    before = {g: f.read_bytes() for g, f in feeds.items() if f.exists()}
    again, second = sync_json(root, NOW, "--account", "feed")
    assert second["outcomes"] == [] and again.code == 0, str(again)
    assert rev(root) == tip, "a second run must not write to the ledger"
    assert {g: f.read_bytes() for g, f in feeds.items() if f.exists()} == before

    rows = status_rows(root, NOW)
    for post in due:
        row = rows[(post, "feed")]
        group, slug = post.split("/")
        assert row["state"] == "published"
        assert row["url"] == f"{group}/posts/{slug}.html"
        assert (root / "public" / row["url"]).is_file()
    text = smmflow(root, "status", "--now", NOW)
    assert text.code == 0
    for post in due:
        assert rows[(post, "feed")]["url"] in text.out

    for group in {p.group for p in feed_posts if p.id in due}:
        entries = check_atom(root / "public" / group / "feed.xml")
        expected = {f"tag:smmflow,2026:{p}" for p in due if p.startswith(group + "/")}
        assert set(entries) == expected
    # Media of a published post is served next to its page.
    for media in (
        "brutaria-dulce/media/ingredient-secret.jpg",
        "clinica-zambet/media/voucher-albire.jpg",
    ):
        assert (root / "public" / media).read_bytes() == (root / "content" / media).read_bytes()


def test_drafts_are_never_published(tmp_path: Path) -> None:
    root = example_repo(tmp_path)
    plan = read_plan(root)
    drafts = {p.id for p in plan if p.status == "draft"}
    ready = {p.id for p in plan if p.status == "ready" and "feed" in p.platforms}
    assert drafts, "the example content should have drafts"

    result, report = sync_json(root, "2027-01-20T00:00Z", "--account", "feed", "--max-delay", "60d")
    assert result.code == 0, str(result)
    assert published(ledger(root)) == {(p, "feed") for p in ready}
    assert not {post for post, _ in ledger(root)} & drafts
    assert not {o["post"] for o in report["outcomes"]} & drafts
    for post in drafts:
        group, slug = post.split("/")
        assert not (root / "public" / group / "posts" / f"{slug}.html").exists()
        assert slug not in (root / "public" / group / "feed.xml").read_text(encoding="utf-8")
    rows = status_rows(root, "2027-01-20T00:00Z")
    assert {rows[(p, "feed")]["state"] for p in drafts} == {"draft"}


def test_posts_not_on_main_are_held_until_merged(tmp_path: Path) -> None:
    root = example_repo(tmp_path)
    edited = root / "content/english-online/2026-12-12-christmas-vocabulary.md"
    # A writer's new post, committed on a feature branch that is not merged yet ...
    git(root, "checkout", "-q", "-b", "writer/new-post")
    write(
        root,
        "content/english-online/2026-12-12-gift-idioms.md",
        post_md("2026-12-12 10:00", "Five idioms about gifts.", platforms=["feed"]),
    )
    commit(root, "new post")
    # ... and an edit of a merged post that nobody committed.
    edited.write_text(edited.read_text(encoding="utf-8") + "\nP.S. unapproved addition\n")

    result, report = sync_json(root, NOW, "--account", "feed", "--group", "english-online")
    got = states(report["outcomes"])
    assert got[("english-online/2026-12-12-gift-idioms", "feed")] == "held"
    assert got[("english-online/2026-12-12-christmas-vocabulary", "feed")] == "held"
    assert "published" not in got.values()
    assert result.code == 3, str(result)  # a person must merge (or discard) them
    assert not published(ledger(root))
    posts = root / "public/english-online/posts"
    assert not (posts / "2026-12-12-gift-idioms.html").exists()
    assert not (posts / "2026-12-12-christmas-vocabulary.html").exists()
    rows = status_rows(root, NOW)
    assert rows[("english-online/2026-12-12-gift-idioms", "feed")]["state"] == "held"

    git(root, "checkout", "-q", "--", str(edited))
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--ff-only", "writer/new-post")
    result, report = sync_json(root, NOW, "--account", "feed", "--group", "english-online")
    assert states(report["outcomes"]) == {
        ("english-online/2026-12-12-gift-idioms", "feed"): "published",
        ("english-online/2026-12-12-christmas-vocabulary", "feed"): "published",
    }, str(result)


# -- dry run, withdrawn, missed, resolve --------------------------------------------------
def test_dry_run_prints_the_rendered_text_and_changes_nothing(tmp_path: Path, receiver) -> None:
    body = "Winter **sale** starts today: see [the shop](https://shop.test/winter).\n\n#sale"
    root = shop_repo(tmp_path, receiver.url, {"2026-12-04-sale": post_md("2026-12-04 10:00", body)})

    result = smmflow(root, "sync", "--dry-run", "--now", "2026-12-04 10:30Z", env=env())
    assert result.code == 0, str(result)
    assert "would publish shop/2026-12-04-sale → hook" in result.out
    assert "would publish shop/2026-12-04-sale → feed" in result.out
    # What the receiver would get: the text rendered for it (no Markdown marks).
    assert "Winter sale starts today: see the shop (https://shop.test/winter)." in result.out
    assert receiver.deliveries == []
    assert rev(root) is None, "a dry run must not write the ledger"
    assert not (root / "public").exists()
    assert git(root, "status", "--porcelain") == ""

    real = smmflow(root, "sync", "--now", "2026-12-04 10:30Z", env=env())
    assert real.code == 0 and len(receiver.deliveries) == 1, str(real)

    # With a ledger in place, a dry run still leaves it alone and shows only what is new.
    write(root, "content/shop/2026-12-05-next.md", post_md("2026-12-05 10:00", "Next *one*."))
    commit(root, "next post")
    tip, feed = rev(root), (root / "public/shop/feed.xml").read_bytes()
    dry = smmflow(root, "sync", "--dry-run", "--now", "2026-12-05 10:00Z", env=env())
    assert dry.code == 0, str(dry)
    assert "would publish shop/2026-12-05-next → hook" in dry.out and "Next one." in dry.out
    assert "2026-12-04-sale" not in dry.out
    assert rev(root) == tip and len(receiver.deliveries) == 1
    assert (root / "public/shop/feed.xml").read_bytes() == feed


def test_withdrawn_post_is_deleted_everywhere(tmp_path: Path, receiver) -> None:
    post = "shop/2026-12-04-recall"
    path = "content/shop/2026-12-04-recall.md"
    root = shop_repo(
        tmp_path, receiver.url, {"2026-12-04-recall": post_md("2026-12-04 10:00", "A recall.")}
    )
    page = root / "public/shop/posts/2026-12-04-recall.html"

    first, _ = sync_json(root, "2026-12-04T10:00Z", env=env())
    assert first.code == 0, str(first)
    assert page.is_file() and len(receiver.created) == 1
    key = next(iter(receiver.created))

    write(root, path, post_md("2026-12-04 10:00", "A recall.", status="withdrawn"))
    commit(root, "withdraw the recall")
    result, report = sync_json(root, "2026-12-04T12:00Z", env=env())
    assert result.code == 0, str(result)
    assert states(report["outcomes"]) == {(post, "hook"): "withdrawn", (post, "feed"): "withdrawn"}
    deletes = [d for d in receiver.deliveries if d.method == "DELETE"]
    assert len(deletes) == 1
    assert deletes[0].json["id"] == "hook-1" and deletes[0].json["key"] == key
    assert receiver.bad_signatures == 0
    assert not page.exists()
    assert "2026-12-04-recall" not in (root / "public/shop/feed.xml").read_text(encoding="utf-8")
    assert "2026-12-04-recall" not in (root / "public/shop/index.html").read_text(encoding="utf-8")
    rows = status_rows(root, "2026-12-04T12:00Z", env=env())
    assert rows[(post, "hook")]["state"] == "withdrawn"
    assert rows[(post, "feed")]["state"] == "withdrawn"

    again, report = sync_json(root, "2026-12-04T13:00Z", env=env())
    assert report["outcomes"] == [] and again.code == 0
    assert len([d for d in receiver.deliveries if d.method == "DELETE"]) == 1


OLD = {
    "2026-12-01-old-a": post_md("2026-12-01 10:00", "First old post.", platforms=["hook"]),
    "2026-12-01-old-b": post_md("2026-12-01 11:00", "Second old post.", platforms=["hook"]),
    "2026-12-01-old-c": post_md("2026-12-01 12:00", "Third old post.", platforms=["hook"]),
}
LATE = "2026-12-04T10:00Z"  # three days later; the group's max_delay is 24h


def test_missed_post_is_reported_not_delivered(tmp_path: Path, receiver) -> None:
    root = shop_repo(tmp_path, receiver.url, OLD)
    result, report = sync_json(root, LATE, env=env())
    assert result.code == 1, str(result)
    assert set(states(report["outcomes"]).values()) == {"missed"}
    assert len(report["outcomes"]) == 3
    assert "max_delay" in report["outcomes"][0]["detail"]
    assert receiver.deliveries == []
    rows = status_rows(root, LATE, env=env())
    assert rows[("shop/2026-12-01-old-a", "hook")]["state"] == "missed"
    assert "resolve" in rows[("shop/2026-12-01-old-a", "hook")]["detail"]
    # Reported once: the next run has nothing new to say and sends nothing.
    again, report = sync_json(root, LATE, env=env())
    assert report["outcomes"] == [] and again.code == 0
    assert receiver.deliveries == []


def test_resolve_published_and_skip_settle_a_missed_post(tmp_path: Path, receiver) -> None:
    root = shop_repo(tmp_path, receiver.url, OLD)
    sync_json(root, LATE, env=env())
    by_hand = "https://hooks.shop.test/posts/by-hand-1"

    done = smmflow(
        root, "resolve", "shop/2026-12-01-old-a", "hook", "--published", by_hand, env=env()
    )
    assert done.code == 0 and "published" in done.out, str(done)
    skip = smmflow(root, "resolve", "2026-12-01-old-b", "hook", "--skip", env=env())
    assert skip.code == 0 and "skipped" in skip.out, str(skip)

    rows = status_rows(root, LATE, env=env())
    assert rows[("shop/2026-12-01-old-a", "hook")]["state"] == "published"
    assert rows[("shop/2026-12-01-old-a", "hook")]["url"] == by_hand
    assert rows[("shop/2026-12-01-old-b", "hook")]["state"] == "skipped"
    assert rows[("shop/2026-12-01-old-c", "hook")]["state"] == "missed"

    result, report = sync_json(root, "2026-12-04T11:00Z", "--max-delay", "31d", env=env())
    # Even a catch-up run leaves what a person settled alone.
    assert result.code == 0, str(result)
    assert states(report["outcomes"]) == {}
    assert receiver.deliveries == []

    bad = smmflow(
        root, "resolve", "shop/2026-12-01-old-c", "hook", "--published", "nope", env=env()
    )
    assert bad.code == 2 and "URL" in bad.err


def test_resolve_retry_sends_a_missed_post_late(tmp_path: Path, receiver) -> None:
    """`smmflow status` advises `resolve --retry` "to send it late" for a missed post."""
    root = shop_repo(tmp_path, receiver.url, OLD)
    sync_json(root, LATE, env=env())
    rows = status_rows(root, LATE, env=env())
    advice = rows[("shop/2026-12-01-old-c", "hook")]["detail"]
    assert "--retry` to send it late" in advice

    retry = smmflow(root, "resolve", "shop/2026-12-01-old-c", "hook", "--retry", env=env())
    assert retry.code == 0, str(retry)
    result, report = sync_json(root, "2026-12-04T10:05Z", env=env())
    assert states(report["outcomes"]) == {("shop/2026-12-01-old-c", "hook"): "published"}, str(
        result
    )
    assert len(receiver.of("shop/2026-12-01-old-c")) == 1
    assert result.code == 0


# -- acceptance 6: timezones and DST -------------------------------------------------------
ZONES = {
    "bakery": "Europe/Bucharest",  # EET -> EEST on 2026-03-29 at 03:00 local
    "gym": "America/New_York",  # EST -> EDT on 2026-03-08; back on 2026-11-01 at 02:00
    "school": "Asia/Tokyo",  # no DST at all
    "tutor": "Europe/London",  # GMT -> BST on 2026-03-29 at 01:00
}
# (post id, date as the writer wrote it, the UTC instant it is due, the instant's local offset)
DST_POSTS = [
    ("school/2026-03-29-tokyo-morning", "2026-03-29 09:00", "2026-03-29T00:00Z", "+09:00"),
    ("bakery/2026-03-29-before-the-jump", "2026-03-29 02:30", "2026-03-29T00:30Z", "+02:00"),
    ("tutor/2026-03-29-first-bst", "2026-03-29 02:30", "2026-03-29T01:30Z", "+01:00"),
    ("bakery/2026-03-29-after-the-jump", "2026-03-29 10:00", "2026-03-29T07:00Z", "+03:00"),
    ("gym/2026-03-08-first-edt", "2026-03-08 09:00", "2026-03-08T13:00Z", "-04:00"),
    ("gym/2026-11-01-first-0130", "2026-11-01 01:30-04:00", "2026-11-01T05:30Z", "-04:00"),
    ("gym/2026-11-01-second-0130", "2026-11-01 01:30-05:00", "2026-11-01T06:30Z", "-05:00"),
]


def _local(instant: dt.datetime, offset: str) -> str:
    sign = -1 if offset[0] == "-" else 1
    delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
    return (instant + delta).strftime("%Y-%m-%d %H:%M") + offset


def test_posts_are_published_exactly_when_their_utc_instant_passes(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "zones")
    for group, zone in ZONES.items():
        write(root, f"schedules/{group}.yml", group_yaml(group.title(), zone, {"feed": {}}, "400d"))
    for post, date, _, _ in DST_POSTS:
        write(root, f"content/{post}.md", post_md(date, f"Post {post}."))
    commit(root, "posts around DST changes")

    order = sorted(DST_POSTS, key=lambda p: p[2])
    for post, _, instant_text, offset in order:
        instant = dt.datetime.fromisoformat(instant_text.replace("Z", "+00:00"))
        before = instant - dt.timedelta(minutes=1)
        # One minute before, written in the group's own offset: nothing new goes out.
        result, report = sync_json(root, _local(before, offset))
        assert report["skipped_files"] == [], str(result)
        assert report["outcomes"] == [], f"{post} went out before {instant_text}: {result}"
        # At the instant, written as UTC: exactly this post.
        result, report = sync_json(root, instant.strftime("%Y-%m-%dT%H:%MZ"))
        assert states(report["outcomes"]) == {(post, "feed"): "published"}, str(result)
    assert published(ledger(root)) == {(p[0], "feed") for p in DST_POSTS}

    rows = status_rows(root, "2026-12-01T00:00Z")
    shown = {
        post: (rows[(post, "feed")]["date"], rows[(post, "feed")]["utc"]) for post, *_ in DST_POSTS
    }
    assert shown["bakery/2026-03-29-before-the-jump"] == (
        "2026-03-29 02:30 EET",
        "2026-03-29T00:30Z",
    )
    assert shown["bakery/2026-03-29-after-the-jump"] == (
        "2026-03-29 10:00 EEST",
        "2026-03-29T07:00Z",
    )
    assert shown["gym/2026-11-01-first-0130"] == ("2026-11-01 01:30 EDT", "2026-11-01T05:30Z")
    assert shown["gym/2026-11-01-second-0130"] == ("2026-11-01 01:30 EST", "2026-11-01T06:30Z")
    assert shown["school/2026-03-29-tokyo-morning"] == ("2026-03-29 09:00 JST", "2026-03-29T00:00Z")


def test_a_time_in_the_dst_gap_is_refused_not_guessed(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "gap")
    write(root, "schedules/gym.yml", group_yaml("Gym", "America/New_York", {"feed": {}}, "400d"))
    write(root, "content/gym/2026-03-08-in-the-gap.md", post_md("2026-03-08 02:30", "Gap."))
    commit(root)
    result, report = sync_json(root, "2026-03-09T00:00Z")
    assert report["outcomes"] == [] and report["skipped_files"] == [
        "content/gym/2026-03-08-in-the-gap.md"
    ]
    assert "smmflow check" in smmflow(root, "sync", "--now", "2026-03-09T00:00Z").err
    assert not published(ledger(root))


# -- acceptance 5: secrets -----------------------------------------------------------------
TOKENS = {
    "HOOK_SECRET": SECRET,
    "SHOP_TELEGRAM_TOKEN": "123456:TOKEN-telegram-d41f8e",
    "SHOP_MASTODON_TOKEN": "masto-TOKEN-0b9c2aa7",
    "GITHUB_TOKEN": "ghp_TOKENvalueForTests0123456789",
}


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value)}


def _leaks(texts: dict[str, str], values) -> list[str]:
    return [
        f"{value!r} in {where}"
        for where, text in texts.items()
        for value in values
        for form in _forms(value)
        if form in text
    ]


def _site(root: Path) -> dict[str, str]:
    public = root / "public"
    files = sorted(p for p in public.rglob("*") if p.is_file()) if public.exists() else []
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in files}


def _secret_repo(tmp_path: Path, receiver) -> Path:
    # Accounts with tokens that smmflow must keep secret; nothing listens on port 9.
    accounts = {
        "telegram": {
            "chat": "@shop",
            "token_env": "SHOP_TELEGRAM_TOKEN",
            "api": "http://127.0.0.1:9",
        },
        "mastodon": {"instance": "http://127.0.0.1:9", "token_env": "SHOP_MASTODON_TOKEN"},
    }
    posts = {
        "2026-12-04-refused": post_md(
            "2026-12-04 09:00", "Refused with an echo.", platforms=["hook", "feed"]
        ),
        "2026-12-04-crashing": post_md(
            "2026-12-04 09:30", "Server error with an echo.", platforms=["hook"]
        ),
        "2026-12-04-fine": post_md(
            "2026-12-04 10:00", "Goes out fine.", platforms=["hook", "feed", "telegram", "mastodon"]
        ),
    }
    return shop_repo(tmp_path, receiver.url, posts, **accounts)


def test_secrets_never_appear_in_output_ledger_or_site(tmp_path: Path, receiver) -> None:
    receiver.echo = SECRET
    root = _secret_repo(tmp_path, receiver)
    run_env = base_env(**TOKENS, SMMFLOW_RETRIES="2")
    texts: dict[str, str] = {}

    def record(name: str, *args: str) -> None:
        result = smmflow(root, *args, env=run_env)
        texts[f"{name} stdout"], texts[f"{name} stderr"] = result.out, result.err

    record("check", "check")
    record("dry run", "sync", "--dry-run", "--now", "2026-12-04T10:00Z")
    # refused: 400 quoting the secret; crashing: 500 quoting it on every attempt of both
    # runs (2 each); fine: published on the first run
    receiver.faults = ["echo-400", "echo-500", "echo-500", "ok", "echo-500", "echo-500"]
    record("sync", "sync", "--now", "2026-12-04T10:00Z")
    record("sync json", "sync", "--now", "2026-12-04T10:10Z", "--format", "json")
    record("status", "status", "--now", "2026-12-04T10:10Z")
    record("status json", "status", "--now", "2026-12-04T10:10Z", "--format", "json")
    texts["ledger"] = ledger_text(root)
    texts["every ref"] = git(root, "log", "-p", "--all")
    texts.update(_site(root))

    # The run did what it should, so the search below looked at real failures.
    rows = status_rows(root, "2026-12-04T10:10Z", env=run_env)
    assert rows[("shop/2026-12-04-refused", "hook")]["state"] == "failed"
    assert rows[("shop/2026-12-04-crashing", "hook")]["state"] == "failed"
    assert rows[("shop/2026-12-04-fine", "hook")]["state"] == "published"
    assert rows[("shop/2026-12-04-fine", "telegram")]["state"] == "failed"
    assert "[redacted]" in rows[("shop/2026-12-04-refused", "hook")]["detail"]
    assert "HTTP 400" in rows[("shop/2026-12-04-refused", "hook")]["detail"]
    assert "[redacted]" in texts["ledger"]

    assert _leaks(texts, TOKENS.values()) == []

    # Every request was signed with the secret, correctly (HMAC-SHA256 of the raw body).
    assert len(receiver.deliveries) >= 4
    for delivery in receiver.deliveries:
        expected = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["X-Smmflow-Signature"] == f"sha256={expected}"
    assert receiver.bad_signatures == 0


def test_secret_with_a_trailing_newline_is_still_redacted(tmp_path: Path, receiver) -> None:
    """CI secret stores often keep the newline of a pasted value; the signature ignores it
    (smmflow strips the value), so the redaction must ignore it too."""
    receiver.echo = SECRET
    root = shop_repo(tmp_path, receiver.url, {"2026-12-04-a": post_md("2026-12-04 09:00", "A.")})
    receiver.faults = ["echo-400"]
    result = smmflow(
        root, "sync", "--now", "2026-12-04T10:00Z", env=base_env(HOOK_SECRET=SECRET + "\n")
    )
    assert result.code == 1, str(result)
    assert receiver.bad_signatures == 0
    delivery = receiver.deliveries[0]
    good = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Smmflow-Signature"] == f"sha256={good}"
    texts = {"stdout": result.out, "stderr": result.err, "ledger": ledger_text(root)}
    assert _leaks(texts, [SECRET]) == []


def test_a_receipt_that_quotes_the_secret_is_redacted(tmp_path: Path, receiver) -> None:
    """A receiver whose success answer repeats the secret (in the id or URL it returns)."""
    receiver.echo = SECRET
    root = shop_repo(tmp_path, receiver.url, {"2026-12-04-a": post_md("2026-12-04 09:00", "A.")})
    receiver.faults = ["echo-ok"]
    run_env = env()
    text = smmflow(root, "sync", "--now", "2026-12-04T10:00Z", "--account", "hook", env=run_env)
    assert text.code == 0, str(text)
    texts = {"sync stdout": text.out, "sync stderr": text.err, "ledger": ledger_text(root)}
    status = smmflow(root, "status", "--now", "2026-12-04T10:00Z", env=run_env)
    texts["status"] = status.out
    assert _leaks(texts, [SECRET]) == []


def test_ledger_branch_is_separate_from_main(tmp_path: Path, receiver) -> None:
    """The ledger never touches the writer's branch: main stays exactly as merged."""
    root = shop_repo(tmp_path, receiver.url, {"2026-12-04-a": post_md("2026-12-04 09:00", "A.")})
    main = rev(root, "main")
    result = smmflow(root, "sync", "--now", "2026-12-04T10:00Z", env=env())
    assert result.code == 0, str(result)
    assert rev(root, "main") == main
    assert rev(root, LEDGER) is not None
    assert git(root, "status", "--porcelain") == ""
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() == "main"
