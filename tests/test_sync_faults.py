"""Acceptance 4: network faults while publishing, injected by the loopback receiver.

A fault is retried within `SMMFLOW_RETRIES` sends per pair per run (with the same
idempotency key, so the receiver never makes a double), then the pair is published or
failed with a reason a person can read; a refusal (400/422) is not retried at all; the
other accounts of the same run are not affected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repohelp import (
    LoopbackReceiver,
    base_env,
    commit,
    group_yaml,
    init_repo,
    post_md,
    smmflow,
    states,
    status_rows,
    sync_json,
    write,
)

SECRET = "hook-secret-for-fault-tests"
OTHER_SECRET = "other-secret-for-fault-tests"
FIRST, SECOND = "shop/2026-12-04-first", "shop/2026-12-04-second"
NOW = "2026-12-04T10:00Z"
RETRIES = 3


@pytest.fixture
def hooks(serve):
    """The faulty receiver (account `hook`) and a healthy one (account `other`)."""
    faulty = serve(LoopbackReceiver(secret=SECRET.encode(), slow=1.5))
    return faulty, serve(LoopbackReceiver(secret=OTHER_SECRET.encode()))


def make_repo(tmp_path: Path, hooks) -> Path:
    faulty, healthy = hooks
    root = init_repo(tmp_path / "shop")
    accounts = {
        "feed": {},
        "hook": {"platform": "webhook", "url": faulty.url, "secret_env": "HOOK_SECRET"},
        "other": {"platform": "webhook", "url": healthy.url, "secret_env": "OTHER_SECRET"},
    }
    write(root, "schedules/shop.yml", group_yaml("Shop", "UTC", accounts))
    write(root, "content/shop/2026-12-04-first.md", post_md("2026-12-04 09:00", "First post."))
    write(root, "content/shop/2026-12-04-second.md", post_md("2026-12-04 09:30", "Second post."))
    commit(root)
    return root


def env(**extra: str) -> dict[str, str]:
    settings = {
        "HOOK_SECRET": SECRET,
        "OTHER_SECRET": OTHER_SECRET,
        "SMMFLOW_RETRIES": str(RETRIES),
        "SMMFLOW_BACKOFF": "0.05",
        "SMMFLOW_TIMEOUT": "1",
    }
    return base_env(**{**settings, **extra})


def assert_others_published(root: Path, healthy: LoopbackReceiver, rows=None) -> None:
    """The healthy webhook got each post once and the feed has both pages."""
    assert sorted(d.json["post"]["id"] for d in healthy.deliveries) == [FIRST, SECOND]
    assert healthy.bad_signatures == 0
    for slug in ("2026-12-04-first", "2026-12-04-second"):
        assert (root / f"public/shop/posts/{slug}.html").is_file()
    rows = rows or status_rows(root, NOW, env=env())
    for post in (FIRST, SECOND):
        assert rows[(post, "other")]["state"] == "published"
        assert rows[(post, "feed")]["state"] == "published"


def keys(deliveries) -> set[str]:
    return {d.headers["Idempotency-Key"] for d in deliveries}


# fault -> what `smmflow status` says about it (a person reads this)
REASONS = {
    "500": "HTTP 500",
    "502": "HTTP 502",
    "503": "HTTP 503",
    "429": "rate limited",
    "timeout": "timed out",
    "reset": "connection was reset",
    "malformed": "malformed JSON",
    "html": "an HTML error page",
}


@pytest.mark.parametrize("fault", list(REASONS))
def test_fault_is_retried_within_bounds_then_published_or_failed(tmp_path, hooks, fault):
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    # FIRST: one fault, then success. SECOND: the fault on every attempt of this run.
    faulty.faults = [fault, "ok"] + [fault] * RETRIES

    result = smmflow(root, "sync", "--now", NOW, env=env())
    assert result.code == 1, str(result)
    assert f"published     {FIRST} → hook" in result.out
    assert f"failed        {SECOND} → hook" in result.out
    assert REASONS[fault] in result.out

    first, second = faulty.of(FIRST), faulty.of(SECOND)
    assert len(first) == 2, "one fault, then the retry that succeeded"
    assert len(second) == RETRIES, f"{len(second)} sends; SMMFLOW_RETRIES={RETRIES}"
    assert len(keys(first)) == 1 and len(keys(second)) == 1, "a retry reuses its key"
    assert faulty.bad_signatures == 0
    if fault == "429":  # Retry-After: 1 is honoured although the backoff is 0.05 s
        for sends in (first, second):
            for a, b in zip(sends, sends[1:], strict=False):
                assert b.arrived - a.arrived >= 0.9

    rows = status_rows(root, NOW, env=env())
    assert rows[(FIRST, "hook")]["state"] == "published"
    assert rows[(FIRST, "hook")]["url"].startswith("https://receiver.test/posts/")
    failed = rows[(SECOND, "hook")]
    assert failed["state"] == "failed"
    assert REASONS[fault] in failed["detail"], failed
    assert f"after {RETRIES} attempts" in failed["detail"], failed
    assert_others_published(root, healthy, rows)

    # A retryable failure is retried by the next run, with the same key: no double.
    again, report = sync_json(root, "2026-12-04T10:30Z", env=env())
    assert states(report["outcomes"]) == {(SECOND, "hook"): "published"}, str(again)
    assert again.code == 0
    assert len(faulty.of(SECOND)) == RETRIES + 1
    assert keys(faulty.of(SECOND)) == keys(second)
    assert {pair: len(k) for pair, k in faulty.posts_by_pair().items()} == {
        (FIRST, "hook"): 1,
        (SECOND, "hook"): 1,
    }
    assert len(healthy.deliveries) == 2  # the healthy account was not sent to again


def test_retry_after_makes_the_client_wait(tmp_path, hooks):
    faulty, _ = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = ["429", "ok"]
    result = smmflow(root, "sync", "--now", NOW, "--account", "hook", env=env())
    assert result.code == 0, str(result)
    sends = faulty.of(FIRST)
    assert len(sends) == 2
    gap = sends[1].arrived - sends[0].arrived
    assert gap >= 0.9, f"the retry came {gap:.2f}s after a 429 with Retry-After: 1"


def test_retries_stop_at_the_configured_number(tmp_path, hooks):
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = ["500"] * 20
    result, report = sync_json(root, NOW, env=env(SMMFLOW_RETRIES="2"))
    assert result.code == 1
    assert states(report["outcomes"])[(FIRST, "hook")] == "failed"
    assert states(report["outcomes"])[(SECOND, "hook")] == "failed"
    assert len(faulty.of(FIRST)) == 2 and len(faulty.of(SECOND)) == 2
    assert_others_published(root, healthy)


def test_rate_limit_longer_than_max_wait_fails_for_a_later_run(tmp_path, hooks):
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = ["429", "429"]
    result, report = sync_json(root, NOW, env=env(SMMFLOW_MAX_WAIT="0.5"))
    assert result.code == 1
    failed = {o["post"]: o for o in report["outcomes"] if o["account"] == "hook"}
    for post in (FIRST, SECOND):
        assert failed[post]["state"] == "failed"
        assert "beyond this run's limit" in failed[post]["detail"]
        assert len(faulty.of(post)) == 1, "no waiting past SMMFLOW_MAX_WAIT"
    assert_others_published(root, healthy)
    again, report = sync_json(root, "2026-12-04T10:30Z", env=env())
    assert again.code == 0
    assert states(report["outcomes"]) == {
        (FIRST, "hook"): "published",
        (SECOND, "hook"): "published",
    }


@pytest.mark.parametrize("refusal", ["400", "422"])
def test_refusal_is_not_retried_until_resolve_retry(tmp_path, hooks, refusal):
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = [refusal]
    message = {"400": "invalid payload: the post has no title", "422": "unprocessable"}[refusal]

    result = smmflow(root, "sync", "--now", NOW, env=env())
    assert result.code == 1, str(result)
    assert len(faulty.of(FIRST)) == 1, "a refusal is never re-sent in the same run"
    assert message in result.out
    rows = status_rows(root, NOW, env=env())
    assert rows[(FIRST, "hook")]["state"] == "failed"
    assert f"HTTP {refusal}" in rows[(FIRST, "hook")]["detail"]
    assert message in rows[(FIRST, "hook")]["detail"]
    assert rows[(SECOND, "hook")]["state"] == "published"
    assert_others_published(root, healthy, rows)

    # Not retried by later runs either: the receiver would refuse the same bytes again.
    again, report = sync_json(root, "2026-12-04T11:00Z", env=env())
    assert report["outcomes"] == [], str(again)
    assert len(faulty.of(FIRST)) == 1

    retry = smmflow(root, "resolve", FIRST, "hook", "--retry", env=env())
    assert retry.code == 0, str(retry)
    after, report = sync_json(root, "2026-12-04T11:30Z", env=env())
    assert states(report["outcomes"]) == {(FIRST, "hook"): "published"}, str(after)
    sends = faulty.of(FIRST)
    assert len(sends) == 2
    assert keys(sends[:1]) != keys(sends[1:]), "a deliberate retry is a new attempt"
    assert len(healthy.deliveries) == 2


def test_refusal_is_retried_once_the_post_changes(tmp_path, hooks):
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = ["422"]
    result, _ = sync_json(root, NOW, env=env())
    assert result.code == 1
    again, report = sync_json(root, "2026-12-04T10:10Z", env=env())
    assert report["outcomes"] == []

    write(
        root,
        "content/shop/2026-12-04-first.md",
        post_md("2026-12-04 09:00", "First post, shorter."),
    )
    commit(root, "shorter text for the CMS")
    fixed, report = sync_json(root, "2026-12-04T10:20Z", env=env())
    # The refused account gets the new text as a new post; the feed, which can edit its
    # page, gets it as an edit (#18); the healthy webhook, which cannot, is only flagged.
    assert states(report["outcomes"]) == {
        (FIRST, "hook"): "published",
        (FIRST, "feed"): "edited",
    }, str(fixed)
    sends = faulty.of(FIRST)
    assert len(sends) == 2
    assert sends[1].json["post"]["text"] == "First post, shorter."
    assert keys(sends[:1]) != keys(sends[1:])
    # The healthy accounts already had the old text; a changed post is not re-sent there.
    assert len(healthy.deliveries) == 2


def test_still_failing_after_max_delay_becomes_missed_and_resolve_retry_sends_it(tmp_path, hooks):
    """Issue #11, thin test (a): a retryable failure is retried by later runs only within
    the group's max_delay (24h here); past it the pair is `missed`, reported once and
    never sent by surprise, until a person's `resolve --retry` sends it late."""
    faulty, healthy = hooks
    root = make_repo(tmp_path, hooks)
    faulty.faults = ["500"] * 100  # down for a long time

    first, report = sync_json(root, NOW, env=env())
    assert first.code == 1, str(first)
    assert states(report["outcomes"])[(FIRST, "hook")] == "failed"
    rows = status_rows(root, NOW, env=env())
    assert rows[(FIRST, "hook")]["state"] == "failed"
    tried = len(faulty.deliveries)
    assert tried == 2 * RETRIES

    # 23 hours after FIRST was due: still within max_delay, so it is tried again.
    within, report = sync_json(root, "2026-12-05T08:00Z", env=env())
    assert states(report["outcomes"])[(FIRST, "hook")] == "failed", str(within)
    assert len(faulty.deliveries) == 2 * tried

    # 27 hours after: still failing after max_delay is missed, and nothing is sent.
    late, report = sync_json(root, "2026-12-05T12:00Z", env=env())
    assert late.code == 1, str(late)
    assert states(report["outcomes"]) == {(FIRST, "hook"): "missed", (SECOND, "hook"): "missed"}
    detail = {o["post"]: o["detail"] for o in report["outcomes"]}[FIRST]
    assert detail.startswith("still failing after max_delay 24h: ") and "HTTP 500" in detail
    assert len(faulty.deliveries) == 2 * tried, "a pair past max_delay is never sent"
    rows = status_rows(root, "2026-12-05T12:00Z", env=env())
    assert rows[(FIRST, "hook")]["state"] == "missed"
    assert f"smmflow resolve {FIRST} hook --retry" in rows[(FIRST, "hook")]["detail"]
    quiet, report = sync_json(root, "2026-12-06T12:00Z", env=env())
    assert quiet.code == 0 and report["outcomes"] == [], str(quiet)
    assert len(faulty.deliveries) == 2 * tried

    # The receiver is back; a person asks for FIRST only: it is sent, days late, once.
    faulty.faults = []
    retry = smmflow(root, "resolve", FIRST, "hook", "--retry", env=env())
    assert retry.code == 0, str(retry)
    sent, report = sync_json(root, "2026-12-07T09:00Z", env=env())
    assert sent.code == 0, str(sent)
    assert states(report["outcomes"]) == {(FIRST, "hook"): "published"}
    assert len(faulty.of(FIRST)) == 2 * RETRIES + 1 and len(faulty.created) == 1
    assert keys(faulty.of(FIRST)[-1:]) != keys(faulty.of(FIRST)[:1]), "a new attempt"
    rows = status_rows(root, "2026-12-07T09:00Z", env=env())
    assert rows[(FIRST, "hook")]["state"] == "published"
    assert rows[(SECOND, "hook")]["state"] == "missed"
