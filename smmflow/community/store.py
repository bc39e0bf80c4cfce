"""The local inbox store: SQLite (WAL) in `.smmflow/inbox.sqlite3`, never in git.

Comments and messages are other people's personal data. They live only here: the folder
holds its own `.gitignore` (`*`), so git ignores it even in a repository whose
`.gitignore` forgot it, and smmflow never commits from the working tree (the ledger is
written from records in memory). Items are kept once per (platform, remote id); each
account has a cursor; each group's retention (default 90 days) is applied on every run;
`inbox --export FILE` is the only way out.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SmmflowError

if TYPE_CHECKING:  # imported where used: listing the store loads no platform
    from ..platforms.community import Item

FOLDER = ".smmflow"
FILE = "inbox.sqlite3"
STATES = ("new", "answered", "hidden", "deleted", "flagged")
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY, platform TEXT NOT NULL, remote_id TEXT NOT NULL,
  grp TEXT NOT NULL, account TEXT NOT NULL, kind TEXT NOT NULL,
  author_id TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL,
  created REAL NOT NULL, fetched REAL NOT NULL, ref TEXT NOT NULL, url TEXT NOT NULL,
  parent TEXT NOT NULL, post TEXT NOT NULL, post_id TEXT NOT NULL, post_title TEXT NOT NULL,
  post_url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'new', question INTEGER NOT NULL,
  moderated INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '',
  UNIQUE (platform, remote_id)
);
CREATE INDEX IF NOT EXISTS items_open ON items(created, grp) WHERE question = 1 AND state = 'new';
CREATE INDEX IF NOT EXISTS items_unmoderated ON items(created) WHERE moderated = 0;
CREATE INDEX IF NOT EXISTS items_group ON items(grp, created);
CREATE INDEX IF NOT EXISTS items_created ON items(created);
CREATE INDEX IF NOT EXISTS items_post ON items(account, post);
CREATE TABLE IF NOT EXISTS cursors (
  grp TEXT NOT NULL, account TEXT NOT NULL, value TEXT NOT NULL, updated REAL NOT NULL,
  PRIMARY KEY (grp, account)
);
"""


class StoreError(SmmflowError):
    """The store cannot be opened or read (a damaged file, no permission)."""


@dataclass(frozen=True)
class Stored:
    """An item as the store keeps it: the platform's `Item` plus where it belongs."""

    id: str
    platform: str
    remote_id: str
    grp: str
    account: str
    kind: str
    author_id: str
    author: str
    text: str
    created: float
    fetched: float
    ref: str
    url: str
    parent: str
    post: str
    post_id: str
    post_title: str
    post_url: str
    state: str
    question: int
    moderated: int
    note: str

    def as_item(self) -> Item:
        from ..platforms.community import Item

        return Item(
            self.remote_id, self.kind, self.author_id, self.author, self.text, self.created,
            self.ref, self.url, self.parent, self.post,
        )  # fmt: skip


COLUMNS = ", ".join(f.name for f in fields(Stored))


@dataclass(frozen=True)
class Query:
    """Which items to list."""

    groups: tuple[str, ...] = ()  # empty: every group
    account: str | None = None
    since: float | None = None
    unanswered: bool = False  # questions still `new`, oldest first
    questions: bool = False
    states: tuple[str, ...] = ()
    limit: int | None = 200


