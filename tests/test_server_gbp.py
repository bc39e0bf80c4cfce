"""The loopback Google Business Profile (tests/servers/gbp.py) behaves as Google's docs and
the bodies Google was seen to send say: local posts, their rules and errors, the listings
`doctor` uses, project access and quota."""

from __future__ import annotations

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.gbp import GbpServer
    from tests.servers.meta import StaticSite
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.gbp import GbpServer
    from servers.meta import StaticSite

TOKEN = "ya29.a0Brutaria-business-manage"
POSTS = "/v4/accounts/1234/locations/5678/localPosts"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(i % 251 for i in range(20_000)) + b"\xff\xd9"


@pytest.fixture
def site(tmp_path):
    (tmp_path / "cozonac.jpg").write_bytes(PHOTO)
    (tmp_path / "tiny.jpg").write_bytes(PHOTO[:2000])
    (tmp_path / "cozonac.gif").write_bytes(b"GIF89a" + bytes(20_000))
    server = StaticSite(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def gbp():
    with GbpServer() as server:
        server.add_account("1234", "Brutăria Sibiu", ("admin@agentie.ro",))
        server.add_location("1234", "5678", "Brutăria Sibiu Centru")
        server.add_location("1234", "5679", "Brutăria Sibiu Nord")
        server.add_account("9999", "Alt client", ("altcineva@example.com",))
        server.add_location("9999", "4242", "Cafenea")
        server.add_user_token(TOKEN, "admin@agentie.ro")
        yield server


def call(gbp, method, path, body=None, token=TOKEN, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(
        method, gbp.url + path, json=body, params=params, headers=headers, timeout=10
    )


def schedule(end=True):
    s = {
        "startDate": {"year": 2026, "month": 12, "day": 1},
        "startTime": {"hours": 8, "minutes": 0},
    }
    if end:
        s |= {
            "endDate": {"year": 2026, "month": 12, "day": 7},
            "endTime": {"hours": 20, "minutes": 0},
        }
    return s


def offer(site, end=True):
    return {
        "languageCode": "ro",
        "topicType": "OFFER",
        "summary": "20% reducere la cozonac până duminică.",
        "media": [{"mediaFormat": "PHOTO", "sourceUrl": f"{site.url}/cozonac.jpg"}],
        "event": {"title": "Săptămâna cozonacului", "schedule": schedule(end)},
        "offer": {
            "couponCode": "COZO20",
            "redeemOnlineUrl": "https://brutaria.ro/oferta",
            "termsConditions": "O reducere de client.",
        },
        "callToAction": {"actionType": "ORDER", "url": "https://brutaria.ro"},
    }


def details(answer):
    return answer.json()["error"]["details"][0]


def test_doctor_listings(gbp):
    accounts = call(gbp, "GET", "/v1/accounts").json()
    assert accounts == {
        "accounts": [
            {**accounts["accounts"][0], "name": "accounts/1234", "accountName": "Brutăria Sibiu"}
        ]
    }
    missing = call(gbp, "GET", "/v1/accounts/1234/locations")
    assert (
        missing.status_code == 400
        and details(missing)["fieldViolations"][0]["field"] == "read_mask"
    )
    places = call(gbp, "GET", "/v1/accounts/1234/locations", readMask="name,title").json()
    assert places["locations"][0] == {"name": "locations/5678", "title": "Brutăria Sibiu Centru"}
    assert call(gbp, "GET", "/v1/accounts/9999/locations", readMask="name").status_code == 403


def test_offer_post_with_photo(gbp, site):
    made = call(gbp, "POST", POSTS, offer(site))
    post = made.json()
    assert made.status_code == 200 and post["name"].startswith(POSTS[4:] + "/")
    assert post["state"] == "PROCESSING" and post["searchUrl"].startswith(
        "https://local.google.com/"
    )
    assert "callToAction" not in post  # "Ignored for topic type OFFER"
    assert post["offer"]["couponCode"] == "COZO20" and post["media"][0]["googleUrl"]
    assert gbp.posts[post["name"]]["photo"] == PHOTO and gbp.fetched == [f"{site.url}/cozonac.jpg"]
    again = call(gbp, "GET", "/v4/" + post["name"]).json()
    assert again["state"] == "LIVE" and again["summary"] == "20% reducere la cozonac până duminică."


def test_offer_without_end_date_is_refused(gbp, site):
    answer = call(gbp, "POST", POSTS, offer(site, end=False))
    error = answer.json()["error"]
    assert answer.status_code == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "Request contains an invalid argument."
    assert details(answer)["@type"] == "type.googleapis.com/google.mybusiness.v4.ValidationError"
    fields = {d["field"] for d in details(answer)["errorDetails"]}
    assert fields == {"event.schedule.end_date", "event.schedule.end_time"} and not gbp.posts


def test_all_problems_come_at_once(gbp):
    body = {
        "topicType": "STANDARD",
        "summary": "ă" * 1501,
        "callToAction": {"actionType": "CALL", "url": "https://x.ro"},
    }
    answer = call(gbp, "POST", POSTS, body)
    messages = {d["field"]: d["message"] for d in details(answer)["errorDetails"]}
    assert messages == {
        "summary": "Must be at most 1500 characters",
        "call_to_action.url": "Url must be empty for action type CALL.",
    }
    body = {"topicType": "STANDARD", "summary": "ă" * 1500, "callToAction": {"actionType": "CALL"}}
    assert call(gbp, "POST", POSTS, body).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"summary": "Fără tip"}, "topic_type"),
        (
            {"topicType": "STANDARD", "summary": "x", "callToAction": {"actionType": "BOOK"}},
            "call_to_action.url",
        ),
        ({"topicType": "EVENT", "summary": "x"}, "event"),
        (
            {"topicType": "EVENT", "event": {"title": "t" * 59, "schedule": schedule()}},
            "event.title",
        ),
        ({"topicType": "STANDARD", "summary": "x", "offer": {"couponCode": "A"}}, "offer"),
    ],
)
def test_validation_errors_name_the_field(gbp, body, field):
    answer = call(gbp, "POST", POSTS, body)
    assert answer.status_code == 400 and details(answer)["errorDetails"][0]["field"] == field


