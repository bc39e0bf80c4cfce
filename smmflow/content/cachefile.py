"""A cache file: one marshalled dict under a header, read whole or not at all (missing,
damaged or stale reads as nothing) and replaced whole (a reader never sees half)."""

from __future__ import annotations

import marshal
import os
import tempfile
from pathlib import Path


def enabled() -> bool:
    return os.environ.get("SMMFLOW_NO_CACHE", "") in ("", "0")


def _read_marshal(file: Path, header: tuple) -> dict | None:
    """The dict kept in `file` under `header`; None when missing, damaged or stale."""
    if not enabled():
        return None
    try:
        with open(file, "rb") as handle:
            found, entries = marshal.loads(handle.read())
        if found == header and isinstance(entries, dict):
            return entries
    except Exception:  # missing or damaged: start again, it is only a cache
        pass
    return None


def write_atomic(file: Path, value: object) -> None:
    """`value` marshalled into `file`, replaced whole (a reader never sees half of it)."""
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            marshal.dump(value, handle)
        os.replace(tmp, file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
