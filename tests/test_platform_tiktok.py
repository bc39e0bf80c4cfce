"""TikTok: what is sent for a video (chunked too) and a photo post, creator_info deciding
privacy and interactions, the rotated refresh token kept on this machine, resuming a
stopped upload, failures in TikTok's words, and `doctor` — in this process, against the
loopback TikTok of tests/servers/tiktok.py."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest
from videohelp import SECRETS, TT_REFRESH, make_repo, start_servers, video

from smmflow.content.repo import load
from smmflow.platforms import tiktok_upload
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.http import FAIL, REAUTH, RETRY, UNKNOWN, Http, Policy, PublishError
from smmflow.platforms.secrets import Redactor
from smmflow.platforms.tiktok import PENDING, TikTok


@pytest.fixture
def servers(tmp_path):
    found = start_servers(tmp_path / "www")
    yield found
    found.stop()


@pytest.fixture
def root(servers):
    return make_repo(servers)


class Saved(list):
    """The engine's side of `checkpoint`; `crash` stops the send right after it."""

    def __init__(self, crash: bool = False):
        super().__init__()
        self.crash = crash

    def __call__(self, remote_id: str) -> None:
        self.append(remote_id)
        if self.crash:
            raise KeyboardInterrupt(remote_id)


def publisher(root, tmp_path, **settings) -> TikTok:
    repo = load(root)
    group = repo.groups["bakery"]
    account = group.account("tiktok")
    if settings:
        account = type(account)(
            account.name, account.platform, tuple({**dict(account.settings), **settings}.items())
        )
    environ = {**SECRETS, "SMMFLOW_STATE_DIR": str(tmp_path / "state")}
    http = Http(Redactor(SECRETS.values()), Policy(attempts=2, backoff=0.001), sleep=lambda s: None)
    pub = TikTok(account, Context(root, group, http, environ, http.redact))
    pub.repo = repo  # type: ignore[attr-defined]
    return pub


def send(pub: TikTok, slug: str, prior: str = "", saved: Saved | None = None):
    post = next(p for p in pub.repo.posts if p.slug == slug)  # type: ignore[attr-defined]
    return pub.publish(
        post, pub.render(post), Attempt("k" * 32, prior, saved if saved is not None else Saved())
    )


def test_a_video_goes_up_whole_with_the_creators_settings(root, servers, tmp_path):
    servers.tiktok.creators["open-brutaria"].comment_disabled = True
    receipt = send(publisher(root, tmp_path), "2026-12-04-paine")
    [post] = servers.tiktok.posts
    assert receipt.url == post.url and receipt.remote_id == str(post.post_id)
    assert post.settings["disable_comment"] is True  # the creator turned comments off
    [init] = servers.tiktok.of("video_init")
    info, source = init.json["post_info"], init.json["source_info"]
    assert info["privacy_level"] == "PUBLIC_TO_EVERYONE" and info["brand_content_toggle"] is False
    assert source == {
        "source": "FILE_UPLOAD",
        "video_size": len(post.video),
        "chunk_size": len(post.video),
        "total_chunk_count": 1,
    }
    [put] = servers.tiktok.of("upload")
    assert "authorization" not in put.headers  # the upload URL carries its own token


def test_a_large_video_goes_in_chunks_in_order(root, servers, tmp_path, monkeypatch):
    unit = 1024  # the server's "MB", and ours, shrunk alike
    servers.tiktok.chunk_unit = unit
    monkeypatch.setattr(tiktok_upload, "WHOLE_MAX", 64 * unit)
    monkeypatch.setattr(tiktok_upload, "CHUNK", 10 * unit)
    data = video(3, 105 * unit + 17)
    (root / "content/bakery/media/paine.mp4").write_bytes(data)
    send(publisher(root, tmp_path), "2026-12-04-paine")
    [post] = servers.tiktok.posts
    assert post.video == data
    ranges = [c.headers["content-range"] for c in servers.tiktok.of("upload")]
    assert len(ranges) == 10 and ranges[-1] == f"bytes {9 * 10 * unit}-{len(data) - 1}/{len(data)}"
    assert tiktok_upload.plan(5 * 1024**3) == (5 * 1024**3, 10 * unit * 2**10, 512)  # ≤ 1000 chunks


