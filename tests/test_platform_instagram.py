"""Instagram: containers, public media URLs, resuming from the checkpointed container, and
the two crash cases, against the loopback Graph server of tests/servers/meta.py. That
server downloads every image_url from a loopback static site, as Instagram's crawler does."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from repohelp import base_env, commit, init_repo, ledger, ledger_text, smmflow, status_rows, write
from servers.meta import MetaGraph, StaticSite, jpeg, mp4

from smmflow.content.repo import load
from smmflow.platforms import feedsite
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.http import FAIL, RETRY, UNKNOWN, Http, Policy, PublishError
from smmflow.platforms.instagram import Instagram

USER = "17841405822304914"
TOKEN = "EAAGig-user-token-fedcba9876543210"
NOW = "2026-12-10 12:00"
SINGLE, CAROUSEL, REEL = "2026-12-04-cozonac", "2026-12-05-vitrina", "2026-12-06-reel"


class Crash(Exception):
    """Stands for the process dying right after the checkpoint was saved."""


def _post(day: str, body: str, media: list[tuple[str, str]], extra: str = "") -> str:
    front = [f"date: {day} 10:00", "type: informative", *filter(None, [extra])]
    front.append("media:")
    for src, alt in media:
        front += [f"  - src: {src}", f"    alt: {alt}"]
    return "---\n" + "\n".join(front) + "\n---\n" + body + "\n"


def make_repo(root: Path, api: str, media_base: str | None, feed_base: str | None = None):
    init_repo(root)
    ig = f'user: "{USER}", token_env: BAKERY_IG_TOKEN, api: "{api}"'
    if media_base is not None:
        ig += f', media_base_url: "{media_base}"'
    feed = f'{{base_url: "{feed_base}"}}' if feed_base else "{}"
    write(
        root,
        "schedules/bakery.yml",
        "name: Bakery\ntimezone: Europe/Bucharest\nmax_delay: 30d\naccounts:\n"
        f"  feed: {feed}\n  instagram: {{{ig}}}\n",
    )
    media = root / "content" / "bakery" / "media"
    media.mkdir(parents=True)
    for i, name in enumerate(["cozonac.jpg", "vitrina 1.jpg", "vitrina-2.jpg", "vitrina-3.jpg"]):
        (media / name).write_bytes(jpeg(i))
    (media / "reel.mp4").write_bytes(mp4(7))
    posts = {
        SINGLE: (
            "**Cozonac** cu nucă, ca la bunica. Comenzi: [aici](https://example.ro/c) #craciun",
            [("media/cozonac.jpg", "Cozonac pe masă")],
        ),
        CAROUSEL: (
            "Vitrina de azi, în trei poze.",
            [
                ("media/vitrina 1.jpg", "Vitrina, stânga"),
                ("media/vitrina-2.jpg", "Vitrina, mijloc"),
                ("media/vitrina-3.jpg", "Vitrina, dreapta"),
            ],
        ),
        REEL: ("Cum se împletește cozonacul.", [("media/reel.mp4", "Mâini care împletesc")]),
    }
    for slug, (body, items) in posts.items():
        write(root, f"content/bakery/{slug}.md", _post(slug[:10], body, items))
    commit(root, "plan")
    return root


@pytest.fixture
def graph(serve):
    server = serve(MetaGraph())
    server.add_ig_user(USER, "brutariadulce", TOKEN)
    return server


@pytest.fixture
def site(tmp_path, serve):
    (tmp_path / "www").mkdir()
    return serve(StaticSite(tmp_path / "www"))


@pytest.fixture
def root(tmp_path, graph, site):
    # The static site serves tmp_path/www; the content repository lives inside it, so
    # content/bakery/ has a public URL, like raw.githubusercontent.com would give.
    return make_repo(tmp_path / "www" / "repo", graph.api, f"{site.url}/repo/content/bakery")


class Saved:
    """The engine's side of `checkpoint`: what was saved, in order, and when."""

    def __init__(self, graph: MetaGraph, crash: bool = False):
        self.graph, self.crash, self.ids, self.at_call = graph, crash, [], []

    def __call__(self, remote_id: str) -> None:
        self.ids.append(remote_id)
        self.at_call.append(len(self.graph.calls))
        if self.crash:
            raise Crash(remote_id)


