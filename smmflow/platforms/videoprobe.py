"""A video's duration, asked of ffprobe (FFmpeg) when it is installed.

smmflow does not decode video itself: where ffprobe is missing, `check` says the duration
was not checked rather than guess (docs/format.md, "Media")."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

TIMEOUT = 30  # seconds: ffprobe reads the container's header, not the frames


def ffprobe() -> str | None:
    """The ffprobe on PATH, or None."""
    return shutil.which("ffprobe")


def seconds(path: Path) -> float | None:
    """The duration of the video at `path`; None when ffprobe cannot tell (not a video it
    can read). Call only when `ffprobe()` found one."""
    tool = ffprobe()
    if tool is None:
        return None
    command = [tool, "-v", "error", "-show_entries", "format=duration", "-of", "json", "--"]
    try:
        done = subprocess.run(
            [*command, str(path)], capture_output=True, timeout=TIMEOUT, check=False
        )
        value = json.loads(done.stdout or b"{}").get("format", {}).get("duration")
        return float(value) if done.returncode == 0 and value is not None else None
    except (OSError, subprocess.TimeoutExpired, ValueError, AttributeError):
        return None