def test_a_stopped_upload_goes_on_with_the_same_task(root, servers, tmp_path, monkeypatch):
    unit = 1024
    servers.tiktok.chunk_unit = unit
    monkeypatch.setattr(tiktok_upload, "WHOLE_MAX", 64 * unit)
    monkeypatch.setattr(tiktok_upload, "CHUNK", 10 * unit)
    data = video(4, 80 * unit)
    (root / "content/bakery/media/paine.mp4").write_bytes(data)
    real_put = tiktok_upload.TikTokApi.put
    sent = []

    def dying_put(self, url, chunk, first, total, kind):
        if len(sent) == 3:
            raise KeyboardInterrupt("killed mid-upload")
        sent.append(first)
        return real_put(self, url, chunk, first, total, kind)

    monkeypatch.setattr(tiktok_upload.TikTokApi, "put", dying_put)
    saved = Saved()
    with pytest.raises(KeyboardInterrupt):
        send(publisher(root, tmp_path), "2026-12-04-paine", saved=saved)
    monkeypatch.setattr(tiktok_upload.TikTokApi, "put", real_put)
    [checkpoint] = saved
    assert checkpoint.endswith(" @brutaria.sibiu") and servers.tiktok.posts == []
    send(publisher(root, tmp_path), "2026-12-04-paine", prior=checkpoint)
    [post] = servers.tiktok.posts
    assert post.video == data and len(servers.tiktok.of("video_init")) == 1
    firsts = [
        int(c.headers["content-range"].split()[1].split("-")[0])
        for c in servers.tiktok.of("upload")
    ]
    assert firsts == [0, 10 * unit, 20 * unit, 30 * unit, 40 * unit, 50 * unit, 60 * unit]


