"""X: what API v2 receives (text, images in one request with their alt text, a video in
chunks), its problem answers and x-rate-limit-reset, the rotating OAuth 2.0 refresh, verify
after a stopped send, delete and doctor, against the loopback X of tests/servers/x.py."""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata

import pytest
from publishhelp import Saved, make_repo, run
from servers.meta import jpeg, mp4
from servers.x import XServer

from smmflow.platforms import sent, tokenstore
from smmflow.platforms.http import FAIL, REAUTH, UNKNOWN, PublishError

USER, TOKEN = "1460000000000000001", "x-user-access-token-0123456789"
TEXT, PHOTOS, VIDEO = "2026-12-04-cozonac", "2026-12-05-vitrina", "2026-12-06-film"
URL = "https://example.ro/cozonac"


@pytest.fixture
def x(serve):
    server = XServer()
    server.add_account(USER, "brutariadulce", "Brutăria Dulce")
    server.add_token(TOKEN, USER)
    server.add_client("client-abc")
    server.processing_polls = 2
    return serve(server)


def make(tmp_path, x, **settings):
    account = {"platform": "x", "token_env": "X_TOKEN", "api": x.url, **settings}
    return make_repo(
        tmp_path / "repo",
        {"x": account},
        {
            TEXT: (f"**Cozonac** cu nucă 🎄 & stafide — [comandă]({URL}) #Crăciun", []),
            PHOTOS: (
                "Vitrina de azi.",
                [("media/a.jpg", "Vitrina, stânga"), ("media/b.png", "Vitrina, dreapta")],
            ),
            VIDEO: ("Cum se împletește.", [("media/film.mp4", "Mâini care împletesc")]),
        },
        {
            "media/a.jpg": jpeg(1),
            "media/b.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
            "media/film.mp4": mp4(3) * 40,
        },
    )


@pytest.fixture
def repo(tmp_path, x):
    return make(tmp_path, x)


def state(repo) -> dict[str, str]:
    """This test's machine: rotated tokens kept beside the repository, never in ~."""
    return {"SMMFLOW_STATE_DIR": str(repo.root.parent / "state")}


def publisher(repo, env=None, attempts=3):
    return run(repo, "x", {**state(repo), **(env or {"X_TOKEN": TOKEN})}, attempts)


def test_text_post_is_the_plain_rendering_and_reads_back(repo, x):
    receipt = publisher(repo).send(TEXT)
    [tweet] = x.timeline(USER)
    assert x.reader_text(tweet) == f"Cozonac cu nucă 🎄 & stafide — comandă ({URL}) #Crăciun"
    assert receipt == type(receipt)(tweet["id"], f"https://x.com/i/web/status/{tweet['id']}")
    [call] = x.of("tweets")
    assert call.headers["Content-Type"] == "application/json" and json.loads(json.dumps(call.json))


def test_images_go_up_in_one_request_each_with_their_alt_text(repo, x):
    publisher(repo).send(PHOTOS)
    [tweet] = x.timeline(USER)
    media = x.media_of(tweet)
    assert [m["type"] for m in media] == ["photo", "photo"]
    assert [m["alt_text"] for m in media] == ["Vitrina, stânga", "Vitrina, dreapta"]
    assert media[0]["data"] == jpeg(1)
    assert [h.form.get("media_category") for h in x.of("upload")] == ["tweet_image"] * 2
    assert [h.json["id"] for h in x.of("metadata")] == [m["id"] for m in media]


def test_a_video_goes_up_in_chunks_and_waits_for_processing(repo, x, monkeypatch):
    monkeypatch.setattr("smmflow.platforms.x.CHUNK", 1000)
    pub = publisher(repo)
    pub.send(VIDEO)
    [tweet] = x.timeline(USER)
    [video] = x.media_of(tweet)
    assert video["type"] == "video" and video["state"] == "succeeded"
    assert hashlib.sha256(video["data"]).hexdigest() == hashlib.sha256(mp4(3) * 40).hexdigest()
    assert len(x.of("append")) == -(-len(mp4(3) * 40) // 1000) > 1
    assert len(x.of("initialize")) == len(x.of("finalize")) == 1 and len(x.of("status")) == 3
    assert video["alt_text"] == "Mâini care împletesc"


def test_a_rate_limit_waits_until_the_reset_x_names(repo, x):
    x.reset_in = 40
    x.fail("tweets", "429")
    pub = publisher(repo)
    pub.send(TEXT)
    assert 38 <= pub.sleeps[0] <= 41  # x-rate-limit-reset, an epoch, minus now
    assert len(x.timeline(USER)) == 1


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("401", REAUTH, "refused the access token"),
        ("403", FAIL, "tweet.write"),
        ("500", UNKNOWN, "HTTP 500"),
        ("503", UNKNOWN, "HTTP 503"),
        ("500-after", UNKNOWN, "HTTP 500"),
        ("reset-after", UNKNOWN, "reset"),
    ],
)
def test_a_lost_or_refused_post_is_never_sent_twice(repo, x, fault, kind, words):
    x.fail("tweets", fault)
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == kind and words in failed.value.message, failed.value.message
    assert len(x.of("tweets")) == 1


