"""`smmflow report`: the example's Clinica Zâmbet in December 2026, checked number by number
against a hand count.

The setting (one module fixture, built once): the example content, with the clinic's posts
reaching main through two pull requests on a loopback GitHub (the first with two rounds of
changes asked, approved after 27 h 3 min; the second approved after 3 h 1 min); a ledger
seeded with what happened to each (post, account) pair (below: on time, late, failed,
unknown, missed, draft); and `smmflow metrics` run on 15 and 31 December against loopback
Mastodon, Graph and Bot API servers holding the numbers below.

Hand count (43 publications: 12 posts × their accounts; the draft's 3 are planned):
published 37, missed 1 (Mastodon, 31 Dec), failed 1 (Telegram, 22 Dec), not yet out 4
(Facebook's unknown of 19 Dec, the draft's 3); late: Mastodon 3 Dec (+45 min), Facebook
12 Dec (+3 h), so on time 35 of 37.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from chromehelp import browse, count_near
from repohelp import PROJECT, commit, git, init_repo
from servers.mastodon import MastodonServer, Token
from servers.meta import MetaGraph
from servers.telegram import BotApiServer

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.records import Record
from smmflow.metrics.collect import measure_repository
from smmflow.report.build import make

GROUP = "clinica-zambet"
PAGE = "104857392016483"
TZ = dt.timezone(dt.timedelta(hours=2))  # Chișinău in December (EET)
NOW = dt.datetime(2027, 1, 2, 10, 0, tzinfo=dt.timezone.utc)
# post slug -> (its accounts, {account: outcome}); outcome: minutes late | "failed" |
# "unknown" | None (no record). Planned times come from the posts themselves.
ALL, FBT = ("feed", "facebook", "telegram", "mastodon"), ("feed", "facebook", "telegram")
OUTCOMES = {
    "2026-12-01-periajul-corect": {"feed": 1, "facebook": 2, "telegram": 2, "mastodon": 3},
    "2026-12-03-igienizare-decembrie": {"feed": 1, "facebook": 2, "telegram": 2, "mastodon": 45},
    "2026-12-05-dulciuri-si-dinti": {"feed": 2, "facebook": 2, "telegram": 2},
    "2026-12-08-sensibilitate-dentara": {a: 2 for a in ALL},
    "2026-12-10-mit-sau-adevar": {"feed": 1, "facebook": 2, "telegram": 2},
    "2026-12-12-voucher-albire": {"feed": 1, "facebook": 180, "telegram": 2},
    "2026-12-15-prima-vizita-copii": {a: 2 for a in ALL},
    "2026-12-17-program-sarbatori": {a: 2 for a in ALL},
    "2026-12-19-ata-dentara": {"feed": 2, "facebook": "unknown", "telegram": 2, "mastodon": 2},
    "2026-12-22-urgente-sarbatori": {"feed": 2, "facebook": 2, "telegram": "failed"},
    "2026-12-29-abonament-preventie-2027": {},  # a draft: nothing happens to it
    "2026-12-31-la-multi-ani": {"feed": 2, "facebook": 2, "telegram": 2},  # mastodon: missed
}
# Numbers on the platforms at the last count (31 Dec): Mastodon favourites, reblogs,
# replies, quotes; Facebook reactions, comments, shares, views, reach.
MASTODON = {
    "2026-12-01-periajul-corect": (5, 2, 1, 0),
    "2026-12-03-igienizare-decembrie": (1, 0, 0, 0),
    "2026-12-08-sensibilitate-dentara": (3, 1, 0, 0),
    "2026-12-15-prima-vizita-copii": (6, 2, 2, 0),
    "2026-12-17-program-sarbatori": (2, 0, 1, 0),
    "2026-12-19-ata-dentara": (0, 0, 0, 0),
}
FACEBOOK = {
    "2026-12-01-periajul-corect": (20, 4, 2, 500, 300),
    "2026-12-03-igienizare-decembrie": (8, 1, 0, 200, 150),
    "2026-12-05-dulciuri-si-dinti": (15, 3, 1, 400, 260),
    "2026-12-08-sensibilitate-dentara": (12, 2, 0, 350, 240),
    "2026-12-10-mit-sau-adevar": (30, 6, 4, 800, 500),
    "2026-12-12-voucher-albire": (5, 0, 0, 150, 120),
    "2026-12-15-prima-vizita-copii": (18, 2, 1, 450, 310),
    "2026-12-17-program-sarbatori": (25, 5, 3, 700, 420),
    "2026-12-22-urgente-sarbatori": (10, 1, 0, 300, 200),
    "2026-12-31-la-multi-ani": (40, 8, 6, 1200, 900),
}
FIRST_PR = list(OUTCOMES)[:6]


def _planned(root: Path, slug: str) -> dt.datetime:
    text = (root / "content" / GROUP / f"{slug}.md").read_text(encoding="utf-8")
    when = re.search(r"^date: (.+)$", text, re.M).group(1)
    return dt.datetime.fromisoformat(when).replace(tzinfo=TZ)


def _through_pull_requests(root: Path, github) -> None:
    """The clinic's posts reach main through two reviewed, merged pull requests."""
    posts = sorted((root / "content" / GROUP).glob("*.md"))
    aside = {p.name: p.read_bytes() for p in posts}
    for path in posts:
        path.unlink()
    commit(root, "base: everything but the clinic's December")
    server = github(root)
    for number, (branch, names) in enumerate(
        [("clinic-1", FIRST_PR), ("clinic-2", list(OUTCOMES)[6:])], 1
    ):
        git(root, "checkout", "-q", "-b", branch, "main")
        for name in names:
            (root / "content" / GROUP / f"{name}.md").write_bytes(aside[f"{name}.md"])
        commit(root, f"clinic posts, part {number}")
        git(root, "checkout", "-q", "main")
        pr = server.open_pull(branch)
        if number == 1:
            server.pass_time(hours=5)
            server.review(pr, "elena-rusu-dmd", "CHANGES_REQUESTED")
            server.pass_time(hours=20)
            server.review(pr, "elena-rusu-dmd", "CHANGES_REQUESTED")
            server.pass_time(hours=2)
        else:
            server.pass_time(hours=3)
        server.review(pr, "elena-rusu-dmd", "APPROVED")
        server.merge_pull(pr)
        git(root, "reset", "-q", "--hard", "main")
    return server


