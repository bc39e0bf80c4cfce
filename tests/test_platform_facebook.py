"""Facebook Pages: every request shape, error code and the crash case, against the loopback
Graph server of tests/servers/meta.py (real HTTP, real multipart, real git for `sync`)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from repohelp import base_env, commit, init_repo, ledger, ledger_text, smmflow, status_rows, write
from servers.meta import JPEG, MetaGraph, jpeg, mp4

from smmflow.content.repo import load
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.facebook import Facebook
from smmflow.platforms.http import FAIL, REAUTH, RETRY, UNKNOWN, Http, Policy, PublishError

PAGE = "104857392016483"
TOKEN = "EAAGfb-page-token-0123456789abcdef"
NOW = "2026-12-10 12:00"

POSTS = {
    "2026-12-04-link": (
        "**Open doors** at the clinic on Saturday: [book a visit](https://clinic.example/book)."
    ),
    "2026-12-05-photo": "One photo of the new room.",
    "2026-12-06-album": "Three photos from the open day.",
    "2026-12-07-video": "A short video tour.",
}
MEDIA = {
    "2026-12-05-photo": [("media/room.jpg", "A bright treatment room with a window")],
    "2026-12-06-album": [
        ("media/a.jpg", "Reception desk"),
        ("media/b.png", "Waiting area"),
        ("media/c.jpg", "Garden"),
    ],
    "2026-12-07-video": [("media/tour.mp4", "Walking through the clinic")],
}


def _post(day: str, body: str, media: list[tuple[str, str]]) -> str:
    front = [f"date: {day} 10:00", "type: informative"]
    if media:
        front.append("media:")
        for src, alt in media:
            front += [f"  - src: {src}", f"    alt: {alt}"]
    return "---\n" + "\n".join(front) + "\n---\n" + body + "\n"


def make_repo(root: Path, api: str, page: str = PAGE) -> Path:
    init_repo(root)
    write(
        root,
        "schedules/clinic.yml",
        "name: Clinic\ntimezone: Europe/Bucharest\nmax_delay: 30d\naccounts:\n"
        f'  facebook: {{page: "{page}", token_env: CLINIC_FB_TOKEN, api: "{api}"}}\n',
    )
    folder = root / "content" / "clinic"
    (folder / "media").mkdir(parents=True)
    for i, name in enumerate(["room.jpg", "a.jpg", "c.jpg"]):
        (folder / "media" / name).write_bytes(jpeg(i))
    (folder / "media" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + jpeg(9)[3:])
    (folder / "media" / "tour.mp4").write_bytes(mp4(3))
    for slug, body in POSTS.items():
        write(root, f"content/clinic/{slug}.md", _post(slug[:10], body, MEDIA.get(slug, [])))
    commit(root, "plan")
    return root


@pytest.fixture
def graph(serve):
    server = serve(MetaGraph())
    server.add_page(PAGE, "Clinica Zambet", TOKEN)
    return server


@pytest.fixture
def repo(tmp_path, graph):
    return load(make_repo(tmp_path / "content-repo", graph.api))


def publisher(repo, token: str = TOKEN, attempts: int = 3) -> Facebook:
    group = repo.groups["clinic"]
    waits: list[float] = []
    http = Http(policy=Policy(attempts=attempts, backoff=0.01, max_wait=120), sleep=waits.append)
    ctx = Context(repo.root, group, http, {"CLINIC_FB_TOKEN": token})
    return Facebook(group.account("facebook"), ctx)


def post_of(repo, slug: str):
    return next(p for p in repo.posts if p.slug == slug)


def send(pub: Facebook, repo, slug: str):
    post = post_of(repo, slug)
    return pub.publish(post, pub.render(post), Attempt("key-" + slug))


# -- what is sent ----------------------------------------------------------------------------
def test_text_post_goes_to_feed_with_message_and_link(repo, graph):
    pub = publisher(repo)
    receipt = send(pub, repo, "2026-12-04-link")
    [post] = graph.live_posts(PAGE)
    assert post["message"] == (
        "Open doors at the clinic on Saturday: book a visit (https://clinic.example/book)."
    )
    assert post["link"] == "https://clinic.example/book"
    assert receipt.remote_id == post["id"] and post["id"].startswith(PAGE + "_")
    assert receipt.url == post["permalink_url"]
    [call] = graph.of("POST", r"/feed$")
    assert call.version == "v27.0"
    assert "access_token" in call.in_body  # never in the URL of a POST
    [read] = graph.of("GET", r"^/\d+_\d+$")  # the permalink, read back
    assert read.params["fields"] == "permalink_url" and read.params["access_token"] == TOKEN


def test_one_photo_is_uploaded_as_multipart_source_with_alt_text(repo, graph):
    pub = publisher(repo)
    receipt = send(pub, repo, "2026-12-05-photo")
    [photo] = graph.photos.values()
    sent = (repo.root / "content/clinic/media/room.jpg").read_bytes()
    assert photo["sha256"] == hashlib.sha256(sent).hexdigest()
    assert photo["name"] == "One photo of the new room."
    assert photo["alt_text_custom"] == "A bright treatment room with a window"
    assert photo["published"] and receipt.remote_id == photo["post_id"]
    [post] = graph.live_posts(PAGE)
    assert post["attached_media"] == [photo["id"]]
    [call] = graph.of("POST", r"/photos$")
    assert call.files["source"][1] == "image/jpeg" and call.files["source"][2].startswith(JPEG)


def test_several_photos_are_uploaded_unpublished_then_attached_in_order(repo, graph):
    pub = publisher(repo)
    receipt = send(pub, repo, "2026-12-06-album")
    uploads = graph.of("POST", r"/photos$")
    assert [c.params["published"] for c in uploads] == ["false"] * 3
    assert [c.params["alt_text_custom"] for c in uploads] == [
        "Reception desk",
        "Waiting area",
        "Garden",
    ]
    [post] = graph.live_posts(PAGE)
    assert post["message"] == "Three photos from the open day."
    photos = [graph.photos[i] for i in post["attached_media"]]
    assert [p["filename"] for p in photos] == ["a.jpg", "b.png", "c.jpg"]
    for photo, name in zip(photos, ["a.jpg", "b.png", "c.jpg"], strict=True):
        sent = (repo.root / "content/clinic/media" / name).read_bytes()
        assert photo["sha256"] == hashlib.sha256(sent).hexdigest()
    [feed] = graph.of("POST", r"/feed$")
    assert json.loads(feed.params["attached_media[0]"]) == {"media_fbid": photos[0]["id"]}
    assert receipt.remote_id == post["id"]


def test_video_is_one_upload_and_its_relative_permalink_becomes_absolute(repo, graph):
    pub = publisher(repo)
    receipt = send(pub, repo, "2026-12-07-video")
    [video] = graph.videos.values()
    sent = (repo.root / "content/clinic/media/tour.mp4").read_bytes()
    assert video["sha256"] == hashlib.sha256(sent).hexdigest()
    assert video["description"] == "A short video tour."
    assert receipt.remote_id == video["id"]
    assert receipt.url == f"https://www.facebook.com/{PAGE}/videos/{video['id']}/"


def test_dry_run_payload_names_the_endpoints_and_touches_nothing(repo, graph):
    pub = publisher(repo)
    post = post_of(repo, "2026-12-06-album")
    payload = pub.payload(post, pub.render(post), Attempt("k"))
    assert payload["POST"][-1] == f"/{PAGE}/feed" and len(payload["photos"]) == 3
    assert graph.calls == []


# -- errors ----------------------------------------------------------------------------------
def test_rate_limit_waits_what_the_usage_header_says_then_publishes(repo, graph):
    graph.fail(
        "POST", r"/feed$", code=32, message="(#32) Page request limit reached", regain_minutes=1
    )
    pub = publisher(repo)
    send(pub, repo, "2026-12-04-link")
    assert pub.ctx.http.waits == [60.0]  # estimated_time_to_regain_access: 1 minute
    assert len(graph.live_posts(PAGE)) == 1


@pytest.mark.parametrize("code", [4, 17, 613, 80001])
def test_rate_limit_without_a_usage_estimate_backs_off(repo, graph, code):
    graph.fail("POST", r"/feed$", code=code, message=f"(#{code}) Too many calls")
    pub = publisher(repo)
    send(pub, repo, "2026-12-04-link")
    [wait] = pub.ctx.http.waits
    assert wait < 1
    assert len(graph.live_posts(PAGE)) == 1


def test_a_long_rate_limit_fails_for_a_later_run(repo, graph):
    graph.fail("POST", r"/feed$", code=80001, message="(#80001) Too many calls", regain_minutes=30)
    pub = publisher(repo)
    with pytest.raises(PublishError) as caught:
        send(pub, repo, "2026-12-04-link")
    assert caught.value.kind == RETRY and "beyond this run's limit" in caught.value.message
    assert graph.live_posts(PAGE) == [] and pub.ctx.http.waits == []


def test_invalid_token_asks_for_a_new_one(repo, graph):
    pub = publisher(repo, token="EAAG-not-a-token-we-know")
    with pytest.raises(PublishError) as caught:
        send(pub, repo, "2026-12-04-link")
    assert caught.value.kind == REAUTH and "190" in caught.value.message


def test_expired_token_is_reauth(repo, graph):
    graph.tokens[TOKEN].expires_at = int(time.time()) - 60
    with pytest.raises(PublishError) as caught:
        send(publisher(repo), repo, "2026-12-04-link")
    assert caught.value.kind == REAUTH and "190/463" in caught.value.message


def test_missing_permission_fails_naming_it(repo, graph):
    graph.tokens[TOKEN].scopes = ("pages_read_engagement",)
    with pytest.raises(PublishError) as caught:
        send(publisher(repo), repo, "2026-12-04-link")
    assert caught.value.kind == FAIL
    assert "pages_manage_posts" in caught.value.message
    assert graph.live_posts(PAGE) == []


def test_duplicate_post_fails_with_facebooks_words(repo, graph):
    pub = publisher(repo)
    send(pub, repo, "2026-12-04-link")
    with pytest.raises(PublishError) as caught:
        send(pub, repo, "2026-12-04-link")
    assert caught.value.kind == FAIL
    assert "Facebook says this is a duplicate" in caught.value.message
    assert len(graph.live_posts(PAGE)) == 1


@pytest.mark.parametrize("code", [1, 2])
def test_server_error_after_the_post_was_made_is_unknown_and_not_resent(repo, graph, code):
    graph.fail("POST", r"/feed$", code=code, status=500, when="after")
    with pytest.raises(PublishError) as caught:
        send(publisher(repo), repo, "2026-12-04-link")
    assert caught.value.kind == UNKNOWN
    assert len(graph.of("POST", r"/feed$")) == 1 and len(graph.live_posts(PAGE)) == 1


def test_connection_reset_after_the_post_was_made_is_unknown(repo, graph):
    graph.fail("POST", r"/photos$", action="reset", when="after")
    with pytest.raises(PublishError) as caught:
        send(publisher(repo), repo, "2026-12-05-photo")
    assert caught.value.kind == UNKNOWN
    assert len(graph.of("POST", r"/photos$")) == 1 and len(graph.live_posts(PAGE)) == 1


def test_service_error_on_a_read_is_retried(repo, graph):
    graph.fail("GET", r"^/\d+_\d+$", code=2, status=500)
    receipt = send(publisher(repo), repo, "2026-12-04-link")
    [post] = graph.live_posts(PAGE)
    assert receipt.url == post["permalink_url"]
    assert len(graph.of("GET", r"^/\d+_\d+$")) == 2


def test_published_post_keeps_an_id_url_when_the_permalink_cannot_be_read(repo, graph):
    for _ in range(3):
        graph.fail("GET", r"^/\d+_\d+$", code=2, status=500)
    receipt = send(publisher(repo), repo, "2026-12-04-link")
    assert receipt.url == f"https://www.facebook.com/{receipt.remote_id}"


def test_delete_removes_the_post_and_is_idempotent(repo, graph):
    pub = publisher(repo)
    receipt = send(pub, repo, "2026-12-04-link")
    pub.delete(Attempt("k", receipt.remote_id))
    assert graph.live_posts(PAGE) == []
    pub.delete(Attempt("k", receipt.remote_id))  # already gone: nothing to do
    [first, second] = graph.of("DELETE", r".")
    assert first.path == second.path == f"/{receipt.remote_id}"


# -- doctor ----------------------------------------------------------------------------------
def test_doctor_reports_the_page_and_its_permissions(repo, graph):
    found = publisher(repo).doctor()
    # The last line is `smmflow metrics`' own: this token cannot read post insights.
    assert [f.level for f in found] == ["ok", "ok", "ok", "warning"], found
    assert "metrics: the token lacks permission read_insights" in found[3].message
    assert "page Clinica Zambet (104857392016483)" in found[1].message
    assert "pages_manage_posts" in found[2].message
    assert graph.of("GET", r"^/debug_token$")[0].params["input_token"] == TOKEN


def test_doctor_warns_a_week_before_the_token_expires(repo, graph):
    graph.tokens[TOKEN].data_access_expires_at = int(time.time()) + 3 * 86400
    found = publisher(repo).doctor()
    [warning] = [f for f in found if f.level == "warning" and "metrics" not in f.message]
    assert "data access expires" in warning.message and "in 3.0 days" in warning.message


def test_doctor_names_missing_permissions(repo, graph):
    graph.tokens[TOKEN].scopes = ("pages_show_list",)
    found = publisher(repo).doctor()
    [error] = [f for f in found if f.level == "error"]
    assert "pages_manage_posts, pages_read_engagement" in error.message


def test_doctor_says_when_the_token_is_for_another_page(repo, graph):
    graph.add_page("999", "Someone Else", "EAAG-other-page-token")
    found = publisher(repo, token="EAAG-other-page-token").doctor()
    [error] = [f for f in found if f.level == "error"]
    assert "Someone Else (999), not page 104857392016483" in error.message


def test_doctor_with_a_bad_token_or_none(repo, graph):
    found = publisher(repo, token="EAAG-not-a-token-we-know").doctor()
    assert found[-1].level == "error" and "does not work" in found[-1].message
    found = publisher(repo, token="").doctor()
    assert [f.level for f in found] == ["error"] and "CLINIC_FB_TOKEN" in found[0].message


# -- smmflow sync end to end -----------------------------------------------------------------
def sync_env(**extra: str) -> dict[str, str]:
    return base_env(CLINIC_FB_TOKEN=TOKEN, **extra)


def test_sync_publishes_each_post_once_and_records_its_url(tmp_path, graph):
    root = make_repo(tmp_path / "c", graph.api)
    result = smmflow(root, "sync", "--now", NOW, env=sync_env())
    assert result.code == 0, str(result)
    records = ledger(root)
    posts = graph.live_posts(PAGE)
    assert len(posts) == 3  # the video is not a feed post
    assert len(graph.videos) == 1
    assert {r["state"] for r in records.values()} == {"published"}
    urls = {r["url"] for r in records.values()}
    assert {p["permalink_url"] for p in posts} <= urls
    again = smmflow(root, "sync", "--now", NOW, env=sync_env())
    assert again.code == 0, str(again)
    assert len(graph.live_posts(PAGE)) == 3 and len(graph.videos) == 1
    everything = ledger_text(root) + result.out + result.err + again.out + again.err
    assert TOKEN not in everything


def test_crash_after_sending_leaves_unknown_for_a_person(tmp_path, graph):
    root = make_repo(tmp_path / "c", graph.api)
    for slug in list(POSTS)[1:]:
        (root / "content/clinic" / f"{slug}.md").unlink()
    commit(root, "one post")
    crashed = smmflow(root, "sync", "--now", NOW, env=sync_env(SMMFLOW_CRASH_AT="after-send:1"))
    assert crashed.code == -9, str(crashed)
    assert len(graph.live_posts(PAGE)) == 1  # it went out before the crash

    resumed = smmflow(root, "sync", "--now", NOW, env=sync_env())
    assert resumed.code == 3, str(resumed)  # a person must look
    assert len(graph.of("POST", r"/feed$")) == 1, "an unknown outcome was sent again"
    assert len(graph.live_posts(PAGE)) == 1
    pair = ("clinic/2026-12-04-link", "facebook")
    assert ledger(root)[pair]["state"] == "unknown"
    row = status_rows(root, NOW, env=sync_env())[pair]
    assert row["state"] == "unknown"
    assert "check facebook" in row["detail"]
    assert "smmflow resolve clinic/2026-12-04-link facebook --published URL" in row["detail"]

    settled = smmflow(
        root,
        "resolve",
        "clinic/2026-12-04-link",
        "facebook",
        "--published",
        graph.live_posts(PAGE)[0]["permalink_url"],
        env=sync_env(),
    )
    assert settled.code == 0, str(settled)
    final = smmflow(root, "sync", "--now", NOW, env=sync_env())
    assert final.code == 0, str(final)
    assert len(graph.of("POST", r"/feed$")) == 1


def test_withdrawn_post_is_deleted_from_the_page(tmp_path, graph):
    root = make_repo(tmp_path / "c", graph.api)
    assert smmflow(root, "sync", "--now", NOW, env=sync_env()).code == 0
    path = root / "content/clinic/2026-12-04-link.md"
    path.write_text(
        path.read_text().replace("type: informative", "type: informative\nstatus: withdrawn")
    )
    commit(root, "withdraw")
    result = smmflow(root, "sync", "--now", NOW, env=sync_env())
    assert result.code == 0, str(result)
    assert len(graph.live_posts(PAGE)) == 2
    assert ledger(root)[("clinic/2026-12-04-link", "facebook")]["state"] == "withdrawn"


def test_doctor_command_reads_the_account(tmp_path, graph):
    root = make_repo(tmp_path / "c", graph.api)
    result = smmflow(root, "doctor", "--format", "json", env=sync_env())
    assert result.code == 0, str(result)
    lines = result.json
    assert any("page Clinica Zambet" in line["message"] for line in lines)
    assert TOKEN not in result.out + result.err
