"""The loopback TikTok Content Posting API (tests/servers/tiktok.py) behaves as TikTok's
docs say: driven with `requests` the way the docs show, happy paths, errors and faults."""

from __future__ import annotations

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.meta import StaticSite, jpeg, mp4
    from tests.servers.tiktok import TikTokServer, utf16
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.meta import StaticSite, jpeg, mp4
    from servers.tiktok import TikTokServer, utf16

TOKEN = "act.1a2b3c4d5e6f7g8h9i0jBrutaria"
CAPTION = "Pâine cu maia, coaptă azi — comandă pe https://brutaria.ro/comenzi #brutărie"
JSON = {"Content-Type": "application/json; charset=UTF-8"}


@pytest.fixture
def site(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "reel.mp4").write_bytes(mp4(3))
    for i in range(3):
        (tmp_path / "media" / f"p{i}.jpg").write_bytes(jpeg(i))
    (tmp_path / "media" / "notes.txt").write_text("not a photo")
    server = StaticSite(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def tt():
    with TikTokServer() as server:
        server.add_creator("open-brutaria", "brutaria.sibiu", TOKEN, nickname="Brutăria")
        yield server


def post(tt, path, body=None, token=TOKEN):
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    return requests.post(tt.url + path, json=body, headers=headers, timeout=10)


def video_body(size, chunk=None, count=1, privacy="PUBLIC_TO_EVERYONE", **info):
    return {
        "post_info": {
            "title": CAPTION,
            "privacy_level": privacy,
            "brand_content_toggle": False,
            **info,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunk or size,
            "total_chunk_count": count,
        },
    }


def put(url, data, first, total, kind="video/mp4"):
    last = first + len(data) - 1
    headers = {"Content-Type": kind, "Content-Range": f"bytes {first}-{last}/{total}"}
    return requests.put(url, data=data, headers=headers, timeout=10)


def status(tt, publish_id):
    return post(tt, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}).json()


def test_creator_info_answers_the_documented_envelope(tt):
    answer = post(tt, "/v2/post/publish/creator_info/query/")
    body = answer.json()
    assert answer.status_code == 200 and body["error"]["code"] == "ok" and body["error"]["log_id"]
    assert body["data"]["creator_username"] == "brutaria.sibiu"
    assert body["data"]["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert body["data"]["max_video_post_duration_sec"] == 600
    tt.add_creator("open-private", "privat", "act.private", private=True)
    data = post(tt, "/v2/post/publish/creator_info/query/", token="act.private").json()["data"]
    assert data["privacy_level_options"][0] == "FOLLOWER_OF_CREATOR" and data["duet_disabled"]


def test_bad_tokens_and_scopes_get_401(tt):
    answer = post(tt, "/v2/post/publish/creator_info/query/", token="act.nope")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "access_token_invalid"
    tt.add_creator("open-ro", "readonly", "act.readonly", scopes=("user.info.basic",))
    answer = post(tt, "/v2/post/publish/video/init/", video_body(100), token="act.readonly")
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "scope_not_authorized"
    tt.expire(TOKEN)
    assert post(tt, "/v2/post/publish/creator_info/query/").status_code == 401


def test_file_upload_publishes_after_the_status_polls(tt):
    video = mp4(5)
    init = post(tt, "/v2/post/publish/video/init/", video_body(len(video))).json()
    assert init["error"]["code"] == "ok"
    publish_id, url = init["data"]["publish_id"], init["data"]["upload_url"]
    assert status(tt, publish_id)["data"] == {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 0}
    done = put(url, video, 0, len(video))
    assert done.status_code == 201
    assert done.headers["Content-Range"] == f"bytes 0-{len(video) - 1}/{len(video)}"
    assert status(tt, publish_id)["data"]["status"] == "PROCESSING_UPLOAD"
    data = status(tt, publish_id)["data"]
    assert data["status"] == "PUBLISH_COMPLETE" and data["uploaded_bytes"] == len(video)
    (post_id,) = data["publicaly_available_post_id"]
    assert isinstance(post_id, int) and post_id > 2**53
    (published,) = tt.posts
    assert published.caption == CAPTION and published.video == video
    assert published.url == f"https://www.tiktok.com/@brutaria.sibiu/video/{post_id}"


def test_chunks_follow_the_documented_rules(tt):
    tt.chunk_unit = 1024  # the rules in KiB instead of MiB, to keep the test small
    size, chunk = 12 * 1024 + 123, 5 * 1024
    answer = post(tt, "/v2/post/publish/video/init/", video_body(size, chunk, 3))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_params"
    too_small = post(tt, "/v2/post/publish/video/init/", video_body(size, 4 * 1024, 3))
    assert too_small.status_code == 400
    init = post(tt, "/v2/post/publish/video/init/", video_body(size, chunk, 2)).json()["data"]
    video = mp4(1) + bytes(size - len(mp4(1)))
    first = put(init["upload_url"], video[:chunk], 0, size)
    assert (
        first.status_code == 206 and first.headers["Content-Range"] == f"bytes 0-{chunk - 1}/{size}"
    )
    assert put(init["upload_url"], video[:chunk], 0, size).status_code == 416  # sent again
    assert put(init["upload_url"], video[chunk : 2 * chunk], chunk, size).status_code == 400
    assert put(init["upload_url"], video[chunk:], chunk, size, "image/png").status_code == 400
    assert put(init["upload_url"], video[chunk:], chunk, size).status_code == 201
    tt.settle()
    assert tt.posts[0].video == video


def test_privacy_must_be_one_the_creator_offers(tt):
    tt.add_creator("open-private", "privat", "act.private", private=True)
    answer = post(tt, "/v2/post/publish/video/init/", video_body(100), token="act.private")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "privacy_level_option_mismatch"
    missing = video_body(100)
    del missing["post_info"]["privacy_level"]
    assert post(tt, "/v2/post/publish/video/init/", missing).status_code == 400


def test_caption_limits_count_utf16_units(tt):
    assert utf16("ăîșțâ") == 5 and utf16("😀") == 2
    ok = post(tt, "/v2/post/publish/video/init/", video_body(100, title="ș" * 2200))
    assert ok.json()["error"]["code"] == "ok"
    long = post(tt, "/v2/post/publish/video/init/", video_body(100, title="😀" * 1100 + "a"))
    assert long.status_code == 400 and long.json()["error"]["code"] == "invalid_params"


def photo_body(urls, cover=0, **info):
    return {
        "post_info": {
            "title": "Oferta săptămânii",
            "description": CAPTION,
            "privacy_level": "PUBLIC_TO_EVERYONE",
            **info,
        },
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_cover_index": cover,
            "photo_images": urls,
        },
        "post_mode": "DIRECT_POST",
        "media_type": "PHOTO",
    }


