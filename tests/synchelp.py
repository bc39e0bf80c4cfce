"""Shared pieces of the exactly-once tests (test_sync_overlap, test_sync_crash).

Everything here is real: content repositories made with git in a temporary folder,
`smmflow sync` run as a subprocess, and the loopback webhook receiver of tests/servers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from repohelp import GIT_ENV, git
from servers.webhook import Receiver

NOW = "2026-12-15 12:00"  # UTC; every post below is due by then except the future ones
SECRET = "s3cret-hook-key-for-tests"
# Each group in its own timezone, so "due" is decided per zone.
GROUPS = {
    "bakery": "Europe/Bucharest",
    "clinic": "America/Los_Angeles",
}
TYPES = ("informative", "sales")


def sync_env(**extra: str) -> dict[str, str]:
    """The environment of a sync: the hook secret, fast retries, nothing inherited that
    would change where the ledger lives or make it crash."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SMMFLOW_") and k not in ("GITHUB_ACTIONS", "HOOK_SECRET")
    }
    env.update(GIT_ENV)
    env.update(
        HOOK_SECRET=SECRET,
        SMMFLOW_RETRIES="3",
        SMMFLOW_BACKOFF="0.05",
        SMMFLOW_TIMEOUT="10",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


@dataclass
class Content:
    """A content repository and what is due in it at NOW."""

    root: Path
    due: set[tuple[str, str]] = field(default_factory=set)  # (post id, account), all accounts
    hooks: tuple[str, ...] = ()  # the webhook account names
    not_due: set[tuple[str, str]] = field(default_factory=set)  # future and draft pairs

    @property
    def due_hooks(self) -> set[tuple[str, str]]:
        return {pair for pair in self.due if pair[1] in self.hooks}


def make_content(
    root: Path, hook_url: str, posts: int = 10, hooks: tuple[str, ...] = ("crm", "ops")
) -> Content:
    """2 groups × `posts` due posts on `feed` and every webhook account, plus one future
    post and one draft per group (neither may ever reach the receiver); committed on main."""
    root.mkdir(parents=True, exist_ok=True)
    content = Content(root, hooks=hooks)
    (root / "schedules").mkdir()
    for group, zone in GROUPS.items():
        accounts = ["  feed: {}"] + [
            f'  {name}: {{platform: webhook, url: "{hook_url}/{group}/{name}", secret_env: HOOK_SECRET}}'
            for name in hooks
        ]
        (root / "schedules" / f"{group}.yml").write_text(
            f"name: {group.title()}\n"
            f"timezone: {zone}\n"
            'slots: ["mon 10:00", "wed 18:30", "fri 12:00"]\n'
            "max_delay: 60d\n"
            "accounts:\n" + "\n".join(accounts) + "\n",
            encoding="utf-8",
        )
        folder = root / "content" / group
        folder.mkdir(parents=True)
        names = ("feed", *hooks)
        for i in range(posts):
            day = 1 + i % 12
            hour = 8 + i // 12
            slug = f"2026-12-{day:02d}-post-{i:02d}"
            _post(folder / f"{slug}.md", f"2026-12-{day:02d} {hour:02d}:{i % 60:02d}", i)
            content.due |= {(f"{group}/{slug}", name) for name in names}
        future = "2026-12-28-future"
        _post(folder / f"{future}.md", "2026-12-28 10:00", 99)
        draft = "2026-12-02-draft"
        _post(folder / f"{draft}.md", "2026-12-02 10:00", 98, status="draft")
        content.not_due |= {(f"{group}/{slug}", name) for slug in (future, draft) for name in names}
    (root / ".gitignore").write_text("public/\n", encoding="utf-8")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "content plan")
    return content


def _post(path: Path, date: str, i: int, status: str = "ready") -> None:
    path.write_text(
        "---\n"
        f"date: {date}\n"
        f"type: {TYPES[i % 2]}\n"
        f"status: {status}\n"
        "---\n"
        f"**Post {i}** of {path.parent.name}: fresh bread, open doors, "
        f"[details](https://example.test/{i}).\n",
        encoding="utf-8",
    )


