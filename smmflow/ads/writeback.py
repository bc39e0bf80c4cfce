"""Writing platform ids into an audience file: its top-level `ids:` block is replaced by a
fresh one at the end of the file; every other byte of the file stays as the writer left
it (comments, order, quotes), so the pull request shows only the ids."""

from __future__ import annotations

import json

HEADER = "ids:  # written by `smmflow ads resolve`: each platform's id for the names above\n"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a double-quoted YAML scalar


def render(ids: dict[str, dict[str, dict[str, str]]]) -> str:
    lines = [HEADER]
    for platform, kinds in ids.items():
        if not any(kinds.values()):
            continue
        lines.append(f"  {platform}:\n")
        for kind, table in kinds.items():
            if not table:
                continue
            lines.append(f"    {kind}:\n")
            lines += [f"      {_quote(name)}: {_quote(value)}\n" for name, value in table.items()]
    return "".join(lines) if len(lines) > 1 else ""


def replace_ids(text: str, ids: dict[str, dict[str, dict[str, str]]]) -> str:
    """`text` with its `ids:` block (if any) removed and `ids` appended."""
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if line.startswith("ids:"):
            inside = True
            continue
        if inside and (not line.strip() or line[0] in " \t"):
            continue
        inside = False
        kept.append(line)
    body = "".join(kept)
    if body and not body.endswith("\n"):
        body += "\n"
    return body + render(ids)
