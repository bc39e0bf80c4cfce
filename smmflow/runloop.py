"""`smmflow run`: the self-hosted loop. The `schedule` package drives it; each cycle
pulls the publish branch, syncs (which pushes the ledger as it goes) and logs a line.
SIGTERM/SIGINT set a flag that the engine checks between posts, so no half-done pair."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import schedule

from .errors import ExitCode, SmmflowError
from .gitstore import GitError, Store, pull


def run_forever(
    root: Path,
    every: dt.timedelta,
    once: bool,
    remote: str | None,
    branch: str | None,
    max_delay: dt.timedelta | None,
    log: Callable[[str], None],
) -> ExitCode:
    from . import remotes
    from .ledger import BRANCH
    from .sync import Options, run_sync

    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        log(f"smmflow run: {signal.Signals(signum).name}, stopping after the current post")
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    worst = ExitCode.OK

    def cycle() -> None:
        nonlocal worst
        started = dt.datetime.now(dt.timezone.utc)
        try:
            store = Store(root)
            try:  # the remote that holds the ledger, even when none was named
                shared = remotes.choose(store, remote, BRANCH)
                if shared:
                    store.remote = shared
                    log(pull(store, branch or "main"))
            finally:
                store.close()
            options = Options(now=started, branch=branch, remote=shared, max_delay=max_delay)
            report = run_sync(root, options, stop=stop)
        except (SmmflowError, GitError) as exc:
            log(f"smmflow run: cycle failed: {exc}")
            worst = max(worst, ExitCode.PROBLEMS)
            return
        worst = max(worst, report.exit_code)
        counts: dict[str, int] = {}
        for outcome in report.outcomes:
            counts[outcome.state] = counts.get(outcome.state, 0) + 1
            if outcome.state != "published":
                log(f"  {outcome.state}: {outcome.post} → {outcome.account} {outcome.detail}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing due"
        log(f"{started:%Y-%m-%d %H:%M:%SZ} sync: {summary}")

    try:
        scheduler = schedule.Scheduler()
        scheduler.every(max(1, int(every.total_seconds()))).seconds.do(cycle)
        cycle()
        while not once and not stop.is_set():
            scheduler.run_pending()
            stop.wait(min(1.0, max(0.05, scheduler.idle_seconds or 1.0)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log("smmflow run: stopped" if stop.is_set() else "smmflow run: done")
    return ExitCode.OK if stop.is_set() or not once else worst
