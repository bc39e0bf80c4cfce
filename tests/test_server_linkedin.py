"""The loopback LinkedIn server behaves as LinkedIn's docs say: driven with `requests` the
way the Posts, Images, Videos, Comments and organization APIs are documented, so a
publisher tested against it is tested against LinkedIn's rules and error bodies."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.linkedin import LinkedInServer, video_bytes
    from tests.servers.little import escape
    from tests.servers.meta import jpeg
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.linkedin import LinkedInServer, video_bytes
    from servers.little import escape
    from servers.meta import jpeg

TOKEN = "AQV-loopback-member-token"
PERSON = "urn:li:person:8675309"


@pytest.fixture
def li():
    with LinkedInServer() as server:
        server.org = server.add_org(2414183, "Brutăria Ana", followers=321)
        server.add_member(TOKEN, PERSON, {server.org: "ADMINISTRATOR"})
        yield server


def headers(token: str = TOKEN, version: str = "202611", **extra) -> dict:
    base = {"LinkedIn-Version": version, "X-Restli-Protocol-Version": "2.0.0"}
    if token:
        base["Authorization"] = f"Bearer {token}"
    return {**base, **extra}


def post_body(li, commentary: str, **content) -> dict:
    body = {
        "author": li.org,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if content:
        body["content"] = content
    return body


def create(li, commentary: str, **content) -> requests.Response:
    return requests.post(
        f"{li.api}/posts", json=post_body(li, commentary, **content), headers=headers()
    )


def enc(urn: str) -> str:
    return quote(urn, safe="")


def upload_image(li, data: bytes) -> str:
    init = requests.post(
        f"{li.api}/images?action=initializeUpload",
        json={"initializeUploadRequest": {"owner": li.org}},
        headers=headers(),
    )
    assert init.status_code == 200
    value = init.json()["value"]
    assert requests.put(value["uploadUrl"], data=data).status_code == 201
    return value["image"]


def test_image_post_is_created_and_read_back_as_a_reader_sees_it(li):
    image = upload_image(li, jpeg(3))
    statuses = [
        requests.get(f"{li.api}/images/{enc(image)}", headers=headers()).json()["status"]
        for _ in range(2)
    ]
    assert statuses == ["PROCESSING", "AVAILABLE"]
    text = "Cozonac cu nucă " + escape("(ediție limitată) #1 @ 25 lei") + " #brutărie 🍞"
    answer = create(li, text, media={"id": image, "altText": "Cozonac pe masă"})
    assert answer.status_code == 201 and answer.text == ""
    urn = answer.headers["x-restli-id"]
    assert urn.startswith("urn:li:share:")
    view = li.view(urn)
    assert view["text"] == "Cozonac cu nucă (ediție limitată) #1 @ 25 lei #brutărie 🍞"
    assert view["media"][0]["alt"] == "Cozonac pe masă"
    assert view["media"][0]["sha256"] == li.images[image]["sha256"] != ""
    got = requests.get(f"{li.api}/posts/{enc(urn)}", headers=headers()).json()
    assert got["commentary"] == text and got["lifecycleStateInfo"] == {"isEditedByAuthor": False}


def test_mentions_and_hashtag_templates_render_and_an_unescaped_reserved_character_cuts(li):
    text = "Azi cu @[Brutăria Ana](urn:li:organization:2414183) {hashtag|\\#|paine} și #cozonac"
    first = create(li, text)
    assert li.view(first.headers["x-restli-id"])["text"] == "Azi cu Brutăria Ana #paine și #cozonac"
    cut = create(li, "Program nou (luni-vineri) de azi")
    assert cut.status_code == 201  # LinkedIn accepts it ...
    post = li.posts[cut.headers["x-restli-id"]]
    assert post["text"] == "Program nou " and post["cut"]  # ... and shows only this much


def test_commentary_is_limited_to_3000_utf16_units(li):
    assert create(li, "🍞" * 1499 + "ab").status_code == 201
    over = create(li, "🍞" * 1500 + "a")
    assert over.status_code == 400 and over.json()["code"] == "FIELD_LENGTH_TOO_LONG"


def test_version_and_protocol_headers_are_required(li):
    url = f"{li.api}/posts?q=author&author={enc(li.org)}"
    missing = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 400 and missing.json()["code"] == "VERSION_MISSING"
    old = requests.get(url, headers=headers(version="202501"))
    assert old.status_code == 426
    assert old.json() == {
        "status": 426,
        "code": "NONEXISTENT_VERSION",
        "message": "Requested version 20250101 is not active",
    }
    no_restli = headers()
    del no_restli["X-Restli-Protocol-Version"]
    assert requests.get(url, headers=no_restli).status_code == 400
    assert requests.get(url, headers=headers(version="202611.01")).status_code == 200


def test_tokens_missing_invalid_expired_revoked(li):
    url = f"{li.api}/posts?q=author&author={enc(li.org)}"
    empty = requests.get(url, headers=headers(token=""))
    assert empty.json() == {
        "status": 401,
        "serviceErrorCode": 401,
        "message": "Empty oauth2_access_token",
    }
    assert requests.get(url, headers=headers(token="nope")).json()["serviceErrorCode"] == 65600
    li.add_member("revoked", PERSON, revoked=True)
    assert (
        requests.get(url, headers=headers(token="revoked")).json()["code"] == "REVOKED_ACCESS_TOKEN"
    )
    li.clock = 61 * 86400
    expired = requests.get(url, headers=headers())
    assert expired.status_code == 401
    assert (
        expired.json()["code"] == "EXPIRED_ACCESS_TOKEN"
        and expired.json()["serviceErrorCode"] == 65602
    )


def test_posting_needs_the_scope_and_a_page_role(li):
    li.add_member("analyst", "urn:li:person:2", {li.org: "ANALYST"})
    li.add_member("noscope", PERSON, scopes=("r_organization_social",))
    for token in ("analyst", "noscope"):
        answer = requests.post(f"{li.api}/posts", json=post_body(li, "Hi"), headers=headers(token))
        assert answer.status_code == 403 and answer.json()["code"] == "ACCESS_DENIED"
        assert "partnerApiPostsExternal.CREATE" in answer.json()["message"]
    assert li.posts == {}


def test_a_repeated_post_is_refused_as_a_duplicate_naming_the_first(li):
    first = create(li, "Pâine caldă la 7")
    again = create(li, "Pâine caldă la 7")
    assert again.status_code == 422
    assert again.json()["code"] == "DUPLICATE_POST"
    assert again.json()["message"] == f"Content is a duplicate of {first.headers['x-restli-id']}"


def test_required_fields_and_organization_visibility(li):
    body = post_body(li, "x")
    del body["lifecycleState"]
    answer = requests.post(f"{li.api}/posts", json=body, headers=headers())
    assert answer.status_code == 422 and "/lifecycleState" in answer.json()["message"]
    body = post_body(li, "x") | {"visibility": "CONNECTIONS"}
    assert requests.post(f"{li.api}/posts", json=body, headers=headers()).status_code == 422


def test_author_finder_pages_newest_first_and_hides_deleted_drafts_and_lagging_posts(li):
    urns = [create(li, f"Post {i}").headers["x-restli-id"] for i in range(3)]
    draft = post_body(li, "draft") | {"lifecycleState": "DRAFT"}
    assert requests.post(f"{li.api}/posts", json=draft, headers=headers()).status_code == 201
    requests.delete(f"{li.api}/posts/{enc(urns[1])}", headers=headers())
    url = f"{li.api}/posts?q=author&author={enc(li.org)}&count=1&sortBy=LAST_MODIFIED"
    page = requests.get(url, headers=headers()).json()
    assert [p["id"] for p in page["elements"]] == [urns[2]]
    assert page["paging"]["total"] == 2 and page["paging"]["links"][0]["rel"] == "next"
    second = requests.get(li.url + page["paging"]["links"][0]["href"], headers=headers()).json()
    assert [p["id"] for p in second["elements"]] == [urns[0]]
    li.finder_lag = 1
    late = create(li, "Just now").headers["x-restli-id"]

    def ids() -> list[str]:
        page = requests.get(url + "&count=10", headers=headers()).json()
        return [p["id"] for p in page["elements"]]

    assert late not in ids() and late in ids()


def test_partial_update_edits_the_commentary(li):
    urn = create(li, "Preț: 20 lei").headers["x-restli-id"]
    patch = {"patch": {"$set": {"commentary": "Preț: 25 lei"}}}
    plain = requests.post(f"{li.api}/posts/{enc(urn)}", json=patch, headers=headers())
    assert plain.status_code == 400
    edit = headers(**{"X-RestLi-Method": "PARTIAL_UPDATE"})
    assert requests.post(f"{li.api}/posts/{enc(urn)}", json=patch, headers=edit).status_code == 204
    got = requests.get(f"{li.api}/posts/{enc(urn)}", headers=headers()).json()
    assert got["commentary"] == "Preț: 25 lei" and got["lifecycleStateInfo"]["isEditedByAuthor"]
    assert li.posts[urn]["edits"] == ["Preț: 20 lei"]


def test_delete_is_idempotent(li):
    urn = create(li, "Bye").headers["x-restli-id"]
    delete = headers(**{"X-RestLi-Method": "DELETE"})
    assert requests.delete(f"{li.api}/posts/{enc(urn)}", headers=delete).status_code == 204
    assert requests.get(f"{li.api}/posts/{enc(urn)}", headers=headers()).status_code == 404
    assert requests.delete(f"{li.api}/posts/{enc(urn)}", headers=delete).status_code == 204
    assert li.live_posts() == []


def test_multi_image_needs_two_to_twenty_images_and_keeps_each_alt_text(li):
    images = [upload_image(li, jpeg(i)) for i in range(2)]
    one = create(li, "Vitrina", multiImage={"images": [{"id": images[0]}]})
    assert one.status_code == 422
    refs = [{"id": img, "altText": f"Raft {i}"} for i, img in enumerate(images)]
    two = create(li, "Vitrina", multiImage={"images": refs})
    assert two.status_code == 201 and two.headers["x-restli-id"].startswith("urn:li:ugcPost:")
    assert [m["alt"] for m in li.view(two.headers["x-restli-id"])["media"]] == ["Raft 0", "Raft 1"]
    never = requests.post(
        f"{li.api}/images?action=initializeUpload",
        json={"initializeUploadRequest": {"owner": li.org}},
        headers=headers(),
    ).json()["value"]["image"]
    assert create(li, "Not uploaded", media={"id": never}).status_code == 400


def test_video_upload_in_parts_with_etags_then_a_video_post(li):
    li.video_part_size = 50_000
    data = video_bytes(120_000)
    init = requests.post(
        f"{li.api}/videos?action=initializeUpload",
        json={"initializeUploadRequest": {"owner": li.org, "fileSizeBytes": len(data)}},
        headers=headers(),
    ).json()["value"]
    parts = init["uploadInstructions"]
    assert [(p["firstByte"], p["lastByte"]) for p in parts] == [
        (0, 49_999),
        (50_000, 99_999),
        (100_000, 119_999),
    ]
    assert requests.put(parts[0]["uploadUrl"], data=data[:10]).status_code == 400
    etags = [
        requests.put(p["uploadUrl"], data=data[p["firstByte"] : p["lastByte"] + 1]).headers["ETag"]
        for p in parts
    ]
    finalize = {"video": init["video"], "uploadToken": init["uploadToken"]}
    wrong = {"finalizeUploadRequest": finalize | {"uploadedPartIds": etags[::-1]}}
    assert (
        requests.post(
            f"{li.api}/videos?action=finalizeUpload", json=wrong, headers=headers()
        ).status_code
        == 400
    )
    right = {"finalizeUploadRequest": finalize | {"uploadedPartIds": etags}}
    assert (
        requests.post(
            f"{li.api}/videos?action=finalizeUpload", json=right, headers=headers()
        ).status_code
        == 200
    )
    seen = [
        requests.get(f"{li.api}/videos/{enc(init['video'])}", headers=headers()).json()["status"]
        for _ in range(3)
    ]
    assert seen == ["PROCESSING", "PROCESSING", "AVAILABLE"]
    post = create(li, "Cum facem cozonac", media={"id": init["video"], "title": "Rețeta"})
    assert post.status_code == 201 and post.headers["x-restli-id"].startswith("urn:li:ugcPost:")
    small = {"initializeUploadRequest": {"owner": li.org, "fileSizeBytes": 1000}}
    assert (
        requests.post(
            f"{li.api}/videos?action=initializeUpload", json=small, headers=headers()
        ).status_code
        == 400
    )


def test_article_link_card_with_thumbnail(li):
    thumb = upload_image(li, jpeg(9))
    article = {
        "source": "https://brutaria.ro/cozonac",
        "title": "Cozonac",
        "description": "Rețeta",
        "thumbnail": thumb,
    }
    urn = create(li, "Citiți rețeta", article=article).headers["x-restli-id"]
    assert li.view(urn)["article"] == article
    no_title = create(li, "x", article={"source": "https://brutaria.ro"})
    assert no_title.status_code == 422 and "/content/article/title" in no_title.json()["message"]


def test_throttle_is_a_bare_429_without_retry_headers(li):
    li.fail("POST", r"^/rest/posts$", "429")
    answer = create(li, "Throttled")
    assert answer.status_code == 429
    assert (
        answer.json()["serviceErrorCode"] == 101 and "APPLICATION DAY" in answer.json()["message"]
    )
    assert not [h for h in answer.headers if h.lower() == "retry-after" or "ratelimit" in h.lower()]
    assert li.posts == {}


def test_faults_after_the_work_leave_the_post_published(li):
    li.fail("POST", r"^/rest/posts$", "500", when="after")
    assert create(li, "First").status_code == 500
    li.fail("POST", r"^/rest/posts$", "reset", when="after")
    with pytest.raises(requests.ConnectionError):
        create(li, "Second")
    assert sorted(p["text"] for p in li.live_posts()) == ["First", "Second"]
    li.fail("GET", r"^/rest/posts$", "502")
    gateway = requests.get(f"{li.api}/posts?q=author&author={enc(li.org)}", headers=headers())
    assert gateway.status_code == 502 and gateway.headers["Content-Type"] == "text/html"


def test_acls_comments_statistics_and_followers(li):
    acls = requests.get(
        f"{li.api}/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
        headers=headers(),
    ).json()
    assert [(a["organization"], a["role"]) for a in acls["elements"]] == [(li.org, "ADMINISTRATOR")]
    urn = create(li, "Post").headers["x-restli-id"]
    comment = {"actor": li.org, "object": urn, "message": {"text": "#cozonac #paine"}}
    made = requests.post(
        f"{li.api}/socialActions/{enc(urn)}/comments", json=comment, headers=headers()
    )
    assert made.status_code == 201 and made.headers["x-restli-id"].startswith("urn:li:comment:(")
    li.add_comment(urn, "urn:li:person:99", "Cât costă?")
    listed = requests.get(f"{li.api}/socialActions/{enc(urn)}/comments", headers=headers()).json()
    assert [c["message"]["text"] for c in listed["elements"]] == ["#cozonac #paine", "Cât costă?"]
    li.stats[urn] = {"likeCount": 4, "impressionCount": 90, "commentCount": 2}
    url = f"{li.api}/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={enc(li.org)}"
    per_post = requests.get(url + f"&shares=List({enc(urn)})", headers=headers()).json()[
        "elements"
    ][0]
    assert per_post["share"] == urn and per_post["totalShareStatistics"]["likeCount"] == 4
    li.add_member("poster", "urn:li:person:3", {li.org: "DIRECT_SPONSORED_CONTENT_POSTER"})
    assert (
        requests.get(url, headers=headers("poster")).status_code == 403
    )  # statistics: admins only
    size = requests.get(
        f"{li.api}/networkSizes/{enc(li.org)}?edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        headers=headers(),
    )
    assert size.json() == {"firstDegreeSize": 321}


def test_token_introspection_reports_expiry(li):
    form = {"client_id": "78loopbackclient", "client_secret": "s3cret", "token": TOKEN}
    info = requests.post(f"{li.oauth}/introspectToken", data=form).json()
    assert info["active"] and info["status"] == "active"
    assert info["expires_at"] - info["created_at"] == 60 * 86400
    li.clock = 61 * 86400
    assert requests.post(f"{li.oauth}/introspectToken", data=form).json()["status"] == "expired"
    bad = requests.post(f"{li.oauth}/introspectToken", data=form | {"client_secret": "x"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
