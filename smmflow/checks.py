"""The rules `smmflow check` applies to loaded content, beyond what loading already found."""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import groupby

from . import platforms
from .errors import Problem, Severity
from .model import Group, Post
from .repo import Repo

_HASHTAG = re.compile(r"(?:^|\s)#\w")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def _account_line(post: Post, account: str) -> int:
    index = post.platforms.index(account) if account in post.platforms else -1
    return post.line(f"platforms.{index}") if index >= 0 else post.line("platforms")


def check_post(post: Post, group: Group) -> list[Problem]:
    """Limits of every target platform, checked on what that platform would receive."""
    found: list[Problem] = []

    def error(field: str, line: int, message: str, code: str) -> None:
        found.append(Problem(post.path, line, field, message, code=code))

    for name in post.platforms:
        account = group.account(name)
        cls = platforms.get(account.platform) if account else None
        if account is None or cls is None:
            continue
        lim = cls.limits
        shown = name if name == cls.name else f"{name} ({cls.name})"
        needs_text = lim.text is not None or lim.text_bytes is not None or lim.hashtags_max
        rendered = cls.render(post) if needs_text else None
        if rendered is not None and rendered.limit is not None and rendered.length > rendered.limit:
            what = "caption (text with media)" if post.media and lim.caption else "text"
            error(
                "body",
                post.body_line,
                f"{what} too long for {shown}: {rendered.length} of {rendered.limit} {rendered.unit}",
                "too-long",
            )
        size = len(rendered.visible.encode("utf-8")) if rendered is not None else 0
        if lim.text_bytes is not None and size > lim.text_bytes:
            error(
                "body",
                post.body_line,
                f"text too long for {shown}: {size} of {lim.text_bytes} bytes",
                "too-long",
            )
        if lim.hashtags_max is not None and rendered is not None:
            tags = len(_HASHTAG.findall(rendered.visible))
            if tags > lim.hashtags_max:
                error(
                    "body",
                    post.body_line,
                    f"{tags} hashtags; {shown} allows {lim.hashtags_max}",
                    "hashtags",
                )
        if lim.media_required and not post.media:
            error(
                "media",
                _account_line(post, name),
                f"{shown} needs at least one image or video: add `media:`",
                "media-required",
            )
        if len(post.media) > lim.media_max:
            error(
                "media",
                post.line("media"),
                f"{len(post.media)} media files; {shown} takes at most {lim.media_max}",
                "media-count",
            )
        videos = [m for m in post.media if m.kind == "video"]
        if videos and (
            len(videos) > lim.videos_max or (lim.videos_max == 1 and len(post.media) > 1)
        ):
            error(
                "media",
                post.line("media"),
                f"{shown} takes one video per post, without other media",
                "media-count",
            )
        for i, media in enumerate(post.media):
            key = f"media.{i}.src"
            if media.file.suffix.lower() not in lim.media_suffixes:
                allowed = ", ".join(sorted(lim.media_suffixes))
                error(
                    key,
                    media.line,
                    f"{shown} does not take {media.file.suffix} files (it takes {allowed})",
                    "media-type",
                )
            cap = lim.video_bytes if media.kind == "video" else lim.image_bytes
            if cap is not None and media.size > cap:
                error(
                    key,
                    media.line,
                    f"{media.src} is {media.size:,} bytes; {shown} takes at most {cap:,}",
                    "media-size",
                )
    named = _DATED_NAME.match(post.path.rsplit("/", 1)[-1])
    if named and named.group(1) != post.date.strftime("%Y-%m-%d"):
        found.append(
            Problem(
                post.path,
                post.line("date"),
                "date",
                f"is {post.date:%Y-%m-%d} but the file name says {named.group(1)}",
                Severity.WARNING,
                "name-date",
            )
        )
    return found


def _month(post: Post) -> tuple[int, int]:
    return post.date.year, post.date.month


def check_mix(group: Group, posts: list[Post]) -> list[Problem]:
    """The group's content-mix rules, per calendar month in the group's timezone."""
    found: list[Problem] = []
    planned = sorted((p for p in posts if p.status != "withdrawn"), key=lambda p: p.ts)
    for _, items in groupby(planned, key=_month):
        month_posts = list(items)
        label = month_posts[0].date.strftime("%B %Y")
        total = len(month_posts)
        for rule in group.mix:
            of_type = [p for p in month_posts if p.type == rule.type]
            share = len(of_type) / total
            if rule.max_share is not None and share > rule.max_share + 1e-9:
                allowed = int(rule.max_share * total + 1e-9)
                for post in of_type[allowed:]:
                    found.append(
                        Problem(
                            post.path,
                            post.line("type"),
                            "type",
                            f"{label} has {len(of_type)} {rule.type} posts of {total} ({share:.0%}); the mix allows at most {rule.max_share:.0%}",
                            code="mix-max-share",
                        )
                    )
            if rule.min_share is not None and share < rule.min_share - 1e-9:
                key = f"mix.{rule.type}.min_share"
                found.append(
                    Problem(
                        group.path,
                        group.line(key),
                        key,
                        f"{label} has {len(of_type)} {rule.type} posts of {total} ({share:.0%}); the mix needs at least {rule.min_share:.0%}",
                        code="mix-min-share",
                    )
                )
            if rule.max_in_a_row is not None:
                run: list[Post] = []
                for post in month_posts:
                    run = run + [post] if post.type == rule.type else []
                    if len(run) == rule.max_in_a_row + 1:
                        names = ", ".join(p.path.rsplit("/", 1)[-1] for p in run)
                        found.append(
                            Problem(
                                post.path,
                                post.line("type"),
                                "type",
                                f"{len(run)} {rule.type} posts in a row ({names}); the mix allows {rule.max_in_a_row}: put another type between them",
                                code="mix-in-a-row",
                            )
                        )
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
    from .posts import invisible

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
