"""The secrets the publish workflow passes to smmflow: one `NAME: ${{ secrets.NAME }}` line
per environment variable an account's `*_env` names, under each comment that anchors such
a block. `smmflow workflow` writes them; `check` says which one a block lacks."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Group

ANCHOR = re.compile(
    r"^(?P<indent>\s+)# (One line per secret an account names|The same secrets as for publishing)"
)
SECRET = re.compile(r"^\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*): \$\{\{ secrets\.(?P=name) \}\}\s*$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # what GitHub accepts as a secret's name


def names(groups: Iterable[Group]) -> list[str]:
    """Every environment variable the groups' accounts name for a secret, sorted."""
    found = {v for g in groups for a in g.accounts for v in a.secret_envs.values()}
    return sorted(n for n in found if NAME.match(n) and not n.upper().startswith("GITHUB_"))


def rewrite(text: str, wanted: list[str]) -> str:
    """`text` with each anchored block holding exactly the `wanted` lines."""
    rows, out, i = text.splitlines(), [], 0
    while i < len(rows):
        out.append(rows[i])
        anchor = ANCHOR.match(rows[i])
        i += 1
        if anchor:
            while i < len(rows) and SECRET.match(rows[i]):
                i += 1
            out += [f"{anchor['indent']}{n}: ${{{{ secrets.{n} }}}}" for n in wanted]
    return "\n".join(out) + "\n"


def missing(text: str, wanted: list[str]) -> list[tuple[int, list[str]]]:
    """(line of the anchor, the names its block lacks) for each block that lacks some."""
    rows, found = text.splitlines(), []
    for i, row in enumerate(rows):
        if ANCHOR.match(row):
            have, j = set(), i + 1
            while j < len(rows) and (m := SECRET.match(rows[j])):
                have.add(m["name"])
                j += 1
            if lacking := [n for n in wanted if n not in have]:
                found.append((i + 1, lacking))
    return found
