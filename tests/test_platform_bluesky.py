"""The Bluesky publisher against the real reference PDS (tests/pdsfixture.py), no fake.

Every test writes a content repository in a temporary folder, runs `smmflow` as a
subprocess, and then reads what landed with plain XRPC calls (getRecord, listRecords,
getBlob). Where a test needs to count calls or inject a 429 or an expired token, a
loopback proxy (pdsfixture.Proxy) stands between smmflow and the PDS.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
import requests
from pdsfixture import Proxy, expired_token, lost_answer, not_found, rate_limited
from repohelp import GIT_ENV, git
from servers.appview_counts import AppView

PROJECT = Path(__file__).resolve().parents[1]
NOW = "2026-12-15 12:00"  # UTC
PASSWORD_ENV = "TEST_BSKY_APP_PASSWORD"
LEDGER = "smmflow/ledger"
S32 = "234567abcdefghijklmnopqrstuvwxyz"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")  # atproto spec


# -- helpers -------------------------------------------------------------------------------
def env_for(password: str | None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SMMFLOW_") and k not in ("GITHUB_ACTIONS", PASSWORD_ENV)
    }
    env.update(GIT_ENV)
    env.update(
        SMMFLOW_RETRIES="3",
        SMMFLOW_BACKOFF="0.05",
        SMMFLOW_TIMEOUT="20",
        SMMFLOW_MAX_WAIT="10",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if password is not None:
        env[PASSWORD_ENV] = password
    env.update(extra)
    return env


def smmflow(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "smmflow", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def sync(root: Path, env: dict[str, str], expect: tuple[int, ...] = (0,)) -> dict:
    proc = smmflow(root, env, "sync", "--now", NOW, "--format", "json")
    assert proc.returncode in expect, f"sync -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def outcomes(report: dict) -> dict[str, dict]:
    return {o["post"]: o for o in report["outcomes"]}


def ledger(root: Path) -> dict[str, dict]:
    """Records on the ledger branch, read with plain git: post id -> record."""
    names = git(root, "ls-tree", "-r", "--name-only", LEDGER, "--", "records").split()
    found = {}
    for name in names:
        record = json.loads(git(root, "show", f"{LEDGER}:{name}"))
        found[record["post"]] = record
    return found


def png(width: int, height: int) -> bytes:
    """A real PNG (RGB, one red pixel row after another), made with zlib only."""
    rows = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def blob_cid(data: bytes) -> str:
    """CIDv1, raw codec, sha2-256, base32 multibase: what a PDS names a blob by."""
    raw = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def tid_decode(text: str) -> tuple[int, int]:
    value = 0
    for char in text:
        value = value * 32 + S32.index(char)
    return value >> 10, value & 1023


def utc_micros(local: str, zone: str) -> int:
    from zoneinfo import ZoneInfo

    when = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (when - epoch) // dt.timedelta(microseconds=1)


def make_repo(
    root: Path,
    accounts: dict[str, dict[str, str]],
    posts: dict[str, str],
    media: dict[str, bytes] | None = None,
) -> Path:
    """One group `brutaria` (Europe/Bucharest) with `accounts`; `posts` maps a file name
    (without .md) to its whole text. Committed on main."""
    group = root / "content" / "brutaria"
    group.mkdir(parents=True)
    (root / "schedules").mkdir()
    lines = ["name: Brutaria", "timezone: Europe/Bucharest", "max_delay: 60d", "accounts:"]
    for name, settings in accounts.items():
        inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in settings.items())
        lines.append(f"  {name}: {{{inner}}}")
    (root / "schedules" / "brutaria.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in posts.items():
        (group / f"{name}.md").write_text(text, encoding="utf-8")
    for name, data in (media or {}).items():
        (group / "media").mkdir(exist_ok=True)
        (group / "media" / name).write_bytes(data)
    (root / ".gitignore").write_text("public/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "content")
    return root


def bsky(handle: str, url: str, **more: str) -> dict[str, str]:
    return {
        "platform": "bluesky",
        "handle": handle,
        "password_env": PASSWORD_ENV,
        "pds": url,
        **more,
    }


def simple_post(date: str, body: str, status: str = "ready") -> str:
    return f"---\ndate: {date}\ntype: informative\nstatus: {status}\n---\n{body}\n"


def rkey_of(record: dict) -> str:
    return record["remote_id"].rsplit("/", 1)[1]


@pytest.fixture
def proxy(pds, serve):
    return serve(Proxy(pds.url))


# -- 1. text, facets and an image, read back byte for byte ---------------------------------
BODY = (
    "**Cozonac** cu nucă și stafide 🎄👨‍👩‍👧 — comandă pe "
    "[site-ul nostru](https://example.test/cozonac?x=1) #Crăciun2026 "
    "mulțumim @bob.test și @nobody.test! Vezi și https://example.test/program."
)
TEXT = (
    "Cozonac cu nucă și stafide 🎄👨\u200d👩\u200d👧 — comandă pe site-ul nostru #Crăciun2026 "
    "mulțumim @bob.test și @nobody.test! Vezi și https://example.test/program."
)


def test_publish_text_facets_and_image(pds, tmp_path):
    alice, bob = pds.accounts["alice"], pds.accounts["bob"]
    image = png(3, 2)
    jpeg = (PROJECT / "content" / "cafe-boema" / "media" / "rasnita.jpg").read_bytes()
    post = (
        "---\ndate: 2026-12-15 10:00\ntype: sales\nmedia:\n"
        "  - src: media/cozonac.png\n    alt: Cozonac feliat, cu nucă — «ca la bunica»\n"
        "  - src: media/rasnita.jpg\n    alt: O râșniță de cafea\n"
        f"---\n{BODY}\n"
    )
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url, langs="ro")},
        {"2026-12-15-cozonac": post},
        {"cozonac.png": image, "rasnita.jpg": jpeg},
    )
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=2)
    report = sync(root, env_for(alice.app_password))
    after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    outcome = outcomes(report)["brutaria/2026-12-15-cozonac"]
    assert outcome["state"] == "published", report

    record = ledger(root)["brutaria/2026-12-15-cozonac"]
    rkey = rkey_of(record)
    assert record["remote_id"] == f"at://{alice.did}/app.bsky.feed.post/{rkey}"
    assert record["url"] == f"https://bsky.app/profile/{alice.handle}/post/{rkey}"
    assert outcome["url"] == record["url"]
    # The record key is a TID of the post's time and the engine's key (so a resume finds it).
    assert TID.match(rkey), rkey
    micros, clock = tid_decode(rkey)
    assert micros == utc_micros("2026-12-15T10:00", "Europe/Bucharest")
    assert clock == int(record["key"], 16) % 1024

    answer = pds.get_record(alice.did, rkey)
    assert answer.status_code == 200, answer.text
    value = answer.json()["value"]
    assert value["$type"] == "app.bsky.feed.post"
    assert value["text"] == TEXT
    data = value["text"].encode("utf-8")
    assert data == TEXT.encode("utf-8")
    assert value["langs"] == ["ro"]
    created = dt.datetime.fromisoformat(value["createdAt"].replace("Z", "+00:00"))
    assert before <= created <= after, value["createdAt"]

    facets = value["facets"]
    sliced = [
        (data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"), f["features"])
        for f in facets
    ]
    assert sliced == [
        (
            "site-ul nostru",
            [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.test/cozonac?x=1"}],
        ),
        ("#Crăciun2026", [{"$type": "app.bsky.richtext.facet#tag", "tag": "Crăciun2026"}]),
        ("@bob.test", [{"$type": "app.bsky.richtext.facet#mention", "did": bob.did}]),
        # @nobody.test does not resolve: no facet, the text stays
        (
            "https://example.test/program",
            [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.test/program"}],
        ),
    ]

    embed = value["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    first, second = embed["images"]
    assert first == {
        "alt": "Cozonac feliat, cu nucă — «ca la bunica»",
        "image": {
            "$type": "blob",
            "ref": {"$link": blob_cid(image)},
            "mimeType": "image/png",
            "size": len(image),
        },
        "aspectRatio": {"width": 3, "height": 2},
    }
    assert second["alt"] == "O râșniță de cafea"
    assert second["image"]["ref"] == {"$link": blob_cid(jpeg)}
    assert second["image"]["mimeType"] == "image/jpeg"
    assert second["image"]["size"] == len(jpeg)
    assert set(second["aspectRatio"]) == {"width", "height"}
    # The blobs are stored as sent.
    for blob, raw in ((first, image), (second, jpeg)):
        got = requests.get(
            pds.xrpc("com.atproto.sync.getBlob"),
            params={"did": alice.did, "cid": blob["image"]["ref"]["$link"]},
            timeout=30,
        )
        assert got.status_code == 200 and got.content == raw

    # A second run has nothing to do.
    again = sync(root, env_for(alice.app_password))
    assert again["outcomes"] == []
    assert len(pds.list_records(alice.did)) >= 1


def test_video_is_embedded(pds, tmp_path):
    alice = pds.accounts["alice"]
    # The smallest MP4 the PDS recognises: an `ftyp` box and an empty `mdat`.
    mp4 = struct.pack(">I", 24) + b"ftypmp42" + b"\x00\x00\x00\x00" + b"mp42isom"
    mp4 += struct.pack(">I", 8) + b"mdat"
    post = (
        "---\ndate: 2026-12-02 10:00\ntype: informative\nmedia:\n"
        "  - src: media/aluat.mp4\n    alt: Aluatul crește sub un ștergar\n"
        "---\nCum crește aluatul de cozonac ⏱️\n"
    )
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url)},
        {"2026-12-02-aluat": post},
        {"aluat.mp4": mp4},
    )
    report = sync(root, env_for(alice.app_password))
    assert outcomes(report)["brutaria/2026-12-02-aluat"]["state"] == "published", report
    rkey = rkey_of(ledger(root)["brutaria/2026-12-02-aluat"])
    value = pds.get_record(alice.did, rkey).json()["value"]
    assert value["embed"] == {
        "$type": "app.bsky.embed.video",
        "alt": "Aluatul crește sub un ștergar",
        "video": {
            "$type": "blob",
            "ref": {"$link": blob_cid(mp4)},
            "mimeType": "video/mp4",
            "size": len(mp4),
        },
    }


# -- 2. one login per run, refreshed when the token expires --------------------------------
def test_one_session_for_every_post_of_a_run(pds, proxy, tmp_path):
    alice = pds.accounts["alice"]
    posts = {
        f"2026-12-{day:02d}-paine-{day}": simple_post(
            f"2026-12-{day:02d} 09:00", f"Pâine nr. {day} 🍞"
        )
        for day in range(1, 6)
    }
    root = make_repo(tmp_path / "repo", {"bsky": bsky(alice.handle, proxy.url)}, posts)
    report = sync(root, env_for(alice.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    assert len(report["outcomes"]) == 5
    assert proxy.count("com.atproto.server.createSession") == 1, proxy.counts()
    assert proxy.count("com.atproto.repo.createRecord") == 5, proxy.counts()
    rkeys = {rkey_of(r) for r in ledger(root).values()}
    on_pds = {r["uri"].rsplit("/", 1)[1]: r["value"]["text"] for r in pds.list_records(alice.did)}
    assert rkeys <= set(on_pds)
    assert sorted(on_pds[k] for k in rkeys) == sorted(f"Pâine nr. {d} 🍞" for d in range(1, 6))


def test_expired_token_is_refreshed_not_a_new_login(pds, proxy, tmp_path):
    alice = pds.accounts["alice"]
    posts = {
        "2026-12-06-colaci": simple_post("2026-12-06 09:00", "Colaci proaspeți"),
        "2026-12-07-covrigi": simple_post("2026-12-07 09:00", "Covrigi cu mac"),
    }
    root = make_repo(tmp_path / "repo", {"bsky": bsky(alice.handle, proxy.url)}, posts)
    proxy.faults["com.atproto.repo.createRecord"] = [expired_token()]
    report = sync(root, env_for(alice.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    assert proxy.count("com.atproto.server.createSession") == 1, proxy.counts()
    assert proxy.count("com.atproto.server.refreshSession") == 1, proxy.counts()
    records = ledger(root)
    texts = {r["value"]["text"] for r in pds.list_records(alice.did)}
    assert {"Colaci proaspeți", "Covrigi cu mac"} <= texts
    for record in records.values():
        assert pds.get_record(alice.did, rkey_of(record)).status_code == 200


# -- 3. a crash right after the send: the resumed run finds the record ---------------------
def test_crash_after_send_then_resume_gives_one_record(pds, proxy, tmp_path):
    bob = pds.accounts["bob"]
    before = {r["uri"] for r in pds.list_records(bob.did)}
    posts = {
        "2026-12-08-maia": simple_post("2026-12-08 09:00", "Maia naturală, hrănită de 12 ani"),
        "2026-12-09-faina": simple_post("2026-12-09 09:00", "Făină de la moara din sat"),
    }
    root = make_repo(tmp_path / "repo", {"bsky": bsky(bob.handle, proxy.url)}, posts)
    crashed = smmflow(
        root, env_for(bob.app_password, SMMFLOW_CRASH_AT="after-send:1"), "sync", "--now", NOW
    )
    assert crashed.returncode == -9, crashed.stderr  # SIGKILL right after the first send
    states = {post: r["state"] for post, r in ledger(root).items()}
    assert "claimed" in states.values(), states
    assert proxy.count("com.atproto.repo.createRecord") == 1

    report = sync(root, env_for(bob.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    records = ledger(root)
    assert {r["state"] for r in records.values()} == {"published"}
    new = [r for r in pds.list_records(bob.did) if r["uri"] not in before]
    assert sorted(r["value"]["text"] for r in new) == sorted(
        ["Maia naturală, hrănită de 12 ani", "Făină de la moara din sat"]
    )
    assert {r["uri"] for r in new} == {r["remote_id"] for r in records.values()}
    # The resumed post was looked up, not created again.
    assert proxy.count("com.atproto.repo.createRecord") == 2, proxy.counts()

    status = smmflow(root, env_for(bob.app_password), "status", "--now", NOW, "--format", "json")
    assert status.returncode == 0, status.stderr
    rows = {row["post"]: row for row in json.loads(status.stdout)}
    assert {rows[p]["state"] for p in records} == {"published"}


def test_lost_answer_is_looked_up_not_sent_twice(pds, proxy, tmp_path):
    bob = pds.accounts["bob"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(bob.handle, proxy.url)},
        {"2026-12-05-sarmale": simple_post("2026-12-05 09:00", "Sarmale în foi de viță")},
    )
    proxy.faults["com.atproto.repo.createRecord"] = [lost_answer()]
    report = sync(root, env_for(bob.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    # The PDS made the record (-200: its answer was cut off); getRecord found it.
    assert [c.status for c in proxy.of("com.atproto.repo.createRecord")] == [-200]
    assert [g.status for g in proxy.of("com.atproto.repo.getRecord")] == [400, 200]
    texts = [r["value"]["text"] for r in pds.list_records(bob.did)]
    assert texts.count("Sarmale în foi de viță") == 1


def test_key_already_taken_by_our_record_counts_as_published(pds, proxy, tmp_path):
    """A repeated createRecord for a key that exists: the PDS answers 500, and the
    record at the key (this post's text) shows it went out."""
    bob = pds.accounts["bob"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(bob.handle, proxy.url)},
        {"2026-12-04-placinta": simple_post("2026-12-04 09:00", "Plăcintă cu brânză")},
    )
    proxy.faults["com.atproto.repo.createRecord"] = [lost_answer()]
    # The look-up after the lost answer misses too, so the create is sent again.
    proxy.faults["com.atproto.repo.getRecord"] = [not_found(), not_found()]
    report = sync(root, env_for(bob.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    assert [c.status for c in proxy.of("com.atproto.repo.createRecord")] == [-200, 500]
    assert [g.status for g in proxy.of("com.atproto.repo.getRecord")] == [400, 400, 200]
    texts = [r["value"]["text"] for r in pds.list_records(bob.did)]
    assert texts.count("Plăcintă cu brânză") == 1


def test_another_post_on_our_key_moves_to_the_next_clock_id(pds, tmp_path):
    from smmflow.platforms.bluesky_api import rkey_for
    from smmflow.publish.attempts import idempotency_key

    alice = pds.accounts["alice"]
    post_id = "brutaria/2026-12-03-gogosi"
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url)},
        {"2026-12-03-gogosi": simple_post("2026-12-03 11:15", "Gogoși pufoase")},
    )
    when = dt.datetime(2026, 12, 3, 9, 15, tzinfo=dt.timezone.utc)  # 11:15 in Bucharest
    taken = rkey_for(when, idempotency_key(post_id, "bsky", 0))
    session = requests.post(
        pds.xrpc("com.atproto.server.createSession"),
        json={"identifier": alice.handle, "password": alice.app_password},
        timeout=30,
    ).json()
    other = {
        "$type": "app.bsky.feed.post",
        "text": "Another post of that minute",
        "createdAt": "2026-12-03T09:15:00.000Z",
    }
    made = requests.post(
        pds.xrpc("com.atproto.repo.createRecord"),
        json={
            "repo": alice.did,
            "collection": "app.bsky.feed.post",
            "rkey": taken,
            "record": other,
        },
        headers={"Authorization": f"Bearer {session['accessJwt']}"},
        timeout=30,
    )
    assert made.status_code == 200, made.text

    report = sync(root, env_for(alice.app_password))
    assert outcomes(report)[post_id]["state"] == "published", report
    record = ledger(root)[post_id]
    rkey = rkey_of(record)
    assert rkey == rkey_for(when, record["key"], 1) != taken
    assert pds.get_record(alice.did, rkey).json()["value"]["text"] == "Gogoși pufoase"
    assert pds.get_record(alice.did, taken).json()["value"]["text"] == other["text"]


