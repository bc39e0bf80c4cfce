"""`init` and `add-group`: a new content repository, or another client in one, with a
group file, a starter post (a draft dated in the future: nothing goes out by itself), and
the three workflows (the copies in smmflow/workflows/ of this project's own)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from importlib import resources
from pathlib import Path

from .. import __version__
from ..content.jsonschema import write_schemas
from ..errors import UsageError
from ..outputs import writing

WORKFLOWS = ("check.yml", "preview-comment.yml", "publish.yml")
GROUP_TEMPLATE = """\
# yaml-language-server: $schema=../schemas/group.schema.json
name: {name}
timezone: {timezone}
approvers: []                        # GitHub logins whose approval counts as the client's
slots: ["mon 10:00", "wed 18:30", "fri 12:00"]
mix:
  sales: {{max_share: 0.4, max_in_a_row: 1}}
  informative: {{min_share: 0.4}}
max_delay: 24h
accounts:
  feed: {{}}                           # built in: a static site + Atom feed, no token needed
  # telegram: {{chat: "@mychannel", token_env: MY_TELEGRAM_TOKEN}}
  # mastodon: {{instance: https://mastodon.social, token_env: MY_MASTODON_TOKEN}}
"""
FIRST_POST = """\
---
date: {date}
type: informative
status: draft  # a starter: change the text, then set `ready` to publish it on this date
---
Hello from **{name}**! This first post was made by `smmflow init`.

#hello
"""
# Editors with the YAML language server (VS Code's YAML extension) complete and check the
# group files against the schema `smmflow schema` writes (the modeline above does it too).
VSCODE = """{
  "yaml.schemas": {
    "./schemas/group.schema.json": ["schedules/*.yml"]
  }
}
"""
_SECRET_LINE = re.compile(r"^\s+[A-Z][A-Z0-9_]*: \$\{\{ secrets\.[A-Z0-9_]+ \}\}\s*$")


def starter_date(today: dt.date) -> dt.date:
    """The Monday (the template's first slot) at least a week after `today`: in the future
    whenever `init` runs, so the starter is never due before a person makes it ready."""
    return today + dt.timedelta(days=7 + (7 - today.weekday()) % 7)


def workflow_text(name: str) -> str:
    """A workflow for a repository made by `init`: this project's own, installing the
    pinned release, caching pip by the workflows, with no example client's secrets."""
    text = resources.files("smmflow").joinpath("workflows", name).read_text(encoding="utf-8")
    text = text.replace('SMMFLOW_INSTALL: "."', f'SMMFLOW_INSTALL: "smmflow=={__version__}"')
    text = text.replace(
        "cache-dependency-path: pyproject.toml", "cache-dependency-path: .github/workflows/*.yml"
    )
    return "".join(line for line in text.splitlines(True) if not _SECRET_LINE.match(line))


def init_repo(target: Path, group_id: str, name: str, timezone: str, today: dt.date) -> list[Path]:
    """Scaffold a content repository in `target` (which must not hold one already)."""
    if (target / "schedules").exists():
        raise UsageError(
            f"{target}: already has a schedules/ folder; to add a client to it, run "
            f"`smmflow add-group ID --name NAME --timezone ZONE` there"
        )
    _zone(timezone)
    with writing(target):
        made = _group_files(target, group_id, name, timezone, today)
        made += _repo_files(target)
    return made


def add_group(root: Path, group_id: str, name: str, timezone: str, today: dt.date) -> list[Path]:
    """Another client in an existing content repository: its group file, folder, starter."""
    if (root / "schedules" / f"{group_id}.yml").exists():
        raise UsageError(f"schedules/{group_id}.yml already exists: choose another group id")
    _zone(timezone)
    with writing(root):
        return _group_files(root, group_id, name, timezone, today)


def _zone(timezone: str) -> None:
    from ..content.timeparse import zone

    zone(timezone)


def _group_files(root: Path, group_id: str, name: str, timezone: str, today: dt.date) -> list[Path]:
    day = starter_date(today)
    for folder in ("schedules", f"content/{group_id}/media"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    files = {
        f"schedules/{group_id}.yml": GROUP_TEMPLATE.format(name=name, timezone=timezone),
        f"content/{group_id}/{day:%Y-%m-%d}-hello.md": FIRST_POST.format(
            date=f"{day:%Y-%m-%d} 10:00", name=name
        ),
        f"content/{group_id}/media/.gitkeep": "",
    }
    return _write_new(root, files)


def _repo_files(target: Path) -> list[Path]:
    (target / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    files = {f".github/workflows/{name}": workflow_text(name) for name in WORKFLOWS}
    files[".gitignore"] = "public/\n.smmflow-cache/\n.smmflow/\n"  # .smmflow/: the inbox store
    files[".vscode/settings.json"] = VSCODE
    (target / ".vscode").mkdir(exist_ok=True)
    made = _write_new(target, files)
    made += write_schemas(target / "schemas", only_new=True)
    if not (target / ".git").exists():
        try:
            subprocess.run(
                ["git", "init", "-q", "-b", "main", str(target)], check=True, capture_output=True
            )
        except (OSError, subprocess.CalledProcessError):
            pass  # git is optional for scaffolding; sync will say it needs a repository
    return made


def _write_new(root: Path, files: dict[str, str]) -> list[Path]:
    made = []
    for rel, text in files.items():
        path = root / rel
        if not path.exists():
            path.write_text(text, encoding="utf-8")
            made.append(path)
    return made


def write_schedule(root: Path, now: dt.datetime) -> Path | None:
    """Rewrite the publish workflow's schedule for the plan as it now is (after `init`
    or `add-group`); its path, or None when the repository has no publish workflow."""
    from ..content.repo import load
    from .workflowfile import PUBLISH, updated

    path = root / PUBLISH
    if not path.is_file():
        return None
    loaded = load(root)
    with writing(path):
        text = path.read_text(encoding="utf-8")
        path.write_text(updated(text, loaded.groups.values(), loaded.posts, now), "utf-8")
    return path
