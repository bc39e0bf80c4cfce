"""The Mastodon publisher, against two real HTTP servers on loopback.

1. tests/servers/mastodon.py: our own instance that behaves as Mastodon's code does
   (Idempotency-Key kept an hour per account, 503 for a concurrent duplicate, 429 with an
   ISO 8601 `X-RateLimit-Reset`, media processed asynchronously), with injectable faults.
2. mastodon-mock (PyPI): a third-party, stateful Mastodon API server, for the happy path:
   publish, read back, publish again with the same key, delete; and a crash after send.

The end-to-end tests run `smmflow sync` as a subprocess on real git repositories.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from repohelp import base_env, commit, group_yaml, init_repo, ledger, smmflow, write
from servers.mastodon import RACE, MastodonServer, Token

from smmflow.model import Account, Group, Media, Post
from smmflow.platforms import mastodon_api as api
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.http import FAIL, REAUTH, RETRY, UNKNOWN, Http, Policy, PublishError
from smmflow.platforms.mastodon import Mastodon
from smmflow.platforms.secrets import Redactor

PROJECT = Path(__file__).resolve().parents[1]
JPEG = PROJECT / "content" / "brutaria-dulce" / "media" / "aluat-cozonac.jpg"
TOKEN = "good-token"
NOW = "2026-12-15 12:00"


# -- building blocks -----------------------------------------------------------------------
@pytest.fixture
def server(serve):
    return serve(MastodonServer())


def _post(tmp_path: Path, body: str = "Cozonac **cald**, azi.", images: int = 0) -> Post:
    media = []
    for i in range(images):
        file = tmp_path / f"photo-{i}.jpg"
        shutil.copyfile(JPEG, file)
        media.append(Media(f"media/photo-{i}.jpg", f"Alt text {i}: cozonac pe masă", file, 1310))
    return Post(
        "content/bakery/2026-12-15-cozonac.md",
        "bakery",
        dt.datetime(2026, 12, 15, 10, tzinfo=dt.timezone.utc),
        "sales",
        ("masto",),
        media=tuple(media),
        body=body,
    )


class Made:
    """A publisher wired to a server, with the waits it took and the checkpoints it saved."""

    def __init__(self, instance: str, token: str = TOKEN, sleep=None, policy=None, **settings):
        self.waits: list[float] = []
        self.checkpoints: list[str] = []
        values = {"instance": instance, "token_env": "MASTO_TOKEN", **settings}
        self.account = Account("masto", "mastodon", tuple(values.items()))
        group = Group(
            "bakery", "Bakery", "Europe/Bucharest", "schedules/bakery.yml", (self.account,)
        )
        redact = Redactor([token])
        self.http = Http(
            redact,
            policy or Policy(attempts=4, backoff=0.01, max_wait=120),
            sleep or self.waits.append,
        )
        ctx = Context(PROJECT, group, self.http, {"MASTO_TOKEN": token}, redact)
        self.publisher = Mastodon(self.account, ctx)

    def publish(self, post: Post, key: str = "key-1", prior: str = ""):
        attempt = Attempt(key, prior, self.checkpoints.append)
        return self.publisher.publish(post, self.publisher.render(post), attempt)


def _fails(kind: str, call, *args, **kwargs) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call(*args, **kwargs)
    assert caught.value.kind == kind, caught.value.message
    return caught.value


# -- publishing ----------------------------------------------------------------------------
def test_publish_sends_the_text_the_key_and_the_settings(server, tmp_path):
    made = Made(server.url, visibility="unlisted", language="ro")
    receipt = made.publish(_post(tmp_path, "Cozonac **cald** [aici](https://example.ro/c)"))

    [hit] = server.of("/api/v1/statuses")
    assert hit.headers["Idempotency-Key"] == "key-1"
    assert hit.headers["Authorization"] == f"Bearer {TOKEN}"
    form = dict(hit.form)
    assert form["status"] == "Cozonac cald aici (https://example.ro/c)"
    assert (form["visibility"], form["language"]) == ("unlisted", "ro")
    [status] = server.live()
    assert receipt.remote_id == status["id"]
    assert receipt.url == status["url"] == f"{server.url}/@bakery/{status['id']}"


def test_the_same_key_gets_the_first_status_back(server, tmp_path):
    made = Made(server.url)
    first = made.publish(_post(tmp_path))
    again = made.publish(_post(tmp_path, "an edited text, same key"))
    assert again == first
    assert len(server.created) == 1 and len(server.of("/api/v1/statuses")) == 2
    other = made.publish(_post(tmp_path), key="key-2")
    assert other.remote_id != first.remote_id and len(server.created) == 2


def test_images_are_uploaded_with_their_alt_text_and_attached_in_order(server, tmp_path):
    made = Made(server.url)
    post = _post(tmp_path, images=3)
    made.publish(post)

    uploads = server.of("/api/v2/media")
    assert [
        dict((k, v) for k, v in h.form if k == "description")["description"] for h in uploads
    ] == [m.alt for m in post.media]
    assert all(h.headers["Content-Type"].startswith("multipart/form-data") for h in uploads)
    assert [v[1] for h in uploads for k, v in h.form if k == "file"] == ["image/jpeg"] * 3
    assert server.of("/api/v1/media/", "GET") == []  # answered 200 with a url: nothing to wait for
    [hit] = server.of("/api/v1/statuses")
    ids = [v for k, v in hit.form if k == "media_ids[]"]
    [status] = server.live()
    assert [m["id"] for m in status["media_attachments"]] == ids
    assert [m["description"] for m in status["media_attachments"]] == [m.alt for m in post.media]
    # The media ids were saved before the status was sent, bound to this key and these files.
    [saved] = made.checkpoints
    assert saved.startswith("media:") and saved.endswith(":" + ",".join(ids))


def test_media_still_processing_is_polled_until_it_has_a_url(server, tmp_path):
    server.processing = 3  # 202 on upload, then 206 three times, then 200
    made = Made(server.url)
    receipt = made.publish(_post(tmp_path, images=1))

    polls = server.of("/api/v1/media/", "GET")
    assert [h.status for h in polls] == [206, 206, 206, 200]
    assert made.waits == list(Mastodon.media_waits[:3])
    assert server.live()[0]["id"] == receipt.remote_id


def test_media_that_never_finishes_is_retryable_and_nothing_is_posted(
    server, tmp_path, monkeypatch
):
    server.processing = 1000
    monkeypatch.setattr(Mastodon, "media_waits", (0.5, 0.5, 1.0))
    made = Made(server.url)
    error = _fails(RETRY, made.publish, _post(tmp_path, images=1))
    assert "still being processed after 2s" in error.message
    assert len(server.of("/api/v1/media/", "GET")) == 4  # bounded: one look per wait, plus one
    assert made.waits == [0.5, 0.5, 1.0]
    assert server.of("/api/v1/statuses") == [] and server.live() == []


def test_a_429_waits_until_x_ratelimit_reset(server, tmp_path):
    server.reset_in = 2.0
    server.fail("statuses", "429")
    made = Made(server.url)
    made.publish(_post(tmp_path))

    first, second = server.of("/api/v1/statuses")
    assert first.status == 429 and second.status == 200
    assert second.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
    [wait] = made.waits
    assert 1.0 < wait <= 2.0, wait  # reset − now, read from the ISO 8601 header
    assert len(server.created) == 1


def test_a_rate_limit_longer_than_the_run_allows_is_left_for_the_next_run(server, tmp_path):
    server.limit = (2, 3 * 3600)  # Mastodon's status limit, scaled down: 2 per 3 hours
    made = Made(server.url)
    made.publish(_post(tmp_path), key="a")
    made.publish(_post(tmp_path), key="b")
    error = _fails(RETRY, made.publish, _post(tmp_path), key="c")
    assert "rate limited" in error.message and "beyond this run's limit" in error.message
    assert made.waits == [] and len(server.created) == 2
    reset = server.of("/api/v1/statuses")[-1]
    assert reset.status == 429


def test_a_401_asks_for_new_credentials_and_never_shows_the_token(server, tmp_path):
    made = Made(server.url, token="revoked-token-value")
    error = _fails(REAUTH, made.publish, _post(tmp_path))
    assert "The access token is invalid" in error.message
    assert "revoked-token-value" not in error.message
    assert len(server.of("/api/v1/statuses")) == 1  # not retried


def test_a_token_without_write_media_is_refused_on_upload(server, tmp_path):
    server.tokens["no-media"] = Token("bakery", scopes=("read", "write:statuses"))
    made = Made(server.url, token="no-media")
    error = _fails(REAUTH, made.publish, _post(tmp_path, images=1))
    assert "outside the authorized scopes" in error.message
    assert server.live() == []


def test_a_422_fails_with_mastodons_own_message(server, tmp_path):
    made = Made(server.url)
    error = _fails(FAIL, made.publish, _post(tmp_path, "cozonac " * 70))
    assert "Text character limit of 500 exceeded" in error.message
    assert len(server.of("/api/v1/statuses")) == 1


def test_5xx_and_lost_answers_are_retried_with_the_same_key_into_one_status(server, tmp_path):
    server.fail("statuses", "500", "lost", "503")  # the 2nd attempt is made, but its answer lost
    made = Made(server.url)
    receipt = made.publish(_post(tmp_path))

    hits = server.of("/api/v1/statuses")
    assert [h.status for h in hits] == [500, 0, 503, 200]
    assert {h.headers["Idempotency-Key"] for h in hits} == {"key-1"}
    assert len(server.created) == 1 and server.live()[0]["id"] == receipt.remote_id


def test_a_malformed_or_html_answer_is_retried(server, tmp_path):
    server.fail("statuses", "html", "malformed")
    made = Made(server.url)
    made.publish(_post(tmp_path))
    assert [h.status for h in server.of("/api/v1/statuses")] == [502, 200, 200]
    assert len(server.created) == 1


def test_a_concurrent_duplicate_gets_503_and_then_the_first_status(server, tmp_path):
    server.hold = 1.0  # creating a status takes this long, with the key's lock held
    results: dict[str, object] = {}

    def run(name: str) -> None:
        made = Made(server.url, sleep=time.sleep, policy=Policy(attempts=6, backoff=0.25))
        try:
            results[name] = made.publish(_post(tmp_path))
        except PublishError as exc:  # pragma: no cover - reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join(30)
    assert results["one"] == results["two"], results
    assert len(server.created) == 1
    raced = [h for h in server.of("/api/v1/statuses") if h.status == 503]
    assert raced, "the second request should have met the lock"


def test_the_server_locks_a_key_as_mastodon_does():
    """Our server, checked directly: a duplicate during creation is a 503 with Mastodon's
    message; after it, the first status; an hour later the key is forgotten."""
    instance = MastodonServer(hold=0.5).start()
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k"}
        answers = []

        def send() -> None:
            answers.append(
                requests.post(
                    f"{instance.url}/api/v1/statuses", data={"status": "hi"}, headers=headers
                )
            )

        first = threading.Thread(target=send)
        first.start()
        time.sleep(0.15)
        send()
        first.join()
        raced, made = answers
        assert raced.status_code == 503 and raced.json() == {"error": RACE}
        assert made.status_code == 200
        again = requests.post(
            f"{instance.url}/api/v1/statuses", data={"status": "x"}, headers=headers
        )
        assert again.json()["id"] == made.json()["id"]
        # Keys belong to the account: another token of the same account shares them…
        instance.tokens["second-app"] = Token("bakery")
        other = {**headers, "Authorization": "Bearer second-app"}
        same = requests.post(f"{instance.url}/api/v1/statuses", data={"status": "x"}, headers=other)
        assert same.json()["id"] == made.json()["id"]
        # …and are kept for one hour.
        instance.hold = 0
        instance.clock += 3601
        later = requests.post(
            f"{instance.url}/api/v1/statuses", data={"status": "x"}, headers=headers
        )
        assert later.json()["id"] != made.json()["id"]
        assert "Retry-After" not in raced.headers
    finally:
        instance.stop()


def test_a_resumed_send_reuses_the_media_the_stopped_run_uploaded(server, tmp_path):
    post = _post(tmp_path, images=2)
    server.fail("statuses", "reset", "reset", "reset", "reset")
    stopped = Made(server.url)
    _fails(RETRY, stopped.publish, post)
    [saved] = stopped.checkpoints
    assert len(server.of("/api/v2/media")) == 2 and server.live() == []

    resumed = Made(server.url)
    receipt = resumed.publish(post, prior=saved)
    assert len(server.of("/api/v2/media")) == 2  # nothing uploaded again
    assert resumed.checkpoints == []
    [status] = server.live()
    assert status["id"] == receipt.remote_id and len(status["media_attachments"]) == 2
    # A checkpoint of another key (the post changed since) is not reused.
    Made(server.url).publish(post, key="key-2", prior=saved)
    assert len(server.of("/api/v2/media")) == 4


def test_a_resume_after_the_key_expired_is_handed_to_a_person(server, tmp_path):
    post = _post(tmp_path, images=1)
    server.fail("statuses", "lost", "reset", "reset", "reset")  # posted, but no answer came
    stopped = Made(server.url)
    _fails(RETRY, stopped.publish, post)
    assert len(server.created) == 1
    server.clock += 3601  # the next run comes after Mastodon forgot the key
    error = _fails(UNKNOWN, Made(server.url).publish, post, prior=stopped.checkpoints[0])
    assert "already attached" in error.message
    assert len(server.created) == 1  # never a second post


def test_delete_removes_the_status_and_tolerates_it_being_gone(server, tmp_path):
    made = Made(server.url)
    receipt = made.publish(_post(tmp_path))
    made.publisher.delete(Attempt("key-1", receipt.remote_id))
    assert server.deleted == [receipt.remote_id] and server.live() == []
    made.publisher.delete(Attempt("key-1", receipt.remote_id))  # 404: already gone, nothing to do
    assert [h.status for h in server.of("/api/v1/statuses/", "DELETE")] == [200, 404]


def test_dry_run_payload_touches_no_network(server, tmp_path):
    made = Made(server.url, visibility="private")
    post = _post(tmp_path, images=1)
    body = made.publisher.payload(post, made.publisher.render(post), Attempt("key-9"))
    assert body["idempotency_key"] == "key-9" and body["visibility"] == "private"
    assert body["media"] == [{"file": "media/photo-0.jpg", "description": post.media[0].alt}]
    assert server.hits == []


def test_a_bad_visibility_fails_before_anything_is_sent(server, tmp_path):
    made = Made(server.url, visibility="followers")
    error = _fails(FAIL, made.publish, _post(tmp_path, images=1))
    assert "'followers' is not one of public, unlisted, private, direct" in error.message
    assert server.hits == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2026-12-15T12:00:30.000000Z", 30.0),
        ("2026-12-15T14:00:30+02:00", 30.0),
        ("2026-12-15T12:00:30", 30.0),
        ("2026-12-15T11:59:00.000Z", 0.0),  # already past: go now
        (str(dt.datetime(2026, 12, 15, 12, 0, 45, tzinfo=dt.timezone.utc).timestamp()), 45.0),
        ("12", 12.0),  # seconds, as a few servers send
        ("soon", None),
    ],
)
def test_x_ratelimit_reset_forms(header, expected):
    now = dt.datetime(2026, 12, 15, 12, 0, tzinfo=dt.timezone.utc).timestamp()
    assert api.parse_reset(header, now) == expected


# -- doctor --------------------------------------------------------------------------------
def _doctor(server, token=TOKEN, **settings):
    return [
        (f.level, f.message) for f in Made(server.url, token=token, **settings).publisher.doctor()
    ]


def test_doctor_reports_the_account_and_its_scopes(server):
    assert _doctor(server) == [
        ("ok", "MASTO_TOKEN is set (token_env)"),
        ("ok", "token valid: @bakery on 127.0.0.1"),
        ("ok", "scopes allow publishing (write:statuses, write:media)"),
        ("ok", "metrics: scopes allow reading followers and post counts"),  # `smmflow metrics`
    ]


def test_doctor_names_missing_scopes_and_refused_tokens(server):
    server.tokens["narrow"] = Token("bakery", scopes=("read", "write:statuses"))
    assert ("error", "the token lacks write:media (to upload images and video)") in _doctor(
        server, "narrow"
    )
    server.tokens["write-only"] = Token("bakery", scopes=("write:statuses", "write:media"))
    lines = _doctor(server, "write-only")
    assert lines[1][0] == "warning" and "outside the authorized scopes" in lines[1][1]
    assert lines[2] == ("ok", "scopes allow publishing (write:statuses, write:media)")
    server.tokens["no-app"] = Token("bakery", app=False)
    assert _doctor(server, "no-app")[-1][0] == "warning"
    refused = _doctor(server, "wrong-token-value")
    assert refused[-1] == ("error", "the instance refused the token: The access token is invalid")
    assert not any("wrong-token-value" in message for _, message in refused)


def test_doctor_without_the_secret_sends_nothing(server):
    made = Made(server.url)
    made.publisher.ctx.environ = {}
    assert [f.level for f in made.publisher.doctor()] == ["error"]
    assert server.hits == []
    assert (
        "error",
        "visibility 'everyone' is not one of public, unlisted, private, direct",
    ) in _doctor(server, visibility="everyone")


# -- end to end: smmflow sync on a real git repository ----------------------------------------
def _repo(tmp_path: Path, instance: str, images: int = 1) -> Path:
    root = init_repo(tmp_path / "content-repo")
    account = {"platform": "mastodon", "instance": instance, "token_env": "MASTO_TOKEN"}
    write(
        root, "schedules/bakery.yml", group_yaml("Bakery", "Europe/Bucharest", {"masto": account})
    )
    media = "".join(
        f"  - src: media/photo-{i}.jpg\n    alt: Cozonac {i} pe masă\n" for i in range(images)
    )
    for i in range(images):
        (root / "content/bakery/media").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(JPEG, root / f"content/bakery/media/photo-{i}.jpg")
    write(
        root,
        "content/bakery/2026-12-15-cozonac.md",
        "---\ndate: 2026-12-15 10:00\ntype: sales\n"
        + (f"media:\n{media}" if media else "")
        + "---\n**Cozonac** cu nucă. Comenzi: [aici](https://example.ro/cozonac)\n",
    )
    commit(root)
    return root


POST_ID = "bakery/2026-12-15-cozonac"


def _env(token: str = TOKEN, **extra: str) -> dict[str, str]:
    return base_env(MASTO_TOKEN=token, **extra)


def _status_row(root: Path, env: dict) -> dict:
    result = smmflow(root, "status", "--now", NOW, "--format", "json", env=env)
    assert result.code == 0, str(result)
    return {(r["post"], r["account"]): r for r in result.json}[(POST_ID, "masto")]


def test_sync_publishes_and_status_shows_the_url(server, tmp_path):
    root = _repo(tmp_path, server.url)
    env = _env()
    result = smmflow(root, "sync", "--now", NOW, env=env)
    assert result.code == 0, str(result)
    [status] = server.live()
    row = _status_row(root, env)
    assert row["state"] == "published" and row["url"] == status["url"]
    assert ledger(root)[(POST_ID, "masto")]["remote_id"] == status["id"]
    doctor = smmflow(root, "doctor", env=env)
    assert doctor.code == 0 and "token valid: @bakery" in doctor.out, str(doctor)
    assert TOKEN not in result.out + result.err + doctor.out + doctor.err


def test_a_crash_after_send_resumes_with_the_same_key_into_one_status(server, tmp_path):
    root = _repo(tmp_path, server.url, images=2)
    crashed = smmflow(root, "sync", "--now", NOW, env=_env(SMMFLOW_CRASH_AT="after-send"))
    assert crashed.code == -signal.SIGKILL, str(crashed)
    assert ledger(root)[(POST_ID, "masto")]["state"] == "claimed"
    assert len(server.created) == 1

    resumed = smmflow(root, "sync", "--now", NOW, env=_env())
    assert resumed.code == 0, str(resumed)
    sends = server.of("/api/v1/statuses")
    assert len(sends) == 2 and len({h.headers["Idempotency-Key"] for h in sends}) == 1
    assert len(server.created) == 1 and len(server.live()) == 1  # exactly one status
    assert len(server.of("/api/v2/media")) == 2  # the media were not uploaded again
    [status] = server.live()
    assert len(status["media_attachments"]) == 2
    row = _status_row(root, _env())
    assert row["state"] == "published" and row["url"] == status["url"]
    again = smmflow(root, "sync", "--now", NOW, env=_env())
    assert again.code == 0 and len(server.of("/api/v1/statuses")) == 2


def test_a_withdrawn_post_is_deleted(server, tmp_path):
    root = _repo(tmp_path, server.url, images=0)
    assert smmflow(root, "sync", "--now", NOW, env=_env()).code == 0
    [status] = server.live()
    path = root / "content/bakery/2026-12-15-cozonac.md"
    path.write_text(path.read_text().replace("type: sales\n", "type: sales\nstatus: withdrawn\n"))
    commit(root, "withdraw")
    result = smmflow(root, "sync", "--now", NOW, env=_env())
    assert result.code == 0, str(result)
    assert server.deleted == [status["id"]] and server.live() == []
    assert ledger(root)[(POST_ID, "masto")]["state"] == "withdrawn"


# -- the third-party server: mastodon-mock (PyPI) ----------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """`mastodon_mock serve --in-memory` on a free loopback port; its seeded account is
    `testuser` with the token `mock_token`."""
    exe = shutil.which("mastodon_mock")
    if exe is None:
        pytest.skip("mastodon-mock is not installed (pip install 'mastodon-mock>=0.6.1')")
    home = tmp_path_factory.mktemp("mastodon-mock")
    port = _free_port()
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--in-memory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=home,
        env={**os.environ, "TMPDIR": str(home)},  # its SQLite file and media land here
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/api/v1/instance", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise AssertionError(
                f"mastodon_mock did not start:\n{(home / 'server.log').read_text()}"
            )
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def _mock_get(url: str, path: str) -> requests.Response:
    return requests.get(url + path, headers={"Authorization": "Bearer mock_token"}, timeout=10)


def _mock_statuses(url: str) -> list[dict]:
    me = _mock_get(url, "/api/v1/accounts/verify_credentials").json()
    return _mock_get(url, f"/api/v1/accounts/{me['id']}/statuses?limit=40").json()


def test_mastodon_mock_publish_read_back_and_delete(mock, tmp_path):
    before = len(_mock_statuses(mock))
    made = Made(mock, token="mock_token", visibility="unlisted", language="ro")
    post = _post(tmp_path, "Cozonac **cald** [aici](https://example.ro/c)", images=2)
    key = f"smmflow-{time.time_ns()}"
    receipt = made.publish(post, key=key)

    back = _mock_get(mock, f"/api/v1/statuses/{receipt.remote_id}").json()
    assert back["url"] == receipt.url
    assert "Cozonac cald aici" in back["content"] and back["visibility"] == "unlisted"
    assert [m["description"] for m in back["media_attachments"]] == [m.alt for m in post.media]
    assert made.publish(post, key=key) == receipt  # its Idempotency-Key answers the first status
    assert len(_mock_statuses(mock)) == before + 1

    made.publisher.delete(Attempt(key, receipt.remote_id))
    assert _mock_get(mock, f"/api/v1/statuses/{receipt.remote_id}").status_code == 404
    made.publisher.delete(Attempt(key, receipt.remote_id))  # already gone
    assert len(_mock_statuses(mock)) == before


def test_mastodon_mock_doctor(mock):
    lines = [(f.level, f.message) for f in Made(mock, token="mock_token").publisher.doctor()]
    assert lines[1] == ("ok", "token valid: @testuser on 127.0.0.1")
    # Its seeded token belongs to no app, so apps/verify_credentials answers 401.
    assert lines[2][0] == "warning" and "could not read the token's scopes" in lines[2][1]
    bad = [f.level for f in Made(mock, token="not-a-token").publisher.doctor()]
    assert bad[-1] == "error"


def test_mastodon_mock_crash_after_send_leaves_one_status(mock, tmp_path):
    before = {s["id"] for s in _mock_statuses(mock)}
    root = _repo(tmp_path, mock, images=1)
    env = _env("mock_token")
    crashed = smmflow(root, "sync", "--now", NOW, env={**env, "SMMFLOW_CRASH_AT": "after-send"})
    assert crashed.code == -signal.SIGKILL, str(crashed)
    resumed = smmflow(root, "sync", "--now", NOW, env=env)
    assert resumed.code == 0, str(resumed)
    new = [s for s in _mock_statuses(mock) if s["id"] not in before]
    assert len(new) == 1, new
    row = _status_row(root, env)
    assert row["state"] == "published" and row["url"] == new[0]["url"]
    assert "Cozonac cu nucă" in new[0]["content"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