# -- 4. doctor -----------------------------------------------------------------------------
def test_doctor(pds, tmp_path, serve):
    alice = pds.accounts["alice"]
    appview = serve(AppView())  # the test PDS has no AppView: metrics read this one
    appview.profile(alice.handle, alice.did, 7)
    accounts = {
        "good": bsky(alice.handle, pds.url, appview=appview.url),
        "wrong": {**bsky(alice.handle, pds.url), "password_env": "TEST_BSKY_WRONG"},
        "unset": {**bsky(alice.handle, pds.url), "password_env": "TEST_BSKY_UNSET"},
        "main": {
            **bsky(alice.handle, pds.url, appview=appview.url),
            "password_env": "TEST_BSKY_MAIN",
        },
    }
    root = make_repo(tmp_path / "repo", accounts, {})
    env = env_for(
        alice.app_password, TEST_BSKY_WRONG="aaaa-bbbb-cccc-dddd", TEST_BSKY_MAIN=alice.password
    )
    env.pop("TEST_BSKY_UNSET", None)
    proc = smmflow(root, env, "doctor", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines: dict[str, list[tuple[str, str]]] = {}
    for line in json.loads(proc.stdout):
        lines.setdefault(line["account"], []).append((line["level"], line["message"]))
    good = lines["good"]
    assert ("ok", f"@{alice.handle} ({alice.did}) on {pds.url}") in good, good
    assert all(level == "ok" for level, text in good if not text.startswith("inbox:")), good
    # The test PDS has no AppView for notifications: the inbox could not read them, and says
    # so (a warning: this group has no community file, so publishing readiness is unchanged).
    assert ("warning", "inbox: cannot read notifications") in [(lv, t[:32]) for lv, t in good]
    assert ("ok", f"metrics: public counts of @{alice.handle} readable from {appview.url}") in good
    assert [level for level, _ in lines["wrong"]] == ["error"], lines["wrong"]
    assert "app password refused" in lines["wrong"][0][1]
    assert lines["unset"] == [("error", "TEST_BSKY_UNSET is not set (password_env)")]
    main = lines["main"]
    assert main[0][0] == "ok" and any(
        level == "warning" and "main password" in text for level, text in main
    ), main
    # No secret is ever shown.
    assert alice.app_password not in proc.stdout and alice.password not in proc.stdout


# -- 5. withdrawn: the record is deleted -----------------------------------------------------
def test_withdrawn_post_is_deleted(pds, tmp_path):
    alice = pds.accounts["alice"]
    path = "2026-12-10-oferta"
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url)},
        {path: simple_post("2026-12-10 09:00", "Ofertă: 2 cozonaci la preț de unul")},
    )
    env = env_for(alice.app_password)
    assert outcomes(sync(root, env))[f"brutaria/{path}"]["state"] == "published"
    rkey = rkey_of(ledger(root)[f"brutaria/{path}"])
    assert pds.get_record(alice.did, rkey).status_code == 200

    post = root / "content" / "brutaria" / f"{path}.md"
    post.write_text(post.read_text().replace("status: ready", "status: withdrawn"))
    git(root, "commit", "-q", "-am", "withdraw the offer")
    outcome = outcomes(sync(root, env))[f"brutaria/{path}"]
    assert outcome["state"] == "withdrawn", outcome
    gone = pds.get_record(alice.did, rkey)
    assert gone.status_code == 400 and gone.json()["error"] == "RecordNotFound", gone.text
    assert ledger(root)[f"brutaria/{path}"]["state"] == "withdrawn"


