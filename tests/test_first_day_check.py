"""The first day with `smmflow check` (issue #13): what a new writer reads when a post is
wrong, the README's own example, and a month's mix while it is still being planned.

`check` is pure, so every run is in this process (`repohelp.cli`), on a small repository
written here or a copy of the bundled example content.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from repohelp import PROJECT, cli, commit, git, write

GROUP = """\
name: Shop
timezone: Europe/Bucharest
slots: ["mon 10:00", "thu 18:30"]
mix:
  sales: {max_share: 0.4, max_in_a_row: 1}
  informative: {min_share: 0.4}
accounts:
  feed: {}
"""


def post(date: str, kind: str = "informative", status: str = "ready", extra: str = "") -> str:
    return f"---\ndate: {date}\ntype: {kind}\nstatus: {status}\n{extra}---\nA post of {date}.\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write(root, "schedules/shop.yml", GROUP)
    return root


def check(root: Path, *args: str):
    return cli(root, "check", *args)


# -- messages ------------------------------------------------------------------------------
def test_a_list_item_indented_wrongly_is_explained_as_indentation(shop: Path) -> None:
    media = "media:\n  - src: media/a.jpg\n   alt: a picture\n"
    write(shop, "content/shop/2027-03-01-a.md", post("2027-03-01 10:00", extra=media))
    done = check(shop)
    assert done.code == 1
    line = next(x for x in done.out.splitlines() if "2027-03-01-a.md" in x)
    assert line.startswith("content/shop/2027-03-01-a.md:7: invalid YAML:"), line
    assert "indentation of line 7 does not match the list above it" in line
    assert "line 7 is indented by 3 spaces, line 6 by 2 spaces" in line


def test_an_unknown_timezone_gets_a_did_you_mean(shop: Path) -> None:
    write(shop, "schedules/shop.yml", GROUP.replace("Europe/Bucharest", "Europe/Bucarest"))
    done = check(shop)
    assert done.code == 1
    assert "unknown timezone 'Europe/Bucarest': did you mean 'Europe/Bucharest'?" in done.out


def test_the_template_text_fails_a_ready_post_but_not_a_draft(shop: Path) -> None:
    made = cli(shop, "new", "shop", "--type", "informative", "--now", "2027-03-01 08:00")
    assert made.code == 0, made
    path = next((shop / "content/shop").glob("*.md"))
    assert check(shop).code == 0  # a draft may still hold the template's text
    path.write_text(path.read_text().replace("status: draft", "status: ready"))
    done = check(shop)
    assert done.code == 1
    assert f"{path.relative_to(shop).as_posix()}:10: body: still the template's text" in done.out


def test_posts_with_errors_are_counted_and_cause_no_mix_errors_elsewhere(shop: Path) -> None:
    """7 posts, one broken: "7 posts", and the broken informative post in between does not
    turn its neighbours into "2 sales posts in a row"."""
    days = [("02", "sales"), ("05", "informative"), ("09", "sales"), ("12", "informative")]
    days += [("16", "sales"), ("19", "informative"), ("23", "informative")]
    for day, kind in days:
        write(shop, f"content/shop/2027-03-{day}-p.md", post(f"2027-03-{day} 10:00", kind))
    broken = post("2027-03-05 10:00", "informative", extra="platforms:\n  - feed\n - x\n")
    write(shop, "content/shop/2027-03-05-p.md", broken)
    done = check(shop, "--now", "2027-04-01 00:00")
    assert done.code == 1
    assert "7 posts in 1 group" in done.err
    assert "in a row" not in done.out
    said = "content/shop/2027-03-05-p.md:1: warning: the mix of March 2027 is not checked"
    assert said + " until this post loads" in done.out


def test_one_post_one_group_and_media_item_1(shop: Path) -> None:
    media = "media:\n  - src: media/missing.jpg\n    alt: a picture\n"
    write(shop, "content/shop/2027-03-01-a.md", post("2027-03-01 10:00", extra=media))
    done = check(shop)
    assert "(1 post in 1 group)" in done.err and "1 error, 0 warnings" in done.err
    assert "media item 1: 'media/missing.jpg' does not exist" in done.out
    assert "media.0" not in done.out


# -- the README's example -----------------------------------------------------------------
def readme_example() -> tuple[list[str], str, str]:
    """The README's `smmflow new` command, the file it says it writes, and the written post."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"```sh\n(smmflow new [^\n]+)\n```", readme).group(1)
    written, finished = re.findall(r"```markdown\n(.*?)```", readme, re.S)[:2]
    return shlex.split(command)[1:], written, finished