def _seed(root: Path, masto: MastodonServer, graph: MetaGraph) -> None:
    """The ledger as sync would have left it, pointing at posts on the loopback servers."""
    records = []
    for n, (slug, outcomes) in enumerate(OUTCOMES.items()):
        planned = _planned(root, slug)
        post = f"{GROUP}/{slug}"
        if slug in MASTODON:
            status = masto.post("clinic", slug)
            masto.engage(status, favourites=0)  # a first count, before people reacted
        for account, outcome in outcomes.items():
            if outcome in ("failed", "unknown"):
                records.append(
                    Record(post, account, account, outcome, key=f"k{n}", error="HTTP 500")
                )
                continue
            when = (planned + dt.timedelta(minutes=outcome)).astimezone(dt.timezone.utc)
            remote = {"feed": f"feed:{slug}", "telegram": str(100 + n)}.get(account, "")
            if account == "mastodon":
                remote = status
            if account == "facebook":
                remote = f"{PAGE}_{5000 + n}"
                graph.posts[remote] = {
                    "id": remote,
                    "page": PAGE,
                    "message": slug,
                    "deleted": False,
                }
            stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            records.append(
                Record(
                    post,
                    account,
                    account,
                    "published",
                    key=f"k{n}",
                    remote_id=remote,
                    published_at=stamp,
                )
            )
    store, ledger = open_ledger(root, None, str)
    ledger.transact(lambda current: records, "seed")
    store.close()


def _count(masto: MastodonServer, graph: MetaGraph, root: Path, final: bool) -> None:
    by_text = {s["content"][3:-4]: sid for sid, s in masto.statuses.items()}
    for slug, (fav, reb, rep, quo) in MASTODON.items():
        masto.engage(
            by_text[slug],
            favourites=fav if final else fav // 2,
            reblogs=reb,
            replies=rep,
            quotes=quo,
        )
    for n, slug in enumerate(OUTCOMES):
        if slug in FACEBOOK:
            r, c, s, v, reach = FACEBOOK[slug]
            graph.engage(
                f"{PAGE}_{5000 + n}", reactions=r, comments=c, shares=s, views=v, reach=reach
            )
    masto.followers["clinic"] = 342 if final else 300
    graph.followers[PAGE] = 1530 if final else 1500