# -- 6. a 429 is waited out and nothing is lost --------------------------------------------
def test_rate_limit_is_waited_out(pds, proxy, tmp_path):
    bob = pds.accounts["bob"]
    posts = {
        "2026-12-11-turta": simple_post("2026-12-11 09:00", "Turtă dulce cu miere"),
        "2026-12-12-cornulete": simple_post("2026-12-12 09:00", "Cornulețe cu rahat"),
    }
    root = make_repo(tmp_path / "repo", {"bsky": bsky(bob.handle, proxy.url)}, posts)
    proxy.faults["com.atproto.repo.createRecord"] = [rate_limited(1)]
    report = sync(root, env_for(bob.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    creates = proxy.of("com.atproto.repo.createRecord")
    assert [c.status for c in creates] == [429, 200, 200], creates
    assert creates[1].at - creates[0].at >= 0.9, "the client did not wait for Retry-After"
    texts = [r["value"]["text"] for r in pds.list_records(bob.did)]
    assert texts.count("Turtă dulce cu miere") == 1
    assert texts.count("Cornulețe cu rahat") == 1


def test_rate_limit_reset_header_alone_sets_the_wait(pds, proxy, tmp_path):
    bob = pds.accounts["bob"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(bob.handle, proxy.url)},
        {"2026-12-13-mere": simple_post("2026-12-13 09:00", "Mere coapte cu scorțișoară")},
    )
    fault = rate_limited(2)

    def reset_only():
        status, body, headers = fault()
        headers.pop("Retry-After")
        return status, body, headers

    proxy.faults["com.atproto.server.createSession"] = [reset_only]
    report = sync(root, env_for(bob.app_password))
    assert {o["state"] for o in report["outcomes"]} == {"published"}, report
    logins = proxy.of("com.atproto.server.createSession")
    assert [s.status for s in logins] == [429, 200]
    assert logins[1].at - logins[0].at >= 0.9  # RateLimit-Reset is Unix seconds, ~2 s ahead
    texts = [r["value"]["text"] for r in pds.list_records(bob.did)]
    assert texts.count("Mere coapte cu scorțișoară") == 1


# -- refusals --------------------------------------------------------------------------------
def test_invalid_record_fails_with_the_pds_message(pds, tmp_path):
    alice = pds.accounts["alice"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url, langs="not a language!")},
        {"2026-12-14-nuca": simple_post("2026-12-14 09:00", "Nucă proaspătă")},
    )
    report = sync(root, env_for(alice.app_password), expect=(1,))
    outcome = outcomes(report)["brutaria/2026-12-14-nuca"]
    assert outcome["state"] == "failed", outcome
    assert "InvalidRequest" in outcome["detail"] and "langs" in outcome["detail"], outcome
    record = ledger(root)["brutaria/2026-12-14-nuca"]
    assert record["state"] == "failed" and record["retryable"] is False


