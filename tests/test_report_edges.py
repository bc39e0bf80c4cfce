"""`smmflow report` and `billing:` at their edges: hostile text stays text in every format,
`check` reports every billing mistake with its line, and the command's errors are for people."""

from __future__ import annotations

import json
import re

import pytest
from chromehelp import browse
from repohelp import cli, commit, init_repo, write

from smmflow.ledger.branch import open_ledger
from smmflow.ledger.records import Record
from smmflow.metrics import store

EVIL = '<script>alert(1)</script> & "q" $x^{2$ evil'
EVIL_TYPE = "<img src=x onerror=alert(2)>"
SCHEDULE = f"""name: '{EVIL.replace("'", "''")}\u202e'
timezone: UTC
types: [informative, sales, '{EVIL_TYPE}']
slots: ['mon 09:00']
accounts:
  feed: {{}}
billing:
  currency: EUR
  symbol: '</td><script>alert(3)</script>'
  base_fee: 100
  per_post: 10
"""


@pytest.fixture
def hostile(tmp_path):
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/evil.yml", SCHEDULE)
    for day, kind in ((7, "sales"), (14, EVIL_TYPE)):
        write(
            root,
            f"content/evil/2026-12-{day:02d}-x.md",
            f"---\ndate: 2026-12-{day:02d} 09:00\ntype: '{kind}'\ntitle: '{EVIL.replace(chr(39), chr(39) * 2)}'\n---\n"
            "</td></tr></table><script>alert(4)</script> [x](javascript:alert(5))\n",
        )
    commit(root)
    store_, ledger = open_ledger(root, None, str)
    ledger.transact(
        lambda current: [
            Record(
                f"evil/2026-12-{d:02d}-x",
                "feed",
                "feed",
                "published",
                key="k",
                url="u",
                published_at=f"2026-12-{d:02d}T09:01:00Z",
            )
            for d in (7, 14)
        ],
        "seed",
    )
    numbers = {f"evil/2026-12-{d:02d}-x": {"likes": d} for d in (7, 14)}
    ledger.update_file(
        store.path_of("evil", "2026-12"),
        lambda current: store.merged(
            "evil",
            "2026-12",
            current,
            "2026-12-20",
            [store.Snapshot("feed", {"followers": 3}, numbers)],
        ),
        "seed numbers",
    )
    store_.close()
    return root