@pytest.fixture(scope="module")
def december(tmp_path_factory, request):
    """The example repository after December, measured; and its GitHub."""
    tmp = tmp_path_factory.mktemp("report")
    root = tmp / "example"
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    init_repo(root)
    masto = MastodonServer(tokens={"masto-token": Token("clinic")}).start()
    graph = MetaGraph().start()
    bot = BotApiServer().start()
    request.addfinalizer(lambda: [s.stop() for s in (masto, graph, bot)])
    graph.add_page(
        PAGE,
        "Clinica Zâmbet",
        "fb-token",
        scopes=("pages_manage_posts", "pages_read_engagement", "read_insights"),
    )
    bot.channel("clinicazambet", members=800)
    schedule = root / "schedules" / f"{GROUP}.yml"
    text = schedule.read_text(encoding="utf-8")
    text = text.replace("https://mastodon.social", masto.url)
    text = text.replace(
        "token_env: ZAMBET_FACEBOOK_TOKEN}",
        f'token_env: ZAMBET_FACEBOOK_TOKEN, api: "{graph.api}"}}',
    )
    text = text.replace(
        "token_env: ZAMBET_TELEGRAM_TOKEN}", f'token_env: ZAMBET_TELEGRAM_TOKEN, api: "{bot.url}"}}'
    )
    schedule.write_text(text, encoding="utf-8")
    servers = []
    github = _github_fixture(servers, request)
    server = _through_pull_requests(root, github)
    _seed(root, masto, graph)
    env = {
        "ZAMBET_FACEBOOK_TOKEN": "fb-token",
        "ZAMBET_TELEGRAM_TOKEN": bot.token,
        "ZAMBET_MASTODON_TOKEN": "masto-token",
    }
    _count(masto, graph, root, final=False)
    measure_repository(root, group=GROUP, day=dt.date(2026, 12, 15), environ=env)
    _count(masto, graph, root, final=True)
    bot.chats[-1001234567890].members = 812
    measure_repository(root, group=GROUP, day=dt.date(2026, 12, 31), environ=env)
    return root, server


def _github_fixture(servers, request):
    from servers.github import GitHubServer

    def start(git_dir: Path, **options):
        started = GitHubServer(git_dir, **options).start()
        servers.append(started)
        return started

    def stop():
        for started in servers:
            started.stop()
        errors = [e for s in servers for e in s.errors]
        assert not errors, errors

    request.addfinalizer(stop)
    return start


def report(december, fmt: str, tmp_path: Path, monkeypatch, github: bool = True) -> bytes:
    root, server = december
    for key, value in (server.env() if github else {}).items():
        monkeypatch.setenv(key, value)
    if not github:
        for key in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY"):
            monkeypatch.delenv(key, raising=False)
    made = make(root, "2026-12", group=GROUP, fmt=fmt, out=tmp_path, now=NOW)
    assert made.skipped == []
    assert made.written == [tmp_path / f"{GROUP}-2026-12.{fmt}"]
    return made.written[0].read_bytes()


def _section(data: dict, key: str) -> dict:
    return next(s for s in data["sections"] if s["key"] == key)


def _part(section: dict, key: str) -> dict:
    return next(p for p in section["parts"] if p.get("key") == key)


def _figures(section: dict) -> dict:
    part = next(p for p in section["parts"] if p["type"] == "figures")
    return {item["key"]: item["value"] for item in part["items"]}


def _rows(table: dict, first: str) -> dict:
    return {row[first]: {k: v for k, v in row.items() if k != first} for row in table["rows"]}


