"""Shared pieces of the tests that make content repositories: the one `git()` and `GIT_ENV`.

Everything is real: content repositories made with git in a temporary folder (a copy of
the project's example content, or small hand-written groups), `smmflow` run as a
subprocess, and the loopback webhook receiver of tests/servers, extended here with
arrival times and a few extra faults (4xx refusals, and answers that echo a secret).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from click.testing import CliRunner
from servers.webhook import Delivery, Receiver

from smmflow.cli import main

PROJECT = Path(__file__).resolve().parents[1]
LEDGER = "smmflow/ledger"
STATES = {"published", "failed", "unknown", "withdrawn", "missed", "skipped"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Writer",
    "GIT_AUTHOR_EMAIL": "writer@example.test",
    "GIT_COMMITTER_NAME": "Test Writer",
    "GIT_COMMITTER_EMAIL": "writer@example.test",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}
# Fast, bounded retries for every run; a test may override any of them.
FAST = {
    "SMMFLOW_RETRIES": "3",
    "SMMFLOW_BACKOFF": "0.05",
    "SMMFLOW_TIMEOUT": "1",
    "SMMFLOW_MAX_WAIT": "5",
}


# -- git and files -------------------------------------------------------------------------
def git(
    cwd: Path, *args: str, check: bool = True, stdin: bytes | None = None, env: dict | None = None
) -> str:
    """`git ARGS` in `cwd` with the tests' identity; its output (an AssertionError when it
    fails, unless `check` is False)."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8", "replace")


def rev(cwd: Path, ref: str = LEDGER) -> str | None:
    out = git(cwd, "rev-parse", "--verify", "--quiet", ref, check=False).strip()
    return out or None


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def commit(root: Path, message: str = "content") -> str:
    git(root, "add", "-A", "schedules", "content")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return rev(root, "HEAD") or ""


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    # public/ is the feed's output, not content: keep `git status` of the writer clean.
    (root / ".gitignore").write_text("public/\n")
    git(root, "add", ".gitignore")
    return root


