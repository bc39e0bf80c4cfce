"""Issue #18, item 7: media that fits every platform without leaking where it was taken.

A phone JPEG (GPS position, camera, orientation tag, XMP, a comment; stored sideways) and
a PNG with transparency and a text chunk go to every platform, each through its loopback
server as its docs describe it (tests/servers/), Bluesky through the reference PDS, and
Instagram by downloading from the feed site. What each server received has no EXIF, GPS,
XMP or comment, is in a format the platform takes, is upright and within its size; the
repository's files are unchanged, byte for byte.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
import requests
from imagehelp import facts, phone_jpeg, text_png
from publishhelp import GROUP, make_repo, run
from servers.linkedin import LinkedInServer
from servers.mastodon import MastodonServer
from servers.meta import MetaGraph, StaticSite
from servers.telegram import BotApiServer
from servers.vk import VkServer
from servers.x import XServer

from smmflow.platforms import mediaprep
from smmflow.platforms.registry import get

PAGE, FB_TOKEN = "104857392016483", "EAAGfb-page-token-0123456789abcdef"
IG_USER, IG_TOKEN = "17841405822304914", "EAAGig-user-token-fedcba9876543210"
VK_GROUP, VK_ADMIN, VK_TOKEN = 229_000_001, 743_784_474, "vk1.a.community-admin-token-Vk4Jd6Hs"
X_USER, X_TOKEN = "1460000000000000001", "x-oauth2-user-token-Xq7Kp2Lm"
LI_ORG, LI_TOKEN = "urn:li:organization:2414183", "AQV-linkedin-token-Lw3Rt9Vb"
PHONE, PNG = phone_jpeg(), text_png()
POSTS = {
    "2026-12-04-telefon": ("Pâine caldă, din cuptor.", [("media/telefon.jpg", "Pâine pe masă")]),
    "2026-12-05-sigla": ("Sigla nouă a brutăriei.", [("media/sigla.png", "Sigla brutăriei")]),
}
ORDER = ("feed", "mastodon", "bluesky", "telegram", "facebook", "vk", "x", "linkedin", "instagram")


def _servers(www: Path) -> dict:
    graph = MetaGraph().start()
    graph.add_page(PAGE, "Brutăria Dulce", FB_TOKEN)
    graph.add_ig_user(IG_USER, "brutariadulce", IG_TOKEN)
    telegram = BotApiServer()
    telegram.channel("brutariadulce", title="Brutăria Dulce")
    vk = VkServer()
    vk.add_user(VK_ADMIN, "Ana", "Pop")
    vk.add_group(VK_GROUP, "Brutăria Dulce", "brutariadulce", admins={VK_ADMIN: 3})
    vk.add_token(VK_TOKEN, VK_ADMIN)
    x = XServer()
    x.add_account(X_USER, "brutariadulce", "Brutăria Dulce")
    x.add_token(X_TOKEN, X_USER)
    linkedin = LinkedInServer()
    linkedin.add_org(2414183, "Brutăria Dulce")
    linkedin.add_member(LI_TOKEN, "urn:li:person:ana", {LI_ORG: "ADMINISTRATOR"})
    return {
        "mastodon": MastodonServer().start(),
        "telegram": telegram.start(),
        "graph": graph,
        "vk": vk.start(),
        "x": x.start(),
        "linkedin": linkedin.start(),
        "site": StaticSite(www).start(),
    }


def _accounts(s: dict, pds) -> dict:
    alice = pds.accounts.get("alice") or pds.create_account("alice")
    return {
        "feed": {"platform": "feed", "base_url": f"{s['site'].url}/repo/public"},
        "mastodon": {"platform": "mastodon", "instance": s["mastodon"].url, "token_env": "M"},
        "bluesky": {
            "platform": "bluesky",
            "handle": alice.handle,
            "pds": pds.url,
            "password_env": "BSKY",
        },
        "telegram": {
            "platform": "telegram",
            "chat": "@brutariadulce",
            "api": s["telegram"].url,
            "token_env": "TG",
        },
        "facebook": {
            "platform": "facebook",
            "page": PAGE,
            "api": s["graph"].api,
            "token_env": "FB",
        },
        "instagram": {
            "platform": "instagram",
            "user": IG_USER,
            "api": s["graph"].api,
            "token_env": "IG",
        },
        "vk": {"platform": "vk", "owner": f"-{VK_GROUP}", "api": s["vk"].api, "token_env": "VK"},
        "x": {"platform": "x", "api": s["x"].url, "token_env": "X"},
        "linkedin": {
            "platform": "linkedin",
            "author": LI_ORG,
            "api": s["linkedin"].api,
            "token_env": "LI",
        },
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def world(pds, tmp_path_factory):
    www = tmp_path_factory.mktemp("media") / "www"
    www.mkdir()
    servers = _servers(www)
    try:
        files = {"media/telefon.jpg": PHONE, "media/sigla.png": PNG}
        repo = make_repo(www / "repo", _accounts(servers, pds), POSTS, files)
        media = sorted((repo.root / "content" / GROUP / "media").iterdir())
        before = {p.name: _sha(p) for p in media}
        env = {
            "M": "good-token",
            "BSKY": pds.accounts["alice"].app_password,
            "TG": servers["telegram"].token,
            "FB": FB_TOKEN,
            "IG": IG_TOKEN,
            "VK": VK_TOKEN,
            "X": X_TOKEN,
            "LI": LI_TOKEN,
        }
        receipts = {}
        for account in ORDER:  # the feed first: Instagram downloads from its site
            runner = run(repo, account, env)
            for slug in POSTS:
                receipts[(account, slug)] = runner.send(slug)
        after = {p.name: _sha(p) for p in media}
        yield {
            **servers,
            "pds": pds,
            "root": repo.root,
            "receipts": receipts,
            "sha": (before, after),
        }
    finally:
        for server in servers.values():
            server.stop()


def expected(platform: str, data: bytes, name: str) -> mediaprep.Prepared:
    return mediaprep.prepare(data, name, get(platform).limits.fit())


def clean(data: bytes, fmt: str, size: tuple[int, int]) -> None:
    """No metadata left, the format and the upright size expected."""
    got = facts(data)
    assert got["exif"] == {} and got["gps"] == {}, got
    assert got["info"] in ([], ["transparency"]) and got["leaks"] == [], got
    assert (got["format"], got["size"]) == (fmt, size), got


def test_the_repository_files_are_unchanged(world):
    before, after = world["sha"]
    assert before == after and len(before) == 2
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "content"],
        cwd=world["root"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
    # the originals still carry what the phone wrote: the copies were made elsewhere
    assert facts(PHONE)["gps"] and facts(PHONE)["leaks"]


def test_mastodon_gets_an_upright_jpeg_without_metadata_and_the_png_as_png(world):
    uploads = list(world["mastodon"].media.values())
    assert [u["content_type"] for u in uploads] == ["image/jpeg", "image/png"]
    clean(uploads[0]["data"], "JPEG", (2000, 2400))  # turned upright (orientation 6)
    clean(uploads[1]["data"], "PNG", (900, 600))


def test_bluesky_blobs_fit_its_1mb_and_2000px_without_metadata(world):
    pds, alice = world["pds"], world["pds"].accounts["alice"]
    for slug, fmt in (("2026-12-04-telefon", "JPEG"), ("2026-12-05-sigla", "PNG")):
        rkey = world["receipts"][("bluesky", slug)].remote_id.rsplit("/", 1)[-1]
        record = pds.get_record(alice.did, rkey).json()["value"]
        [image] = record["embed"]["images"]
        got = requests.get(
            pds.xrpc("com.atproto.sync.getBlob"),
            params={"did": alice.did, "cid": image["image"]["ref"]["$link"]},
            timeout=30,
        )
        assert got.status_code == 200 and len(got.content) <= 1_000_000
        size = (1667, 2000) if fmt == "JPEG" else (900, 600)
        clean(got.content, fmt, size)
        assert image["aspectRatio"] == {"width": size[0], "height": size[1]}


def test_telegram_gets_photos_without_metadata(world):
    sent = [c for c in world["telegram"].sends() if c.method == "sendphoto"]
    photos = [next(iter(c.files.values()))["data"] for c in sent]
    assert len(photos) == 2
    clean(photos[0], "JPEG", (2000, 2400))
    clean(photos[1], "PNG", (900, 600))


def test_facebook_and_linkedin_store_exactly_the_prepared_bytes(world):
    for platform, stored in (
        ("facebook", [p["sha256"] for p in world["graph"].photos.values()]),
        ("linkedin", [i["sha256"] for i in world["linkedin"].images.values()]),
    ):
        jpeg = expected(platform, PHONE, "telefon.jpg")
        png = expected(platform, PNG, "sigla.png")
        clean(jpeg.data, "JPEG", (2000, 2400))
        assert sorted(stored) == sorted(hashlib.sha256(p.data).hexdigest() for p in (jpeg, png))


def test_vk_and_x_receive_clean_images(world):
    vk = [p["data"] for p in world["vk"].photos.values()]
    x = [m["data"] for m in world["x"].media.values()]
    for got in (vk, x):
        assert len(got) == 2
        clean(got[0], "JPEG", (2000, 2400))
        clean(got[1], "PNG", (900, 600))


def test_instagram_downloads_clean_jpegs_from_the_feed_site(world):
    """Instagram fetches by URL and takes JPEG only: the feed site serves the photo without
    its metadata and, beside the PNG, a JPEG copy (1440 px at most)."""
    shas = sorted(s for m in world["graph"].media.values() for s in m["sha256"])
    public = world["root"] / "public" / GROUP / "media"
    copies = [public / "telefon.jpg", public / "sigla.png.jpg"]
    assert sorted(_sha(p) for p in copies) == shas
    clean(copies[0].read_bytes(), "JPEG", (2000, 2400))
    clean(copies[1].read_bytes(), "JPEG", (900, 600))
    clean((public / "sigla.png").read_bytes(), "PNG", (900, 600))


def test_the_preparation_is_deterministic_and_never_enlarges():
    one, two = expected("bluesky", PHONE, "telefon.jpg"), expected("bluesky", PHONE, "telefon.jpg")
    assert one == two and one.name == "telefon.jpg"
    assert "metadata removed" in one.changes and "turned upright" in one.changes
    png = expected("instagram", PNG, "sigla.png")
    assert (png.name, png.mime) == ("sigla.jpg", "image/jpeg")
    # A clean JPEG that fits loses nothing: the same bytes leave.
    fine = mediaprep.prepare(one.data, "a.jpg", get("mastodon").limits.fit())
    assert fine.data == one.data and fine.changes == ()


def test_a_picture_too_big_to_decode_still_loses_its_metadata(monkeypatch):
    """Pillow refuses to decode a picture of too many pixels (a decompression bomb): its
    EXIF still goes, segment by segment, and its picture data is left as it is."""
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    ready = mediaprep.prepare(PHONE, "telefon.jpg", get("mastodon").limits.fit())
    monkeypatch.undo()
    assert ready.changes == ("metadata removed",) and ready.size is None
    clean(ready.data, "JPEG", (2400, 2000))  # not turned: nothing was decoded
