"""The loopback YouTube Data API (tests/servers/youtube.py) behaves as Google's docs say:
resumable uploads, metadata rules, verification listings, quota and errors, driven with
`requests` the way the upload guide shows."""

from __future__ import annotations

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers.meta import mp4
    from tests.servers.youtube import YT, YouTubeServer, tag_length
except ImportError:  # pytest with tests/ itself on sys.path
    from servers.meta import mp4
    from servers.youtube import YT, YouTubeServer, tag_length

CHANNEL = "UCbrutariaSibiu000000001"
TOKEN = "ya29.a0Brutaria-upload-and-read"
KIB256 = 256 * 1024
DESCRIPTION = "Comandă pâine cu maia: https://brutaria.ro/comenzi\n\nsmmflow:ab12cd34"


@pytest.fixture
def yt():
    with YouTubeServer() as server:
        server.add_channel(CHANNEL, "Brutăria Sibiu", TOKEN, subscribers=1234)
        yield server


def auth(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def metadata(title="Pâine cu maia", description=DESCRIPTION, privacy="public", **snippet):
    return {
        "snippet": {
            "title": title,
            "description": description,
            "tags": ["brutarie", "paine"],
            "categoryId": "22",
            **snippet,
        },
        "status": {"privacyStatus": privacy, "selfDeclaredMadeForKids": False},
    }


def start(yt, body=None, size=None, token=TOKEN):
    headers = {**auth(token), "X-Upload-Content-Type": "video/mp4"}
    if size is not None:
        headers["X-Upload-Content-Length"] = str(size)
    url = yt.url + "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
    return requests.post(url, json=body or metadata(), headers=headers, timeout=10)


def put(session, data, first, total):
    headers = {
        "Content-Type": "video/mp4",
        "Content-Range": f"bytes {first}-{first + len(data) - 1}/{total}",
    }
    return requests.put(session, data=data, headers=headers, timeout=10)


def query(session, total):
    return requests.put(session, headers={"Content-Range": f"bytes */{total}"}, timeout=10)


def upload(yt, data, body=None):
    session = start(yt, body, len(data)).headers["Location"]
    return put(session, data, 0, len(data))


def reason(answer):
    return answer.json()["error"]["errors"][0]["reason"]


def test_resumable_upload_in_one_request(yt):
    video = mp4(1)
    started = start(yt, size=len(video))
    assert started.status_code == 200 and started.content == b""
    assert "upload_id=" in started.headers["Location"]
    done = put(started.headers["Location"], video, 0, len(video))
    assert done.status_code == 201
    resource = done.json()
    assert (
        resource["snippet"]["title"] == "Pâine cu maia"
        and resource["status"]["privacyStatus"] == "public"
    )
    assert resource["snippet"]["description"] == DESCRIPTION and "statistics" not in resource
    assert yt.videos[resource["id"]]["data"] == video


def test_chunks_status_query_and_replay(yt):
    video = mp4(2) + bytes(2 * KIB256 + 1000 - len(mp4(2)))
    session = start(yt, size=len(video)).headers["Location"]
    assert query(session, len(video)).status_code == 308
    assert "Range" not in query(session, len(video)).headers  # nothing received yet
    first = put(session, video[:KIB256], 0, len(video))
    assert first.status_code == 308 and first.headers["Range"] == f"bytes=0-{KIB256 - 1}"
    assert query(session, len(video)).headers["Range"] == f"bytes=0-{KIB256 - 1}"
    odd = put(session, video[KIB256 : KIB256 + 1000], KIB256, len(video))
    assert odd.status_code == 400  # not a multiple of 256 KiB and not the last chunk
    skip = put(session, video[2 * KIB256 :], 2 * KIB256, len(video))
    assert skip.status_code == 308 and skip.headers["Range"] == f"bytes=0-{KIB256 - 1}"
    done = put(session, video[KIB256:], KIB256, len(video))
    assert done.status_code == 201
    again = query(session, len(video))
    assert again.status_code == 201 and again.json() == done.json()
    assert yt.videos[done.json()["id"]]["data"] == video


def test_a_chunk_stored_before_a_503_shows_in_the_status_query(yt):
    video = mp4(3) + bytes(KIB256 + 10 - len(mp4(3)))
    session = start(yt, size=len(video)).headers["Location"]
    yt.fail("upload", "503-after")
    lost = put(session, video[:KIB256], 0, len(video))
    assert lost.status_code == 503 and reason(lost) == "backendError"
    assert query(session, len(video)).headers["Range"] == f"bytes=0-{KIB256 - 1}"
    assert put(session, video[KIB256:], KIB256, len(video)).status_code == 201


def test_expired_session_is_404(yt):
    started = start(yt, size=10)
    yt.expire_session(started.headers["X-GUploader-UploadID"])
    assert query(started.headers["Location"], 10).status_code == 404


@pytest.mark.parametrize(
    "body, why",
    [
        (metadata(title="x" * 101), "invalidTitle"),
        (metadata(title="<b>Pâine</b>"), "invalidTitle"),
        (metadata(title=""), "invalidTitle"),
        (metadata(description="ș" * 2501), "invalidDescription"),  # 5002 UTF-8 bytes
        (metadata(tags=["a" * 250, "b" * 250]), "invalidTags"),  # 500 + 1 comma
        (metadata(categoryId="99"), "invalidCategoryId"),
        (
            {
                **metadata(),
                "status": {"privacyStatus": "public", "publishAt": "2026-12-24T10:00:00Z"},
            },
            "invalidPublishAt",
        ),
    ],
)
def test_metadata_rules(yt, body, why):
    answer = start(yt, body)
    assert answer.status_code == 400 and reason(answer) == why
    assert answer.json()["error"]["code"] == 400


def test_limits_at_the_edge_are_accepted(yt):
    assert tag_length(["pâine cu maia", "sibiu"]) == 15 + 1 + 5
    body = metadata(title="ă" * 100, description="ș" * 2500, tags=["a" * 249, "b" * 250])
    assert start(yt, body).status_code == 200


def test_quota_buckets_current_and_legacy(yt):
    yt.insert_limit = 1
    assert start(yt).status_code == 200
    over = start(yt)
    assert over.status_code == 403 and reason(over) == "quotaExceeded"
    assert over.json()["error"]["errors"][0]["domain"] == "youtube.quota"
    assert yt.quota_left() == {"units": 10_000, "inserts": 0}
    yt.quota_model, yt.daily_units = "legacy", 3200
    assert [start(yt).status_code for _ in range(3)] == [200, 200, 403]


def test_channels_list_gives_the_uploads_playlist(yt):
    answer = requests.get(
        yt.url + "/youtube/v3/channels?part=contentDetails,statistics&mine=true",
        headers=auth(),
        timeout=10,
    )
    (item,) = answer.json()["items"]
    assert item["id"] == CHANNEL
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == "UU" + CHANNEL[2:]
    assert item["statistics"]["subscriberCount"] == "1234"
    yt.add_channel(
        "UCother00000000000000001", "Other", "ya29.upload-only", scopes=(YT + "youtube.upload",)
    )
    denied = requests.get(
        yt.url + "/youtube/v3/channels?part=id&mine=true",
        headers=auth("ya29.upload-only"),
        timeout=10,
    )
    assert denied.status_code == 403 and reason(denied) == "insufficientPermissions"
    missing = requests.get(yt.url + "/youtube/v3/channels?mine=true", headers=auth(), timeout=10)
    assert missing.status_code == 400 and reason(missing) == "required"


def test_playlist_items_list_recent_uploads_newest_first(yt):
    for i in range(3):
        upload(
            yt, mp4(10 + i), metadata(title=f"Video {i}", privacy="private" if i == 1 else "public")
        )
        yt.clock += 1
    url = (
        yt.url
        + "/youtube/v3/playlistItems?part=snippet,status&maxResults=2&playlistId=UU"
        + CHANNEL[2:]
    )
    page = requests.get(url, headers=auth(), timeout=10).json()
    assert [i["snippet"]["title"] for i in page["items"]] == ["Video 2", "Video 1"]
    assert page["pageInfo"]["totalResults"] == 3
    rest = requests.get(
        url + "&pageToken=" + page["nextPageToken"], headers=auth(), timeout=10
    ).json()
    assert [i["snippet"]["resourceId"]["videoId"] for i in rest["items"]] == [yt.live()[0]["id"]]
    assert "nextPageToken" not in rest
    gone = requests.get(
        yt.url + "/youtube/v3/playlistItems?part=snippet&playlistId=UUnope",
        headers=auth(),
        timeout=10,
    )
    assert gone.status_code == 404 and reason(gone) == "playlistNotFound"


def test_videos_list_shows_processing_outcomes(yt):
    good = upload(yt, mp4(4)).json()["id"]
    bad = upload(yt, b"not a video at all", metadata(title="Broken")).json()["id"]
    twin = upload(yt, mp4(4), metadata(title="Again")).json()["id"]
    url = yt.url + f"/youtube/v3/videos?part=status,statistics&id={good},{bad},{twin}"
    first = requests.get(url, headers=auth(), timeout=10).json()["items"]
    assert [v["status"]["uploadStatus"] for v in first] == ["uploaded"] * 3
    later = {
        v["id"]: v["status"] for v in requests.get(url, headers=auth(), timeout=10).json()["items"]
    }
    assert later[good]["uploadStatus"] == "processed"
    assert later[bad] == {**later[bad], "uploadStatus": "failed", "failureReason": "invalidFile"}
    assert later[twin] == {
        **later[twin],
        "uploadStatus": "rejected",
        "rejectionReason": "duplicate",
    }
    assert (
        requests.get(url, headers=auth(), timeout=10).json()["items"][0]["statistics"]["viewCount"]
        == "0"
    )


def test_delete_is_204_then_404_and_costs_50(yt):
    video_id = upload(yt, mp4(5)).json()["id"]
    denied = requests.delete(
        yt.url + f"/youtube/v3/videos?id={video_id}", headers=auth(), timeout=10
    )
    assert denied.status_code == 403 and reason(denied) == "insufficientPermissions"
    yt.add_token("ya29.full", CHANNEL, (YT + "youtube",))
    gone = requests.delete(
        yt.url + f"/youtube/v3/videos?id={video_id}", headers=auth("ya29.full"), timeout=10
    )
    assert gone.status_code == 204 and gone.content == b""
    assert yt.quota_left()["units"] == 10_000 - 50 and not yt.live()
    again = requests.delete(
        yt.url + f"/youtube/v3/videos?id={video_id}", headers=auth("ya29.full"), timeout=10
    )
    assert again.status_code == 404 and reason(again) == "videoNotFound"


def test_auth_errors(yt):
    missing = start(yt, token="")
    assert missing.status_code == 401 and reason(missing) == "required"
    bad = start(yt, token="ya29.unknown")
    assert bad.status_code == 401 and reason(bad) == "authError"
    assert bad.json()["error"]["errors"][0]["message"] == "Invalid Credentials"
    assert bad.json()["error"]["status"] == "UNAUTHENTICATED"


def test_unverified_project_locks_uploads_private(yt):
    yt.verified_project = False
    resource = upload(yt, mp4(6)).json()
    assert resource["status"]["privacyStatus"] == "private" and yt.videos[resource["id"]]["locked"]


def test_channel_upload_limit(yt):
    yt.channels[CHANNEL].daily_uploads = 1
    upload(yt, mp4(7))
    refused = start(yt)
    assert refused.status_code == 400 and reason(refused) == "uploadLimitExceeded"


def test_token_refresh_and_tokeninfo(yt):
    client, secret = next(iter(yt.clients.items()))
    yt.add_refresh_token("1//0refresh", CHANNEL, (YT + "youtube.upload", YT + "youtube.readonly"))
    form = {
        "client_id": client,
        "client_secret": secret,
        "grant_type": "refresh_token",
        "refresh_token": "1//0refresh",
    }
    body = requests.post(yt.url + "/token", data=form, timeout=10).json()
    assert body["expires_in"] == 3599 and "refresh_token" not in body
    assert start(yt, token=body["access_token"]).status_code == 200
    info = requests.get(
        yt.url + "/tokeninfo", params={"access_token": body["access_token"]}, timeout=10
    ).json()
    assert YT + "youtube.upload" in info["scope"].split()
    yt.testing_mode, yt.clock = True, 8 * 86400
    dead = requests.post(yt.url + "/token", data=form, timeout=10)
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_faults_and_unknown_paths(yt):
    yt.fail("insert", "quota", "reset-after")
    assert reason(start(yt)) == "quotaExceeded"
    with pytest.raises(requests.ConnectionError):
        start(yt)
    assert not yt.videos and yt.quota_left()["inserts"] == 99  # the session was made
    page = requests.get(yt.url + "/youtube/v4/videos", timeout=10)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
