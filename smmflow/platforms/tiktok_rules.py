"""TikTok's rules as data: the keys a post may set, the privacy levels and interactions,
what `check` refuses, and the bodies of the two inits (developers.tiktok.com
content-posting-api-reference-direct-post and -photo-post, content-sharing-guidelines)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..errors import Problem, Severity
from ..model import Account, Group, Post
from ..text.count import utf16_units
from .base import Option, Receipt
from .http import FAIL, PublishError
from .publicmedia import has_source

LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
PROMOTION = ("none", "own_brand", "branded")  # TikTok's commercial content disclosure
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".webm"})
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".webp"})
PHOTO_TITLE = 90  # UTF-16 units; the description takes 4000
OPTIONS = {
    "privacy": Option("choice", LEVELS, "who may watch; one of the levels the creator offers"),
    "comments": Option("flag", help="allow comments (yes unless the creator turned them off)"),
    "duet": Option("flag", help="allow duets (videos)"),
    "stitch": Option("flag", help="allow stitches (videos)"),
    "promotion": Option("choice", PROMOTION, "own_brand or branded (paid partnership)"),
    "ai_generated": Option("flag", help="label the post as AI-generated content"),
    "cover": Option("number", help="which photo is the cover (1 = the first)"),
}


@dataclasses.dataclass(frozen=True)
class Choices:
    """What a post asks of TikTok, after the account's defaults."""

    privacy: str
    comments: bool = True
    duet: bool = True
    stitch: bool = True
    promotion: str = "none"
    ai_generated: bool = False
    cover: int = 1

    def offered(self, info: dict) -> Choices:
        """These choices as the creator allows them now (creator_info); a privacy level
        the creator does not offer is refused before anything is posted."""
        levels = [str(x) for x in info.get("privacy_level_options") or ()]
        if self.privacy not in levels:
            raise PublishError(
                FAIL,
                f"privacy {self.privacy} is not one the TikTok creator offers now "
                f"({', '.join(levels) or 'none'}); choose one of them in the post or the account",
            )
        return dataclasses.replace(
            self,
            comments=self.comments and not info.get("comment_disabled"),
            duet=self.duet and not info.get("duet_disabled"),
            stitch=self.stitch and not info.get("stitch_disabled"),
        )


def is_photo(post: Post) -> bool:
    return bool(post.media) and all(m.kind == "image" for m in post.media)


def _flag(post: Post, key: str, default: bool) -> bool:
    value = post.option("tiktok", key)
    return default if value is None else value == "true"


def choices(post: Post, account: Account) -> Choices:
    return Choices(
        privacy=str(post.option("tiktok", "privacy") or account.get("privacy") or ""),
        comments=_flag(post, "comments", True),
        duet=_flag(post, "duet", True),
        stitch=_flag(post, "stitch", True),
        promotion=str(post.option("tiktok", "promotion") or "none"),
        ai_generated=_flag(post, "ai_generated", False),
        cover=int(post.option("tiktok", "cover") or 1),
    )


def offered_levels(account: Account) -> tuple[str, ...]:
    """The account's `privacy_levels` (what `doctor` showed the creator offers), or ()."""
    raw = (account.get("privacy_levels") or "").replace(",", " ").split()
    return tuple(raw)