class Store:
    def __init__(self, root: Path):
        folder = root / FOLDER
        try:
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# smmflow's local inbox: personal data, never committed\n*\n")
            self.db = sqlite3.connect(folder / FILE, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the inbox store {folder / FILE}: {exc}") from None
        self.path = folder / FILE

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction (the connection is in autocommit mode otherwise)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    def add(self, group: str, account: str, platform: str, items: Iterable[Item], posts: dict,
            question) -> int:  # fmt: skip
        """Keep the new items (a known (platform, remote id) is left as it is); `posts`
        maps a post's remote id to (post id, title, url). How many were new."""
        from ..platforms.community import item_id

        now = time.time()
        rows = []
        for item in items:
            post_id, title, post_url = posts.get(item.post, ("", "", ""))
            state = "hidden" if item.hidden else "new"
            rows.append((
                item_id(platform, item.remote_id), platform, item.remote_id, group, account,
                item.kind, item.author_id, item.author, item.text, item.created, now, item.ref,
                item.url, item.parent, item.post, post_id, title, post_url, state,
                int(question(item.text)), 0, "",
            ))  # fmt: skip
        with self._tx():
            before = self.db.total_changes
            marks = ", ".join("?" * len(fields(Stored)))
            self.db.executemany(f"INSERT OR IGNORE INTO items ({COLUMNS}) VALUES ({marks})", rows)
            return self.db.total_changes - before

    def answered(self, platform: str, parents: Iterable[str]) -> None:
        """The items these remote ids name were answered (the account wrote under them)."""
        rows = [(platform, parent) for parent in parents]
        with self._tx():
            self.db.executemany(
                "UPDATE items SET state = 'answered' WHERE platform = ? AND remote_id = ? "
                "AND state IN ('new', 'flagged')",
                rows,
            )

    def gone(self, account: str, platform: str, post: str, present: set[str]) -> int:
        """Items of `post` the platform no longer lists (it was read in full): deleted."""
        found = self.db.execute(
            "SELECT id, remote_id FROM items WHERE account = ? AND platform = ? AND post = ? "
            "AND state != 'deleted'",
            (account, platform, post),
        ).fetchall()
        missing = [(i,) for i, remote in found if remote not in present]
        with self._tx():
            self.db.executemany("UPDATE items SET state = 'deleted' WHERE id = ?", missing)
        return len(missing)

    def set_state(self, item: str, state: str, note: str | None = None) -> None:
        assert state in STATES, state
        with self._tx():
            if note is None:
                self.db.execute("UPDATE items SET state = ? WHERE id = ?", (state, item))
            else:
                self.db.execute(
                    "UPDATE items SET state = ?, note = ? WHERE id = ?", (state, note, item)
                )

    def set_note(self, item: str, note: str) -> None:
        with self._tx():
            self.db.execute("UPDATE items SET note = ? WHERE id = ?", (note, item))

    def moderated(self, items: Iterable[str]) -> None:
        with self._tx():
            self.db.executemany(
                "UPDATE items SET moderated = 1 WHERE id = ?", [(i,) for i in items]
            )

    def purge(self, retention: dict[str, float], now: float) -> int:
        """Forget every group's items older than its retention (seconds)."""
        with self._tx():
            before = self.db.total_changes
            for group, seconds in retention.items():
                self.db.execute(
                    "DELETE FROM items WHERE grp = ? AND created < ?", (group, now - seconds)
                )
            return self.db.total_changes - before

    # -- cursors -------------------------------------------------------------------------
    def cursor(self, group: str, account: str) -> str:
        row = self.db.execute(
            "SELECT value FROM cursors WHERE grp = ? AND account = ?", (group, account)
        ).fetchone()
        return row[0] if row else ""

    def set_cursor(self, group: str, account: str, value: str) -> None:
        with self._tx():
            self.db.execute(
                "INSERT INTO cursors VALUES (?, ?, ?, ?) ON CONFLICT (grp, account) "
                "DO UPDATE SET value = excluded.value, updated = excluded.updated",
                (group, account, value, time.time()),
            )

    # -- reading -------------------------------------------------------------------------
    def find(self, given: str) -> Stored | None:
        """The item whose id starts with `given` (at least 6 characters), if exactly one."""
        wanted = given.strip().lower()
        if len(wanted) < 6 or any(c not in "0123456789abcdef" for c in wanted):
            return None
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM items WHERE id >= ? AND id < ? LIMIT 2",
            (wanted, wanted + "g"),
        ).fetchall()
        return Stored(*rows[0]) if len(rows) == 1 else None

    def select(self, query: Query) -> list[Stored]:
        where, params = _where(query)
        order = "created ASC" if query.unanswered else "created DESC"
        limit = f" LIMIT {int(query.limit)}" if query.limit else ""
        sql = f"SELECT {COLUMNS} FROM items{where} ORDER BY {order}{limit}"
        return [Stored(*row) for row in self.db.execute(sql, params)]

    def count(self, query: Query) -> int:
        where, params = _where(query)
        return self.db.execute(f"SELECT COUNT(*) FROM items{where}", params).fetchone()[0]

    def unmoderated(self, groups: tuple[str, ...]) -> Iterator[Stored]:
        marks = ", ".join("?" * len(groups))
        sql = (
            f"SELECT {COLUMNS} FROM items WHERE moderated = 0 AND grp IN ({marks}) ORDER BY created"
        )
        for row in self.db.execute(sql, groups).fetchall():
            yield Stored(*row)


def _where(query: Query) -> tuple[str, list]:
    clauses, params = [], []
    if query.unanswered:
        clauses.append("question = 1 AND state = 'new'")
    elif query.questions:
        clauses.append("question = 1")
    if query.groups:  # `+grp`: filtered inside the index that orders, never a scan of a group
        clauses.append(f"+grp IN ({', '.join('?' * len(query.groups))})")
        params += list(query.groups)
    if query.account:
        clauses.append("account = ?")
        params.append(query.account)
    if query.since is not None:
        clauses.append("created >= ?")
        params.append(query.since)
    if query.states:
        clauses.append(f"state IN ({', '.join('?' * len(query.states))})")
        params += list(query.states)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
