"""Overlapping runs publish every due pair exactly once (DESIGN.md invariant 2).

Acceptance: four `smmflow sync` processes start at once, on one repository and on two
clones sharing a bare remote, against a loopback webhook receiver; every due pair is
received exactly once. Without crashes there is nothing to resume, so not even a resend
with the same idempotency key may happen: one raw delivery per webhook pair.

Each case runs a few rounds on fresh repositories to give the races a chance.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from synchelp import (
    Content,
    deliveries_by_pair,
    finish,
    git,
    hook_receiver,  # noqa: F401 - the `receiver` fixture
    ledger,
    make_content,
    share,
    start_sync,
    status,
    sync_env,
    tally_fixture,
)

ROUNDS = 3
PROCESSES = 4
# Posts per group (each on feed, crm and ops). A remote ledger pushes every claim and
# record, so its case gets fewer posts to keep the file's run time near a minute.
POSTS_LOCAL = 10
POSTS_REMOTE = 6

tally = tally_fixture("smmflow sync overlap (exactly once)", "SMMFLOW_OVERLAP_REPORT")


def _summary(output: str) -> Counter[str]:
    """The counts of the run's closing `sync: 12 published, 3 busy` line."""
    found: Counter[str] = Counter()
    lines = [line for line in output.splitlines() if line.startswith("sync: ")]
    if lines:
        for number, state in re.findall(r"(\d+) ([a-z-]+)", lines[-1]):
            found[state] += int(number)
    return found


def _verdict(content: Content, receiver, results, records, rows) -> tuple[list[str], dict]:
    """Every way this round broke the acceptance, as readable lines (empty when none)."""
    problems = []
    raw = deliveries_by_pair(receiver)
    created = receiver.posts_by_pair()
    due = content.due_hooks

    twice = {pair: n for pair, n in raw.items() if n > 1}
    if twice:
        problems.append(f"webhook pairs delivered more than once: {sorted(twice.items())}")
    missing = sorted(due - set(raw))
    if missing:
        problems.append(f"due webhook pairs never delivered: {missing}")
    extra = sorted(set(raw) - due)
    if extra:
        problems.append(f"pairs delivered that were not due: {extra}")
    if set(created) != due:
        problems.append(
            f"receiver's created set != due set: missing {sorted(due - set(created))}, "
            f"extra {sorted(set(created) - due)}"
        )
    doubles = {pair: keys for pair, keys in created.items() if len(keys) != 1}
    if doubles:
        problems.append(f"pairs created under several keys (duplicates): {doubles}")
    if receiver.bad_signatures:
        problems.append(f"{receiver.bad_signatures} deliveries had a bad signature")

    for i, (code, output) in enumerate(results):
        if "Traceback" in output:
            problems.append(f"sync #{i} printed a traceback:\n{output[-3000:]}")
        if code != 0:
            bad = [line for line in output.splitlines() if not line.startswith(("busy", " "))]
            detail = [
                line
                for line in output.splitlines()
                if "error" in line.lower() or line.startswith("failed")
            ]
            problems.append(
                f"sync #{i} exited {code}; {bad[-1] if bad else ''}; first errors:\n  "
                + "\n  ".join(detail[:6])
            )

    states = Counter(records[pair]["state"] if pair in records else "none" for pair in content.due)
    if states != Counter({"published": len(content.due)}):
        problems.append(f"ledger states of the due pairs: {dict(states)} (want all published)")
    for pair in content.not_due:
        if pair in records:
            problems.append(f"ledger has a record for a pair that is not due: {pair}")
    for pair in sorted(content.due_hooks & set(records) & set(created)):
        if records[pair]["key"] not in created[pair]:
            problems.append(f"ledger key of {pair} is not the key the receiver created it with")
    shown = Counter(rows[pair]["state"] for pair in content.due)
    if shown != Counter({"published": len(content.due)}):
        problems.append(f"`smmflow status` states of the due pairs: {dict(shown)}")

    outcomes: Counter[str] = Counter()
    for _code, output in results:
        outcomes += _summary(output)
    counts = dict(
        rounds=1,
        processes=len(results),
        due_pairs=len(content.due),
        due_webhook_pairs=len(due),
        raw_webhook_deliveries=sum(raw.values()),
        duplicates_created=sum(len(keys) - 1 for keys in created.values()),
        resends=sum(n - 1 for n in raw.values() if n > 1),
        published_outcomes=outcomes["published"],
        busy_outcomes=outcomes["busy"],
        failed_outcomes=outcomes["failed"],
        nonzero_exits=sum(code != 0 for code, _ in results),
    )
    return problems, counts


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_four_syncs_at_once_on_one_repository(tmp_path: Path, receiver, tally, round_):
    content = make_content(tmp_path / "repo", receiver.url, posts=POSTS_LOCAL)
    env = sync_env()

    procs = [start_sync(content.root, tmp_path / f"sync-{i}.log", env) for i in range(PROCESSES)]
    results = [finish(proc) for proc in procs]

    records = ledger(content.root)
    rows = status(content.root, env)
    problems, counts = _verdict(content, receiver, results, records, rows)
    tally.add("one repository", **counts)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_four_syncs_at_once_on_two_clones_of_one_remote(tmp_path: Path, receiver, tally, round_):
    content = make_content(tmp_path / "origin-work", receiver.url, posts=POSTS_REMOTE)
    clones = share(content, tmp_path)
    env = sync_env()

    procs = [
        start_sync(clones[i % 2], tmp_path / f"sync-{i}.log", env, "--remote", "origin")
        for i in range(PROCESSES)
    ]
    results = [finish(proc) for proc in procs]

    # What every clone will see: the remote's ledger, read with plain git from the bare
    # repository, and `smmflow status` in clone B after a final fetch.
    git(clones[1], "fetch", "--quiet", "origin")
    records = ledger(tmp_path / "remote.git")
    rows = status(clones[1], env, "--remote", "origin")
    problems, counts = _verdict(content, receiver, results, records, rows)
    clone_b = ledger(clones[1], "origin/smmflow/ledger")
    if clone_b != records:
        problems.append("clone B's fetched ledger differs from the remote's")
    tally.add("two clones, one bare remote", **counts)
    assert not problems, "\n".join(problems)
