"""Issues #4, #16 and #20: the same post goes to all ten platforms in one `smmflow sync`, each
with its own rendering, verified by reading it back from each platform's server.

The post has Romanian diacritics, an emoji, a link, bold, a hashtag and a JPEG with alt
text. Servers, all real HTTP on loopback, set up as the per-platform tests set them up:
Mastodon (tests/servers/mastodon.py), Bluesky (the reference PDS of tests/pdsfixture.py),
Telegram (telegram.py), Facebook Page and Instagram (meta.py, Instagram downloading the
image from a loopback static site, as its crawler does), VK (vk.py), X (x.py), LinkedIn
(linkedin.py), Threads (threads.py, downloading from the static site too) and TikTok as a
photo post (tiktok.py, pulling the image from the same site under a verified prefix).
YouTube takes videos only and Google Business Profile photos of at least 10 KB: their own
post shapes are in tests/test_platforms_video.py.

One module fixture starts the servers and runs the one sync; each test reads one
platform back.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from repohelp import base_env, commit, group_yaml, init_repo, ledger, smmflow, status_rows, write
from servers import little
from servers.linkedin import LinkedInServer
from servers.mastodon import MastodonServer
from servers.meta import MetaGraph, StaticSite
from servers.telegram import BotApiServer
from servers.threads import ThreadsServer
from servers.tiktok import TikTokServer
from servers.vk import VkServer
from servers.x import XServer

from smmflow.text.count import x_weighted

PROJECT = Path(__file__).resolve().parents[1]
JPEG = PROJECT / "content" / "brutaria-dulce" / "media" / "aluat-cozonac.jpg"
NOW = "2026-12-15 12:00"
GROUP = "brutaria"
SLUG = "2026-12-15-cozonac"
POST_ID = f"{GROUP}/{SLUG}"
ACCOUNTS = (
    "mastodon",
    "bluesky",
    "telegram",
    "facebook",
    "instagram",
    "vk",
    "x",
    "linkedin",
    "threads",
    "tiktok",
)

MASTO_TOKEN = "good-token"  # MastodonServer's default token (account @bakery)
PAGE = "104857392016483"
FB_TOKEN = "EAAGfb-page-token-0123456789abcdef"
IG_USER = "17841405822304914"
IG_TOKEN = "EAAGig-user-token-fedcba9876543210"
BSKY_ENV = "TEST_BSKY_APP_PASSWORD"
VK_GROUP, VK_ADMIN, VK_TOKEN = 229_000_001, 743_784_474, "vk1.a.community-admin-token-Vk4Jd6Hs"
X_USER, X_TOKEN = "1460000000000000001", "x-oauth2-user-token-Xq7Kp2Lm"
LI_ORG, LI_TOKEN = "urn:li:organization:2414183", "AQV-linkedin-token-Lw3Rt9Vb"
TH_USER, TH_TOKEN = "17841400000000001", "THAA-threads-token-Th5Nc8Qz"
TT_REFRESH = "rft.brutaria-all-platforms"

URL = "https://example.ro/cozonac"
ALT = "Cozonac împletit, cu nucă, pe masă — «ca la bunica»"
BODY = (
    "**Cozonac** cu nucă și stafide 🎄, țuică și pâine caldă în fiecare dimineață. "
    f"Comenzi: [comandă aici]({URL}) #Crăciun2026"
)
HEAD = "Cozonac cu nucă și stafide 🎄, țuică și pâine caldă în fiecare dimineață. Comenzi: "
# What each platform should show: plain text with the URL after the anchor where links
# are not clickable (Mastodon, Facebook, Instagram, VK, X, LinkedIn, Threads); the anchor
# alone, made a link, where the platform has rich text (Bluesky facets, Telegram entities).
PLAIN = f"{HEAD}comandă aici ({URL}) #Crăciun2026"
RICH = f"{HEAD}comandă aici #Crăciun2026"
WORDS = ("Cozonac", "nucă", "și", "🎄", "țuică", "pâine", "caldă", "în", "comandă aici")
IMAGE = JPEG.read_bytes()
SHA = hashlib.sha256(IMAGE).hexdigest()


@dataclass
class World:
    """The servers, the repository and what the one sync left."""

    mastodon: MastodonServer
    telegram: BotApiServer
    graph: MetaGraph
    site: StaticSite
    vk: VkServer
    x: XServer
    linkedin: LinkedInServer
    threads: ThreadsServer
    tiktok: TikTokServer
    pds: object
    root: Path
    records: dict
    shown: dict  # platform -> the text a reader sees, filled by each test


def _servers(www: Path, pds) -> dict:
    graph = MetaGraph().start()
    graph.add_page(PAGE, "Brutăria Dulce", FB_TOKEN)
    graph.add_ig_user(IG_USER, "brutariadulce", IG_TOKEN)
    telegram = BotApiServer()
    telegram.channel("brutariadulce", title="Brutăria Dulce")
    telegram.start()
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
    threads = ThreadsServer()
    threads.add_user(TH_USER, "brutariadulce", TH_TOKEN)
    tiktok = TikTokServer()
    tiktok.add_creator("open-brutaria", "brutariadulce", "act.unused")
    tiktok.add_refresh_token(TT_REFRESH, "open-brutaria")
    return dict(
        mastodon=MastodonServer().start(),
        telegram=telegram,
        graph=graph,
        site=StaticSite(www).start(),
        vk=vk.start(),
        x=x.start(),
        linkedin=linkedin.start(),
        threads=threads.start(),
        tiktok=tiktok.start(),
        pds=pds,
    )


def _accounts(s: dict) -> dict:
    alice = s["pds"].accounts["alice"]
    public = f"{s['site'].url}/repo/content/{GROUP}"
    return {
        "mastodon": {
            "platform": "mastodon",
            "instance": s["mastodon"].url,
            "token_env": "MASTO_TOKEN",
        },
        "bluesky": {
            "platform": "bluesky",
            "handle": alice.handle,
            "pds": s["pds"].url,
            "password_env": BSKY_ENV,
        },
        "telegram": {
            "platform": "telegram",
            "chat": "@brutariadulce",
            "api": s["telegram"].url,
            "token_env": "TG_TOKEN",
        },
        "facebook": {
            "platform": "facebook",
            "page": PAGE,
            "api": s["graph"].api,
            "token_env": "FB_TOKEN",
        },
        "instagram": {
            "platform": "instagram",
            "user": IG_USER,
            "api": s["graph"].api,
            "token_env": "IG_TOKEN",
            "media_base_url": public,
        },
        "vk": {
            "platform": "vk",
            "owner": f"-{VK_GROUP}",
            "api": s["vk"].api,
            "token_env": "VK_TOKEN",
        },
        "x": {"platform": "x", "api": s["x"].url, "token_env": "X_TOKEN"},
        "linkedin": {
            "platform": "linkedin",
            "author": LI_ORG,
            "api": s["linkedin"].api,
            "token_env": "LI_TOKEN",
        },
        "threads": {
            "platform": "threads",
            "user": TH_USER,
            "api": s["threads"].api,
            "token_env": "TH_TOKEN",
            "media_base_url": public,
        },
        "tiktok": {
            "platform": "tiktok",
            "client_key_env": "TT_KEY",
            "client_secret_env": "TT_SECRET",
            "refresh_token_env": "TT_REFRESH",
            "privacy": "PUBLIC_TO_EVERYONE",
            "api": s["tiktok"].url,
            "media_base_url": public,
        },
    }


@pytest.fixture(scope="module")
def world(pds, tmp_path_factory):
    www = tmp_path_factory.mktemp("all") / "www"
    www.mkdir()
    servers = _servers(www, pds)
    servers["tiktok"].verify_prefix(f"{servers['site'].url}/repo/")  # the portal's URL check
    try:
        # The repository lives inside the static site's folder, so content/<group>/ has a
        # public URL for Instagram and Threads, like raw.githubusercontent.com would give.
        root = init_repo(www / "repo")
        write(
            root,
            f"schedules/{GROUP}.yml",
            group_yaml("Brutăria", "Europe/Bucharest", _accounts(servers)),
        )
        (root / "content" / GROUP / "media").mkdir(parents=True)
        shutil.copyfile(JPEG, root / "content" / GROUP / "media" / "cozonac.jpg")
        write(
            root,
            f"content/{GROUP}/{SLUG}.md",
            "---\ndate: 2026-12-15 10:00\ntype: sales\nmedia:\n"
            f"  - src: media/cozonac.jpg\n    alt: {json.dumps(ALT, ensure_ascii=False)}\n"
            f"---\n{BODY}\n",
        )
        commit(root, "one post for every platform")
        env = base_env(
            MASTO_TOKEN=MASTO_TOKEN,
            TG_TOKEN=servers["telegram"].token,
            FB_TOKEN=FB_TOKEN,
            IG_TOKEN=IG_TOKEN,
            VK_TOKEN=VK_TOKEN,
            X_TOKEN=X_TOKEN,
            LI_TOKEN=LI_TOKEN,
            TH_TOKEN=TH_TOKEN,
            TT_KEY=servers["tiktok"].client_key,
            TT_SECRET=servers["tiktok"].client_secret,
            TT_REFRESH=TT_REFRESH,
            SMMFLOW_STATE_DIR=str(tmp_path_factory.mktemp("state")),
            SMMFLOW_TIMEOUT="20",  # the reference PDS is slower than the loopback servers
            **{BSKY_ENV: pds.accounts["alice"].app_password},
        )
        result = smmflow(root, "sync", "--now", NOW, "--format", "json", env=env)
        assert result.code == 0, str(result)
        assert {(o["post"], o["account"]): o["state"] for o in result.json["outcomes"]} == {
            (POST_ID, a): "published" for a in ACCOUNTS
        }, str(result)
        rows = status_rows(root, NOW, env=env)
        assert {a: rows[(POST_ID, a)]["state"] for a in ACCOUNTS} == dict.fromkeys(
            ACCOUNTS, "published"
        )
        yield World(**servers, root=root, records=ledger(root), shown={})
    finally:
        for name, server in servers.items():
            if name != "pds":
                server.stop()


def remote_id(world: World, account: str) -> str:
    record = world.records[(POST_ID, account)]
    assert record["state"] == "published", record
    return record["remote_id"]


def test_every_platform_published_it_once(world):
    assert {a: world.records[(POST_ID, a)]["state"] for a in ACCOUNTS} == dict.fromkeys(
        ACCOUNTS, "published"
    )
    assert len(world.vk.wall(-VK_GROUP)) == len(world.x.timeline(X_USER)) == 1
    assert len(world.linkedin.live_posts()) == len(world.threads.live_media()) == 1


def test_mastodon(world):
    # Plain text, the URL after the anchor; the image with its description.
    [status] = world.mastodon.live()
    assert remote_id(world, "mastodon") == status["id"]
    got = requests.get(
        f"{world.mastodon.url}/api/v1/statuses/{status['id']}",
        headers={"Authorization": f"Bearer {MASTO_TOKEN}"},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    back = got.json()
    assert back["content"] == f"<p>{html.escape(PLAIN)}</p>"
    reads_alike(html.unescape(back["content"][len("<p>") : -len("</p>")]), PLAIN)
    assert [m["description"] for m in back["media_attachments"]] == [ALT]
    [upload] = world.mastodon.media.values()
    assert upload["data"] == IMAGE and upload["content_type"] == "image/jpeg"


def test_bluesky(world):
    # The anchor is a link facet, the hashtag a tag facet, the image has its alt.
    pds, alice = world.pds, world.pds.accounts["alice"]
    rkey = remote_id(world, "bluesky").rsplit("/", 1)[1]
    got = pds.get_record(alice.did, rkey)
    assert got.status_code == 200, got.text
    value = got.json()["value"]
    reads_alike(value["text"], RICH)
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
    assert blob.status_code == 200 and blob.content == IMAGE


def test_telegram(world):
    # One photo whose caption has the bold and the link as entities.
    [message] = world.telegram.posts()
    assert message.kind == "photo" and message.file["data"] == IMAGE
    reads_alike(message.text, RICH)
    assert message.marked("bold") == ["Cozonac"]
    assert message.links() == [("comandă aici", URL)]
    assert "<b>Cozonac</b>" in message.html
    assert remote_id(world, "telegram") == str(message.message_id)


def test_facebook(world):
    # The photo posted to the page, its message plain text with the URL.
    graph = world.graph
    [post] = graph.live_posts(PAGE)
    assert remote_id(world, "facebook") == post["id"]
    got = requests.get(
        f"{graph.api}/{post['id']}",
        params={"fields": "message", "access_token": FB_TOKEN},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    reads_alike(got.json()["message"], PLAIN)
    [photo] = [graph.photos[i] for i in post["attached_media"]]
    assert photo["sha256"] == SHA and photo["alt_text_custom"] == ALT


def test_instagram(world):
    # Plain caption; the image fetched from the static site, byte for byte.
    graph, site = world.graph, world.site
    [media] = graph.live_media(IG_USER)
    assert remote_id(world, "instagram") == media["id"]
    got = requests.get(
        f"{graph.api}/{IG_USER}/media",
        params={"fields": "caption", "access_token": IG_TOKEN},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    [row] = got.json()["data"]
    assert row["id"] == media["id"]
    reads_alike(row["caption"], PLAIN)
    assert media["alt_text"] == ALT and media["media_type"] == "IMAGE"
    [fetched] = graph.fetched
    assert fetched == f"{site.url}/repo/content/{GROUP}/media/cozonac.jpg"
    assert media["sha256"] == [SHA]


def vk_call(world: World, method: str, **params) -> dict:
    answer = requests.post(
        f"{world.vk.api}/{method}",
        data={**params, "v": "5.199"},
        headers={"Authorization": f"Bearer {VK_TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 200 and "response" in answer.json(), answer.text
    return answer.json()["response"]


def test_vk(world):
    # Posted as the community, plain text; the photo uploaded through the wall upload
    # server, the alt text as its caption (VK has no alt text).
    owner, _, post_id = remote_id(world, "vk").rpartition("_")
    [item] = vk_call(world, "wall.getById", posts=f"{owner}_{post_id}")["items"]
    assert item["from_id"] == -VK_GROUP and item["owner_id"] == -VK_GROUP
    reads_alike(item["text"], PLAIN)
    [attachment] = item["attachments"]
    assert attachment["type"] == "photo" and attachment["photo"]["text"] == ALT
    [stored] = world.vk.media_of(world.vk.post(-VK_GROUP, int(post_id)))
    assert stored["sha256"] == SHA
    assert world.records[(POST_ID, "vk")]["url"] == f"https://vk.com/wall-{VK_GROUP}_{post_id}"


def test_x(world):
    # Plain text; X shows the link as t.co (its entity expands it back) and appends the
    # image's link; the image went up with its alt text.
    post_id = remote_id(world, "x")
    got = requests.get(
        f"{world.x.url}/2/tweets/{post_id}",
        params={
            "tweet.fields": "entities,attachments",
            "expansions": "attachments.media_keys",
            "media.fields": "alt_text",
        },
        headers={"Authorization": f"Bearer {X_TOKEN}"},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    back = got.json()
    text = back["data"]["text"]
    for link in back["data"]["entities"]["urls"]:
        text = text.replace(link["url"], link["expanded_url"])
    written, media_link = html.unescape(text).rsplit(" ", 1)
    assert media_link.startswith("https://t.co/")
    reads_alike(written, PLAIN)
    assert x_weighted(PLAIN) <= 280
    [media] = back["includes"]["media"]
    assert media["alt_text"] == ALT and media["type"] == "photo"
    [tweet] = world.x.timeline(X_USER)
    assert world.x.media_of(tweet)[0]["data"] == IMAGE


def test_linkedin(world):
    # The commentary as little text: read back whole (nothing cut), the hashtag a hashtag;
    # the image uploaded with initializeUpload, with its alt text.
    urn = remote_id(world, "linkedin")
    got = requests.get(
        f"{world.linkedin.api}/posts/{requests.utils.quote(urn, safe='')}",
        headers={
            "Authorization": f"Bearer {LI_TOKEN}",
            "LinkedIn-Version": "202601",
            "X-Restli-Protocol-Version": "2.0.0",
        },
        timeout=10,
    )
    assert got.status_code == 200, got.text
    back = got.json()
    shown = little.render(back["commentary"])
    assert not shown.cut and shown.hashtags == ["Crăciun2026"]
    reads_alike(shown.text, PLAIN)
    assert back["author"] == LI_ORG and back["content"]["media"]["altText"] == ALT
    assert world.linkedin.view(urn)["media"][0]["sha256"] == SHA


def test_threads(world):
    # Plain text; the image fetched from the public URL, with its alt text.
    media_id = remote_id(world, "threads")
    got = requests.get(
        f"{world.threads.api}/{media_id}",
        params={"fields": "text,alt_text,media_type,permalink", "access_token": TH_TOKEN},
        timeout=10,
    )
    assert got.status_code == 200, got.text
    back = got.json()
    reads_alike(back["text"], PLAIN)
    assert back["alt_text"] == ALT and back["media_type"] == "IMAGE"
    assert world.records[(POST_ID, "threads")]["url"] == back["permalink"]
    [stored] = world.threads.live_media(TH_USER)
    assert stored["sha256"] == [SHA]
    assert f"{world.site.url}/repo/content/{GROUP}/media/cozonac.jpg" in world.threads.fetched


def test_tiktok(world):
    # A photo post: its description plain text (TikTok links nothing), the image pulled
    # from the public URL byte for byte.
    [clip] = world.tiktok.posts
    assert clip.kind == "PHOTO" and clip.photos == [IMAGE]
    assert world.records[(POST_ID, "tiktok")]["url"] == clip.url
    reads_alike(clip.description, PLAIN)


def reads_alike(text: str, expected: str) -> None:
    """The words a reader sees are the same everywhere, diacritics and emoji intact."""
    assert text == expected
    assert text.startswith(HEAD) and text.endswith(" #Crăciun2026")
    for word in WORDS:
        assert word in text, word
    assert "*" not in text and "[" not in text
