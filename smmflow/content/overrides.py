"""Per-platform and per-account versions of one post, and threads: read with their lines,
and applied per account (`view`).

A body may hold sections: a line `<!-- bluesky -->` (a platform: every account on it) or
`<!-- telegram-promo -->` (one account) starts the text that platform or account gets
instead of the post's; the text before the first such line is the post's own. A line
`<!-- part -->` splits a text into the parts of a thread. The front matter may give a
platform or account its own media subset and alt texts in a block named after it
(`instagram: {media: [media/a.jpg], alt: {media/a.jpg: ...}}`), beside the keys a platform
declares as `post_options` (content/platformkeys). Everything is in the post file, so an
approval of its bytes approves every version (docs/format.md).
"""

from __future__ import annotations

import dataclasses
import re

from ..errors import Problem, Severity
from ..model import Account, Group, Media, Override, Post
from ..platforms import registry
from .fields import Fields, did_you_mean

PART = "part"  # `<!-- part -->`: the next part of a thread
RESERVED = ("media", "alt")  # keys of a `<platform>:`/`<account>:` block no platform may declare
# `<!-- Bluesky -->` too: a marker never reaches a platform as text (names are lowercase)
_MARKER = re.compile(r"^<!--\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*-->\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclasses.dataclass
class Section:
    name: str  # "" for the post's own text
    line: int
    lines: list[str] = dataclasses.field(default_factory=list)
    parts: list[tuple[int, list[str]]] = dataclasses.field(default_factory=list)

    def text(self) -> tuple[str, tuple[tuple[str, int], ...]]:
        """(the text, its parts joined; the parts, (Markdown, line) each, when there are
        several). Empty parts are left out (`empty_parts` names them)."""
        parts = tuple(
            ("\n".join(lines).strip("\n"), _first(line, lines)) for line, lines in self.parts
        )
        if len(parts) == 1:
            return parts[0][0], ()
        kept = tuple(p for p in parts if p[0].strip())
        return "\n\n".join(text for text, _ in kept), kept

    def empty_parts(self) -> list[int]:
        """The lines of `<!-- part -->` parts with no text."""
        if len(self.parts) == 1:
            return []
        return [line - 1 for line, lines in self.parts if not "\n".join(lines).strip()]


def _first(line: int, lines: list[str]) -> int:
    """The line of the first written line of a part (blank lines before it skipped)."""
    blank = next((i for i, text in enumerate(lines) if text.strip()), 0)
    return line + blank


def sections(body: str, body_line: int) -> list[Section]:
    """The body cut at its `<!-- name -->` lines (outside code fences); the first section is
    the post's own text (name "")."""
    found = [Section("", body_line)]
    found[0].parts.append((body_line, []))
    fence = ""
    for number, line in enumerate(body.split("\n"), start=body_line):
        opened = _FENCE.match(line)
        if opened and (not fence or opened.group(1) == fence):
            fence = "" if fence else opened.group(1)
        marker = None if fence else _MARKER.match(line)
        name = marker.group(1).lower() if marker else ""
        if marker is None:
            found[-1].parts[-1][1].append(line)
        elif name == PART:
            found[-1].parts.append((number + 1, []))
        else:
            found.append(Section(name, number))
            found[-1].parts.append((number + 1, []))
    return found


def own_body(body: str) -> str:
    """The post's own text of a raw body (sections left out, parts joined)."""
    if "<!--" not in body:
        return body
    return sections(body, 1)[0].text()[0]


def read_body(f: Fields, body: str, body_line: int, group: Group) -> tuple[str, tuple, dict]:
    """(the post's own text, its parts, {target: (text, parts, line, first line)}), every
    unknown, repeated or empty section reported at its line."""
    if "<!--" not in body:
        return body, (), {}
    cut = sections(body, body_line)
    own, parts = cut[0].text()
    for section in cut:
        for line in section.empty_parts():
            where = dict(path=f.path, line=max(line, body_line))
            message = "an empty part: write its text, or remove the `<!-- part -->` line"
            _problem(f, where, "body", message, "empty-part")
    names = targets(group)
    texts: dict[str, tuple[str, tuple, int]] = {}
    for section in cut[1:]:
        key = f"body.{section.name}"
        where = dict(path=f.path, line=section.line)
        if section.name not in names and section.name in registry.names():
            message = f"{group.id} has no {section.name} account, so this text is never used"
            _problem(f, where, key, message, "unused-section", Severity.WARNING)
            continue
        if section.name not in names:
            hint = did_you_mean(section.name, names)
            _problem(
                f,
                where,
                key,
                f"<!-- {section.name} --> names no account or platform of {group.id}{hint}; its accounts: {', '.join(a.name for a in group.accounts)}",
                "unknown-section",
            )
            continue
        if section.name in texts:
            _problem(
                f,
                where,
                key,
                f"a second <!-- {section.name} --> section (the first is at line {texts[section.name][2]})",
                "duplicate-section",
            )
            continue
        text, its_parts = section.text()
        if not text.strip():
            _problem(
                f,
                where,
                key,
                "the section is empty: write the text this platform gets, or remove the line",
                "empty-section",
            )
            continue
        first = _first(section.line + 1, section.parts[0][1])
        texts[section.name] = (text, its_parts, section.line, first)
    return own, parts, texts


def _problem(
    f: Fields, where: dict, key: str, message: str, code: str, severity=Severity.ERROR
) -> None:
    f.problems.append(Problem(where["path"], where["line"], key, message, severity, code))


def targets(group: Group | None) -> tuple[str, ...]:
    """The group's account names and their platforms: what a section or block may name."""
    if group is None:
        return ()
    names = [a.name for a in group.accounts]
    return tuple(dict.fromkeys([*names, *(a.platform for a in group.accounts)]))


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
                _problem(f, where, name, message, "unused-keys", Severity.WARNING)
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
