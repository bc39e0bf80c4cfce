"""YouTube: the metadata sent, the resumable upload (chunks, a 503 after a chunk was kept,
resuming a session, a session gone and the marker found or not), quota and errors in
Google's words, an unverified project, delete, and `doctor` — in this process, against the
loopback YouTube of tests/servers/youtube.py."""

from __future__ import annotations

import time

import pytest
from repohelp import commit, write
from videohelp import CHANNEL, PLAIN, SECRETS, make_repo, start_servers, video

from smmflow.content.repo import load
from smmflow.platforms import youtube_upload
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.http import REAUTH, RETRY, Http, Policy, PublishError
from smmflow.platforms.secrets import Redactor
from smmflow.platforms.youtube import YouTube

KEY = "0123456789abcdef" * 2


@pytest.fixture
def servers(tmp_path):
    found = start_servers(tmp_path / "www")
    yield found
    found.stop()


@pytest.fixture
def root(servers):
    return make_repo(servers)


@pytest.fixture
def yt(servers):
    return servers.youtube


def publisher(root, tmp_path, state: str = "state") -> YouTube:
    repo = load(root)
    group = repo.groups["bakery"]
    environ = {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / state)}
    http = Http(Redactor(SECRETS.values()), Policy(attempts=3, backoff=0.001), sleep=lambda s: None)
    pub = YouTube(group.account("youtube"), Context(root, group, http, environ, http.redact))
    pub.repo = repo  # type: ignore[attr-defined]
    return pub


def send(pub: YouTube, prior: str = "", saved: list | None = None, slug="2026-12-04-paine"):
    post = next(p for p in pub.repo.posts if p.slug == slug)  # type: ignore[attr-defined]
    keep = saved.append if saved is not None else (lambda rid: None)
    return pub.publish(post, pub.render(post), Attempt(KEY, prior, keep))


def test_the_video_goes_with_its_title_description_tags_and_privacy(root, yt, tmp_path):
    receipt = send(publisher(root, tmp_path))
    [made] = yt.live(CHANNEL)
    assert receipt.remote_id == made["id"] and receipt.url.endswith(made["id"])
    assert made["snippet"]["description"] == f"{PLAIN}\n\nsmmflow:{KEY[:12]}"
    assert made["snippet"]["categoryId"] == "22" and made["status"]["madeForKids"] is False
    [insert] = yt.of("insert")
    assert insert.headers["x-upload-content-length"] == str(len(made["data"]))
    assert insert.headers["x-upload-content-type"] == "video/mp4"
    assert "publishAt" not in insert.json["status"]


def test_a_title_from_the_first_line_is_cut_at_a_word(root, yt, tmp_path):
    words = "Cozonac pufos cu nucă și rahat, copt în fiecare dimineață " * 3
    write(
        root,
        "content/bakery/2026-12-04-paine.md",
        "---\ndate: 2026-12-04 10:00\ntype: sales\nplatforms: [youtube]\nmedia:\n"
        f"  - src: media/paine.mp4\n    alt: x\n---\n**{words.strip()}**\n\nRest.\n",
    )
    commit(root, "no title")
    send(publisher(root, tmp_path))
    [made] = yt.live(CHANNEL)
    title = made["snippet"]["title"]
    assert len(title) <= 100 and title.endswith("…") and words.startswith(title[:-1])


def test_chunks_and_a_503_after_a_kept_chunk_resume_where_youtube_stands(
    root, yt, tmp_path, monkeypatch
):
    monkeypatch.setattr(youtube_upload, "CHUNK", 256 * 1024)
    data = video(5, 700_000)
    (root / "content/bakery/media/paine.mp4").write_bytes(data)
    yt.fail("upload", "ok", "503-after")  # the 2nd chunk is stored, then a 503
    send(publisher(root, tmp_path))
    [made] = yt.live(CHANNEL)
    assert made["data"] == data and len(yt.of("insert")) == 1


