"""Bad input, generated: `check` never crashes, and every problem says where it is.

Hypothesis writes front matter (known and random keys, valid values, YAML syntax
fragments, tabs, anchors and aliases, huge numbers, deep nesting, control characters),
bodies and group files, wrapped in byte-level trouble (BOMs, CRLF and lone CR line ends,
bytes that are not UTF-8). Most examples run in-process through the library
(`repo.load` + `rules.check`), a few through the real command line.

The rule for locations (errors.Problem, docs/check-json.md): every problem names a file
of the repository; `line` is 1-based and inside that file; 0 only for a problem about the
whole file, which then names no field.

Examples are derandomized (the same on every run and in CI); a failure prints the exact
input, which belongs in a fixture or a regression test here once fixed.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repohelp import base_env, cli

from smmflow.check import output, rules
from smmflow.content import repo as repo_module
from smmflow.errors import ExitCode, Problem, Severity

SETTINGS = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GROUP = """name: Fuzz
timezone: Europe/Bucharest
slots: ["mon 10:00", "fri 12:00"]
mix:
  sales: {max_share: 0.5, max_in_a_row: 1}
accounts:
  feed: {}
  hook: {platform: webhook, url: "http://127.0.0.1:9/hook"}
  telegram: {chat: "@fuzz", token_env: FUZZ_TELEGRAM_TOKEN}
  bluesky: {handle: fuzz.bsky.social, password_env: FUZZ_BSKY_PASSWORD}
  mastodon: {instance: "https://mastodon.example", token_env: FUZZ_MASTODON_TOKEN}
