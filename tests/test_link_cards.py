"""Issue #18, item 3: link cards.

Bluesky gets an `app.bsky.embed.external` for the first link of a post without pictures,
read back from the reference PDS with its thumb blob; the page is a loopback server
(tests/servers/pages.py). A page without Open Graph tags, a 50 MB page and a page that
never answers in time each leave the post going out (without a card, or with what the
first bytes said), never blocked. `card:` in the front matter gives the card or switches
it off (Telegram's `link_preview_options` too), checked with path:line.
"""

from __future__ import annotations

import json

import pytest
import requests
from imagehelp import facts, phone_jpeg, text_png
from publishhelp import GROUP, make_repo, run
from repohelp import commit, write
from servers.pages import PageServer
from servers.telegram import BotApiServer

from smmflow.content.repo import load
from smmflow.platforms import bluesky_card, linkcard
from smmflow.platforms.base import Attempt
from smmflow.platforms.bluesky import Bluesky
from smmflow.platforms.telegram import link_preview

PHOTO = phone_jpeg(1600, 1200, orientation=1)


@pytest.fixture(scope="module")
def pages():
    server = PageServer(PHOTO, hold=5.0).start()
    yield server
    server.stop()


def _bluesky(pds, tmp_path, posts: dict, files: dict | None = None):
    alice = pds.accounts.get("alice") or pds.create_account("alice")
    account = {"platform": "bluesky", "handle": alice.handle, "pds": pds.url, "password_env": "B"}
    repo = make_repo(tmp_path / "repo", {"bsky": account}, posts, files)
    return run(repo, "bsky", {"B": alice.app_password}), alice


def _record(pds, alice, receipt) -> dict:
    rkey = receipt.remote_id.rsplit("/", 1)[-1]
    answer = pds.get_record(alice.did, rkey)
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def _blob(pds, alice, blob: dict) -> bytes:
    got = requests.get(
        pds.xrpc("com.atproto.sync.getBlob"),
        params={"did": alice.did, "cid": blob["ref"]["$link"]},
        timeout=30,
    )
    assert got.status_code == 200, got.text
    return got.content


def test_bluesky_card_from_the_pages_open_graph_tags(pds, pages, tmp_path):
    url = f"{pages.url}/bread"
    body = f"Cozonac proaspăt: [comandă aici]({url}) și [altul]({pages.url}/plain)"
    runner, alice = _bluesky(pds, tmp_path, {"2026-12-04-card": (body, [])})
    receipt = runner.send("2026-12-04-card")
    record = _record(pds, alice, receipt)
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert external["uri"] == url  # the first link, not the second
    assert external["title"] == "Cozonac cu nucă & stafide"
    assert external["description"] == "Copt azi, în cuptorul cu lemne."
    thumb = external["thumb"]
    assert thumb["mimeType"] == "image/jpeg" and thumb["size"] <= 1_000_000
    data = _blob(pds, alice, thumb)
    got = facts(data)  # the page's photo, without the GPS position it carried
    assert got["gps"] == {} and got["exif"] == {} and got["leaks"] == []
    assert facts(PHOTO)["gps"] and receipt.note == ""


def test_a_page_without_open_graph_tags_gives_a_post_without_a_card(pds, pages, tmp_path):
    body = f"Vezi [pagina]({pages.url}/plain)"
    runner, alice = _bluesky(pds, tmp_path, {"2026-12-04-plain": (body, [])})
    receipt = runner.send("2026-12-04-plain")
    record = _record(pds, alice, receipt)
    assert "embed" not in record and record["text"] == "Vezi pagina"
    assert "no link card" in receipt.note and "no title" in receipt.note


def test_a_page_that_does_not_answer_in_time_never_blocks_the_post(
    pds, pages, tmp_path, monkeypatch
):
    monkeypatch.setattr(linkcard, "TIMEOUT", 0.5)
    body = f"Vezi [pagina]({pages.url}/slow)"
    runner, alice = _bluesky(pds, tmp_path, {"2026-12-04-slow": (body, [])})
    receipt = runner.send("2026-12-04-slow")
    assert "embed" not in _record(pds, alice, receipt)
    assert "no link card" in receipt.note and "Timeout" in receipt.note


def test_a_50_mb_page_is_read_only_up_to_the_cap(pages):
    found = linkcard.fetch_page(requests.Session(), f"{pages.url}/huge")
    assert isinstance(found, linkcard.Page) and found.title == "A very long page"
    assert pages.huge_done.wait(20)
    assert pages.sent["/huge"] < 10 * 1024 * 1024  # of 50 MB: the reader hung up early


def test_the_front_matter_card_wins_and_its_image_is_sent_clean(pds, pages, tmp_path):
    url = f"{pages.url}/bread"
    posts = {"2026-12-04-own": (f"Comenzi: [aici]({url})", [])}
    runner, alice = _bluesky(pds, tmp_path, posts, {"media/card.png": text_png()})
    path = runner.repo.root / "content" / GROUP / "2026-12-04-own.md"
    text = path.read_text(encoding="utf-8").replace(
        "type: informative\n",
        "type: informative\ncard:\n  title: Comandă cozonac\n"
        "  description: Livrare în București\n  image: media/card.png\n",
    )
    write(runner.repo.root, f"content/{GROUP}/2026-12-04-own.md", text)
    commit(runner.repo.root, "card")
    runner = run(load(runner.repo.root), "bsky", {"B": alice.app_password})
    hits = len(pages.hits)
    record = _record(pds, alice, runner.send("2026-12-04-own"))
    external = record["embed"]["external"]
    assert (external["title"], external["description"]) == (
        "Comandă cozonac",
        "Livrare în București",
    )
    assert external["thumb"]["mimeType"] == "image/png"
    got = facts(_blob(pds, alice, external["thumb"]))
    assert got["format"] == "PNG" and got["info"] == [] and got["leaks"] == []
    assert pages.hits[hits:] == []  # title and image given: the page was not fetched