def publisher(root: Path, *, token: str = TOKEN, prior: str = "", graph=None, crash=False):
    repo = load(root)
    group = repo.groups["bakery"]
    waits: list[float] = []
    http = Http(policy=Policy(attempts=3, backoff=0.01, max_wait=120), sleep=waits.append)
    pub = Instagram(
        group.account("instagram"), Context(root, group, http, {"BAKERY_IG_TOKEN": token})
    )
    pub.prior = prior  # type: ignore[attr-defined]  # what a stopped run left (Attempt.remote_id)
    pub.saved = Saved(graph, crash) if graph is not None else (lambda rid: None)  # type: ignore[attr-defined]
    pub.repo = repo  # type: ignore[attr-defined]
    pub.sleeps = waits  # type: ignore[attr-defined]  # every sleep, polls included
    return pub


def send(pub: Instagram, slug: str):
    post = next(p for p in pub.repo.posts if p.slug == slug)  # type: ignore[attr-defined]
    attempt = Attempt("key-" + slug, pub.prior, pub.saved)  # type: ignore[attr-defined]
    return pub.publish(post, pub.render(post), attempt)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- what is sent ----------------------------------------------------------------------------
def test_single_image_container_then_publish(root, graph, site):
    pub = publisher(root, graph=graph)
    receipt = send(pub, SINGLE)
    [box] = graph.containers.values()
    url = f"{site.url}/repo/content/bakery/media/cozonac.jpg"
    assert graph.fetched == [url]  # Instagram's side downloaded it from the public URL
    assert box["sha256"] == [sha(root / "content/bakery/media/cozonac.jpg")]
    assert (
        box["caption"]
        == "Cozonac cu nucă, ca la bunica. Comenzi: aici (https://example.ro/c) #craciun"
    )
    assert box["alt_text"] == "Cozonac pe masă"
    [media] = graph.live_media(USER)
    assert media["container"] == box["id"] and media["caption"] == box["caption"]
    assert receipt.remote_id == media["id"] and receipt.url == media["permalink"]
    # The container id was saved before media_publish was called.
    [publish] = graph.of("POST", r"/media_publish$")
    assert publish.params["creation_id"] == box["id"]
    assert pub.saved.ids[0].split(":")[0] == box["id"]
    assert pub.saved.at_call[0] < graph.calls.index(publish)
    assert publish.version == "v27.0" and "access_token" in publish.in_body


def test_carousel_children_then_parent(root, graph, site):
    pub = publisher(root, graph=graph)
    send(pub, CAROUSEL)
    [media] = graph.live_media(USER)
    assert media["media_type"] == "CAROUSEL_ALBUM"
    names = ["vitrina 1.jpg", "vitrina-2.jpg", "vitrina-3.jpg"]
    assert media["sha256"] == [sha(root / "content/bakery/media" / n) for n in names]
    assert media["children_alt"] == ["Vitrina, stânga", "Vitrina, mijloc", "Vitrina, dreapta"]
    children = graph.of("POST", r"/media$")[:3]
    assert all(c.params["is_carousel_item"] == "true" for c in children)
    assert children[0].params["image_url"].endswith("/media/vitrina%201.jpg")
    parent = graph.of("POST", r"/media$")[3]
    assert parent.params["media_type"] == "CAROUSEL"
    assert parent.params["children"] == ",".join(media["children"])
    assert pub.saved.ids[0].split(":")[0] == media["container"]  # the parent


