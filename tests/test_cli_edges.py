"""Careless and extreme command lines get a clear line and the right exit code, never a
traceback (issue #11, item 12).

Each case runs the real CLI on a small committed repository: dates at the edges of the
calendar (`--month 0000-01`, `--now 9999-12-31T23:00Z`, ...), outputs that cannot be
written (`/dev/full`, a file where a folder should be), a `--group`/`--account` that
names nothing, an impossible `--now`, a post whose file name is not UTF-8, and web
addresses that are not web addresses. Every case asserts the exit code, a message that
says what is wrong, and that no traceback reached the person.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from repohelp import base_env, commit, git, init_repo, ledger, smmflow, write

NOW = "2026-12-04T16:00Z"  # the acme post of 10:00 New York is due
GROUP = 'name: Acme\ntimezone: America/New_York\nslots: ["fri 10:00"]\naccounts:\n  feed: {}\n'


def post(day: int, body: str = "Hello.") -> str:
    return f"---\ndate: 2026-12-{day:02d} 10:00\ntype: informative\n---\n{body}\n"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/acme.yml", GROUP)
    write(root, "schedules/beta.yml", GROUP.replace("Acme", "Beta"))
    write(root, "content/acme/2026-12-04-due.md", post(4))
    write(root, "content/acme/2026-12-11-later.md", post(11))
    commit(root, "content")
    return root


def run(root: Path, *args: str):
    result = smmflow(root, *args, env=base_env())
    assert "Traceback" not in result.out + result.err, str(result)
    return result


# -- dates at the edges, impossible dates -------------------------------------------------
EDGES = [
    (("plan", "--month", "0000-01"), "out of range"),
    (("plan", "--month", "9999-12"), "out of range"),
    (("plan", "--now", "9999-12-31T23:00Z"), "out of range"),
    (("plan", "--now", "0001-01-01T00:00Z"), "out of range"),
    (("site", "OUT", "--now", "9999-12-31T23:59Z"), "out of range"),
    (("calendar", "--ics", "OUT", "--now", "9999-12-31T23:59Z"), "out of range"),
    (("status", "--now", "9999-12-31T23:59Z"), "out of range"),
    (("status", "--month", "2026-13"), "is not a month"),
    (("status", "--month", "9999-12"), "out of range"),
    (("status", "--month", "0000-01"), "out of range"),
    (("sync", "--dry-run", "--now", "9999-12-31T23:59Z"), "out of range"),
    (("new", "acme", "--type", "informative", "--now", "9999-12-31T23:59Z"), "out of range"),
    (("new", "acme", "--type", "informative", "--date", "9998-12-31 23:30-05:00"), "out of range"),
    (
        ("repeat", "content/acme/2026-12-11-later.md", "--every", "week", "--until", "9999-01-01"),
        "out of range",
    ),
    (
        ("repeat", "content/acme/2026-12-11-later.md", "--every", "week", "--until", "2027-02-30"),
        "not a real date",
    ),
]


@pytest.mark.parametrize(("args", "message"), EDGES, ids=[" ".join(a) for a, _ in EDGES])
def test_dates_at_the_edges_are_usage_errors(repo: Path, args, message: str) -> None:
    args = tuple(str(repo / "out") if a == "OUT" else a for a in args)
    result = run(repo, *args)
    assert result.code == 2, str(result)
    assert message in result.err, str(result)


def test_the_last_days_still_plan_and_write(repo: Path) -> None:
    """The edge itself works: a plan, a site and a new post at the end of 9998."""
    assert run(repo, "plan", "--month", "9998-12").code == 0
    assert run(repo, "plan", "--now", "9998-12-31T23:59Z").code == 0
    assert run(repo, "site", str(repo / "out"), "--now", "9998-12-31T23:59Z").code == 0
    assert (repo / "out" / "plan" / "acme" / "9998-12.html").is_file()
    near = run(repo, "new", "acme", "--type", "informative", "--now", "9998-12-20T12:00Z")
    assert near.code == 0 and "9998-12-25" in near.out, str(near)
    # No free slot before the years end: said, not a traceback (and no file for 9999).
    last = run(repo, "new", "acme", "--type", "informative", "--now", "9998-12-31T12:00Z")
    assert last.code == 2 and "no free slot" in last.err, str(last)
    assert not list((repo / "content" / "acme").glob("9999-*"))


def test_a_post_years_away_adds_its_month_not_every_month_between(repo: Path) -> None:
    write(repo, "content/acme/9998-12-04-far.md", post(4).replace("2026-12-04", "9998-12-04"))
    result = run(repo, "site", str(repo / "out"), "--now", NOW)
    assert result.code == 0, str(result)
    months = sorted(p.stem for p in (repo / "out" / "plan" / "acme").glob("*-*.html"))
    assert "9998-12" in months and "2026-12" in months and len(months) <= 2 * 25, months


@pytest.mark.parametrize("command", ["plan", "status", "sync", "site", "calendar", "new"])
def test_an_impossible_now_says_the_date_is_invalid(repo: Path, command: str) -> None:
    extra = {
        "sync": ("--dry-run",),
        "site": (str(repo / "out"),),
        "calendar": ("--ics", str(repo / "out")),
        "new": ("acme", "--type", "informative"),
    }.get(command, ())
    result = run(repo, command, *extra, "--now", "2026-13-01")
    assert result.code == 2, str(result)
    assert "not a real date" in result.err and "no time of day" not in result.err, str(result)


# -- names that name nothing ---------------------------------------------------------------
SELECTIONS = [
    (("sync", "--now", NOW, "--group", "nope"), "no group 'nope'"),
    (("sync", "--now", NOW, "--dry-run", "--group", "nope"), "no group 'nope'"),
    (("sync", "--now", NOW, "--account", "nope"), "no account 'nope'"),
    (("sync", "--now", NOW, "--group", "acme", "--account", "nope"), "no account 'nope' in acme"),
    (("status", "--now", NOW, "--group", "nope"), "no group 'nope'"),
    (("doctor", "--group", "nope"), "no group 'nope'"),
    (("doctor", "--account", "nope"), "no account 'nope'"),
    (("plan", "--now", NOW, "--group", "nope"), "no group 'nope'"),
    (("calendar", "--ics", "OUT", "--group", "nope"), "no group 'nope'"),
]


@pytest.mark.parametrize(("args", "message"), SELECTIONS, ids=[" ".join(a) for a, _ in SELECTIONS])
def test_an_unknown_group_or_account_is_a_usage_error(repo: Path, args, message: str) -> None:
    args = tuple(str(repo / "out") if a == "OUT" else a for a in args)
    result = run(repo, *args)
    assert result.code == 2, str(result)
    assert message in result.err and "(known: " in result.err, str(result)
    assert "nothing due" not in result.err
    assert ledger(repo) == {}  # nothing was claimed or recorded


def test_a_known_group_and_account_still_publish(repo: Path) -> None:
    result = run(repo, "sync", "--now", NOW, "--group", "acme", "--account", "feed")
    assert result.code == 0 and "published" in result.out, str(result)


# -- outputs that cannot be written -------------------------------------------------------
def _in_the_way(repo: Path) -> Path:
    blocker = repo / "blocker"
    blocker.write_text("a file, not a folder\n")
    return blocker


OUTPUTS = [
    (("calendar", "--ics", "/dev/full", "--now", NOW), "cannot write /dev/full"),
    (("calendar", "--ics", "BLOCKER/ics", "--now", NOW), "Not a directory"),
    (("site", "/dev/full", "--now", NOW), "cannot write /dev/full/plan"),
    (("site", "BLOCKER/site", "--now", NOW), "Not a directory"),
    (("preview", "--base", "HEAD", "--out", "/dev/full"), "No space left on device"),
    (("preview", "--base", "HEAD", "--out", "BLOCKER/preview.md"), "Not a directory"),
    (("init", "BLOCKER/new-repo"), "Not a directory"),
]


@pytest.mark.parametrize(("args", "message"), OUTPUTS, ids=[" ".join(a) for a, _ in OUTPUTS])
def test_an_output_that_cannot_be_written_is_said(repo: Path, args, message: str) -> None:
    blocker = _in_the_way(repo)
    args = tuple(a.replace("BLOCKER", str(blocker)) for a in args)
    result = run(repo, *args)
    assert result.code == 2, str(result)
    assert result.err.startswith("smmflow: cannot write") and message in result.err, str(result)


def test_a_preview_file_that_is_not_utf8_is_said(repo: Path) -> None:
    made = repo / "preview.md"
    made.write_bytes(b"caf\xe9")
    result = run(repo, "preview", "--from", str(made))
    assert result.code == 2 and "cannot read it (not UTF-8 text)" in result.err, str(result)


def test_new_into_a_group_folder_that_is_a_file(repo: Path) -> None:
    (repo / "content" / "beta").write_text("not a folder\n")
    result = run(repo, "new", "beta", "--type", "informative", "--now", NOW)
    assert result.code == 2 and "cannot write" in result.err and "content/beta" in result.err


def test_sync_when_the_feed_folder_cannot_be_written(repo: Path) -> None:
    blocker = _in_the_way(repo)
    failed = run(repo, "sync", "--now", NOW, "--public", str(blocker / "public"))
    assert failed.code == 1, str(failed)
    assert "failed" in failed.out and "cannot write" in failed.out, str(failed)
    record = ledger(repo)[("acme/2026-12-04-due", "feed")]
    assert record["state"] == "failed" and record["retryable"] is True
    # Published once; then public/ becomes a file: rebuilding the feed says so.
    done = run(repo, "resolve", "acme/2026-12-04-due", "feed", "--retry")
    assert done.code == 0, str(done)
    assert run(repo, "sync", "--now", NOW).code == 0
    os.rename(repo / "public", repo / "old-public")
    (repo / "public").write_text("not a folder\n")
    again = run(repo, "sync", "--now", NOW)
    assert again.code == 2 and "cannot write" in again.err, str(again)


# -- a post whose file name is not UTF-8 ----------------------------------------------------
BAD = os.fsdecode(b"content/acme/2026-12-04-caf\xe9.md")


@pytest.fixture()
def latin1(repo: Path) -> Path:
    (repo / BAD).write_text(post(4, "Named in Latin-1."), encoding="utf-8")
    folder = repo / os.fsdecode(b"content/acme/sub\xff")
    folder.mkdir()
    (folder / "2026-12-11-x.md").write_text(post(11), encoding="utf-8")
    commit(repo, "a post named in Latin-1")
    assert "caf" in git(repo, "ls-files", "content")  # it is committed
    return repo


def test_check_refuses_a_name_that_is_not_utf8(latin1: Path) -> None:
    result = run(latin1, "check")
    assert result.code == 1, str(result)
    assert (
        "content/acme/2026-12-04-caf\\xe9.md:1: the file name has bytes that are not UTF-8"
        in result.out
    )
    assert "content/acme/sub\\xff:1: the folder name has bytes that are not UTF-8" in result.out
    as_json = run(latin1, "check", "--format", "json")
    assert "caf\\\\xe9" in as_json.out  # JSON escapes the backslash: printable, no raw byte


def test_site_calendar_status_and_sync_skip_it_consistently(latin1: Path) -> None:
    site = run(latin1, "site", str(latin1 / "out"), "--now", NOW)
    assert site.code == 0, str(site)
    ics = run(latin1, "calendar", "--ics", str(latin1 / "ics"), "--now", NOW)
    assert ics.code == 0, str(ics)
    assert "Named in Latin-1" not in (latin1 / "ics" / "acme.ics").read_text()
    status = run(latin1, "status", "--now", NOW)
    assert "caf" not in status.out and "held" not in status.out, str(status)
    sync = run(latin1, "sync", "--now", NOW)
    # Reported as a skipped file with errors (exit 1), never held forever as "not committed".
    assert sync.code == 1 and "skipped 2 file(s) with errors" in sync.err, str(sync)
    assert "held" not in sync.out and "not on the publish branch" not in sync.out
    assert set(ledger(latin1)) == {("acme/2026-12-04-due", "feed")}


def test_preview_names_it_without_a_traceback(latin1: Path) -> None:
    result = run(latin1, "preview", "--base", "HEAD~1")
    assert result.code == 0 and "did not load" in result.out, str(result)


# -- web addresses that are not web addresses ---------------------------------------------
URLS = [
    ('hook: {platform: webhook, url: ""}', "accounts.hook.url", "is empty"),
    ("hook: {platform: webhook, url: 'file:///etc/passwd'}", "accounts.hook.url", "scheme file:"),
    (
        "hook: {platform: webhook, url: 'gopher://example.com/'}",
        "accounts.hook.url",
        "scheme gopher:",
    ),
    ("hook: {platform: webhook, url: example.com/hook}", "accounts.hook.url", "no scheme"),
    ("hook: {platform: webhook, url: 'https://'}", "accounts.hook.url", "has no host"),
    (
        "tg: {platform: telegram, chat: '@x', token_env: T, api: 'ftp://x'}",
        "accounts.tg.api",
        "scheme ftp:",
    ),
    ("feed: {base_url: 'javascript:alert(1)'}", "accounts.feed.base_url", "scheme javascript:"),
]


@pytest.mark.parametrize(("account", "field", "message"), URLS, ids=[u[0] for u in URLS])
def test_check_refuses_a_web_address_that_is_not_http(
    repo: Path, account: str, field: str, message: str
) -> None:
    text = f"name: Beta\ntimezone: UTC\naccounts:\n  {account}\n"
    write(repo, "schedules/beta.yml", text)
    result = run(repo, "check")
    assert result.code == 1, str(result)
    assert f"schedules/beta.yml:4: {field}: " in result.out and message in result.out, str(result)


def test_http_and_https_addresses_pass(repo: Path) -> None:
    write(
        repo,
        "schedules/beta.yml",
        "name: Beta\ntimezone: UTC\naccounts:\n"
        "  hook: {platform: webhook, url: 'https://hooks.example.com/smm'}\n"
        "  local: {platform: webhook, url: 'http://127.0.0.1:8080/in'}\n",
    )
    result = run(repo, "check")
    assert result.code == 0, str(result)