def test_december_number_by_number(december, tmp_path, monkeypatch):
    data = json.loads(report(december, "json", tmp_path, monkeypatch))
    assert (data["group"], data["month"], data["language"]) == (GROUP, "2026-12", "ro")
    assert data["title"] == "Raport lunar: decembrie 2026"
    outcome = _section(data, "outcome")
    assert _figures(outcome) == {
        "posts": 12,
        "publications": 43,
        "published": 37,
        "missed": 1,
        "failed": 1,
        "on_time": round(35 / 37, 4),
        "empty_slots": 2,
    }
    by_account = _part(outcome, "by_account")
    assert _rows(by_account, "account") == {
        "Feed (static site + Atom)": {
            "planned": 12,
            "published": 11,
            "missed": 0,
            "failed": 0,
            "pending": 1,
            "on_time": 1.0,
        },
        "Facebook Page": {
            "planned": 12,
            "published": 10,
            "missed": 0,
            "failed": 0,
            "pending": 2,
            "on_time": 0.9,
        },
        "Telegram": {
            "planned": 12,
            "published": 10,
            "missed": 0,
            "failed": 1,
            "pending": 1,
            "on_time": 1.0,
        },
        "Mastodon": {
            "planned": 7,
            "published": 6,
            "missed": 1,
            "failed": 0,
            "pending": 0,
            "on_time": round(5 / 6, 4),
        },
    }
    assert by_account["total"] == {
        "account": "Total",
        "planned": 43,
        "published": 37,
        "missed": 1,
        "failed": 1,
        "pending": 4,
        "on_time": round(35 / 37, 4),
    }
    assert _rows(_part(outcome, "by_type"), "type") == {
        "informativ": {
            "planned": 22,
            "published": 20,
            "missed": 0,
            "failed": 1,
            "pending": 1,
            "on_time": 1.0,
        },
        "vânzare": {
            "planned": 10,
            "published": 7,
            "missed": 0,
            "failed": 0,
            "pending": 3,
            "on_time": round(5 / 7, 4),
        },
        "divertisment": {
            "planned": 7,
            "published": 6,
            "missed": 1,
            "failed": 0,
            "pending": 0,
            "on_time": 1.0,
        },
        "anunț": {
            "planned": 4,
            "published": 4,
            "missed": 0,
            "failed": 0,
            "pending": 0,
            "on_time": 1.0,
        },
    }
    mix = _rows(_part(outcome, "mix"), "type")
    assert {t: (r["posts"], r["share"]) for t, r in mix.items()} == {
        "informativ": (6, 0.5),
        "vânzare": (3, 0.25),
        "divertisment": (2, round(2 / 12, 4)),
        "anunț": (1, round(1 / 12, 4)),
    }
    assert (
        mix["vânzare"]["rules"]
        == "cel mult 30%: respectată; cel mult 1 la rând (cel mai lung șir: 1): respectată"
    )
    gaps = _part(outcome, "empty_slots")["rows"]
    assert [g["when"] for g in gaps] == ["2026-12-24T17:00:00+02:00", "2026-12-26T10:00:00+02:00"]

    client = _section(data, "client")
    assert _figures(client) == {"posts": 12, "rounds": 12, "median": (97380 + 10860) / 2}
    reviews = _part(client, "reviews")["rows"]
    assert [(r["pull_request"], r["rounds"], r["time_to_approval"]) for r in reviews] == [
        ("#1", 2, 97380.0)
    ] * 6 + [("#2", 0, 10860.0)] * 6

    engagement = _section(data, "engagement")
    posts = _part(engagement, "posts")["rows"]
    assert [(r["interactions"], r["views"], r["reach"]) for r in posts] == [
        (34, 500, 300),  # 1 Dec: Mastodon 5+2+1+0, Facebook 20+4+2
        (10, 200, 150),
        (19, 400, 260),
        (18, 350, 240),
        (40, 800, 500),
        (5, 150, 120),
        (31, 450, 310),
        (36, 700, 420),
        (0, None, None),  # 19 Dec: Mastodon only (Facebook's outcome is unknown)
        (11, 300, 200),
        (54, 1200, 900),
    ]
    per_type = _part(engagement, "per_type")
    assert per_type["labels"] == ["informativ", "vânzare", "divertisment", "anunț"]
    assert per_type["series"][0]["values"] == [round(113 / 6, 4), 7.5, 47.0, 36.0]
    said = [p["text"] for p in engagement["parts"] if p["type"] == "text"]
    assert "Postările de vânzare au avut în medie 7,5 interacțiuni; celelalte postări 27,0." in said

    audience = _section(data, "audience")
    followers = _rows(_part(audience, "followers"), "account")
    assert followers == {
        "Facebook Page": {"first": 1500, "last": 1530, "change": 30, "growth": 0.02},
        "Telegram": {"first": 800, "last": 812, "change": 12, "growth": 0.015},
        "Mastodon": {"first": 300, "last": 342, "change": 42, "growth": 0.14},
    }

    invoice = data["invoice"]
    assert invoice["currency"] == "MDL"
    assert [(x["item"], x["quantity"], x["unit_price"], x["amount"]) for x in invoice["lines"]] == [
        ("base_fee", 1, "4000.00", "4000.00"),
        ("per_post", 11, "150.00", "1650.00"),
        ("per_platform", 4, "500.00", "2000.00"),
        ("per_video", 0, "300.00", "0.00"),
        ("per_revision_round", 6, "100.00", "600.00"),  # 6 posts × (2 rounds − 1 free)
        ("per_inbox_item", None, "10.00", "0.00"),  # no inbox data: not counted, not invented
    ]
    assert invoice["total"] == "8250.00"
    assert [s["key"] for s in data["sections"]] == [
        "outcome",
        "client",
        "engagement",
        "audience",
        "community",
        "ads",
        "invoice",
    ]