def test_a_stopped_upload_resumes_in_the_same_session(root, yt, tmp_path, monkeypatch):
    monkeypatch.setattr(youtube_upload, "CHUNK", 256 * 1024)
    data = video(6, 600_000)
    (root / "content/bakery/media/paine.mp4").write_bytes(data)
    real_put = youtube_upload._put

    def dying(google, session, headers, body=b""):
        if body and headers["Content-Range"].startswith("bytes 262144-"):
            raise KeyboardInterrupt("killed")
        return real_put(google, session, headers, body)

    monkeypatch.setattr(youtube_upload, "_put", dying)
    saved: list = []
    with pytest.raises(KeyboardInterrupt):
        send(publisher(root, tmp_path), saved=saved)
    monkeypatch.setattr(youtube_upload, "_put", real_put)
    [reference] = saved
    assert reference.startswith(f"session:{KEY}:") and "upload_id" not in reference
    receipt = send(publisher(root, tmp_path), prior=reference)
    [made] = yt.live(CHANNEL)
    assert made["data"] == data and receipt.remote_id == made["id"]
    assert len(yt.of("insert")) == 1 and len(yt.sessions) == 1


def test_a_completed_session_gives_back_its_video_not_a_second(root, yt, tmp_path):
    saved: list = []
    first = send(publisher(root, tmp_path), saved=saved)
    again = send(publisher(root, tmp_path), prior=saved[0])  # as after a kill after the upload
    assert again.remote_id == first.remote_id and len(yt.live()) == 1
    assert len(yt.of("insert")) == 1


def test_without_the_session_the_marker_decides(root, yt, tmp_path):
    saved: list = []
    first = send(publisher(root, tmp_path), saved=saved)
    # another machine (no session kept): the marker in the description finds the video
    found = send(publisher(root, tmp_path, "elsewhere"), prior=saved[0])
    assert found.remote_id == first.remote_id and len(yt.of("insert")) == 1
    # a session expired before any byte and no video with the marker: a new upload
    yt.videos.clear()
    made = send(publisher(root, tmp_path, "elsewhere"), prior=f"session:{KEY}:{time.time():.0f}")
    assert len(yt.live()) == 1 and made.remote_id != first.remote_id


def test_the_days_quota_is_left_for_tomorrow(root, yt, tmp_path):
    yt.insert_limit = 0
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path))
    assert caught.value.kind == RETRY and "midnight Pacific" in caught.value.message
    assert caught.value.retry_after and caught.value.retry_after >= 60
    yt.insert_limit, yt.quota_model = 100, "legacy"
    yt.used_units[yt.quota_day()] = 10_000 - 1599  # the older model: 1600 units an upload
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path))
    assert "quotaExceeded" in caught.value.message and yt.live() == []


def test_refusals_are_in_youtubes_words(root, yt, tmp_path):
    yt.fail("insert", "401")
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path))
    assert caught.value.kind == REAUTH and "authError" in caught.value.message
    yt.fail("insert", "uploadLimit")
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path))
    assert caught.value.kind == RETRY and "uploadLimitExceeded" in caught.value.message
    yt.refresh_tokens.clear()
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path))
    assert (
        caught.value.kind == REAUTH and "Token has been expired or revoked" in caught.value.message
    )


def test_an_unverified_project_uploads_private_and_says_so(root, yt, tmp_path):
    yt.verified_project = False
    receipt = send(publisher(root, tmp_path))
    assert "YouTube made it private" in receipt.note
    [made] = yt.live(CHANNEL)
    assert made["locked"] and made["status"]["privacyStatus"] == "private"


def test_delete_removes_the_video_and_gone_is_done(root, yt, tmp_path):
    receipt = send(publisher(root, tmp_path))
    pub = publisher(root, tmp_path)
    pub.delete(Attempt(KEY, receipt.remote_id))
    assert yt.live() == []
    pub.delete(Attempt(KEY, receipt.remote_id))  # already gone
    assert len(yt.of("delete")) == 2


def test_doctor_estimates_the_uploads_left_today(root, yt, tmp_path):
    send(publisher(root, tmp_path))
    found = publisher(root, tmp_path).doctor()
    text = "\n".join(f"{f.level} {f.message}" for f in found)
    assert "1 uploads on this channel since midnight Pacific: about 99 left today" in text
    assert "5 if it is on the older 1600-unit model" in text
    assert "scopes to upload, read and delete granted" in text
    assert "made private by YouTube" in text
    assert not any(f.level == "error" for f in found), text


def test_doctor_names_a_missing_scope(root, yt, tmp_path):
    yt.refresh_tokens[next(iter(yt.refresh_tokens))].scopes = (
        "https://www.googleapis.com/auth/youtube.upload",
    )
    found = publisher(root, tmp_path).doctor()
    text = "\n".join(f"{f.level} {f.message}" for f in found)
    assert "error the token may not read the channel's uploads" in text
