"""The rules `smmflow check` applies to loaded content, beyond what loading already found."""

from __future__ import annotations

import re
from collections import defaultdict

from ..content import firstcomment
from ..content.repo import Repo
from ..errors import Problem, Severity
from ..model import Group, Post
from ..platforms import registry
from ..platforms.base import Limits, Platform
from . import mediafit, mix

_HASHTAG = re.compile(r"(?:^|\s)#\w")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def _account_line(post: Post, account: str) -> int:
    index = post.platforms.index(account) if account in post.platforms else -1
    return post.line(f"platforms.{index}") if index >= 0 else post.line("platforms")


def check_post(post: Post, group: Group) -> list[Problem]:
    """Limits of every target platform, checked on what that platform would receive."""
    found: list[Problem] = []
    classes = []
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        if account is None or cls is None:
            continue
        classes.append(cls)
        shown = name if name == cls.name else f"{name} ({cls.name})"
        found += _text(post, cls, shown)
        found += _media_count(post, name, cls.limits, shown)
        found += mediafit.problems(post, cls, account, shown)
        found += cls.post_problems(post, account, group)
    found += mediafit.unprobed(post, classes)
    found += firstcomment.problems(post, group)
    named = _DATED_NAME.match(post.path.rsplit("/", 1)[-1])
    if named and named.group(1) != post.date.strftime("%Y-%m-%d"):
        message = f"is {post.date:%Y-%m-%d} but the file name says {named.group(1)}"
        found.append(
            Problem(post.path, post.line("date"), "date", message, Severity.WARNING, "name-date")
        )
    return found


def _body(post: Post, message: str, code: str) -> Problem:
    return Problem(post.path, post.body_line, "body", message, code=code)


def _text(post: Post, cls: type[Platform], shown: str) -> list[Problem]:
    """The text as `cls` receives it: its length, its bytes, its hashtags."""
    lim = cls.limits
    if lim.text is None and lim.text_bytes is None and not lim.hashtags_max:
        return []
    rendered = cls.render(post)
    found = []
    if rendered.limit is not None and rendered.length > rendered.limit:
        what = "caption (text with media)" if post.media and lim.caption else "text"
        size = f"{rendered.length} of {rendered.limit} {rendered.unit}"
        found.append(_body(post, f"{what} too long for {shown}: {size}", "too-long"))
    size = len(rendered.visible.encode("utf-8"))
    if lim.text_bytes is not None and size > lim.text_bytes:
        message = f"text too long for {shown}: {size} of {lim.text_bytes} bytes"
        found.append(_body(post, message, "too-long"))
    tags = len(_HASHTAG.findall(rendered.visible)) if lim.hashtags_max is not None else 0
    if lim.hashtags_max is not None and tags > lim.hashtags_max:
        found.append(_body(post, f"{tags} hashtags; {shown} allows {lim.hashtags_max}", "hashtags"))
    return found


def _media_count(post: Post, account: str, lim: Limits, shown: str) -> list[Problem]:
    found = []
    if lim.media_required and not post.media:
        message = f"{shown} needs at least one image or video: add `media:`"
        line = _account_line(post, account)
        found.append(Problem(post.path, line, "media", message, code="media-required"))
    line = post.line("media")
    if len(post.media) > lim.media_max:
        message = f"{len(post.media)} media files; {shown} takes at most {lim.media_max}"
        found.append(Problem(post.path, line, "media", message, code="media-count"))
    videos = [m for m in post.media if m.kind == "video"]
    if videos and (len(videos) > lim.videos_max or (lim.videos_max == 1 and len(post.media) > 1)):
        message = f"{shown} takes one video per post, without other media"
        found.append(Problem(post.path, line, "media", message, code="media-count"))
    return found