"""
POST = "content/fuzz/2026-12-04-fuzzed.md"
# Problems about a whole file (line 0): an empty post, a post of a group that does not
# exist, a group file that is not UTF-8 or badly named, and posts skipped for their group.
WHOLE_FILE_CODES = {"empty", "unknown-group", "post-file"}
WHOLE_FILE_WORDS = ("not UTF-8", "rename the file", "not checked: schedules/")


# -- the repository every in-process example reuses --------------------------------------
@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "schedules").mkdir()
    (root / "schedules" / "fuzz.yml").write_text(GROUP, encoding="utf-8")
    media = root / "content" / "fuzz" / "media"
    media.mkdir(parents=True)
    (media / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    return root


def run_check(root: Path) -> list[Problem]:
    loaded = repo_module.load(root, check=rules.check_post, workers=1, use_cache=False)
    return rules.check(loaded)


def lines_of(root: Path, rel: str) -> int:
    return (root / rel).read_bytes().count(b"\n") + 1


def assert_located(root: Path, problems: list[Problem]) -> None:
    """Every problem: a file of the repository, a line inside it, readable output."""
    for p in problems:
        assert isinstance(p.path, str) and p.path and not p.path.startswith("/"), p
        assert (root / p.path).is_file(), p
        assert isinstance(p.message, str) and p.message.strip(), p
        assert isinstance(p.line, int) and 0 <= p.line <= lines_of(root, p.path), (
            p,
            lines_of(root, p.path),
        )
        if p.line == 0:
            assert p.field == "", f"a problem with a field has a line: {p}"
            if p.severity is Severity.ERROR:
                assert p.code in WHOLE_FILE_CODES or any(
                    w in p.message for w in WHOLE_FILE_WORDS
                ), p
        assert "Traceback" not in p.message, p
        p.format()
    show = str
    output.as_text(problems, show)
    output.as_github(problems, show)
    json.loads(output.as_json(problems, show, {"posts": 0, "groups": 0}))


def exit_code(problems: list[Problem]) -> ExitCode:
    return ExitCode.PROBLEMS if any(p.severity is Severity.ERROR for p in problems) else ExitCode.OK


# -- strategies ----------------------------------------------------------------------------
KEYS = ("date", "type", "platforms", "group", "status", "media", "title")
VALID = {
    "date": [
        "2026-12-04 10:00",
        "2026-12-04T10:00:00+02:00",
        "'2026-12-04 10:00'",
        "2026-12-04 10:00:30",
    ],
    "type": ["informative", "sales", "'entertaining'"],
    "platforms": [
        "[feed, hook]",
        "feed",
        "[telegram, bluesky]",
        "[mastodon]",
        "\n  - feed\n  - hook",
    ],
    "group": ["fuzz"],
    "status": ["ready", "draft", "withdrawn"],
    "media": [
        "\n  - src: media/photo.jpg\n    alt: A photo",
        "[{src: media/photo.jpg, alt: A photo}]",
    ],
    "title": ["Hello", '"Quoted: yes"', "no", "9:30", "Ziua României 🇷🇴"],
}
# Values of the right shape that are wrong in a way that has broken something before.
TROUBLE = {
    "date": [
        "9999-12-31 23:59-23:59",
        "0001-01-01 00:00+23:59",
        "0001-01-01 00:00",
        "2026-02-30 10:00",
        "2026-03-29 03:30",
        "2026-10-25 03:30",
        "2026-12-04",
        "2026-12-04 24:00",
        "99999-01-01 10:00",
        "2026-12-04 10:00+24:00",
        "'2026-12-04 10:00 +02:00'",
    ],
    "media": [
        '[{src: "media/\\0.jpg", alt: x}]',
        '[{src: "\\0", alt: x}]',
        "[{src: ., alt: x}]",
        '[{src: "", alt: x}]',
        "[{src: media, alt: x}]",
        "[{src: /dev/zero, alt: x}]",
        "[{src: ../../../etc/passwd, alt: x}]",
        "[{src: media/photo.jpg}]",
        '[{src: media/photo.jpg, alt: "\\u202e gpj.exe"}]',
        "[{src: [a], alt: {b: c}}]",
        "[{src: " + "a/" * 2000 + "x.jpg, alt: x}]",
        "[{src: " + "a" * 300 + ".jpg, alt: x}]",
        "media/photo.jpg",
    ],
    "title": ['"\\u202eevil"', '"\\e[2J"', '"\\0"', '"\\x85"', '"\\u2066x"', "[a]", "{a: b}"],
    "platforms": ["[]", "[[feed]]", "{feed: 1}", "[feed, feed]", "[nope]", "''"],
    "status": ["redy", "[ready]", "''"],
    "type": ["sale", "''", "[informative]"],
}
# Pieces of YAML syntax and values that have broken parsers: flow and block collections,
# anchors and aliases (a billion laughs in small), tags, block scalars, directives,
# document markers, quotes, numbers no integer can hold, deep nesting and characters
# YAML or XML refuse.
FRAGMENTS = [
    "[",
    "]",
    "{",
    "}",
    "[a, [b, {c: d}]]",
    "{a: [1, 2",
    "&a",
    "*a",
    "&a [1, 2]",
    "*undefined",
    "&a [*a, *a, *a]",
    "!!binary aGVsbG8=",
    "!!python/object/apply:os.system ['true']",
    "!tag x",
    "? complex",
    "? [a, b]\n: c",
    "- ",
    "- - - x",
    "|",
    ">-\n  folded",
    "|\n  literal\n  block",
    '"',
    "'",
    '"\\u202e"',
    '"\\x00"',
    '"\\e[2J"',
    '"\\ud800"',
    "%YAML 1.1",
    "%TAG ! tag:x,2026:",
    "---",
    "...",
    "@at",
    "`tick`",
    "# comment",
    ":",
    "::",
    ": :",
    "a: b: c",
    "\t",
    "\\",
    "9" * 5000,
    "-" + "9" * 400,
    "1e999",
    "nan",
    ".inf",
    "0x1F",
    "0o17",
    "~",
    "null",
    "NULL",
    "no",
    "on",
    "yes",
    "9:30",
    "2026-02-30 10:00",
    "2026-03-29 03:30",
    "2026-10-25 03:30",
    "0001-01-01 00:00",
    "9999-12-31 23:59-23:59",
    "2026-12-04 10:00+99:99",
    "[" * 40,
    "{a: " * 40,
    "- " * 60 + "x",
    "x" * 3000,
    "\u202e",
    "\ufeff",
    "\x85",
    "\u2028",
    "\U0001f600" * 50,
    "media/../../etc/passwd",
    "/etc/passwd",
    "media/\0.jpg",
    "media",
    "C:\\photo.jpg",
    "media/photo.jpg\n    alt: ''",
    '"media/\\0.jpg"',
    '"\\0"',
    '"."',
    '""',
    '[{src: media/photo.jpg, alt: "\\u202eevil"}]',
    '"title\\e[2J"',
    "x: &a [*a]",
]
KEY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12
)
VALUE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def yq(text: str) -> str:
    """`text` as a YAML double-quoted string: what YAML cannot hold raw is escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif (
            code < 0x20 or 0x7F <= code <= 0x9F or code in (0xFEFF, 0xFFFE, 0xFFFF, 0x2028, 0x2029)
        ):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def flow(value: object) -> str:
    """Plain data as YAML flow collections, every string quoted."""
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yq(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return yq(value)
    return json.dumps(value)


# Random nested data, written as flow collections.
JSON_DATA = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), VALUE_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(KEY_TEXT, inner, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def deep(draw) -> str:
    depth = draw(st.integers(20, 60))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
    return opener * depth + "x" + closer * depth


@st.composite
def values(draw, key: str, clean: bool) -> str:
    """Well-formed YAML when `clean`, so that trouble reaches the schema and the checks."""
    kind = draw(st.integers(0, 14 if clean else 19))
    if kind <= 5 and key in VALID:
        return draw(st.sampled_from(VALID[key]))
    if kind <= 8 and key in TROUBLE:
        return draw(st.sampled_from(TROUBLE[key]))
    if kind <= 10:  # any string, quoted: escapes make control characters, NUL, U+202E ...
        return yq(draw(VALUE_TEXT))
    if kind <= 12:
        return flow(draw(JSON_DATA))
    if kind <= 14:
        return draw(st.sampled_from([*TROUBLE.get(key, []), draw(deep())]))
    if kind == 15:
        return draw(st.sampled_from(FRAGMENTS))
    if kind == 16:
        return draw(st.sampled_from(FRAGMENTS)) + draw(VALUE_TEXT)
    if kind == 17:
        inner = draw(st.lists(st.sampled_from(FRAGMENTS + VALID.get(key, [])), max_size=4))
        return "[" + ", ".join(inner) + "]"
    return draw(VALUE_TEXT)


@st.composite
def front_matter(draw) -> str:
    keys = draw(
        st.lists(
            st.one_of(st.sampled_from(KEYS), st.sampled_from(KEYS), KEY_TEXT),
            max_size=8,
            unique=True,
        )
    )
    clean = draw(st.booleans())  # half the documents are well-formed YAML
    lines = []
    for key in keys:
        if clean:
            key = yq(key) if key not in KEYS else key
            lines.append(f"{key}: {draw(values(key, clean))}")
            continue
        indent = draw(st.sampled_from(["", "", "", "", "", "", " ", "  ", "\t"]))
        sep = draw(st.sampled_from([": "] * 8 + [":", " : ", ":\t", " "]))
        lines.append(f"{indent}{key}{sep}{draw(values(key, clean))}")
    # Hypothesis favours the first choice of `sampled_from`: here, the common case.
    if "date" not in keys and draw(st.sampled_from([True, True, False])):
        lines.insert(0, f"date: {draw(st.sampled_from(VALID['date']))}")
    if "type" not in keys and draw(st.sampled_from([True, True, False])):
        lines.insert(1, f"type: {draw(st.sampled_from(VALID['type']))}")
    return "\n".join(lines)


MARKDOWN = st.text(
    st.one_of(
        st.sampled_from(list("*_`#[]()<>!|~-+=:\\\"'& \n\t")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=200,
)
BODY_SNIPPETS = [
    "**bold** and _it_",
    "[a](https://example.ro/x)",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "```\ncode\n```",
    "#tag @someone.bsky.social",
    "> quote",
    "1. one\n2. two",
    "- a\n  - b",
    "\u202eevil",
    "\x1b[2J",
    "\x00",
    "\r\n",
    "---",
    "\ufeff",
]


@st.composite
def bodies(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(BODY_SNIPPETS), MARKDOWN), max_size=5))
    return "".join(parts)


@st.composite
def post_bytes(draw) -> bytes:
    """A whole post file: front matter, body and byte-level trouble around them."""
    text = "---\n" + draw(front_matter())
    if draw(st.sampled_from([True] * 9 + [False])):  # now and then it is never closed
        text += "\n---\n"
    text += draw(bodies())
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    data = text.replace("\n", newline).encode("utf-8")
    if draw(st.sampled_from([False] * 5 + [True])):
        data = b"\xef\xbb\xbf" + data
    if draw(st.sampled_from([False] * 7 + [True])):  # a byte that is not UTF-8, a stray BOM
        at = draw(st.integers(0, len(data)))
        junk = draw(
            st.sampled_from(
                [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\xef\xbb\xbf", b"\x00"]
            )
        )
        data = data[:at] + junk + data[at:]
    whole = draw(st.sampled_from([None] * 30 + [b"", b"   \n", b"---", b"---\n---\n", b"\xff\xfe"]))
    if whole is not None:
        data = whole
    return data


# -- posts, in-process ---------------------------------------------------------------------
@SETTINGS
@given(data=post_bytes())
def test_check_never_crashes_and_locates_every_problem(fuzz_root: Path, data: bytes) -> None:
    (fuzz_root / POST).write_bytes(data)
    problems = run_check(fuzz_root)
    assert_located(fuzz_root, problems)
    assert all(p.path in (POST, "schedules/fuzz.yml") for p in problems), problems


@st.composite
def one_field_wrong(draw) -> bytes:
    """A valid post with one or two values replaced: the schema and checks behind the YAML."""
    fields = {
        "date": "2026-12-04 10:00",
        "type": "informative",
        "platforms": "[feed, hook, telegram, bluesky, mastodon]",
        "media": "[{src: media/photo.jpg, alt: A photo}]",
        "title": "Hello",
    }
    for key in draw(st.lists(st.sampled_from(list(TROUBLE)), min_size=1, max_size=2, unique=True)):
        fields[key] = draw(
            st.one_of(
                st.sampled_from(TROUBLE[key]), VALUE_TEXT.map(yq), JSON_DATA.map(flow), deep()
            )
        )
    front = "\n".join(f"{k}: {v}" for k, v in fields.items())
    return f"---\n{front}\n---\n{draw(bodies())}\n".encode()


@SETTINGS
@given(data=one_field_wrong())
def test_wrong_values_behind_valid_yaml(fuzz_root: Path, data: bytes) -> None:
    (fuzz_root / POST).write_bytes(data)
    assert_located(fuzz_root, run_check(fuzz_root))


@st.composite
def valid_posts(draw) -> tuple[bytes, bool]:
    """A post that must pass: valid values only, in any order, CRLF or not, BOM or not."""
    chosen = draw(st.lists(st.sampled_from(KEYS[2:]), unique=True))
    fields = {
        "date": "2026-12-04 10:00",
        "type": draw(st.sampled_from(["informative", "'entertaining'"])),
    }
    for key in chosen:
        fields[key] = draw(st.sampled_from(VALID[key]))
    if fields.get("status") == "withdrawn":
        fields["status"] = "ready"
    order = draw(st.permutations(list(fields)))
    front = "\n".join(f"{key}: {fields[key]}" for key in order)
    body = draw(
        st.text(st.characters(whitelist_categories=("L", "N", "Zs")), min_size=1, max_size=200)
    )
    body += draw(st.sampled_from(["", " **bold**", " [link](https://example.ro)", " #tag"]))
    text = f"---\n{front}\n---\n{body}\n".replace("\n", draw(st.sampled_from(["\n", "\r\n"])))
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data if draw(st.booleans()) else data), "media" in fields


@settings(SETTINGS, max_examples=150)
@given(case=valid_posts())
def test_valid_posts_pass(fuzz_root: Path, case: tuple[bytes, bool]) -> None:
    data, _ = case
    (fuzz_root / POST).write_bytes(data)
    problems = run_check(fuzz_root)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    # A valid post may still be too long for a platform: body text is short here.
    assert errors == [], (data, errors)
    assert exit_code(problems) is ExitCode.OK


# -- group files, in-process ---------------------------------------------------------------
GROUP_KEYS = ("name", "timezone", "approvers", "slots", "mix", "max_delay", "accounts", "types")
GROUP_VALID = {
    "name": ["Fuzz", '"Brutăria: Dulce"', "no"],
    "timezone": [
        "Europe/Bucharest",
        "UTC",
        "America/New_York",
        "Europe/Bucuresti",
        "Mars/Olympus",
        "../etc",
    ],
    "approvers": ["[ana]", "ana", "[]"],
    "slots": ['["mon 10:00"]', '["mon 25:00"]', '["luni 10:00"]', "mon 10:00", "[]"],
    "mix": [
        "\n  sales: {max_share: 0.4, max_in_a_row: 1}",
        "{sales: {min_share: 2}}",
        "\n  nope: {}",
        "{sales: {max_in_a_row: 0}}",
    ],
    "max_delay": ["24h", "90m", "2d 3h", "soon", "0h", "999999d"],
    "accounts": [
        "\n  feed: {}",
        "{feed: {}}",
        "{}",
        "\n  telegram: {chat: x, token: abc}",
        "\n  x: {platform: nope}",
        "\n  Bad_Name: {}",
    ],
    "types": ["[informative, sales]", "[]", "sales"],
}


@st.composite
def group_text(draw) -> str:
    keys = draw(st.lists(st.one_of(st.sampled_from(GROUP_KEYS), KEY_TEXT), max_size=9))
    lines = []
    for key in keys:
        kind = draw(st.integers(0, 9))
        if kind <= 4 and key in GROUP_VALID:
            value = draw(st.sampled_from(GROUP_VALID[key]))
        elif kind <= 7:
            value = draw(st.sampled_from(FRAGMENTS))
        else:
            value = draw(VALUE_TEXT)
        indent = draw(st.sampled_from(["", "", "", " ", "\t"]))
        lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines)