def share(content: Content, base: Path, clones: int = 2) -> list[Path]:
    """A bare "remote" holding the content repository's main, and `clones` clones of it."""
    bare = base / "remote.git"
    git(base, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(content.root, "remote", "add", "origin", str(bare))
    git(content.root, "push", "--quiet", "origin", "main")
    found = []
    for i in range(clones):
        clone = base / f"clone-{i}"
        git(base, "clone", "--quiet", str(bare), str(clone))
        found.append(clone)
    return found


def sync_args(*extra: str, now: str = NOW) -> list[str]:
    return [sys.executable, "-m", "smmflow", "sync", "--now", now, *extra]


def start_sync(cwd: Path, log: Path, env: dict[str, str], *extra: str) -> subprocess.Popen:
    """`smmflow sync` started in the background; its output goes to `log` (not a pipe, so
    that several at once can never block on a full pipe)."""
    handle = open(log, "wb")  # noqa: SIM115 - closed by finish()
    proc = subprocess.Popen(
        sync_args(*extra), cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    proc.log = log  # type: ignore[attr-defined]
    proc.log_handle = handle  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.log_handle.close()  # type: ignore[attr-defined]
    return code, proc.log.read_text("utf-8", "replace")  # type: ignore[attr-defined]


def run_sync(cwd: Path, env: dict[str, str], *extra: str, timeout: float = 60):
    return subprocess.run(
        sync_args(*extra), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def status(cwd: Path, env: dict[str, str], *extra: str) -> dict[tuple[str, str], dict]:
    """`smmflow status --format json`, keyed by (post id, account)."""
    proc = subprocess.run(
        [sys.executable, "-m", "smmflow", "status", "--format", "json", "--now", NOW, *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return {(row["post"], row["account"]): row for row in json.loads(proc.stdout)}


def ledger(git_dir: Path, branch: str = "smmflow/ledger") -> dict[tuple[str, str], dict]:
    """Every record on the ledger branch, read with plain git (not through smmflow)."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", branch, "--", "records/").split()
    if not names:
        return {}
    wanted = "".join(f"{branch}:{name}\n" for name in names).encode()
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=git_dir,
        input=wanted,
        capture_output=True,
        check=True,
    ).stdout
    records = {}
    for _name in names:
        header, _, out = out.partition(b"\n")
        size = int(header.split()[2])
        data, out = out[:size], out[size + 1 :]
        record = json.loads(data)
        records[(record["post"], record["account"])] = record
    return records


def deliveries_by_pair(receiver: Receiver) -> Counter[tuple[str, str]]:
    """Raw publish requests that reached the receiver, per (post id, account)."""
    counts: Counter[tuple[str, str]] = Counter()
    for delivery in list(receiver.deliveries):
        if delivery.method != "POST":
            continue
        body = delivery.json
        counts[(body["post"]["id"], body["account"])] += 1
    return counts


def keys_by_pair(receiver: Receiver) -> dict[tuple[str, str], list[str]]:
    """Every idempotency key each pair was sent with, one entry per raw delivery."""
    found: dict[tuple[str, str], list[str]] = {}
    for delivery in list(receiver.deliveries):
        if delivery.method != "POST":
            continue
        body = delivery.json
        found.setdefault((body["post"]["id"], body["account"]), []).append(
            delivery.headers.get("Idempotency-Key", "")
        )
    return found


@pytest.fixture(name="receiver")
def hook_receiver():
    """The loopback webhook receiver, checking signatures with the accounts' secret.
    Import `hook_receiver` into a test module to use the fixture `receiver`."""
    server = Receiver(secret=SECRET.encode()).start()
    yield server
    server.stop()


def show_summary(terminalreporter, title: str, lines: list[str], short: str) -> None:
    """A closing summary in pytest's output: every line normally, one line under `-q`
    (the whole of it is in a file or a run without -q)."""
    if terminalreporter.config.get_verbosity() < 0:
        terminalreporter.write_line(f"{title}: {short}")
        return
    terminalreporter.section(title)
    for line in lines:
        terminalreporter.write_line(line)


class Tally:
    """Counts gathered by a test module, shown in pytest's closing summary and written as
    JSON to the file named by an environment variable (for the issue's closing note)."""

    def __init__(self, title: str, env_var: str):
        self.title = title
        self.env_var = env_var
        self.data: dict[str, object] = {}

    def add(self, section: str, **counts: object) -> None:
        self.data.setdefault(section, {})
        for name, value in counts.items():
            into = self.data[section]
            if isinstance(value, int) and not isinstance(value, bool):
                into[name] = into.get(name, 0) + value
            else:
                into[name] = value

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.data:
            return
        lines = [
            f"{section}: {', '.join(f'{k}={v}' for k, v in counts.items())}"
            for section, counts in self.data.items()
        ]
        short = f"{len(lines)} sections; all of them without -q, or as JSON in ${self.env_var}"
        show_summary(terminalreporter, self.title, lines, short)

    def save(self) -> None:
        path = os.environ.get(self.env_var)
        if path and self.data:
            Path(path).write_text(json.dumps(self.data, indent=2, sort_keys=True) + "\n")


def tally_fixture(title: str, env_var: str):
    """A module-scoped fixture that hands out one Tally and reports it at the end."""

    @pytest.fixture(scope="module")
    def tally(request):
        found = Tally(title, env_var)
        request.config.pluginmanager.register(found, f"tally-{id(found)}")
        yield found
        found.save()

    return tally
