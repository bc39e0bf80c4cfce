"""Google Business Profile: standard, event and offer posts with their button and photo,
verifying a stopped create by the location's latest posts, delete, access not granted,
Google's review, and `doctor` listing the locations — in this process, against the
loopback Business Profile of tests/servers/gbp.py."""

from __future__ import annotations

import time

import pytest
from repohelp import commit, write
from videohelp import LOCATION, OFFER, SECRETS, make_repo, start_servers

from smmflow.content.repo import load
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.google_business import GoogleBusiness
from smmflow.platforms.http import FAIL, REAUTH, UNKNOWN, Http, Policy, PublishError
from smmflow.platforms.secrets import Redactor

OFFER_SLUG = "2026-12-04-cozonac"


@pytest.fixture
def servers(tmp_path):
    found = start_servers(tmp_path / "www")
    yield found
    found.stop()


@pytest.fixture
def root(servers):
    return make_repo(servers)


@pytest.fixture
def gbp(servers):
    return servers.gbp


def publisher(root, **settings) -> GoogleBusiness:
    repo = load(root)
    group = repo.groups["bakery"]
    account = group.account("maps")
    if settings:
        merged = {**dict(account.settings), **settings}
        account = type(account)(account.name, account.platform, tuple(merged.items()))
    http = Http(Redactor(SECRETS.values()), Policy(attempts=2, backoff=0.001), sleep=lambda s: None)
    pub = GoogleBusiness(account, Context(root, group, http, dict(SECRETS), http.redact))
    pub.repo = repo  # type: ignore[attr-defined]
    return pub


def post_of(pub, slug):
    return next(p for p in pub.repo.posts if p.slug == slug)  # type: ignore[attr-defined]


def send(pub, slug=OFFER_SLUG, prior="", saved=None):
    post = post_of(pub, slug)
    keep = saved.append if saved is not None else (lambda rid: None)
    return pub.publish(post, pub.render(post), Attempt("k" * 32, prior, keep))


def standard(root, front: str, body: str = "Pâine caldă de la 7. Comenzi online.") -> str:
    write(
        root,
        "content/bakery/2026-12-04-azi.md",
        f"---\ndate: 2026-12-04 11:00\ntype: informative\nplatforms: [maps]\n{front}---\n{body}\n",
    )
    commit(root, "standard")
    return "2026-12-04-azi"


def test_a_standard_post_with_an_order_button(root, gbp):
    front = "google_business:\n  button: order\n  link: https://brutaria.ro/comenzi\n"
    slug = standard(root, front)
    receipt = send(publisher(root), slug)
    [local] = gbp.live(LOCATION)
    assert local["topicType"] == "STANDARD" and local["languageCode"] == "ro"
    assert local["callToAction"] == {"actionType": "ORDER", "url": "https://brutaria.ro/comenzi"}
    assert receipt.remote_id == local["name"] and receipt.url == local["searchUrl"]
    assert "still reviewing" in receipt.note  # PROCESSING in the create's answer


def test_an_event_and_a_call_button_without_link(root, gbp):
    front = (
        "title: Degustare de cozonac\ngoogle_business:\n  topic: event\n"
        "  start: 2026-12-05 10:00\n  end: 2026-12-05 14:00\n  button: call\n"
    )
    slug = standard(root, front)
    send(publisher(root), slug)
    [local] = gbp.live(LOCATION)
    assert local["event"]["title"] == "Degustare de cozonac"
    assert local["event"]["schedule"]["endTime"] == {"hours": 14, "minutes": 0}
    assert local["callToAction"] == {"actionType": "CALL"}


def test_a_stopped_create_is_found_by_its_summary_not_sent_again(root, gbp):
    saved: list = []
    first = send(publisher(root), saved=saved)
    [checkpoint] = saved
    assert checkpoint.startswith("sent-at:")
    pub = publisher(root)
    found = pub.verify(post_of(pub, OFFER_SLUG), Attempt("k" * 32, checkpoint))
    assert found is not None and found.remote_id == first.remote_id
    assert len(gbp.of("create")) == 1


def test_verify_says_not_there_only_when_it_is_not(root, gbp):
    pub = publisher(root)
    post = post_of(pub, OFFER_SLUG)
    assert pub.verify(post, Attempt("k" * 32, "")) is None  # the create was never sent
    assert pub.verify(post, Attempt("k" * 32, f"sent-at:{time.time():.0f}")) is None
    send(publisher(root))
    later = f"sent-at:{time.time() + 3600:.0f}"  # a post made before that try is not it
    assert pub.verify(post, Attempt("k" * 32, later)) is None


def test_a_lost_answer_is_unknown(root, gbp):
    gbp.fail("create", "reset-after")
    with pytest.raises(PublishError) as caught:
        send(publisher(root))
    assert caught.value.kind == UNKNOWN and len(gbp.live(LOCATION)) == 1


def test_access_not_granted_and_a_location_not_managed(root, gbp):
    gbp.approved = False
    with pytest.raises(PublishError) as caught:
        send(publisher(root))
    assert caught.value.kind == FAIL and "not granted" in caught.value.message
    gbp.approved = True
    gbp.accounts["accounts/1077"].members.clear()
    with pytest.raises(PublishError) as caught:
        send(publisher(root))
    assert caught.value.kind == REAUTH and "permission" in caught.value.message


def test_a_summary_with_a_phone_number_is_rejected_by_google(root, gbp):
    slug = standard(root, "", "Comenzi la 0722 123 456, zilnic.")
    pub = publisher(root)
    warned = pub.post_problems(post_of(pub, slug), pub.account, pub.ctx.group)
    assert [p.field for p in warned] == ["body"] and "phone number" in warned[0].message
    gbp.polls = 0
    receipt = send(pub, slug)
    [local] = pub.latest(pub.google())
    assert local["state"] == "REJECTED" and receipt.remote_id == local["name"]


def test_delete_and_gone_is_done(root, gbp):
    receipt = send(publisher(root))
    pub = publisher(root)
    pub.delete(Attempt("k", receipt.remote_id))
    assert gbp.live() == []
    pub.delete(Attempt("k", receipt.remote_id))


def test_the_photo_is_fetched_from_the_public_url(root, gbp, servers):
    send(publisher(root))
    [url] = gbp.fetched
    assert url == f"{servers.site.url}/repo/content/bakery/media/cozonac.jpg"
    [local] = gbp.live(LOCATION)
    assert local["summary"] == OFFER and local["media"][0]["mediaFormat"] == "PHOTO"


def test_doctor_lists_the_locations_the_token_may_post_to(root, gbp):
    gbp.add_location("1077", "5513", "Brutăria Sibiu — Gară")
    found = publisher(root).doctor()
    text = "\n".join(f"{f.level} {f.message}" for f in found)
    assert (
        "may post to 2 location(s): Brutăria Sibiu — Centru (accounts/1077/locations/5512); Brutăria Sibiu — Gară (accounts/1077/locations/5513)"
        in text
    )
    assert not any(f.level == "error" for f in found), text
    wrong = publisher(root, location="accounts/1077/locations/9").doctor()
    assert wrong[-1].level == "error" and "is not among them" in wrong[-1].message
    gbp.approved = False
    closed = publisher(root).doctor()
    assert closed[-1].level == "error" and "not granted" in closed[-1].message
