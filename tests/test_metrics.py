"""`smmflow metrics`: each platform's numbers read from a loopback server that behaves as the
platform's documentation says (pagination, missing permissions, rate limits), `doctor`
naming a missing permission, and the ledger keeping one snapshot per account and day."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from repohelp import cli, commit, git, init_repo, write
from servers.appview_counts import AppView
from servers.mastodon import MastodonServer, Token
from servers.meta import MetaGraph
from servers.telegram import BotApiServer

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.records import Record
from smmflow.metrics import store
from smmflow.metrics.collect import measure_repository, publications
from smmflow.model import Account, Group
from smmflow.platforms.base import Context
from smmflow.platforms.bluesky import Bluesky
from smmflow.platforms.facebook import Facebook
from smmflow.platforms.http import FAIL, Http, Policy, PublishError
from smmflow.platforms.instagram import Instagram
from smmflow.platforms.mastodon import Mastodon
from smmflow.platforms.telegram import Telegram

PAGE, IG_USER = "104857392016483", "17841405822304914"


def publisher(cls, platform: str, env: dict[str, str], **settings):
    """A publisher for one account, with an Http that never really sleeps."""
    account = Account(platform, platform, tuple(settings.items()))
    group = Group("g", "G", "UTC", "schedules/g.yml", (account,))
    waits: list[float] = []
    http = Http(policy=Policy(attempts=3, backoff=0.01, max_wait=60), sleep=waits.append)
    made = cls(account, Context(None, group, http, env))
    made.waits = waits
    return made


# -- Mastodon ---------------------------------------------------------------------------
@pytest.fixture
def mastodon(serve):
    server = serve(MastodonServer())
    server.tokens["no-read"] = Token("bakery", scopes=("write:statuses", "write:media"))
    server.followers["bakery"] = 321
    return server


def pages_read(server) -> list:
    return [h for h in server.of("/api/v1/accounts/", "GET") if h.path.endswith("/statuses")]


def masto(server, token="good-token"):
    return publisher(Mastodon, "mastodon", {"T": token}, instance=server.url, token_env="T")


def test_mastodon_counts_pages_through_the_link_header(mastodon):
    ids = [mastodon.post("bakery", f"post {i}") for i in range(50)]
    mastodon.engage(ids[3], favourites=7, reblogs=2, replies=1)
    mastodon.engage(ids[45], favourites=1)
    measured = masto(mastodon).measure([ids[3], ids[45]])
    assert measured.account == {"followers": 321}
    assert measured.posts[ids[3]] == {"favourites": 7, "reblogs": 2, "replies": 1, "quotes": 0}
    assert measured.posts[ids[45]]["favourites"] == 1
    pages = pages_read(mastodon)
    assert len(pages) == 2  # 40 newest, then the next page from the Link header
    assert all(h.status == 200 for h in pages)


def test_mastodon_stops_paging_once_every_wanted_post_is_seen(mastodon):
    ids = [mastodon.post("bakery", f"post {i}") for i in range(50)]
    masto(mastodon).measure([ids[49]])  # the newest: on the first page
    assert len(pages_read(mastodon)) == 1


def test_mastodon_deleted_post_is_left_out_not_zero(mastodon):
    kept, gone = mastodon.post("bakery", "kept"), mastodon.post("bakery", "gone")
    del mastodon.statuses[gone]
    measured = masto(mastodon).measure([kept, gone])
    assert set(measured.posts) == {kept}


def test_mastodon_without_read_scopes_says_which(mastodon):
    mastodon.post("bakery", "x")
    with pytest.raises(PublishError) as caught:
        masto(mastodon, "no-read").measure(["1"])
    assert caught.value.kind == FAIL
    assert "read:accounts and read:statuses" in caught.value.message
    lines = masto(mastodon, "no-read").doctor()
    warnings = [f.message for f in lines if f.level == "warning"]
    assert any("metrics: the token lacks read:statuses" in m for m in warnings), lines
    assert any("metrics: the token lacks read:accounts" in m for m in warnings), lines
    assert not any(f.level == "error" for f in lines)  # publishing still works


def test_mastodon_rate_limit_is_waited_out(mastodon):
    status = mastodon.post("bakery", "x")
    mastodon.fail("account-statuses", "429")
    made = masto(mastodon)
    assert status in made.measure([status]).posts
    assert len(made.waits) == 1 and made.waits[0] <= 2  # X-RateLimit-Reset, about a second


# -- Bluesky ----------------------------------------------------------------------------
@pytest.fixture
def appview(serve):
    server = serve(AppView())
    server.profile("bakery.test", "did:plc:bakery", 1234)
    return server


def sky(server):
    return publisher(
        Bluesky, "bluesky", {}, handle="bakery.test", password_env="P", appview=server.url
    )


def test_bluesky_counts_25_posts_a_call(appview):
    uris = [f"at://did:plc:bakery/app.bsky.feed.post/3kabc{i:08d}" for i in range(30)]
    for i, uri in enumerate(uris):
        appview.count(uri, likes=i, reposts=1, replies=2, quotes=0)
    measured = sky(appview).measure([*uris, "at://did:plc:bakery/app.bsky.feed.post/gone"])
    assert measured.account == {"followers": 1234}
    assert len(measured.posts) == 30
    assert measured.posts[uris[29]] == {"likes": 29, "reposts": 1, "replies": 2, "quotes": 0}
    assert [
        len([1 for k in c.raw_query.split("&") if k.startswith("uris=")])
        for c in appview.of("getPosts")
    ] == [25, 6]


def test_bluesky_rate_limit_waits_for_the_reset(appview):
    appview.count("at://did:plc:bakery/app.bsky.feed.post/a", likes=3)
    appview.fail("getPosts", "429")
    made = sky(appview)
    assert made.measure(["at://did:plc:bakery/app.bsky.feed.post/a"]).posts
    assert len(made.waits) == 1 and made.waits[0] <= 2


def test_bluesky_unknown_profile_is_a_failure_with_the_appviews_words(appview):
    made = publisher(
        Bluesky, "bluesky", {}, handle="nobody.test", password_env="P", appview=appview.url
    )
    with pytest.raises(PublishError) as caught:
        made.measure([])
    assert "Profile not found" in caught.value.message
    assert any("does not answer for @nobody.test" in f.message for f in made.doctor_metrics())


# -- Telegram ---------------------------------------------------------------------------
@pytest.fixture
def bot(serve):
    server = serve(BotApiServer())
    server.channel("bakerychan", members=812)
    server.channel(None, chat_id=-100999, bot_status="left", members=5)
    return server


def tg(server, chat="@bakerychan"):
    return publisher(
        Telegram, "telegram", {"T": server.token}, chat=chat, token_env="T", api=server.url
    )


def test_telegram_counts_subscribers_and_says_views_are_not_available(bot):
    measured = tg(bot).measure(["10", "11"])
    assert measured.account == {"followers": 812}
    assert measured.posts == {}
    assert "no views" in measured.notes[0]


def test_telegram_private_channel_without_the_bot_is_a_clear_failure(bot):
    with pytest.raises(PublishError) as caught:
        tg(bot, "-100999").measure([])
    assert "chat not found" in caught.value.message
    assert bot.token not in caught.value.message


def test_telegram_rate_limit_is_waited_out(bot):
    bot.read_faults.append("429")
    made = tg(bot)
    assert made.measure([]).account == {"followers": 812}
    assert made.waits == [1.0]


# -- Facebook and Instagram ---------------------------------------------------------------
@pytest.fixture
def graph(serve):
    server = serve(MetaGraph())
    server.add_page(
        PAGE,
        "Clinic",
        "fb-all",
        scopes=("pages_manage_posts", "pages_read_engagement", "read_insights"),
    )
    server.add_page(PAGE, "Clinic", "fb-basic")  # no read_insights
    server.add_ig_user(
        IG_USER,
        "bakery",
        "ig-all",
        scopes=("instagram_basic", "instagram_content_publish", "instagram_manage_insights"),
    )
    server.add_ig_user(IG_USER, "bakery", "ig-basic")
    server.followers.update({PAGE: 1500, IG_USER: 870})
    return server


def fb_post(server, n: int) -> str:
    oid = f"{PAGE}_{9000 + n}"
    server.posts[oid] = {"id": oid, "page": PAGE, "message": "m", "deleted": False}
    return oid


def fb(server, token="fb-all"):
    return publisher(Facebook, "facebook", {"T": token}, page=PAGE, token_env="T", api=server.api)


def ig(server, token="ig-all"):
    return publisher(
        Instagram, "instagram", {"T": token}, user=IG_USER, token_env="T", api=server.api
    )


def test_facebook_counts_reactions_comments_shares_and_insights_50_at_a_time(graph):
    ids = [fb_post(graph, n) for n in range(60)]
    graph.engage(ids[0], reactions=12, comments=3, shares=2, views=900, reach=640)
    graph.engage(ids[59], reactions=1)
    measured = fb(graph).measure(ids)
    assert measured.account == {"followers": 1500}
    assert measured.posts[ids[0]] == {
        "reactions": 12,
        "comments": 3,
        "shares": 2,
        "views": 900,
        "reach": 640,
    }
    assert measured.posts[ids[59]] == {
        "reactions": 1,
        "comments": 0,
        "shares": 0,
        "views": 0,
        "reach": 0,
    }
    batches = [c for c in graph.calls if c.path == "/" and "ids" in c.params]
    assert [len(c.params["ids"].split(",")) for c in batches] == [
        50,
        10,
        50,
        10,
    ]  # counts, insights
    asked = " ".join(c.params.get("fields", "") for c in batches)
    assert "post_media_view" in asked and "impressions" not in asked  # retired in 2025-2026


def test_facebook_without_read_insights_keeps_the_counts_and_says_why(graph):
    post = fb_post(graph, 1)
    graph.engage(post, reactions=4, views=100)
    measured = fb(graph, "fb-basic").measure([post])
    assert measured.posts[post] == {"reactions": 4, "comments": 0, "shares": 0}
    assert measured.notes and "reach, views not available" in measured.notes[0]
    assert "read_insights" in measured.notes[0]
    warnings = [f.message for f in fb(graph, "fb-basic").doctor_metrics() if f.level == "warning"]
    assert warnings == [
        "metrics: the token lacks permission read_insights: `smmflow metrics` cannot read "
        "views and reach; grant it to the app and make a new token"
    ]


def test_facebook_rate_limit_waits_what_the_usage_header_says(graph):
    post = fb_post(graph, 1)
    graph.fail(
        "GET", r"^/$", code=4, message="(#4) Application request limit reached", regain_minutes=1
    )
    made = fb(graph)
    assert post in made.measure([post]).posts
    assert made.waits == [60.0]


def test_instagram_counts_likes_comments_saves_reach_views(graph):
    graph.media["178"] = {"id": "178", "user": IG_USER, "created": 1}
    graph.engage("178", likes=40, comments=5, saves=9, reach=700, views=1100)
    measured = ig(graph).measure(["178", "179"])  # 179: not there (deleted or never was)
    assert measured.account == {"followers": 870}
    assert measured.posts == {
        "178": {"likes": 40, "comments": 5, "saves": 9, "reach": 700, "views": 1100}
    }


def test_instagram_without_manage_insights_is_noted_and_doctored(graph):
    graph.media["178"] = {"id": "178", "user": IG_USER, "created": 1}
    graph.engage("178", likes=2)
    measured = ig(graph, "ig-basic").measure(["178"])
    assert measured.posts == {"178": {"likes": 2, "comments": 0}}
    assert "instagram_manage_insights" in measured.notes[0]
    lines = ig(graph, "ig-basic").doctor_metrics()
    assert [f.level for f in lines] == ["warning"]
    assert "instagram_manage_insights" in lines[0].message


# -- the ledger file ----------------------------------------------------------------------
def test_store_keeps_numbers_only_and_one_snapshot_per_day():
    first = store.merged(
        "g",
        "2026-12",
        None,
        "2026-12-05",
        [store.Snapshot("m", {"followers": 10}, {"g/p": {"likes": 1}})],
    )
    again = store.merged(
        "g",
        "2026-12",
        first,
        "2026-12-05",
        [store.Snapshot("m", {"followers": 12}, {"g/q": {"likes": 2}})],
    )
    days = store.parse(again)
    assert list(days) == ["2026-12-05"]
    assert days["2026-12-05"]["m"].numbers == {"followers": 12}
    assert days["2026-12-05"]["m"].posts == {"g/p": {"likes": 1}, "g/q": {"likes": 2}}
    damaged = json.dumps(
        {
            "days": {
                "2026-12-06": {
                    "m": {"followers": "many", "posts": {"g/p": {"likes": -1, "x": True}}}
                },
                "bad": 1,
            }
        }
    ).encode()
    assert store.parse(damaged)["2026-12-06"]["m"].numbers == {}
    assert store.parse(damaged)["2026-12-06"]["m"].posts == {"g/p": {}}
    assert store.parse(b"not json") == {}


def _record(post: str, account: str, remote: str, when: str) -> Record:
    return Record(post, account, account, "published", key="k", remote_id=remote, published_at=when)


def test_publications_are_this_and_last_months_on_the_account():
    records = {
        ("g/2026-12-01-a", "m"): _record("g/2026-12-01-a", "m", "1", "2026-12-01T10:00:00Z"),
        ("g/2026-11-03-b", "m"): _record("g/2026-11-03-b", "m", "2", "2026-11-03T10:00:00Z"),
        ("g/2026-10-30-c", "m"): _record("g/2026-10-30-c", "m", "3", "2026-10-30T10:00:00Z"),
        ("g/2026-12-02-d", "t"): _record("g/2026-12-02-d", "t", "4", "2026-12-02T10:00:00Z"),
        ("h/2026-12-02-e", "m"): _record("h/2026-12-02-e", "m", "5", "2026-12-02T10:00:00Z"),
    }
    assert publications(records, "g", "m", dt.date(2026, 12, 8)) == {
        "1": "g/2026-12-01-a",
        "2": "g/2026-11-03-b",
    }


def test_smmflow_metrics_twice_on_one_day_leaves_one_snapshot(tmp_path, mastodon, bot):
    status = mastodon.post("bakery", "hello")
    mastodon.engage(status, favourites=5)
    root = init_repo(tmp_path / "repo")
    write(
        root,
        "schedules/g.yml",
        "name: G\ntimezone: Europe/Bucharest\naccounts:\n  feed: {}\n"
        f"  mastodon: {{instance: '{mastodon.url}', token_env: MT}}\n"
        f"  telegram: {{chat: '@bakerychan', token_env: TT, api: '{bot.url}'}}\n"
        "  missing: {platform: mastodon, instance: 'https://example.invalid', token_env: NOT_SET}\n",
    )
    write(
        root,
        "content/g/2026-12-05-hello.md",
        "---\ndate: 2026-12-05 10:00\ntype: informative\n---\nhello\n",
    )
    commit(root)
    store_, ledger = open_ledger(root, None, str)
    ledger.transact(
        lambda current: [_record("g/2026-12-05-hello", "mastodon", status, "2026-12-05T08:00:04Z")],
        "seed",
    )
    store_.close()
    env = {"MT": "good-token", "TT": bot.token}
    day = dt.date(2026, 12, 8)
    first = measure_repository(root, day=day, environ=env)
    states = {r.account: r.state for r in first}
    assert states == {
        "feed": "not-measured",
        "mastodon": "measured",
        "telegram": "measured",
        "missing": "failed",
    }
    assert "NOT_SET is not set" in next(r.error for r in first if r.account == "missing")
    mastodon.engage(status, favourites=6)
    measure_repository(root, day=day, environ=env)
    data = git(root, "show", "smmflow/ledger:metrics/g/2026-12.json")
    days = store.parse(data.encode())
    assert list(days) == ["2026-12-08"]
    assert days["2026-12-08"]["mastodon"].posts == {
        "g/2026-12-05-hello": {"favourites": 6, "reblogs": 0, "replies": 0, "quotes": 0}
    }
    assert days["2026-12-08"]["telegram"].numbers == {"followers": 812}
    commits = git(root, "log", "--format=%s", "smmflow/ledger", "--", "metrics/").splitlines()
    assert commits == ["metrics: g 2026-12-08", "metrics: g 2026-12-08"]
    measure_repository(root, day=dt.date(2026, 12, 9), environ=env)
    days = store.parse(git(root, "show", "smmflow/ledger:metrics/g/2026-12.json").encode())
    assert list(days) == ["2026-12-08", "2026-12-09"]


def test_metrics_and_doctor_on_the_command_line(tmp_path, mastodon):
    status = mastodon.post("bakery", "hello")
    root = init_repo(tmp_path / "repo")
    write(
        root,
        "schedules/g.yml",
        "name: G\ntimezone: UTC\naccounts:\n"
        f"  mastodon: {{instance: '{mastodon.url}', token_env: MT}}\n",
    )
    write(
        root,
        "content/g/2026-12-05-hello.md",
        "---\ndate: 2026-12-05 10:00\ntype: informative\n---\nhi\n",
    )
    commit(root)
    store_, ledger = open_ledger(root, None, str)
    ledger.transact(
        lambda c: [_record("g/2026-12-05-hello", "mastodon", status, "2026-12-05T10:00:09Z")],
        "seed",
    )
    store_.close()
    done = cli(root, "metrics", "--date", "2026-12-06", env={"MT": "good-token"})
    assert done.code == 0, done.err
    assert done.out == "measured     g/mastodon (mastodon): 1 post(s), 321 followers\n"
    done = cli(root, "metrics", "--date", "2026-12-06", "--format", "json", env={"MT": "no-read"})
    assert done.code == 1
    [row] = json.loads(done.out)
    assert row["state"] == "failed" and "read:accounts and read:statuses" in row["error"]
    assert "no-read" not in done.out  # the token itself is never shown
    done = cli(root, "metrics", "--date", "2026-12-32")
    assert done.code == 2 and "--date" in done.err
    done = cli(root, "doctor", env={"MT": "no-read"})
    assert done.code == 0  # publishing works; metrics cannot read: a warning, not an error
    assert "WARN  g/mastodon (mastodon): metrics: the token lacks read:statuses" in done.out