def check_mix(group: Group, posts: list[Post]) -> list[Problem]:
    """The group's content-mix rules, per calendar month in the group's timezone."""
    found: list[Problem] = []
    for month in mix.months(posts):
        figures = mix.evaluate(group, month)
        label = month[0].date.strftime("%B %Y")
        for check in figures.rules:
            if check.ok is False:
                found += _mix_problems(group, figures, check, label)
    return found


def _mix_problems(
    group: Group, figures: mix.Mix, check: mix.RuleCheck, label: str
) -> list[Problem]:
    count = next(c.count for c in figures.counts if c.type == check.type)
    has = f"{label} has {count} {check.type} posts of {figures.total} ({check.actual:.0%})"
    if check.rule == "min_share":
        key = f"mix.{check.type}.min_share"
        message = f"{has}; the mix needs at least {check.limit:.0%}"
        return [Problem(group.path, group.line(key), key, message, code="mix-min-share")]
    found = []
    for run in check.breaking:
        post = run[-1]
        if check.rule == "max_share":
            message, code = f"{has}; the mix allows at most {check.limit:.0%}", "mix-max-share"
        else:
            names = ", ".join(p.path.rsplit("/", 1)[-1] for p in run)
            message = (
                f"{len(run)} {check.type} posts in a row ({names}); the mix allows "
                f"{int(check.limit)}: put another type between them"
            )
            code = "mix-in-a-row"
        found.append(Problem(post.path, post.line("type"), "type", message, code=code))
    return found


def check_collisions(group: Group, posts: list[Post]) -> list[Problem]:
    """Two posts on one account at the same minute (a warning: usually a copy-paste slip)."""
    found: list[Problem] = []
    seen: dict[tuple[str, int], Post] = {}
    for post in sorted(posts, key=lambda p: (p.ts, p.path)):
        if post.status == "withdrawn":
            continue
        minute = int(post.ts // 60)
        for account in post.platforms:
            first = seen.setdefault((account, minute), post)
            if first is not post:
                found.append(
                    Problem(
                        post.path,
                        post.line("date"),
                        "date",
                        f"{first.path} also goes to {account} at {post.date:%Y-%m-%d %H:%M}",
                        Severity.WARNING,
                        "same-minute",
                    )
                )
                break
    return found


def check_group(group: Group) -> list[Problem]:
    """Group-level advice: Instagram needs its media on a public URL; no invisible controls
    in what pages and previews show (a bidirectional override would reorder them)."""
    from ..text.guard import invisible

    found = []
    for key, text in [
        ("name", group.name),
        *((f"types.{i}", t) for i, t in enumerate(group.types)),
    ]:
        hidden = invisible(text)
        if hidden is not None:
            found.append(Problem(group.path, group.line(key), key, hidden[1], code="invisible"))
    feed_url = any(a.platform == "feed" and a.get("base_url") for a in group.accounts)
    for account in group.accounts:
        if account.platform == "instagram" and not account.get("media_base_url") and not feed_url:
            key = f"accounts.{account.name}"
            found.append(
                Problem(
                    group.path,
                    group.line(key),
                    key,
                    "Instagram fetches media from a public URL: set `media_base_url` (where "
                    f"content/{group.id}/ is served) or a `base_url` on the group's feed account",
                    Severity.WARNING,
                    "media-url",
                )
            )
    return found


def check(repo: Repo) -> list[Problem]:
    """Every problem in the repository: loading problems plus the rules above, sorted."""
    problems = list(repo.problems)
    for group in repo.groups.values():
        problems.extend(check_group(group))
    by_group: dict[str, list[Post]] = defaultdict(list)
    for post in repo.posts:
        by_group[post.group].append(post)
    for group_id, posts in by_group.items():
        group = repo.groups[group_id]
        if not repo.posts_checked:
            for post in posts:
                problems.extend(check_post(post, group))
        problems.extend(check_mix(group, posts))
        problems.extend(check_collisions(group, posts))
    return sorted(set(problems), key=_order)


def _order(p: Problem) -> tuple:
    return (p.path, p.line, p.field, p.message, p.severity.value, p.code)
