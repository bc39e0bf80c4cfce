"""Names a client reads in every section: post types, states, accounts, metrics."""

from __future__ import annotations

from ..model import Account
from ..platforms import registry
from ..text.i18n import Words


def account_name(account: Account) -> str:
    """`Telegram` for an account named after its platform, else `telegram-oferte (Telegram)`."""
    cls = registry.get(account.platform)
    title = cls.title if cls else account.platform
    return title if account.name == account.platform else f"{account.name} ({title})"


def metric_name(w: Words, metric: str) -> str:
    known = {
        "favourites": w.pgettext("metric", "favourites"),
        "reblogs": w.pgettext("metric", "boosts"),
        "replies": w.pgettext("metric", "replies"),
        "quotes": w.pgettext("metric", "quotes"),
        "likes": w.pgettext("metric", "likes"),
        "reposts": w.pgettext("metric", "reposts"),
        "reactions": w.pgettext("metric", "reactions"),
        "comments": w.pgettext("metric", "comments"),
        "shares": w.pgettext("metric", "shares"),
        "saves": w.pgettext("metric", "saves"),
        "views": w.pgettext("metric", "views"),
        "reach": w.pgettext("metric", "reach"),
        "followers": w.pgettext("metric", "followers"),
    }
    return known.get(metric, metric)


# Counted as interactions (people acting on a post); views and reach are not.
INTERACTIONS = frozenset(
    {
        "favourites",
        "reblogs",
        "replies",
        "quotes",
        "likes",
        "reposts",
        "reactions",
        "comments",
        "shares",
        "saves",
    }
)


def interactions(numbers: dict[str, int]) -> int:
    return sum(n for metric, n in numbers.items() if metric in INTERACTIONS)


def why_not(w: Words, platform: str) -> str:
    """Why a platform's numbers are missing from a report (what its API does not give)."""
    known = {
        "telegram": w.gettext(
            "Telegram's Bot API gives no views, forwards or reactions of channel posts"
        ),
        "mastodon": w.gettext("Mastodon counts no views"),
        "bluesky": w.gettext("Bluesky counts no views"),
        "feed": w.gettext("the feed site counts no visits"),
        "webhook": w.gettext("a webhook returns no numbers"),
    }
    return known.get(platform, "")
