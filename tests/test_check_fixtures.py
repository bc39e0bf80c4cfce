"""`smmflow check` on one tiny content repository per mistake (tests/fixtures/<case>/).

Every test runs the real command line (click's own test runner, in this process: `check`
is pure, so a subprocess per case would only add Python's start-up), from inside the
fixture repository the way a writer or a CI workflow does, and asserts what a person
reads: the exit status, the file, the line, the field and words of the message, in all
three output formats.
"""

from __future__ import annotations

import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from repohelp import cli

from smmflow.errors import Problem

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FORMATS = ("text", "json", "github")


@dataclass(frozen=True)
class Expected:
    path: str  # relative to the fixture repository, as smmflow shows it from there
    line: int  # 0: about the whole file
    field: str
    code: str
    words: tuple[str, ...]  # each must appear in the message
    errors: int = 1  # errors in the whole fixture repository


def post(case: str, day: str, *, group: str | None = None) -> str:
    return f"content/{group or case}/{day}-{case}.md"


# case -> the problem a user must see. One fixture repository per case, named after it.
BAD: dict[str, Expected] = {
    # The `[` opened on line 4 is never closed: line 4 is what the writer must fix.
    "malformed-yaml": Expected(
        post("malformed-yaml", "2026-12-01"), 4, "", "yaml", ("invalid YAML", "]")
    ),
    "tab-in-yaml": Expected(
        post("tab-in-yaml", "2026-12-02"), 5, "", "yaml", ("tab", "indentation", "spaces")
    ),
    "missing-date": Expected(
        post("missing-date", "2026-12-03"), 1, "date", "missing", ("required",)
    ),
    "impossible-date": Expected(
        post("impossible-date", "2026-12-04"), 3, "date", "date", ("2026-02-30", "not a real date")
    ),
    "dst-gap-time": Expected(
        post("dst-gap-time", "2026-03-29"),
        2,
        "date",
        "date",
        ("2026-03-29 03:30", "does not exist", "Europe/Bucharest", "explicit offset", "+0"),
    ),
    "dst-fold-time": Expected(
        post("dst-fold-time", "2026-10-25"),
        2,
        "date",
        "date",
        ("2026-10-25 03:30", "twice", "explicit offset", "03:30+03:00", "03:30+02:00"),
    ),
    "unknown-key": Expected(
        post("unknown-key", "2026-12-07"),
        4,
        "platfroms",
        "unknown-key",
        ("unknown key 'platfroms'", "did you mean 'platforms'"),
    ),
    # The writer mistyped the folder (unkown-group); the group is unknown-group.
    "unknown-group": Expected(
        post("unknown-group", "2026-12-08", group="unkown-group"),
        0,
        "",
        "unknown-group",
        ("no group 'unkown-group'", "schedules/unkown-group.yml"),
    ),
    "folder-group-mismatch": Expected(
        post("folder-group-mismatch", "2026-12-09"),
        5,
        "group",
        "group-mismatch",
        ("folder-group-mismatch-other", "content/folder-group-mismatch/"),
    ),
    "unknown-platform": Expected(
        post("unknown-platform", "2026-12-10"),
        6,
        "platforms.1",
        "unknown-platform",
        ("'mastodon' is not an account", "feed, telegram, bluesky, instagram"),
    ),
    "missing-media": Expected(
        post("missing-media", "2026-12-11"),
        6,
        "media.0.src",
        "media-missing",
        ("media/cozonac.jpg", "does not exist"),
    ),
    "media-dotdot": Expected(
        post("media-dotdot", "2026-12-12"),
        6,
        "media.0.src",
        "media-path",
        ("../../secret.jpg", "leaves the group's folder"),
    ),
    "media-symlink": Expected(
        post("media-symlink", "2026-12-13"),
        6,
        "media.0.src",
        "media-path",
        ("media/cozonac.jpg", "link", "outside the group's folder"),
    ),
    "media-absolute-path": Expected(
        post("media-absolute-path", "2026-12-20"),
        6,
        "media.0.src",
        "media-path",
        ("/etc/hostname", "absolute path"),
    ),
    "missing-alt-text": Expected(
        post("missing-alt-text", "2026-12-21"), 6, "media.0", "alt", ("alt text is required",)
    ),
    # 320 graphemes (one of them a decomposed "ă"): over Bluesky's 300, fine for Telegram.
    "too-long-for-bluesky": Expected(
        post("too-long-for-bluesky", "2026-12-14"),
        6,
        "body",
        "too-long",
        ("too long for bluesky", "320 of 300 graphemes"),
    ),
    "telegram-caption-too-long": Expected(
        post("telegram-caption-too-long", "2026-12-15"),
        9,
        "body",
        "too-long",
        ("caption", "telegram", "1100 of 1024"),
    ),
    "instagram-without-media": Expected(
        post("instagram-without-media", "2026-12-16"),
        4,
        "media",
        "media-required",
        ("instagram needs at least one image or video",),
    ),
    "instagram-too-many-hashtags": Expected(
        post("instagram-too-many-hashtags", "2026-12-28"),
        9,
        "body",
        "hashtags",
        ("31 hashtags", "instagram allows 30"),
    ),
    "non-utf8": Expected(
        post("non-utf8", "2026-12-17"),
        6,
        "",
        "encoding",
        ("not UTF-8", "0xff", "save the file as UTF-8"),
    ),
    "empty-file": Expected(
        post("empty-file", "2026-12-18"), 0, "", "empty", ("the file is empty",)
    ),
    "front-matter-is-list": Expected(
        post("front-matter-is-list", "2026-12-19"),
        2,
        "",
        "front-matter",
        ("front matter is a list", "key: value"),
    ),
    "missing-front-matter": Expected(
        post("missing-front-matter", "2026-12-26"),
        1,
        "",
        "front-matter",
        ("no front matter", "---"),
    ),
    "unclosed-front-matter": Expected(
        post("unclosed-front-matter", "2026-12-27"),
        1,
        "",
        "front-matter",
        ("never closed", "---"),
    ),
    "duplicate-key": Expected(
        post("duplicate-key", "2026-12-24"), 5, "date", "yaml", ("duplicate key",)
    ),
    "date-without-time": Expected(
        post("date-without-time", "2026-12-25"), 2, "date", "date", ("no time of day", "10:00")
    ),
    "unknown-type": Expected(
        post("unknown-type", "2026-12-22"),
        3,
        "type",
        "unknown-type",
        ("unknown type 'sale'", "did you mean 'sales'"),
    ),
    "unknown-status": Expected(
        post("unknown-status", "2026-12-23"),
        4,
        "status",
        "status",
        ("unknown status 'redy'", "did you mean 'ready'"),
    ),
    # Four posts; the second of two sales posts in a row is the one named after the case.
    "mix-rule-broken": Expected(
        post("mix-rule-broken", "2026-12-07"),
        3,
        "type",
        "mix-in-a-row",
        ("2 sales posts in a row", "2026-12-04-cozonac-la-comanda.md", "allows 1"),
    ),
    "group-bad-timezone": Expected(
        "schedules/group-bad-timezone.yml",
        2,
        "timezone",
        "timezone",
        ("Europe/Bucuresti", "IANA"),
    ),
    "group-bad-slot": Expected(
        "schedules/group-bad-slot.yml", 3, "slots.1", "slot", ("'miercuri 18:30'", "mon 10:00")
    ),
    "group-secret-in-file": Expected(
        "schedules/group-secret-in-file.yml",
        6,
        "accounts.telegram.token",
        "secret-in-file",
        ("never write a secret", "token_env"),
        errors=2,  # and: the telegram account then lacks `token_env`
    ),
    "group-unknown-key": Expected(
        "schedules/group-unknown-key.yml",
        2,
        "timezon",
        "unknown-key",
        ("did you mean 'timezone'",),
        errors=2,  # and: `timezone` is required
    ),
    "group-broken-yaml": Expected(
        "schedules/group-broken-yaml.yml", 3, "", "yaml", ("invalid YAML",)
    ),
}