def test_reel_waits_until_the_video_is_processed(root, graph, site):
    pub = publisher(root, graph=graph)
    send(pub, REEL)
    [box] = graph.containers.values()
    assert box["media_type"] == "REELS" and box["alt_text"] == ""  # Reels take no alt text
    assert box["sha256"] == [sha(root / "content/bakery/media/reel.mp4")]
    assert len(pub.sleeps) == graph.video_polls  # one wait per IN_PROGRESS read
    [call] = graph.of("POST", r"/media$")
    assert call.params["share_to_feed"] == "true" and "video_url" in call.params
    assert len(graph.live_media(USER)) == 1


def test_unreachable_media_url_is_graphs_download_error(tmp_path, graph, site):
    root = make_repo(tmp_path / "www" / "repo", graph.api, f"{site.url}/nowhere")
    with pytest.raises(PublishError) as caught:
        send(publisher(root), SINGLE)
    # Retryable: the usual cause is a site not deployed yet, or a setting fixed later.
    assert caught.value.kind == RETRY
    assert "9004/2207052" in caught.value.message
    assert "Media download has failed" in caught.value.message
    assert graph.fetched == [f"{site.url}/nowhere/media/cozonac.jpg"] * 3  # 3 attempts
    assert graph.containers == {} and graph.media == {}


def test_without_a_public_url_nothing_is_sent(tmp_path, graph):
    root = make_repo(tmp_path / "repo", graph.api, None)
    pub = publisher(root)
    with pytest.raises(PublishError) as caught:
        send(pub, SINGLE)
    assert caught.value.kind == RETRY  # fixed in the group file, the next run publishes it
    assert "media_base_url" in caught.value.message and "feed" in caught.value.message
    assert graph.calls == []
    post = next(p for p in pub.repo.posts if p.slug == SINGLE)
    assert "media_base_url" in pub.payload(post, pub.render(post), Attempt("k"))["error"]


def test_the_feed_site_serves_the_media_when_no_media_base_url(tmp_path, graph, site):
    base = f"{site.url}/public"
    root = make_repo(tmp_path / "repo", graph.api, None, feed_base=base)
    pub = publisher(root)
    post = next(p for p in pub.repo.posts if p.slug == SINGLE)
    feedsite.write_post(tmp_path / "www" / "public", pub.repo.groups["bakery"], post, base)
    send(pub, SINGLE)
    assert graph.fetched == [feedsite.media_url("bakery", "media/cozonac.jpg", base)]
    assert len(graph.live_media(USER)) == 1


def test_the_feed_site_is_no_help_when_the_post_does_not_go_there(tmp_path, graph, site):
    root = make_repo(tmp_path / "repo", graph.api, None, feed_base=f"{site.url}/public")
    path = root / "content/bakery" / f"{SINGLE}.md"
    path.write_text(
        path.read_text().replace("type: informative", "type: informative\nplatforms: [instagram]")
    )
    with pytest.raises(PublishError) as caught:
        send(publisher(root), SINGLE)
    assert "does not go to it" in caught.value.message and graph.calls == []


# -- resuming from the checkpoint ------------------------------------------------------------
def crashed_after_checkpoint(root, graph) -> str:
    pub = publisher(root, graph=graph, crash=True)
    with pytest.raises(Crash):
        send(pub, SINGLE)
    [saved] = pub.saved.ids
    assert graph.of("POST", r"/media_publish$") == []
    return saved


def test_resume_publishes_the_same_finished_container(root, graph):
    saved = crashed_after_checkpoint(root, graph)
    container = saved.split(":")[0]
    receipt = send(publisher(root, prior=saved, graph=graph), SINGLE)
    assert len(graph.of("POST", r"/media$")) == 1, "a second container was made"
    [media] = graph.live_media(USER)
    assert media["container"] == container and receipt.remote_id == media["id"]


def test_resume_after_publish_finds_the_post_and_publishes_nothing(root, graph):
    first = publisher(root, graph=graph)
    receipt = send(first, SINGLE)
    [saved] = first.saved.ids
    again = send(publisher(root, prior=saved, graph=graph), SINGLE)
    assert again == receipt
    assert len(graph.of("POST", r"/media_publish$")) == 1
    assert len(graph.of("POST", r"/media$")) == 1
    assert len(graph.live_media(USER)) == 1


