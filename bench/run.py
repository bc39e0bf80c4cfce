#!/usr/bin/env python3
"""Speed at scale (issue #7): time every workload against its baseline, rewrite BENCHMARKS.md.

    python bench/run.py [--quick] [--out FILE] [--repeat 3] [--keep] [--no-profile]

Workloads (each measured against its baseline in the same run):

    cold `smmflow check`, 10,000 posts, 12 groups        vs Hugo building the same posts
    warm `smmflow check`, 100,000 posts, one changed      vs 0.5 s (+ floors)
    `smmflow sync`, 100,000 posts, nothing due            vs 0.5 s (+ floors)
    `smmflow plan --month`, 100,000 posts                 vs 1 s (+ floors)
    `smmflow report --month`, 100,000 posts (every group)  vs 2 s (+ floors)
    peak memory of each of those at 100,000 posts         vs 250 MB
    `smmflow --version`                                   vs 0.15 s
    1,000 due posts over 20 webhook accounts, a loopback
    server answering after 100 ms                         vs 1.3 x the ideal (accounts in
                                                          parallel, one request at a time each)
    `smmflow inbox --unanswered`, a store of 1,000,000
    items (issue #14)                                     vs 0.2 s
    inbox fetch of 5 groups x 5 accounts x 100 new items,
    a loopback Mastodon answering after 100 ms            vs 1.3 x the ideal (bench/inbox.py)

"Floors" measured in the same run show what is Python's cost and what is smmflow's own:
`python -c pass`, `python -c "import smmflow.cli"`, walking the content tree with
os.scandir + stat, `git ls-tree` of the content, and a bare `requests` client doing the
due-posts traffic. Every target missed is profiled once, untimed (cProfile; tracemalloc
for memory; -X importtime for --version) and BENCHMARKS.md says where the time goes.

--quick uses 10x smaller sizes (a smoke test, under a minute; see tests/test_bench_smoke.py)
and writes no file unless --out is given. Stdlib only, plus smmflow, the `hugo` package
(or a hugo binary) and bench/make_corpus.py. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import linecache
import os
import pathlib
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HERE = pathlib.Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import check_vs_hugo as cvh  # noqa: E402
import inbox as inbox_bench  # noqa: E402
from latency_server import LatencyReceiver  # noqa: E402

REPO = HERE.parent
DEFAULT_CORPUS_SCRIPT = REPO / "bench" / "make_corpus.py"


@dataclass(frozen=True)
class Sizes:
    cold_posts: int
    big_posts: int
    groups: int
    due_posts: int
    due_accounts: int
    latency: float
    inbox_items: int = 1_000_000


FULL = Sizes(10_000, 100_000, 12, 1_000, 20, 0.1)
QUICK = Sizes(1_000, 10_000, 12, 100, 20, 0.1, 20_000)

# Targets (issues #7 and #19).
COLD_RATIO = 0.5  # issue #19
WARM_S = 0.5
SYNC_S = 0.5
PLAN_S = 1.0
REPORT_S = 2.0  # issue #15
MEM_MB = 250.0
VERSION_S = 0.15
DUE_RATIO = 1.3

SYNC_NOW = "2025-12-31T00:00Z"  # before every post of the corpus (2026): nothing is due
PLAN_MONTH = "2026-06"
DUE_NOW = "2026-06-01T12:00Z"
DUE_DAY = "2026-06-01"
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}

WALK = r"""
import os, sys, time
t = time.perf_counter()
n = 0
def walk(folder):
    global n
    with os.scandir(folder) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                walk(e.path)
            elif e.name.endswith(".md"):
                e.stat()
                n += 1
walk(sys.argv[1])
print(n, time.perf_counter() - t)
"""

# The floor of issue #19: listing the files with their blob ids, from a Python process.
LS_FILES = "import subprocess; subprocess.run(['git', 'ls-files', '-s', '-z'], capture_output=True)"

RAW_CLIENT = r"""
import sys, threading, requests
n, urls = int(sys.argv[1]), sys.argv[2:]
def go(url):
    session = requests.Session()
    for i in range(n):
        body = {"event": "publish", "post": {"id": "floor-%d" % i, "utc": ""}}
        session.post(url, json=body, headers={"Idempotency-Key": "%s-%d" % (url, i)},
                     timeout=30).raise_for_status()
threads = [threading.Thread(target=go, args=(u,)) for u in urls]
for t in threads: t.start()
for t in threads: t.join()
"""

# What to try when a hotspot shows up in a missed target's profile: (pattern on the
# function's "file:line(name)", suggestion). The hints whose functions rank highest in
# the profile are printed under "What it would take" (at most four).
HINTS: list[tuple[str, str]] = [
    (
        r"cache\.py:\d+\((get|_unpack_post|<genexpr>|_stamp)\)",
        "The warm path rebuilds every Post from the cache and stats every file again "
        "(`PostCache.get` + `_unpack_post` per post). Keep per-group results in the cache "
        "(the group's posts, its mix/collision problems) keyed by a stamp of its folder, so "
        "an unchanged group is neither unpacked nor re-checked; reuse the DirEntry stats of "
        "the tree walk instead of a second os.stat per post.",
    ),
    (
        r"cache\.py:\d+\((_read|__init__)\)|marshal\.loads",
        "Reading the single cache file unmarshals every entry: split it per group (or per "
        "folder) and read only what the command needs.",
    ),
    (
        r"cache\.py:\d+\(body\)",
        "Post bodies are read from disk for every post shown (CachedPost.body): keep the "
        "short things derived from the body (headline, first line) in the cache.",
    ),
    (
        r"(rules|mix)\.py:\d+\((check|check_group|check_collisions|check_mix|_mix\w*|evaluate|_rule|_runs)\)",
        "Repository-wide rules (mix per month, collisions) run over every post: cache their "
        "result per group and month and rerun them only where a post changed.",
    ),
    (
        r"decide\.py:\d+\(actions\)|states\.py:\d+\(standing\)",
        "`decide.actions` visits every (post, account) pair even when nothing is due: sort posts by "
        "UTC once (or keep them sorted in the cache) and stop at the first post after "
        "`now`; skip pairs whose ledger record is final without building an Action.",
    ),
    (
        r"model\.py:\d+\((id|ts|utc|line)\)",
        "Post properties (`id`, `ts`, `utc`) are recomputed hundreds of thousands of times: "
        "compute them once at load (fields, or functools.cached_property).",
    ),
    (
        r"gitstore\.py:\d+\(tree_blobs\)",
        "`git ls-tree -r` of the whole content tree and a dict of every blob: with nothing "
        "due, look up only the due posts (`git ls-tree main -- <paths>`) or cache the "
        "listing keyed by the commit id.",
    ),
    (
        r"views\.py:\d+\((_width|_cut|<genexpr>)\)",
        "`views._cut` recomputes the display width of the whole prefix for every "
        "character it tries (quadratic in the text's length): accumulate widths in one "
        "pass, and cut before measuring (a headline is at most ~40 columns).",
    ),
    (
        r"month\.py:\d+\((build|planned)\)|headline\.py:\d+\(headline\)",
        "`month.build` scans all posts for every group and renders each post's Markdown for "
        "its headline: index posts by (group, month) once, and cache headlines.",
    ),
    (
        r"render\.py:\d+\((rich|to_html|plain)\)|platforms/base\.py:\d+\(render\)",
        "Markdown rendering (markdown-it-py, pure Python) is a large share: parse each body "
        "once and share it between platforms, enable only the rules the renderers use "
        "(`MarkdownIt('zero').enable([...])`), take a fast path for bodies without Markdown "
        "syntax, and render only what is shown (plan, site) or cache it by the post's sha256.",
    ),
    (
        r"text/count\.py",
        "Counting graphemes (`regex` \\X) for every limit: a text of at most `limit` code "
        "points has at most `limit` graphemes, so count only texts longer than the limit.",
    ),
    (
        r"posts\.py:\d+\(load_post\)|yamlread\.py",
        "Front matter: already composed by libyaml, the rest is Python-side conversion of "
        "nodes with line numbers; a fast path for the flat keys posts use (date, type, "
        "platforms, status, a media list) would skip the node walk for most files.",
    ),
    (
        r"status\.py:\d+\((rows|_row|row)\)",
        "`status.rows` builds a row for every (post, account) of the repository although "
        "one month is shown: filter to the month (plus the next 7 days) before building rows.",
    ),
    (
        r"repo\.py:\d+\((post_files|_walk|<lambda>)\)",
        "`repo.load`'s own work (walk, job list, final sort of every post) is linear in the "
        "repository: with a per-group cache the walk could stop at folder mtimes.",
    ),
    (
        r"cache\.py:\d+\(put\)",
        "`PostCache.put` packs every post even when the cache is off (SMMFLOW_NO_CACHE=1) "
        "and will not be saved: skip it then, or pack lazily in `save()`.",
    ),
    (
        r"media\.py:\d+\((media_list|_media_file|_regular_file)\)",
        "Media checks resolve and stat each file per post (the same media/photo.png about "
        "200 times per group): memoise the checked path per group folder.",
    ),
    (
        r"branch\.py:\d+\((transact|_commit_batch|_commit_rounds)\)|gitstore\.py:\d+\((commit|run|proc|swap)\)",
        "Every claim and every record is a git commit made by 4-5 `git` processes "
        "(read-tree, update-index, write-tree, commit-tree, update-ref), serialised by the "
        "ledger lock, and each account waits for two of them per post: write tree and commit "
        "objects in-process (gitdb, already used for blobs) and move the ref with a lock "
        "file, and put the record of one post and the claim of the account's next post in "
        "the same commit, so one commit (not two) stands between two requests.",
    ),
    (
        r"engine\.py:\d+\((_publish|_run_queue)\)|claims\.py:\d+\((claim|record)\)",
        "Within an account the request for the next post waits until the previous record is "
        "committed: record asynchronously (a writer thread draining a queue, the claim of "
        "the next post in the same commit) so the network, not the ledger, paces an account.",
    ),
]

# The same for memory: (pattern on "file:line source" of an allocation site, suggestion).
MEMORY_HINTS: list[tuple[str, str]] = [
    (
        r"marshal\.loads",
        "The whole cache file is unmarshalled at once and kept while the posts built from it "
        "live: drop each entry once unpacked (or split the cache per group and read one "
        "group at a time), and intern/share the repeated strings and tuples.",
    ),
    (
        r"__dict__\.update|CachedPost\.__new__|cache\.py:\d+ .*(Media|fromtimestamp)",
        "Each cached post is a full object with its own `__dict__`, datetime and Media "
        "tuple: `__slots__` on Post/CachedPost (and a timestamp instead of a datetime until "
        "needed) roughly halves the per-post size.",
    ),
    (
        r"marshal\.dump",
        "The cache is re-written whole after any change, which serialises every entry into "
        "one more in-memory copy: write per-group files, only those that changed.",
    ),
    (
        r"status\.py",
        "`status.rows` materialises a row (strings, formatted dates) for every (post, "
        "account) of the repository: build rows only for the posts the month shows.",
    ),
    (
        r"repo\.py:\d+ .*(append|split)",
        "Per-post path strings and job tuples for all 100,000 files are built before the "
        "cache is asked: walk and look up in one pass, keeping only misses.",
    ),
    (
        r"plan\.py",
        "`plan.build` groups every row by post for all months: keep only the month's.",
    ),
]

PARTS = ("version", "cold", "big", "due", "inbox")
ROW_KEYS = (
    "cold",
    "warm",
    "sync",
    "plan",
    "report",
    "mem-cold",
    "mem-warm",
    "mem-sync",
    "mem-plan",
    "version",
    "due",
    "inbox-unanswered",
    "inbox-fetch",
)


class BenchError(Exception):
    pass


_T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[{time.monotonic() - _T0:5.0f} s] {msg}", file=sys.stderr, flush=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of every child: no smmflow, GitHub or git settings from outside."""
    drop = ("SMMFLOW_", "GITHUB_", "GH_", "GIT_")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(drop) and k not in ("SOURCE_DATE_EPOCH", "CI")
    }
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def git(cwd: pathlib.Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=clean_env(**IDENTITY))
    if proc.returncode not in ok:
        raise BenchError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_mb(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f} MB"


