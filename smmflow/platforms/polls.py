"""Polls a platform carries (`poll:` in a post): its bounds as data, read by `check`
(check/variants) and obeyed by its publisher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PollLimits:
    """What a platform's API takes in a poll, as its docs say."""

    options_max: int
    option_length: int  # characters per option
    min_seconds: int | None = None  # shortest time open (None: no bound)
    max_seconds: int | None = None  # longest time open; longer is refused ...
    open_longer: bool = False  # ... unless the platform then leaves it open (Telegram)
    with_media: bool = False  # a poll and media in one post
    question: int | None = None  # the post's text is the question: its longest


# Mastodon's defaults (instance configuration `polls`): 4 options of 50 characters, open
# 5 minutes to a month (2,629,746 s); a status has a poll or media, not both.
MASTODON = PollLimits(4, 50, 300, 2_629_746)
# Telegram `sendPoll`: 2-10 options of 1-100 characters, a question of 1-300 characters,
# `open_period` 5-600 seconds (longer: sent without one, it stays open until stopped).
TELEGRAM = PollLimits(10, 100, 5, 600, open_longer=True, question=300)