def test_pictures_mean_no_card(pds, pages, tmp_path):
    body = f"Vezi [pagina]({pages.url}/bread)"
    posts = {"2026-12-04-poza": (body, [("media/p.jpg", "Pâine")])}
    runner, alice = _bluesky(pds, tmp_path, posts, {"media/p.jpg": PHOTO})
    record = _record(pds, alice, runner.send("2026-12-04-poza"))
    assert record["embed"]["$type"] == "app.bsky.embed.images"  # one embed: pictures win


def _telegram_post(tmp_path, card: str, extra: str = ""):
    server = BotApiServer()
    server.channel("brutariadulce", title="Brutăria Dulce")
    server.start()
    account = {
        "platform": "telegram",
        "chat": "@brutariadulce",
        "api": server.url,
        "token_env": "T",
    }
    repo = make_repo(
        tmp_path / "repo", {"tg": account}, {"2026-12-04-tg": ("Vezi https://a.ro/x", [])}
    )
    write(
        repo.root,
        f"content/{GROUP}/2026-12-04-tg.md",
        f"---\ndate: 2026-12-04 10:00\ntype: informative\n{card}{extra}---\nVezi https://a.ro/x\n",
    )
    commit(repo.root, "card")
    return server, run(load(repo.root), "tg", {"T": server.token})


def test_telegram_link_preview_follows_the_card(tmp_path):
    server, runner = _telegram_post(tmp_path, "card: false\n")
    try:
        runner.send("2026-12-04-tg")
        [call] = server.sends()
        options = call.params["link_preview_options"]
        assert (json.loads(options) if isinstance(options, str) else options) == {
            "is_disabled": True
        }
    finally:
        server.stop()
    post = runner.post("2026-12-04-tg")
    assert link_preview(post) == {"is_disabled": True}
    # and Bluesky makes no card either, without fetching anything
    rendered = Bluesky.render(post)
    assert bluesky_card.first_link(rendered) == "https://a.ro/x"
    assert bluesky_card.external(post, rendered, Attempt("k"), None, None, Bluesky.limits) == (
        None,
        "",
    )


def test_telegram_preview_url_and_placement(tmp_path):
    card = "card:\n  url: https://a.ro/pagina\n"
    server, runner = _telegram_post(tmp_path, card, "telegram:\n  link_preview: above\n")
    server.stop()
    assert link_preview(runner.post("2026-12-04-tg")) == {
        "url": "https://a.ro/pagina",
        "show_above_text": True,
    }


def test_card_keys_are_checked_with_their_lines(tmp_path):
    server, runner = _telegram_post(
        tmp_path,
        "card:\n  titel: x\n  url: ftp://a.ro\n  image: ../secret.jpg\n",
        "telegram:\n  link_preview: sideways\n",
    )
    server.stop()
    found = {
        (p.line, p.field, p.code)
        for p in load(runner.repo.root).problems
        if p.path.endswith("2026-12-04-tg.md")
    }
    assert {f for _, f, _ in found} >= {
        "card.titel",
        "card.url",
        "card.image",
        "telegram.link_preview",
    }
    lines = {f: line for line, f, _ in found}
    assert (lines["card.titel"], lines["card.url"], lines["card.image"]) == (5, 6, 7)
    assert lines["telegram.link_preview"] == 9


def test_the_cards_image_is_part_of_what_an_approval_approves(tmp_path):
    """`card: {image: ...}` is sent like media, so it is approved like media: the unit of
    the post names it, and a change to it changes the unit (a new approval is needed)."""
    from smmflow.ledger.committed import Committed
    from smmflow.ledger.gitstore import Store

    account = {"platform": "feed"}
    repo = make_repo(
        tmp_path / "repo", {"feed": account}, {"2026-12-04-c": ("Vezi https://a.ro/x", [])}
    )
    root = repo.root
    (root / "content" / GROUP / "media").mkdir(parents=True, exist_ok=True)
    (root / "content" / GROUP / "media" / "card.png").write_bytes(text_png(40, 30))
    write(
        root,
        f"content/{GROUP}/2026-12-04-c.md",
        "---\ndate: 2026-12-04 10:00\ntype: informative\ncard:\n  image: media/card.png\n"
        "---\nVezi https://a.ro/x\n",
    )
    commit(root, "card image")
    store = Store(root)
    try:
        post = next(p for p in load(root).posts if p.slug == "2026-12-04-c")
        first = Committed(store, "HEAD").unit(post)
        assert f"content/{GROUP}/media/card.png" in first
        (root / "content" / GROUP / "media" / "card.png").write_bytes(text_png(41, 30))
        commit(root, "another card image")
        assert Committed(store, "HEAD").unit(post) != first
    finally:
        store.close()
