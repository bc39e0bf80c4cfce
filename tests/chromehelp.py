"""Headless Chromium for the tests (Debian `chromium`): open a page, read its DOM and
console, take a screenshot and look at its pixels (a PNG read without a library).

Without Chromium a test that needs it skips on a developer's machine and FAILS under CI=true.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import lxml.html
import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1280,1600",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium is not installed (Debian: apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def browse(
    page: Path, profile: Path, shot: Path | None = None, size: str = "", scale: float = 1
) -> tuple[lxml.html.HtmlElement, list[str]]:
    """The page's DOM after Chromium loaded it, and every console message it logged
    (`size`: the window, e.g. "1280,5000", instead of FLAGS' 1280×1600; `scale` < 1 makes
    a smaller screenshot of the same layout, quicker to look at)."""
    flags = [f for f in FLAGS if not (size and f.startswith("--window-size="))]
    args = [chromium(), *flags, f"--user-data-dir={profile}", "--dump-dom"]
    if size:
        args.append(f"--window-size={size}")
    if scale != 1:
        args.append(f"--force-device-scale-factor={scale}")
    if shot is not None:
        args.append(f"--screenshot={shot}")
    done = subprocess.run([*args, page.as_uri()], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [
        line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line
    ]
    return lxml.html.fromstring(done.stdout), console


def rows(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and every row's pixels as RGB bytes of an 8-bit RGB/RGBA PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    step = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * step
    previous, found = bytearray(stride), []
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up, corner = previous[x], previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (
                    line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        found.append(
            bytes(line) if step == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3)
        )
        previous = line
    return width, height, found


def pixels(png: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct colours (sampled every 8th row) of a PNG."""
    width, height, lines = rows(png)
    colours = {line[i : i + 3] for line in lines[::8] for i in range(0, len(line), 3)}
    return width, height, colours


def count_near(png: Path, *wanted: tuple[int, int, int], tolerance: int = 6) -> list[int]:
    """For each colour, how many pixels of the PNG are within `tolerance` of it."""
    from collections import Counter

    _, _, lines = rows(png)
    seen = Counter(line[i : i + 3] for line in lines for i in range(0, len(line), 3))
    return [
        sum(n for c, n in seen.items() if all(abs(c[k] - rgb[k]) <= tolerance for k in range(3)))
        for rgb in wanted
    ]
