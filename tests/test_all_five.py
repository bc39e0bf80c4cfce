"""Issue #4: the same post goes to all five platforms in one `smmflow sync`, each with its
own rendering, verified by reading it back from each server.

Servers, all real HTTP on loopback, set up exactly as the per-platform tests set them up:
Mastodon (tests/servers/mastodon.py), Bluesky (the reference PDS of tests/pdsfixture.py),
Telegram (tests/servers/telegram.py), Facebook Page and Instagram (tests/servers/meta.py,
Instagram downloading the image from a loopback static site, as its crawler does), and
TikTok as a photo post (tests/servers/tiktok.py, pulling the image from the same site under
a verified prefix). YouTube takes videos only and Google Business Profile photos of at
least 10 KB: their own post shapes are in tests/test_platforms_video.py.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from pathlib import Path

import pytest
import requests
from repohelp import base_env, commit, group_yaml, init_repo, ledger, smmflow, status_rows, write
from servers.mastodon import MastodonServer
from servers.meta import MetaGraph, StaticSite
from servers.telegram import BotApiServer
from servers.tiktok import TikTokServer

PROJECT = Path(__file__).resolve().parents[1]
JPEG = PROJECT / "content" / "brutaria-dulce" / "media" / "aluat-cozonac.jpg"
NOW = "2026-12-15 12:00"
GROUP = "brutaria"
SLUG = "2026-12-15-cozonac"
POST_ID = f"{GROUP}/{SLUG}"
ACCOUNTS = ("mastodon", "bluesky", "telegram", "facebook", "instagram", "tiktok")
TT_REFRESH = "rft.brutaria-all-platforms"

MASTO_TOKEN = "good-token"  # MastodonServer's default token (account @bakery)
PAGE = "104857392016483"
FB_TOKEN = "EAAGfb-page-token-0123456789abcdef"
IG_USER = "17841405822304914"
IG_TOKEN = "EAAGig-user-token-fedcba9876543210"
BSKY_ENV = "TEST_BSKY_APP_PASSWORD"

URL = "https://example.ro/cozonac"
ALT = "Cozonac împletit, cu nucă, pe masă — «ca la bunica»"
BODY = (
    "**Cozonac** cu nucă și stafide 🎄, țuică și pâine caldă în fiecare dimineață. "
    f"Comenzi: [comandă aici]({URL}) #Crăciun2026"
)
HEAD = "Cozonac cu nucă și stafide 🎄, țuică și pâine caldă în fiecare dimineață. Comenzi: "
# What each platform should show: plain text with the URL after the anchor where links
# are not clickable (Mastodon, Facebook, Instagram); the anchor alone, made a link, where
# the platform has rich text (Bluesky facets, Telegram entities).
PLAIN = f"{HEAD}comandă aici ({URL}) #Crăciun2026"
RICH = f"{HEAD}comandă aici #Crăciun2026"
WORDS = ("Cozonac", "nucă", "și", "🎄", "țuică", "pâine", "caldă", "în", "comandă aici")


@pytest.fixture
def servers(tmp_path, serve):
    mastodon = serve(MastodonServer())
    telegram = BotApiServer()
    telegram.channel("brutariadulce", title="Brutăria Dulce")
    serve(telegram)
    graph = serve(MetaGraph())
    graph.add_page(PAGE, "Brutăria Dulce", FB_TOKEN)
    graph.add_ig_user(IG_USER, "brutariadulce", IG_TOKEN)
    (tmp_path / "www").mkdir()
    site = serve(StaticSite(tmp_path / "www"))
    return mastodon, telegram, graph, site


@pytest.fixture
def tiktok(serve):
    server = serve(TikTokServer())
    server.add_creator("open-brutaria", "brutariadulce", "act.unused")
    server.add_refresh_token(TT_REFRESH, "open-brutaria")
    return server


def test_one_post_publishes_to_all_five_with_each_rendering(servers, tiktok, pds, tmp_path):
    mastodon, telegram, graph, site = servers
    tiktok.verify_prefix(f"{site.url}/repo/")  # the developer portal's URL-prefix check
    alice = pds.accounts["alice"]
    # The repository lives inside the static site's folder, so content/<group>/ has a
    # public URL for Instagram, like raw.githubusercontent.com would give.
    root = init_repo(tmp_path / "www" / "repo")
    accounts = {
        "mastodon": {"platform": "mastodon", "instance": mastodon.url, "token_env": "MASTO_TOKEN"},
        "bluesky": {
            "platform": "bluesky",
            "handle": alice.handle,
            "pds": pds.url,
            "password_env": BSKY_ENV,
        },
        "telegram": {
            "platform": "telegram",
            "chat": "@brutariadulce",
            "api": telegram.url,
            "token_env": "TG_TOKEN",
        },
        "facebook": {
            "platform": "facebook",
            "page": PAGE,
            "api": graph.api,
            "token_env": "FB_TOKEN",
        },
        "instagram": {
            "platform": "instagram",
            "user": IG_USER,
            "api": graph.api,
            "token_env": "IG_TOKEN",
            "media_base_url": f"{site.url}/repo/content/{GROUP}",
        },
    }
    accounts["tiktok"] = {
        "platform": "tiktok",
        "client_key_env": "TT_KEY",
        "client_secret_env": "TT_SECRET",
        "refresh_token_env": "TT_REFRESH",
        "privacy": "PUBLIC_TO_EVERYONE",
        "api": tiktok.url,
        "media_base_url": f"{site.url}/repo/content/{GROUP}",
    }
    write(root, f"schedules/{GROUP}.yml", group_yaml("Brutăria", "Europe/Bucharest", accounts))
    (root / "content" / GROUP / "media").mkdir(parents=True)
    shutil.copyfile(JPEG, root / "content" / GROUP / "media" / "cozonac.jpg")
    image = JPEG.read_bytes()
    write(
        root,
        f"content/{GROUP}/{SLUG}.md",
        "---\ndate: 2026-12-15 10:00\ntype: sales\nmedia:\n"
        f"  - src: media/cozonac.jpg\n    alt: {json.dumps(ALT, ensure_ascii=False)}\n"
        f"---\n{BODY}\n",
    )
    commit(root, "one post for all five")

    env = base_env(
        MASTO_TOKEN=MASTO_TOKEN,
        TG_TOKEN=telegram.token,
        FB_TOKEN=FB_TOKEN,
        IG_TOKEN=IG_TOKEN,
        SMMFLOW_TIMEOUT="20",  # the reference PDS is slower than the loopback servers
        TT_KEY=tiktok.client_key,
        TT_SECRET=tiktok.client_secret,
        TT_REFRESH=TT_REFRESH,
        SMMFLOW_STATE_DIR=str(tmp_path / "state"),
        **{BSKY_ENV: alice.app_password},
    )
    result = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
    assert result.code == 0, str(result)
    assert {(o["post"], o["account"]): o["state"] for o in result.json["outcomes"]} == {
        (POST_ID, a): "published" for a in ACCOUNTS
    }, str(result)
    records = ledger(root)
    assert {a: records[(POST_ID, a)]["state"] for a in ACCOUNTS} == dict.fromkeys(
        ACCOUNTS, "published"
    )
    rows = status_rows(root, NOW, env=env)
    assert {a: rows[(POST_ID, a)]["state"] for a in ACCOUNTS} == dict.fromkeys(
        ACCOUNTS, "published"
    )
    shown: dict[str, str] = {}  # platform -> the text a reader sees

    # -- Mastodon: plain text, the URL after the anchor; the image with its description.
    [status] = mastodon.live()
    assert records[(POST_ID, "mastodon")]["remote_id"] == status["id"]
    got = requests.get(
        f"{mastodon.url}/api/v1/statuses/{status['id']}",
        headers={"Authorization": f"Bearer {MASTO_TOKEN}"},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    back = got.json()
    assert back["content"] == f"<p>{html.escape(PLAIN)}</p>"
    shown["mastodon"] = html.unescape(back["content"][len("<p>") : -len("</p>")])
    assert [m["description"] for m in back["media_attachments"]] == [ALT]
    [upload] = mastodon.media.values()
    assert upload["data"] == image and upload["content_type"] == "image/jpeg"

    # -- Bluesky: the anchor is a link facet, the hashtag a tag facet, the image has its alt.
    rkey = records[(POST_ID, "bluesky")]["remote_id"].rsplit("/", 1)[1]
    got = pds.get_record(alice.did, rkey)
    assert got.status_code == 200, got.text
    value = got.json()["value"]
    assert value["text"] == RICH
    shown["bluesky"] = value["text"]
    data = value["text"].encode("utf-8")
    sliced = [
        (data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"), f["features"])
        for f in value["facets"]
    ]
    assert sliced == [
        ("comandă aici", [{"$type": "app.bsky.richtext.facet#link", "uri": URL}]),
        ("#Crăciun2026", [{"$type": "app.bsky.richtext.facet#tag", "tag": "Crăciun2026"}]),
    ]
    [picture] = value["embed"]["images"]
    assert picture["alt"] == ALT and picture["image"]["mimeType"] == "image/jpeg"
    blob = requests.get(
        pds.xrpc("com.atproto.sync.getBlob"),
        params={"did": alice.did, "cid": picture["image"]["ref"]["$link"]},
        timeout=30,
    )
    assert blob.status_code == 200 and blob.content == image

    # -- Telegram: one photo whose caption has the bold and the link as entities.
    [message] = telegram.posts()
    assert message.kind == "photo" and message.file["data"] == image
    assert message.text == RICH
    shown["telegram"] = message.text
    assert message.marked("bold") == ["Cozonac"]
    assert message.links() == [("comandă aici", URL)]
    assert "<b>Cozonac</b>" in message.html
    assert records[(POST_ID, "telegram")]["remote_id"] == str(message.message_id)

    # -- Facebook: the photo posted to the page, its message plain text with the URL.
    [post] = graph.live_posts(PAGE)
    assert records[(POST_ID, "facebook")]["remote_id"] == post["id"]
    got = requests.get(
        f"{graph.api}/{post['id']}",
        params={"fields": "message", "access_token": FB_TOKEN},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    assert got.json()["message"] == PLAIN
    shown["facebook"] = got.json()["message"]
    [photo] = [graph.photos[i] for i in post["attached_media"]]
    assert photo["sha256"] == hashlib.sha256(image).hexdigest()
    assert photo["alt_text_custom"] == ALT

    # -- Instagram: plain caption; the image fetched from the static site, byte for byte.
    [media] = graph.live_media(IG_USER)
    assert records[(POST_ID, "instagram")]["remote_id"] == media["id"]
    got = requests.get(
        f"{graph.api}/{IG_USER}/media",
        params={"fields": "caption", "access_token": IG_TOKEN},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    [row] = got.json()["data"]
    assert row["id"] == media["id"] and row["caption"] == PLAIN
    shown["instagram"] = row["caption"]
    assert media["alt_text"] == ALT and media["media_type"] == "IMAGE"
    [fetched] = graph.fetched
    assert fetched == f"{site.url}/repo/content/{GROUP}/media/cozonac.jpg"
    assert requests.get(fetched, timeout=10).content == image
    assert media["sha256"] == [hashlib.sha256(image).hexdigest()]

    # -- TikTok: a photo post, its description plain text (TikTok links nothing), the image
    # pulled from the public URL byte for byte.
    [clip] = tiktok.posts
    assert clip.kind == "PHOTO" and clip.photos == [image]
    assert records[(POST_ID, "tiktok")]["url"] == clip.url
    shown["tiktok"] = clip.description
    assert clip.description == PLAIN

    # -- The words a reader sees are the same everywhere, diacritics and emoji intact.
    assert set(shown) == set(ACCOUNTS)
    for platform, text in shown.items():
        assert text.startswith(HEAD) and text.endswith(" #Crăciun2026"), platform
        for word in WORDS:
            assert word in text, (platform, word)
        assert "*" not in text and "[" not in text, platform