def shown(cmd: list[str]) -> str:
    """A command as a reader would type it: `python` for this interpreter, paths shortened."""
    out = []
    for part in cmd:
        if part == sys.executable:
            part = "python"
        elif "\n" in part:
            part = "<script>"
        out.append(part if re.fullmatch(r"[\w./:=+-]+", part) else repr(part))
    return " ".join(out)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def memory_total() -> str:
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


# -- memory of a process tree (Linux) ----------------------------------------------------
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        ppid = int(data.rpartition(b")")[2].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb(pid: int) -> float:
    kids, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo.extend(kids.get(p, ()))
    return total / 1024


def run_sampled(
    cmd: list[str], *, stdout: pathlib.Path, stderr: pathlib.Path, env: dict, cwd: pathlib.Path
) -> tuple[cvh.Run, float | None]:
    """Like check_vs_hugo.run_child, also sampling the whole process tree's PSS (worker
    processes included) every 0.2 s; returns the run and the largest sum seen."""
    if not os.path.exists("/proc/self/smaps_rollup") or not hasattr(os, "wait4"):
        return cvh.run_child(cmd, stdout=stdout, stderr=stderr, env=env, cwd=cwd), None
    peak = [0.0]
    stop = threading.Event()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)

        def sample() -> None:
            while not stop.wait(0.2):
                peak[0] = max(peak[0], tree_pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return cvh.Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, proc.returncode), peak[0]


# -- results -----------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    workload: str
    measured: str = "not run"
    baseline: str = "–"
    ratio: float | None = None
    limit: float = 1.0
    target: str = ""
    met: bool | None = None
    value: float | None = None
    floor: float | None = None  # the row's floor, measured in the same run (issue #19)

    @property
    def floor_ratio(self) -> str:
        if self.floor is None or self.value is None or self.floor <= 0:
            return "–"
        return f"{self.value / self.floor:.2f}"

    @property
    def result(self) -> str:
        return {True: "met", False: "**MISSED**", None: "not measured"}[self.met]


@dataclass
class Profile:
    kind: str  # cprofile | memory | importtime | timeline
    command: str
    text: str  # Markdown
    names: list[str] = field(default_factory=list)  # function names, for HINTS
    skipped: str = ""


