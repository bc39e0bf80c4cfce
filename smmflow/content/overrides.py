"""Per-platform and per-account versions of one post: the `media`/`alt` a block named
after a platform or an account gives it (`instagram: {media: [media/a.jpg], alt:
{media/a.jpg: ...}}`, beside the keys a platform declares as `post_options`, read by
content/platformkeys), joined with the texts of the body's sections (content/sections),
and `view`: the post as one account gets it. Everything is in the post file, so an
approval of its bytes approves every version (docs/format.md).
"""

from __future__ import annotations

import dataclasses

from ..errors import Severity
from ..model import Account, Group, Media, Override, Post
from ..platforms import registry
from .fields import Fields, did_you_mean
from .sections import problem_at, targets

RESERVED = ("media", "alt")  # keys of a `<platform>:`/`<account>:` block no platform may declare


def block_names(group: Group | None) -> tuple[str, ...]:
    """Front-matter keys that may hold a platform's or account's block."""
    accounts = tuple(a.name for a in group.accounts) if group else ()
    return tuple(dict.fromkeys([*registry.names(), *accounts]))


def read(
    f: Fields, raw: dict, group: Group, media: tuple[Media, ...], texts: dict
) -> tuple[Override, ...]:
    """The overrides of a post: its sections' texts and its blocks' `media`/`alt`."""
    found: dict[str, Override] = {
        name: Override(name, text, parts, line, body_line=first)
        for name, (text, parts, line, first) in texts.items()
    }
    names = targets(group)
    for name in block_names(group):
        if name not in raw:
            continue
        block = _block(f, name, raw[name])
        if not block or not any(k in block for k in RESERVED):
            continue
        if name not in names:
            if not _declares_options(name):  # else platformkeys says so already
                message = f"{group.id} has no {name} account, so these keys are never used"
                where = dict(path=f.path, line=f.line(name, value=False))
                problem_at(f, where, name, message, "unused-keys", Severity.WARNING)
            continue
        subset = _subset(f, name, block, media)
        alt = _alt(f, name, block, media)
        base = found.get(name, Override(name, line=f.line(name, value=False)))
        found[name] = dataclasses.replace(base, media=subset, alt=alt)
    return tuple(found.values())


def _declares_options(name: str) -> bool:
    cls = registry.get(name)
    return bool(cls is not None and cls.post_options)


def _block(f: Fields, name: str, raw: object) -> dict | None:
    """A block's keys; those of a platform with `post_options` are checked there."""
    if _declares_options(name):
        return raw if isinstance(raw, dict) else None
    block = f.mapping(name, raw)
    if block:
        f.unknown_keys(block, RESERVED, prefix=f"{name}.")
    return block


def _subset(f: Fields, name: str, block: dict, media: tuple[Media, ...]) -> tuple[str, ...] | None:
    if "media" not in block:
        return None
    key = f"{name}.media"
    if block["media"] is None or block["media"] == []:
        return ()
    chosen = f.strings(key, block["media"])
    if chosen is None:
        return None
    srcs = [m.src for m in media]
    for i, src in enumerate(chosen):
        if src not in srcs:
            hint = did_you_mean(src, srcs)
            f.error(
                f"{key}.{i}" if isinstance(block["media"], list) else key,
                f"{src!r} is not one of the post's `media:`{hint}; list files of the post's media by their `src`",
                "unknown-media",
            )
    return tuple(dict.fromkeys(s for s in chosen if s in srcs))


def _alt(
    f: Fields, name: str, block: dict, media: tuple[Media, ...]
) -> tuple[tuple[str, str], ...]:
    key = f"{name}.alt"
    given = f.mapping(key, block.get("alt"))
    if not given:
        return ()
    srcs = [m.src for m in media]
    found = []
    for src, value in given.items():
        text = f.string(f"{key}.{src}", value)
        if src not in srcs:
            hint = did_you_mean(str(src), srcs)
            f.error(
                f"{key}.{src}",
                f"{src!r} is not one of the post's `media:`{hint}",
                "unknown-media",
                value=False,
            )
        elif text is not None and not text.strip():
            f.error(f"{key}.{src}", "is empty: alt text describes the picture", "alt")
        elif text is not None:
            found.append((str(src), text))
    return tuple(found)


# -- applied per account ---------------------------------------------------------------------
def chosen(post: Post, account: Account) -> tuple[Override | None, Override | None]:
    """(the account's override, its platform's), either None."""
    mine = theirs = None
    for item in post.overrides:
        if item.target == account.name:
            mine = item
        if item.target == account.platform:
            theirs = item
    return mine, theirs


def own_text(post: Post, account: Account) -> bool:
    """Whether the account (or its platform) has a text of its own in the post."""
    return any(o is not None and o.body is not None for o in chosen(post, account))


def view(post: Post, account: Account) -> Post:
    """The post as `account` gets it: its own text, parts, media and alt texts applied
    (the account's before its platform's). The same post when nothing applies."""
    if not post.overrides:
        return post
    mine, theirs = chosen(post, account)
    if mine is None and theirs is None:
        return post
    items = [o for o in (mine, theirs) if o is not None]
    changes: dict = {}
    text = next((o for o in items if o.body is not None), None)
    if text is not None:
        changes.update(body=text.body, parts=text.parts, body_line=text.body_line)
    subset = next((o.media for o in items if o.media is not None), None)
    alts = dict(theirs.alt if theirs else ())
    alts.update(mine.alt if mine else ())
    media = post.media
    if subset is not None:
        by_src = {m.src: m for m in post.media}
        media = tuple(by_src[src] for src in subset if src in by_src)
    if alts:
        media = tuple(dataclasses.replace(m, alt=alts.get(m.src, m.alt)) for m in media)
    if media != post.media:
        changes["media"] = media
    return replace(post, **changes) if changes else post


def replace(post: Post, **changes: object) -> Post:
    """A plain `Post` like `post` with `changes` (a cached post's body is read lazily, so
    `dataclasses.replace` would not do)."""
    values = {f.name: getattr(post, f.name) for f in dataclasses.fields(Post)}
    values.update(changes)
    return Post(**values)


def part(post: Post, index: int) -> Post:
    """Part `index` of a thread (`post.parts`) as a post of its own: the media and the poll
    go with the first part."""
    text, line = post.parts[index]
    first = index == 0
    return replace(
        post,
        body=text,
        parts=(),
        body_line=line,
        media=post.media if first else (),
        poll=post.poll if first else None,
    )
