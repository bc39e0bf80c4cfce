"""`check` of what one account gets of a post beyond its single text: each part of a thread
against the platform's limit, a split the platform cannot carry, and a poll against the
platform's poll bounds (platforms/polls). The text rule itself is check/rules' `_text`,
passed in."""

from __future__ import annotations

from collections.abc import Callable

from ..content import overrides
from ..errors import Problem, Severity
from ..model import Account, Post
from ..platforms.base import Platform
from ..platforms.polls import PollLimits
from ..text.render import rich

TextRule = Callable[[Post, type[Platform], str], list[Problem]]


def problems(
    post: Post, account: Account, cls: type[Platform], shown: str, text_rule: TextRule
) -> list[Problem]:
    """The text(s) `account` gets of `post` checked, and its poll."""
    view = overrides.view(post, account)
    found = _parts(view, account, cls, shown, text_rule)
    if post.poll is not None:
        found += _poll(post, view, account, cls, shown)
    return found


def _parts(
    view: Post, account: Account, cls: type[Platform], shown: str, text_rule: TextRule
) -> list[Problem]:
    if not view.parts or cls.thread_style == "joined":
        return text_rule(view, cls, shown)
    if cls.thread_style != "reply":
        line = view.parts[1][1] - 1  # the first `<!-- part -->` line
        message = (
            f"split into {len(view.parts)} parts, and {shown} cannot post a thread: give it "
            f"a text of its own (a `<!-- {account.platform} -->` section) or leave it out"
        )
        return [Problem(view.path, line, "body", message, code="thread")]
    found = []
    for i, (_, line) in enumerate(view.parts):
        for problem in text_rule(overrides.part(view, i), cls, shown):
            message = f"part {i + 1} of {len(view.parts)}: {problem.message}"
            found.append(Problem(problem.path, line, problem.field, message, code=problem.code))
    return found


def _poll(
    post: Post, view: Post, account: Account, cls: type[Platform], shown: str
) -> list[Problem]:
    poll, limits = post.poll, cls.polls
    assert poll is not None
    line = poll.line

    def problem(key: str, message: str, severity: Severity = Severity.ERROR) -> Problem:
        return Problem(
            post.path, post.line(key) if key != "poll" else line, key, message, severity, "poll"
        )

    if limits is None:
        if overrides.own_text(post, account):
            return []  # it gets its own text, without the poll
        message = (
            f"{shown} cannot carry a poll: give it a text of its own (a "
            f"`<!-- {account.platform} -->` section) or leave it out of `platforms:`"
        )
        return [problem("poll", message)]
    return _bounds(post, view, limits, shown, account.name, problem)


def _bounds(
    post: Post, view: Post, limits: PollLimits, shown: str, name: str, problem
) -> list[Problem]:
    poll = post.poll
    assert poll is not None
    found = []
    if len(poll.options) > limits.options_max:
        found.append(
            problem(
                "poll.options",
                f"{len(poll.options)} options; {shown} takes at most {limits.options_max}",
            )
        )
    for i, option in enumerate(poll.options):
        if len(option) > limits.option_length:
            message = (
                f"{len(option)} characters; {shown} takes options of at most {limits.option_length}"
            )
            found.append(problem(f"poll.options.{i}", message))
    if limits.min_seconds is not None and poll.seconds < limits.min_seconds:
        found.append(
            problem(
                "poll.duration", f"{shown} keeps a poll open at least {limits.min_seconds} seconds"
            )
        )
    if limits.max_seconds is not None and poll.seconds > limits.max_seconds:
        if limits.open_longer:
            message = (
                f"{shown} closes a poll by itself only within {limits.max_seconds} seconds: "
                "this one stays open until someone stops it"
            )
            found.append(problem("poll.duration", message, Severity.WARNING))
        else:
            found.append(
                problem(
                    "poll.duration",
                    f"{shown} keeps a poll open at most {limits.max_seconds:,} seconds",
                )
            )
    if view.media and not limits.with_media:
        found.append(
            problem(
                "poll",
                f"{shown} cannot carry a poll and media in one post: leave the media out for it (`{name}: {{media: []}}` in the front matter)",
            )
        )
    if limits.question is not None:
        question = rich(view.body).text
        if not question.strip() or len(question) > limits.question:
            message = f"the text is the poll's question on {shown}: 1 to {limits.question} characters, not {len(question)}"
            found.append(Problem(view.path, view.body_line, "body", message, code="poll"))
    return found
