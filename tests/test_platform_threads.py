"""Threads: containers from public media URLs (text, image with alt text, carousel,
video), their status before `threads_publish`, resuming from the checkpointed container,
the 250-a-day quota, delete and doctor, against the loopback Threads of
tests/servers/threads.py (which downloads every image and video from a static site, as
Meta's crawler does)."""

from __future__ import annotations

import hashlib
import time

import pytest
from publishhelp import GROUP, Saved, make_repo, run
from servers.threads import StaticSite, ThreadsServer, jpeg, mp4

from smmflow.platforms.base import Attempt
from smmflow.platforms.http import FAIL, REAUTH, RETRY, PublishError
from smmflow.platforms.threads import Threads
from smmflow.text.count import threads_length

USER, TOKEN = "17841400000000001", "THAA-threads-user-token-0123456789"
TEXT, ONE, MANY, FILM = (
    "2026-12-04-cozonac",
    "2026-12-05-poza",
    "2026-12-06-vitrina",
    "2026-12-07-film",
)
URL = "https://example.ro/cozonac"


@pytest.fixture
def threads(serve):
    server = ThreadsServer()
    server.add_user(USER, "brutariadulce", TOKEN)
    server.polls, server.video_polls = 1, 2
    return serve(server)


@pytest.fixture
def site(tmp_path, serve):
    (tmp_path / "www").mkdir()
    return serve(StaticSite(tmp_path / "www"))


@pytest.fixture
def repo(tmp_path, threads, site):
    account = {
        "platform": "threads",
        "user": USER,
        "token_env": "TH_TOKEN",
        "api": threads.api,
        "media_base_url": f"{site.url}/repo/content/{GROUP}",
    }
    return make_repo(
        tmp_path / "www" / "repo",
        {"threads": account},
        {
            TEXT: (f"**Cozonac** cu nucă 🎄 — [comandă]({URL}) #Crăciun", []),
            ONE: ("O poză.", [("media/a.jpg", "Cozonac pe masă")]),
            MANY: ("Vitrina.", [("media/a.jpg", "Stânga"), ("media/b.jpg", "Dreapta")]),
            FILM: ("Cum se împletește.", [("media/film.mp4", "Mâini care împletesc")]),
        },
        {"media/a.jpg": jpeg(1), "media/b.jpg": jpeg(2), "media/film.mp4": mp4(3)},
    )


def publisher(repo, token=TOKEN, attempts=3):
    return run(repo, "threads", {"TH_TOKEN": token}, attempts)


def test_a_text_post_is_one_text_container_then_published(repo, threads):
    saved = Saved()
    receipt = publisher(repo).send(TEXT, saved=saved)
    [post] = threads.live_media(USER)
    assert post["text"] == f"Cozonac cu nucă 🎄 — comandă ({URL}) #Crăciun"
    assert post["media_type"] == "TEXT_POST" and receipt == type(receipt)(
        post["id"], post["permalink"]
    )
    [box] = threads.containers.values()
    assert saved.ids == [f"{box['id']}:{saved.last.split(':')[1]}"]  # before threads_publish
    assert post["link_attachment_url"] == URL


def test_an_image_fetched_from_the_public_url_with_its_alt_text(repo, threads, site):
    publisher(repo).send(ONE)
    [post] = threads.live_media(USER)
    assert post["alt_text"] == "Cozonac pe masă" and post["sha256"] == [
        hashlib.sha256(jpeg(1)).hexdigest()
    ]
    assert threads.fetched == [f"{site.url}/repo/content/{GROUP}/media/a.jpg"]


def test_a_carousel_and_a_video_wait_for_their_containers(repo, threads):
    pub = publisher(repo)
    pub.send(MANY)
    pub.send(FILM)
    carousel, video = sorted(threads.live_media(USER), key=lambda m: m["created"])
    assert carousel["media_type"] == "CAROUSEL_ALBUM"
    assert [c["alt_text"] for c in carousel["children"]] == ["Stânga", "Dreapta"]
    assert video["media_type"] == "VIDEO" and video["sha256"] == [
        hashlib.sha256(mp4(3)).hexdigest()
    ]
    assert pub.sleeps  # polled while the video was IN_PROGRESS


