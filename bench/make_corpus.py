#!/usr/bin/env python3
"""Make a deterministic content repository for benchmarks and scale tests.

    python make_corpus.py OUT_DIR --posts 10000 --groups 12 [--commits 200] [--seed 1]

OUT_DIR gets the layout of docs/format.md:

    schedules/<group>.yml            one file per client group (timezone, slots, mix, accounts)
    content/<group>/<date>-<slug>.md  one Markdown post per file, YAML front matter on top

Posts are spread over the 12 months from 2026-01-01, with realistic lengths, links,
hashtags, emphasis, lists, Romanian diacritics and emoji. About one post in five
references an image (a tiny PNG under content/<group>/media/).
With --commits N > 0 the tree is committed to a git repository in N commits (the posts in
date order), so history-dependent features can be measured too. Same arguments, same bytes.
"""

import argparse
import datetime as dt
import pathlib
import random
import struct
import subprocess
import zlib

WORDS = (
    "cozonac pâine proaspătă cuptor făină ofertă reducere livrare comandă gust tradițional "
    "rețetă familie sărbători client magazin program weekend nou produs calitate ingrediente "
    "naturale echipă atelier curs online consultanță instruire eveniment bilet concert sală "
    "abonament sport sănătate clinică programare medic cafea brunch meniu rezervare terasă "
    "the and with for our new fresh today only this week order free delivery discount"
).split()
HASHTAGS = [
    "#brutarie",
    "#oferta",
    "#craciun",
    "#bucuresti",
    "#cluj",
    "#iasi",
    "#smm",
    "#local",
    "#nou",
]
TYPES = [
    "informative",
    "informative",
    "informative",
    "sales",
    "sales",
    "entertaining",
    "announcement",
]
PLATFORMS = ["feed", "mastodon", "telegram", "bluesky", "facebook", "instagram", "vk"]
TIMEZONES = [
    "Europe/Bucharest",
    "Europe/Chisinau",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
]


def tiny_png() -> bytes:
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x80\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.2:
        words.append(rng.choice(["🎄", "🥐", "✨", "🔥", "☕"]))
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, slug: str) -> str:
    parts = [" ".join(sentence(rng) for _ in range(rng.randint(1, 4)))]
    if rng.random() < 0.4:
        parts.append(f"Detalii: [aici](https://example.ro/{slug})")
    if rng.random() < 0.25:
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 4))))
    parts.append(" ".join(rng.sample(HASHTAGS, rng.randint(1, 3))))
    return "\n\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--posts", type=int, default=10000)
    ap.add_argument("--groups", type=int, default=12)
    ap.add_argument("--commits", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out: pathlib.Path = a.out
    (out / "schedules").mkdir(parents=True, exist_ok=True)
    groups = [f"client-{i:02d}" for i in range(a.groups)]
    png = tiny_png()
    for i, g in enumerate(groups):
        accounts = "\n".join(
            f"  {p}: {{}}"
            if p == "feed"
            else f"  {p}:\n    token_env: {g.upper().replace('-', '_')}_{p.upper()}_TOKEN"
            for p in PLATFORMS[: 2 + i % 5]
        )
        (out / "schedules" / f"{g}.yml").write_text(
            f"name: Client {i:02d}\ntimezone: {TIMEZONES[i % len(TIMEZONES)]}\n"
            f"approvers: [reviewer-{i:02d}]\n"
            f'slots: ["mon 10:00", "wed 18:30", "fri 12:00", "sat 09:15"]\n'
            f"mix:\n  sales:\n    max_share: 0.4\n    max_in_a_row: 2\n"
            f"accounts:\n{accounts}\n",
            encoding="utf-8",
        )
        (out / "content" / g / "media").mkdir(parents=True, exist_ok=True)
        (out / "content" / g / "media" / "photo.png").write_bytes(png)
    start = dt.datetime(2026, 1, 1, 8, 0)
    posts = []
    for n in range(a.posts):
        g = groups[n % len(groups)]
        when = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60 // 15) * 15)
        slug = f"post-{n:06d}"
        ptype = rng.choice(TYPES)
        plats = rng.sample(
            PLATFORMS[: 2 + groups.index(g) % 5], rng.randint(1, 2 + groups.index(g) % 5)
        )
        fm = [
            f"date: {when:%Y-%m-%d %H:%M}",
            f"group: {g}",
            f"type: {ptype}",
            f"platforms: [{', '.join(sorted(plats))}]",
        ]
        if rng.random() < 0.2:
            fm.append("media:\n  - src: media/photo.png\n    alt: O fotografie de test")
        path = out / "content" / g / f"{when:%Y-%m-%d}-{slug}.md"
        path.write_text("---\n" + "\n".join(fm) + "\n---\n" + body(rng, slug), encoding="utf-8")
        posts.append((when, path))
    if a.commits > 0:

        def git(*args):
            subprocess.run(["git", "-C", str(out), *args], check=True, stdout=subprocess.DEVNULL)

        git("init", "-q", "-b", "main")
        git("add", "schedules")
        for g in groups:
            git("add", f"content/{g}/media")
        git(
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "commit",
            "-qm",
            "groups",
        )
        posts.sort()
        per = max(1, len(posts) // a.commits)
        for k in range(0, len(posts), per):
            git("add", *[str(p.relative_to(out)) for _, p in posts[k : k + per]])
            git(
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.invalid",
                "commit",
                "-qm",
                f"posts {k}",
            )
    print(f"{a.posts} posts in {a.groups} groups under {out}")


if __name__ == "__main__":
    main()