# case -> posts it holds; every one must pass with no problem at all.
GOOD = {"yaml-traps-ok": 1, "dst-explicit-offset-ok": 2, "crlf-bom-ok": 1}

PROBLEM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["path", "line", "field", "severity", "code", "message"],
    "properties": {
        "path": {"type": "string", "minLength": 1},
        "line": {"type": "integer", "minimum": 0},
        "field": {"type": "string"},
        "severity": {"enum": ["error", "warning"]},
        # a stable machine id, or "" (docs/check-json.md)
        "code": {"type": "string", "pattern": "^([a-z0-9]+(-[a-z0-9]+)*)?$"},
        "message": {"type": "string", "minLength": 1},
    },
}
# docs/check-json.md, version 1, as a JSON Schema.
CHECK_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "ok", "checked", "errors", "warnings", "problems"],
    "properties": {
        "version": {"const": 1},
        "ok": {"type": "boolean"},
        "checked": {
            "type": "object",
            "additionalProperties": False,
            "required": ["posts", "groups"],
            "properties": {
                "posts": {"type": "integer", "minimum": 0},
                "groups": {"type": "integer", "minimum": 0},
            },
        },
        "errors": {"type": "integer", "minimum": 0},
        "warnings": {"type": "integer", "minimum": 0},
        "problems": {"type": "array", "items": PROBLEM_SCHEMA},
    },
}


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def smmflow(*args: str, cwd: Path) -> Run:
    done = cli(cwd, *args)
    return Run(done.code, done.out, done.err)