def problems(post: Post, account: Account, group: Group) -> list[Problem]:
    """What TikTok refuses in `post` for `account`, each at its line."""
    where = _account_line(post, account)
    chose = choices(post, account)
    key = "tiktok.privacy" if post.option("tiktok", "privacy") else "platforms"
    line = post.line(key) if key != "platforms" else where
    found: list[tuple[int, str, str, Severity]] = []
    levels = offered_levels(account)
    if not chose.privacy:
        found.append(
            (
                where,
                "platforms",
                f"TikTok needs a privacy level chosen on purpose: set `tiktok: {{privacy: ...}}` in the post or `privacy` on account {account.name} ({', '.join(LEVELS)})",
                Severity.ERROR,
            )
        )
    elif chose.privacy not in LEVELS:
        found.append(
            (
                where,
                "platforms",
                f"privacy {chose.privacy!r} of account {account.name} is not a TikTok level ({', '.join(LEVELS)})",
                Severity.ERROR,
            )
        )
    elif levels and chose.privacy not in levels:
        found.append(
            (
                line,
                key,
                f"privacy {chose.privacy} is not offered by the creator of {account.name} (privacy_levels: {', '.join(levels)}; `smmflow doctor` shows them)",
                Severity.ERROR,
            )
        )
    if chose.promotion == "branded" and chose.privacy == "SELF_ONLY":
        found.append(
            (
                post.line("tiktok.promotion"),
                "tiktok.promotion",
                "branded content cannot be posted with privacy SELF_ONLY",
                Severity.ERROR,
            )
        )
    if is_photo(post):
        found += _photo_problems(post, account, group, chose)
    return [Problem(post.path, ln, fld, msg, sev, "tiktok") for ln, fld, msg, sev in found]


def _photo_problems(
    post: Post, account: Account, group: Group, chose: Choices
) -> list[tuple[int, str, str, Severity]]:
    found = []
    if utf16_units(post.title) > PHOTO_TITLE:
        found.append(
            (
                post.line("title"),
                "title",
                f"a TikTok photo post's title takes at most {PHOTO_TITLE} UTF-16 units; this one has {utf16_units(post.title)}",
                Severity.ERROR,
            )
        )
    if chose.cover > len(post.media) or chose.cover < 1:
        found.append(
            (
                post.line("tiktok.cover"),
                "tiktok.cover",
                f"cover {chose.cover}: the post has {len(post.media)} photos",
                Severity.ERROR,
            )
        )
    if not has_source(account, group):
        found.append(
            (
                post.line("media"),
                "media",
                f"TikTok fetches photos from a public URL under a domain verified for the app: set media_base_url on {account.name}",
                Severity.WARNING,
            )
        )
    return found


def _account_line(post: Post, account: Account) -> int:
    if account.name in post.platforms:
        return post.line(f"platforms.{post.platforms.index(account.name)}")
    return post.line("platforms")


def post_info(text_key: str, text: str, chose: Choices) -> dict:
    info: dict = {
        text_key: text,
        "privacy_level": chose.privacy,
        "disable_comment": not chose.comments,
    }
    info["brand_content_toggle"] = chose.promotion == "branded"
    info["brand_organic_toggle"] = chose.promotion == "own_brand"
    return info


def video_info(caption: str, chose: Choices) -> dict:
    info = post_info("title", caption, chose)
    info.update(disable_duet=not chose.duet, disable_stitch=not chose.stitch)
    if chose.ai_generated:
        info["is_aigc"] = True
    return {"post_info": info}


def photo_body(post: Post, description: str, chose: Choices, urls: list[str]) -> dict:
    info = post_info("description", description, chose)
    if post.title:
        info["title"] = post.title
    info["auto_add_music"] = True
    body = {
        "post_info": info,
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_cover_index": chose.cover - 1,
            "photo_images": urls,
        },
        "post_mode": "DIRECT_POST",
        "media_type": "PHOTO",
    }
    if chose.ai_generated:
        body["is_aigc"] = True
    return body


def receipt(publish_id: str, username: str, state: dict, post: Post) -> Receipt:
    """A complete task as recorded: the public post's id and URL once TikTok gives them
    (`publicaly_available_post_id`, TikTok's spelling), else the task id and the profile."""
    ids = state.get("publicaly_available_post_id") or []
    profile = f"https://www.tiktok.com/@{username}" if username else ""
    if ids and username:
        kind = "photo" if is_photo(post) else "video"
        return Receipt(str(ids[0]), f"{profile}/{kind}/{ids[0]}")
    return Receipt(str(ids[0]) if ids else publish_id, profile)


def rotation_note(account: Account, folder: Path) -> str:
    variable = account.secret_envs.get("refresh_token_env", "")
    return (
        f"TikTok issued a new refresh token; the one in {variable} no longer works. smmflow "
        f"keeps the new one in {folder} on this machine (docs/platforms/tiktok.md)"
    )