def test_csv_gives_accounting_the_invoice_lines(december, tmp_path, monkeypatch):
    rows = list(
        csv.DictReader(io.StringIO(report(december, "csv", tmp_path, monkeypatch).decode("utf-8")))
    )
    assert [r["item"] for r in rows] == [
        "base_fee",
        "per_post",
        "per_platform",
        "per_video",
        "per_revision_round",
        "per_inbox_item",
    ]
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("8250.00")
    assert {r["currency"] for r in rows} == {"MDL"} and {r["month"] for r in rows} == {"2026-12"}
    assert rows[1]["description"] == "Postări publicate" and rows[1]["quantity"] == "11"
    assert rows[5]["quantity"] == "" and "nenumărat" in rows[5]["note"]


def test_without_github_the_client_side_is_not_available(december, tmp_path, monkeypatch):
    data = json.loads(report(december, "json", tmp_path, monkeypatch, github=False))
    client = _section(data, "client")
    assert [p["text"] for p in client["parts"]] == ["Indisponibil: fără acces la GitHub."]
    line = next(x for x in data["invoice"]["lines"] if x["item"] == "per_revision_round")
    assert (line["quantity"], line["amount"]) == (None, "0.00")
    assert data["invoice"]["total"] == "7650.00"


def test_markdown_is_in_romanian_with_local_formats(december, tmp_path, monkeypatch):
    text = report(december, "md", tmp_path, monkeypatch).decode("utf-8")
    assert text.startswith("# Clinica Zâmbet — Raport lunar: decembrie 2026\n")
    assert "**La timp:** 94,6%" in text
    assert "| Total | — | — | 8.250,00 lei |  |" in text
    assert "**Timpul median până la aprobare:** 15 h 2 min" in text


def test_html_in_chromium_shows_the_charts_without_a_script(december, tmp_path, monkeypatch):
    page = tmp_path / "out" / f"{GROUP}-2026-12.html"
    report(december, "html", tmp_path / "out", monkeypatch)
    shot = tmp_path / "report.png"
    doc, console = browse(page, tmp_path / "profile", shot, size="1280,5200", scale=0.5)
    assert console == []  # no script ran, none was refused, nothing failed to load
    assert doc.get("lang") == "ro"
    assert not doc.xpath("//script") and not doc.xpath("//*[@src]")
    charts = {t.get("id"): t for t in doc.xpath("//table[contains(@class, 'charts-css')]")}
    assert sorted(charts) == [
        "chart-followers-facebook",
        "chart-followers-mastodon",
        "chart-followers-telegram",
        "chart-per_post",
        "chart-per_type",
    ]
    per_post = charts["chart-per_post"]
    assert len(per_post.xpath(".//tbody/tr")) == 11 and "stacked" in per_post.get("class")
    sizes = per_post.xpath(".//tbody/tr[1]/td/@style")
    assert sizes == ["--size:0.4815", "--size:0.1481"]  # 1 Dec: Facebook 26, Mastodon 8 of 54
    # The bars are drawn: Facebook's blue and Mastodon's orange (Charts.css colours 1 and
    # 2 of the page's palette, at 85% over white) fill thousands of pixels.
    blue, orange, white = count_near(shot, (78, 121, 195), (190, 114, 38), (255, 255, 255))
    assert blue > 5_000 and orange > 500, (blue, orange)
    assert white < 640 * 2600 * 0.95  # a page, not a blank


def test_pdf_is_a4_and_the_same_bytes_every_time(december, tmp_path, monkeypatch):
    first = report(december, "pdf", tmp_path / "a", monkeypatch)
    again = report(december, "pdf", tmp_path / "b", monkeypatch)
    assert first.startswith(b"%PDF-")
    assert first == again
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", first))
    assert boxes and all(
        abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes
    )
    assert b"(D:20270102100000+00'00')" in first  # its dates are the report's, not now