def test_the_same_text_twice_is_refused_and_after_a_stop_it_is_found_or_unknown(repo, x):
    pub = publisher(repo)
    first = pub.send(TEXT)
    with pytest.raises(PublishError) as failed:
        pub.send(TEXT)
    assert failed.value.kind == FAIL and "duplicate" in failed.value.message
    # a resumed try looks first and finds the post it made
    assert pub.send(TEXT, prior=f"sent:{int(time.time())}:{'0' * 12}") == first
    # should the timeline lag, the resend meets X's duplicate check: unknown, for a person
    x.timeline_lag = 5
    pub.send(PHOTOS)
    with pytest.raises(PublishError) as resumed:
        pub.send(PHOTOS, prior=f"sent:{int(time.time())}:{'0' * 12}")
    assert resumed.value.kind == UNKNOWN and "probably out" in resumed.value.message
    assert len(x.timeline(USER)) == 2


def test_verify_finds_the_post_of_a_stopped_send_by_its_words(repo, x):
    pub = publisher(repo)
    assert pub.verify(TEXT, "") is None  # nothing checkpointed: never sent
    saved = Saved()
    receipt = pub.send(TEXT, saved=saved)
    assert sent.read(saved.last) is not None
    assert pub.verify(TEXT, saved.last) == receipt  # t.co links and &amp; undone
    old = sent.read(saved.last)
    assert pub.verify(TEXT, f"sent:{int(old.at) + 3600}:{old.fingerprint}") is None


def test_delete_and_delete_again(repo, x):
    pub = publisher(repo)
    receipt = pub.send(TEXT)
    from smmflow.platforms.base import Attempt

    pub.publisher.delete(Attempt("k", receipt.remote_id))
    assert x.timeline(USER) == []
    pub.publisher.delete(Attempt("k", receipt.remote_id))


def test_an_expired_access_token_is_refreshed_and_the_rotated_pair_kept(tmp_path, x):
    x.add_token("expired", USER, expires_at=time.time() - 10)
    x.add_refresh_token("refresh-1", USER, "client-abc")
    repo = make(tmp_path, x, refresh_token_env="X_REFRESH", client_id="client-abc")
    env = {"X_TOKEN": "expired", "X_REFRESH": "refresh-1"}
    pub = publisher(repo, env)
    pub.send(TEXT)
    store = tokenstore.TokenStore(state(repo), repo.root, "x").file("client-abc", "refresh-1")
    kept = json.loads(store.read_text())
    assert kept["refresh_token"] != "refresh-1" and kept["refresh_token"] in x.refresh_tokens
    assert store.stat().st_mode & 0o777 == 0o600
    assert "refresh-1" not in x.refresh_tokens  # single-use: the old one is dead
    # the next run uses the kept pair (the environment's refresh token no longer works)
    again = publisher(repo, env)
    again.send(PHOTOS)
    assert len(x.of("token")) == 1 and len(x.timeline(USER)) == 2
    assert pub.publisher.ctx.redact(kept["access_token"]) == "[redacted]"


def test_a_refresh_token_used_elsewhere_says_so(tmp_path, x):
    x.add_token("expired", USER, expires_at=time.time() - 10)
    repo = make(tmp_path, x, refresh_token_env="X_REFRESH", client_id="client-abc")
    with pytest.raises(PublishError) as failed:
        publisher(repo, {"X_TOKEN": "expired", "X_REFRESH": "used-up"}).send(TEXT)
    assert failed.value.kind == REAUTH and "work once" in failed.value.message
    assert x.timeline(USER) == []


def levels(findings):
    return [(f.level, f.message) for f in findings]


def test_doctor_checks_the_token_and_how_it_stays_alive(tmp_path, x):
    repo = make(tmp_path, x)
    found = levels(publisher(repo).publisher.doctor())
    assert ("ok", "the token is valid (@brutariadulce)") in found
    assert any(level == "warning" and "expire after 2 hours" in m for level, m in found), found
    found = levels(publisher(repo, {"X_TOKEN": "nope"}).publisher.doctor())
    assert found[-1][0] == "error" and "HTTP 401" in found[-1][1]


def test_doctor_reads_the_scopes_of_a_refreshed_token(tmp_path, x):
    x.add_token("expired", USER, expires_at=time.time() - 10)
    x.add_refresh_token(
        "refresh-2", USER, "client-abc", scopes=("tweet.read", "users.read", "offline.access")
    )
    repo = make(tmp_path, x, refresh_token_env="X_REFRESH", client_id="client-abc")
    found = levels(
        publisher(repo, {"X_TOKEN": "expired", "X_REFRESH": "refresh-2"}).publisher.doctor()
    )
    assert ("ok", "the token is valid (@brutariadulce)") in found
    assert ("error", "the token lacks scope tweet.write, media.write: authorize again") in found


def test_the_limit_is_weighted_like_x(repo):
    from smmflow.platforms.x import X

    post = publisher(repo).post(TEXT)
    rendered = X.render(post)
    assert rendered.limit == 280 and rendered.length == len(rendered.visible) - len(URL) + 23 + 1


def test_decomposed_diacritics_count_as_x_counts_them():
    from servers import xtext

    from smmflow.text.count import x_weighted

    written = "Pâine și cozonac 🎄 https://example.ro/a-very-long-address-indeed"
    decomposed = unicodedata.normalize("NFD", written)
    assert decomposed != written
    assert x_weighted(decomposed) == x_weighted(written) == xtext.weighted_length(written)


def test_a_checkpoint_is_no_post_to_delete(repo):
    from smmflow.platforms.base import Attempt

    pub = publisher(repo)
    with pytest.raises(PublishError) as failed:
        pub.publisher.delete(Attempt("k", "sent:1700000000:0123456789ab"))
    assert failed.value.kind == FAIL and "delete it by hand" in failed.value.message