def test_the_readme_example_passes_check_as_written(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(PROJECT / "schedules", root / "schedules")
    shutil.copytree(PROJECT / "content", root / "content")
    args, written, finished = readme_example()
    made = cli(root, *args)
    assert made.code == 0, made
    path = root / made.out.split()[0]
    date = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")  # the next free slot depends on the clock
    assert date.sub("D", path.read_text(encoding="utf-8")) == date.sub("D", written)
    done = check(root)
    assert done.code == 0, done.out + done.err
    path.write_text(finished, encoding="utf-8")
    done = check(root, "--strict", "--now", "2026-12-08 10:00")
    assert done.code == 0, done.out + done.err


# -- the mix of a month still being planned -----------------------------------------------
def test_the_first_post_of_a_month_is_a_warning_until_the_slots_run_out(shop: Path) -> None:
    write(shop, "content/shop/2027-03-01-sale.md", post("2027-03-01 10:00", "sales"))
    early = check(shop, "--now", "2027-02-20 10:00")
    assert early.code == 0, early.out
    assert "warning: mix.sales.max_share: March 2027 so far has 1 sales post of 1" in early.out
    assert "8 empty slots ahead can still mend it" in early.out
    late = check(shop, "--now", "2027-04-01 10:00")  # the month is over: it is what it is
    assert late.code == 1
    assert "type: March 2027 has 1 sales post of 1 (100%); the mix allows at most 40%" in late.out


def test_two_sales_in_a_row_with_no_slot_between_them_are_an_error_at_once(shop: Path) -> None:
    write(shop, "content/shop/2027-03-01-a.md", post("2027-03-01 10:00", "sales"))
    write(shop, "content/shop/2027-03-02-b.md", post("2027-03-02 10:00", "sales"))
    done = check(shop, "--now", "2027-02-01 10:00")
    assert done.code == 1
    assert "2 sales posts in a row (2027-03-01-a.md, 2027-03-02-b.md)" in done.out


def test_drafts_never_make_the_mix_fail(shop: Path) -> None:
    """A month whose every slot is taken: ready sales posts break the share only when the
    drafts among them cannot be turned into something else."""
    slots = ["01 10:00", "04 18:30", "08 10:00", "11 18:30", "15 10:00"]
    slots += ["18 18:30", "22 10:00", "25 18:30", "29 10:00"]
    for i, when in enumerate(slots):
        kind = "sales" if i % 2 == 0 else "informative"
        status = "draft" if i % 2 == 0 else "ready"
        write(shop, f"content/shop/2027-03-{when[:2]}-p.md", post(f"2027-03-{when}", kind, status))
    drafts = check(shop, "--now", "2027-02-01 10:00")
    assert drafts.code == 0, drafts.out  # 5 sales of 9 (56%), but all five are drafts
    assert "warning: mix.sales.max_share" in drafts.out and "5 drafts can still mend" in drafts.out
    for path in (shop / "content/shop").glob("*.md"):
        path.write_text(path.read_text().replace("status: draft", "status: ready"))
    ready = check(shop, "--now", "2027-02-01 10:00")
    assert ready.code == 1
    assert "March 2027 has 5 sales posts of 9 (56%); the mix allows at most 40%" in ready.out


def test_plan_gaps_lists_no_slot_already_past(shop: Path) -> None:
    write(shop, "content/shop/2027-03-01-a.md", post("2027-03-01 10:00"))
    done = cli(shop, "plan", "--gaps", "--month", "2027-03", "--now", "2027-03-16 12:00")
    assert done.code == 0, done
    listed = [line.strip() for line in done.out.splitlines() if line.startswith("  ")]
    assert listed == [
        "Thu 2027-03-18 18:30 EET  (thu 18:30)",
        "Mon 2027-03-22 10:00 EET  (mon 10:00)",
        "Thu 2027-03-25 18:30 EET  (thu 18:30)",
        "Mon 2027-03-29 10:00 EEST  (mon 10:00)",
    ]
    assert "4 empty slots ahead (4 already past, not listed)" in done.out


# -- preview without --base ----------------------------------------------------------------
def feature_branch(shop: Path, trunk: str = "main") -> Path:
    """`shop` as a git repository: a post on `trunk`, then a branch that edits it."""
    write(shop, "content/shop/2027-03-01-a.md", post("2027-03-01 10:00"))
    git(shop, "init", "-q", "-b", trunk)
    commit(shop, "first post")
    git(shop, "checkout", "-q", "-b", "edit")
    path = shop / "content/shop/2027-03-01-a.md"
    path.write_text(path.read_text().replace("A post of", "An edited post of"))
    commit(shop, "edit the post")
    return shop


def test_preview_without_base_compares_with_main_and_shows_the_edit(shop: Path) -> None:
    done = cli(feature_branch(shop), "preview")
    assert done.code == 0, done
    assert "1 post added or changed" in done.out
    assert "-A post of 2027-03-01 10:00.\n+An edited post of 2027-03-01 10:00." in done.out


def test_preview_without_a_default_branch_says_what_base_wants(shop: Path) -> None:
    done = cli(feature_branch(shop, trunk="trunk"), "preview")
    assert done.code == 2, done
    assert "give the branch the pull request goes into, e.g. --base main" in done.err
    assert "merge-base" not in done.err
    assert cli(shop, "preview", "--base", "trunk").code == 0
    wrong = cli(shop, "preview", "--base", "origin/nope")
    assert wrong.code == 2 and "--base 'origin/nope': no such branch" in wrong.err


def test_a_group_without_slots_is_judged_once_the_month_is_over(shop: Path) -> None:
    write(shop, "schedules/shop.yml", GROUP.replace('slots: ["mon 10:00", "thu 18:30"]\n', ""))
    write(shop, "content/shop/2027-03-01-sale.md", post("2027-03-01 10:00", "sales"))
    planned = check(shop, "--now", "2027-03-02 10:00")
    assert planned.code == 0 and "posts still to come (no slots) can still mend it" in planned.out
    assert check(shop, "--now", "2027-04-01 10:00").code == 1
