#!/usr/bin/env python3
"""Speed of the inbox (issue #14): `smmflow inbox --unanswered` over a store of 1,000,000
items, and fetching 5 groups × 5 accounts × 100 new items against a server's latency.

    python bench/inbox.py [--items 1000000] [--latency 0.1] [--repeat 3]

bench/run.py runs the same two workloads (part `inbox`) and puts them in BENCHMARKS.md.

1. A repository of 5 groups; a store (`.smmflow/inbox.sqlite3`) of N items written with the
   store's own `add`, 2% of them unanswered questions. Timed: `python -m smmflow inbox
   --unanswered --no-fetch` (the whole command: start-up, groups, retention, query,
   output), 1 untimed + R timed runs. Target: ≤ 0.2 s.
2. 25 Mastodon accounts (5 groups × 5) on a loopback server (bench/latency_server.py's
   relative: `MastoLatency` below) that answers every request after `latency` seconds,
   each account with 100 new mentions and one post of its own on the ledger. A first fetch
   of one account is: verify_credentials, the post's context, then notifications pages of
   40 (40, 40, 20, and the empty page that ends it) — 6 requests one after another; the
   accounts run in parallel, so the ideal is 6 × latency. Timed: `python -m smmflow inbox
   --limit 1` with an empty store and no cursors, R runs. Target: ≤ 1.3 × the ideal.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REPO = pathlib.Path(__file__).resolve().parents[1]
GROUPS, ACCOUNTS, NEW_ITEMS, PAGE = 5, 5, 100, 40
UNANSWERED_S = 0.2
FETCH_RATIO = 1.3
ENV_DROP = ("SMMFLOW_", "GITHUB_", "GH_", "GIT_")
TODAY = time.strftime("%Y-%m-%d", time.gmtime())
NOW_ISO = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_DROP)}
    env.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid",
               PYTHONPATH=str(REPO), **extra)  # fmt: skip
    return env


def _git(root: pathlib.Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=clean_env())


def make_repo(root: pathlib.Path, instance: str = "http://127.0.0.1:9") -> None:
    """5 groups of 5 Mastodon accounts (account `a<j>` of group `g<i>`, token `tok-g<i>-a<j>`),
    one post each, committed; answer_within for every group."""
    for i in range(GROUPS):
        accounts = "\n".join(
            f'  a{j}: {{platform: mastodon, instance: "{instance}", token_env: TOK_G{i}_A{j}}}'
            for j in range(ACCOUNTS)
        )
        (root / "schedules").mkdir(parents=True, exist_ok=True)
        (root / "schedules" / f"g{i}.yml").write_text(
            f"name: Group {i}\ntimezone: Europe/Bucharest\naccounts:\n{accounts}\n"
        )
        (root / "content" / f"g{i}").mkdir(parents=True, exist_ok=True)
        (root / "content" / f"g{i}" / f"{TODAY}-post.md").write_text(
            f"---\ndate: {TODAY} 00:00\ntype: informative\n---\nHello\n"
        )
        (root / "community").mkdir(exist_ok=True)
        (root / "community" / f"g{i}.yml").write_text("answer_within: 4h\nretention: 3650d\n")
    (root / ".gitignore").write_text(".smmflow/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "bench")


def tokens() -> dict[str, str]:
    return {f"TOK_G{i}_A{j}": f"tok-g{i}-a{j}" for i in range(GROUPS) for j in range(ACCOUNTS)}


def fill_store(root: pathlib.Path, n: int) -> float:
    """N items through the store's own `add`; seconds it took."""
    sys.path.insert(0, str(REPO))
    from smmflow.community.questions import is_question
    from smmflow.community.store import Store
    from smmflow.platforms.community import Item

    started = time.perf_counter()
    now = time.time()
    with Store(root) as store:
        chunk = 50_000
        for start in range(0, n, chunk):
            rows = [
                Item(
                    f"https://m.example/users/u{k}/statuses/{k}",
                    "comment",
                    f"u{k}",
                    f"User {k}",
                    "Cât costă?" if k % 50 == 0 else f"Super {k}!",
                    now - (n - k) * 30,
                    ref=str(k),
                )  # fmt: skip
                for k in range(start, min(n, start + chunk))
            ]
            g = (start // chunk) % GROUPS
            store.add(f"g{g}", f"a{g % ACCOUNTS}", "mastodon", rows, {}, is_question)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def timed(cmd: list[str], cwd: pathlib.Path, env: dict, repeat: int, warmup: bool = True,
          before=None) -> list[float]:  # fmt: skip
    walls = []
    for i in range(repeat + (1 if warmup else 0)):
        if before is not None:
            before()
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0 or "Traceback" in done.stderr:
            raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")
        if i or not warmup:
            walls.append(wall)
    return walls


# -- a Mastodon that answers after a fixed latency ------------------------------------------
class MastoLatency:
    """verify_credentials, a status's context (empty), and mentions with Mastodon's paging
    (limit, max_id, min_id, Link next/prev): every answer `latency` seconds after the request."""

    def __init__(self, latency: float, per_account: int = NEW_ITEMS):
        self.latency, self.per_account = latency, per_account
        self.requests: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    def _notes(self, token: str, query: dict) -> tuple[list, str]:
        limit = int(query.get("limit", ["40"])[-1])
        ids = list(range(self.per_account, 0, -1))  # newest first
        if "max_id" in query:
            ids = [i for i in ids if i < int(query["max_id"][-1])]
        if "min_id" in query:
            ids = [i for i in ids if i > int(query["min_id"][-1])][-limit:]
        page = ids[:limit]
        body = [
            {"id": str(i), "type": "mention", "created_at": NOW_ISO,
             "account": {"id": f"fan{i}", "acct": f"fan{i}", "display_name": f"Fan {i}"},
             "status": {"id": f"{token}-{i}", "uri": f"https://m.example/{token}/{i}",
                        "url": f"https://m.example/@fan{i}/{i}", "created_at": NOW_ISO,
                        "content": f"<p>@shop cât costă {i}?</p>", "in_reply_to_id": None,
                        "account": {"id": f"fan{i}", "acct": f"fan{i}", "display_name": f"Fan {i}"}}}
            for i in page
        ]  # fmt: skip
        link = ""
        if page:
            link = (f'<http://x/api/v1/notifications?max_id={page[-1]}>; rel="next", '
                    f'<http://x/api/v1/notifications?min_id={page[0]}>; rel="prev"')  # fmt: skip
        return body, link

    def start(self) -> MastoLatency:
        bench = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                arrived = time.perf_counter()
                parts = urlsplit(self.path)
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                with bench.lock:
                    bench.requests.append((arrived, token))
                link = ""
                if parts.path.endswith("/verify_credentials"):
                    body: object = {"id": token, "acct": token}
                elif parts.path.endswith("/context"):
                    body = {"ancestors": [], "descendants": []}
                else:
                    body, link = bench._notes(token, parse_qs(parts.query))
                raw = json.dumps(body).encode()
                time.sleep(max(0.0, bench.latency - (time.perf_counter() - arrived)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                if link:
                    self.send_header("Link", link)
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed_ledger(root: pathlib.Path) -> None:
    """One published record per account (the post the fetch reads the context of)."""
    sys.path.insert(0, str(REPO))
    from smmflow.ledger.branch import open_ledger
    from smmflow.ledger.records import Record, now_utc

    store, ledger = open_ledger(root, None, str)
    try:
        records = [
            Record(f"g{i}/{TODAY}-post", f"a{j}", "mastodon", "published",
                   remote_id=f"post-g{i}-a{j}", url="https://m.example/p", published_at=now_utc())
            for i in range(GROUPS) for j in range(ACCOUNTS)
        ]  # fmt: skip
        ledger.transact(lambda current: records, "bench: published")
    finally:
        store.close()


IN_PROCESS = r"""
import io, time, contextlib
from click.testing import CliRunner
from smmflow.cli import main
runner = CliRunner()
runner.invoke(main, ["inbox", "--unanswered", "--no-fetch"])  # imports done, store opened once
started = time.perf_counter()
done = runner.invoke(main, ["inbox", "--unanswered", "--no-fetch"])
took = time.perf_counter() - started
assert done.exit_code == 0, done.output
print(took)
"""


def in_process(root: pathlib.Path, repeat: int) -> float:
    """Median seconds of the command's own work, in a process that already imported it."""
    found = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", IN_PROCESS], cwd=root, env=clean_env(),
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"in-process run failed:\n{done.stderr[-2000:]}")
        found.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(found)


def measure_unanswered(tmp: pathlib.Path, items: int, repeat: int) -> dict:
    root = tmp / "store-repo"
    make_repo(root)
    filled = fill_store(root, items)
    cmd = [sys.executable, "-m", "smmflow", "inbox", "--unanswered", "--no-fetch"]
    walls = timed(cmd, root, clean_env(), repeat)
    inside = in_process(root, repeat)
    floor = timed([sys.executable, "-c", "import smmflow.cli"], root, clean_env(), repeat)
    size = (root / ".smmflow" / "inbox.sqlite3").stat().st_size
    return {"items": items, "median": statistics.median(walls), "walls": walls,
            "inside": inside,
            "floor": statistics.median(floor), "fill_s": filled, "store_mb": size / 2**20,
            "command": "python -m smmflow inbox --unanswered --no-fetch"}  # fmt: skip


RAW_CLIENT = r"""
import sys, threading, requests
url, n = sys.argv[1], int(sys.argv[2])
def account(token):
    s = requests.Session()
    h = {"Authorization": f"Bearer {token}"}
    s.get(url + "/api/v1/accounts/verify_credentials", headers=h).json()
    s.get(url + "/api/v1/statuses/1/context", headers=h).json()
    query = "?limit=40"
    for _ in range(n - 2):
        r = s.get(url + "/api/v1/notifications" + query, headers=h)
        page = r.json()
        if not page:
            break
        query = "?limit=40&max_id=" + page[-1]["id"]
threads = [threading.Thread(target=account, args=(t,)) for t in sys.argv[3:]]
for t in threads: t.start()
for t in threads: t.join()
"""


def measure_fetch(tmp: pathlib.Path, latency: float, repeat: int) -> dict:
    server = MastoLatency(latency).start()
    try:
        root = tmp / "fetch-repo"
        make_repo(root, server.url)
        seed_ledger(root)
        env = clean_env(**tokens())

        def fresh() -> None:
            shutil.rmtree(root / ".smmflow", ignore_errors=True)
            server.requests.clear()

        cmd = [sys.executable, "-m", "smmflow", "inbox", "--limit", "1"]
        walls = timed(cmd, root, env, repeat, before=fresh)
        per_account = len(server.requests) / (GROUPS * ACCOUNTS)
        raw = [sys.executable, "-c", RAW_CLIENT, server.url, str(round(per_account)),
               *tokens().values()]  # fmt: skip
        floor = timed(raw, root, env, repeat, before=fresh)
    finally:
        server.stop()
    ideal = per_account * latency
    median = statistics.median(walls)
    return {"median": median, "walls": walls, "ideal": ideal, "ratio": median / ideal,
            "requests_per_account": per_account, "latency": latency,
            "floor": statistics.median(floor),
            "command": "python -m smmflow inbox --limit 1"}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="smmflow-inbox-bench-"))
    try:
        u = measure_unanswered(tmp, a.items, a.repeat)
        f = measure_fetch(tmp, a.latency, a.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"inbox --unanswered over {u['items']:,} items: {u['median']:.3f} s, "
          f"{u['inside']:.3f} s of it the command's own work "
          f"(target {UNANSWERED_S} s; floor `import smmflow.cli` {u['floor']:.3f} s; "
          f"store {u['store_mb']:.0f} MB filled in {u['fill_s']:.0f} s)")  # fmt: skip
    print(f"fetch {GROUPS}×{ACCOUNTS} accounts × {NEW_ITEMS} items at {f['latency'] * 1000:.0f} ms: "
          f"{f['median']:.3f} s, ideal {f['ideal']:.3f} s ({f['requests_per_account']:.0f} "
          f"requests per account), ratio {f['ratio']:.2f} (target ≤ {FETCH_RATIO}); "
          f"a bare `requests` client, same traffic: {f['floor']:.3f} s")  # fmt: skip
    return 0 if u["median"] <= UNANSWERED_S and f["ratio"] <= FETCH_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