def test_a_task_whose_upload_url_is_elsewhere_is_started_again_safely(root, servers, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        send(publisher(root, tmp_path), "2026-12-04-paine", saved=Saved(crash=True))
    [pending] = servers.tiktok.publishes.values()
    # another machine: no upload URL kept here. That task can never post; a new one does.
    elsewhere = tmp_path / "other-machine"
    (elsewhere / "state").mkdir(parents=True)  # it has the newest refresh token, not the URL
    shutil.copytree(tmp_path / "state/tokens", elsewhere / "state/tokens")
    pub = publisher(root, elsewhere)
    send(pub, "2026-12-04-paine", prior=f"{pending.id} @brutaria.sibiu")
    assert len(servers.tiktok.posts) == 1 and len(servers.tiktok.publishes) == 2
    servers.tiktok.clock = 3601  # the first task's hour is over: TikTok fails it
    servers.tiktok.settle()
    assert pending.status == "FAILED" and len(servers.tiktok.posts) == 1


def test_the_rotated_refresh_token_is_kept_privately_and_used_next(root, servers, tmp_path):
    receipt = send(publisher(root, tmp_path), "2026-12-04-paine")
    assert (
        "TikTok issued a new refresh token; the one in TT_REFRESH no longer works" in receipt.note
    )
    assert TT_REFRESH not in servers.tiktok.refresh_tokens  # rotated: the old one is dead
    [kept] = list((tmp_path / "state/tokens").iterdir())
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert json.loads(kept.read_text())["refresh_token"] in servers.tiktok.refresh_tokens
    servers.tiktok.posts.clear()
    again = send(publisher(root, tmp_path), "2026-12-04-paine")  # the kept token works
    assert again.url and "new refresh token" in again.note


def test_a_dead_refresh_token_asks_for_the_secret(root, servers, tmp_path):
    servers.tiktok.refresh_tokens.clear()
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-paine")
    assert caught.value.kind == REAUTH and "invalid_grant" in caught.value.message
    assert servers.tiktok.of("video_init") == []


def test_a_privacy_level_the_creator_does_not_offer_is_refused_before_init(root, servers, tmp_path):
    servers.tiktok.creators["open-brutaria"].private = True  # offers FOLLOWER_OF_CREATOR
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-paine")
    assert caught.value.kind == FAIL
    assert (
        "privacy PUBLIC_TO_EVERYONE is not one the TikTok creator offers now"
        in caught.value.message
    )
    assert servers.tiktok.of("video_init") == []


def test_an_unaudited_app_says_what_the_audit_would_allow(root, servers, tmp_path):
    servers.tiktok.audited = False
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-paine")
    assert caught.value.kind == FAIL and "not audited this app" in caught.value.message
    assert "unaudited_client_can_only_post_to_private_accounts" in caught.value.message


def test_the_daily_cap_is_left_for_a_later_run(root, servers, tmp_path):
    servers.tiktok.daily_cap = 0
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-paine")
    assert caught.value.kind == RETRY and "daily posting cap" in caught.value.message


def test_a_failed_task_says_why(root, servers, tmp_path):
    servers.tiktok.fail_publish("spam_risk_text")
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-paine")
    assert caught.value.kind == FAIL and "spam_risk_text" in caught.value.message


def photo_post(root, count: int = 2):
    from repohelp import commit, write

    media = "".join(f"  - src: media/cozonac.jpg\n    alt: Poza {i}\n" for i in range(count))
    write(
        root,
        "content/bakery/2026-12-04-vitrina.md",
        "---\ndate: 2026-12-04 11:00\ntype: informative\nplatforms: [tiktok]\ntitle: Vitrina\n"
        f"media:\n{media}tiktok:\n  cover: 2\n  promotion: own_brand\n---\nVitrina de azi, **proaspătă**.\n",
    )
    commit(root, "photos")


def test_a_photo_post_is_pulled_from_the_verified_public_url(root, servers, tmp_path):
    photo_post(root)
    servers.tiktok.verify_prefix(servers.site.url)
    saved = Saved()
    receipt = send(publisher(root, tmp_path), "2026-12-04-vitrina", saved=saved)
    [post] = servers.tiktok.posts
    assert post.kind == "PHOTO" and post.caption == "Vitrina" and post.cover_index == 1
    assert post.description == "Vitrina de azi, proaspătă."
    assert receipt.url.endswith(f"/photo/{post.post_id}")
    assert saved[0] == PENDING and saved[1].startswith("p_pub_url")  # intent before init
    [init] = servers.tiktok.of("content_init")
    assert init.json["post_info"]["brand_organic_toggle"] is True
    assert all(u.startswith(servers.site.url) for u in init.json["source_info"]["photo_images"])


def test_photos_from_an_unverified_host_are_refused_with_what_to_do(root, servers, tmp_path):
    photo_post(root)
    saved = Saved()
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-vitrina", saved=saved)
    assert caught.value.kind == FAIL and "verify the host of media_base_url" in caught.value.message
    assert saved == [PENDING, ""]  # refused, so nothing is pending: a retry is not unknown


def test_a_photo_post_stopped_before_its_publish_id_is_unknown(root, servers, tmp_path):
    photo_post(root)
    with pytest.raises(PublishError) as caught:
        send(publisher(root, tmp_path), "2026-12-04-vitrina", prior=PENDING)
    assert caught.value.kind == UNKNOWN and servers.tiktok.of("content_init") == []


def test_dry_run_payload_touches_no_network(root, servers, tmp_path):
    pub = publisher(root, tmp_path)
    post = next(p for p in pub.repo.posts if p.slug == "2026-12-04-paine")  # type: ignore[attr-defined]
    shown = pub.payload(post, pub.render(post), Attempt("k"))
    assert shown["post_info"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert servers.tiktok.calls == []


def test_doctor_states_the_limits_and_what_the_creator_offers(root, servers, tmp_path):
    found = publisher(root, tmp_path, privacy_levels="SELF_ONLY").doctor()
    text = "\n".join(f"{f.level} {f.message}" for f in found)
    assert (
        "can post only SELF_ONLY (private) videos, to private accounts, and for at most 5 users a day"
        in text
    )
    assert (
        "init 6" in text
        and "creator @brutaria.sibiu (Brutăria) offers privacy PUBLIC_TO_EVERYONE" in text
    )
    assert "warning privacy_levels of tiktok (SELF_ONLY) differ" in text
    assert "warning TikTok rotates refresh tokens: the one in TT_REFRESH was replaced" in text
    assert "access token valid for 2.0 h" in text
    assert not any(f.level == "error" for f in found), text


def test_doctor_says_when_the_account_cannot_be_reached(root, servers, tmp_path):
    servers.tiktok.refresh_tokens.clear()
    found = publisher(root, tmp_path).doctor()
    assert found[-1].level == "error" and "invalid_grant" in found[-1].message
