"""`smmflow calendar --ics`: RFC 5545 files, read back with the `icalendar` package."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest

from smmflow.content.repo import load
from smmflow.plan import ics
from smmflow.text.headline import headline

PROJECT = Path(__file__).resolve().parents[1]
UTC = dt.timezone.utc
STAMP = "2026-12-01 09:30"


def smmflow(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run(
        [sys.executable, "-m", "smmflow", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The bundled example plus a group whose post text tries every escaping trap."""
    root = tmp_path_factory.mktemp("ics") / "example"
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    (root / "schedules/tricky.yml").write_text(
        "name: 'Tricky; Co, \\ Ltd'\ntimezone: America/Sao_Paulo\naccounts:\n  feed: {}\n",
        encoding="utf-8",
    )
    folder = root / "content/tricky"
    folder.mkdir()
    long = "Ștefan și Ioana: 🎄🎁✨ " * 12
    (folder / "2026-07-01-summer.md").write_text(
        '---\ndate: 2026-07-01 09:00\ntype: sales\ntitle: "Comma, semicolon; backslash \\\\ done"\n---\n'
        f"Line one, with comma; and semicolon \\ and backslash.\nLine two.\n\n{long}\n",
        encoding="utf-8",
    )
    (folder / "2026-12-02-draft.md").write_text(
        "---\ndate: 2026-12-02 23:45\ntype: informative\nstatus: draft\n---\nA draft.\n",
        encoding="utf-8",
    )
    (folder / "2026-12-03-gone.md").write_text(
        "---\ndate: 2026-12-03 10:00\ntype: informative\nstatus: withdrawn\n---\nGone.\n",
        encoding="utf-8",
    )
    done = smmflow(root, "calendar", "--ics", "out", "--now", STAMP)
    assert done.returncode == 0, done.stderr
    return root


def events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//smmflow//")
    found = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"{uid} twice"
        found[uid] = event
    return found


def test_round_trip_every_post_is_one_event_at_its_utc_time(example: Path) -> None:
    loaded = load(example)
    assert not [p for p in loaded.problems if p.severity.value == "error"]
    written = sorted(p.name for p in (example / "out").iterdir())
    assert written == sorted([f"{g}.ics" for g in loaded.groups] + ["all.ics"])
    everything = events(example / "out/all.ics")
    for gid in loaded.groups:
        mine = events(example / "out" / f"{gid}.ics")
        posts = [p for p in loaded.posts_of(gid) if p.status != "withdrawn"]
        assert sorted(mine) == sorted(f"{p.id}@smmflow" for p in posts)
        for post in posts:
            event = mine[f"{post.id}@smmflow"]
            start = event.decoded("DTSTART")
            assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(0)
            assert start == post.utc
            assert event.decoded("DURATION") == dt.timedelta(minutes=15)
            assert event.decoded("DTSTAMP") == dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
            assert str(event["SUMMARY"]) == headline(post)
            assert event["CATEGORIES"].cats == [post.type]
            assert str(event["URL"]) == f"{gid}/posts/{post.slug}.html"
            description = str(event["DESCRIPTION"])
            assert f"{post.type} post to {', '.join(post.platforms)}" in description
            assert str(event["STATUS"]) == ("TENTATIVE" if post.status == "draft" else "CONFIRMED")
            assert everything[f"{post.id}@smmflow"].decoded("DTSTART") == post.utc
    assert len(everything) == sum(p.status != "withdrawn" for p in loaded.posts)


def test_dst_and_southern_timezones(example: Path) -> None:
    found = events(example / "out/all.ics")
    # Bucharest in winter (UTC+2) and Sao Paulo (UTC-3, no DST since 2019).
    bakery = found["brutaria-dulce/2026-12-03-secretul-cozonacului@smmflow"]
    assert bakery.decoded("DTSTART") == dt.datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    summer = found["tricky/2026-07-01-summer@smmflow"]
    assert summer.decoded("DTSTART") == dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    late = found["tricky/2026-12-02-draft@smmflow"]  # 23:45 local is the next day in UTC
    assert late.decoded("DTSTART") == dt.datetime(2026, 12, 3, 2, 45, tzinfo=UTC)
    assert "tricky/2026-12-03-gone@smmflow" not in found


def test_text_escaping_round_trips(example: Path) -> None:
    event = events(example / "out/tricky.ics")["tricky/2026-07-01-summer@smmflow"]
    assert str(event["SUMMARY"]) == "Comma, semicolon; backslash \\ done"
    description = str(event["DESCRIPTION"])
    assert description.startswith("Tricky; Co, \\ Ltd: sales post to feed\n")
    assert "Line one, with comma; and semicolon \\ and backslash.\nLine two." in description
    assert "Ștefan și Ioana: 🎄🎁✨" in description


def test_wire_format(example: Path) -> None:
    """CRLF everywhere, no physical line over 75 octets, no character split by a fold."""
    for path in (example / "out").iterdir():
        data = path.read_bytes()
        assert data.endswith(b"END:VCALENDAR\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, line
            line.decode("utf-8")  # a fold inside a multi-byte character would fail here
    raw = (example / "out/tricky.ics").read_bytes().decode()
    assert "SUMMARY:Comma\\, semicolon\\; backslash \\\\ done\r\n" in raw
    assert "\r\n " in raw  # the long description was folded


def test_fold_and_escape_units() -> None:
    assert ics.escape("a,b;c\\d\r\ne\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "DESCRIPTION:" + "ă" * 100
    folded = ics.fold(line).encode()
    parts = folded.split(b"\r\n")[:-1]
    assert [len(p) for p in parts] == [74, 75, 65]  # 74: the next ă would not fit
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode() == line
    assert ics.fold("X" * 75) == "X" * 75 + "\r\n"


def test_group_only_and_base_url(example: Path) -> None:
    done = smmflow(
        example,
        "calendar",
        "--group",
        "cafe-boema",
        "--ics",
        "one",
        "--base-url",
        "https://ana.github.io/plan/",
        "--now",
        STAMP,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (example / "one").iterdir()] == ["cafe-boema.ics"]
    event = events(example / "one/cafe-boema.ics")[
        "cafe-boema/2026-12-04-latte-turta-dulce@smmflow"
    ]
    assert (
        str(event["URL"])
        == "https://ana.github.io/plan/plan/cafe-boema/posts/2026-12-04-latte-turta-dulce.html"
    )


def test_deterministic_and_unknown_group(example: Path) -> None:
    first = (example / "out/all.ics").read_bytes()
    again = smmflow(example, "calendar", "--ics", "out", "--now", STAMP)
    assert again.returncode == 0 and (example / "out/all.ics").read_bytes() == first
    bad = smmflow(example, "calendar", "--group", "nope", "--ics", "x")
    assert bad.returncode == 2 and "no group 'nope'" in bad.stderr
