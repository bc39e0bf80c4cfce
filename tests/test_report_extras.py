"""The report's community and ads sections and their invoice lines, from the inbox and ads
features: a month with answered and overdue inbox items (the answers recorded on the
ledger as `smmflow reply` records them, the comments in the local store) and a promotion
pushed, paused, to the loopback Meta Marketing API and VK Ads servers, whose spend in the
month is asked of their insights. For a `language: ro` group: in Romanian, in HTML, JSON
and CSV. Without the local store, or without the ad tokens, the report says what it could
not count instead of inventing it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from adshelp import NOW, VK_CLIENT, commit_all, env, make_repo, meta_server, publish_both, vk_server
from repohelp import cli, write

from smmflow.ads.session import Options, run_push
from smmflow.community.store import Store
from smmflow.content.timeparse import parse_now
from smmflow.ledger.actions import ActionRecord, open_actions
from smmflow.platforms.community import Item, item_id

BILLING = """\
language: ro
billing:
  currency: RON
  base_fee: 1000
  per_campaign: 100
  per_inbox_item: 5
"""
COMMUNITY = "answer_within: 4h\n"
UTC = dt.timezone.utc
SECRET_WORDS = "Cât costă livrarea la Cluj?"  # a commenter's words: never in a report


def _at(day: int, hour: int, month: int = 12, year: int = 2026) -> float:
    return dt.datetime(year, month, day, hour, tzinfo=UTC).timestamp()


def _stamp(when: float) -> str:
    return dt.datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# remote id, text, written, answered (None: not by smmflow)
COMMENTS = (
    ("c1", SECRET_WORDS, _at(11, 10), _at(11, 11)),  # answered in 1 h
    ("c2", "Aveți și pentru copii?", _at(12, 10), _at(12, 18)),  # in 8 h: overdue
    ("c3", "Când deschideți?", _at(13, 10), None),  # still waiting: overdue
    ("c4", "Superb!", _at(14, 10), None),  # not a question
    ("c0", "Ce preț are?", _at(30, 10, 11), None),  # November: not this month
)


def _inbox(root: Path) -> None:
    """The store as `smmflow inbox` leaves it, and the answers as `smmflow reply`
    records them on the ledger branch (ids, who, when: no words)."""
    items = [Item(rid, "comment", "u-" + rid, "Ana", text, at) for rid, text, at, _ in COMMENTS]
    with Store(root) as store:
        store.add("shop", "facebook", "facebook", items, {}, lambda text: "?" in text)
    records = [
        ActionRecord(
            "shop",
            "facebook",
            item_id("facebook", rid),
            "reply",
            "facebook",
            "done",
            target=rid,
            key="k" * 32,
            who="ana-admin",
            claimed_at=_stamp(answered),
            done_at=_stamp(answered),
            updated_at=_stamp(answered),
        )  # fmt: skip
        for rid, _, _, answered in COMMENTS
        if answered is not None
    ]
    store, ledger = open_actions(root, None, str)
    try:
        ledger.transact(lambda current: records, "inbox: answers")
    finally:
        store.close()


@pytest.fixture
def month(serve, tmp_path, monkeypatch):
    for key, value in {"SMMFLOW_RETRIES": "1", "SMMFLOW_TIMEOUT": "5"}.items():
        monkeypatch.setenv(key, value)
    meta = serve(meta_server())
    vk = serve(vk_server())
    vk.token = vk.grant(VK_CLIENT)
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]", group_extra=BILLING)
    write(root, "community/shop.yml", COMMUNITY)
    commit_all(root, "community rules")
    publish_both(root)
    options = Options(parse_now(NOW))
    report = run_push(root, options, env(meta, vk))
    assert [o.state for o in report.outcomes] == ["created", "created"], report.outcomes
    ad = meta.live("ads")[0]["id"]
    meta.deliver(ad, date="2026-12-11", spend="12.5", impressions=900, clicks=31,
                 actions={"post_engagement": 44})  # fmt: skip
    meta.deliver(ad, date="2027-01-02", spend="7", impressions=100, clicks=3,
                 actions={"post_engagement": 5})  # next month: not December's  # fmt: skip
    banner = vk.live("banners")[0]["id"]
    vk.deliver(banner, "2026-12-11", shows=1200, clicks=40, spent="250.5", goals=9)
    vk.deliver(banner, "2027-01-03", shows=50, clicks=1, spent="10", goals=1)
    _inbox(root)
    return root, meta, vk


def _report(root: Path, fmt: str, environ: dict[str, str]) -> str:
    out = root / "reports"
    done = cli(root, "report", "--month", "2026-12", "--format", fmt, "--out", str(out),
               "--now", "2027-01-05 12:00", env=environ)  # fmt: skip
    assert done.code == 0, str(done)
    return (out / f"shop-2026-12.{fmt}").read_text(encoding="utf-8")


def _section(data: dict, key: str) -> dict:
    return next(s for s in data["sections"] if s["key"] == key)


def _figures(section: dict) -> dict:
    [part] = [p for p in section["parts"] if p["type"] == "figures"]
    return {f["key"]: f["value"] for f in part["items"]}


def _texts(section: dict) -> list[str]:
    return [p["text"] for p in section["parts"] if p["type"] == "text"]


def test_community_ads_and_their_invoice_lines_in_romanian(month):
    root, meta, vk = month
    environ = env(meta, vk)
    data = json.loads(_report(root, "json", environ))
    community = _section(data, "community")
    assert community["title"] == "Comunitate"
    assert _figures(community) == {
        "items": 4, "answered": 2, "median_answer": 4.5 * 3600, "overdue": 2,
    }  # fmt: skip
    assert _texts(community) == ["Întârziate: întrebări la care nu s-a răspuns în 4 h."]
    ads = _section(data, "ads")
    figures = _figures(ads)
    assert figures["campaigns"] == 2
    assert figures["spend"] == "12,50\xa0EUR + 250,50\xa0RUB", figures
    [table] = [p for p in ads["parts"] if p["type"] == "table"]
    rows = {r["platform"]: r for r in table["rows"]}
    assert rows["VK"]["status"] == "oprită" and rows["VK"]["results"] == 9
    meta_row = rows["Meta (Facebook, Instagram)"]
    assert (meta_row["spend"], meta_row["impressions"], meta_row["results"]) == (
        "12,50\xa0EUR", 900, 44,
    )  # fmt: skip
    assert meta_row["campaign"] == "Big December sale at the shop by Piața Unirii."
    lines = {line["item"]: line for line in data["invoice"]["lines"]}
    assert (lines["per_campaign"]["quantity"], lines["per_campaign"]["amount"]) == (2, "200.00")
    assert (lines["per_inbox_item"]["quantity"], lines["per_inbox_item"]["amount"]) == (2, "10.00")
    # Meta was asked for December's days only, VK for December's statistics
    [asked] = [c for c in meta.of("GET", r"/insights$")][-1:]
    assert json.loads(asked.params["time_range"]) == {"since": "2026-12-01", "until": "2026-12-31"}

    page = _report(root, "html", environ)
    for words in ("Comunitate", "Cu răspuns", "Întârziate", "Campanii", "oprită", "12,50"):
        assert words in page, words
    assert SECRET_WORDS not in page and "Ana" not in page  # nobody's words, nobody's name
    rows = list(csv.DictReader(io.StringIO(_report(root, "csv", environ))))
    amounts = {r["item"]: (r["quantity"], r["amount"]) for r in rows}
    assert amounts["per_campaign"] == ("2", "200.00")
    assert amounts["per_inbox_item"] == ("2", "10.00")


def test_without_the_store_or_the_ad_tokens_the_report_says_so(month):
    root, meta, vk = month
    shutil.rmtree(root / ".smmflow")
    no_tokens = env(meta, vk)
    no_tokens.pop("SHOP_META_ADS")
    no_tokens.pop("SHOP_VK_ADS")
    data = json.loads(_report(root, "json", no_tokens))
    community = _section(data, "community")
    assert _figures(community) == {
        "items": None, "answered": 2, "median_answer": None, "overdue": None,
    }  # fmt: skip
    [said] = _texts(community)
    assert said.startswith("Comentariile din inbox se păstrează doar pe calculatorul")
    assert not (root / ".smmflow").exists()  # the report made no store
    ads = _section(data, "ads")
    assert _figures(ads)["campaigns"] == 2 and _figures(ads)["spend"] == "—"
    assert any("nu au putut fi citite" in t for t in _texts(ads))
    lines = {line["item"]: line for line in data["invoice"]["lines"]}
    assert lines["per_inbox_item"]["quantity"] == 2 and lines["per_campaign"]["quantity"] == 2