def example_repo(tmp_path: Path) -> Path:
    """A committed copy of the project's bundled example content."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    init_repo(root)
    commit(root, "example content")
    return root


def group_yaml(name: str, timezone: str, accounts: dict[str, dict], max_delay: str = "24h") -> str:
    lines = [f"name: {name}", f"timezone: {timezone}", f"max_delay: {max_delay}", "accounts:"]
    for account, settings in accounts.items():
        inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in settings.items())
        lines.append(f"  {account}: {{{inner}}}")
    return "\n".join(lines) + "\n"


def post_md(
    date: str,
    body: str,
    type: str = "informative",
    platforms: list[str] | None = None,
    status: str | None = None,
) -> str:
    front = [f"date: {date}", f"type: {type}"]
    if platforms is not None:
        front.append(f"platforms: [{', '.join(platforms)}]")
    if status is not None:
        front.append(f"status: {status}")
    return "---\n" + "\n".join(front) + "\n---\n" + body.rstrip("\n") + "\n"


# -- running smmflow -----------------------------------------------------------------------
def base_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that changes where the ledger lives."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SMMFLOW_") and k not in ("GITHUB_ACTIONS", "HOOK_SECRET")
    }
    env.update(GIT_ENV)
    env.update(FAST)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"smmflow {' '.join(self.args)} -> {self.code}\n--stdout--\n{self.out}\n--stderr--\n{self.err}"


def smmflow(root: Path, *args: str, env: dict[str, str] | None = None, timeout=90) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "smmflow", *args],
        cwd=root,
        env=env if env is not None else base_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """`smmflow ARGS` in this process (click's test runner), run from `root`: for pure
    commands (`check`), where a subprocess per call would only add Python's start-up. An
    exception escaping the command fails the test, as a traceback would."""
    try:  # click 8.1 mixes stderr into the output unless told not to; 8.2 never does
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    before = os.getcwd()
    os.chdir(root)
    try:
        done = runner.invoke(main, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(before)
    return Result(tuple(args), done.exit_code, done.stdout, done.stderr)


def sync_json(root: Path, now: str, *args: str, env=None) -> tuple[Result, dict]:
    result = smmflow(root, "sync", "--now", now, "--format", "json", *args, env=env)
    assert result.code in (0, 1, 3), str(result)
    return result, result.json


def states(outcomes: list[dict]) -> dict[tuple[str, str], str]:
    return {(o["post"], o["account"]): o["state"] for o in outcomes}


def status_rows(root: Path, now: str, env=None) -> dict[tuple[str, str], dict]:
    result = smmflow(root, "status", "--now", now, "--format", "json", env=env)
    assert result.code == 0, str(result)
    return {(r["post"], r["account"]): r for r in result.json}


# -- the ledger branch ---------------------------------------------------------------------
def ledger(root: Path, ref: str = LEDGER) -> dict[tuple[str, str], dict]:
    """Every record on the ledger branch, parsed: (post id, account) -> record."""
    if rev(root, ref) is None:
        return {}
    names = [
        n for n in git(root, "ls-tree", "-r", "--name-only", ref, "--", "records").splitlines()
    ]
    found = {}
    for name in names:
        assert name.startswith("records/") and name.endswith(".json"), name
        record = json.loads(git(root, "show", f"{ref}:{name}"))
        post, _, account = name[len("records/") : -len(".json")].rpartition("/")
        assert (record["post"], record["account"]) == (post, account), name
        found[(post, account)] = record
    return found


def published(records: dict[tuple[str, str], dict]) -> set[tuple[str, str]]:
    return {pair for pair, r in records.items() if r["state"] == "published"}


def ledger_text(root: Path, ref: str = LEDGER) -> str:
    """Every commit of the ledger branch with its full diff: all it ever recorded."""
    if rev(root, ref) is None:
        return ""
    return git(root, "log", "-p", "--format=%H %an <%ae>%n%B", ref)


# -- reading the example content independently of smmflow ----------------------------------
_DURATION = re.compile(r"(\d+)\s*([dhms])")
_UNIT = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def duration(text: str) -> dt.timedelta:
    return dt.timedelta(seconds=sum(int(n) * _UNIT[u] for n, u in _DURATION.findall(text)))


@dataclass(frozen=True)
class PlannedPost:
    id: str
    group: str
    slug: str
    utc: dt.datetime
    status: str
    platforms: tuple[str, ...]
    max_delay: dt.timedelta


def read_plan(root: Path) -> list[PlannedPost]:
    """Every post of a content repository, read with PyYAML and zoneinfo only."""
    plan = []
    for schedule in sorted((root / "schedules").glob("*.yml")):
        group = yaml.load(schedule.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        zone = ZoneInfo(group["timezone"])
        accounts = tuple(group["accounts"])
        max_delay = duration(group.get("max_delay", "24h"))
        for path in sorted((root / "content" / schedule.stem).glob("*.md")):
            _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
            meta = yaml.load(front, Loader=yaml.BaseLoader)
            when = dt.datetime.fromisoformat(meta["date"].strip())
            if when.tzinfo is None:
                when = when.replace(tzinfo=zone)
            plan.append(
                PlannedPost(
                    f"{schedule.stem}/{path.stem}",
                    schedule.stem,
                    path.stem,
                    when.astimezone(dt.timezone.utc),
                    meta.get("status", "ready"),
                    tuple(meta.get("platforms") or accounts),
                    max_delay,
                )
            )
    return plan


# -- the loopback receiver, with arrival times and extra faults ----------------------------
class Stamped(list):
    """The receiver's list of deliveries; each one gets its arrival time (monotonic)."""

    def append(self, delivery: Delivery) -> None:
        delivery.arrived = time.monotonic()  # type: ignore[attr-defined]
        super().append(delivery)


REFUSALS = {
    "400": (400, {"error": "invalid payload: the post has no title"}),
    "422": (422, {"error": "unprocessable: text is longer than our CMS accepts"}),
}
# echo-400 / echo-500: an error body that quotes `echo` (a careless receiver repeating the
# shared secret); echo-ok: a success whose id and URL contain it.
ECHOES = ("echo-400", "echo-500", "echo-ok")
# The base receiver's "reset" closes the socket while its read buffer still holds it open,
# so no RST is sent and the client just waits for its read timeout; this one really resets.
RESET = "reset"


@dataclass
class LoopbackReceiver(Receiver):
    """tests/servers/webhook.Receiver plus: `arrived` on every delivery, the faults "400",
    "422" (a permanent refusal with a message), the echo faults above and a real reset."""

    deliveries: list = field(default_factory=Stamped)
    echo: str = ""

    def start(self) -> LoopbackReceiver:
        super().start()
        base = self.server.RequestHandlerClass
        receiver = self

        class Handler(base):  # type: ignore[misc,valid-type]
            def _handle(self) -> None:
                with receiver.lock:
                    fault = receiver.faults[0] if receiver.faults else "ok"
                    mine = fault in REFUSALS or fault in ECHOES or fault == RESET
                    if mine:
                        receiver.faults.pop(0)
                if not mine:
                    return base._handle(self)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.deliveries.append(
                        Delivery(self.command, self.path, dict(self.headers), body)
                    )
                if fault == RESET:  # SO_LINGER 0, then the last reference closed: an RST
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    self.rfile.close()
                    return
                if fault in REFUSALS:
                    status, answer = REFUSALS[fault]
                elif fault == "echo-400":
                    status, answer = 400, {"error": f"signature is not made with {receiver.echo}"}
                elif fault == "echo-500":
                    status, answer = 500, {"error": f"crashed while checking {receiver.echo}"}
                else:
                    status = 200
                    answer = {
                        "id": f"hook-{receiver.echo}",
                        "url": f"https://receiver.test/posts/1?seen={receiver.echo}",
                    }
                self._answer(status, json.dumps(answer).encode())

            do_POST = _handle
            do_DELETE = _handle

        self.server.RequestHandlerClass = Handler
        return self

    def of(self, post_id: str, method: str = "POST") -> list[Delivery]:
        """Deliveries of one post (publish requests carry the post in their body)."""
        found = []
        for d in self.deliveries:
            if d.method != method:
                continue
            if method == "POST" and d.json["post"]["id"] != post_id:
                continue
            found.append(d)
        return found


# -- long-running processes ----------------------------------------------------------------
def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def stop(proc: subprocess.Popen, timeout: float = 10) -> tuple[int, str, str]:
    """SIGTERM, then the exit status and the whole output (killed if it hangs)."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"did not stop within {timeout}s after SIGTERM:\n{err}") from None
    return proc.returncode, out, err