@functools.cache
def check(case: str, fmt: str = "text", target: str = ".") -> Run:
    """`smmflow check TARGET --format FMT`, run from inside the fixture repository."""
    return smmflow("check", target, "--format", fmt, cwd=FIXTURES / case)


def as_json(run: Run) -> dict:
    doc = json.loads(run.out)
    jsonschema.validate(doc, CHECK_SCHEMA)
    problems = doc["problems"]
    assert doc["errors"] == sum(p["severity"] == "error" for p in problems)
    assert doc["warnings"] == sum(p["severity"] == "warning" for p in problems)
    assert doc["ok"] is (doc["errors"] == 0)
    order = [(p["path"], p["line"]) for p in problems]
    assert order == sorted(order), "problems are sorted by path, then line"
    return doc


def text_line(exp: Expected) -> str:
    where = f"{exp.path}:{exp.line}" if exp.line else exp.path
    field = f" {shown_field(exp.field)}:" if exp.field else ""
    return f"{where}:{field} "


def shown_field(field: str) -> str:
    """The field as text and annotations show it to writers: `media.0.src` is media item 1."""
    return Problem("", 0, field, "").shown_field


def github_prefix(exp: Expected) -> str:
    props = [f"file={exp.path}"]
    if exp.line:
        props.append(f"line={exp.line}")
    if exp.field:
        props.append(f"title={shown_field(exp.field)}")
    return f"::error {','.join(props)}::"


