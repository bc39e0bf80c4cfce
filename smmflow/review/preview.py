"""`smmflow preview`: what each changed post will look like on each of its accounts,
as Markdown a client can read in a pull request comment."""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..check import ads as adcheck
from ..check import mix, rules
from ..content import adwords
from ..content.repo import Repo
from ..errors import Problem, Severity
from ..ledger.gitstore import Store
from ..model import Group, Post
from ..platforms import registry
from ..platforms.base import Rendered
from ..text.headline import headline
from ..text.i18n import Words, type_name, words
from . import changes, edited, firstcomments

MARKER = "<!-- smmflow-preview -->"
LIMIT = 65000  # GitHub refuses comments over 65,536 characters


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _safe(text: str) -> str:
    """Inline user text: no Markdown or HTML from it takes effect, and no bidirectional
    control reorders the comment (`check` refuses them in posts; group names reach here)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~&])", r"\\\1", _BIDI.sub("", text))


def _hidden_links(style: str, rendered: Rendered) -> list[tuple[str, str]]:
    """(anchor, address) of each link whose address the reader does not see in the text
    (Telegram's <a href>, Bluesky's link facets): the client must still see where it goes."""
    found = []
    if style == "telegram":
        for href, inner in re.findall(r'<a href="([^"]*)">(.*?)</a>', rendered.text, re.S):
            found.append((html.unescape(re.sub(r"<[^>]*>", "", inner)), html.unescape(href)))
    elif style == "bluesky":
        raw = rendered.visible.encode("utf-8")
        for facet in rendered.facets:
            index = facet.get("index") or {}
            for feature in facet.get("features") or ():
                if str(feature.get("$type", "")).endswith("#link") and feature.get("uri"):
                    anchor = raw[index.get("byteStart", 0) : index.get("byteEnd", 0)]
                    found.append((anchor.decode("utf-8", "replace"), feature["uri"]))
    return [(anchor, href) for anchor, href in found if anchor.strip() != href]


def _code(text: str) -> str:
    text = re.sub(r"[\r\n]+", " ", text)  # a code span cannot hold a blank line
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _mix(group: Group, posts: list[Post], post: Post, w: Words) -> str:
    """The month's shares against the group's share rules, as `check.mix` counts them."""
    month = [p for p in posts if (p.date.year, p.date.month) == (post.date.year, post.date.month)]
    figures = mix.evaluate(group, month)
    counts = {c.type: c for c in figures.counts}
    parts = []
    for post_type in group.types:
        rules = [r for r in figures.rules if r.type == post_type and r.rule != "max_in_a_row"]
        if not counts[post_type].count and not any(r.type == post_type for r in group.mix):
            continue
        shown = (
            f"{counts[post_type].count}/{figures.total} ({w.percent(counts[post_type].share, 0)})"
        )
        text = f"{_safe(type_name(w, post_type))} {shown}"
        for rule in rules:
            most = rule.rule == "max_share"
            word = w.gettext("at most {limit}") if most else w.gettext("at least {limit}")
            said = word.format(limit=w.percent(rule.limit, 0))
            text += f", {said} {'❌' if rule.ok is False else '✅'}"
        parts.append(text)
    head = w.gettext("Mix for {month}, with this change:").format(
        month=w.month(post.date.year, post.date.month)
    )
    return f"**{head}** " + " · ".join(parts)


def _when(post: Post, group: Group, w: Words) -> str:
    local = w.pattern(post.date, "EEEE d MMMM yyyy, HH:mm")
    when = w.gettext("When:")
    return f"**{when}** {local} ({group.timezone}) · {post.utc:%Y-%m-%d %H:%M} UTC  "


def _platform(cls, name: str, post: Post, w: Words) -> list[str]:
    rendered = cls.render(post)
    label = cls.title if name == cls.name else f"{cls.title} ({name})"
    if rendered.limit:
        size = f"{rendered.length} / {rendered.limit} {rendered.unit}"
    else:
        size = w.gettext("{n} characters").format(n=rendered.length)
    over = (
        " ❌ " + w.gettext("too long")
        if rendered.limit and rendered.length > rendered.limit
        else ""
    )
    empty = w.gettext("(no text)")
    lines = [f"#### {label}: {size}{over}", "", _fence(rendered.visible or empty), ""]
    hidden = _hidden_links(cls.style, rendered)
    if hidden:
        link = w.gettext("link")
        lines += [f"- {link} “{_safe(anchor)}” → {_code(href)}" for anchor, href in hidden] + [""]
    if cls.style == "telegram":
        lines += [
            "_" + w.gettext("On Telegram, bold, italic and links show as formatting.") + "_",
            "",
        ]
    return lines


def _promotion(found: adcheck.Ads, post: Post, w: Words) -> list[str]:
    """The audience in words and the budget next to a promoted post (docs/ads.md)."""
    promotion = next((p for p in found.promotions if p.post.path == post.path), None)
    if promotion is None:
        return []
    audience = found.audience(promotion)
    settings = found.settings[post.group]
    said = adwords.promotion_lines(promotion, audience, settings, w)
    lines = [f"- {_safe(line)}" for line in said]
    wrong = [p for p in found.blocking(promotion) if p.path != post.path]
    line = w.gettext("line {n}")
    lines += [f"- ❌ {_code(p.path)} {line.format(n=p.line)}: {_safe(p.message)}" for p in wrong]
    return ["**" + w.gettext("Paid promotion:") + "**", *lines, ""]


def render_post(
    repo: Repo, post: Post, problems: list[Problem], ads: adcheck.Ads | None = None
) -> str:
    group = repo.groups[post.group]
    w = words(group.language)
    kind, status, file = w.gettext("Type:"), w.gettext("Status:"), w.gettext("File:")
    facts = (
        f"**{kind}** {_safe(type_name(w, post.type))} · "
        f"**{status}** {post.status} · **{file}** {_code(post.path)}"
    )
    lines = [
        f"### {_safe(group.name)}: {_safe(headline(post))}",
        "",
        _when(post, group, w),
        facts,
        "",
    ]
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        if account is not None and cls is not None:
            lines += _platform(cls, name, post, w)
    lines += firstcomments.lines(post, group, w, _fence)
    if post.media:
        lines.append("**" + w.gettext("Media:") + "**")
        for media in post.media:
            kind = w.gettext("video") if media.kind == "video" else w.gettext("image")
            said = w.gettext("{kind}, {size} bytes").format(kind=kind, size=w.number(media.size))
            alt = w.gettext("alt text")
            lines.append(f"- {_code(media.src)} ({said}): {alt} “{_safe(media.alt)}”")
        lines.append("")
    lines += _promotion(ads, post, w) if ads is not None else []
    lines += [_mix(group, repo.posts_of(post.group), post, w), ""]
    mine = [p for p in problems if p.path == post.path]
    if mine:
        lines.append("**" + w.gettext("Warnings and errors:") + "**")
        for p in mine:
            icon = "❌" if p.severity is Severity.ERROR else "⚠️"
            where = w.gettext("line {n}").format(n=p.line) if p.line else w.gettext("file")
            lines.append(
                f"- {icon} {where}{' ' + _code(p.field) if p.field else ''}: {_safe(p.message)}"
            )
        lines.append("")
    return "\n".join(lines)


def _language(repo: Repo, changed: list[str]) -> Words:
    """The comment's language: its groups' when they share one, else English."""
    found = {
        repo.groups[g].language
        for path in changed
        if (g := path.split("/")[1] if path.count("/") >= 2 else "") in repo.groups
    }
    return words(found.pop() if len(found) == 1 else "en")


def _audiences(found: adcheck.Ads, paths: list[str], w: Words) -> list[str]:
    """Changed audience files in words, with the promotions that use them."""
    parts = ["### " + w.gettext("Audiences changed"), ""]
    for audience in (a for a in found.audiences.values() if a.path in paths):
        users = [p.post.id for p in found.promotions if found.audience(p) is audience]
        used = (
            " — " + w.gettext("used by {posts}").format(posts=", ".join(_code(u) for u in users))
            if users
            else ""
        )
        parts.append(f"- {_code(audience.path)}: {_safe(adwords.who(audience, w))}{used}")
    return [*parts, ""] if len(parts) > 2 else []


def _diff(text: str, w: Words) -> list[str]:
    """An edited post's changes as a diff block (a new post has none)."""
    fence = _fence(text)
    return [
        "**" + w.gettext("What changed in the file:") + "**",
        "",
        f"{fence}diff",
        text,
        fence,
        "",
    ]