@pytest.mark.parametrize("state", ["EXPIRED", "ERROR"])
def test_resume_with_a_dead_container_makes_a_new_one(root, graph, state):
    saved = crashed_after_checkpoint(root, graph)
    graph.set_container(saved.split(":")[0], state)
    send(publisher(root, prior=saved, graph=graph), SINGLE)
    assert len(graph.of("POST", r"/media$")) == 2
    [media] = graph.live_media(USER)
    assert media["container"] != saved.split(":")[0]


def test_resume_never_publishes_a_container_made_for_an_older_text(root, graph):
    saved = crashed_after_checkpoint(root, graph)
    path = root / "content/bakery" / f"{SINGLE}.md"
    path.write_text(path.read_text().replace("ca la bunica", "ca la mama"))
    send(publisher(root, prior=saved, graph=graph), SINGLE)
    [media] = graph.live_media(USER)
    assert "ca la mama" in media["caption"]
    old = graph.containers[saved.split(":")[0]]
    assert old["status_code"] != "PUBLISHED" and not old["published_as"]  # left to expire


def test_a_remote_id_that_is_no_container_of_ours_is_ignored(root, graph):
    send(publisher(root, prior="https://www.instagram.com/p/abc/", graph=graph), SINGLE)
    assert len(graph.live_media(USER)) == 1
    assert not graph.of("GET", r"^/https")


# -- media_publish in doubt ------------------------------------------------------------------
def test_server_error_after_publishing_reads_the_container_and_finds_the_post(root, graph):
    graph.fail("POST", r"/media_publish$", code=2, status=500, when="after")
    receipt = send(publisher(root, graph=graph), SINGLE)
    [media] = graph.live_media(USER)
    assert receipt.remote_id == media["id"] and receipt.url == media["permalink"]
    assert len(graph.of("POST", r"/media_publish$")) == 1


def test_reset_before_publishing_reads_the_container_and_publishes_it_once(root, graph):
    graph.fail("POST", r"/media_publish$", action="reset")
    send(publisher(root, graph=graph), SINGLE)
    assert len(graph.of("POST", r"/media_publish$")) == 2
    assert len(graph.live_media(USER)) == 1


def test_not_ready_is_waited_out(root, graph):
    graph.fail(
        "POST", r"/media_publish$", code=9007, subcode=2207027, message="Media ID is not available"
    )
    send(publisher(root, graph=graph), SINGLE)
    assert len(graph.live_media(USER)) == 1


def test_doubt_that_cannot_be_settled_now_is_left_to_the_next_run(root, graph):
    graph.polls = 0
    graph.fail("POST", r"/media_publish$", code=2, status=500)
    # The first status read (waiting for FINISHED) works; the reads after the doubt do not.
    for skip in (1, 0, 0):
        graph.fail("GET", r"^/\d+$", code=2, status=500, skip=skip)
    pub = publisher(root, graph=graph)
    with pytest.raises(PublishError) as caught:
        send(pub, SINGLE)
    # Not UNKNOWN: the container id is in the ledger, so the next run can check it.
    assert caught.value.kind == RETRY and "checks container" in caught.value.message
    send(publisher(root, prior=pub.saved.ids[0], graph=graph), SINGLE)
    assert len(graph.live_media(USER)) == 1


def test_published_container_whose_post_cannot_be_found_is_for_a_person(root, graph):
    first = publisher(root, graph=graph)
    send(first, SINGLE)
    graph.media.clear()  # deleted by hand in the app meanwhile
    with pytest.raises(PublishError) as caught:
        send(publisher(root, prior=first.saved.ids[0], graph=graph), SINGLE)
    assert caught.value.kind == UNKNOWN and "no post with this caption" in caught.value.message
    assert len(graph.of("POST", r"/media_publish$")) == 1


