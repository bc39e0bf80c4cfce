"""Loading what writers commit: YAML traps, timezones and DST, typos, group files, secrets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smmflow.content import repo as repository
from smmflow.content.groups import load_group
from smmflow.content.posts import load_post
from smmflow.content.timeparse import TimeError, localize, parse_datetime
from smmflow.errors import Problem
from smmflow.model import Group, Post

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BUCHAREST = ZoneInfo("Europe/Bucharest")
UTC = dt.timezone.utc

GROUP_YML = """\
name: Brutăria Dulce
timezone: {tz}
slots: ["mon 10:00", "fri 12:00"]
accounts:
  feed: {{}}
  telegram: {{chat: "@brutariadulce", token_env: BRUTARIA_TELEGRAM_TOKEN}}
"""


def group(tz: str = "Europe/Bucharest", text: str | None = None) -> Group:
    loaded, problems = load_group(
        "schedules/brutaria.yml", "brutaria", text or GROUP_YML.format(tz=tz)
    )
    assert problems == [] and loaded is not None, problems
    return loaded


def group_problems(text: str) -> list[Problem]:
    _, problems = load_group("schedules/brutaria.yml", "brutaria", text)
    return problems


def load(front_matter: str, *, tz: str = "Europe/Bucharest", body: str = "Cozonac cu nucă.\n"):
    text = f"---\n{front_matter}---\n{body}"
    return load_post(
        FIXTURES, "content/brutaria/2026-12-04-x.md", text.encode("utf-8"), group(tz), "brutaria"
    )


def loaded(front_matter: str, **kwargs) -> Post:
    post, problems = load(front_matter, **kwargs)
    assert problems == [] and post is not None, problems
    return post


def only_problem(front_matter: str, **kwargs) -> Problem:
    post, problems = load(front_matter, **kwargs)
    assert post is None
    assert len(problems) == 1, problems
    return problems[0]


# --- YAML traps ----------------------------------------------------------------------


def test_yaml_traps_fixture_loads_as_written():
    repo = repository.load(FIXTURES / "yaml-traps-ok")
    assert repo.problems == []
    (post,) = repo.posts
    assert post.title == "no"  # not False
    assert post.type == "sales" and post.status == "ready"
    assert post.date == dt.datetime(2026, 12, 4, 9, 30, tzinfo=BUCHAREST)  # 9:30 is not 570
    assert post.utc == dt.datetime(2026, 12, 4, 7, 30, tzinfo=UTC)
    assert post.platforms == ("telegram", "feed")


@pytest.mark.parametrize(
    "written",
    ["2026-12-04 9:30", "2026-12-04 09:30", '"2026-12-04 09:30"', "'2026-12-04 09:30:00'",
     "2026-12-04T09:30", "2026-12-04 09:30:00"],
)  # fmt: skip
def test_a_date_is_read_as_written_with_or_without_quotes_and_seconds(written):
    post = loaded(f"date: {written}\ntype: informative\n")
    assert post.date == dt.datetime(2026, 12, 4, 9, 30, tzinfo=BUCHAREST)


@pytest.mark.parametrize(
    "word", ["no", "No", "on", "off", "yes", "y", "TRUE", "1e3", "0x10", "010", "12:30"]
)
def test_yaml_1_1_booleans_and_numbers_stay_strings(word):
    post = loaded(f"date: 2026-12-04 10:00\ntype: informative\ntitle: {word}\n")
    assert post.title == word


def test_a_boolean_looking_type_is_reported_as_written():
    problem = only_problem("date: 2026-12-04 10:00\ntype: no\n")
    assert (problem.line, problem.field, problem.code) == (3, "type", "unknown-type")
    assert "unknown type 'no'" in problem.message and "False" not in problem.message


def test_a_single_platform_word_is_a_list_of_one():
    post = loaded("date: 2026-12-04 10:00\ntype: informative\nplatforms: telegram\n")
    assert post.platforms == ("telegram",)


def test_platforms_default_to_all_accounts_of_the_group():
    assert loaded("date: 2026-12-04 10:00\ntype: informative\n").platforms == ("feed", "telegram")


# --- timezones -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "written", "utc"),
    [
        ("Europe/Bucharest", "2026-12-04 10:00", dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),
        ("Europe/Bucharest", "2026-07-04 10:00", dt.datetime(2026, 7, 4, 7, 0, tzinfo=UTC)),
        ("Asia/Kolkata", "2026-12-04 10:00", dt.datetime(2026, 12, 4, 4, 30, tzinfo=UTC)),
        ("America/New_York", "2026-12-04 10:00", dt.datetime(2026, 12, 4, 15, 0, tzinfo=UTC)),
        ("UTC", "2026-12-04 10:00", dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_naive_time_is_local_to_the_group(tz, written, utc):
    post = loaded(f"date: {written}\ntype: informative\n", tz=tz)
    assert post.utc == utc
    assert post.date.tzinfo == ZoneInfo(tz)  # kept in the group's zone, as written
    assert post.date.strftime("%Y-%m-%d %H:%M") == written


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("2026-12-04 10:00+00:00", dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)),
        ("2026-12-04 10:00Z", dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)),
        ("2026-12-04 10:00+05:30", dt.datetime(2026, 12, 4, 4, 30, tzinfo=UTC)),
        ("2026-12-04 10:00-0300", dt.datetime(2026, 12, 4, 13, 0, tzinfo=UTC)),
        ("2026-12-04 10:00+02", dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),
    ],
)
def test_an_explicit_offset_is_honoured(written, utc):
    post = loaded(f"date: {written}\ntype: informative\n")
    assert post.utc == utc
    assert post.date.tzinfo is not None
    assert post.date.astimezone(BUCHAREST) == post.date  # shown in the group's zone


def test_dst_explicit_offset_fixture_resolves_both_sides_of_the_fold():
    repo = repository.load(FIXTURES / "dst-explicit-offset-ok")
    assert repo.problems == []
    instants = sorted(p.utc for p in repo.posts)
    assert instants == [
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 04:30 EEST, just after the gap
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the second 03:30 (EET, +02:00)
    ]
    first = parse_datetime("2026-10-25 03:30+03:00", BUCHAREST)
    second = parse_datetime("2026-10-25 03:30+02:00", BUCHAREST)
    # Compare instants: Python ignores `fold` when subtracting times of one zone.
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)


def test_dst_gap_is_an_error_asking_for_an_offset():
    problem = only_problem("date: 2026-03-29 03:30\ntype: informative\n")
    assert (problem.line, problem.field, problem.code) == (2, "date", "date")
    assert "does not exist" in problem.message and "explicit offset" in problem.message
    assert "2026-03-29 03:30+0" in problem.message
    with pytest.raises(TimeError, match="explicit offset"):
        localize(dt.datetime(2026, 3, 29, 3, 0), BUCHAREST)


def test_dst_fold_is_an_error_offering_both_offsets():
    problem = only_problem("date: 2026-10-25 03:30\ntype: informative\n")
    assert (problem.line, problem.field) == (2, "date")
    assert "happens twice" in problem.message
    assert "2026-10-25 03:30+03:00" in problem.message
    assert "2026-10-25 03:30+02:00" in problem.message


def test_times_next_to_dst_changes_are_fine():
    assert parse_datetime("2026-03-29 02:59", BUCHAREST).utcoffset() == dt.timedelta(hours=2)
    assert parse_datetime("2026-03-29 04:00", BUCHAREST).utcoffset() == dt.timedelta(hours=3)
    assert parse_datetime("2026-10-25 02:59", BUCHAREST).utcoffset() == dt.timedelta(hours=3)
    assert parse_datetime("2026-10-25 04:00", BUCHAREST).utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("2026-02-30 10:00", "not a real date"),
        ("2026-12-04 24:00", "not a real date"),
        ("2026-12-04", "no time of day"),
        ("4 decembrie 10:00", "2026-12-04 10:00"),
        ("2026-12-04 10:00+25:00", "not a valid UTC offset"),
    ],
)
def test_bad_dates_say_what_to_write(written, words):
    problem = only_problem(f"date: {written}\ntype: informative\n")
    assert (problem.line, problem.field) == (2, "date")
    assert words in problem.message


# --- unknown keys and lines -----------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "line", "field", "hint"),
    [
        ("date: 2026-12-04 10:00\ntipe: sales\n", 3, "tipe", "'type'"),
        ("date: 2026-12-04 10:00\ntype: sales\nplatfroms: [feed]\n", 4, "platfroms", "'platforms'"),
        ("date: 2026-12-04 10:00\ntype: sales\nstatsu: draft\n", 4, "statsu", "'status'"),
        (
            "date: 2026-12-04 10:00\ntype: sales\nmedia:\n  - src: media/x.jpg\n    atl: Un cozonac\n",
            6,
            "media.0.atl",
            "'alt'",
        ),
    ],
)
def test_unknown_keys_in_a_post_say_did_you_mean(front_matter, line, field, hint):
    post, problems = load(front_matter)
    assert post is None
    unknown = [p for p in problems if p.code == "unknown-key"]
    assert [(p.line, p.field) for p in unknown] == [(line, field)]
    assert f"did you mean {hint}" in unknown[0].message


def test_lines_stay_right_after_a_blank_line_under_the_opening_dashes():
    text = "---\n\ndate: 2026-12-04 10:00\ntipe: sales\n---\nCozonac.\n"
    post, problems = load_post(
        FIXTURES, "content/brutaria/2026-12-04-x.md", text.encode(), group(), "brutaria"
    )
    assert [(p.line, p.field) for p in problems if p.code == "unknown-key"] == [(4, "tipe")]


def test_lines_are_file_lines_with_crlf_and_bom():
    text = "\ufeff---\r\ndate: 2026-12-04 10:00\r\ntype: informative\r\nplatforms: [telgram]\r\n---\r\nx\r\n"
    post, problems = load_post(
        FIXTURES, "content/brutaria/2026-12-04-x.md", text.encode(), group(), "brutaria"
    )
    assert [(p.line, p.field) for p in problems] == [(4, "platforms.0")]
    assert "did you mean 'telegram'" in problems[0].message


def test_every_problem_of_a_post_is_reported_at_once():
    _, problems = load(
        "date: 2026-13-01 10:00\ntype: sale\nstatus: redy\nplatforms: [telgram]\ncolour: red\n"
    )
    assert sorted((p.line, p.field) for p in problems) == [
        (2, "date"),
        (3, "type"),
        (4, "status"),
        (5, "platforms.0"),
        (6, "colour"),
    ]


# --- group files ---------------------------------------------------------------------


def test_a_good_group_file_loads():
    loaded_group = group()
    assert loaded_group.timezone == "Europe/Bucharest"
    assert [a.name for a in loaded_group.accounts] == ["feed", "telegram"]
    assert loaded_group.account("telegram").secret_envs == {"token_env": "BRUTARIA_TELEGRAM_TOKEN"}
    assert [s.text for s in loaded_group.slots] == ["mon 10:00", "fri 12:00"]
    assert loaded_group.max_delay == dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("slot", "words"),
    [
        ("funday 10:00", "'funday 10:00' is not a slot"),
        ("mon 25:00", "impossible time of day"),
        ("mon 10", 'like "mon 10:00"'),
        ("10:00", 'like "mon 10:00"'),
    ],
)
def test_bad_slots_are_errors_on_their_line(slot, words):
    text = GROUP_YML.format(tz="Europe/Bucharest").replace(
        'slots: ["mon 10:00", "fri 12:00"]', f'slots:\n  - mon 10:00\n  - "{slot}"'
    )
    problems = group_problems(text)
    assert [(p.line, p.field, p.code) for p in problems] == [(5, "slots.1", "slot")]
    assert words in problems[0].message


@pytest.mark.parametrize(
    "tz", ["Europe/Bucuresti", "EET+2", "../../etc/passwd", "/etc/localtime", ""]
)
def test_bad_timezone_asks_for_an_iana_name(tz):
    problems = group_problems(GROUP_YML.format(tz=f'"{tz}"'))
    assert [(p.line, p.field) for p in problems] == [(2, "timezone")]
    message = problems[0].message
    assert "Europe/Bucharest" in message and ("IANA" in message or "required" in message)


@pytest.mark.parametrize(
    ("setting", "account", "asks_for"),
    [
        ("token", "telegram", "token_env"),
        ("password", "bluesky", "password_env"),
        ("secret", "crm", "secret_env"),
    ],
)
def test_a_secret_written_in_a_group_file_is_refused_without_echoing_it(setting, account, asks_for):
    accounts = {
        "telegram": 'telegram: {chat: "@b", %s: "7311:AAH-do-not-echo"}',
        "bluesky": "bluesky: {handle: b.bsky.social, %s: 7311-AAH-do-not-echo}",
        "crm": "crm: {platform: webhook, url: https://hooks.example.ro/x, %s: 7311AAHdonotecho}",
    }
    text = "name: B\ntimezone: Europe/Bucharest\naccounts:\n  " + accounts[account] % setting + "\n"
    problems = group_problems(text)
    secret = [p for p in problems if p.code == "secret-in-file"]
    assert [(p.line, p.field) for p in secret] == [(4, f"accounts.{account}.{setting}")]
    assert f"`{asks_for}: NAME`" in secret[0].message
    for problem in problems:
        assert "7311" not in problem.message and "do-not-echo" not in problem.message.lower()


@pytest.mark.parametrize(
    ("yml", "line", "field", "hint"),
    [
        ("name: B\ntimezon: Europe/Bucharest\naccounts:\n  feed: {}\n", 2, "timezon", "'timezone'"),
        (
            "name: B\ntimezone: UTC\naccounts:\n  telegram: {chat: '@b', tokn_env: T}\n",
            4,
            "accounts.telegram.tokn_env",
            "'token_env'",
        ),
        (
            "name: B\ntimezone: UTC\naccounts:\n  feed: {}\n  mastodn: {instance: https://m.ro, token_env: T}\n",
            5,
            "accounts.mastodn",
            "'mastodon'",
        ),
        (
            "name: B\ntimezone: UTC\nmix:\n  sales: {max_in_row: 1}\naccounts:\n  feed: {}\n",
            4,
            "mix.sales.max_in_row",
            "'max_in_a_row'",
        ),
        (
            "name: B\ntimezone: UTC\nmix:\n  sale: {max_share: 0.4}\naccounts:\n  feed: {}\n",
            4,
            "mix.sale",
            "'sales'",
        ),
    ],
)
def test_unknown_keys_in_a_group_say_did_you_mean(yml, line, field, hint):
    problems = group_problems(yml)
    matching = [p for p in problems if p.field == field]
    assert [p.line for p in matching] == [line], problems
    assert f"did you mean {hint}" in matching[0].message


def test_group_value_errors():
    problems = group_problems(
        "name: B\ntimezone: UTC\nmax_delay: 24 hours\n"
        "mix:\n  sales: {max_share: 140%, min_share: x}\naccounts: {}\n"
    )
    found = {p.field: (p.line, p.message) for p in problems}
    assert found["max_delay"][0] == 3 and "24h" in found["max_delay"][1]
    assert (
        found["mix.sales.max_share"][0] == 5 and "out of range" in found["mix.sales.max_share"][1]
    )
    assert (
        found["mix.sales.min_share"][0] == 5 and "not a number" in found["mix.sales.min_share"][1]
    )
    assert found["accounts"][0] == 6 and "feed: {}" in found["accounts"][1]


def test_a_group_file_needs_its_required_settings():
    problems = group_problems("name: B\naccounts:\n  telegram: {chat: '@b'}\n")
    found = {(p.field, p.code) for p in problems}
    assert ("timezone", "missing") in found
    needs = [p for p in problems if p.field == "accounts.telegram"]
    assert needs and "needs `token_env`" in needs[0].message and needs[0].line == 3
