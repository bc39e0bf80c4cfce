"""Polls (issue #18, item 6): `poll:` in the front matter, checked per platform (option
count and length, duration, media, the question), refused where a platform cannot carry it
unless that platform has its own text, and sent: read back from the loopback Mastodon
(`poll[options][]`, `poll[expires_in]`, `poll[multiple]`) and Telegram (`sendPoll`) servers.
"""

from __future__ import annotations

import pytest
from publishhelp import make_repo, run
from repohelp import cli, commit, group_yaml, init_repo, write
from servers.mastodon import MastodonServer
from servers.telegram import BotApiServer

from smmflow.platforms.base import Attempt

SLUG = "2026-12-04-sondaj"
POLL = "poll:\n  options: [Cozonac, Pască, Amândouă]\n  duration: 2d\n  multiple: yes\n"


def poll_post(front: str, body: str = "Ce coacem de sărbători?") -> str:
    return f"---\ndate: 2026-12-04 09:00\ntype: informative\n{front}---\n{body}\n"


def test_mastodon_poll_sent_and_read_back(tmp_path, serve):
    server = serve(MastodonServer())
    account = {"platform": "mastodon", "instance": server.url, "token_env": "M"}
    repo = make_repo(tmp_path / "repo", {"mastodon": account}, {SLUG: ("x", [])})
    path = repo.root / f"content/brutaria/{SLUG}.md"
    path.write_text(poll_post(POLL), encoding="utf-8")
    commit(repo.root, "poll")
    from smmflow.content.repo import load

    publishing = run(load(repo.root), "mastodon", {"M": "good-token"})
    receipt = publishing.send(SLUG)
    status = server.statuses[receipt.remote_id]
    assert server.texts[receipt.remote_id] == "Ce coacem de sărbători?"
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["Cozonac", "Pască", "Amândouă"]
    assert poll["multiple"] is True and poll["expired"] is False
    form = dict(server.of("/api/v1/statuses")[-1].form)
    assert form["poll[expires_in]"] == "172800"


def test_telegram_send_poll_read_back(tmp_path, serve):
    api = serve(BotApiServer())
    api.channel("brutariadulce")
    account = {"platform": "telegram", "chat": "@brutariadulce", "token_env": "T", "api": api.url}
    short = "poll:\n  options: [Da, Nu]\n  duration: 10m\n"
    repo = make_repo(tmp_path / "repo", {"telegram": account}, {SLUG: ("x", [])})
    (repo.root / f"content/brutaria/{SLUG}.md").write_text(
        poll_post(short, "Vreți **cozonac** cu nucă?"), encoding="utf-8"
    )
    commit(repo.root, "poll")
    from smmflow.content.repo import load

    publishing = run(load(repo.root), "telegram", {"T": api.token})
    receipt = publishing.publisher.publish(
        publishing.post(SLUG), publishing.publisher.render(publishing.post(SLUG)), Attempt("k")
    )
    [sent] = api.posts()
    assert sent.kind == "poll" and receipt.remote_id == str(sent.message_id)
    assert sent.poll["question"] == "Vreți cozonac cu nucă?"  # the text a reader sees
    assert [o["text"] for o in sent.poll["options"]] == ["Da", "Nu"]
    assert sent.poll["open_period"] == 600 and sent.poll["is_anonymous"] is True
    assert sent.poll["allows_multiple_answers"] is False


def check_lines(tmp_path, front: str, accounts: dict, body: str = "Ce coacem?") -> list[str]:
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/g.yml", group_yaml("G", "UTC", accounts))
    (root / "content/g/media").mkdir(parents=True)
    (root / "content/g/media/a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    write(root, "content/g/2026-12-04-a.md", poll_post(front, body))
    commit(root)
    done = cli(root, "check")
    return [line for line in done.out.splitlines() if line.startswith("content/")]


MASTODON = {"mastodon": {"instance": "https://m.example", "token_env": "T"}}
TELEGRAM = {"telegram": {"chat": "@b", "token_env": "T"}}


@pytest.mark.parametrize(
    "front, accounts, expected",
    [
        (
            "poll:\n  options: [a, b, c, d, e]\n",
            MASTODON,
            ["content/g/2026-12-04-a.md:5: poll.options: 5 options; mastodon takes at most 4"],
        ),
        (
            f"poll:\n  options: [a, {'x' * 51}]\n",
            MASTODON,
            [
                "content/g/2026-12-04-a.md:5: poll.options.1: 51 characters; mastodon takes "
                "options of at most 50"
            ],
        ),
        (
            "poll:\n  options: [a, b]\n  duration: 1m\n",
            MASTODON,
            [
                "content/g/2026-12-04-a.md:6: poll.duration: mastodon keeps a poll open at "
                "least 300 seconds"
            ],
        ),
        (
            "poll:\n  options: [a]\n",
            MASTODON,
            ["content/g/2026-12-04-a.md:5: poll.options: a poll needs at least 2 options"],
        ),
        (
            "poll:\n  options: [a, a]\n",
            MASTODON,
            ["content/g/2026-12-04-a.md:5: poll.options.1: 'a' is there twice"],
        ),
        (
            "poll:\n  options: [a, b]\n  multiple: maybe\n",
            MASTODON,
            ["content/g/2026-12-04-a.md:6: poll.multiple: 'maybe' is not yes or no"],
        ),
        (
            "poll:\n  options: [a, b]\n  durration: 1d\n",
            MASTODON,
            [
                "content/g/2026-12-04-a.md:6: poll.durration: unknown key 'durration' (did "
                "you mean 'duration'?); allowed: duration, multiple, options"
            ],
        ),
        (
            "media:\n  - src: media/a.png\n    alt: A\npoll:\n  options: [a, b]\n",
            MASTODON,
            [
                "content/g/2026-12-04-a.md:7: poll: mastodon cannot carry a poll and media "
                "in one post: leave the media out for it (`mastodon: {media: []}` in the "
                "front matter)"
            ],
        ),
        (
            "poll:\n  options: [a, b]\n",
            {"fb": {"platform": "facebook", "page": "1", "token_env": "T"}},
            [
                "content/g/2026-12-04-a.md:4: poll: fb (facebook) cannot carry a poll: give it a "
                "text of its own (a `<!-- facebook -->` section) or leave it out of `platforms:`"
            ],
        ),
        (
            "poll:\n  options: [a, b]\n  duration: 1d\n",
            TELEGRAM,
            [
                "content/g/2026-12-04-a.md:6: warning: poll.duration: telegram closes a poll by "
                "itself only within 600 seconds: this one stays open until someone stops it"
            ],
        ),
    ],
    ids=[
        "too-many",
        "too-long",
        "too-short",
        "one",
        "twice",
        "flag",
        "typo",
        "media",
        "cannot",
        "telegram-open",
    ],
)
def test_poll_checked_with_lines(tmp_path, front, accounts, expected):
    assert check_lines(tmp_path, front, accounts) == expected


def test_poll_fine_where_the_platform_has_its_own_text_and_the_question_is_checked(tmp_path):
    accounts = {**TELEGRAM, "fb": {"platform": "facebook", "page": "1", "token_env": "T"}}
    body = "Q" * 301 + "\n\n<!-- facebook -->\nVotați pe Telegram!\n"
    assert check_lines(tmp_path, "poll:\n  options: [a, b]\n  duration: 5m\n", accounts, body) == [
        "content/g/2026-12-04-a.md:8: body: the text is the poll's question on telegram: "
        "1 to 300 characters, not 301"
    ]
