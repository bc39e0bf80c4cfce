"""The rules `smmflow check` applies to loaded content, beyond what loading already found."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from ..content import firstcomment
from ..content.repo import Repo
from ..errors import Problem, Severity
from ..model import Group, Post
from ..platforms import registry
from ..platforms.base import Limits, Platform
from . import mix
from .output import counted

# The first words of the body `smmflow new` writes: a post that still has them is unwritten.
PLACEHOLDER = "Write the post here."
_HASHTAG = re.compile(r"(?:^|\s)#\w")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def _account_line(post: Post, account: str) -> int:
    index = post.platforms.index(account) if account in post.platforms else -1
    return post.line(f"platforms.{index}") if index >= 0 else post.line("platforms")


def check_post(post: Post, group: Group) -> list[Problem]:
    """Limits of every target platform, checked on what that platform would receive."""
    found: list[Problem] = []
    for name in post.platforms:
        account = group.account(name)
        cls = registry.get(account.platform) if account else None
        if account is None or cls is None:
            continue
        shown = name if name == cls.name else f"{name} ({cls.name})"
        found += _text(post, cls, shown)
        found += _media_count(post, name, cls.limits, shown)
        found += _media_files(post, cls.limits, shown)
        found += cls.post_problems(post, account, group)
    found += firstcomment.problems(post, group)
    if post.status == "ready" and PLACEHOLDER in post.body:
        message = (
            f"still the template's text ({PLACEHOLDER!r}...): write the post, "
            "or keep `status: draft` until it is written"
        )
        found.append(_body(post, message, "placeholder"))
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
        # A draft is still being written: say what it lacks, fail once it is `ready`.
        if post.status == "draft":
            message += " before the post is `ready`"
        level = Severity.WARNING if post.status == "draft" else Severity.ERROR
        found.append(Problem(post.path, line, "media", message, level, "media-required"))
    line = post.line("media")
    if len(post.media) > lim.media_max:
        message = f"{len(post.media)} media files; {shown} takes at most {lim.media_max}"
        found.append(Problem(post.path, line, "media", message, code="media-count"))
    videos = [m for m in post.media if m.kind == "video"]
    if videos and (len(videos) > lim.videos_max or (lim.videos_max == 1 and len(post.media) > 1)):
        message = f"{shown} takes one video per post, without other media"
        found.append(Problem(post.path, line, "media", message, code="media-count"))
    return found


def _media_files(post: Post, lim: Limits, shown: str) -> list[Problem]:
    found = []
    for i, media in enumerate(post.media):
        key = f"media.{i}.src"
        if media.file.suffix.lower() not in lim.media_suffixes:
            allowed = ", ".join(sorted(lim.media_suffixes))
            message = f"{shown} does not take {media.file.suffix} files (it takes {allowed})"
            found.append(Problem(post.path, media.line, key, message, code="media-type"))
        cap = lim.video_bytes if media.kind == "video" else lim.image_bytes
        if cap is not None and media.size > cap:
            message = f"{media.src} is {media.size:,} bytes; {shown} takes at most {cap:,}"
            found.append(Problem(post.path, media.line, key, message, code="media-size"))
    return found


def check_mix(
    group: Group,
    posts: list[Post],
    now: dt.datetime | None = None,
    broken: Iterable[str] = (),
) -> list[Problem]:
    """The group's content-mix rules, per calendar month in the group's timezone: an error
    for a rule the month can no longer meet, a warning for one its open places (drafts,
    empty slots ahead of `now`) can still mend. A month with a post file that did not load
    (`broken`: its path) is not judged: the mix would miss that post."""
    found: list[Problem] = []
    unjudged = _unloaded_months(broken)
    for month in mix.months(posts):
        label = month[0].date.strftime("%B %Y")
        key = (month[0].date.year, month[0].date.month)
        if key in unjudged or None in unjudged:
            found.append(_not_judged(group, label, unjudged.get(key) or unjudged[None]))
            continue
        figures = mix.evaluate(group, month, now)
        for check in figures.rules:
            if check.ok is False:
                found += _mix_problems(group, figures, check, label)
    return found


def _unloaded_months(paths: Iterable[str]) -> dict[tuple[int, int] | None, list[str]]:
    """Month (from the file name's date; None when it has none) -> post files not loaded."""
    months: dict[tuple[int, int] | None, list[str]] = {}
    for path in paths:
        named = _DATED_NAME.match(path.rsplit("/", 1)[-1])
        key = (int(named.group(1)[:4]), int(named.group(1)[5:7])) if named else None
        months.setdefault(key, []).append(path)
    return months


def _not_judged(group: Group, label: str, paths: list[str]) -> Problem:
    """One warning, on the first file that did not load (whose errors say what to fix)."""
    more = f" and {counted(len(paths) - 1, 'other post')}" if len(paths) > 1 else ""
    message = f"the mix of {label} is not checked until this post{more} loads"
    return Problem(paths[0], 1, "", message, Severity.WARNING, "mix-unjudged")


def _mix_problems(
    group: Group, figures: mix.Mix, check: mix.RuleCheck, label: str
) -> list[Problem]:
    if check.mendable:
        return [_mix_warning(group, figures, check, label)]
    count = next(c.count for c in figures.counts if c.type == check.type)
    has = f"{label} has {counted(count, f'{check.type} post')} of {figures.total} ({check.actual:.0%})"
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


def _mix_warning(group: Group, figures: mix.Mix, check: mix.RuleCheck, label: str) -> Problem:
    """One warning on the group's rule for a month still being planned."""
    count = next(c.count for c in figures.counts if c.type == check.type)
    so_far = f"{counted(count, f'{check.type} post')} of {figures.total} ({check.actual:.0%})"
    if check.rule == "max_in_a_row":
        so_far = f"{int(check.actual)} {check.type} posts in a row"
    places = [
        counted(figures.empty_ahead, "empty slot") + " ahead" if figures.empty_ahead else "",
        counted(figures.drafts, "draft") if figures.drafts else "",
    ]
    open_places = " and ".join(p for p in places if p) or "posts still to come (no slots)"
    key = f"mix.{check.type}.{check.rule}"
    message = (
        f"{label} so far has {so_far}; the mix wants {check.describe().split(' (')[0]}: "
        f"{open_places} can still mend it (an error once they cannot)"
    )
    code = {"max_share": "mix-max-share", "min_share": "mix-min-share"}.get(
        check.rule, "mix-in-a-row"
    )
    return Problem(group.path, group.line(key), key, message, Severity.WARNING, code)


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


def check(repo: Repo, now: dt.datetime | None = None) -> list[Problem]:
    """Every problem in the repository: loading problems plus the rules above, sorted.
    `now` (default: the clock) tells months still being planned from settled ones."""
    now = now or dt.datetime.now(dt.timezone.utc)
    problems = list(repo.problems)
    for group in repo.groups.values():
        problems.extend(check_group(group))
    unloaded = _unloaded(repo)
    by_group: dict[str, list[Post]] = defaultdict(list)
    for post in repo.posts:
        by_group[post.group].append(post)
    for group_id, posts in by_group.items():
        group = repo.groups[group_id]
        if not repo.posts_checked:
            for post in posts:
                problems.extend(check_post(post, group))
        problems.extend(check_mix(group, posts, now, unloaded.get(group_id, ())))
        problems.extend(check_collisions(group, posts))
    return sorted(set(problems), key=_order)


def _unloaded(repo: Repo) -> dict[str, list[str]]:
    """Group id -> its post files that have errors and so did not load."""
    loaded = {p.path for p in repo.posts}
    found: dict[str, set[str]] = defaultdict(set)
    for p in repo.problems:
        parts = p.path.split("/")
        if len(parts) >= 3 and parts[0] == "content" and p.path not in loaded:
            if p.severity is Severity.ERROR and p.path.endswith(".md"):
                found[parts[1]].add(p.path)
    return {group: sorted(paths) for group, paths in found.items()}


def _order(p: Problem) -> tuple:
    return (p.path, p.line, p.field, p.message, p.severity.value, p.code)
