"""`smmflow run`: the self-hosted loop. The `schedule` package drives it; each cycle
pulls the publish branch, syncs (which pushes the ledger as it goes) and logs a line.
SIGTERM/SIGINT set a flag that the engine checks between posts, so no half-done pair."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schedule

from ..errors import ExitCode, SmmflowError
from ..ledger import remotes
from ..ledger.branch import BRANCH
from ..ledger.gitstore import GitError, Store, pull
from .outcomes import Report
from .sync import Options, run_sync


@dataclass
class Loop:
    """What every cycle of one `smmflow run` shares."""

    root: Path
    remote: str | None
    branch: str | None
    max_delay: dt.timedelta | None
    log: Callable[[str], None]
    stop: threading.Event = field(default_factory=threading.Event)
    worst: ExitCode = ExitCode.OK

    def cycle(self) -> None:
        """Pull, sync, log a line (and every outcome that needs a person)."""
        started = dt.datetime.now(dt.timezone.utc)
        try:
            shared = self._pull()
            options = Options(
                now=started, branch=self.branch, remote=shared, max_delay=self.max_delay
            )
            report = run_sync(self.root, options, stop=self.stop)
        except (SmmflowError, GitError) as exc:
            self.log(f"smmflow run: cycle failed: {exc}")
            self.worst = max(self.worst, ExitCode.PROBLEMS)
            return
        self.worst = max(self.worst, report.exit_code)
        self.log(f"{started:%Y-%m-%d %H:%M:%SZ} sync: {self._summary(report)}")

    def _pull(self) -> str | None:
        """The remote that holds the ledger (even when none was named), pulled from."""
        store = Store(self.root)
        try:
            shared = remotes.choose(store, self.remote, BRANCH)
            if shared:
                store.remote = shared
                self.log(pull(store, self.branch or "main"))
            return shared
        finally:
            store.close()

    def _summary(self, report: Report) -> str:
        for outcome in report.outcomes:
            if outcome.state != "published":
                self.log(f"  {outcome.state}: {outcome.post} → {outcome.account} {outcome.detail}")
        return report.tally()


def run_forever(
    root: Path,
    every: dt.timedelta,
    once: bool,
    remote: str | None,
    branch: str | None,
    max_delay: dt.timedelta | None,
    log: Callable[[str], None],
) -> ExitCode:
    """Cycle every `every` until SIGTERM/SIGINT (or once); 0 when stopped, else with
    `once` the worst exit code of the cycle."""
    loop = Loop(root, remote, branch, max_delay, log)

    def on_signal(signum, frame) -> None:
        log(f"smmflow run: {signal.Signals(signum).name}, stopping after the current post")
        loop.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler = schedule.Scheduler()
        scheduler.every(max(1, int(every.total_seconds()))).seconds.do(loop.cycle)
        loop.cycle()
        while not once and not loop.stop.is_set():
            scheduler.run_pending()
            loop.stop.wait(min(1.0, max(0.05, scheduler.idle_seconds or 1.0)))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log("smmflow run: stopped" if loop.stop.is_set() else "smmflow run: done")
    return ExitCode.OK if loop.stop.is_set() or not once else loop.worst
