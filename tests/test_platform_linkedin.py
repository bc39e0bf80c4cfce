"""LinkedIn: the commentary in little text (every reserved character escaped, so nothing is
cut), images and video through initializeUpload, LinkedIn's errors and bare 429, verify
after a stopped send (and the DUPLICATE_POST that names the first post), delete and
doctor, against the loopback LinkedIn of tests/servers/linkedin.py."""

from __future__ import annotations

import hashlib
import time

import pytest
from publishhelp import Saved, make_repo, run
from servers.linkedin import LinkedInServer, video_bytes
from servers.meta import jpeg

from smmflow.platforms import sent
from smmflow.platforms.base import Attempt
from smmflow.platforms.http import FAIL, REAUTH, RETRY, UNKNOWN, PublishError
from smmflow.platforms.linkedin import LinkedIn

TOKEN, PERSON = "AQV-linkedin-member-token-0123456789", "urn:li:person:ana"
TEXT, ONE, PHOTOS, VIDEO = (
    "2026-12-04-cozonac",
    "2026-12-05-o-poza",
    "2026-12-06-vitrina",
    "2026-12-07-film",
)
URL = "https://example.ro/cozonac_nou"
BODY = (
    f"**Cozonac** (cu nucă) 🎄 — [comandă]({URL}) #Crăciun2026 a_b *x* @ana [x] {{y}} <z> ~ \\ #1"
)
SHOWN = f"Cozonac (cu nucă) 🎄 — comandă ({URL}) #Crăciun2026 a_b x @ana [x] {{y}} <z> ~ \\ #1"


@pytest.fixture
def li(serve):
    server = LinkedInServer()
    org = server.add_org(2414183, "Brutăria Dulce", followers=120)
    server.add_member(TOKEN, PERSON, {org: "ADMINISTRATOR"})
    server.add_member("AQV-analyst-token-000000000", "urn:li:person:ion", {org: "ANALYST"})
    server.image_polls = 1
    server.video_polls = 1
    return serve(server)


@pytest.fixture
def repo(tmp_path, li):
    account = {
        "platform": "linkedin",
        "author": "urn:li:organization:2414183",
        "token_env": "LI_TOKEN",
        "api": li.api,
        "oauth": li.oauth,
        "client_id": "78loopbackclient",
        "client_secret_env": "LI_SECRET",
    }
    return make_repo(
        tmp_path / "repo",
        {"linkedin": account},
        {
            TEXT: (BODY, []),
            ONE: ("O poză.", [("media/a.jpg", "Cozonac pe masă")]),
            PHOTOS: ("Vitrina.", [("media/a.jpg", "Stânga"), ("media/b.jpg", "Dreapta")]),
            VIDEO: ("Cum se împletește.", [("media/film.mp4", "Mâini care împletesc")]),
        },
        {"media/a.jpg": jpeg(1), "media/b.jpg": jpeg(2), "media/film.mp4": video_bytes(90_000, 3)},
    )


def publisher(repo, token=TOKEN, attempts=3):
    return run(repo, "linkedin", {"LI_TOKEN": token, "LI_SECRET": "s3cret"}, attempts)


def test_the_commentary_is_little_text_and_reads_back_whole(repo, li):
    receipt = publisher(repo).send(TEXT)
    [post] = li.live_posts()
    assert receipt.remote_id == post["id"] and receipt.url.endswith(post["id"])
    assert not post["cut"] and li.view(post["id"])["text"] == SHOWN
    assert "\\_" in post["sent"] and "\\@ana" in post["sent"] and "#Crăciun2026" in post["sent"]
    assert URL in post["sent"]  # the link left as it is, so it still links
    [call] = li.of("POST", r"^/rest/posts$")
    assert call.headers["linkedin-version"] == "202601"
    assert call.headers["x-restli-protocol-version"] == "2.0.0"
    assert (
        call.json["author"] == "urn:li:organization:2414183" and call.json["visibility"] == "PUBLIC"
    )


def test_one_image_with_its_alt_text_then_several(repo, li):
    pub = publisher(repo)
    one = pub.send(ONE)
    assert li.view(one.remote_id)["media"] == [
        {
            "id": li.view(one.remote_id)["media"][0]["id"],
            "alt": "Cozonac pe masă",
            "sha256": hashlib.sha256(jpeg(1)).hexdigest(),
        }
    ]
    several = pub.send(PHOTOS)
    shown = li.view(several.remote_id)["media"]
    assert [m["alt"] for m in shown] == ["Stânga", "Dreapta"]
    assert [m["sha256"] for m in shown] == [hashlib.sha256(jpeg(i)).hexdigest() for i in (1, 2)]
    assert len(li.of("PUT", r"^/dms-uploads/")) == 3