def test_json_shape_errors_use_field_violations(gbp):
    answer = call(gbp, "POST", POSTS, {"topicType": "PRODUCT", "summary": "x"})
    violation = details(answer)["fieldViolations"][0]
    assert answer.status_code == 400 and violation["field"] == "local_post.topic_type"
    unknown = call(gbp, "POST", POSTS, {"topicType": "STANDARD", "text": "x"})
    assert 'Unknown name "text"' in unknown.json()["error"]["message"]


def test_photo_rules(gbp, site):
    def photo(url, kind="PHOTO"):
        return {
            "topicType": "STANDARD",
            "summary": "x",
            "media": [{"mediaFormat": kind, "sourceUrl": url}],
        }

    for name, code in (("tiny.jpg", 2), ("cozonac.gif", 2), ("missing.jpg", 1000)):
        answer = call(gbp, "POST", POSTS, photo(f"{site.url}/{name}"))
        assert answer.status_code == 400 and details(answer)["errorDetails"][0]["code"] == code
    assert call(gbp, "POST", POSTS, photo(f"{site.url}/cozonac.jpg", "VIDEO")).status_code == 500
    assert not gbp.posts


def test_paths_accounts_and_permissions(gbp):
    bare = call(gbp, "POST", "/v4/locations/5678/localPosts", {"topicType": "STANDARD"})
    assert bare.status_code == 404 and b"was not found on this server" in bare.content
    wrong_pair = call(
        gbp, "POST", "/v4/accounts/1234/locations/4242/localPosts", {"topicType": "STANDARD"}
    )
    assert wrong_pair.status_code == 404 and wrong_pair.json()["error"]["status"] == "NOT_FOUND"
    theirs = call(
        gbp, "POST", "/v4/accounts/9999/locations/4242/localPosts", {"topicType": "STANDARD"}
    )
    assert theirs.status_code == 403 and theirs.json()["error"]["status"] == "PERMISSION_DENIED"
    anonymous = call(gbp, "GET", POSTS, token=None)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["status"] == "UNAUTHENTICATED"


def test_list_pages_newest_first(gbp):
    assert call(gbp, "GET", POSTS).json() == {}  # Google omits empty lists
    for i in range(3):
        call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": f"Postarea {i}"})
        gbp.clock += 1
    page = call(gbp, "GET", POSTS, pageSize=2).json()
    assert [p["summary"] for p in page["localPosts"]] == ["Postarea 2", "Postarea 1"]
    rest = call(gbp, "GET", POSTS, pageSize=2, pageToken=page["nextPageToken"]).json()
    assert [p["summary"] for p in rest["localPosts"]] == [
        "Postarea 0"
    ] and "nextPageToken" not in rest
    assert len(call(gbp, "GET", POSTS, pageSize=500).json()["localPosts"]) == 3


def test_patch_needs_a_mask_and_delete_is_final(gbp):
    name = call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "Vechi"}).json()["name"]
    assert call(gbp, "PATCH", "/v4/" + name, {"summary": "Nou"}).status_code == 400
    media = call(gbp, "PATCH", "/v4/" + name, {"media": []}, updateMask="media")
    assert media.status_code == 400
    patched = call(gbp, "PATCH", "/v4/" + name, {"summary": "Nou"}, updateMask="summary")
    assert patched.status_code == 200 and gbp.posts[name]["summary"] == "Nou"
    deleted = call(gbp, "DELETE", "/v4/" + name)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert call(gbp, "GET", "/v4/" + name).status_code == 404 and not gbp.live()


def test_review_rejects_phone_numbers(gbp):
    name = call(
        gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "Sunați la 0740 123 456"}
    ).json()["name"]
    assert call(gbp, "GET", "/v4/" + name).json()["state"] == "REJECTED"
    gbp.reject_next()
    other = call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "Fără telefon"}).json()[
        "name"
    ]
    assert call(gbp, "GET", "/v4/" + other).json()["state"] == "REJECTED"


def test_project_access_and_quota(gbp):
    gbp.enabled.discard("v4")
    off = call(gbp, "GET", POSTS)
    assert (
        off.status_code == 403
        and "Google My Business API has not been used in project" in off.json()["error"]["message"]
    )
    assert off.json()["error"]["details"][1]["reason"] == "SERVICE_DISABLED"
    assert call(gbp, "GET", "/v1/accounts").status_code == 200  # another API, still enabled
    gbp.enabled.add("v4")
    gbp.approved = False
    zero = call(gbp, "GET", "/v1/accounts")
    assert zero.status_code == 429 and zero.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert details(zero)["metadata"]["quota_limit_value"] == "0"
    gbp.approved, gbp.qpm = True, 2
    codes = [call(gbp, "GET", POSTS).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    gbp.clock += 61
    assert call(gbp, "GET", POSTS).status_code == 200


def test_faults(gbp):
    gbp.fail("create", "429", "reset-after", "500-after")
    limited = call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "a"})
    assert limited.status_code == 429 and limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    with pytest.raises(requests.ConnectionError):
        call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "b"})
    broken = call(gbp, "POST", POSTS, {"topicType": "STANDARD", "summary": "c"})
    assert broken.status_code == 500 and broken.json()["error"]["status"] == "INTERNAL"
    assert [p["summary"] for p in gbp.live()] == ["b", "c"]  # made, answers lost or failed
