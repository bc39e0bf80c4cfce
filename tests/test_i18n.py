"""The client's language: gettext catalogs that are complete and compiled from their .po,
`language:` in the group file, and every client-facing page speaking it (the feed pages'
`<html lang>`, the plan site, the pull-request preview); the command line stays English."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from repohelp import cli, commit, init_repo, write

from smmflow.content.groups import load_group
from smmflow.content.repo import load
from smmflow.platforms import feedsite
from smmflow.review import preview
from smmflow.text.i18n import words

PACKAGE = Path(__file__).resolve().parents[1] / "smmflow"
CATALOGS = sorted((PACKAGE / "locale").glob("*/LC_MESSAGES/smmflow.po"))
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def test_there_is_a_romanian_catalog():
    assert [p.parts[-3] for p in CATALOGS] == ["ro"]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_committed_mo_is_its_po_compiled(po: Path):
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    assert po.with_suffix(".mo").read_bytes() == out.getvalue(), (
        f"{po.with_suffix('.mo').name} is stale: run python tools/i18n.py"
    )


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_message_in_the_code_is_translated(po: Path):
    wanted = set()
    for *_, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        wanted.add((context, message if isinstance(message, str) else message[0]))
    with po.open("rb") as handle:
        catalog = read_po(handle)
    done = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert len(wanted) > 150
    missing = sorted(wanted - done, key=str)
    assert not missing, f"{po.parts[-3]}: no translation for {missing[:10]} (python tools/i18n.py)"


def test_no_message_hides_in_an_f_string():
    """Extraction cannot see a call inside an f-string (Python before 3.12): such a message
    would silently stay English."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and getattr(inner.func, "attr", "") in KEYWORDS:
                        found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert not found


def test_romanian_words_plurals_dates_numbers_and_money():
    ro, en = words("ro"), words("en")
    assert [
        ro.ngettext("{n} day", "{n} days", n).format(n=n) for n in (1, 2, 19, 20, 101, 120)
    ] == [
        "1 zi",
        "2 zile",
        "19 zile",
        "20 de zile",
        "101 zile",
        "120 de zile",
    ]
    assert ro.month(2026, 12) == "decembrie 2026" and en.month(2026, 12) == "December 2026"
    from decimal import Decimal

    assert ro.money(Decimal("8250"), "MDL", "lei") == "8.250,00\xa0lei"
    assert en.money(Decimal("8250"), "USD") == "$8,250.00"
    assert ro.percent(0.9459) == "94,6%" and en.percent(0.9459) == "94.6%"
    assert words("xx").gettext("Total") == "Total"  # an unknown language falls back to English


def test_language_is_validated_with_its_line():
    group, problems = load_group(
        "schedules/g.yml", "g", "name: G\ntimezone: UTC\nlanguage: romana\naccounts:\n  feed: {}\n"
    )
    assert [p.format() for p in problems] == [
        "schedules/g.yml:3: language: 'romana' is not a language smmflow speaks; use one of en, ro"
    ]
    assert group.language == "en"


@pytest.fixture
def romanian(tmp_path):
    root = init_repo(tmp_path / "repo")
    write(
        root,
        "schedules/g.yml",
        "name: Brutăria\ntimezone: Europe/Bucharest\nlanguage: ro\nslots: ['sat 09:00']\n"
        "mix:\n  sales: {max_share: 0.5}\naccounts:\n  feed: {}\n",
    )
    write(
        root,
        "content/g/2026-12-05-cozonac.md",
        "---\ndate: 2026-12-05 09:00\ntype: sales\nmedia:\n  - src: media/a.png\n    alt: cozonac\n---\nCozonac proaspăt\n",
    )
    (root / "content/g/media").mkdir(parents=True)
    (root / "content/g/media/a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    commit(root)
    return root


def test_feed_pages_declare_and_speak_the_groups_language(romanian, tmp_path):
    repo = load(romanian)
    group, post = repo.groups["g"], repo.posts[0]
    public = tmp_path / "public"
    page = feedsite.write_post(public, group, post, None).read_text(encoding="utf-8")
    assert (
        '<html lang="ro">' in page and "Brutăria: toate postările" in page and "Flux Atom" in page
    )
    feedsite.write_index(public, group, [], None)
    index = (public / "g" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ro">' in index and "Încă nu există postări." in index
    assert 'xml:lang="ro"' in (public / "g" / "feed.xml").read_text(encoding="utf-8")
    assert '<html lang="en">' in (public / "index.html").read_text(
        encoding="utf-8"
    )  # every group's


def test_preview_speaks_romanian_and_the_cli_english(romanian):
    repo = load(romanian)
    text = preview.build(repo, ["content/g/2026-12-05-cozonac.md"], [])
    assert "## Previzualizare smmflow: 1 postare adăugată sau modificată" in text
    assert "**Când:** sâmbătă 5 decembrie 2026, 09:00 (Europe/Bucharest)" in text
    assert "**Tip:** vânzare" in text
    assert (
        "**Mixul pentru decembrie 2026, cu această modificare:** vânzare 1/1 (100%), cel mult 50% ❌"
        in text
    )
    assert "imagine, 72 octeți" in text
    done = cli(romanian, "check", "--now", "2027-01-01 10:00")  # December is over
    assert "December 2026 has 1 sales post of 1 (100%)" in done.out  # the CLI: English


def test_plan_site_speaks_romanian(romanian, tmp_path):
    done = cli(romanian, "site", "--now", "2026-12-01 10:00", str(tmp_path / "site"))
    assert done.code == 0, done.err
    month = (tmp_path / "site/plan/g/2026-12.html").read_text(encoding="utf-8")
    assert '<html lang="ro">' in month
    assert "<h1>Brutăria: decembrie 2026</h1>" in month
    assert 'title="luni">lun.</abbr>' in month and "interval gol" in month
    assert "cel mult 50% (are 100%)" in month
    root_index = (tmp_path / "site/plan/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in root_index  # the agency's page of every group
