"""The loopback VK API (tests/servers/vk.py) behaves as VK's docs say: driven with
`requests` the way dev.vk.com shows (method URLs, `v`, token as a parameter or Bearer,
the three-step photo and video uploads), answering VK's errors inside HTTP 200."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.meta import jpeg, mp4
    from tests.servers.vk import VkServer
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.meta import jpeg, mp4
    from servers.vk import VkServer

GROUP, ADMIN, MOD = 229_000_001, 743_784_474, 743_784_475
OWNER = -GROUP
V = "5.199"


@pytest.fixture
def vk():
    server = VkServer()
    server.add_user(ADMIN, "Ana", "Pop")
    server.add_user(MOD, "Ion", "Rusu")
    server.add_group(GROUP, "Brutăria Dulce", "brutariadulce", admins={ADMIN: 3, MOD: 1})
    server.groups[GROUP]["members_count"] = 1843
    server.add_token("admin-token", ADMIN)
    server.add_token("mod-token", MOD)
    with server:
        yield server


def call(vk: VkServer, method: str, token: str = "admin-token", **params) -> dict:
    """POST a method the documented way: form body, `v`, the token as Bearer."""
    params.setdefault("v", V)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.post(f"{vk.api}/{method}", data=params, headers=headers, timeout=5)
    assert answer.status_code == 200  # VK answers every error inside HTTP 200
    return answer.json()


def post(vk: VkServer, **params) -> dict:
    return call(vk, "wall.post", owner_id=OWNER, from_group=1, **params)


def upload_photo(vk: VkServer, data: bytes, caption: str = "") -> str:
    server = call(vk, "photos.getWallUploadServer", group_id=GROUP)["response"]
    sent = requests.post(server["upload_url"], files={"photo": ("p.jpg", data)}, timeout=5).json()
    saved = call(vk, "photos.saveWallPhoto", group_id=GROUP, caption=caption, **sent)
    photo = saved["response"][0]
    return f"photo{photo['owner_id']}_{photo['id']}"


def test_text_post_is_published_by_the_community_and_read_back(vk):
    text = "Cozonac cu nucă și stafide 🎄 #brutarie https://example.ro/cozonac"
    answer = post(vk, message=text)
    post_id = answer["response"]["post_id"]
    got = call(vk, "wall.getById", posts=f"{OWNER}_{post_id}")["response"]["items"][0]
    assert got["text"] == text and got["from_id"] == OWNER and got["owner_id"] == OWNER
    assert got["post_type"] == "post"
    assert {"likes", "reposts", "views", "comments"} <= set(got)
    # the token as a parameter works as well as the Bearer header
    query = {"access_token": "admin-token", "v": V, "owner_id": OWNER}
    listed = requests.get(f"{vk.api}/wall.get", params=query, timeout=5).json()["response"]
    assert listed["count"] == 1 and listed["items"][0]["id"] == post_id


def test_a_repeated_guid_within_the_hour_posts_nothing_new(vk):
    first = post(vk, message="Comenzi deschise", guid="smmflow-abc")["response"]["post_id"]
    again = post(vk, message="Comenzi deschise", guid="smmflow-abc")["response"]["post_id"]
    assert again == first and len(vk.wall(OWNER)) == 1
    vk.clock += 3601  # past the documented window the same guid posts again
    later = post(vk, message="Comenzi deschise", guid="smmflow-abc")["response"]["post_id"]
    assert later != first and len(vk.wall(OWNER)) == 2


def test_photo_upload_save_and_attach_keeps_bytes_and_caption(vk):
    data = jpeg(3)
    attachment = upload_photo(vk, data, caption="Cozonac pe masă, felii")
    post_id = post(vk, message="Azi", attachments=attachment)["response"]["post_id"]
    shown = vk.post(OWNER, post_id)
    media = vk.media_of(shown)
    assert [m["kind"] for m in media] == ["photo"]
    assert hashlib.sha256(media[0]["data"]).hexdigest() == hashlib.sha256(data).hexdigest()
    assert media[0]["text"] == "Cozonac pe masă, felii"
    item = call(vk, "wall.getById", posts=f"{OWNER}_{post_id}")["response"]["items"][0]
    assert item["attachments"][0]["photo"]["text"] == "Cozonac pe masă, felii"


def test_a_photo_sent_in_the_wrong_field_cannot_be_saved(vk):
    server = call(vk, "photos.getWallUploadServer", group_id=GROUP)["response"]
    sent = requests.post(server["upload_url"], files={"file": ("p.jpg", jpeg())}, timeout=5).json()
    assert sent["photo"] == "[]"
    saved = call(vk, "photos.saveWallPhoto", group_id=GROUP, **sent)
    assert saved["error"]["error_code"] == 100
    server = call(vk, "photos.getWallUploadServer", group_id=GROUP)["response"]
    sent = requests.post(server["upload_url"], files={"photo": ("p.jpg", jpeg())}, timeout=5).json()
    forged = call(vk, "photos.saveWallPhoto", group_id=GROUP, **{**sent, "hash": "0" * 32})
    assert forged["error"]["error_code"] == 121


def test_video_is_saved_uploaded_and_attached(vk):
    saved = call(vk, "video.save", group_id=GROUP, name="Cum facem cozonac")["response"]
    attachment = f"video{saved['owner_id']}_{saved['video_id']}"
    early = post(vk, message="Video", attachments=attachment)
    assert early["error"]["error_code"] == 100  # not uploaded yet
    sent = requests.post(saved["upload_url"], files={"video_file": ("v.mp4", mp4())}, timeout=5)
    assert sent.json()["video_id"] == saved["video_id"] and sent.json()["size"] == len(mp4())
    post_id = post(vk, message="Video", attachments=attachment)["response"]["post_id"]
    assert vk.media_of(vk.post(OWNER, post_id))[0]["data"] == mp4()


def test_auth_and_version_errors_come_inside_http_200(vk):
    missing = call(vk, "wall.post", token="", owner_id=OWNER, message="x")["error"]
    assert missing["error_code"] == 5 and "no access_token passed" in missing["error_msg"]
    assert {"key": "method", "value": "wall.post"} in missing["request_params"]
    vk.tokens["admin-token"].expires_at = vk.now() - 1
    expired = post(vk, message="x")["error"]
    assert expired["error_code"] == 5 and "expired" in expired["error_msg"]
    assert all(p["key"] != "access_token" for p in expired["request_params"])
    assert call(vk, "wall.post", token="mod-token", v="")["error"]["error_code"] == 8
    old = call(vk, "wall.post", token="mod-token", v="5.50")["error"]
    assert old["error_code"] == 8 and "deprecated" in old["error_msg"]
    assert call(vk, "wall.nothing", token="mod-token")["error"]["error_code"] == 3


def test_a_json_body_is_not_read(vk):
    body = {"v": V, "access_token": "admin-token", "owner_id": OWNER, "message": "x"}
    answer = requests.post(f"{vk.api}/wall.post", json=body, timeout=5).json()
    assert answer["error"]["error_code"] == 8 and not vk.wall(OWNER)


def test_permissions_who_may_post_as_the_community(vk):
    assert (
        call(vk, "wall.post", "mod-token", owner_id=OWNER, from_group=1, message="x")["error"][
            "error_code"
        ]
        == 214
    )
    vk.add_token("community-key", kind="group", group_id=GROUP)
    group_key = call(vk, "wall.post", "community-key", owner_id=OWNER, message="x")["error"]
    assert group_key["error_code"] == 27
    vk.add_token("no-wall", ADMIN, rights=("photos",))
    assert (
        call(vk, "wall.post", "no-wall", owner_id=OWNER, message="x")["error"]["error_code"] == 15
    )
    assert not vk.wall(OWNER)


def test_content_limits(vk):
    assert "response" in post(vk, message="ă" * 16384)
    assert post(vk, message="ă" * 16385)["error"]["error_code"] == 100
    photos = ",".join(upload_photo(vk, jpeg(i)) for i in range(11))
    assert post(vk, attachments=photos)["error"]["error_code"] == 100
    two_links = "https://a.ro,https://b.ro"
    assert post(vk, message="x", attachments=two_links)["error"]["error_code"] == 100
    assert post(vk)["error"]["error_code"] == 100  # neither message nor attachments
    vk.groups[GROUP]["links_forbidden"] = True
    assert post(vk, message="vezi https://example.ro")["error"]["error_code"] == 222
    vk.groups[GROUP]["links_forbidden"] = False
    for i in range(5):
        assert "response" in post(vk, message=f"ad {i}", mark_as_ads=1)
    assert post(vk, message="ad 6", mark_as_ads=1)["error"]["error_code"] == 224


def test_daily_post_cap(vk):
    vk.posts_per_day = 2
    post(vk, message="1")
    post(vk, message="2")
    assert post(vk, message="3")["error"]["error_code"] == 214


def test_edit_then_delete(vk):
    post_id = post(vk, message="Greșeală")["response"]["post_id"]
    edited = call(vk, "wall.edit", owner_id=OWNER, post_id=post_id, message="Corect")
    assert edited["response"]["post_id"] == post_id
    item = call(vk, "wall.getById", posts=f"{OWNER}_{post_id}")["response"]["items"][0]
    assert item["text"] == "Corect" and item["edited"] > 0
    assert call(vk, "wall.delete", owner_id=OWNER, post_id=post_id)["response"] == 1
    assert call(vk, "wall.getById", posts=f"{OWNER}_{post_id}")["response"]["items"] == []
    assert call(vk, "wall.get", owner_id=OWNER)["response"]["count"] == 0
    again = call(vk, "wall.delete", owner_id=OWNER, post_id=post_id)
    assert again["error"]["error_code"] == 104


def test_postponed_post_goes_live_at_its_date(vk):
    post_id = post(vk, message="Mâine", publish_date=int(vk.now()) + 3600)["response"]["post_id"]
    assert call(vk, "wall.get", owner_id=OWNER)["response"]["count"] == 0
    waiting = call(vk, "wall.get", owner_id=OWNER, filter="postponed")["response"]
    assert [p["id"] for p in waiting["items"]] == [post_id]
    assert waiting["items"][0]["post_type"] == "postpone"
    vk.clock += 3601
    assert call(vk, "wall.get", owner_id=OWNER)["response"]["items"][0]["id"] == post_id


def test_wall_get_pages_newest_first(vk):
    ids = [post(vk, message=f"p{i}")["response"]["post_id"] for i in range(5)]
    page = call(vk, "wall.get", owner_id=OWNER, offset=1, count=2)["response"]
    assert page["count"] == 5 and [p["id"] for p in page["items"]] == ids[::-1][1:3]
    by_domain = call(vk, "wall.get", domain="brutariadulce", count=1)["response"]
    assert by_domain["items"][0]["id"] == ids[-1]


def test_comments_paging_threads_and_delete(vk):
    post_id = post(vk, message="Întrebări?")["response"]["post_id"]
    people = [vk.add_comment(OWNER, post_id, 1000 + i, f"c{i}")["id"] for i in range(5)]
    vk.add_comment(OWNER, post_id, 2000, "răspuns", reply_to=people[0])
    answer = call(
        vk,
        "wall.createComment",
        owner_id=OWNER,
        post_id=post_id,
        from_group=GROUP,
        message="Mulțumim!",
        guid="first-comment",
    )
    same = call(
        vk,
        "wall.createComment",
        owner_id=OWNER,
        post_id=post_id,
        from_group=GROUP,
        message="Mulțumim!",
        guid="first-comment",
    )
    ours = answer["response"]["comment_id"]
    assert same["response"]["comment_id"] == ours and ours > post_id  # one id sequence per wall
    page = call(
        vk,
        "wall.getComments",
        owner_id=OWNER,
        post_id=post_id,
        start_comment_id=people[2],
        offset=1,
        count=2,
        thread_items_count=2,
    )
    page = page["response"]
    assert page["count"] == 6 and [c["id"] for c in page["items"]] == [people[3], people[4]]
    first = call(
        vk, "wall.getComments", owner_id=OWNER, post_id=post_id, count=1, thread_items_count=2
    )["response"]["items"][0]
    assert first["thread"]["count"] == 1 and first["thread"]["items"][0]["text"] == "răspuns"
    last = call(vk, "wall.getComments", owner_id=OWNER, post_id=post_id, sort="desc", count=1)
    assert last["response"]["items"][0]["from_id"] == OWNER
    assert call(vk, "wall.deleteComment", owner_id=OWNER, comment_id=people[4])["response"] == 1
    assert call(vk, "wall.getComments", owner_id=OWNER, post_id=post_id)["response"]["count"] == 5


def test_doctor_reads_community_rights_members_and_reach(vk):
    group = call(vk, "groups.getById", group_id=GROUP, fields="members_count,can_post")
    shown = group["response"]["groups"][0]
    assert shown["members_count"] == 1843 and shown["can_post"] == 1
    assert shown["is_admin"] == 1 and shown["admin_level"] == 3
    as_mod = call(vk, "groups.getById", "mod-token", group_id=GROUP, fields="can_post")
    assert as_mod["response"]["groups"][0]["admin_level"] == 1
    assert call(vk, "groups.getMembers", group_id=GROUP, count=3)["response"]["count"] == 1843
    rights = call(vk, "account.getAppPermissions")["response"]
    assert rights & 8192 and rights & 4  # wall, photos
    post_id = post(vk, message="x")["response"]["post_id"]
    vk.set_metrics(OWNER, post_id, views=120, likes=7, reach_total=300, links=4)
    item = call(vk, "wall.getById", posts=f"{OWNER}_{post_id}")["response"]["items"][0]
    assert item["views"]["count"] == 120 and item["likes"]["count"] == 7
    reach = call(vk, "stats.getPostReach", owner_id=OWNER, post_ids=post_id)["response"][0]
    assert reach["reach_total"] == 300 and reach["links"] == 4


def test_faults_before_and_after_the_work(vk):
    vk.fail("wall.post", "6", "9-after", "lost", "http502")
    assert post(vk, message="a", guid="g")["error"]["error_code"] == 6
    assert not vk.wall(OWNER)  # refused: nothing posted
    flood = post(vk, message="a", guid="g")
    assert flood["error"]["error_code"] == 9 and len(vk.wall(OWNER)) == 1  # posted anyway
    with pytest.raises(requests.ConnectionError):
        post(vk, message="a", guid="g")
    gateway = requests.post(f"{vk.api}/wall.post", data={"v": V}, timeout=5)
    assert gateway.status_code == 502 and "nginx" in gateway.text
    # the guid makes every retry the same one post
    assert post(vk, message="a", guid="g")["response"]["post_id"] == vk.wall(OWNER)[0]["id"]
    assert len(vk.wall(OWNER)) == 1


def test_captcha_needs_a_person(vk):
    vk.fail("wall.post", "14")
    error = post(vk, message="x")["error"]
    assert error["error_code"] == 14 and error["captcha_img"].startswith("http")
    wrong = post(vk, message="x", captcha_sid=error["captcha_sid"], captcha_key="nope")
    assert wrong["error"]["error_code"] == 14
    key = vk.captchas[error["captcha_sid"]]
    assert "response" in post(vk, message="x", captcha_sid=error["captcha_sid"], captcha_key=key)


def test_too_many_requests_per_second(vk):
    vk.rps, vk.rps_window = 3, 60.0  # a wide window: the test does not race the clock
    answers = [call(vk, "groups.getById", group_id=GROUP) for _ in range(4)]
    assert [("error" in a) for a in answers] == [False, False, False, True]
    assert answers[-1]["error"]["error_code"] == 6
    assert (
        json.loads(json.dumps(answers[-1]))["error"]["error_msg"] == "Too many requests per second"
    )