@settings(SETTINGS, max_examples=300)
@given(
    text=group_text(),
    post=st.sampled_from([b"", b"---\ndate: 2026-12-04 10:00\ntype: sales\n---\nHi\n"]),
)
def test_group_files_never_crash_check(fuzz_root: Path, text: str, post: bytes) -> None:
    (fuzz_root / POST).write_bytes(
        post or b"---\ndate: 2026-12-04 10:00\ntype: informative\n---\nHi\n"
    )
    group = fuzz_root / "schedules" / "fuzz.yml"
    group.write_text(text, encoding="utf-8")
    try:
        problems = run_check(fuzz_root)
        assert_located(fuzz_root, problems)
    finally:
        group.write_text(GROUP, encoding="utf-8")


# -- the command line ----------------------------------------------------------------------
def _cli_repo(tmp_path: Path, files: list[bytes]) -> Path:
    root = tmp_path
    (root / "schedules").mkdir(exist_ok=True)
    (root / "schedules" / "fuzz.yml").write_text(GROUP, encoding="utf-8")
    folder = root / "content" / "fuzz"
    if folder.exists():
        for old in folder.glob("*.md"):
            old.unlink()
    (folder / "media").mkdir(parents=True, exist_ok=True)
    (folder / "media" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    for i, data in enumerate(files):
        (folder / f"2026-12-{i % 28 + 1:02d}-case-{i}.md").write_bytes(data)
    return root


def smmflow_check(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`smmflow check ARGS` from `root`, in this process (`check` is pure)."""
    done = cli(root, "check", *args, env={"SMMFLOW_NO_CACHE": "1"})
    return subprocess.CompletedProcess(done.args, done.code, done.out, done.err)


@settings(SETTINGS, max_examples=8)
@given(files=st.lists(post_bytes(), min_size=3, max_size=12))
def test_cli_exit_code_and_output(tmp_path_factory, files: list[bytes]) -> None:
    root = _cli_repo(tmp_path_factory.mktemp("cli"), files)
    result = smmflow_check(root, "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    doc = json.loads(result.stdout)
    assert result.returncode == (1 if doc["errors"] else 0)
    for problem in doc["problems"]:
        assert (root / problem["path"]).is_file(), problem
        assert 0 <= problem["line"] <= lines_of(root, problem["path"]), problem
        if problem["line"] == 0:
            assert problem["field"] == "", problem
    text = smmflow_check(root)
    assert text.returncode == result.returncode and "Traceback" not in text.stderr
    # Every line of the text output starts with a path of the repository.
    for line in text.stdout.splitlines():
        assert line.startswith("content/fuzz/") or line.startswith("schedules/"), line


# -- YAML bombs, deep nesting: bounded in time and memory -----------------------------------
def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines)


def _limited() -> None:  # runs in the child: 1 GiB of address space at most
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


BOMBS = {
    # 9**9 = 387,420,489 strings if expanded
    # (where, text, line of the problem in the file; None: somewhere in the nesting)
    "billion-laughs-post": ("post", "date: 2026-12-04 10:00\ntype: informative\n" + _bomb(), 4),
    "billion-laughs-group": ("group", GROUP + _bomb(), 12),
    "recursive-alias": ("post", "date: 2026-12-04 10:00\ntype: informative\nx: &x [*x]", 4),
    "deep-flow-nesting": ("post", "date: 2026-12-04 10:00\ntype: " + "[" * 60_000, 3),
    "deep-block-nesting": (
        "post",
        "date: 2026-12-04 10:00\ntype: informative\nx:\n"
        + "".join("  " * i + "- \n" for i in range(1, 120)),
        None,
    ),
    "deep-compact-sequences": ("post", "date: 2026-12-04 10:00\ntitle:\n" + "- " * 30_000 + "x", 4),
    "deep-nesting-group": ("group", GROUP + "types: " + "[" * 100_000, 12),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_yaml_bombs_are_refused_quickly_and_without_memory(tmp_path: Path, case: str) -> None:
    where, text, line = BOMBS[case]
    post = (
        f"---\n{text}\n---\nHi\n"
        if where == "post"
        else "---\ndate: 2026-12-04 10:00\ntype: informative\n---\nHi\n"
    )
    root = _cli_repo(tmp_path, [post.encode()])
    if where == "group":
        (root / "schedules" / "fuzz.yml").write_text(text, encoding="utf-8")
    # Within its time and 1 GiB limits, or the test fails: no timing assertion beyond that.
    result = subprocess.run(
        [sys.executable, "-m", "smmflow", "check", "--format", "json"],
        cwd=root,
        env=base_env(SMMFLOW_NO_CACHE="1"),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limited,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    found = [p for p in doc["problems"] if p["code"] == "yaml" or "YAML" in p["message"]]
    assert found, doc
    problem = found[0]
    if line is None:
        assert 5 < problem["line"] < 125, problem
    else:
        assert problem["line"] == line, problem
    words = ("anchors and aliases",) if "alias" in case or "laughs" in case else ("nested",)
    assert all(w in problem["message"] for w in words), problem


def test_anchor_in_a_plain_value_is_not_silently_dropped(fuzz_root: Path) -> None:
    """`title: &Co shop` would lose `&Co` to YAML; smmflow says so instead."""
    (fuzz_root / POST).write_bytes(
        b"---\ndate: 2026-12-04 10:00\ntype: informative\ntitle: &Co shop\n---\nHi\n"
    )
    problems = run_check(fuzz_root)
    assert [(p.line, p.code) for p in problems] == [(4, "yaml")], problems
    assert "`&Co`" in problems[0].message and "quotes" in problems[0].message
    (fuzz_root / POST).write_bytes(
        b"---\ndate: 2026-12-04 10:00\ntype: informative\ntitle: '&Co *shop*'\n---\nHi\n"
    )
    assert run_check(fuzz_root) == []


@pytest.mark.parametrize(
    "front, line, words",
    [
        # A control character YAML refuses, three lines down (not "line 1").
        ('date: 2026-12-04 10:00\ntype: informative\ntitle: "a\x07b"', 4, ("U+0007",)),
        # Line breaks YAML counts but editors do not: lines stay the file's own.
        ("date: 2026-12-04 10:00\ntitle: a\u2028b\ntype: [", 4, ("invalid YAML",)),
        ("date: 2026-12-04 10:00\ntitle: a\x85b\ntype: inform", 4, ("invalid YAML",)),
        # Dates no calendar arithmetic survives.
        ("date: 9999-12-31 23:59-23:59\ntype: informative", 2, ("out of range", "1970")),
        ("date: 0001-01-01 00:00\ntype: informative", 2, ("out of range",)),
        # A media path with a NUL, or no name at all.
        (
            'date: 2026-12-04 10:00\ntype: informative\nmedia: [{src: "\\0", alt: x}]',
            4,
            ("not a file name",),
        ),
        (
            "date: 2026-12-04 10:00\ntype: informative\nmedia: [{src: ., alt: x}]",
            4,
            ("not a file name",),
        ),
    ],
)
def test_regressions_found_by_fuzzing(fuzz_root: Path, front: str, line: int, words) -> None:
    (fuzz_root / POST).write_bytes(f"---\n{front}\n---\nHi\n".encode())
    problems = [p for p in run_check(fuzz_root) if p.severity is Severity.ERROR]
    assert problems, front
    assert problems[0].line == line, problems
    assert all(w in problems[0].message for w in words), problems


def test_huge_body_is_refused_before_rendering(fuzz_root: Path, monkeypatch) -> None:
    """10 MB of body: one clear error at the body's first line, and no platform renders it."""
    from smmflow.platforms import base
    from smmflow.text import render

    def no_render(body: str):
        raise AssertionError("a refused body was rendered")

    for module in (render, base):
        monkeypatch.setattr(module, "rich", no_render)
        monkeypatch.setattr(module, "to_html", no_render)
    body = ("Ten megabytes of **text**. " * 400_000)[: 10 * 1024 * 1024]
    (fuzz_root / POST).write_bytes(
        f"---\ndate: 2026-12-04 10:00\ntype: informative\n---\n{body}\n".encode()
    )
    problems = run_check(fuzz_root)
    assert [(p.line, p.field, p.code) for p in problems] == [(5, "body", "too-big")], problems
    assert "262,144 bytes" in problems[0].message and "256 KB" in problems[0].message


# -- crashes the fuzzer found in group files (fixed in timeparse.py and fields.py) ----------
GROUP_REGRESSIONS = {
    # a timezone name that is a folder of the tz database, or too long for a file name
    "timezone-is-a-folder": ("name: G\ntimezone: Europe\naccounts:\n  feed: {}\n", 2),
    "timezone-too-long": ("name: G\ntimezone: " + "x" * 300 + "\naccounts:\n  feed: {}\n", 2),
    # a duration no timedelta holds
    "max-delay-huge": (
        "name: G\ntimezone: UTC\nmax_delay: 99999999999d\naccounts:\n  feed: {}\n",
        3,
    ),
    # str.isdigit() accepts "²", which int() refuses; and 5000 digits are past int()'s limit
    "max-in-a-row-superscript": (
        "name: G\ntimezone: UTC\nmix:\n  sales: {max_in_a_row: ²}\naccounts:\n  feed: {}\n",
        4,
    ),
    "max-in-a-row-5000-digits": (
        "name: G\ntimezone: UTC\nmix:\n  sales: {max_in_a_row: "
        + "9" * 5000
        + "}\naccounts:\n  feed: {}\n",
        4,
    ),
}


@pytest.mark.parametrize("case", sorted(GROUP_REGRESSIONS))
def test_group_regressions_found_by_fuzzing(fuzz_root: Path, case: str) -> None:
    text, line = GROUP_REGRESSIONS[case]
    group = fuzz_root / "schedules" / "fuzz.yml"
    group.write_text(text, encoding="utf-8")
    try:
        problems = run_check(fuzz_root)
    finally:
        group.write_text(GROUP, encoding="utf-8")
    assert_located(fuzz_root, problems)
    errors = [
        p for p in problems if p.path == "schedules/fuzz.yml" and p.severity is Severity.ERROR
    ]
    assert [p.line for p in errors] == [line], problems