def test_every_case_has_a_fixture_repository_and_back():
    on_disk = {p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert on_disk == set(BAD) | set(GOOD)
    for case, exp in BAD.items():
        assert (FIXTURES / case / "schedules").is_dir(), case
        assert (FIXTURES / case / exp.path).is_file(), (case, exp.path)
        if exp.path.startswith("content/"):
            assert Path(exp.path).stem.endswith(case), "the bad post is named after its case"


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_case_text(case):
    exp = BAD[case]
    run = check(case, "text")
    assert run.code == 1, run
    hits = [line for line in run.out.splitlines() if line.startswith(text_line(exp))]
    assert hits, f"no line starting with {text_line(exp)!r} in:\n{run.out}"
    assert any(all(w in hit for w in exp.words) for hit in hits), (exp.words, hits)
    assert f"{exp.errors} error{'s' if exp.errors != 1 else ''}," in run.err


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_case_json(case):
    exp = BAD[case]
    run = check(case, "json")
    assert run.code == 1, run
    doc = as_json(run)
    assert doc["ok"] is False
    assert doc["errors"] == exp.errors, doc["problems"]
    found = [
        p
        for p in doc["problems"]
        if (p["path"], p["line"], p["field"], p["severity"])
        == (exp.path, exp.line, exp.field, "error")
    ]
    assert found, doc["problems"]
    assert any(all(w in p["message"] for w in exp.words) for p in found), found
    assert exp.code in {p["code"] for p in found}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_case_github_annotations(case):
    exp = BAD[case]
    run = check(case, "github")
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert all(line.startswith(("::error ", "::warning ")) for line in lines), run.out
    hits = [line for line in lines if line.startswith(github_prefix(exp))]
    assert hits, f"no annotation starting with {github_prefix(exp)!r} in:\n{run.out}"
    assert any(all(w in hit.split("::", 2)[2] for w in exp.words) for hit in hits), hits
    assert sum(line.startswith("::error ") for line in lines) == exp.errors


@pytest.mark.parametrize("case", sorted(BAD))
def test_checking_just_the_bad_file_reports_it(case):
    """What a pull-request check does: `smmflow check <the changed file>`."""
    exp = BAD[case]
    run = check(case, "json", exp.path)
    assert run.code == 1, run
    doc = as_json(run)
    assert any(
        (p["path"], p["line"], p["field"]) == (exp.path, exp.line, exp.field)
        for p in doc["problems"]
    ), doc["problems"]


def test_checking_one_post_of_a_group_with_a_broken_schedule_fails():
    """The post cannot be published while its group's file is broken: that is no pass."""
    exp = BAD["group-broken-yaml"]
    run = check("group-broken-yaml", "text", "content/group-broken-yaml/2026-12-07-cozonac.md")
    assert "not checked" in run.out
    assert run.code == 1, run
    assert exp.path in run.out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_secret_written_in_a_group_file_is_never_echoed(fmt):
    run = check("group-secret-in-file", fmt)
    assert run.code == 1
    text = (FIXTURES / "group-secret-in-file/schedules/group-secret-in-file.yml").read_text()
    assert "token: 7311:AAH-fixture-leak-me" in text  # the fixture really holds one
    for secret in ("7311", "AAH-fixture-leak-me"):
        assert secret not in run.out and secret not in run.err


def test_bluesky_limit_does_not_touch_telegram():
    doc = as_json(check("too-long-for-bluesky", "json"))
    messages = [p["message"] for p in doc["problems"]]
    assert len(messages) == 1 and "bluesky" in messages[0] and "telegram" not in messages[0]


@pytest.mark.parametrize("case", sorted(GOOD))
@pytest.mark.parametrize("fmt", FORMATS)
def test_valid_case_passes(case, fmt):
    run = check(case, fmt)
    assert run.code == 0, run
    if fmt == "json":
        doc = as_json(run)
        assert doc["ok"] is True and doc["problems"] == []
        assert doc["checked"] == {"posts": GOOD[case], "groups": 1}
    else:
        assert run.out == ""
        assert "no problems" in run.err


def test_all_bad_cases_in_one_repository_are_reported_at_once(tmp_path):
    repo = tmp_path / "all"
    for case in BAD:
        shutil.copytree(FIXTURES / case, repo, symlinks=True, dirs_exist_ok=True)
    assert (repo / "content/media-symlink/media/cozonac.jpg").is_symlink()
    run = smmflow("check", "--format", "json", cwd=repo)
    assert run.code == 1
    doc = json.loads(run.out)  # the schema is checked case by case above
    alone = [json.loads(check(case, "json").out) for case in BAD]
    assert doc["errors"] == sum(d["errors"] for d in alone)
    assert doc["warnings"] == sum(d["warnings"] for d in alone)
    assert doc["checked"]["posts"] == sum(d["checked"]["posts"] for d in alone)
    assert doc["checked"]["groups"] == sum(d["checked"]["groups"] for d in alone)
    together = sorted(json.dumps(p, sort_keys=True) for p in doc["problems"])
    one_by_one = sorted(json.dumps(p, sort_keys=True) for d in alone for p in d["problems"])
    assert together == one_by_one


def test_symlink_fixture_is_a_real_symlink():
    link = FIXTURES / "media-symlink/content/media-symlink/media/cozonac.jpg"
    assert link.is_symlink()
    assert not link.resolve().is_relative_to((FIXTURES / "media-symlink/content").resolve())


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundled_example_content_is_clean(fmt):
    run = smmflow("check", "--format", fmt, cwd=ROOT)
    assert run.code == 0, run.out + run.err
    if fmt == "json":
        doc = as_json(run)
        assert doc["ok"] is True and doc["errors"] == 0
        assert doc["checked"]["posts"] > 0 and doc["checked"]["groups"] > 0


def test_usage_error_outside_a_content_repository(tmp_path):
    run = smmflow("check", cwd=tmp_path)
    assert run.code == 2
    assert "schedules/" in run.err and "smmflow init" in run.err
