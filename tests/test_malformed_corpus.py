"""A thousand malformed posts among fifty good ones: every bad one is reported, every good
one is published exactly once, and nothing crashes.

The corpus is generated (deterministically) from the mistake kinds below, each with a
variation per copy, into one real git repository. `smmflow check` must name every
malformed file with a line (0 only for a problem about the whole file, which then names
no field); `smmflow sync` must publish each valid due post once to the feed and once to
the loopback webhook receiver, skip every malformed file, and say how many it skipped.
"""

from __future__ import annotations

import collections
import random
from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    group_yaml,
    init_repo,
    ledger,
    published,
    smmflow,
    write,
)

MALFORMED = 1000
VALID = 50
SECRET = "corpus-hook-secret-51c0"
NOW = "2026-12-31T23:00Z"
GROUP = "corpus"

FRONT = (
    "date: 2026-12-{day:02d} {hour:02d}:{minute:02d}\ntype: informative\nplatforms: [feed, hook]"
)


def _ok_front(rng: random.Random) -> str:
    return FRONT.format(day=rng.randint(1, 28), hour=rng.randint(8, 20), minute=rng.randint(0, 59))


def _word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnoprstuvz") for _ in range(rng.randint(3, 9)))


# kind -> a function (rng, n) returning the file's bytes. Each one breaks a post the way a
# person (or a tool, or an attacker) could; `check` must say so.
def _kinds() -> dict:
    def post(front: str, body: str = "Text.") -> bytes:
        return f"---\n{front}\n---\n{body}\n".encode()

    return {
        "unclosed-bracket": lambda r, n: post(_ok_front(r).replace("[feed, hook]", "[feed, hook")),
        "tab-indent": lambda r, n: post(_ok_front(r) + "\nmedia:\n\t- src: media/a.jpg"),
        "missing-date": lambda r, n: post("type: informative\nplatforms: [feed, hook]"),
        "impossible-date": lambda r, n: post(
            f"date: 2026-02-{r.randint(29, 31)} 10:00\ntype: informative"
        ),
        "dst-gap": lambda r, n: post("date: 2026-03-29 03:30\ntype: informative"),
        "date-without-time": lambda r, n: post("date: 2026-12-04\ntype: informative"),
        "date-out-of-range": lambda r, n: post(
            f"date: {r.choice(['0001-01-01', '9999-12-31', '1969-07-20'])} 10:00\ntype: informative"
        ),
        "not-a-date": lambda r, n: post(f"date: {_word(r)}\ntype: informative"),
        "unknown-key": lambda r, n: post(
            _ok_front(r) + f"\n{r.choice(['titel', 'stauts', 'medai', _word(r)])}: x"
        ),
        "unknown-type": lambda r, n: post(_ok_front(r).replace("informative", _word(r))),
        "unknown-status": lambda r, n: post(_ok_front(r) + f"\nstatus: {_word(r)}"),
        "unknown-account": lambda r, n: post(_ok_front(r).replace("hook]", f"{_word(r)}]")),
        "empty-platforms": lambda r, n: post(_ok_front(r).replace("[feed, hook]", "[]")),
        "group-mismatch": lambda r, n: post(_ok_front(r) + f"\ngroup: {_word(r)}"),
        "duplicate-key": lambda r, n: post(_ok_front(r) + "\ntype: sales"),
        "front-matter-list": lambda r, n: post("- date: 2026-12-04 10:00\n- type: informative"),
        "front-matter-scalar": lambda r, n: post(_word(r)),
        "no-front-matter": lambda r, n: f"# {_word(r)}\n\nJust text.\n".encode(),
        "unclosed-front-matter": lambda r, n: f"---\n{_ok_front(r)}\nText.\n".encode(),
        "empty-file": lambda r, n: r.choice([b"", b"\n\n", b"   \n"]),
        "not-utf8": lambda r, n: post(_ok_front(r), "Caf\xe9").replace(b"Caf\xc3\xa9", b"Caf\xe9"),
        "missing-media": lambda r, n: post(
            _ok_front(r) + f"\nmedia:\n  - src: media/{_word(r)}.jpg\n    alt: x"
        ),
        "media-dotdot": lambda r, n: post(
            _ok_front(r) + "\nmedia:\n  - src: ../../etc/passwd.jpg\n    alt: x"
        ),
        "media-absolute": lambda r, n: post(
            _ok_front(r) + "\nmedia:\n  - src: /etc/hostname\n    alt: x"
        ),
        "media-nul": lambda r, n: post(
            _ok_front(r) + '\nmedia:\n  - src: "media/\\0.jpg"\n    alt: x'
        ),
        "media-folder": lambda r, n: post(_ok_front(r) + "\nmedia:\n  - src: media\n    alt: x"),
        "missing-alt": lambda r, n: post(_ok_front(r) + "\nmedia:\n  - src: media/photo.jpg"),
        "alias": lambda r, n: post(_ok_front(r) + "\ntitle: &t Hello\nx: *t"),
        "billion-laughs": lambda r, n: post(
            _ok_front(r) + "\nx: &a [1, 1, 1, 1]\ny: &b [*a, *a, *a, *a]\nz: [*b, *b, *b, *b]"
        ),
        "deep-nesting": lambda r, n: post(_ok_front(r) + "\ntitle: " + "[" * r.randint(40, 3000)),
        "control-in-title": lambda r, n: post(_ok_front(r) + '\ntitle: "\\e[2J gone"'),
        "bidi-in-body": lambda r, n: post(_ok_front(r), f"Pay here: \u202e{_word(r)}.exe"),
        "key-with-newline": lambda r, n: post(_ok_front(r) + '\n"a\\nb": x'),
        "body-too-big": lambda r, n: post(_ok_front(r), "x" * (256 * 1024 + r.randint(1, 5000))),
        # Loads, but too long for Telegram (a draft, so that sync leaves it alone).
        "too-long-for-telegram": lambda r, n: post(
            _ok_front(r).replace("[feed, hook]", "[telegram]") + "\nstatus: draft", "y " * 2100
        ),
    }


