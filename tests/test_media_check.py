"""Issue #18, item 7, as `check` sees it (check/mediafit.py): what preparation fixes is no
longer refused (a PNG for Instagram through the feed site, a 3 MB photo for Bluesky); what
it cannot fix is, with path:line: Instagram's aspect ratio (4:5 to 1.91:1, upright after
the EXIF orientation), a file a platform fetches as it is from `media_base_url` (its
format, and the GPS position it would leak), a video duration nobody could check."""

from __future__ import annotations

import io
import shutil

from imagehelp import phone_jpeg, text_png
from PIL import Image
from publishhelp import GROUP, make_repo
from servers.meta import mp4

from smmflow.check import rules

IG = {"platform": "instagram", "user": "1784", "token_env": "IG"}
FEED = {"platform": "feed", "base_url": "https://brutaria.example/site"}


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def _camera_only() -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "Pixel 8"
    out = io.BytesIO()
    Image.new("RGB", (1080, 1080), (9, 9, 9)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


FILES = {
    "media/telefon.jpg": phone_jpeg(),  # 2400×2000 stored, 2000×2400 upright: 0.83
    "media/culcat.jpg": phone_jpeg(2400, 1800),  # upright 1800×2400: 0.75, too tall
    "media/banner.jpg": _jpeg(2000, 600),  # 3.33: too wide
    "media/patrat.jpg": _jpeg(1080, 1080),
    "media/camera.jpg": _camera_only(),
    "media/sigla.png": text_png(),
    "media/mare.jpg": phone_jpeg(3000, 3000, orientation=1),
    "media/film.mp4": mp4(),
}
POSTS = {
    "2026-12-01-telefon": ("Pâine.", [("media/telefon.jpg", "Pâine")]),
    "2026-12-02-culcat": ("Pâine.", [("media/culcat.jpg", "Pâine")]),
    "2026-12-03-banner": ("Pâine.", [("media/patrat.jpg", "Pâine"), ("media/banner.jpg", "B")]),
    "2026-12-04-camera": ("Pâine.", [("media/camera.jpg", "Pâine")]),
    "2026-12-05-sigla": ("Sigla.", [("media/sigla.png", "Sigla")]),
    "2026-12-06-mare": ("Mare.", [("media/mare.jpg", "Mare")]),
}


def _problems(tmp_path, accounts: dict, posts=POSTS) -> dict[str, list]:
    repo = make_repo(tmp_path / "repo", accounts, posts, FILES)
    found: dict[str, list] = {}
    for p in rules.check(repo):
        if p.code.startswith(("media", "video")):
            slug = p.path.rsplit("/", 1)[-1][:-3]
            found.setdefault(slug, []).append(
                (p.line, p.field, p.code, p.severity.value, p.message)
            )
    return found


def test_through_the_feed_site_only_the_aspect_ratio_is_refused(tmp_path):
    found = _problems(tmp_path, {"ig": IG, "feed": FEED})
    assert set(found) == {"2026-12-02-culcat", "2026-12-03-banner"}, found
    [(line, field, code, severity, message)] = found["2026-12-02-culcat"]
    assert (line, field, code, severity) == (5, "media.0.src", "media-aspect", "error")
    assert "1800×2400" in message and "4:5" in message and "instagram" in message
    [(line, field, code, _, message)] = found["2026-12-03-banner"]
    assert (line, field, code) == (7, "media.1.src", "media-aspect")  # the second file's line
    assert "2000×600" in message


def test_from_media_base_url_the_file_goes_as_it_is(tmp_path):
    ig = {**IG, "media_base_url": "https://raw.example/brutaria"}
    found = _problems(tmp_path, {"ig": ig})
    gps = [p for p in found["2026-12-01-telefon"] if p[2] == "media-metadata"]
    assert [(p[0], p[3]) for p in gps] == [(5, "error")]
    assert "a GPS position" in gps[0][4] and "media_base_url" in gps[0][4]
    assert [(p[2], p[3]) for p in found["2026-12-04-camera"]] == [("media-metadata", "warning")]
    # no JPEG copy there, and its text chunk would go along
    assert {(p[2], p[3]) for p in found["2026-12-05-sigla"]} == {
        ("media-type", "error"),
        ("media-metadata", "warning"),
    }


def test_uploaders_take_what_preparation_fixes(tmp_path):
    bsky = {"platform": "bluesky", "handle": "a.test", "password_env": "B"}
    vk = {"platform": "vk", "owner": "-1", "token_env": "V"}
    found = _problems(tmp_path, {"bsky": bsky, "vk": vk})
    assert found == {}  # a 3000×3000 photo over 1 MB, a PNG with text: all prepared


def test_a_video_duration_not_checked_is_said_once(tmp_path, monkeypatch):
    tools = tmp_path / "bin"  # git, and no ffprobe
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(tools))
    bsky = {"platform": "bluesky", "handle": "a.test", "password_env": "B"}
    x = {"platform": "x", "token_env": "X"}
    posts = {"2026-12-07-film": ("Film.", [("media/film.mp4", "Film")])}
    found = _problems(tmp_path, {"bsky": bsky, "x": x}, posts)
    [(line, field, code, severity, message)] = found["2026-12-07-film"]
    assert (line, field, code, severity) == (5, "media.0.src", "video-unchecked", "warning")
    assert "bluesky, x" in message and "ffprobe is not installed" in message


def test_the_group_folder_name_is_the_one_used(tmp_path):
    assert GROUP == "brutaria"  # the lines above count from publishhelp's post_file


def test_the_preview_shows_what_each_account_receives(tmp_path):
    from smmflow.review.preview import render_post

    bsky = {"platform": "bluesky", "handle": "a.test", "password_env": "B"}
    masto = {"platform": "mastodon", "instance": "https://m.example", "token_env": "M"}
    posts = {"2026-12-01-telefon": POSTS["2026-12-01-telefon"]}
    repo = make_repo(
        tmp_path / "repo", {"bsky": bsky, "masto": masto, "ig": IG, "feed": FEED}, posts, FILES
    )
    out = render_post(repo, repo.posts[0], [])
    lines = [line.strip() for line in out.splitlines() if "without metadata" in line]
    # upright (the orientation tag turned for real), Bluesky within 2000 px and 1 MB,
    # Mastodon, and Instagram fetching the feed site's copy, keep the size
    assert [line.split(" bytes")[0].rsplit(", ", 1)[0] for line in lines] == [
        "- bsky: JPEG 1667×2000",
        "- masto, ig, feed: JPEG 2000×2400",
    ], out