# -- limits and refusals ---------------------------------------------------------------------
def test_spent_publishing_quota_makes_no_container(root, graph):
    graph.ig_users[USER]["quota_total"] = 1
    send(publisher(root), SINGLE)
    with pytest.raises(PublishError) as caught:
        send(publisher(root), REEL)
    assert caught.value.kind == RETRY and "1 of 1 posts" in caught.value.message
    assert len(graph.containers) == 1


def test_quota_refusal_from_media_publish_is_retried_later(root, graph):
    graph.fail(
        "POST",
        r"/media_publish$",
        code=9,
        subcode=2207042,
        message="Application request limit reached",
    )
    pub = publisher(root, graph=graph)
    with pytest.raises(PublishError) as caught:
        send(pub, SINGLE)
    assert caught.value.kind == RETRY and "2207042" in caught.value.message
    assert "beyond this run's limit" in caught.value.message  # an hour, not seconds
    # The next run publishes the container it already made.
    send(publisher(root, prior=pub.saved.ids[0], graph=graph), SINGLE)
    assert len(graph.containers) == 1 and len(graph.live_media(USER)) == 1


def test_business_use_case_rate_limit_waits_its_estimate(root, graph):
    graph.fail("POST", r"/media$", code=80002, message="(#80002) Too many calls", regain_minutes=2)
    pub = publisher(root)
    send(pub, SINGLE)
    assert pub.ctx.http.waits == [120.0]
    assert len(graph.live_media(USER)) == 1


def test_missing_publish_permission_fails(root, graph):
    graph.tokens[TOKEN].scopes = ("instagram_basic",)
    with pytest.raises(PublishError) as caught:
        send(publisher(root), SINGLE)
    assert caught.value.kind == FAIL and "permission" in caught.value.message
    assert graph.media == {}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("Error: 2207003 It takes too long to download the media.", RETRY),
        ("Error: 2207026 unsupported", FAIL),
    ],
)
def test_container_error_while_waiting(root, graph, status, kind):
    graph.polls = 5
    pub = publisher(root, graph=graph)

    def broken(remote_id: str) -> None:
        graph.set_container(remote_id.split(":")[0], "ERROR", status)

    pub.saved = broken
    with pytest.raises(PublishError) as caught:
        send(pub, SINGLE)
    assert caught.value.kind == kind and status in caught.value.message


def test_instagram_cannot_delete(root, graph):
    assert Instagram.can_delete is False
    with pytest.raises(PublishError):
        publisher(root).delete(Attempt("k", "123"))


# -- doctor ----------------------------------------------------------------------------------
def test_doctor_reports_user_quota_and_permissions(root, graph):
    found = publisher(root).doctor()
    # The last line is `smmflow metrics`' own: this token cannot read media insights.
    assert [f.level for f in found] == ["ok"] * 4 + ["warning"], found
    assert "metrics: the token lacks permission instagram_manage_insights" in found[4].message
    assert found[1].message == f"@brutariadulce ({USER})"
    assert found[2].message == (
        "publishing quota: 0 of 100 posts published in the last 24 hours, 100 left"
    )
    assert "instagram_content_publish" in found[3].message


def test_doctor_errors_without_a_media_url_and_warns_on_spent_quota(tmp_path, graph):
    root = make_repo(tmp_path / "repo", graph.api, None)
    graph.ig_users[USER]["quota_total"] = 1
    graph.media["1"] = {"id": "1", "user": USER, "created": time.time()}  # today's one post
    graph.tokens[TOKEN].expires_at = int(time.time()) + 86400
    levels = {f.message.split(":")[0]: f.level for f in publisher(root).doctor()}
    assert levels["no public URL for media"] == "error"
    assert levels["publishing quota spent"] == "warning"
    assert any(k.startswith("the token expires on") for k in levels)


# -- smmflow sync end to end -----------------------------------------------------------------
def sync_env(**extra: str) -> dict[str, str]:
    return base_env(BAKERY_IG_TOKEN=TOKEN, **extra)