def _valid(i: int) -> bytes:
    # Every valid post is due before NOW, each at its own minute of December.
    day, minute = 1 + i // 2, (i % 2) * 30
    body = f"Valid post number {i}: **bold**, [a link](https://example.ro/{i}) and #tag{i}."
    front = f"date: 2026-12-{day:02d} 09:{minute:02d}\ntype: informative\nplatforms: [feed, hook]"
    return f"---\n{front}\n---\n{body}\n".encode()


@pytest.fixture(scope="module")
def receiver():
    server = LoopbackReceiver(secret=SECRET.encode()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, receiver) -> tuple[Path, dict[str, str], list[str]]:
    """The repository; malformed file -> its kind; valid post ids."""
    root = init_repo(tmp_path_factory.mktemp("corpus") / "repo")
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": receiver.url, "secret_env": "HOOK_SECRET"},
        "telegram": {"chat": "@corpus", "token_env": "CORPUS_TELEGRAM_TOKEN"},
    }
    write(root, f"schedules/{GROUP}.yml", group_yaml("Corpus", "Europe/Bucharest", accounts))
    (root / "content" / GROUP / "media").mkdir(parents=True)
    (root / "content" / GROUP / "media" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    rng = random.Random(8)
    kinds = _kinds()
    names = sorted(kinds)
    bad: dict[str, str] = {}
    for n in range(MALFORMED):
        kind = names[n % len(names)]
        rel = f"content/{GROUP}/2026-12-{n % 28 + 1:02d}-bad-{n:04d}-{kind}.md"
        path = root / rel
        path.write_bytes(kinds[kind](rng, n))
        bad[rel] = kind
    valid = []
    for i in range(VALID):
        slug = f"2026-12-{1 + i // 2:02d}-valid-{i:02d}"
        (root / "content" / GROUP / f"{slug}.md").write_bytes(_valid(i))
        valid.append(f"{GROUP}/{slug}")
    commit(root, "a thousand mistakes and fifty good posts")
    return root, bad, valid


def test_check_reports_every_malformed_post(corpus) -> None:
    root, bad, valid = corpus
    result = smmflow(root, "check", "--format", "json", env=base_env(SMMFLOW_NO_CACHE="1"))
    assert result.code == 1, str(result)
    assert "Traceback" not in result.out + result.err
    doc = result.json
    errors = [p for p in doc["problems"] if p["severity"] == "error"]
    by_file: dict[str, list[dict]] = collections.defaultdict(list)
    for problem in errors:
        by_file[problem["path"]].append(problem)
    missed = sorted(set(bad) - set(by_file))
    assert missed == [], f"{len(missed)} malformed files not reported, e.g. {missed[:5]}"
    assert sorted(by_file) == sorted(bad), "errors outside the malformed files"
    assert len(by_file) == MALFORMED
    assert doc["checked"]["posts"] >= VALID
    for path, problems in by_file.items():
        lines = (root / path).read_bytes().count(b"\n") + 1
        for p in problems:
            assert p["message"].strip(), p
            assert 0 <= p["line"] <= lines, p
            if p["line"] == 0:  # about the whole file: only an empty one here
                assert bad[path] == "empty-file" and p["field"] == "", p
            else:
                assert bad[path] != "empty-file", p
    # Every kind of mistake was seen, each about as often.
    seen = collections.Counter(bad[path] for path in by_file)
    assert len(seen) == len(_kinds()) and min(seen.values()) >= MALFORMED // len(seen) - 1
    # The text format has one line per problem, each starting with its file.
    text = smmflow(root, "check", env=base_env(SMMFLOW_NO_CACHE="1"))
    assert text.code == 1 and "Traceback" not in text.err
    lines = text.out.splitlines()
    assert len(lines) == len(doc["problems"])
    assert all(line.startswith(f"content/{GROUP}/") for line in lines)


def test_sync_publishes_every_valid_post_once_and_skips_the_rest(corpus, receiver) -> None:
    root, bad, valid = corpus
    run_env = base_env(HOOK_SECRET=SECRET)
    first = smmflow(
        root,
        "sync",
        "--now",
        NOW,
        "--max-delay",
        "40d",
        "--format",
        "json",
        env=run_env,
        timeout=600,
    )
    assert "Traceback" not in first.out + first.err
    # Everything valid went out; the skipped malformed files make the run say "problems".
    assert first.code == 1, str(first)
    report = first.json
    states = collections.Counter(o["state"] for o in report["outcomes"])
    assert states == {"published": 2 * VALID}, states
    # Every malformed file is named as skipped; the too-long draft loads (it only breaks a
    # platform limit) and is not published, being a draft.
    skipped = set(report["skipped_files"])
    loads = {p for p, kind in bad.items() if kind == "too-long-for-telegram"}
    assert skipped == set(bad) - loads
    # The receiver saw each valid post once, signed, and nothing else.
    arrived = collections.Counter(d.json["post"]["id"] for d in receiver.deliveries)
    assert arrived == dict.fromkeys(valid, 1)
    assert receiver.bad_signatures == 0
    records = ledger(root)
    assert published(records) == {(post, account) for post in valid for account in ("feed", "hook")}
    assert not any("-bad-" in post for post, _ in records)
    pages = sorted((root / "public" / GROUP / "posts").glob("*.html"))
    assert [p.stem for p in pages] == sorted(v.split("/")[1] for v in valid)
    # A second run publishes nothing again.
    again = smmflow(
        root,
        "sync",
        "--now",
        NOW,
        "--max-delay",
        "40d",
        "--format",
        "json",
        env=run_env,
        timeout=600,
    )
    assert again.code == 1 and "Traceback" not in again.err, str(again)
    assert [o for o in again.json["outcomes"] if o["state"] == "published"] == []
    assert len(receiver.deliveries) == VALID
    # The text report tells the person how many files it skipped.
    text = smmflow(root, "sync", "--now", NOW, "--max-delay", "40d", env=run_env, timeout=600)
    assert f"skipped {len(skipped)} file(s) with errors" in text.err, str(text)
