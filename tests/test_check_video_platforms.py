"""`smmflow check` holds posts for TikTok, YouTube and Google Business Profile to what
those platforms accept, each problem at its path:line (in this process: `check` only)."""

from __future__ import annotations

import pytest
from repohelp import cli, commit, init_repo, write

GROUP = (
    "name: Brutăria\ntimezone: Europe/Bucharest\naccounts:\n"
    "  tiktok: {client_key_env: K, client_secret_env: S, refresh_token_env: R, "
    "privacy: SELF_ONLY, privacy_levels: 'FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY', "
    'media_base_url: "https://media.brutaria.ro/bakery"}\n'
    "  youtube: {client_id_env: C, client_secret_env: S, refresh_token_env: Y}\n"
    "  maps: {platform: google_business, location: accounts/1/locations/2, client_id_env: C, "
    'client_secret_env: S, refresh_token_env: G, media_base_url: "https://media.brutaria.ro/bakery"}\n'
)


def post(platforms: str, front: str, body: str = "Pâine caldă.", media: int = 0, kind="jpg"):
    lines = ["---", "date: 2026-12-04 10:00", "type: sales", f"platforms: [{platforms}]"]
    if media:
        lines.append("media:")
        for i in range(media):
            lines += [f"  - src: media/{i}.{kind}", "    alt: O poză"]
    return "\n".join([*lines, *filter(None, [front]), "---", body, ""])


