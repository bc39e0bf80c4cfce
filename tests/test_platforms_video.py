"""TikTok, YouTube and Google Business Profile end to end: the real `smmflow sync` publishes
a video post (a Romanian caption with diacritics and a link) to TikTok and YouTube and a
photo offer to a business location in one run, each read back from its loopback server;
a second run sends nothing; SIGKILL at each step leaves exactly one post, or `unknown`
with the advice to resolve it, never two."""

from __future__ import annotations

import pytest
from repohelp import ledger, ledger_text, smmflow
from videohelp import (
    CHANNEL,
    G_SECRET,
    LOCATION,
    NOW,
    OFFER,
    OFFER_POST,
    PLAIN,
    TT_REFRESH,
    VIDEO,
    env,
    make_repo,
    photo,
    start_servers,
    video,
)


@pytest.fixture
def servers(tmp_path):
    found = start_servers(tmp_path / "www")
    yield found
    found.stop()


@pytest.fixture
def root(servers):
    return make_repo(servers)


def sync(root, state, *args, **extra):
    return smmflow(root, "sync", "--now", NOW, "--format", "json", *args, env=env(state, **extra))


def rows(root) -> dict:
    """`smmflow status` rows, as the library gives them (in this process)."""
    import datetime as dt

    from smmflow.content.timeparse import parse_now
    from smmflow.ledger.states import Clock
    from smmflow.publish.rows import for_status

    clock = Clock(parse_now(NOW), dt.datetime.now(dt.timezone.utc))
    return {(r.post, r.account): r.as_dict() for r in for_status(root, clock)}


def publishing_calls(servers) -> int:
    return (
        len(servers.tiktok.of("video_init"))
        + len(servers.tiktok.of("content_init"))
        + len(servers.youtube.of("insert"))
        + len(servers.gbp.of("create"))
    )


def test_one_sync_publishes_to_all_three_and_a_second_sends_nothing(root, servers, tmp_path):
    state = tmp_path / "state"
    dry = sync(root, state, "--dry-run")
    shown = " ".join(o["detail"] for o in dry.json["outcomes"])
    assert dry.code == 0 and "FILE_UPLOAD" in shown and '"topicType": "OFFER"' in shown, str(dry)
    assert servers.tiktok.calls == servers.youtube.calls == servers.gbp.calls == []
    first = sync(root, state)
    assert first.code == 0, str(first)
    assert "TikTok issued a new refresh token" in first.out  # said in the run's outcome
    states = {(o["post"], o["account"]): o["state"] for o in first.json["outcomes"]}
    assert states == {
        (VIDEO, "tiktok"): "published",
        (VIDEO, "youtube"): "published",
        (OFFER_POST, "maps"): "published",
    }, str(first)

    [tt] = servers.tiktok.posts
    assert tt.caption == PLAIN and tt.kind == "VIDEO" and tt.privacy_level == "PUBLIC_TO_EVERYONE"
    assert tt.video == video(1, 300_000)
    [yt] = servers.youtube.live(CHANNEL)
    assert yt["snippet"]["title"] == "Pâine cu maia, coaptă azi"
    assert yt["snippet"]["description"].startswith(PLAIN + "\n\nsmmflow:")
    assert yt["snippet"]["tags"] == ["brutărie", "pâine cu maia", "Sibiu"]
    assert yt["status"]["privacyStatus"] == "public" and "publishAt" not in yt["status"]
    assert yt["data"] == video(1, 300_000)
    [local] = servers.gbp.live(LOCATION)
    assert local["topicType"] == "OFFER" and local["summary"] == OFFER
    assert local["offer"] == {
        "couponCode": "COZO20",
        "redeemOnlineUrl": "https://brutaria.ro/oferta",
    }
    assert local["event"]["title"] == "Săptămâna cozonacului"
    assert local["event"]["schedule"] == {
        "startDate": {"year": 2026, "month": 12, "day": 4},
        "startTime": {"hours": 8, "minutes": 0},
        "endDate": {"year": 2026, "month": 12, "day": 7},
        "endTime": {"hours": 20, "minutes": 0},
    }
    assert local["photo"] == photo(2)

    records = ledger(root)
    assert records[(VIDEO, "tiktok")]["url"] == tt.url
    assert records[(VIDEO, "youtube")]["url"] == f"https://www.youtube.com/watch?v={yt['id']}"
    assert records[(OFFER_POST, "maps")]["remote_id"] == local["name"]

    before = publishing_calls(servers)
    again = sync(root, state)
    assert again.code == 0 and again.json["outcomes"] == [], str(again)
    assert publishing_calls(servers) == before
    assert len(servers.tiktok.posts) == 1 and len(servers.youtube.live()) == 1
    assert len(servers.gbp.live()) == 1
    # no secret, no access token and no upload capability in the ledger or the output
    issued = servers.youtube.issued + servers.gbp.issued + list(servers.tiktok.tokens)
    text = ledger_text(root) + first.out + first.err
    for secret in [TT_REFRESH, G_SECRET, *issued]:
        assert secret not in text
    assert "upload_token" not in text and "upload_id=" not in text


