"""Google Business Profile local posts as data: the keys a post may set, the summary and
call-to-action rules, the dates offers and events need (developers.google.com/my-business
reference/rest/v4/accounts.locations.localPosts; limits probed by others: summary 1500
characters, event title 58, a CALL button without a URL), and the body sent."""

from __future__ import annotations

import datetime as dt
import re

from ..errors import Problem, Severity
from ..model import Account, Group, Post
from .base import Option
from .publicmedia import has_source

PLATFORM = "google_business"
TOPICS = ("standard", "event", "offer")
BUTTONS = ("book", "order", "shop", "learn_more", "sign_up", "call")
TITLE_MAX = 58
PHOTO_MIN = 10 * 1024  # bytes (help 6103862: JPG or PNG, 10 KB to 5 MB)
LOCATION = re.compile(r"accounts/[^/\s]+/locations/[^/\s]+")
PHONE = re.compile(r"(?:\+?\d[\s.-]?){9,}")
OFFER_ONLY = ("coupon", "redeem_url", "terms")
OPTIONS = {
    "topic": Option("choice", TOPICS, "standard (What's new), event or offer"),
    "title": Option("text", help="the event's or offer's title (else the post's title)"),
    "start": Option("datetime", help="when the event or offer starts (the location's time)"),
    "end": Option("datetime", help="when it ends"),
    "button": Option("choice", BUTTONS, "the call-to-action button"),
    "link": Option("url", help="where the button leads (not for call)"),
    "coupon": Option("text", help="an offer's coupon code"),
    "redeem_url": Option("url", help="where an offer is redeemed online"),
    "terms": Option("text", help="an offer's terms and conditions"),
}


def get(post: Post, key: str) -> str:
    return str(post.option(PLATFORM, key) or "")


def topic(post: Post) -> str:
    return get(post, "topic") or "standard"


E, W = Severity.ERROR, Severity.WARNING


def problems(post: Post, account: Account, group: Group) -> list[Problem]:
    kind = topic(post)
    found = _dated(post, kind) if kind in ("event", "offer") else []
    found += _button(post, kind)
    for key in OFFER_ONLY:
        if get(post, key) and kind != "offer":
            found.append((f"google_business.{key}", f"{key} is for offers only (topic: offer)", E))
    for i, media in enumerate(post.media):
        if media.kind == "image" and media.size < PHOTO_MIN:
            said = f"{media.src} is {media.size:,} bytes; Google takes photos of 10 KB to 5 MB"
            found.append((f"media.{i}.src", said, E))
    if post.media and not has_source(account, group):
        where = f"set media_base_url on {account.name}"
        found.append(("media", f"Google fetches the photo from a public URL: {where}", W))
    if PHONE.search(post.body):
        said = "Google rejects local posts with a phone number in the text: use a call button"
        found.append(("body", said, W))
    code = "google-business"
    return [Problem(post.path, _line(post, key), key, m, sev, code) for key, m, sev in found]


def _button(post: Post, kind: str) -> list[tuple[str, str, Severity]]:
    button, link = get(post, "button"), get(post, "link")
    found = []
    if button == "call" and link:
        said = "a call button takes no link: Google calls the profile's phone"
        found.append(("google_business.link", said, E))
    elif button and button != "call" and not link:
        found.append(
            ("google_business.button", f"a {button} button needs `link:` (where it leads)", E)
        )
    elif link and not button:
        said = "a link needs `button:` (book, order, shop, learn_more, sign_up)"
        found.append(("google_business.link", said, E))
    if button and kind == "offer":
        said = "Google ignores a button on an offer (it shows the offer's own)"
        found.append(("google_business.button", said, W))
    return found


def _line(post: Post, key: str) -> int:
    if key.startswith("media.") and key.endswith(".src"):
        return post.media[int(key.split(".")[1])].line or post.line(key)
    return post.body_line if key == "body" else post.line(key)


def _dated(post: Post, kind: str) -> list[tuple[str, str, Severity]]:
    """An event or offer: its start, end (after the start) and title."""
    found = []
    what = "an offer" if kind == "offer" else "an event"
    for key, word in (("start", "starts"), ("end", "ends")):
        if not get(post, key):
            found.append(
                (
                    "google_business.topic",
                    f"{what} needs `{key}:` (when it {word}, e.g. 2026-12-07 20:00)",
                    Severity.ERROR,
                )
            )
    start, end = get(post, "start"), get(post, "end")
    if start and end and end <= start:
        found.append(
            (
                "google_business.end",
                f"{what} ends ({end}) before it starts ({start})",
                Severity.ERROR,
            )
        )
    title = get(post, "title") or post.title
    key = "google_business.title" if get(post, "title") else "title"
    if not title:
        found.append(
            (
                "google_business.topic",
                f"{what} needs a title: `title:` (at most {TITLE_MAX} characters)",
                Severity.ERROR,
            )
        )
    elif len(title) > TITLE_MAX:
        found.append(
            (
                key,
                f"{what}'s title takes at most {TITLE_MAX} characters; this one has {len(title)}",
                Severity.ERROR,
            )
        )
    return found


def _date(text: str) -> tuple[dict, dict]:
    when = dt.datetime.fromisoformat(text)
    return {"year": when.year, "month": when.month, "day": when.day}, {
        "hours": when.hour,
        "minutes": when.minute,
    }


def body(post: Post, summary: str, language: str, photo: str | None) -> dict:
    """The LocalPost: summary, topic, its event and offer, the button, one photo."""
    kind = topic(post)
    local: dict = {"languageCode": language, "topicType": kind.upper(), "summary": summary}
    if kind in ("event", "offer"):
        start_date, start_time = _date(get(post, "start"))
        end_date, end_time = _date(get(post, "end"))
        schedule = {
            "startDate": start_date,
            "startTime": start_time,
            "endDate": end_date,
            "endTime": end_time,
        }
        local["event"] = {"title": get(post, "title") or post.title, "schedule": schedule}
    if kind == "offer":
        names = {
            "coupon": "couponCode",
            "redeem_url": "redeemOnlineUrl",
            "terms": "termsConditions",
        }
        offer = {names[k]: get(post, k) for k in OFFER_ONLY if get(post, k)}
        if offer:
            local["offer"] = offer
    button = get(post, "button")
    if button and kind != "offer":
        local["callToAction"] = {"actionType": button.upper()}
        if button != "call":
            local["callToAction"]["url"] = get(post, "link")
    if photo:
        local["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": photo}]
    return local
