"""A post's `first_comment:`: read with its lines, and checked per account it reaches.

Two forms (docs/format.md):

    first_comment: "#bakery #bread"      # every account of the post
    first_comment:                       # per account or platform; the others get none
      instagram: "#bakery #bread #chisinau"
      fb-page: "Order here: https://example.md/order"

The short form asks every account of the post for a comment, so an account whose
platform has no comments smmflow can write (Telegram, X, TikTok, ...) is an error: name
the accounts in the long form to leave it out. A comment longer than its platform takes
is an error too, counted the platform's way.
"""

from __future__ import annotations

from ..errors import Problem
from ..model import Account, Group, Post
from ..platforms import registry
from ..text.guard import bidi_problems
from .fields import Fields, did_you_mean

KEY = "first_comment"


def read(f: Fields, value: object, group: Group) -> tuple[tuple[str, str], ...]:
    """(account or platform name, text) pairs; "" names every account."""
    if value is None:
        return ()
    if isinstance(value, str):
        return _text(f, KEY, value, "")
    if not isinstance(value, dict):
        f.error(KEY, "must be a text, or a mapping of account (or platform) names to texts", "type")
        return ()
    names = [a.name for a in group.accounts]
    platforms = sorted({a.platform for a in group.accounts})
    found: list[tuple[str, str]] = []
    for name, text in value.items():
        key = f"{KEY}.{name}"
        if name not in names and name not in platforms:
            hint = did_you_mean(str(name), [*names, *platforms])
            message = f"{name!r} is neither an account nor a platform of {group.id}{hint}"
            f.error(key, message, "unknown-platform", value=False)
        elif not isinstance(text, str):
            f.error(key, "must be a text", "type")
        else:
            found += _text(f, key, text, name)
    return tuple(found)


def _text(f: Fields, key: str, text: str, name: str) -> tuple[tuple[str, str], ...]:
    text = text.strip()
    if not text:
        f.error(key, "is empty: write the comment, or leave the key out", "empty")
        return ()
    f.problems.extend(bidi_problems(f.path, key, text, f.line(key)))
    return ((name, text),)


def problems(post: Post, group: Group) -> list[Problem]:
    """Each account the post's first comment reaches: comments there, and short enough."""
    found: list[Problem] = []
    given = dict(post.first_comment)
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        text = post.comment_for(account) if account else ""
        if account is None or cls is None or not text:
            continue
        field = _field(given, account)
        limit = getattr(cls, "comment_limit", None)
        shown = name if name == cls.name else f"{name} ({cls.title})"
        if limit is None:
            message = (
                f"{shown} has no comments smmflow can write; give the comment per account "
                f"(`first_comment: {{account: text}}`) to leave {name} out"
                if field == KEY
                else f"{shown} has no comments smmflow can write: leave it out of first_comment"
            )
            found.append(Problem(post.path, post.line(field), field, message, code="no-comments"))
            continue
        length = cls.limits.count(text)
        if length > limit:
            message = f"too long for {shown}: {length} of {limit} {cls.limits.unit}"
            found.append(Problem(post.path, post.line(field), field, message, code="too-long"))
    return found


def _field(given: dict[str, str], account: Account) -> str:
    for name in (account.name, account.platform):
        if name in given:
            return f"{KEY}.{name}"
    return KEY