def test_photo_post_pulls_each_image(tt, site):
    tt.verify_prefix(site.url + "/media/")
    urls = [f"{site.url}/media/p{i}.jpg" for i in range(3)]
    init = post(tt, "/v2/post/publish/content/init/", photo_body(urls, cover=1)).json()
    assert init["error"]["code"] == "ok" and init["data"]["publish_id"].startswith("p_pub_url~")
    first = status(tt, init["data"]["publish_id"])["data"]
    assert first["status"] == "PROCESSING_DOWNLOAD"
    assert status(tt, init["data"]["publish_id"])["data"]["status"] == "PUBLISH_COMPLETE"
    (published,) = tt.posts
    assert published.photos == [jpeg(0), jpeg(1), jpeg(2)] and published.cover_index == 1
    assert published.description == CAPTION and published.settings["disable_duet"]


def test_photo_post_rules(tt, site):
    tt.verify_prefix(site.url + "/media/")
    url = f"{site.url}/media/p0.jpg"
    for body in (
        photo_body([url] * 36),
        photo_body([]),
        photo_body([url], cover=1),
        photo_body([url], title="x" * 91),
        photo_body([url], description="y" * 4001),
        {**photo_body([url]), "media_type": "VIDEO"},
    ):
        answer = post(tt, "/v2/post/publish/content/init/", body)
        assert answer.status_code == 400, body
        tt.clock += 61  # keep clear of the 6/min init limit
    other = post(
        tt, "/v2/post/publish/content/init/", photo_body(["https://elsewhere.example/p.jpg"])
    )
    assert other.status_code == 403 and other.json()["error"]["code"] == "url_ownership_unverified"
    bad = post(tt, "/v2/post/publish/content/init/", photo_body([f"{site.url}/media/notes.txt"]))
    data = status(tt, bad.json()["data"]["publish_id"])["data"]
    assert data == {
        "status": "FAILED",
        "fail_reason": "file_format_check_failed",
        "downloaded_bytes": 0,
    }


def test_pull_from_url_video_is_fetched(tt, site):
    tt.verify_prefix(site.url + "/media/")
    body = video_body(0)
    body["source_info"] = {"source": "PULL_FROM_URL", "video_url": f"{site.url}/media/reel.mp4"}
    publish_id = post(tt, "/v2/post/publish/video/init/", body).json()["data"]["publish_id"]
    assert status(tt, publish_id)["data"]["status"] == "PROCESSING_DOWNLOAD"
    assert status(tt, publish_id)["data"]["downloaded_bytes"] == len(mp4(3))
    body["source_info"]["video_url"] = f"{site.url}/media/gone.mp4"
    publish_id = post(tt, "/v2/post/publish/video/init/", body).json()["data"]["publish_id"]
    assert status(tt, publish_id)["data"]["fail_reason"] == "video_pull_failed"


