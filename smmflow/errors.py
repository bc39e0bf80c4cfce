"""Typed problems and errors, and the one exit-code enum the CLI maps them to.

Library code never prints or exits: it returns `Problem`s (things a writer must fix, all
reported at once) or raises a `SmmflowError` subclass (a run cannot go on). The CLI turns
both into `path:line: field: message` lines and an `ExitCode`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """Every exit status smmflow uses, and nothing else."""

    OK = 0  # clean / everything due was published
    PROBLEMS = 1  # check found errors / some publications failed
    USAGE = 2  # bad command line or unusable repository
    NEEDS_PERSON = 3  # an outcome is unknown or held: a person must look
    INTERRUPTED = 130  # stopped by SIGINT/SIGTERM between steps


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a user's file, located for a person to fix."""

    path: str  # relative to the repository root, with forward slashes
    line: int  # 1-based; 0 when the problem is about the whole file
    field: str  # dotted key (`media.0.src`), or "" when none applies
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""  # stable machine id, e.g. "unknown-key"

    @property
    def shown_field(self) -> str:
        """The field as a writer reads it: `media.0.src` is "media item 1" (the first
        picture), `platforms.1` "platforms item 2"; other keys as they are written."""
        parts = self.field.split(".")
        if len(parts) < 2 or parts[0] not in ("media", "platforms") or not parts[1].isdigit():
            return self.field
        rest = [p for p in parts[2:] if p != "src"]
        return " ".join([f"{parts[0]} item {int(parts[1]) + 1}", *rest])

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.shown_field}:" if self.field else ""
        tag = "" if self.severity is Severity.ERROR else " warning:"
        return f"{where}:{tag}{field} {self.message}"


class SmmflowError(Exception):
    """Base of every error smmflow raises on purpose; its text is meant for people."""

    exit_code: ExitCode = ExitCode.PROBLEMS


class UsageError(SmmflowError):
    exit_code = ExitCode.USAGE


class RepositoryNotFound(UsageError):
    """No `schedules/` folder here or above."""