def only(root: Path, slug: str) -> None:
    for path in (root / "content/bakery").glob("*.md"):
        if path.stem != slug:
            path.unlink()
    commit(root, f"only {slug}")


def test_sync_publishes_once_and_records_the_permalink(root, graph):
    result = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env())
    assert result.code == 0, str(result)
    assert len(graph.live_media(USER)) == 3
    records = ledger(root)
    assert {r["url"] for r in records.values()} == {m["permalink"] for m in graph.media.values()}
    assert {r["remote_id"] for r in records.values()} == set(graph.media)
    again = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env())
    assert again.code == 0 and len(graph.live_media(USER)) == 3
    assert TOKEN not in ledger_text(root) + result.out + result.err


def test_crash_after_sending_resumes_to_exactly_one_post(root, graph):
    only(root, SINGLE)
    env = sync_env(SMMFLOW_CRASH_AT="after-send:1")
    crashed = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=env)
    assert crashed.code == -9, str(crashed)
    assert len(graph.live_media(USER)) == 1
    pair = (f"bakery/{SINGLE}", "instagram")
    assert ledger(root)[pair]["state"] == "claimed"

    resumed = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env())
    assert resumed.code == 0, str(resumed)
    [media] = graph.live_media(USER)
    record = ledger(root)[pair]
    assert record["state"] == "published" and record["remote_id"] == media["id"]
    assert record["url"] == media["permalink"]
    assert len(graph.of("POST", r"/media_publish$")) == 1
    assert len(graph.of("POST", r"/media$")) == 1


def test_crash_between_container_and_publish_publishes_that_container_once(root, graph):
    only(root, SINGLE)
    # The first ledger write after the claim is the checkpoint: die right after it.
    env = sync_env(SMMFLOW_CRASH_AT="after-record:1")
    crashed = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=env)
    assert crashed.code == -9, str(crashed)
    [container] = graph.containers
    assert graph.media == {} and graph.of("POST", r"/media_publish$") == []
    pair = (f"bakery/{SINGLE}", "instagram")
    saved = ledger(root)[pair]
    assert saved["state"] == "claimed" and saved["remote_id"].startswith(container + ":")

    resumed = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env())
    assert resumed.code == 0, str(resumed)
    [media] = graph.live_media(USER)
    assert media["container"] == container
    assert list(graph.containers) == [container]
    assert len(graph.of("POST", r"/media_publish$")) == 1
    assert ledger(root)[pair]["state"] == "published"


def test_withdrawn_post_is_left_for_a_person_to_delete(root, graph):
    only(root, SINGLE)
    assert smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env()).code == 0
    path = root / "content/bakery" / f"{SINGLE}.md"
    path.write_text(
        path.read_text().replace("type: informative", "type: informative\nstatus: withdrawn")
    )
    commit(root, "withdraw")
    result = smmflow(root, "sync", "--now", NOW, "--account", "instagram", env=sync_env())
    assert result.code == 3, str(result)
    assert len(graph.live_media(USER)) == 1
    [media] = graph.live_media(USER)
    record = ledger(root)[(f"bakery/{SINGLE}", "instagram")]
    assert record["state"] == "withdrawn" and media["permalink"] in record["error"]
    assert graph.of("DELETE", r".") == []
    row = status_rows(root, NOW, env=sync_env())[(f"bakery/{SINGLE}", "instagram")]
    assert row["state"] == "withdrawn"


def test_dry_run_shows_the_urls_instagram_would_fetch_and_sends_nothing(root, graph, site):
    only(root, CAROUSEL)
    result = smmflow(
        root, "sync", "--now", NOW, "--account", "instagram", "--dry-run", env=sync_env()
    )
    assert result.code == 0, str(result)
    assert f"{site.url}/repo/content/bakery/media/vitrina%201.jpg" in result.out
    assert '"alt_text": "Vitrina, mijloc"' in result.out
    assert graph.calls == [] and ledger(root) == {}
