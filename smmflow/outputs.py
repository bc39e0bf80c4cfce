"""Files written where a person asked (a site, calendars, a preview, new posts): a failure
to write one — a full disk, a file where a folder should be, no permission — is that
person's to fix, said in one line with the path, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError


class OutputError(UsageError):
    """An output could not be written; the text names the path and the system's reason."""


@contextlib.contextmanager
def writing(target: Path | str) -> Iterator[None]:
    """Turn an `OSError` raised while writing into `target` into an `OutputError`."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or target
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError):  # mkdir where a file (or a device) is
            reason = "it exists and is not a folder"
        raise OutputError(f"cannot write {where}: {reason}") from None