def test_hostile_text_is_inert_in_html_markdown_and_csv(hostile, tmp_path):
    out = tmp_path / "out"
    for fmt in ("html", "md", "csv", "json"):
        done = cli(
            hostile,
            "report",
            "--month",
            "2026-12",
            "--format",
            fmt,
            "--out",
            str(out),
            "--now",
            "2027-01-02 10:00",
        )
        assert done.code == 0, done.err
    page = (out / "evil-2026-12.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;" in page
    assert "\u202e" not in page  # bidirectional controls dropped
    assert "script-src 'none'" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page  # the type, as a chart label too
    doc, console = browse(out / "evil-2026-12.html", tmp_path / "profile")
    assert console == [] and not doc.xpath("//script") and not doc.xpath("//img")
    label = doc.xpath("//table[@id='chart-per_type']//th[@scope='row']")
    assert [t.text_content() for t in label] == ["sales", EVIL_TYPE]
    markdown = (out / "evil-2026-12.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)[<\[]", markdown)  # every < and [ of user text escaped
    assert '\\<script\\>alert\\(1\\)\\</script\\> \\& "q" \\$x^\\{2\\$ evil' in markdown
    csv_text = (out / "evil-2026-12.csv").read_text(encoding="utf-8")
    assert "<" not in csv_text  # group id and our words only; the symbol is not in it
    data = json.loads((out / "evil-2026-12.json").read_text(encoding="utf-8"))
    assert (
        data["name"] == EVIL + "\u202e"
    )  # JSON is data: kept exactly, escaped by the JSON encoder


def test_check_reports_every_billing_mistake_with_its_line(tmp_path):
    root = tmp_path / "repo"
    write(
        root,
        "schedules/g.yml",
        "name: G\ntimezone: UTC\naccounts:\n  feed: {}\nbilling:\n  currency: lei\n"
        "  per_post: -5\n  per_video: 12.345\n  per_reel: 3\n  free_revision_rounds: two\n"
        "  base_fee: [1, 2]\n",
    )
    done = cli(root, "check")
    assert done.code == 1
    assert done.out.splitlines() == [
        "schedules/g.yml:6: billing.currency: 'lei' is not an ISO 4217 code like RON, EUR or USD",
        "schedules/g.yml:7: billing.per_post: '-5' must be an amount of at least 0",
        "schedules/g.yml:8: billing.per_video: '12.345' has more decimals than the currency (2)",
        "schedules/g.yml:9: billing.per_reel: unknown key 'per_reel'; allowed: base_fee, currency, free_revision_rounds, per_campaign, per_inbox_item, per_platform, per_post, per_revision_round, per_video, symbol",
        "schedules/g.yml:10: billing.free_revision_rounds: 'two' must be a whole number of at least 0",
        "schedules/g.yml:11: billing.base_fee: must be a single value, not a list",
    ]


def test_billing_needs_a_price_and_a_currency(tmp_path):
    root = tmp_path / "repo"
    write(
        root,
        "schedules/g.yml",
        "name: G\ntimezone: UTC\naccounts:\n  feed: {}\nbilling:\n  symbol: lei\n",
    )
    lines = cli(root, "check").out.splitlines()
    assert lines == [
        "schedules/g.yml:5: billing: names no price: give at least one of base_fee, per_campaign, per_inbox_item, per_platform, per_post, per_revision_round, per_video",
        "schedules/g.yml:5: billing.currency: is required",
    ]


def test_report_errors_are_for_people(hostile, tmp_path, monkeypatch):
    done = cli(hostile, "report", "--month", "2026-13")
    assert done.code == 2 and "--month" in done.err and "Traceback" not in done.err
    done = cli(hostile, "report", "--month", "2026-12", "--group", "nope")
    assert done.code == 2 and "no group 'nope' (known: evil)" in done.err
    monkeypatch.setenv("PATH", str(tmp_path))  # no Chromium here
    done = cli(
        hostile, "report", "--month", "2026-12", "--format", "pdf", "--out", str(tmp_path / "o")
    )
    assert done.code == 2
    assert (
        "--format pdf needs headless Chromium" in done.err
        and "apt-get install chromium" in done.err
    )
    assert not (tmp_path / "o").exists()


def test_a_group_with_errors_gets_no_report_and_says_why(hostile, tmp_path):
    write(
        hostile, "schedules/broken.yml", "name: B\ntimezone: Mars/Olympus\naccounts:\n  feed: {}\n"
    )
    done = cli(
        hostile,
        "report",
        "--month",
        "2026-12",
        "--out",
        str(tmp_path / "o"),
        "--now",
        "2027-01-02 10:00",
    )
    assert done.code == 1
    assert (tmp_path / "o" / "evil-2026-12.html").is_file()
    assert not list((tmp_path / "o").glob("broken*"))
    assert "no report for group broken" in done.err and "schedules/broken.yml" in done.err


def test_an_account_error_leaves_the_report_to_be_made_and_said(hostile, tmp_path):
    text = (hostile / "schedules/evil.yml").read_text(encoding="utf-8")
    (hostile / "schedules/evil.yml").write_text(
        text.replace("  feed: {}\n", "  feed: {}\n  telegram: {token_env: T}\n"), encoding="utf-8"
    )
    done = cli(
        hostile,
        "report",
        "--month",
        "2026-12",
        "--out",
        str(tmp_path / "o"),
        "--now",
        "2027-01-02 10:00",
    )
    assert done.code == 1
    assert (tmp_path / "o" / "evil-2026-12.html").is_file()
    assert (
        "report of evil made, but its group file has errors: schedules/evil.yml:7: accounts.telegram: telegram account needs `chat`"
        in done.err
    )


def test_the_report_reads_only_its_months_files(tmp_path):
    from smmflow.report.facts import month_files

    wanted = month_files(2026, 12, "g")
    assert wanted("content/g/") and not wanted("content/h/")
    assert wanted("content/g/2026-12-01-a.md") and wanted("content/g/2026-12-31-b.md")
    assert wanted("content/g/2026-11-30-c.md") and wanted("content/g/2027-01-01-d.md")  # zones
    assert not wanted("content/g/2026-11-29-e.md") and not wanted("content/g/2027-01-02-f.md")
    assert wanted("content/g/launch.md")  # a name without a date: read, its date decides
    assert month_files(2026, 12)("content/h/")


def test_a_months_report_keeps_the_other_months_in_the_cache(hostile, tmp_path):
    from smmflow.content.cache import PostCache

    write(
        hostile,
        "content/evil/2026-11-02-x.md",
        "---\ndate: 2026-11-02 09:00\ntype: sales\n---\nNov\n",
    )
    cli(hostile, "check")
    before = set(PostCache(hostile).entries)
    assert "content/evil/2026-11-02-x.md" in before
    done = cli(
        hostile,
        "report",
        "--month",
        "2026-12",
        "--out",
        str(tmp_path / "o"),
        "--now",
        "2027-01-02 10:00",
    )
    assert done.code == 0, done.err
    assert set(PostCache(hostile).entries) == before  # the next `check` is still warm


def test_a_new_section_is_one_new_module(hostile, tmp_path, monkeypatch):
    """The report grows by adding a module to report/sections/: no other file changes."""
    from smmflow.report import sections

    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "zz_weather.py").write_text(
        "from smmflow.report.blocks import Block, Text\n"
        "ORDER = 95\n"
        "def build(facts):\n"
        "    return Block('weather', 'Weather', (Text(f'{len(facts.posts)} posts under the sun'),))\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sections, "__path__", [*sections.__path__, str(extra)])
    sections.modules.cache_clear()
    try:
        done = cli(
            hostile,
            "report",
            "--month",
            "2026-12",
            "--format",
            "json",
            "--out",
            str(tmp_path / "o"),
            "--now",
            "2027-01-02 10:00",
        )
    finally:
        sections.modules.cache_clear()
    assert done.code == 0, done.err
    data = json.loads((tmp_path / "o" / "evil-2026-12.json").read_text(encoding="utf-8"))
    assert [s["key"] for s in data["sections"]][-2:] == ["invoice", "weather"]
    assert data["sections"][-1]["parts"][0]["text"] == "2 posts under the sun"