@pytest.fixture
def root(tmp_path):
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/bakery.yml", GROUP)
    media = root / "content/bakery/media"
    media.mkdir(parents=True)
    for i in range(40):
        (media / f"{i}.jpg").write_bytes(b"\xff\xd8\xff" + bytes(20) + b"\xff\xd9")
    (media / "0.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    return root


def problems(root, name: str, text: str) -> list[dict]:
    write(root, f"content/bakery/2026-12-04-{name}.md", text)
    commit(root, name)
    result = cli(root, "check", "--format", "json")
    assert "Traceback" not in result.out + result.err
    return [p for p in result.json["problems"] if p["path"].endswith(f"-{name}.md")]


def at(found: list[dict], field: str) -> dict:
    [hit] = [p for p in found if p["field"] == field and p["severity"] == "error"]
    return hit


def test_a_tiktok_photo_post_over_its_photo_count(root):
    found = problems(root, "vitrina", post("tiktok", "", media=36))
    hit = at(found, "media")
    assert hit["line"] == 5 and "36 media files; tiktok takes at most 35" in hit["message"]
    assert problems(root, "vitrina", post("tiktok", "", media=35)) == []


def test_a_youtube_post_without_video(root):
    found = problems(root, "fara-video", post("youtube", "title: Pâine", media=1))
    hit = at(found, "media")
    assert hit["line"] == 4 and "needs a video" in hit["message"]
    assert any(p["field"] == "media.0.src" and ".jpg" in p["message"] for p in found)
    ok = post("youtube", "title: Pâine", media=1, kind="mp4")
    assert problems(root, "fara-video", ok) == []


def test_an_offer_without_its_end(root):
    front = "google_business:\n  topic: offer\n  title: Cozonac -20%\n  start: 2026-12-04 08:00"
    found = problems(root, "oferta", post("maps", front))
    hit = at(found, "google_business.topic")
    assert hit["line"] == 6 and "an offer needs `end:`" in hit["message"]
    fixed = front + "\n  end: 2026-12-07 20:00"
    assert problems(root, "oferta", post("maps", fixed)) == []
    backwards = front + "\n  end: 2026-12-01 20:00"
    hit = at(problems(root, "oferta", post("maps", backwards)), "google_business.end")
    assert hit["line"] == 9 and "before it starts" in hit["message"]


def test_a_privacy_level_the_creator_does_not_offer(root):
    front = "tiktok:\n  privacy: PUBLIC_TO_EVERYONE"
    found = problems(root, "public", post("tiktok", front, media=1, kind="mp4"))
    hit = at(found, "tiktok.privacy")
    assert hit["line"] == 9 and "not offered by the creator of tiktok" in hit["message"]
    fine = "tiktok:\n  privacy: FOLLOWER_OF_CREATOR"
    assert problems(root, "public", post("tiktok", fine, media=1, kind="mp4")) == []


def test_platform_keys_are_checked_with_their_lines(root):
    front = (
        "tiktok:\n  privacy: EVERYONE\n  comment: yes\n"
        "youtube:\n  tags: [a]\n  privacy: hidden\n"
        "google_business:\n  topic: offer\n  start: 2026-13-01 08:00"
    )
    found = problems(root, "chei", post("tiktok, youtube, maps", front, media=1, kind="mp4"))
    fields = {(p["field"], p["line"]) for p in found if p["severity"] == "error"}
    assert ("tiktok.privacy", 9) in fields  # not one of TikTok's levels
    assert ("tiktok.comment", 10) in fields  # unknown key (did you mean comments?)
    assert ("youtube.privacy", 13) in fields
    assert ("google_business.start", 16) in fields
    comment = next(p for p in found if p["field"] == "tiktok.comment")
    assert "did you mean 'comments'" in comment["message"]


def test_a_button_needs_its_link_and_a_call_none(root):
    found = problems(root, "buton", post("maps", "google_business:\n  button: order"))
    assert at(found, "google_business.button")["line"] == 6
    call = "google_business:\n  button: call\n  link: https://brutaria.ro"
    assert at(problems(root, "buton", post("maps", call)), "google_business.link")["line"] == 7
    good = "google_business:\n  button: order\n  link: https://brutaria.ro/comenzi"
    assert problems(root, "buton", post("maps", good)) == []


def test_limits_are_counted_the_platforms_way(root):
    # TikTok counts UTF-16 units: an emoji is two; YouTube counts description bytes.
    body = "😀" * 1101
    found = problems(root, "lung", post("tiktok", "", body=body, media=1, kind="mp4"))
    assert "2202 of 2200 UTF-16 units" in at(found, "body")["message"]
    body = "ș" * 2490  # 4980 bytes, then smmflow's marker line
    found = problems(root, "lung", post("youtube", "title: Ș", body=body, media=1, kind="mp4"))
    assert "of 5000 bytes" in at(found, "body")["message"]
    long_title = "title: " + "Pâine " * 20
    found = problems(root, "lung", post("youtube", long_title, media=1, kind="mp4"))
    assert at(found, "title")["line"] == 8
    found = problems(root, "lung", post("maps", "", body="ă" * 1501))
    assert "1501 of 1500" in at(found, "body")["message"]


def test_a_business_photo_under_googles_minimum(root):
    found = problems(root, "mica", post("maps", "", media=1))
    hit = at(found, "media.0.src")
    assert hit["line"] == 6 and "Google takes photos of 10 KB to 5 MB" in hit["message"]


def test_preview_shows_each_platforms_count_and_its_problems(root):
    from smmflow.check.rules import check
    from smmflow.content.repo import load
    from smmflow.review.preview import render_post

    text = "Pâine caldă 😀 și cozonac."
    write(
        root,
        "content/bakery/2026-12-04-toate.md",
        post("tiktok, youtube, maps", "", text, 1, "mp4"),
    )
    commit(root, "preview")
    repo = load(root)
    [shown] = [p for p in repo.posts if p.slug == "2026-12-04-toate"]
    page = render_post(repo, shown, check(repo))
    assert "#### TikTok: 26 / 2200 UTF-16 units" in page  # the emoji counts two
    youtube = len(text.encode()) + len("\n\nsmmflow:") + 12
    assert f"#### YouTube: {youtube} / 5000 bytes (UTF-8, with smmflow's marker line)" in page
    assert "#### Google Business Profile (maps): 25 / 1500 characters" in page
    assert "a YouTube video needs a title" not in page  # the first line is the title
    assert "does not take .mp4 files" in page  # Google takes photos only