def test_a_video_in_parts_finalized_with_its_etags(repo, li):
    li.video_part_size = 40_000
    receipt = publisher(repo).send(VIDEO)
    [media] = li.view(receipt.remote_id)["media"]
    assert media["sha256"] == hashlib.sha256(video_bytes(90_000, 3)).hexdigest()
    assert len(li.of("PUT", r"^/dms-uploads/")) == 3 and receipt.remote_id.startswith(
        "urn:li:ugcPost:"
    )


def test_a_daily_429_waits_for_midnight_utc_and_a_bare_one_backs_off(repo, li):
    li.fail("POST", r"^/rest/posts$", "429")
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == RETRY and "00:00 UTC" in failed.value.message
    assert "beyond this run's limit" in failed.value.message and li.live_posts() == []


@pytest.mark.parametrize(
    ("fault", "when", "kind", "words"),
    [
        ("401", "before", REAUTH, "refused the access token"),
        ("403", "before", FAIL, "w_organization_social"),
        ("500", "before", UNKNOWN, "HTTP 500"),
        ("500", "after", UNKNOWN, "HTTP 500"),
        ("reset", "after", UNKNOWN, "reset"),
    ],
)
def test_a_lost_or_refused_post_is_never_sent_twice(repo, li, fault, when, kind, words):
    li.fail("POST", r"^/rest/posts$", fault, when=when)
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == kind and words in failed.value.message, failed.value.message
    assert len(li.of("POST", r"^/rest/posts$")) == 1


def test_verify_and_the_duplicate_that_names_the_first_post(repo, li):
    pub = publisher(repo)
    assert pub.verify(TEXT, "") is None
    saved = Saved()
    receipt = pub.send(TEXT, saved=saved)
    assert pub.verify(TEXT, saved.last) == receipt
    old = sent.read(saved.last)
    assert pub.verify(TEXT, f"sent:{int(old.at) + 3600}:{old.fingerprint}") is None
    # a resumed try looks first and finds it
    assert pub.send(TEXT, prior=saved.last) == receipt
    assert len(li.of("POST", r"^/rest/posts$")) == 1
    # should the finder lag, the resend meets DUPLICATE_POST, which names the first post
    li.posts[receipt.remote_id]["hidden_reads"] = 5
    assert pub.send(TEXT, prior=saved.last) == receipt and len(li.live_posts()) == 1
    assert len(li.of("POST", r"^/rest/posts$")) == 2
    with pytest.raises(PublishError) as failed:  # the same text on a first try: refused
        pub.send(TEXT)
    assert failed.value.kind == FAIL and "DUPLICATE_POST" in failed.value.message


def test_delete_and_delete_again(repo, li):
    pub = publisher(repo)
    receipt = pub.send(TEXT)
    pub.publisher.delete(Attempt("k", receipt.remote_id))
    assert li.live_posts() == []
    pub.publisher.delete(Attempt("k", receipt.remote_id))


def levels(findings):
    return [(f.level, f.message) for f in findings]


def test_doctor_roles_scopes_and_the_60_day_expiry(repo, li):
    found = levels(publisher(repo).publisher.doctor())
    assert any(
        level == "ok" and "may post to urn:li:organization:2414183 (ADMINISTRATOR)" in m
        for level, m in found
    )
    assert any(level == "ok" and "expires on" in m for level, m in found), found
    li.members[TOKEN].expires_at = int(time.time() + 3 * 86400)
    found = levels(publisher(repo).publisher.doctor())
    assert any(level == "warning" and "(in 3.0 days)" in m for level, m in found), found
    found = levels(publisher(repo, "AQV-analyst-token-000000000").publisher.doctor())
    assert any(level == "error" and "no page role" in m for level, m in found), found
    li.members[TOKEN].expires_at = int(time.time() - 10)
    found = levels(publisher(repo).publisher.doctor())
    assert found[-1][0] == "error" and "refused the access token" in found[-1][1]


def test_the_limit_counts_the_escaped_commentary():
    import datetime as dt

    from smmflow.model import Post

    post = Post(
        "content/g/2026-12-04-a.md",
        "g",
        dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc),
        "informative",
        ("li",),
        body="(" * 1600,
    )
    rendered = LinkedIn.render(post)
    assert rendered.visible == "(" * 1600 and rendered.length == 3200 > rendered.limit


def test_a_checkpoint_is_no_post_to_delete(repo):
    from smmflow.platforms.base import Attempt

    pub = publisher(repo)
    with pytest.raises(PublishError) as failed:
        pub.publisher.delete(Attempt("k", "sent:1700000000:0123456789ab"))
    assert failed.value.kind == FAIL and "delete it by hand" in failed.value.message
