#!/usr/bin/env python3
"""Run one smmflow command in-process under cProfile (or tracemalloc), threads included.

    python bench/profile_cli.py OUT.pstats [--] check|sync|plan ...   (smmflow's arguments)
    python bench/profile_cli.py --memory OUT.json [--] check|sync|plan ...

Used by bench/run.py, once and untimed, for every target it misses.

cProfile sees only the thread that enabled it, so every `threading.Thread` started while
the command runs gets its own profiler, and all of them are merged into OUT.pstats
(`python -m pstats OUT.pstats`). Forked worker processes are not followed: profile the
cold path with SMMFLOW_WORKERS=1.

--memory traces allocations (tracemalloc, one frame) and keeps a snapshot near the peak:
a watcher thread takes a new one whenever the traced total has grown by 30% since the
last. OUT.json gets the peak, the snapshot's total and its largest lines and files.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import sys
import threading


def _cli(args: list[str]) -> int:
    from smmflow.cli import main as cli_main

    try:
        cli_main(args, prog_name="smmflow", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def profile(out: str, args: list[str]) -> int:
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def profiled_run(self: threading.Thread) -> None:
        prof = cProfile.Profile()
        with lock:
            profiles.append(prof)
        prof.enable()
        try:
            original_run(self)
        finally:
            prof.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    main_prof = cProfile.Profile()
    main_prof.enable()
    try:
        code = _cli(args)
    finally:
        main_prof.disable()
        threading.Thread.run = original_run  # type: ignore[method-assign]
        stats = pstats.Stats(main_prof)
        with lock:
            for prof in profiles:
                try:
                    stats.add(prof)
                except TypeError:  # a thread that never ran any profiled code
                    pass
        stats.dump_stats(out)
    return code


def memory(out: str, args: list[str]) -> int:
    import tracemalloc

    tracemalloc.start(1)
    best: dict = {"size": 0, "snapshot": None}
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.3):
            current, _ = tracemalloc.get_traced_memory()
            if current > max(best["size"] * 1.3, 16 << 20):
                best["snapshot"] = tracemalloc.take_snapshot()
                best["size"] = current

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        code = _cli(args)
    finally:
        done.set()
        watcher.join()
        _, peak = tracemalloc.get_traced_memory()
        snapshot = best["snapshot"] or tracemalloc.take_snapshot()
        tracemalloc.stop()
        snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])

        def top(key: str, n: int) -> list[dict]:
            return [
                {
                    "where": str(stat.traceback[0]) if stat.traceback else "?",
                    "mb": stat.size / 2**20,
                    "blocks": stat.count,
                }
                for stat in snapshot.statistics(key)[:n]
            ]

        report = {
            "peak_mb": peak / 2**20,
            "snapshot_mb": sum(s.size for s in snapshot.statistics("filename")) / 2**20,
            "lines": top("lineno", 12),
            "files": top("filename", 8),
        }
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)
    return code


def main(argv: list[str]) -> int:
    mode = profile
    if argv[:1] == ["--memory"]:
        mode, argv = memory, argv[1:]
    if not argv:
        sys.exit(__doc__)
    out, args = argv[0], argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    return mode(out, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