def build(
    repo: Repo,
    changed: list[str],
    deleted: list[str],
    audiences: list[str] = (),
    edits: dict[str, list[str]] | None = None,
    diffs: dict[str, str] | None = None,
) -> str:
    """`edits`: per post path, the lines about its edit after publication (review/edited);
    `diffs`: per post path, what changed in the file since the base."""
    problems = rules.check(repo)
    by_path = {p.path: p for p in repo.posts}
    promoted = any(k == "promote" for p in changed if p in by_path for k, _ in by_path[p].lines)
    ads = adcheck.load(repo) if promoted or audiences else None
    problems += ads.problems if ads is not None else []
    w = _language(repo, [*changed, *audiences])
    title = w.ngettext(
        "smmflow preview: {n} post added or changed",
        "smmflow preview: {n} posts added or changed",
        len(changed),
    ).format(n=len(changed))
    parts = [MARKER, f"## {title}", ""]
    if not changed and not deleted:
        parts.append(w.gettext("No post changed."))
    for path in changed:
        post = by_path.get(path)
        if post is None:
            errors = [p for p in problems if p.path == path]
            parts += [
                f"### {_code(path)}",
                "",
                "❌ " + w.gettext("This post has errors and cannot be previewed:"),
                "",
            ]
            line = w.gettext("line {n}")
            parts += [
                f"- {line.format(n=p.line)}{' ' + _code(p.field) if p.field else ''}: {_safe(p.message)}"
                for p in errors
            ] or [
                "- " + w.gettext("it did not load; run `smmflow check` (is its name valid UTF-8?)")
            ]
            parts.append("")
            continue
        parts.append(render_post(repo, post, problems, ads))
        parts += (edits or {}).get(path, [])
        parts += _diff(diffs[path], w) if diffs and path in diffs else []
    parts += _audiences(ads, list(audiences), w) if ads is not None else []
    if deleted:
        parts += (
            ["### " + w.gettext("Removed"), ""] + [f"- {_code(path)}" for path in deleted] + [""]
        )
    text = "\n".join(parts).rstrip() + "\n"
    if len(text) > LIMIT:
        cut = w.gettext(
            "cut: the preview is longer than a comment may be; run `smmflow preview` locally"
        )
        text = text[:LIMIT] + f"\n\n…({cut})\n"
    return text


def preview_for(root: Path, repo: Repo, base: str | None) -> str:
    """What changed since `base` (None: the default branch, `changes.resolve_base`)."""
    store = Store(root)
    try:
        base = changes.resolve_base(store, base)
        since = changes.merge_base(store, base)
        changed, deleted = changes.changed_posts(store, since)
        audiences = store.run("diff", "-z", "--name-only", since, "--", "audiences")
        diffs = changes.post_diffs(store, since, changed)
        edits = edited.notes(store, repo, changed, base)
    finally:
        store.close()
    found = [p for p in audiences.split("\0") if p]
    return build(repo, changed, deleted, found, edits, diffs)