@dataclass
class Bench:
    args: argparse.Namespace
    sizes: Sizes
    tmp: pathlib.Path
    rows: dict[str, Row] = field(default_factory=dict)
    details: dict[str, list[str]] = field(default_factory=dict)  # key -> Markdown lines
    profiles: dict[str, Profile] = field(default_factory=dict)
    floors: dict[str, tuple[float, str]] = field(default_factory=dict)  # name -> (s, command)
    notes: list[str] = field(default_factory=list)
    commands: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    load_start: str = field(default_factory=load_average)
    base: list[str] = field(default_factory=list)
    hugo: str | None = None
    comparison: cvh.Comparison | None = None
    tools: dict[str, cvh.Tool] = field(default_factory=dict)
    cold100k: tuple[cvh.Run, float | None] | None = None
    due_info: dict = field(default_factory=dict)
    inbox_info: dict = field(default_factory=dict)
    big: pathlib.Path | None = None
    cold_corpus: pathlib.Path | None = None
    due_repo: pathlib.Path | None = None
    receiver: LatencyReceiver | None = None
    changed: list[str] = field(default_factory=list)
    parts: set[str] = field(default_factory=lambda: set(PARTS))
    loads: dict[str, float] = field(default_factory=dict)  # command -> 1-min load at start

    def note_load(self, what: str) -> None:
        try:
            self.loads[what] = os.getloadavg()[0]
        except OSError:
            pass

    def __post_init__(self) -> None:
        (self.tmp / "logs").mkdir(parents=True, exist_ok=True)
        self.base = cvh.smmflow_cmd()[0]
        s = self.sizes
        labels = {
            "cold": f"cold `smmflow check`, {s.cold_posts:,} posts, {s.groups} groups",
            "warm": f"warm `smmflow check`, {s.big_posts:,} posts, one post changed",
            "sync": f"`smmflow sync`, {s.big_posts:,} posts, nothing due",
            "plan": f"`smmflow plan --month`, {s.big_posts:,} posts",
            "report": f"`smmflow report --month`, {s.big_posts:,} posts, one report per group",
            "mem-cold": f"peak memory: cold `smmflow check`, {s.big_posts:,} posts",
            "mem-warm": f"peak memory: warm `smmflow check`, {s.big_posts:,} posts",
            "mem-sync": f"peak memory: `smmflow sync`, {s.big_posts:,} posts",
            "mem-plan": f"peak memory: `smmflow plan --month`, {s.big_posts:,} posts",
            "version": "`smmflow --version`",
            "due": f"{s.due_posts:,} due posts over {s.due_accounts} accounts, "
            f"{s.latency * 1000:.0f} ms latency",
            "inbox-unanswered": f"`smmflow inbox --unanswered`, {s.inbox_items:,} items in the store",
            "inbox-fetch": f"inbox fetch, 5 groups × 5 accounts × 100 new items, "
            f"{s.latency * 1000:.0f} ms latency",
        }
        targets = {
            "cold": f"≤ {COLD_RATIO} × Hugo",
            "warm": f"≤ {WARM_S} s",
            "sync": f"≤ {SYNC_S} s",
            "plan": f"≤ {PLAN_S:g} s",
            "report": f"≤ {REPORT_S:g} s",
            "version": f"≤ {VERSION_S} s",
            "due": f"≤ {DUE_RATIO} × ideal",
            "inbox-unanswered": f"≤ {inbox_bench.UNANSWERED_S} s",
            "inbox-fetch": f"≤ {inbox_bench.FETCH_RATIO} × ideal",
        }
        for key in ROW_KEYS:
            self.rows[key] = Row(
                key,
                labels[key],
                target=targets.get(key, f"≤ {MEM_MB:.0f} MB"),
                limit=DUE_RATIO if key in ("due", "inbox-fetch") else 1.0,
            )

    # -- running children ----------------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def child(
        self,
        cmd: list[str],
        label: str,
        *,
        cwd: pathlib.Path | None = None,
        env: dict[str, str] | None = None,
        ok: tuple[int, ...] = (0,),
    ) -> cvh.Run:
        slug = re.sub(r"[^\w]+", "-", label).strip("-")[:60]
        out, err = self.tmp / "logs" / f"{slug}.out", self.tmp / "logs" / f"{slug}.err"
        run = cvh.run_child(cmd, stdout=out, stderr=err, env=env or clean_env(), cwd=cwd)
        self.check_rc(run, label, out, err, ok)
        return run

    def check_rc(
        self, run: cvh.Run, label: str, out: pathlib.Path, err: pathlib.Path, ok: tuple[int, ...]
    ) -> None:
        text = err.read_text(encoding="utf-8", errors="replace")
        if run.rc not in ok or "Traceback (most recent call last)" in text:
            raise BenchError(
                f"{label}: exited {run.rc} (expected {ok})\n{cvh.tail(out)}\n{cvh.tail(err)}"
            )

    def times(
        self,
        cmd: list[str],
        label: str,
        n: int,
        *,
        before: Callable[[int], None] | None = None,
        warmup: bool = True,
        **kw,
    ) -> cvh.Tool:
        """One untimed run (OS cache, .pyc, smmflow's cache), then n timed ones."""
        if warmup:
            self.child(cmd, label + " (warm-up)", **kw)
        tool = cvh.Tool(label)
        for i in range(n):
            if before:
                before(i)
            tool.runs.append(self.child(cmd, label, **kw))
        walls = ", ".join(f"{w:.3f}" for w in tool.walls())
        log(f"  {label}: median {tool.median():.3f} s ({walls}), {tool.peak_rss():.0f} MB")
        return tool

    # -- workloads -----------------------------------------------------------------------
    def run_floors(self) -> None:
        log("floors: python start-up, import smmflow.cli, smmflow --version (interleaved)")
        self.note_load("--version")
        py = sys.executable
        version_cmd = console_script()
        n = 5 if self.args.quick else 10
        cmds = {
            "pass": ([py, "-c", "pass"], "python -c pass"),
            "import": ([py, "-c", "import smmflow.cli"], "import smmflow.cli"),
            "version": ([*version_cmd, "--version"], "--version"),
        }
        for key, (cmd, label) in cmds.items():
            self.child(cmd, label + " (warm-up)")
            self.tools[key] = cvh.Tool(label)
        for _ in range(n):  # interleaved, so that the three share the machine's noise
            for key, (cmd, label) in cmds.items():
                self.tools[key].runs.append(self.child(cmd, label))
        for key in cmds:
            t = self.tools[key]
            log(f"  {t.name}: median {t.median():.3f} s, min {t.min():.3f} s")
        tool = self.tools["version"]
        self.floors["python -c pass"] = (self.tools["pass"].median(), "python -c pass")
        self.floors["import smmflow.cli"] = (
            self.tools["import"].median(),
            'python -c "import smmflow.cli"',
        )
        where = "the console script" if version_cmd[0] != py else "python -m smmflow"
        self.commands.append(
            (
                "--version",
                f"`smmflow --version` ({where} {version_cmd[0]}), {n} timed runs after 1 "
                "untimed, interleaved with the two floors",
            )
        )
        row = self.rows["version"]
        row.value = tool.median()
        row.measured = fmt_s(tool.median())
        row.baseline = (
            f"target {VERSION_S} s; floor `python -c pass` {fmt_s(self.tools['pass'].median())}"
        )
        row.ratio = tool.median() / VERSION_S
        row.met = row.ratio <= 1.0

    def run_cold(self) -> None:
        s = self.sizes
        log(f"cold check vs Hugo: {s.cold_posts} posts, {s.groups} groups (load {load_average()})")
        self.note_load("cold check")
        corpus = self.tmp / "cold"
        cvh.make_corpus(self.args.corpus_script, corpus, s.cold_posts, s.groups)
        self.cold_corpus = corpus
        try:
            self.hugo = cvh.find_hugo(self.args.hugo)
        except SystemExit as exc:
            self.notes.append(f"cold check not compared: {exc}")
            self.rows["cold"].measured = "hugo missing"
            return
        site = self.tmp / "cold-hugo"
        n_posts = cvh.make_hugo_site(corpus, site)
        work = self.tmp / "cold-work"
        work.mkdir()
        c = cvh.compare(
            corpus, site, work, self.hugo, s.groups, n_posts, self.args.repeat, clean_env()
        )
        if n_posts != s.cold_posts:
            c.problems.insert(0, f"corpus has {n_posts} posts, expected {s.cold_posts}")
        self.comparison = c
        row = self.rows["cold"]
        row.value = c.smm.median()
        row.measured = fmt_s(c.smm.median())
        row.baseline = f"Hugo {fmt_s(c.hugo.median())}"
        row.ratio = c.ratio
        row.met = c.met
        self.commands.append(
            (
                "cold check",
                f"`{c.smm_shown}` with SMMFLOW_NO_CACHE=1 vs `{c.hugo_shown}`, alternating, "
                f"{c.repeat} timed runs each after 1 untimed",
            )
        )

    def make_big(self) -> None:
        s = self.sizes
        big = self.tmp / "big"
        log(f"corpus: {s.big_posts} posts, {s.groups} groups, one commit on main")
        t0 = time.perf_counter()
        cvh.make_corpus(self.args.corpus_script, big, s.big_posts, s.groups)
        t1 = time.perf_counter()
        git(big, "init", "-q", "-b", "main")
        git(big, "add", "-A")
        git(big, "commit", "-q", "-m", "corpus")
        t2 = time.perf_counter()
        self.big = big
        self.notes.append(
            f"Setup (untimed for the targets): make_corpus.py {s.big_posts:,} posts "
            f"{t1 - t0:.1f} s; git init + add + commit {t2 - t1:.1f} s."
        )

    def run_big_floors(self) -> None:
        big = self.big
        assert big is not None
        py = sys.executable
        walk = self.times([py, "-c", WALK, str(big / "content")], "walk+stat content", 3)
        self.tools["walk"] = walk
        self.floors[f"walk + stat {self.sizes.big_posts:,} posts"] = (
            walk.median(),
            "python -c '<os.scandir walk, DirEntry.stat() per .md>' content/",
        )
        lsfiles = [py, "-c", LS_FILES]
        self.tools["ls-files"] = tool = self.times(lsfiles, "python + git ls-files -s", 3, cwd=big)
        self.floors[f"python start + `git ls-files -s` of {self.sizes.big_posts:,} posts"] = (
            tool.median(),
            "python -c '<subprocess.run git ls-files -s -z>'",
        )
        lstree = ["git", "ls-tree", "-r", "-z", "--full-tree", "main", "--", "content"]
        self.tools["ls-tree"] = tool = self.times(lstree, "git ls-tree content", 3, cwd=big)
        self.floors["git ls-tree -r main -- content"] = (tool.median(), " ".join(lstree))

    def run_cold_big(self) -> None:
        big = self.big
        assert big is not None
        log(f"cold check {self.sizes.big_posts} posts (fills the cache; load {load_average()})")
        self.note_load("cold check (memory)")
        cmd = [*self.base, "check"]
        out, err = self.tmp / "logs" / "cold-big.out", self.tmp / "logs" / "cold-big.err"
        run, tree = run_sampled(cmd, stdout=out, stderr=err, env=clean_env(), cwd=big)
        self.check_rc(run, "cold check (big)", out, err, (0, 1))
        log(f"  cold check: {run.wall:.1f} s, {run.maxrss_mb:.0f} MB largest process, tree {tree}")
        self.cold100k = (run, tree)
        row = self.rows["mem-cold"]
        peak = max(run.maxrss_mb, tree or 0.0)
        row.value = peak
        row.measured = fmt_mb(peak)
        row.baseline = self.mem_baseline()
        row.ratio = peak / MEM_MB
        if "import" in self.tools:
            row.floor = self.tools["import"].peak_rss()
        row.met = row.ratio <= 1.0
        self.commands.append(
            (
                "cold check (memory)",
                f"`{shown(cmd)}` in the {self.sizes.big_posts:,}-post corpus, empty cache: "
                "largest single process (os.wait4 ru_maxrss) and, sampled every 0.2 s, the "
                "sum of PSS over the process and its workers; the larger counts",
            )
        )

    def mem_baseline(self) -> str:
        imp = self.tools.get("import")
        floor = f"; floor `import smmflow.cli` {fmt_mb(imp.peak_rss())}" if imp else ""
        return f"target {MEM_MB:.0f} MB{floor}"

    def run_warm(self) -> None:
        big = self.big
        assert big is not None
        log(f"warm check {self.sizes.big_posts} posts, one changed (load {load_average()})")
        self.note_load("warm check")
        groups = sorted(p.name for p in (big / "content").iterdir() if p.is_dir())
        self.changed = []
        for i in range(self.args.repeat):
            folder = big / "content" / groups[i % len(groups)]
            posts = sorted(p.name for p in folder.iterdir() if p.name.endswith(".md"))
            self.changed.append(f"content/{folder.name}/{posts[i // len(groups) + 1]}")

        def change(i: int) -> None:
            with open(big / self.changed[i], "a", encoding="utf-8") as handle:
                handle.write("word\n")

        cmd = [*self.base, "check"]
        tool = self.times(cmd, "warm check", self.args.repeat, before=change, cwd=big, ok=(0, 1))
        git(big, "checkout", "--", *self.changed)  # back to what is committed
        self.tools["warm"] = tool
        self.fixed_row("warm", tool, WARM_S)
        self.memory_row("mem-warm", tool)
        self.commands.append(
            (
                "warm check",
                f"`{shown(cmd)}` in the corpus after one untimed run that filled the cache; "
                f"before each of {self.args.repeat} timed runs `word` is appended to a "
                "different post (e.g. " + self.changed[0] + ")",
            )
        )

    def run_sync(self) -> None:
        big = self.big
        assert big is not None
        log(f"sync {self.sizes.big_posts} posts, nothing due (load {load_average()})")
        self.note_load("sync")
        cmd = [*self.base, "sync", "--now", SYNC_NOW]
        # exit 1: the corpus holds a few posts with errors (times in a DST fold), skipped
        tool = self.times(cmd, "sync nothing due", self.args.repeat, cwd=big, ok=(0, 1))
        err = (self.tmp / "logs" / "sync-nothing-due.err").read_text(errors="replace")
        if "nothing due" not in err:
            self.notes.append("sync printed no `nothing due`: " + err.strip()[-200:])
        if git(big, "rev-parse", "--verify", "--quiet", "smmflow/ledger", ok=(0, 1)).strip():
            self.notes.append("sync with nothing due created a ledger branch")
        self.tools["sync"] = tool
        self.fixed_row("sync", tool, SYNC_S)
        self.memory_row("mem-sync", tool)
        self.commands.append(
            (
                "sync",
                f"`{shown(cmd)}` in the corpus (git repository, everything committed on main, "
                f"every post dated 2026: nothing due), 1 untimed + {self.args.repeat} timed runs",
            )
        )

    def run_plan(self) -> None:
        big = self.big
        assert big is not None
        log(f"plan {self.sizes.big_posts} posts (load {load_average()})")
        self.note_load("plan")
        cmd = [*self.base, "plan", "--month", PLAN_MONTH]
        tool = self.times(cmd, "plan month", self.args.repeat, cwd=big)
        self.tools["plan"] = tool
        self.fixed_row("plan", tool, PLAN_S)
        self.memory_row("mem-plan", tool)
        self.commands.append(
            (
                "plan",
                f"`{shown(cmd)}` in the corpus (warm cache, real clock as now), "
                f"1 untimed + {self.args.repeat} timed runs",
            )
        )

    def run_report(self) -> None:
        big = self.big
        assert big is not None
        log(f"report {self.sizes.big_posts} posts (load {load_average()})")
        self.note_load("report")
        out = self.tmp / "reports"
        cmd = [*self.base, "report", "--month", PLAN_MONTH, "--out", str(out), "--now", DUE_NOW]
        # exit 1: the corpus's group files have account errors; each report is still made
        tool = self.times(cmd, "report month", self.args.repeat, cwd=big, ok=(0, 1))
        made = sorted(out.glob(f"*-{PLAN_MONTH}.html"))
        if len(made) != self.sizes.groups:
            self.notes.append(f"report wrote {len(made)} reports, not {self.sizes.groups}")
        self.tools["report"] = tool
        self.fixed_row("report", tool, REPORT_S)
        self.commands.append(
            (
                "report",
                f"`{shown(cmd)}` in the corpus (warm cache; no ledger, metrics or GitHub: the "
                f"plan side of every group's month), 1 untimed + {self.args.repeat} timed runs",
            )
        )

    def fixed_row(self, key: str, tool: cvh.Tool, target: float) -> None:
        row = self.rows[key]
        row.value = tool.median()
        row.measured = fmt_s(tool.median())
        parts = [f"target {target:g} s"]
        if "import" in self.tools:
            parts.append(f"floor: import {fmt_s(self.tools['import'].median())}")
        if "walk" in self.tools:
            parts.append(f"walk {fmt_s(self.tools['walk'].median())}")
        if "ls-files" in self.tools:
            row.floor = self.tools["ls-files"].median()
            parts.append(f"python + ls-files {fmt_s(row.floor)}")
        row.baseline = "; ".join(parts)
        row.ratio = tool.median() / target
        row.met = row.ratio <= 1.0

    def memory_row(self, key: str, tool: cvh.Tool) -> None:
        row = self.rows[key]
        row.value = tool.peak_rss()
        row.measured = fmt_mb(tool.peak_rss())
        row.baseline = self.mem_baseline()
        row.ratio = tool.peak_rss() / MEM_MB
        if "import" in self.tools:
            row.floor = self.tools["import"].peak_rss()
        row.met = row.ratio <= 1.0

    # -- due posts over a slow server ------------------------------------------------------
    def make_due_repo(self, receiver: LatencyReceiver) -> dict[str, list[str]]:
        """Groups of webhook accounts, posts due within the last day; returns, per account
        ("group/account"), the post ids in the order smmflow must send them."""
        s = self.sizes
        if s.due_posts % s.due_accounts:
            raise BenchError("due posts must divide evenly over the accounts")
        repo = self.tmp / "due"
        n_groups = 4 if s.due_accounts % 4 == 0 else 1
        per_group = s.due_accounts // n_groups
        per_account = s.due_posts // s.due_accounts
        expected: dict[str, list[str]] = {}
        start = dt.datetime.fromisoformat(DUE_DAY)
        for g in range(n_groups):
            gid = f"bench-{g + 1:02d}"
            names = [f"hook-{k + 1:02d}" for k in range(per_group)]
            accounts = "\n".join(
                f"  {name}: {{platform: webhook, url: {receiver.url(gid, name)}}}" for name in names
            )
            (repo / "schedules").mkdir(parents=True, exist_ok=True)
            (repo / "schedules" / f"{gid}.yml").write_text(
                f"name: Bench {g + 1:02d}\ntimezone: UTC\n"
                'slots: ["mon 10:00", "wed 18:30", "fri 12:00"]\n'
                f"max_delay: 24h\naccounts:\n{accounts}\n",
                encoding="utf-8",
            )
            folder = repo / "content" / gid
            folder.mkdir(parents=True, exist_ok=True)
            for k, name in enumerate(names):
                ids = expected.setdefault(f"{gid}/{name}", [])
                for n in range(per_account):
                    when = start + dt.timedelta(minutes=n * per_group + k)
                    stem = f"{DUE_DAY}-{name}-{n:03d}"
                    (folder / f"{stem}.md").write_text(
                        f"---\ndate: {when:%Y-%m-%d %H:%M}\ntype: informative\n"
                        f"platforms: [{name}]\n---\n"
                        f"Post {n} for **{name}**: fresh bread today, "
                        f"[details](https://example.ro/{gid}/{n}).\n\n#bench\n",
                        encoding="utf-8",
                    )
                    ids.append(f"{gid}/{stem}")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "due posts")
        self.due_repo = repo
        return expected

    def reset_due(self) -> None:
        """Forget every record: the ledger branch and smmflow's state files (not its cache)."""
        repo = self.due_repo
        assert repo is not None and self.receiver is not None
        git(repo, "update-ref", "-d", "refs/heads/smmflow/ledger", ok=(0, 1))
        state = repo / ".git" / "smmflow"
        for path in state.iterdir() if state.is_dir() else ():
            if path.name != "cache":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        shutil.rmtree(repo / "public", ignore_errors=True)
        self.receiver.reset()

    def verify_due(self, expected: dict[str, list[str]], t_start: float, wall: float) -> dict:
        rec = self.receiver
        assert rec is not None
        problems = []
        arrivals = list(rec.arrivals)
        want = sum(len(v) for v in expected.values())
        if len(arrivals) != want:
            problems.append(f"{len(arrivals)} deliveries, expected exactly {want}")
        if rec.duplicates:
            problems.append(f"{rec.duplicates} repeated idempotency keys")
        by_account: dict[str, list] = {}
        for a in sorted(arrivals, key=lambda a: a.at):
            by_account.setdefault(a.account, []).append(a)
        for account, ids in expected.items():
            got = [a.post for a in by_account.get(account, [])]
            if got != ids:
                if sorted(got) != sorted(ids):
                    problems.append(f"{account}: received {len(got)} posts, not its {len(ids)}")
                else:
                    problems.append(f"{account}: posts arrived out of date order")
        if set(by_account) - set(expected):
            problems.append(
                f"requests to unknown accounts: {sorted(set(by_account) - set(expected))}"
            )
        crowded = {a: n for a, n in rec.max_in_flight.items() if n > 1}
        if crowded:
            problems.append(f"several requests in flight at once on {len(crowded)} account(s)")
        gaps = []
        for items in by_account.values():
            gaps += [b.at - a.at for a, b in zip(items, items[1:], strict=False)]
        first = min((a.at for a in arrivals), default=t_start) - t_start
        last = max((a.at for a in arrivals), default=t_start) - t_start
        return {
            "problems": problems,
            "first": first,
            "tail": wall - last - self.sizes.latency,
            "gap": statistics.median(gaps) if gaps else float("nan"),
            "gap_max": max(gaps) if gaps else float("nan"),
            "in_flight": max(rec.max_in_flight.values(), default=0),
        }

    def run_due(self) -> None:
        s = self.sizes
        log(
            f"due posts: {s.due_posts} over {s.due_accounts} accounts, "
            f"{s.latency * 1000:.0f} ms latency (load {load_average()})"
        )
        self.note_load("due posts")
        self.receiver = LatencyReceiver(s.latency).start()
        expected = self.make_due_repo(self.receiver)
        repo = self.due_repo
        assert repo is not None
        cmd = [*self.base, "sync", "--now", DUE_NOW]
        tool = cvh.Tool("due sync")
        checks = []
        for i in range(self.args.repeat + 1):  # run 0 is the untimed warm-up
            self.reset_due()
            t_start = time.perf_counter()
            run = self.child(cmd, "due sync", cwd=repo)
            info = self.verify_due(expected, t_start, run.wall)
            err = (self.tmp / "logs" / "due-sync.err").read_text(errors="replace")
            if f"sync: {s.due_posts} published" not in err:
                info["problems"].append("sync did not report every post published: " + err[-200:])
            log(
                f"  due sync run {i}: {run.wall:.3f} s, first request after {info['first']:.3f} s, "
                f"median gap {info['gap']:.3f} s, problems: {info['problems'] or 'none'}"
            )
            if i:
                tool.runs.append(run)
                checks.append(info)
        self.tools["due"] = tool
        ideal = (s.due_posts // s.due_accounts) * s.latency
        urls = [self.receiver.url(*acc.split("/")) for acc in expected]
        self.receiver.reset()
        raw = self.child(
            [sys.executable, "-c", RAW_CLIENT, str(s.due_posts // s.due_accounts), *urls],
            "raw requests client",
        )
        self.floors[f"bare `requests` client, same traffic ({s.due_accounts} threads)"] = (
            raw.wall,
            "python -c '<one requests.Session per account, sequential POSTs, one thread each>'",
        )
        self.receiver.reset()
        problems = sorted({p for info in checks for p in info["problems"]})
        self.due_info = {
            "ideal": ideal,
            "raw": raw.wall,
            "checks": checks,
            "problems": problems,
            "first": statistics.median(c["first"] for c in checks),
            "tail": statistics.median(c["tail"] for c in checks),
            "gap": statistics.median(c["gap"] for c in checks),
            "gap_max": max(c["gap_max"] for c in checks),
            "in_flight": max(c["in_flight"] for c in checks),
        }
        row = self.rows["due"]
        row.value = tool.median()
        row.measured = fmt_s(tool.median())
        row.baseline = f"ideal {fmt_s(ideal)}; floor: bare client {fmt_s(raw.wall)}"
        row.ratio = tool.median() / ideal
        row.floor = raw.wall
        row.met = row.ratio <= DUE_RATIO and not problems
        self.commands.append(
            (
                "due posts",
                f"`{shown(cmd)}` in a repository of {s.due_accounts} webhook accounts "
                f"({s.due_posts // s.due_accounts} posts each, all due, committed on main), "
                f"loopback server answering each request after {s.latency * 1000:.0f} ms; "
                f"ledger reset before each of 1 untimed + {self.args.repeat} timed runs",
            )
        )

    def run_inbox(self) -> None:
        """Issue #14's two inbox workloads (bench/inbox.py does the work)."""
        s, repeat = self.sizes, self.args.repeat
        log(f"inbox: {s.inbox_items:,} items, then 25 accounts (load {load_average()})")
        self.note_load("inbox --unanswered")
        u = inbox_bench.measure_unanswered(self.tmp, s.inbox_items, repeat)
        row = self.rows["inbox-unanswered"]
        row.value = u["median"]
        row.measured = fmt_s(u["median"])
        row.baseline = (
            f"target {inbox_bench.UNANSWERED_S} s; floor: import {fmt_s(u['floor'])}; "
            f"its own work {fmt_s(u['inside'])}"
        )
        row.ratio = u["median"] / inbox_bench.UNANSWERED_S
        row.met = u["median"] <= inbox_bench.UNANSWERED_S
        self.inbox_info["unanswered"] = u
        self.note_load("inbox fetch")
        f = inbox_bench.measure_fetch(self.tmp, s.latency, repeat)
        row = self.rows["inbox-fetch"]
        row.value = f["median"]
        row.measured = fmt_s(f["median"])
        row.baseline = f"ideal {fmt_s(f['ideal'])}; floor: bare client {fmt_s(f['floor'])}"
        row.ratio = f["ratio"]
        row.met = f["ratio"] <= inbox_bench.FETCH_RATIO
        self.inbox_info["fetch"] = f
        self.commands.append(("inbox --unanswered", f"`{u['command']}` in a repository of 5 groups "
                              f"whose store holds {s.inbox_items:,} items (2% unanswered questions), "
                              f"1 untimed + {repeat} timed runs"))  # fmt: skip
        self.commands.append(("inbox fetch", f"`{f['command']}` with an empty store (no cursors) "
                              "in a repository of 5 groups × 5 Mastodon accounts, each with one post "
                              "on the ledger and 100 new mentions on a loopback server answering "
                              f"each request after {s.latency * 1000:.0f} ms; 1 untimed + {repeat} "
                              "timed runs"))  # fmt: skip

    # -- profiles of the misses ------------------------------------------------------------
    def budget_ok(self, estimate: float, what: str) -> bool:
        if self.elapsed() + estimate <= self.args.budget:
            return True
        self.profiles[what] = Profile(
            "skipped",
            "",
            "",
            skipped=f"not profiled: it would take about {estimate:.0f} s and the run has "
            f"used {self.elapsed():.0f} s of its {self.args.budget:.0f} s budget",
        )
        return False

    def cprofile(
        self, key: str, args: list[str], cwd: pathlib.Path, env: dict, estimate: float
    ) -> None:
        if not self.budget_ok(estimate, key):
            return
        out = self.tmp / f"{key}.pstats"
        cmd = [sys.executable, str(HERE / "profile_cli.py"), str(out), "--", *args]
        log(f"profiling {key}: {shown(cmd[2:])}")
        run = self.child(cmd, f"profile {key}", cwd=cwd, env=env, ok=(0, 1, 3))
        text, names = hotspots(out)
        extra = {k: v for k, v in env.items() if k.startswith("SMMFLOW_")}
        prefix = " ".join(f"{k}={v}" for k, v in extra.items())
        command = (
            f"{prefix + ' ' if prefix else ''}python bench/profile_cli.py OUT -- {' '.join(args)}"
        )
        intro = f"Under cProfile it took {run.wall:.1f} s."
        if key == "due":
            intro += (
                " Worker threads are profiled too and their times add up (thread-seconds: "
                "many threads wait at once): a thread blocked on the ledger's lock shows as "
                "self time of `transact`, one waiting for the server as `recv_into`."
            )
        self.profiles[key] = Profile("cprofile", command, intro + "\n\n" + text, names)

    def memprofile(self, key: str, args: list[str], cwd: pathlib.Path, estimate: float) -> None:
        if not self.budget_ok(estimate, key):
            return
        out = self.tmp / f"{key}.json"
        cmd = [sys.executable, str(HERE / "profile_cli.py"), "--memory", str(out), "--", *args]
        log(f"memory profile {key}: {shown(cmd[2:])}")
        self.child(cmd, f"memory {key}", cwd=cwd, ok=(0, 1, 3))
        data = json.loads(out.read_text())
        lines = [
            f"tracemalloc: peak {data['peak_mb']:.0f} MB of Python objects; the snapshot "
            f"nearest the peak holds {data['snapshot_mb']:.0f} MB. Largest allocation sites:",
            "",
            "| MB | blocks | where | source |",
            "|---:|---:|---|---|",
        ]
        names = []
        for item in data["lines"][:10]:
            where = item["where"]
            file, _, line = where.rpartition(":")
            src = linecache.getline(file, int(line)).strip() if line.isdigit() else ""
            names.append(f"{short(where)} {src}")
            src = src.replace("|", "\\|")[:90]
            lines.append(
                f"| {item['mb']:.1f} | {item['blocks']:,} | `{short(where)}` | `{src}` |"
                if src
                else f"| {item['mb']:.1f} | {item['blocks']:,} | `{short(where)}` | |"
            )
        self.profiles[key] = Profile(
            "memory",
            f"python bench/profile_cli.py --memory OUT -- {' '.join(args)}",
            "\n".join(lines),
            names,
        )

    def importtime(self) -> None:
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import smmflow.cli"],
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        entries = []
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if m:
                entries.append((int(m.group(2)), int(m.group(1)), len(m.group(3)), m.group(4)))
        top = sorted(entries, reverse=True)[:14]
        lines = [
            'Largest imports (`python -X importtime -c "import smmflow.cli"`, one untimed '
            "run; cumulative includes what each import pulls in):",
            "",
            "| cumulative ms | self ms | module |",
            "|---:|---:|---|",
        ]
        for cum, self_us, depth, name in top:
            lines.append(
                f"| {cum / 1000:.1f} | {self_us / 1000:.1f} | {'·' * (depth - 1)}`{name}` |"
            )
        self.profiles["version"] = Profile(
            "importtime",
            'python -X importtime -c "import smmflow.cli"',
            "\n".join(lines),
            [name for *_, name in top],
        )

    def profile_misses(self) -> None:
        if self.args.no_profile:
            return
        r = self.rows
        big_env = clean_env()
        if r["version"].met is False:
            self.importtime()
        if r["cold"].met is False and self.cold_corpus is not None:
            est = 3 * (self.comparison.smm.cpu_median() if self.comparison else 30)
            self.cprofile(
                "cold",
                ["check", str(self.cold_corpus)],
                self.tmp,
                clean_env(SMMFLOW_NO_CACHE="1", SMMFLOW_WORKERS="1"),
                est,
            )
        if self.big is not None:
            if r["warm"].met is False:
                path = self.big / self.changed[0]
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write("word\n")
                est = 2 * self.tools["warm"].median()
                self.cprofile("warm", ["check"], self.big, big_env, est)
                git(self.big, "checkout", "--", self.changed[0])
            if r["sync"].met is False:
                est = 2 * self.tools["sync"].median()
                self.cprofile("sync", ["sync", "--now", SYNC_NOW], self.big, big_env, est)
            if r["plan"].met is False:
                est = 3.5 * self.tools["plan"].median()
                self.cprofile("plan", ["plan", "--month", PLAN_MONTH], self.big, big_env, est)
            if r["report"].met is False:
                est = 3.5 * self.tools["report"].median()
                out = str(self.tmp / "reports-profiled")
                cmd = ["report", "--month", PLAN_MONTH, "--out", out, "--now", DUE_NOW]
                self.cprofile("report", cmd, self.big, big_env, est)
            mem = [(k, r[k]) for k in ("mem-warm", "mem-sync", "mem-plan") if r[k].met is False]
            commands = {
                "mem-warm": ["check"],
                "mem-sync": ["sync", "--now", SYNC_NOW],
                "mem-plan": ["plan", "--month", PLAN_MONTH],
            }
            for key, _ in sorted(mem, key=lambda kr: -(kr[1].value or 0)):
                tool = self.tools[key[4:]]
                self.memprofile(key, commands[key], self.big, 8 * tool.median() + 5)
        if r["due"].met is False and self.due_repo is not None and self.receiver is not None:
            self.reset_due()
            self.cprofile(
                "due",
                ["sync", "--now", DUE_NOW],
                self.due_repo,
                clean_env(),
                3 * self.tools["due"].median(),
            )
            self.reset_due()

    # -- the report ------------------------------------------------------------------------
    def table(self) -> str:
        lines = [
            "| workload | measured | baseline | ratio | × floor | target | result |",
            "|---|---:|---|---:|---:|---|---|",
        ]
        for key in ROW_KEYS:
            r = self.rows[key]
            ratio = f"{r.ratio:.2f}" if r.ratio is not None else "–"
            lines.append(
                f"| {r.workload} | {r.measured} | {r.baseline} | {ratio} | {r.floor_ratio} "
                f"| {r.target} | {r.result} |"
            )
        return "\n".join(lines)

    def floors_table(self) -> str:
        lines = ["| floor | median | command |", "|---|---:|---|"]
        for name, (secs, cmd) in self.floors.items():
            lines.append(f"| {name} | {fmt_s(secs)} | `{cmd}` |")
        imp = self.tools.get("import")
        if imp:
            lines.append(
                f"| peak RSS of `import smmflow.cli` | {fmt_mb(imp.peak_rss())} | "
                'python -c "import smmflow.cli" |'
            )
        return "\n".join(lines)

    def explain(self, key: str) -> list[str]:
        """Why a target is met or missed, from this run's own numbers."""
        r = self.rows[key]
        imp = self.tools.get("import")
        walk = self.tools.get("walk")
        start = imp.median() if imp else 0.0
        if r.met is None:
            return [f"Not measured in this run ({r.measured})."]
        out: list[str] = []
        if key == "cold" and self.comparison:
            c = self.comparison
            out.append(
                f"smmflow took {fmt_s(c.smm.median())} ({c.smm.cpu_median():.1f} CPU-s on "
                f"{os.cpu_count()} cores) against Hugo's {fmt_s(c.hugo.median())} "
                f"({c.hugo.cpu_median():.1f} CPU-s): ratio {c.ratio:.2f}. Hugo is compiled Go "
                "and renders every post on every core; smmflow parses the front matter, "
                "renders each post for each of its platforms and checks limits and mix rules, "
                f"in forked workers from {cvh_parallel_from()} posts on."
            )
            if r.met:
                out.append(f"Met, {fmt_s(c.hugo.median() - c.smm.median())} under Hugo.")
            else:
                need = c.smm.median() - c.hugo.median()
                out.append(
                    f"To meet it smmflow must lose {need:.2f} s "
                    f"({need / c.smm.median():.0%} of its time) on this machine; with "
                    f"{os.cpu_count()} cores that is about {need * (os.cpu_count() or 1):.1f} "
                    "CPU-s of per-post work."
                )
        elif key in ("warm", "sync", "plan", "report"):
            target = {"warm": WARM_S, "sync": SYNC_S, "plan": PLAN_S, "report": REPORT_S}[key]
            own = (r.value or 0) - start
            out.append(
                f"Median {fmt_s(r.value)}: Python start-up plus `import smmflow.cli` is "
                f"{fmt_s(start)} of it, walking and stat-ing the {self.sizes.big_posts:,} "
                f"posts alone takes {fmt_s(walk.median() if walk else None)} more (inside "
                f"Python, {walk_inner(self)}); smmflow's own work is the remaining "
                f"{fmt_s(own)}."
            )
            if r.met:
                out.append(f"Met, with {fmt_s(target - (r.value or 0))} to spare.")
            else:
                budget = target - start
                out.append(
                    f"Missed by {fmt_s((r.value or 0) - target)}: smmflow's own part must shrink "
                    f"from {fmt_s(own)} to under {fmt_s(budget)} (the target minus the import "
                    f"floor), about {own / max(budget, 1e-3):.0f}× less — i.e. the command "
                    f"must stop touching every one of the {self.sizes.big_posts:,} posts "
                    "(sublinear in the repository), not just do the same work faster."
                )
        elif key.startswith("mem-"):
            imp_rss = imp.peak_rss() if imp else 0.0
            if key == "mem-cold" and self.cold100k:
                run, tree = self.cold100k
                out.append(
                    f"Cold check of {self.sizes.big_posts:,} posts: {run.wall:.1f} s, largest "
                    f"single process {fmt_mb(run.maxrss_mb)} (the parent, which collects "
                    f"every worker's posts and problems), sum over the process tree "
                    f"{fmt_mb(tree)} (PSS sampled every 0.2 s)."
                )
            holds = {
                "mem-cold": "every post and problem of the repository, built in the workers "
                "and sent back to the parent, plus the cache it writes",
                "mem-warm": "the whole cache file, every post unpacked from it, and the "
                "problems of the repository-wide checks",
                "mem-sync": "the whole cache file, every post unpacked from it, the listing of "
                "the publish branch and the planned actions",
                "mem-plan": "the whole cache file, every post unpacked from it, and a state "
                "row per (post, account) of the repository",
            }[key]
            out.append(
                f"Peak {fmt_mb(r.value)} against {MEM_MB:.0f} MB; importing smmflow costs "
                f"{fmt_mb(imp_rss)}, the rest is what the command holds: {holds}."
            )
            if not r.met:
                out.append(
                    f"Missed by {fmt_mb((r.value or 0) - MEM_MB)}: hold the posts more "
                    "compactly or not all at once (see the allocation sites below)."
                    if key != "mem-cold"
                    else f"Missed by {fmt_mb((r.value or 0) - MEM_MB)}: the parent should not "
                    "keep every worker's posts (fold results into the cache as they arrive and "
                    "keep only problems), and workers should return packed tuples, not objects. "
                    "(Not traced: tracemalloc on a cold check of this size would take minutes; "
                    "the warm check's allocation sites show the same post objects.)"
                )
            else:
                out.append(f"Met, with {fmt_mb(MEM_MB - (r.value or 0))} to spare.")
        elif key == "version":
            pass_s = self.tools["pass"].median()
            out.append(
                f"Median {fmt_s(r.value)}; `python -c pass` alone takes {fmt_s(pass_s)}, so "
                f"smmflow's imports cost {fmt_s((r.value or 0) - pass_s)}."
            )
            out.append(
                "Met." if r.met else "Missed: import less before the command is known (see below)."
            )
        elif key == "due" and self.due_info:
            d = self.due_info
            per = self.sizes.due_posts // self.sizes.due_accounts
            out.append(
                f"Median {fmt_s(r.value)} for {self.sizes.due_posts:,} deliveries; ideal "
                f"{fmt_s(d['ideal'])} ({per} posts per account × "
                f"{self.sizes.latency * 1000:.0f} ms, accounts in parallel); a bare `requests` "
                f"client doing the same traffic took {fmt_s(d['raw'])} "
                f"({d['raw'] / d['ideal']:.2f}× the ideal: Python's own cost of {self.sizes.due_posts:,} requests "
                f"on this machine). Ratio {r.ratio:.2f}; against the bare client "
                f"{(r.value or 0) / d['raw']:.2f}."
            )
            out.append(
                f"Where the time goes (server side, medians over the timed runs): first request "
                f"{fmt_s(d['first'])} after the process started (start-up, loading, ledger); "
                f"between two requests of one account {d['gap'] * 1000:.0f} ms (so "
                f"{(d['gap'] - self.sizes.latency) * 1000:.0f} ms of smmflow per post on top of "
                f"the {self.sizes.latency * 1000:.0f} ms answer: claim, render, record; longest "
                f"gap {d['gap_max'] * 1000:.0f} ms); {fmt_s(d['tail'])} from the last answer "
                "to exit (last record, feed rebuild)."
            )
            out.append(
                "Checked on every run: exactly one delivery per post, each account's posts in "
                f"date order, at most {d['in_flight']} request(s) in flight per account"
                + (": " + "; ".join(d["problems"]) if d["problems"] else ", all as required.")
            )
            if not r.met and r.ratio is not None and r.ratio > DUE_RATIO:
                allowed = DUE_RATIO * d["ideal"]
                room = (allowed - d["first"] - d["tail"]) / per - self.sizes.latency
                if room > 0:
                    out.append(
                        f"Missed: the run must fit in {fmt_s(allowed)}; after start-up "
                        f"({fmt_s(d['first'])}) and the tail ({fmt_s(d['tail'])}) that leaves "
                        f"{room * 1000:.0f} ms of smmflow per post, against "
                        f"{(d['gap'] - self.sizes.latency) * 1000:.0f} ms measured."
                    )
                else:
                    out.append(
                        f"Missed: the run must fit in {fmt_s(allowed)}, and start-up plus "
                        f"the tail ({fmt_s(d['first'] + d['tail'])}) leave no room for "
                        f"{per} posts per account at {self.sizes.latency * 1000:.0f} ms each "
                        "(at these sizes start-up dominates)."
                    )
        out += self.explain_inbox(key)
        return out

    def explain_inbox(self, key: str) -> list[str]:
        if key == "inbox-unanswered" and "unanswered" in self.inbox_info:
            u = self.inbox_info["unanswered"]
            return [
                f"Median {fmt_s(u['median'])} for the whole command (start-up, the groups' "
                f"community files, retention, the query, 200 lines of output) over a store of "
                f"{u['items']:,} items ({u['store_mb']:.0f} MB, filled in {u['fill_s']:.0f} s); "
                f"`import smmflow.cli` alone takes {fmt_s(u['floor'])}, and the command's own "
                f"work (in a process that has imported it) {fmt_s(u['inside'])}. The questions still "
                "open are read in order from a partial index (`items_open`): the store's size "
                "does not enter. " + ("Met." if u["median"] <= inbox_bench.UNANSWERED_S else
                                      "Missed: most of it is Python's start-up on this machine.")
            ]  # fmt: skip
        if key == "inbox-fetch" and "fetch" in self.inbox_info:
            f = self.inbox_info["fetch"]
            return [
                f"Median {fmt_s(f['median'])}; ideal {fmt_s(f['ideal'])}: "
                f"{f['requests_per_account']:.0f} requests per account one after another "
                f"(verify_credentials, the post's context, notification pages of 40 until an "
                f"empty one) × {f['latency'] * 1000:.0f} ms, the 25 accounts in parallel. "
                f"Ratio {f['ratio']:.2f} (start-up and loading included); a bare `requests` "
                f"client doing the same traffic took {fmt_s(f['floor'])} "
                f"({f['floor'] / f['ideal']:.2f}× the ideal: Python's own cost on this machine)."
            ]
        return []

    def hints(self, key: str) -> list[str]:
        prof = self.profiles.get(key)
        if not prof or not prof.names:
            return []
        ranked = []
        for pattern, text in MEMORY_HINTS if prof.kind == "memory" else HINTS:
            hits = [i for i, name in enumerate(prof.names) if re.search(pattern, name)]
            if hits and hits[0] < 20:
                ranked.append((hits[0], text))
        return [text for _, text in sorted(ranked)[:4]]

    def section(self, key: str, title: str) -> list[str]:
        r = self.rows[key]
        out = [f"### {title}: {r.result}", ""]
        for para in self.explain(key):
            out += [para, ""]
        prof = self.profiles.get(key)
        if prof and prof.skipped:
            out += [f"Profile: {prof.skipped}.", ""]
        elif prof:
            out += [f"Profile (`{prof.command}`, untimed):", "", prof.text, ""]
            tips = self.hints(key)
            if tips:
                out += ["What it would take:", ""] + [f"- {t}" for t in tips] + [""]
        return out

    def markdown(self, runtime: float, load_end: str) -> str:
        s = self.sizes
        met = sum(r.met is True for r in self.rows.values())
        measured = sum(r.met is not None for r in self.rows.values())
        cores = os.cpu_count() or 1
        load_note = ""
        try:
            ones = [float(self.load_start.split(" / ")[0]), float(load_end.split(" / ")[0])]
            if max(ones + list(self.loads.values())) > 0.5 * cores:
                load_note = (
                    " The machine was shared with other work (a 1-minute load average above "
                    "half the cores at some point of the run; each command's is listed under "
                    "Commands): wall times are noisier and likely higher than on an idle machine; "
                    "compare ratios from one run, not absolute numbers across runs."
                )
        except ValueError:
            pass
        quick = (
            " (`--quick`: 10× smaller sizes, a smoke test — not the issue's figures)"
            if self.args.quick
            else ""
        )
        lines = [
            "# Benchmarks",
            "",
            "Speed at scale (issue #7), written by `python bench/run.py`"
            + quick
            + " — rerun it to refresh this whole file; bench/README.md says how each figure "
            "is taken.",
            "",
            f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; bench/run.py took "
            f"{runtime / 60:.1f} min.",
            f"- Machine: {cvh.cpu_model()}, {cores} cores, {memory_total()}, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"Hugo {cvh.hugo_version(self.hugo) if self.hugo else 'not found'}, "
            f"git {git_version()}.",
            f"- smmflow {cvh.smmflow_version()} at {source_state()}.",
            f"- Load average (1/5/15 min) at start {self.load_start}, at end {load_end}."
            + load_note,
            f"- Corpora: bench/make_corpus.py (seed 1) with {s.cold_posts:,} posts and "
            f"with {s.big_posts:,} posts, {s.groups} groups each; a generated repository of "
            f"{s.due_posts:,} due posts for the webhook run. Times are wall-clock medians of "
            f"{self.args.repeat} timed runs after an untimed one ({5 if self.args.quick else 10} for --version); memory is "
            "each child's peak RSS (os.wait4).",
            "",
            "## Results",
            "",
            self.table(),
            "",
            f"{met} of {measured} targets met. Ratio = measured / baseline (Hugo, the target, "
            "or the ideal); baseline also lists the floors below.",
            "",
            "## Floors",
            "",
            "What Python itself costs on this machine, measured in the same run: a command "
            "cannot be faster than its floor, and the gap above it is smmflow's own work.",
            "",
            self.floors_table(),
            "",
            "## Commands",
            "",
            "Run from the corpus (the content repository) as the current folder, with no "
            "SMMFLOW_*, GITHUB_* or GIT_* variables from outside; `python -m smmflow` is the "
            "installed package.",
            "",
        ]
        lines += [
            f"- {what}: {how}"
            + (
                f" (1-min load average at its start: {self.loads[what]:.2f})"
                if what in self.loads
                else ""
            )
            for what, how in self.commands
        ]
        lines += [""]
        if self.notes:
            lines += ["Notes:", ""] + [f"- {n}" for n in dict.fromkeys(self.notes)] + [""]
        if self.parts != set(PARTS):
            lines += [
                f"Partial run (`--only {','.join(p for p in PARTS if p in self.parts)}`): "
                "the other workloads were not measured.",
                "",
            ]
        lines += ["## Targets one by one", ""]
        titles = {
            "cold": "Cold check vs Hugo",
            "warm": "Warm check, one post changed",
            "sync": "Sync, nothing due",
            "plan": "Plan of one month",
            "report": "Monthly reports of one month",
            "mem-cold": "Peak memory: cold check",
            "mem-warm": "Peak memory: warm check",
            "mem-sync": "Peak memory: sync",
            "mem-plan": "Peak memory: plan",
            "version": "`smmflow --version`",
            "due": "Due posts over a slow server",
            "inbox-unanswered": "The inbox's unanswered questions, a million items",
            "inbox-fetch": "Fetching the inbox of 25 accounts over a slow server",
        }
        for key in ROW_KEYS:
            lines += self.section(key, titles[key])
        if self.comparison is not None and self.hugo:
            lines += [
                cvh.SECTION,
                "",
                cvh.section_body(
                    self.comparison,
                    self.hugo,
                    "python bench/run.py" + (" --quick" if self.args.quick else ""),
                    machine=False,
                ),
                "",
                "(The same comparison alone: `python bench/check_vs_hugo.py --posts "
                f"{s.cold_posts} --groups {s.groups}`.)",
                "",
            ]
        return "\n".join(lines).rstrip() + "\n"


def short(where: str) -> str:
    where = where.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python3."):
        if marker in where:
            rest = where.split(marker, 1)[1]
            return rest.split("/", 1)[1] if marker == "/lib/python3." and "/" in rest else rest
    if "/smmflow/" in where:
        return "smmflow/" + where.rsplit("/smmflow/", 1)[1]
    return where


def hotspots(path: pathlib.Path, n: int = 10) -> tuple[str, list[str]]:
    """Markdown tables of a pstats file: top self time, and smmflow's by cumulative time."""
    st = pstats.Stats(str(path))
    entries = st.stats  # type: ignore[attr-defined]
    total = st.total_tt  # type: ignore[attr-defined]

    def name(k: tuple) -> str:
        file, line, func = k
        if file == "~":
            return func
        return f"{short(file)}:{line}({func})"

    def table(items: list) -> list[str]:
        out = ["| function | calls | self s | cumulative s |", "|---|---:|---:|---:|"]
        for k, (_cc, nc, tt, ct, _callers) in items:
            out.append(f"| `{name(k)}` | {nc:,} | {tt:.3f} | {ct:.3f} |")
        return out

    by_self = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    own = [
        kv
        for kv in entries.items()
        if "/smmflow/" in kv[0][0].replace("\\", "/")
        and not kv[0][0].replace("\\", "/").endswith(("/cli.py", "/cli_plan.py", "/cli_publish.py"))
    ]
    by_cum = sorted(own, key=lambda kv: kv[1][3], reverse=True)[: n + 4]
    text = "\n".join(
        [f"Total {total:.2f} s profiled. Top by self time:", ""]
        + table(by_self)
        + ["", "smmflow's functions by cumulative time (command wrappers left out):", ""]
        + table(by_cum)
    )
    names = [name(k) for k, _ in by_cum] + [name(k) for k, _ in by_self]
    return text, names


def walk_inner(bench: Bench) -> str:
    out = bench.tmp / "logs" / "walk-stat-content.out"
    try:
        count, secs = out.read_text().split()
        return f"{float(secs):.3f} s for {int(count):,} files"
    except (OSError, ValueError):
        return "?"


def cvh_parallel_from() -> str:
    try:
        from smmflow.content.parallel import PARALLEL_FROM

        return f"{PARALLEL_FROM:,}"
    except Exception:  # only for the text
        return "a few thousand"


def console_script() -> list[str]:
    """The `smmflow` a user types: the console script beside this Python, else python -m."""
    exe = "smmflow.exe" if sys.platform == "win32" else "smmflow"
    beside = pathlib.Path(sys.executable).parent / exe
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("smmflow")
    return [found] if found else [sys.executable, "-m", "smmflow"]


def git_version() -> str:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
    return out.strip().removeprefix("git version ") or "?"


def source_state() -> str:
    """The commit of this checkout, and which smmflow files differ from it."""
    try:
        head = git(REPO, "rev-parse", "--short", "HEAD").strip()
        dirty = git(REPO, "status", "--porcelain", "--", "smmflow").splitlines()
    except (BenchError, OSError):
        return "an unknown commit"
    if not dirty:
        return f"commit {head}"
    files = ", ".join(line[3:] for line in dirty[:8]) + (" …" if len(dirty) > 8 else "")
    return f"commit {head} plus uncommitted changes to {files}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10x smaller sizes (a smoke test)")
    ap.add_argument(
        "--out",
        type=pathlib.Path,
        help="file to write (default BENCHMARKS.md; with --quick none unless given)",
    )
    ap.add_argument("--repeat", type=int, help="timed runs per workload (default 3; --quick 1)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    ap.add_argument(
        "--budget",
        type=float,
        help="seconds after which missed targets are no longer profiled (default 780; "
        "--quick 45), so the whole run stays under 15 minutes",
    )
    ap.add_argument(
        "--only",
        help="comma-separated parts to run, of: version (with the start-up floors), cold "
        "(vs Hugo), big (the 100,000-post workloads and their memory), due, inbox "
        "(default: all)",
    )
    ap.add_argument("--corpus-script", type=pathlib.Path, default=DEFAULT_CORPUS_SCRIPT)
    ap.add_argument("--hugo", help="hugo binary (default: the `hugo` package's, else PATH)")
    a = ap.parse_args(argv)
    if a.repeat is None:
        a.repeat = 1 if a.quick else 3
    if a.repeat < 1:
        ap.error("--repeat must be >= 1")
    if not a.corpus_script.is_file():
        ap.error(f"corpus script not found: {a.corpus_script} (pass --corpus-script)")
    if a.budget is None:
        a.budget = 45.0 if a.quick else 780.0
    parts = set(PARTS)
    if a.only:
        parts = {p.strip() for p in a.only.split(",") if p.strip()}
        if parts - set(PARTS):
            ap.error(f"--only: unknown part(s) {sorted(parts - set(PARTS))}; known: {PARTS}")
    out = a.out if a.out else (None if a.quick else REPO / "BENCHMARKS.md")
    sizes = QUICK if a.quick else FULL

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="smmflow-run-"))
    bench = Bench(a, sizes, tmp, parts=parts)
    log(f"bench/run.py: temporary files in {tmp}; load average {bench.load_start}")
    try:
        try:
            if "version" in parts:
                bench.run_floors()
            if "cold" in parts:
                bench.run_cold()
            if "big" in parts:
                bench.make_big()
                bench.run_big_floors()
                bench.run_cold_big()
                bench.run_warm()
                bench.run_sync()
                bench.run_plan()
                bench.run_report()
            if "due" in parts:
                bench.run_due()
            if "inbox" in parts:
                bench.run_inbox()
            bench.profile_misses()
        except (BenchError, cvh.BenchError) as exc:
            log(f"bench/run.py: {exc}")
            return 2
        finally:
            if bench.receiver is not None:
                bench.receiver.stop()
        runtime = bench.elapsed()
        print()
        print(bench.table())
        print()
        for row in bench.rows.values():
            if row.met is False:
                print(f"missed: {row.workload}: {row.measured} ({row.target})")
        print(f"bench/run.py took {runtime:.0f} s; load average now {load_average()}")
        if out is not None:
            out.write_text(bench.markdown(runtime, load_average()), encoding="utf-8")
            log(f"wrote {out}")
        return 0
    finally:
        if a.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
