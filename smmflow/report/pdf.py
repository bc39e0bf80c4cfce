"""A report as a PDF: its HTML page printed by headless Chromium (`--print-to-pdf`).

Chromium is found on PATH (`chromium`, `chromium-browser`, `google-chrome`) or named by
`SMMFLOW_CHROMIUM`; without it `--format pdf` says how to get one. The page asks for A4
itself (`@page`); Chromium's own header and footer are left out. The file's two dates
(CreationDate, ModDate) are set to the report's date, so one report always prints to
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UsageError

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_DATE = re.compile(rb"\(D:\d{14}[^)]{0,8}\)")


def chromium() -> str:
    wanted = os.environ.get("SMMFLOW_CHROMIUM", "")
    if wanted:
        found = shutil.which(wanted)
        if found is None:
            raise UsageError(f"SMMFLOW_CHROMIUM={wanted!r} is not a program on PATH")
        return found
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise UsageError(
        "--format pdf needs headless Chromium (chromium, chromium-browser or google-chrome on "
        "PATH, or SMMFLOW_CHROMIUM; Debian/Ubuntu: apt-get install chromium); "
        "or make --format html and print it to PDF from a browser"
    )


def print_pdf(page: bytes, when: dt.datetime, timeout: float = 120) -> bytes:
    """The PDF of an HTML page, with its dates set to `when`."""
    program = chromium()
    with tempfile.TemporaryDirectory(prefix="smmflow-pdf-") as tmp:
        source, target = Path(tmp, "report.html"), Path(tmp, "report.pdf")
        source.write_bytes(page)
        # Chromium's sandbox cannot start as root (containers, CI): only then is it left out;
        # the page is smmflow's own, without a script, and its CSP would refuse one.
        sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        args = [
            program,
            "--headless",
            *sandbox,
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(tmp, 'profile')}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(
                f"Chromium could not print the report ({type(exc).__name__})"
            ) from None
        if done.returncode != 0 or not target.is_file():
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise UsageError(f"Chromium could not print the report: {said[0][:200]}")
        data = target.read_bytes()
    stamp = when.astimezone(dt.timezone.utc).strftime("(D:%Y%m%d%H%M%S+00'00')").encode()
    return _DATE.sub(lambda m: stamp if len(m.group(0)) == len(stamp) else m.group(0), data)
