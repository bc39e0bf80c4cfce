"""What the preview shows of one account beyond its single text: the text it gets of its
own, each part of a thread, its own media and alt texts, and the poll it carries
(docs/format.md, "Per-platform text, media and threads"; "Polls")."""

from __future__ import annotations

from collections.abc import Callable

from ..content import overrides
from ..model import Account, Post
from ..platforms.base import Platform
from ..text.i18n import Words

Block = Callable[[type[Platform], str, Post, Words], list[str]]


def account_lines(
    cls: type[Platform],
    account: Account,
    post: Post,
    w: Words,
    block: Block,
    quote: tuple[Callable[[str], str], Callable[[str], str]],
) -> list[str]:
    """The preview of `post` as `account` gets it; `block` renders one text (preview's
    `_platform`), `quote` is preview's (code, safe): a file name, user text."""
    view = overrides.view(post, account)
    name = account.name
    if view.parts and cls.thread_style == "reply":
        lines: list[str] = []
        count = len(view.parts)
        for index in range(count):
            shown = block(cls, name, overrides.part(view, index), w)
            said = w.gettext("part {n} of {count}").format(n=index + 1, count=count)
            lines += [f"{shown[0]} · {said}", *shown[1:]]
    else:
        lines = block(cls, name, view, w)
    if overrides.own_text(post, account):
        lines += ["_" + w.gettext("This account gets a text of its own.") + "_", ""]
    if view.media != post.media:
        lines += _media(view, w, quote)
    if post.poll is not None and cls.polls is not None:
        lines += _poll(post, w, quote[1])
    return lines


def _media(view: Post, w: Words, quote: tuple[Callable, Callable]) -> list[str]:
    code, safe = quote
    if not view.media:
        return ["- " + w.gettext("Media for this account: none"), ""]
    head = w.gettext("Media for this account:")
    items = [f"{code(m.src)} “{safe(m.alt)}”" for m in view.media]
    return [f"- {head} " + ", ".join(items), ""]


def _poll(post: Post, w: Words, safe: Callable[[str], str]) -> list[str]:
    poll = post.poll
    assert poll is not None
    head = w.gettext("Poll:")
    how = w.gettext("several answers") if poll.multiple else w.gettext("one answer")
    open_for = w.gettext("open {duration}").format(duration=w.duration(poll.seconds))
    options = " / ".join(f"“{safe(o)}”" for o in poll.options)
    return [f"- {head} {options} ({open_for}, {how})", ""]