def test_wrong_app_password_fails_the_post_as_credentials(pds, tmp_path):
    alice = pds.accounts["alice"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, pds.url)},
        {"2026-12-14-miere": simple_post("2026-12-14 09:00", "Miere de salcâm")},
    )
    report = sync(root, env_for("zzzz-zzzz-zzzz-zzzz"), expect=(1,))
    outcome = outcomes(report)["brutaria/2026-12-14-miere"]
    assert outcome["state"] == "failed"
    assert "app password refused" in outcome["detail"], outcome
    assert "zzzz-zzzz-zzzz-zzzz" not in json.dumps(report)


def test_dry_run_touches_nothing(pds, proxy, tmp_path):
    alice = pds.accounts["alice"]
    root = make_repo(
        tmp_path / "repo",
        {"bsky": bsky(alice.handle, proxy.url)},
        {"2026-12-14-seminte": simple_post("2026-12-14 09:00", "Pâine cu semințe #pâine")},
    )
    proc = smmflow(root, env_for(alice.app_password), "sync", "--now", NOW, "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "would publish" in proc.stdout and "Pâine cu semințe" in proc.stdout
    assert proxy.counts() == {}


# -- the record key (no server) ------------------------------------------------------------
def test_tid_matches_the_atproto_syntax():
    from smmflow.platforms.bluesky_api import rkey_for, tid, tid_parts

    # The spec's own example, round-tripped.
    assert tid(*tid_parts("3jzfcijpj2z2a")) == "3jzfcijpj2z2a"
    when = dt.datetime(2026, 12, 15, 8, 0, tzinfo=dt.timezone.utc)
    micros = utc_micros("2026-12-15T10:00", "Europe/Bucharest")
    for key in ("0" * 32, "f" * 32, "3f1c" + "9" * 28):
        rkey = rkey_for(when, key)
        assert TID.match(rkey)
        assert tid_decode(rkey) == (micros, int(key, 16) % 1024)
        assert rkey_for(when, key) == rkey  # deterministic: a resumed run asks for the same
    # 64 bits with the top one 0: the first character is at most "b" (the regex allows "j")
    assert tid(0, 0) == "2222222222222" and tid(2**53 - 1, 1023) == "bzzzzzzzzzzzz"
    # Sortable: later posts get greater keys whatever their clock id.
    later = when + dt.timedelta(microseconds=1)
    assert rkey_for(later, "0" * 32) > rkey_for(when, "f" * 32)


def test_image_headers():
    from smmflow.platforms.bluesky import image_info

    assert image_info(png(640, 480)) == ("image/png", (640, 480))
    gif = b"GIF89a" + struct.pack("<HH", 20, 10) + b"\x00" * 8
    assert image_info(gif) == ("image/gif", (20, 10))
    # A JPEG with an APP0 segment before its SOF0 frame header (height 300, width 400).
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00" * 2
        + b"\x00\x00\x00\x00"
        + b"\xff\xc0"
        + struct.pack(">HBHH", 17, 8, 300, 400)
        + b"\x03"
        + b"\x00" * 9
    )
    assert image_info(jpeg) == ("image/jpeg", (400, 300))
    assert image_info(b"\x00\x00\x00\x18ftypmp42") == (None, None)
    for path in (PROJECT / "content").glob("*/media/*.jpg"):
        mime, size = image_info(path.read_bytes())
        assert mime == "image/jpeg" and size and min(size) > 0, path


def test_login_only_once_then_reused_in_process(pds):
    """The library directly: one publisher, several calls, one createSession."""
    from smmflow.model import Account, Group
    from smmflow.platforms.base import Context
    from smmflow.platforms.bluesky import Bluesky
    from smmflow.platforms.http import Http

    alice = pds.accounts["alice"]
    account = Account("bsky", "bluesky", tuple(bsky(alice.handle, pds.url).items()))
    group = Group("g", "G", "UTC", "schedules/g.yml", (account,))
    ctx = Context(Path("."), group, Http(), {PASSWORD_ENV: alice.app_password})
    publisher = Bluesky(account, ctx)
    for _ in range(3):
        assert publisher.client.get_session()["did"] == alice.did
        assert publisher._did("bob.test") == pds.accounts["bob"].did
    assert publisher._did("nobody.test") is None
    assert publisher.client.logins == 1
    started = time.monotonic()
    publisher.client.refresh()
    assert publisher.client.logins == 1 and publisher.client.refreshes == 1
    assert publisher.client.get_session()["did"] == alice.did
    assert time.monotonic() - started < 10