def test_init_limit_is_six_a_minute_per_token(tt):
    codes = [post(tt, "/v2/post/publish/video/init/", {}).status_code for _ in range(7)]
    assert codes == [400] * 6 + [429]
    over = post(tt, "/v2/post/publish/video/init/", {})
    assert over.json()["error"] == {**over.json()["error"], "code": "rate_limit_exceeded"}
    assert "Retry-After" not in over.headers  # TikTok documents no rate-limit headers
    tt.clock += 61
    assert post(tt, "/v2/post/publish/video/init/", {}).status_code == 400


def test_status_limit_is_thirty_a_minute(tt):
    codes = [
        post(tt, "/v2/post/publish/status/fetch/", {"publish_id": "x"}).status_code
        for _ in range(31)
    ]
    assert codes[:30] == [400] * 30 and codes[30] == 429
    assert (
        post(tt, "/v2/post/publish/status/fetch/", {"publish_id": "x"}).json()["error"]["code"]
        == "rate_limit_exceeded"
    )


def test_daily_cap_answers_200_on_creator_info_and_403_on_init(tt):
    tt.daily_cap = 1
    assert post(tt, "/v2/post/publish/video/init/", video_body(100)).status_code == 200
    info = post(tt, "/v2/post/publish/creator_info/query/")
    assert info.status_code == 200 and info.json()["error"]["code"] == "spam_risk_too_many_posts"
    init = post(tt, "/v2/post/publish/video/init/", video_body(100))
    assert init.status_code == 403 and init.json()["error"]["code"] == "spam_risk_too_many_posts"


def test_unaudited_client_posts_only_self_only_to_private_accounts(tt):
    tt.audited = False
    public = post(tt, "/v2/post/publish/video/init/", video_body(100, privacy="SELF_ONLY"))
    assert public.status_code == 403
    assert public.json()["error"]["code"] == "unaudited_client_can_only_post_to_private_accounts"
    tt.add_creator("open-private", "privat", "act.private", private=True)
    friends = post(
        tt,
        "/v2/post/publish/video/init/",
        video_body(100, privacy="MUTUAL_FOLLOW_FRIENDS"),
        token="act.private",
    )
    assert friends.status_code == 403
    ok = post(
        tt,
        "/v2/post/publish/video/init/",
        video_body(100, privacy="SELF_ONLY"),
        token="act.private",
    )
    assert ok.json()["error"]["code"] == "ok"


def test_failed_publish_and_expired_upload_url(tt):
    video = mp4(2)
    tt.fail_publish("spam_risk_text")
    init = post(
        tt, "/v2/post/publish/video/init/", video_body(len(video), privacy="SELF_ONLY")
    ).json()["data"]
    put(init["upload_url"], video, 0, len(video))
    tt.settle()
    assert (
        status(tt, init["publish_id"])["data"]["fail_reason"] == "spam_risk_text" and not tt.posts
    )
    late = post(tt, "/v2/post/publish/video/init/", video_body(len(video))).json()["data"]
    tt.clock += 3601
    assert put(late["upload_url"], video, 0, len(video)).status_code == 403
    assert status(tt, late["publish_id"])["data"]["status"] == "FAILED"


def test_faults_before_and_after_the_work(tt):
    tt.fail("video_init", "429", "reset-after", "500-after")
    limited = post(tt, "/v2/post/publish/video/init/", video_body(100))
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert not tt.publishes
    with pytest.raises(requests.ConnectionError):
        post(tt, "/v2/post/publish/video/init/", video_body(100))
    assert len(tt.publishes) == 1  # made, but the answer was lost
    failed = post(tt, "/v2/post/publish/video/init/", video_body(100))
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
    assert len(tt.publishes) == 2


def test_refresh_tokens_rotate(tt):
    tt.add_refresh_token("rft.first", "open-brutaria")
    form = {
        "client_key": tt.client_key,
        "client_secret": tt.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": "rft.first",
    }
    answer = requests.post(tt.url + "/v2/oauth/token/", data=form, timeout=10)
    body = answer.json()
    assert (
        answer.status_code == 200 and body["expires_in"] == 7200 and body["token_type"] == "Bearer"
    )
    assert body["refresh_token"] != "rft.first" and body["open_id"] == "open-brutaria"
    info = post(tt, "/v2/post/publish/creator_info/query/", token=body["access_token"])
    assert info.json()["error"]["code"] == "ok"
    again = requests.post(tt.url + "/v2/oauth/token/", data=form, timeout=10)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_slow_answer_after_the_work(tt):
    tt.slow = 2.0
    tt.fail("video_init", "slow-after")
    with pytest.raises(requests.Timeout):
        requests.post(
            tt.url + "/v2/post/publish/video/init/",
            json=video_body(100),
            headers={**JSON, "Authorization": f"Bearer {TOKEN}"},
            timeout=0.3,
        )
    assert len(tt.publishes) == 1
