"""Acceptance 7: `smmflow run`, the self-hosted loop, as a real long-running process.

It runs on the real clock, so the posts here are dated a few minutes before the test
starts. It must publish each due post once however many cycles pass, stop cleanly on
SIGTERM (exit 0, never between a claim and its record), and share the ledger through a
bare remote with `--remote origin`.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from repohelp import (
    LEDGER,
    STATES,
    LoopbackReceiver,
    base_env,
    commit,
    git,
    group_yaml,
    init_repo,
    ledger,
    post_md,
    published,
    rev,
    smmflow,
    stop,
    wait_for,
    write,
)

SECRET = "hook-secret-for-run-tests"
UTC = dt.timezone.utc


def stamp(minutes: float) -> str:
    """A post date `minutes` from now (negative: in the past), with an explicit offset."""
    moment = dt.datetime.now(UTC) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M+00:00")


@pytest.fixture
def receiver(serve):
    return serve(LoopbackReceiver(secret=SECRET.encode()))


def make_repo(root: Path, hook_url: str, posts: dict[str, str]) -> Path:
    init_repo(root)
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": hook_url, "secret_env": "HOOK_SECRET"},
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts))
    for slug, text in posts.items():
        write(root, f"content/shop/{slug}.md", text)
    commit(root)
    return root


def start(root: Path, *args: str, **extra: str) -> tuple[subprocess.Popen, Path]:
    log = root.parent / f"{root.name}-run.log"
    handle = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "smmflow", "run", *args],
        cwd=root,
        env=base_env(HOOK_SECRET=SECRET, **extra),
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    handle.close()
    return proc, log


def cycles(log: Path) -> int:
    return sum(" sync: " in line for line in log.read_text().splitlines())


def terminate(proc: subprocess.Popen, log: Path) -> str:
    began = time.monotonic()
    code, _, _ = stop(proc, timeout=10)
    took = time.monotonic() - began
    text = log.read_text()
    assert code == 0, f"exit {code}\n{text}"
    assert took < 5, f"took {took:.1f}s to stop\n{text}"
    assert "SIGTERM" in text and "stopped" in text.splitlines()[-1], text
    return text


def assert_consistent(repo: Path) -> dict:
    """Every record parses and is final (no claim left behind); git sees no damage."""
    records = ledger(repo)
    assert records
    for pair, record in records.items():
        assert record["state"] in STATES, (pair, record["state"])
        assert record["run"] == {}, (pair, record["run"])
    fsck = subprocess.run(
        ["git", "fsck", "--full", "--no-dangling"], cwd=repo, capture_output=True, text=True
    )
    assert fsck.returncode == 0 and not fsck.stdout.strip(), fsck.stdout + fsck.stderr
    return records


def test_run_publishes_due_posts_once_and_stops_on_sigterm(tmp_path: Path, receiver) -> None:
    posts = {
        "earlier": post_md(stamp(-10), "Posted ten minutes ago."),
        "just-now": post_md(stamp(-2), "Posted two minutes ago."),
        "tomorrow": post_md(stamp(24 * 60), "Not yet."),
    }
    root = make_repo(tmp_path / "shop", receiver.url, posts)
    due = {
        (f"shop/{slug}", account)
        for slug in ("earlier", "just-now")
        for account in ("feed", "hook")
    }

    proc, log = start(root, "--every", "2s")
    try:
        wait_for(lambda: published(ledger(root)) == due, 30, "the due posts in the ledger")
        wait_for(lambda: cycles(log) >= 2, 15, "a second cycle")  # one that finds nothing new
    finally:
        text = terminate(proc, log)

    records = assert_consistent(root)
    assert published(records) == due
    assert ("shop/tomorrow", "hook") not in records
    assert sorted(d.json["post"]["id"] for d in receiver.deliveries) == [
        "shop/earlier",
        "shop/just-now",
    ]
    assert (root / "public/shop/posts/just-now.html").is_file()
    assert "nothing due" in text  # the later cycle said so
    status = smmflow(root, "status", "--format", "json", env=base_env(HOOK_SECRET=SECRET))
    assert {(r["post"], r["account"]) for r in status.json if r["state"] == "published"} == due


def test_sigterm_while_sending_finishes_the_post_and_leaves_no_claim(
    tmp_path: Path, receiver
) -> None:
    slugs = [f"post-{i}" for i in range(4)]
    posts = {
        slug: post_md(stamp(-10 + i), f"Post {i}.", platforms=["hook"])
        for i, slug in enumerate(slugs)
    }
    root = make_repo(tmp_path / "shop", receiver.url, posts)
    receiver.slow = 1.0
    receiver.faults = ["timeout"] * len(slugs)  # each answer takes a second

    proc, log = start(root, "--every", "2s", SMMFLOW_TIMEOUT="10")
    try:
        wait_for(lambda: receiver.deliveries, 20, "the first delivery")
    finally:
        terminate(proc, log)

    records = assert_consistent(root)
    done = published(records)
    assert 1 <= len(done) < len(slugs), done
    assert {pair for pair, r in records.items() if r["state"] != "published"} == set()
    assert len(receiver.created) == len(done)

    # The next run picks up the rest; no post reaches the receiver twice.
    receiver.slow = 0
    rest = smmflow(root, "sync", env=base_env(HOOK_SECRET=SECRET))
    assert rest.code == 0, str(rest)
    assert {pair: len(keys) for pair, keys in receiver.posts_by_pair().items()} == {
        (f"shop/{slug}", "hook"): 1 for slug in slugs
    }


def test_run_with_a_bare_remote_pulls_posts_and_pushes_the_ledger(tmp_path: Path, receiver) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    root = make_repo(tmp_path / "host", receiver.url, {"first": post_md(stamp(-5), "First.")})
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")

    proc, log = start(root, "--every", "2s", "--remote", "origin")
    try:
        first = {("shop/first", "feed"), ("shop/first", "hook")}
        wait_for(lambda: published(ledger(remote)) == first, 30, "the ledger on the remote")
        # A writer merges a new post on the remote; the loop pulls it and publishes it.
        writer = tmp_path / "writer"
        git(tmp_path, "clone", "-q", str(remote), str(writer))
        write(writer, "content/shop/second.md", post_md(stamp(-1), "Second."))
        commit(writer, "second post")
        git(writer, "push", "-q", "origin", "main")
        both = first | {("shop/second", "feed"), ("shop/second", "hook")}
        wait_for(lambda: published(ledger(remote)) == both, 30, "the pulled post on the remote")
    finally:
        terminate(proc, log)

    assert rev(root, LEDGER) == rev(remote, LEDGER), "the remote has every ledger commit"
    assert rev(root, "main") == rev(remote, "main")
    assert_consistent(remote)
    assert_consistent(root)
    assert sorted(d.json["post"]["id"] for d in receiver.deliveries) == [
        "shop/first",
        "shop/second",
    ]


def test_run_once_exits_with_the_outcome_of_its_cycle(tmp_path: Path, receiver) -> None:
    """`run --once` is what a cron job calls: a failed post must show in its exit code,
    as it does for `smmflow sync` (invariant 3: the run's exit code says what failed)."""
    root = make_repo(tmp_path / "shop", receiver.url, {"refused": post_md(stamp(-5), "Refused.")})
    receiver.faults = ["400"]
    once = subprocess.run(
        [sys.executable, "-m", "smmflow", "run", "--once"],
        cwd=root,
        env=base_env(HOOK_SECRET=SECRET),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ("shop/refused", "hook") in ledger(root)
    assert ledger(root)[("shop/refused", "hook")]["state"] == "failed"
    assert "failed" in once.stderr and "HTTP 400" in once.stderr
    assert once.returncode == 1, f"exit {once.returncode}\n{once.stderr}"
