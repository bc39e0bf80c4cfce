"""The `schedule:` block of `.github/workflows/publish.yml`: read with its lines, rewritten
from the plan (`smmflow workflow`), and compared with the plan (`smmflow check`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, Severity, UsageError
from ..model import Group, Post
from . import secretlines
from .cron import FIXED, Cron, CronError, Line, derive, due_instants, uncovered

PUBLISH = ".github/workflows/publish.yml"
FIX = "run `smmflow workflow` to write what the plan needs"
_BLOCK = re.compile(r"^(?P<indent>[ ]+)schedule:\s*(#.*)?$")
_ITEM = re.compile(r"""^\s*-\s*cron:\s*(?P<q>["']?)(?P<cron>[^"'#]*?)(?P=q)\s*(#.*)?$""")


@dataclass(frozen=True)
class Schedule:
    """The block's place in the file (0-based lines [start, end)) and its cron lines."""

    start: int
    end: int
    indent: str
    crons: tuple[tuple[int, str], ...]  # (1-based line, cron text)


def read_schedule(text: str) -> Schedule | None:
    """The `schedule:` block of a workflow, or None when it has none."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        found = _BLOCK.match(line)
        if not found:
            continue
        indent, crons, end = found["indent"], [], i + 1
        while end < len(lines):
            item = lines[end]
            if item.strip() and len(item) - len(item.lstrip()) <= len(indent):
                if not item.lstrip().startswith("-"):
                    break
            if cron := _ITEM.match(item):
                crons.append((end + 1, cron["cron"].strip()))
            end += 1
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1
        return Schedule(i, end, indent, tuple(crons))
    return None


def render(lines: Iterable[Line], indent: str) -> list[str]:
    """The block's lines, each cron with why it is there."""
    out = [f"{indent}schedule:"]
    out.append(f"{indent}  # Written by `smmflow workflow` from the plan (UTC); `smmflow check`")
    out.append(f"{indent}  # fails when the plan needs a run these lines do not start.")
    for line in lines:
        out.append(f'{indent}  - cron: "{line.cron}" # {line.why}')
    return out


def rewrite(text: str, lines: list[Line]) -> str:
    """`text` with its schedule block replaced (added under `on:` when it has none)."""
    block = read_schedule(text)
    rows = text.splitlines()
    if block is None:
        at = next((i for i, row in enumerate(rows) if re.match(r"^on:\s*(#.*)?$", row)), None)
        if at is None:
            raise UsageError(f"{PUBLISH}: no `on:` section to add the schedule to")
        rows[at + 1 : at + 1] = render(lines, "  ")
    else:
        rows[block.start : block.end] = render(lines, block.indent)
    return "\n".join(rows) + "\n"


def planned(groups: Iterable[Group], posts: Iterable[Post], now: dt.datetime) -> list[Line]:
    return derive(due_instants(groups, posts, now))


def updated(text: str, groups: Iterable[Group], posts: Iterable[Post], now: dt.datetime) -> str:
    """The workflow as the plan needs it: its schedule, and the secrets each block passes."""
    groups = list(groups)
    return secretlines.rewrite(
        rewrite(text, planned(groups, posts, now)), secretlines.names(groups)
    )


def problems(
    root: Path, groups: Iterable[Group], posts: Iterable[Post], now: dt.datetime
) -> list[Problem]:
    """Errors where the plan needs a run the workflow does not start (within the window,
    never before); warnings for lines the plan does not need (they cost minutes)."""
    path = root / PUBLISH
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(PUBLISH, 0, "", f"cannot read the workflow: {exc}", code="workflow")]
    block = read_schedule(text)
    line_no = block.start + 1 if block else 1
    found, parsed = _parse(block)
    groups = list(groups)
    wanted = planned(groups, posts, now)
    missing = uncovered(due_instants(groups, posts, now), parsed)
    if missing:
        found.append(_missing(line_no, missing, wanted))
    for number, lacking in secretlines.missing(text, secretlines.names(groups)):
        message = f"does not pass {', '.join(lacking)} (named by the group files' *_env); {FIX}"
        found.append(Problem(PUBLISH, number, "env", message, code="workflow"))
    needed = {line.cron for line in wanted}
    for number, cron in block.crons if block else ():
        if cron not in needed:
            message = f"{cron!r} is not a run the plan needs (it costs minutes); {FIX}"
            found.append(_problem(number, message, Severity.WARNING))
    return found


def _parse(block: Schedule | None) -> tuple[list[Problem], list[Cron]]:
    found, parsed = [], []
    for number, cron in block.crons if block else ():
        try:
            parsed.append(Cron.parse(cron))
        except CronError as exc:
            found.append(_problem(number, str(exc), Severity.ERROR))
    have = {c.text for c in parsed}
    for cron, why in FIXED:
        if cron not in have:
            line = block.start + 1 if block else 1
            found.append(_problem(line, f"no {cron!r} line ({why}); {FIX}", Severity.ERROR))
    return found, parsed


def _missing(line: int, missing: list, wanted: list[Line]) -> Problem:
    whys = sorted({item.why for item in missing})
    first = missing[0].when
    shown = "; ".join(whys[:4]) + (f" and {len(whys) - 4} more" if len(whys) > 4 else "")
    more = f" and {len(missing) - 1} more due instants" if len(missing) > 1 else ""
    message = (
        f"the workflow does not match the plan: no run starts within 15 minutes after "
        f"{first:%Y-%m-%d %H:%M} UTC{more} ({shown}); {FIX}"
    )
    return _problem(line, message, Severity.ERROR)


def _problem(line: int, message: str, severity: Severity) -> Problem:
    return Problem(PUBLISH, line, "on.schedule", message, severity=severity, code="workflow")
