"""YouTube's rules as data: the keys a post may set, the title, description and tags as
`videos.insert` takes them (developers.google.com/youtube/v3/docs/videos: title at most 100
characters, description at most 5000 bytes, neither with `<` or `>`; tags at most 500
characters counted YouTube's way), and what `check` refuses."""

from __future__ import annotations

from ..errors import Problem, Severity
from ..model import Account, Post
from ..text.render import rich
from .base import Option

TITLE_MAX = 100
DESCRIPTION_BYTES = 5000
TAGS_MAX = 500
PRIVACY = ("public", "unlisted", "private")
MARKER = "smmflow:"  # + 12 hex of the attempt's key, the description's last line
MARKER_BYTES = len(f"\n\n{MARKER}") + 12
OPTIONS = {
    "title": Option("text", help="the video's title (else the post's title or first line)"),
    "tags": Option("words", help="search tags (500 characters in all)"),
    "privacy": Option("choice", PRIVACY, "public, unlisted or private"),
    "category": Option("number", help="YouTube's category id (22: People & Blogs)"),
    "made_for_kids": Option("flag", help="the video is made for children (COPPA)"),
}


def description_bytes(text: str) -> int:
    """What the description weighs with smmflow's marker line."""
    return len(text.encode("utf-8")) + MARKER_BYTES


def marker(key: str) -> str:
    return f"{MARKER}{key[:12]}"


def description(text: str, key: str) -> str:
    return f"{text}\n\n{marker(key)}" if text else marker(key)


def title(post: Post) -> tuple[str, bool]:
    """(the title, whether a person wrote it): `youtube.title`, `title`, else the first
    line of the text cut at a word to fit."""
    given = str(post.option("youtube", "title") or post.title or "").strip()
    if given:
        return given, True
    first = next((ln.strip() for ln in rich(post.body).plain.splitlines() if ln.strip()), "")
    if len(first) <= TITLE_MAX:
        return first, False
    cut = first[: TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,.;:—-")
    return (cut or first[: TITLE_MAX - 1]) + "…", False


def tag_length(tags: tuple[str, ...]) -> int:
    """YouTube's count: commas between tags, quotes around a tag containing a space."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def settings(post: Post, account: Account) -> dict:
    """The `snippet` and `status` of the video (`publishAt` never: smmflow publishes on time)."""
    tags = tuple(post.option("youtube", "tags") or ())
    kids = post.option("youtube", "made_for_kids") or account.get("made_for_kids") or "false"
    snippet = {
        "title": title(post)[0],
        "categoryId": str(post.option("youtube", "category") or account.get("category") or "22"),
    }
    if tags:
        snippet["tags"] = list(tags)
    privacy = str(post.option("youtube", "privacy") or account.get("privacy") or "public")
    status = {"privacyStatus": privacy, "selfDeclaredMadeForKids": kids in ("true", "yes")}
    return {"snippet": snippet, "status": status}


def problems(post: Post, account: Account) -> list[Problem]:
    found: list[tuple[int, str, str]] = []
    videos = [m for m in post.media if m.kind == "video"]
    if not videos:
        where = (
            post.line(f"platforms.{post.platforms.index(account.name)}")
            if account.name in post.platforms
            else post.line("platforms")
        )
        found.append(
            (where, "media", f"{account.name} (YouTube) needs a video: add one under `media:`")
        )
    text, written = title(post)
    key = "youtube.title" if post.option("youtube", "title") else "title"
    if not text:
        found.append(
            (
                post.line("title"),
                "title",
                "a YouTube video needs a title: write `title:` or a first line",
            )
        )
    elif written and len(text) > TITLE_MAX:
        found.append(
            (
                post.line(key),
                key,
                f"a YouTube title takes at most {TITLE_MAX} characters; this one has {len(text)}",
            )
        )
    if "<" in text or ">" in text:
        found.append((post.line(key), key, "YouTube refuses < and > in a title"))
    plain = rich(post.body).plain
    if "<" in plain or ">" in plain:
        found.append(
            (post.body_line, "body", "YouTube refuses < and > in a description: write them out")
        )
    tags = tuple(post.option("youtube", "tags") or ())
    if tag_length(tags) > TAGS_MAX:
        found.append(
            (
                post.line("youtube.tags"),
                "youtube.tags",
                f"tags take {tag_length(tags)} of YouTube's {TAGS_MAX} characters (commas and quotes count)",
            )
        )
    privacy = account.get("privacy")
    if privacy and privacy not in PRIVACY and not post.option("youtube", "privacy"):
        found.append(
            (
                post.line("platforms"),
                "platforms",
                f"privacy {privacy!r} of {account.name} is not one of {', '.join(PRIVACY)}",
            )
        )
    return [Problem(post.path, ln, fld, msg, Severity.ERROR, "youtube") for ln, fld, msg in found]
