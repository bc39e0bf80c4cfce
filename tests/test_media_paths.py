"""Media paths that lead where they must not: `check` refuses each one, naming the field
and its line, and `sync` makes no network call and copies nothing for that post, while
the other posts still go out. A named pipe is never opened (every command runs with a
timeout, so a read that blocks fails the test instead of hanging it), and a 3 GB file
(sparse: no disk is used) is refused by size without being read.

The bad media are made after the posts are committed: git itself must not read them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from repohelp import LoopbackReceiver, base_env, commit, git, init_repo, smmflow, write

GROUP = "paths"
NOW = "2026-12-31T12:00Z"
SECRET = "paths-hook-secret"
GB = 1024**3


def _post(day: int, src: str) -> str:
    return (
        f"---\ndate: 2026-12-{day:02d} 10:00\ntype: informative\nplatforms: [feed, hook, telegram]\n"
        f"media:\n  - src: {src}\n    alt: A picture\n---\nPost of {src}.\n"
    )


def _mknod(path: Path) -> None:
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers


# case -> (src written in the post, how to make the file after the commit, words of the error)
CASES = {
    "link-outside-group": (
        "media/outside.jpg",
        lambda m, r: os.symlink(r / "outside.jpg", m / "outside.jpg"),
        ("leads outside",),
    ),
    "link-to-etc-passwd": (
        "media/passwd.jpg",
        lambda m, r: os.symlink("/etc/passwd", m / "passwd.jpg"),
        ("leads outside",),
    ),
    "link-to-dev-zero": (
        "media/zero.jpg",
        lambda m, r: os.symlink("/dev/zero", m / "zero.jpg"),
        ("leads outside",),
    ),
    "link-to-folder-outside": (
        "media/etc/passwd",
        lambda m, r: os.symlink("/etc", m / "etc"),
        ("leads outside",),
    ),
    "dotdot": ("../other/photo.jpg", None, ("leaves the group's folder",)),
    "dotdot-inside-path": ("media/../../other/photo.jpg", None, ("leaves the group's folder",)),
    "absolute-etc-passwd": ("/etc/passwd", None, ("absolute path",)),
    "absolute-dev-zero": ("/dev/zero", None, ("absolute path",)),
    "windows-absolute": ("'C:\\photo.jpg'", None, ("absolute path",)),
    "fifo": ("media/pipe.jpg", lambda m, r: os.mkfifo(m / "pipe.jpg"), ("named pipe",)),
    "device-inside-group": ("media/null.jpg", lambda m, r: _mknod(m / "null.jpg"), ("a device",)),
    "link-loop": ("media/loop.jpg", lambda m, r: os.symlink("loop.jpg", m / "loop.jpg"), ("loop",)),
    "folder": ("media", None, ("a folder",)),
    "huge-sparse-video": (
        "media/huge.mp4",
        lambda m, r: os.truncate(_touch(m / "huge.mp4"), 3 * GB),
        ("3,221,225,472 bytes", "no platform takes a file over", "512 MB"),
    ),
}
FIELD_LINE = 6  # media.0.src in _post


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@pytest.fixture(scope="module")
def paths_repo(tmp_path_factory):
    receiver = LoopbackReceiver(secret=SECRET.encode()).start()
    root = init_repo(tmp_path_factory.mktemp("paths") / "repo")
    accounts = (
        f'  feed: {{}}\n  hook: {{platform: webhook, url: "{receiver.url}", secret_env: HOOK_SECRET}}\n'
        '  telegram: {chat: "@paths", token_env: PATHS_TELEGRAM_TOKEN, api: "http://127.0.0.1:9"}\n'
    )
    write(root, f"schedules/{GROUP}.yml", f"name: Paths\ntimezone: UTC\naccounts:\n{accounts}")
    write(root, "schedules/other.yml", "name: Other\ntimezone: UTC\naccounts:\n  feed: {}\n")
    media = root / "content" / GROUP / "media"
    media.mkdir(parents=True)
    (media / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 a real photo")
    (root / "content" / "other" / "media").mkdir(parents=True)
    (root / "content" / "other" / "photo.jpg").write_bytes(
        b"\xff\xd8\xff\xe0 another group's photo"
    )
    (root / "outside.jpg").write_bytes(b"\xff\xd8\xff\xe0 not in any group")
    slugs = {}
    for day, (case, (src, _, _)) in enumerate(sorted(CASES.items()), start=1):
        slugs[case] = f"2026-12-{day:02d}-{case}"
        write(root, f"content/{GROUP}/{slugs[case]}.md", _post(day, src))
    # Fine: a photo, and a link that stays inside the group's folder.
    write(root, f"content/{GROUP}/2026-12-20-good.md", _post(20, "media/photo.jpg"))
    write(root, f"content/{GROUP}/2026-12-21-good-link.md", _post(21, "media/alias.jpg"))
    os.symlink("photo.jpg", media / "alias.jpg")  # committed: media go out as on main
    commit(root, "posts and the good media")
    made = set()
    for case, (_, make, _) in CASES.items():
        if make is None:
            made.add(case)
            continue
        try:
            make(media, root)
        except PermissionError:  # mknod needs CAP_MKNOD; the case is then left out
            continue
        made.add(case)
    env = base_env(HOOK_SECRET=SECRET, PATHS_TELEGRAM_TOKEN="123:paths-token")
    yield root, receiver, slugs, made, env
    receiver.stop()


def test_check_refuses_each_bad_path_naming_the_field(paths_repo) -> None:
    root, _, slugs, made, env = paths_repo
    result = smmflow(root, "check", "--format", "json", env=env, timeout=60)
    assert result.code == 1 and "Traceback" not in result.err, str(result)
    problems = result.json["problems"]
    by_path: dict[str, list[dict]] = {}
    for p in problems:
        if p["severity"] == "error":
            by_path.setdefault(p["path"], []).append(p)
    for case in sorted(made):
        path = f"content/{GROUP}/{slugs[case]}.md"
        errors = by_path.get(path)
        assert errors, f"{case}: not refused"
        assert len(errors) == 1, errors
        error = errors[0]
        assert (error["field"], error["line"]) == ("media.0.src", FIELD_LINE), error
        assert error["code"] in ("media-path", "media-size"), error
        for word in CASES[case][2]:
            assert word in error["message"], (case, error)
    assert f"content/{GROUP}/2026-12-20-good.md" not in by_path
    assert f"content/{GROUP}/2026-12-21-good-link.md" not in by_path
    assert len(made) >= len(CASES) - 1  # only the device may be left out (no CAP_MKNOD)


def test_sync_never_sends_nor_copies_a_refused_post(paths_repo) -> None:
    root, receiver, slugs, made, env = paths_repo
    for account in ("hook", "feed"):
        result = smmflow(
            root, "sync", "--now", NOW, "--max-delay", "40d", "--account", account, "--format", "json",
            env=env, timeout=120,
        )  # fmt: skip
        # exit 1: the refused files are skipped, and a skipped file is never a silent success
        assert result.code == 1 and "Traceback" not in result.err, str(result)
        outcomes = {o["post"]: o["state"] for o in result.json["outcomes"]}
        assert outcomes == {
            f"{GROUP}/2026-12-20-good": "published",
            f"{GROUP}/2026-12-21-good-link": "published",
        }
        skipped = set(result.json["skipped_files"])
        assert {f"content/{GROUP}/{slugs[c]}.md" for c in made} <= skipped
    # The network saw the good posts only; the feed copied their photo only.
    assert sorted(d.json["post"]["id"] for d in receiver.deliveries) == [
        f"{GROUP}/2026-12-20-good",
        f"{GROUP}/2026-12-21-good-link",
    ]
    copied = sorted(
        p.relative_to(root / "public" / GROUP).as_posix()
        for p in (root / "public" / GROUP).rglob("*")
        if p.is_file()
    )
    assert copied == [
        "feed.xml",
        "index.html",
        "media/alias.jpg",
        "media/photo.jpg",
        "posts/2026-12-20-good.html",
        "posts/2026-12-21-good-link.html",
    ]
    for path in (root / "public").rglob("*"):
        assert not path.is_symlink(), path
        if path.is_file():
            assert path.stat().st_size < 1024 * 1024, path
            assert b"root:" not in path.read_bytes(), path
    # The telegram account (no server listens) is never tried for a refused post either.
    dry = smmflow(
        root,
        "sync",
        "--dry-run",
        "--now",
        NOW,
        "--max-delay",
        "40d",
        "--format",
        "json",
        env=env,
        timeout=120,
    )
    assert dry.code == 1, str(dry)  # skipped files: never a silent success, dry or not
    posts = {o["post"] for o in dry.json["outcomes"]}
    assert posts <= {f"{GROUP}/2026-12-20-good", f"{GROUP}/2026-12-21-good-link"}


def test_the_fifo_and_the_huge_file_are_never_read(paths_repo) -> None:
    root, _, _, made, env = paths_repo
    assert {"fifo", "huge-sparse-video"} <= made
    media = root / "content" / GROUP / "media"
    assert stat.S_ISFIFO(os.stat(media / "pipe.jpg").st_mode)
    assert (media / "huge.mp4").stat().st_size == 3 * GB
    # Every command that loads posts, with a timeout: a blocked open() would hang here.
    for args in (
        ("check",),
        ("status", "--now", NOW),
        ("plan", "--month", "2026-12", "--now", NOW),
        ("site", "--now", NOW),
    ):
        result = smmflow(root, *args, env=env, timeout=60)
        assert "Traceback" not in result.err, str(result)
        assert result.code in (0, 1), str(result)
    assert not (root / "public" / "plan" / GROUP / "media" / "huge.mp4").exists()
    assert not (root / "public" / "plan" / GROUP / "media" / "pipe.jpg").exists()


# -- post files themselves: never opened unless plain files (repo.post_files) -------------
def test_a_post_file_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write(root, "schedules/g.yml", "name: G\ntimezone: UTC\naccounts:\n  feed: {}\n")
    (root / "content" / "g").mkdir(parents=True)
    os.mkfifo(root / "content" / "g" / "2026-12-04-pipe.md")
    result = smmflow(root, "check", env=base_env(SMMFLOW_NO_CACHE="1"), timeout=30)
    assert result.code == 1 and "Traceback" not in result.err, str(result)
    assert "content/g/2026-12-04-pipe.md: is not a regular file" in result.out


def test_a_post_file_that_links_to_dev_zero_is_refused(tmp_path: Path) -> None:
    import resource
    import subprocess
    import sys

    root = init_repo(tmp_path / "repo")
    write(root, "schedules/g.yml", "name: G\ntimezone: UTC\naccounts:\n  feed: {}\n")
    (root / "content" / "g").mkdir(parents=True)
    os.symlink("/dev/zero", root / "content" / "g" / "2026-12-04-zero.md")

    def limit() -> None:  # in the child: reading /dev/zero would hit this, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "smmflow", "check"],
        cwd=root, env=base_env(SMMFLOW_NO_CACHE="1"), capture_output=True, text=True,
        timeout=30, preexec_fn=limit,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-500:]
    assert "content/g/2026-12-04-zero.md: is a link" in proc.stdout


def test_git_never_read_the_bad_media(paths_repo) -> None:
    root = paths_repo[0]
    tracked = git(root, "ls-files", "-z", "content").split("\0")
    assert not [
        p for p in tracked if p.endswith(("huge.mp4", "pipe.jpg", "zero.jpg", "passwd.jpg"))
    ]
