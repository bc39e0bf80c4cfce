"""The loopback Threads server behaves as Meta's Threads docs say: containers from public
media URLs (downloaded by the server itself), container status before publishing, the
500-character count with emojis as UTF-8 bytes, quotas, replies, deletes and insights, with
the Graph error envelope."""

from __future__ import annotations

import hashlib

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.threads import StaticSite, ThreadsServer, jpeg, mp4, threads_length
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.threads import StaticSite, ThreadsServer, jpeg, mp4, threads_length

USER = "25548401239"
TOKEN = "THAAloopback-user-token"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("public")
    (tmp_path / "cozonac.jpg").write_bytes(jpeg(1))
    (tmp_path / "raft.jpg").write_bytes(jpeg(2))
    (tmp_path / "reteta.mp4").write_bytes(mp4(3))
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    (tmp_path / "notes.txt").write_text("not an image")
    server = StaticSite(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def th():
    with ThreadsServer() as server:
        server.add_user(USER, "brutaria.ana", TOKEN, followers=1200)
        yield server


def post(th, edge: str, token: str = TOKEN, **params) -> requests.Response:
    return requests.post(f"{th.api}/me/{edge}", data={"access_token": token, **params})


def get(th, path: str, token: str = TOKEN, **params) -> requests.Response:
    return requests.get(f"{th.api}/{path}", params={"access_token": token, **params})


def error(answer: requests.Response) -> tuple[int, int | None]:
    body = answer.json()["error"]
    assert body["type"] == "OAuthException" and body["fbtrace_id"]
    return body["code"], body.get("error_subcode")


def publish_ready(th, container: str) -> requests.Response:
    while get(th, container, fields="status").json()["status"] == "IN_PROGRESS":
        pass
    return post(th, "threads_publish", creation_id=container)


def test_text_post_two_steps_and_read_back(th):
    text = "Bună dimineața! Cozonac cald 🍞 #brutarie https://brutaria.ro/azi"
    container = post(th, "threads", media_type="TEXT", text=text).json()["id"]
    assert get(th, container, fields="status,error_message").json() == {
        "id": container,
        "status": "FINISHED",
    }
    media_id = post(th, "threads_publish", creation_id=container).json()["id"]
    fields = "id,text,permalink,media_type,link_attachment_url,topic_tag,is_reply,owner"
    got = get(th, media_id, fields=fields).json()
    assert got["text"] == text and got["media_type"] == "TEXT_POST"
    assert got["permalink"].startswith("https://www.threads.com/@brutaria.ana/post/")
    assert got["link_attachment_url"] == "https://brutaria.ro/azi"
    assert got["topic_tag"] == "brutarie" and got["is_reply"] is False
    assert got["owner"] == {"id": USER}
    assert get(th, container, fields="status").json()["status"] == "PUBLISHED"


def test_text_counts_emojis_as_utf8_bytes():
    assert threads_length("👍") == 4 and threads_length("👍🏽") == 8 and threads_length("🇷🇴") == 8
    assert threads_length("ș") == threads_length("s\u0326") == 1  # one character, either form
    assert threads_length("Țară 1️⃣") == 5 + 7


def test_text_limit_is_500_counted_the_threads_way(th):
    fits = post(th, "threads", media_type="TEXT", text="a" * 496 + "👍")
    assert fits.status_code == 200
    over = post(th, "threads", media_type="TEXT", text="a" * 497 + "👍")
    assert over.status_code == 400 and error(over) == (100, None)
    assert "text must be at most 500 characters" in over.json()["error"]["message"]


def test_image_is_downloaded_and_must_finish_before_publishing(th, site):
    url = f"{site.url}/cozonac.jpg"
    container = post(th, "threads", media_type="IMAGE", image_url=url, alt_text="Cozonac").json()[
        "id"
    ]
    assert th.fetched == [url]
    early = post(th, "threads_publish", creation_id=container)
    assert early.status_code == 400 and error(early) == (24, 4279009)
    assert early.json()["error"]["error_user_title"] == "Media Not Found"
    media_id = publish_ready(th, container).json()["id"]
    item = th.media[media_id]
    assert item["alt_text"] == "Cozonac" and item["media_type"] == "IMAGE"
    assert item["sha256"] == [hashlib.sha256(jpeg(1)).hexdigest()]


def test_media_that_cannot_be_fetched(th, site):
    missing = post(th, "threads", media_type="IMAGE", image_url=f"{site.url}/nope.jpg")
    assert error(missing) == (1, 2207052)
    assert "could not be fetched" in missing.json()["error"]["error_user_msg"]
    not_image = post(th, "threads", media_type="IMAGE", image_url=f"{site.url}/notes.txt")
    assert error(not_image) == (1, 2207052)
    for name, reason in (
        ("gone.mp4", "FAILED_DOWNLOADING_VIDEO"),
        ("broken.mp4", "FAILED_PROCESSING_VIDEO"),
    ):
        container = post(th, "threads", media_type="VIDEO", video_url=f"{site.url}/{name}").json()[
            "id"
        ]
        status = get(th, container, fields="status,error_message").json()
        assert status["status"] == "ERROR" and status["error_message"] == reason
        assert error(post(th, "threads_publish", creation_id=container)) == (24, 4279009)
    assert th.media == {}


def test_video_goes_in_progress_then_finished(th, site):
    container = post(th, "threads", media_type="VIDEO", video_url=f"{site.url}/reteta.mp4").json()[
        "id"
    ]
    seen = [get(th, container, fields="status").json()["status"] for _ in range(3)]
    assert seen == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    assert post(th, "threads_publish", creation_id=container).status_code == 200


def test_carousel_needs_two_children_and_waits_for_them(th, site):
    kids = [
        post(
            th,
            "threads",
            media_type="IMAGE",
            is_carousel_item="true",
            image_url=f"{site.url}/{n}",
            alt_text=n,
        ).json()["id"]
        for n in ("cozonac.jpg", "raft.jpg")
    ]
    one = post(th, "threads", media_type="CAROUSEL", children=kids[0])
    assert one.status_code == 400 and error(one)[0] == 100
    child_alone = post(th, "threads_publish", creation_id=kids[0])
    assert error(child_alone) == (24, 4279009)
    carousel = post(
        th, "threads", media_type="CAROUSEL", children=",".join(kids), text="Vitrina"
    ).json()["id"]
    media_id = publish_ready(th, carousel).json()["id"]
    got = get(th, media_id, fields="media_type,children,text").json()
    assert (
        got["media_type"] == "CAROUSEL_ALBUM" and [c["id"] for c in got["children"]["data"]] == kids
    )
    assert [c["alt_text"] for c in th.media[media_id]["children"]] == ["cozonac.jpg", "raft.jpg"]


def test_a_container_is_published_once(th):
    container = post(th, "threads", media_type="TEXT", text="Once").json()["id"]
    assert post(th, "threads_publish", creation_id=container).status_code == 200
    again = post(th, "threads_publish", creation_id=container)
    assert error(again) == (24, 4279009)
    assert [m["text"] for m in th.live_media()] == ["Once"]


def test_a_thread_is_a_chain_of_replies(th):
    root = post(
        th, "threads", media_type="TEXT", text="1/3 Rețeta", auto_publish_text="true"
    ).json()["id"]
    assert th.media[root]["text"] == "1/3 Rețeta"  # auto_publish_text answers the media id
    parent = root
    for part in ("2/3 Aluatul", "3/3 Coacerea"):
        box = post(th, "threads", media_type="TEXT", text=part, reply_to_id=parent).json()["id"]
        parent = post(th, "threads_publish", creation_id=box).json()["id"]
    th.add_reply(root, "vecina", "Mulțumesc!")
    fields = "id,text,is_reply_owned_by_me,root_post"
    top = get(th, f"{root}/replies", fields=fields, reverse="false").json()["data"]
    assert [r["text"] for r in top] == ["2/3 Aluatul", "Mulțumesc!"]
    everything = get(th, f"{root}/conversation", fields=fields, reverse="false").json()["data"]
    assert [r["text"] for r in everything] == ["2/3 Aluatul", "3/3 Coacerea", "Mulțumesc!"]
    assert everything[1]["root_post"] == {"id": root} and not everything[2]["is_reply_owned_by_me"]
    listed = get(th, "me/threads", fields="text").json()["data"]
    assert [m["text"] for m in listed] == ["1/3 Rețeta"]  # replies are not posts
    limits = get(
        th, "me/threads_publishing_limit", fields="quota_usage,reply_quota_usage,config"
    ).json()
    assert limits["data"][0] == {
        "quota_usage": 1,
        "reply_quota_usage": 2,
        "config": {"quota_total": 250, "quota_duration": 86400},
    }


def test_publishing_quota(th):
    th.users[USER]["quota_total"] = 1
    for text, expect in (("one", 200), ("two", 400)):
        box = post(th, "threads", media_type="TEXT", text=text).json()["id"]
        answer = post(th, "threads_publish", creation_id=box)
        assert answer.status_code == expect
    assert error(answer) == (9, 2207042)
    assert [m["text"] for m in th.live_media()] == ["one"]


def test_recent_posts_list_pages_newest_first(th):
    for i in range(3):
        post(th, "threads", media_type="TEXT", text=f"post {i}", auto_publish_text="true")
    first = get(th, "me/threads", fields="id,text,timestamp,permalink", limit=2).json()
    assert [m["text"] for m in first["data"]] == ["post 2", "post 1"]
    after = get(
        th, "me/threads", fields="text", limit=2, after=first["paging"]["cursors"]["after"]
    ).json()
    assert [m["text"] for m in after["data"]] == ["post 0"] and "next" not in after["paging"]


def test_delete_needs_threads_delete_and_answers_the_deleted_id(th):
    media_id = post(
        th, "threads", media_type="TEXT", text="Greșeală", auto_publish_text="true"
    ).json()["id"]
    th.add_user("99", "other", "no-delete", scopes=("threads_basic", "threads_content_publish"))
    th.tokens["no-delete"].user = USER
    assert error(requests.delete(f"{th.api}/{media_id}", params={"access_token": "no-delete"})) == (
        10,
        None,
    )
    gone = requests.delete(f"{th.api}/{media_id}", params={"access_token": TOKEN})
    assert gone.json() == {"success": True, "deleted_id": media_id}
    assert error(get(th, media_id)) == (100, 33)
    limits = get(
        th, "me/threads_publishing_limit", fields="delete_quota_usage,delete_config"
    ).json()
    assert limits["data"][0]["delete_quota_usage"] == 1


def test_tokens_invalid_expired_and_bearer(th):
    assert error(get(th, "me", token="nope")) == (190, None)
    assert requests.get(
        f"{th.api}/me?fields=id,username", headers={"Authorization": f"Bearer {TOKEN}"}
    ).json() == {
        "id": USER,
        "username": "brutaria.ana",
    }
    th.clock = 61 * 86400
    expired = get(th, "me")
    assert error(expired) == (190, 463)
    assert (
        "Error validating access token: Session has expired" in expired.json()["error"]["message"]
    )


def test_links_alt_text_and_topic_tag_rules(th, site):
    six = " ".join(f"https://ex{i}.ro" for i in range(6))
    many = post(th, "threads", media_type="TEXT", text=six)
    assert "THREADS_API__LINK_LIMIT_EXCEEDED" in many.json()["error"]["message"]
    image = post(
        th,
        "threads",
        media_type="IMAGE",
        image_url=f"{site.url}/cozonac.jpg",
        link_attachment="https://ex.ro",
    )
    assert error(image) == (100, None)
    assert error(post(th, "threads", media_type="TEXT", text="x", alt_text="alt")) == (100, None)
    assert error(post(th, "threads", media_type="TEXT", text="x", topic_tag="a.b")) == (100, None)


def test_rate_limit_and_faults_after_the_work(th):
    th.fail("POST", r"/threads_publish$", code=4, message="(#4) Application request limit reached")
    box = post(th, "threads", media_type="TEXT", text="Limited").json()["id"]
    limited = post(th, "threads_publish", creation_id=box)
    assert error(limited) == (4, None) and limited.json()["error"]["is_transient"]
    assert '"call_count": 100' in limited.headers["X-App-Usage"]
    assert th.media == {}
    th.fail(
        "POST",
        r"/threads_publish$",
        code=2,
        message="Service temporarily unavailable",
        status=503,
        when="after",
    )
    assert post(th, "threads_publish", creation_id=box).status_code == 503
    assert get(th, box, fields="status").json()["status"] == "PUBLISHED"  # it went out anyway
    second = post(th, "threads", media_type="TEXT", text="Dropped").json()["id"]
    th.fail("POST", r"/threads_publish$", action="reset", when="after")
    with pytest.raises(requests.ConnectionError):
        post(th, "threads_publish", creation_id=second)
    assert sorted(m["text"] for m in th.live_media()) == ["Dropped", "Limited"]


def test_hide_replies_and_insights(th):
    root = post(th, "threads", media_type="TEXT", text="Post", auto_publish_text="true").json()[
        "id"
    ]
    reply = th.add_reply(root, "spammer", "Cumpără acum!!!")
    assert requests.post(
        f"{th.api}/{reply['id']}/manage_reply", data={"access_token": TOKEN, "hide": "true"}
    ).json() == {"success": True}
    assert (
        get(th, f"{root}/replies", fields="hide_status").json()["data"][0]["hide_status"]
        == "HIDDEN"
    )
    th.insights[root].update(likes=7, views=120)
    metrics = get(th, f"{root}/insights", metric="views,likes").json()["data"]
    assert [(m["name"], m["values"][0]["value"]) for m in metrics] == [("views", 120), ("likes", 7)]
    assert error(get(th, f"{root}/insights", metric="saves")) == (100, None)
    followers = get(th, "me/threads_insights", metric="followers_count").json()["data"][0]
    assert followers["total_value"] == {"value": 1200}
    th.tokens[TOKEN].scopes = ("threads_basic", "threads_content_publish")
    assert error(get(th, f"{root}/insights", metric="likes")) == (10, None)


def test_container_expires_after_a_day(th):
    box = post(th, "threads", media_type="TEXT", text="Later").json()["id"]
    th.clock = 25 * 3600
    assert get(th, box, fields="status").json()["status"] == "EXPIRED"
    assert error(post(th, "threads_publish", creation_id=box)) == (24, 4279009)