# -- SIGKILL at each step --------------------------------------------------------------------
def posts_of(servers, account: str) -> int:
    if account == "tiktok":
        return len(servers.tiktok.posts)
    if account == "youtube":
        return len(servers.youtube.live(CHANNEL))
    return len(servers.gbp.live(LOCATION))


def creates_of(servers, account: str) -> int:
    if account == "tiktok":
        return len(servers.tiktok.of("video_init")) + len(servers.tiktok.of("content_init"))
    if account == "youtube":
        return len(servers.youtube.of("insert"))
    return len(servers.gbp.of("create"))


# after-record:1 is the checkpoint (TikTok: the publish_id right after init; YouTube: the
# upload session before its first byte; Google: the time, just before the create);
# after-send:1 is after the platform's last call, before the ledger records it.
@pytest.mark.parametrize(
    ("account", "point"),
    [(a, p) for a in ("tiktok", "youtube", "maps") for p in ("after-record:1", "after-send:1")],
)
def test_killed_at_each_step_ends_with_exactly_one_post(root, servers, tmp_path, account, point):
    state = tmp_path / "state"
    post = OFFER_POST if account == "maps" else VIDEO
    crashed = sync(root, state, "--account", account, SMMFLOW_CRASH_AT=point)
    assert crashed.code == -9, str(crashed)
    record = ledger(root)[(post, account)]
    assert record["state"] == "claimed" and record["remote_id"], record
    sent = point == "after-send:1"
    assert posts_of(servers, account) == int(sent)

    resumed = sync(root, state, "--account", account)
    assert resumed.code == 0, str(resumed)
    [outcome] = resumed.json["outcomes"]
    assert outcome["state"] == "published", outcome
    assert posts_of(servers, account) == 1
    if account != "maps" or sent:  # Google: the checkpoint precedes the create
        assert creates_of(servers, account) == 1  # never asked for a second post
    if account == "maps" and sent:
        assert outcome["detail"] == "found on the platform"
    assert ledger(root)[(post, account)]["state"] == "published"


def test_killed_during_the_youtube_upload_resumes_the_same_upload(root, servers, tmp_path):
    """The process dies with a quarter of the video on YouTube; the next run asks the
    session where it stands and sends only the rest, to the same session."""
    from synchelp import finish, start_sync

    state = tmp_path / "state"
    youtube, kept = servers.youtube, 256 * 1024
    original = youtube._upload
    victim: dict = {}

    def cut(call):
        if call.body and not victim.get("done"):
            victim["done"] = True
            session = youtube.sessions[call.query["upload_id"]]
            session.received.extend(call.body[:kept])  # what arrived before the kill
            import os
            import signal

            os.kill(victim["pid"], signal.SIGKILL)
            return 503, None, {}
        return original(call)

    youtube._upload = cut
    proc = start_sync(root, tmp_path / "sync.log", env(state), "--account", "youtube")
    victim["pid"] = proc.pid
    code, log = finish(proc)
    assert code == -9, log
    assert youtube.live() == [] and len(youtube.sessions) == 1

    resumed = sync(root, state, SMMFLOW_RETRIES="1")
    assert resumed.code == 0, str(resumed)
    [made] = youtube.live(CHANNEL)
    assert made["data"] == video(1, 300_000)
    assert len(youtube.of("insert")) == 1  # the same session, not a new upload
    puts = [c for c in youtube.of("upload") if c.body]
    size = len(video(1, 300_000))
    assert [len(c.body) for c in puts] == [size, size - kept]
    assert ledger(root)[(VIDEO, "youtube")]["remote_id"] == made["id"]


def test_a_photo_post_stopped_before_tiktok_answered_is_left_to_a_person(root, servers, tmp_path):
    """A photo post is asked for by init itself: a run that stopped between saving its
    intent and learning the publish_id cannot know, and says how to resolve it."""
    from repohelp import commit, write

    servers.tiktok.verify_prefix(servers.site.url)
    write(
        root,
        "content/bakery/2026-12-04-vitrina.md",
        "---\ndate: 2026-12-04 11:00\ntype: informative\nplatforms: [tiktok]\n"
        "media:\n  - src: media/cozonac.jpg\n    alt: Vitrina\n---\nVitrina de azi.\n",
    )
    (root / f"content/{VIDEO}.md").unlink()  # the photo post alone
    commit(root, "photo post")
    state = tmp_path / "state"
    crashed = sync(root, state, "--account", "tiktok", SMMFLOW_CRASH_AT="after-record:1")
    assert crashed.code == -9, str(crashed)  # right after saving the intent
    assert len(servers.tiktok.of("content_init")) == 0
    again = sync(root, state, "--account", "tiktok")
    assert again.code == 3, str(again)
    [outcome] = again.json["outcomes"]
    assert outcome["state"] == "unknown", outcome
    assert "may have been posted" in outcome["detail"] and "smmflow resolve" in outcome["detail"]
    row = rows(root)[("bakery/2026-12-04-vitrina", "tiktok")]
    assert row["state"] == "unknown"
    assert "smmflow resolve bakery/2026-12-04-vitrina tiktok --published URL" in row["detail"], row
    assert len(servers.tiktok.of("content_init")) == 0 and servers.tiktok.posts == []
