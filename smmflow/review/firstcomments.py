"""The preview's lines for a post's first comment: the text each account writes under the
post, with its length against the platform's limit (docs/format.md, `first_comment`)."""

from __future__ import annotations

from ..model import Group, Post
from ..platforms import registry
from ..text.i18n import Words


def lines(post: Post, group: Group, w: Words, fence) -> list[str]:
    """`fence`: the preview's way of showing user text as a code block."""
    found: list[str] = []
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        text = post.comment_for(account) if account else ""
        limit = getattr(cls, "comment_limit", None)
        if cls is None or not text or limit is None:
            continue
        size = f"{cls.limits.count(text)} / {limit}"
        found += [f"- {cls.title} ({name}), {size}:", "", fence(text), ""]
    if not found:
        return []
    return ["**" + w.gettext("First comment:") + "**", "", *found]