def test_a_resumed_send_reads_its_container_before_anything(repo, threads):
    pub = publisher(repo)
    threads.fail("POST", r"/threads_publish$", action="reset", when="after")
    threads.fail("POST", r"/threads_publish$", action="reset")
    threads.fail("POST", r"/threads_publish$", action="reset")
    saved = Saved()
    first = pub.send(TEXT, saved=saved)  # the answer was lost: the container says PUBLISHED
    assert len(threads.live_media(USER)) == 1
    again = pub.send(TEXT, prior=saved.last)  # a resumed run: found, not sent again
    assert again == first and len(threads.live_media(USER)) == 1
    assert len(threads.of("POST", r"/threads_publish$")) == 1
    assert len(threads.containers) == 1


def test_an_edited_post_never_goes_out_from_its_old_container(repo, threads):
    pub = publisher(repo)
    saved = Saved()
    threads.fail(
        "POST", r"/threads_publish$", code=2, message="Service temporarily unavailable", status=500
    )
    threads.fail(
        "POST", r"/threads_publish$", code=2, message="Service temporarily unavailable", status=500
    )
    threads.fail(
        "POST", r"/threads_publish$", code=2, message="Service temporarily unavailable", status=500
    )
    with pytest.raises(PublishError) as failed:
        pub.send(TEXT, saved=saved)
    assert failed.value.kind == RETRY and "the next run checks container" in failed.value.message
    container = saved.last.split(":")[0]
    pub.send(ONE, prior=f"{container}:000000000000")  # another text: a new container
    [post] = threads.live_media(USER)
    assert post["text"] == "O poză." and len(threads.containers) == 2


def test_the_daily_quota_stops_before_a_container_is_made(repo, threads):
    threads.users[USER]["quota_total"] = 1
    pub = publisher(repo)
    pub.send(TEXT)
    with pytest.raises(PublishError) as failed:
        pub.send(ONE)
    assert failed.value.kind == RETRY and "1 of 1 posts" in failed.value.message
    assert len(threads.containers) == 1


@pytest.mark.parametrize(
    ("code", "subcode", "kind", "words"),
    [
        (190, 463, REAUTH, "access token"),
        (10, None, FAIL, "permission"),
        (100, None, FAIL, "refused"),
    ],
)
def test_threads_errors(repo, threads, code, subcode, kind, words):
    threads.fail("POST", r"/threads$", code=code, subcode=subcode, message="(#x) no")
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == kind and words in failed.value.message, failed.value.message


def test_delete_and_delete_again(repo, threads):
    pub = publisher(repo)
    receipt = pub.send(TEXT)
    pub.publisher.delete(Attempt("k", receipt.remote_id))
    assert threads.live_media(USER) == []
    pub.publisher.delete(Attempt("k", receipt.remote_id))


def levels(findings):
    return [(f.level, f.message) for f in findings]


def test_doctor_shows_the_quota_left_the_scopes_and_the_expiry(repo, threads):
    pub = publisher(repo)
    pub.send(TEXT)
    found = levels(pub.publisher.doctor())
    assert ("ok", "@brutariadulce (17841400000000001)") in found
    assert (
        "ok",
        "publishing quota: 1 of 250 posts published in the last 24 hours, 249 left",
    ) in found
    assert ("ok", "permissions threads_basic, threads_content_publish granted") in found
    threads.tokens[TOKEN].expires_at = int(time.time() + 2 * 86400)
    threads.tokens[TOKEN].scopes = ("threads_basic",)
    found = levels(publisher(repo).publisher.doctor())
    assert any(level == "warning" and "expires on" in m for level, m in found), found
    assert any(level == "error" and "threads_content_publish" in m for level, m in found), found


def test_emoji_count_their_utf8_bytes():
    assert threads_length("ab👍🏽") == 2 + 8 and threads_length("ă" * 3) == 3
    assert Threads.limits.text == 500 and Threads.limits.count is threads_length


def test_no_public_url_is_a_retry_saying_what_to_set(tmp_path, threads):
    account = {"platform": "threads", "user": USER, "token_env": "TH_TOKEN", "api": threads.api}
    repo = make_repo(
        tmp_path / "r",
        {"threads": account},
        {ONE: ("O poză.", [("media/a.jpg", "x")])},
        {"media/a.jpg": jpeg(1)},
    )
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(ONE)
    assert failed.value.kind == RETRY and "media_base_url" in failed.value.message
    assert threads.containers == {}


def test_a_checkpoint_is_no_post_to_delete(repo):
    from smmflow.platforms.base import Attempt

    pub = publisher(repo)
    with pytest.raises(PublishError) as failed:
        pub.publisher.delete(Attempt("k", "18050000000000001:0123456789ab"))
    assert failed.value.kind == FAIL and "delete it by hand" in failed.value.message
