"""`smmflow inbox`, `moderate` and `reply` against the loopback Mastodon
(tests/servers/mastodon.py with mastodon_social.py): fetching without duplicates, paging,
deletions, posts older than smmflow, hostile text kept inert, rules checked with their
lines, `moderate --dry-run`, questions and `answer_within`, retention, and other people's
words kept out of git."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess

import pytest
from inboxhelp import (
    POST_ID,
    by_text,
    env,
    everything_git_holds,
    items,
    ledger_actions,
    make_repo,
    publish,
)
from repohelp import cli, git, rev
from servers.mastodon import MastodonServer

TOKEN = "good-token"
RULES = """\
answer_within: 4h
rules:
  - name: price
    words: [cât costă, "how much"]
    action: {reply: price}
  - name: phones
    phones: true
    action: flag
  - name: spam links
    links: true
    action: hide
"""
PRICE = "Bună, {author}! Cozonacul costă 45 de lei. Comenzi: {link}\n"


@pytest.fixture
def masto(serve):
    return serve(MastodonServer())


@pytest.fixture
def shop(masto, tmp_path):
    """A repository whose Mastodon account published one post; (root, env, the post)."""
    account = {"platform": "mastodon", "instance": masto.url, "token_env": "MASTO_TOKEN"}
    root = make_repo(tmp_path, {"masto": account}, RULES, {"price": PRICE})
    environ = env(MASTO_TOKEN=TOKEN)
    publish(root, environ)
    [post] = masto.live("bakery")
    return root, environ, post


def _rows(root) -> int:
    with sqlite3.connect(root / ".smmflow" / "inbox.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM items").fetchone()[0]


def _now(hours: float = 0) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
    return when.strftime("%Y-%m-%d %H:%M:%S+00:00")


# -- fetching ------------------------------------------------------------------------------
def test_fetching_twice_keeps_each_comment_once(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Cât costă cozonacul?", reply_to=post["id"])
    masto.comment("ion", "Arată minunat", reply_to=post["id"], mention=False)
    first = items(root, environ)
    second = items(root, environ)
    assert sorted(i["id"] for i in first) == sorted(i["id"] for i in second)
    assert len(first) == 2 and _rows(root) == 2
    found = by_text(first)
    price = found["@bakery Cât costă cozonacul?"]
    assert price["question"] and price["state"] == "new" and price["kind"] == "comment"
    assert price["post"] == {"id": POST_ID, "title": "Cozonac cald cu nucă", "url": post["url"]}
    assert (price["author"], price["platform"], price["group"]) == ("Ana", "mastodon", "bakery")
    assert not found["Arată minunat"]["question"]  # a reply without a mention: from the context


def test_notifications_are_read_across_pages_both_ways(shop, masto):
    root, environ, _ = shop
    for i in range(100):
        masto.comment(f"fan{i}", f"@bakery salut {i}")
    assert len(items(root, environ, "--limit", "0")) == 100
    older = [h for h in masto.of("/api/v1/notifications", "GET")]
    assert len(older) >= 3 and any("max_id" in dict(h.form) for h in older)
    for i in range(100, 190):
        masto.comment(f"fan{i}", f"@bakery salut {i}")
    masto.hits.clear()
    assert len(items(root, environ, "--limit", "0")) == 190
    newer = masto.of("/api/v1/notifications", "GET")
    assert len(newer) == 4  # 40 + 40 + 10, then an empty page: only what is new
    assert all("min_id" in dict(h.form) for h in newer)


def test_a_comment_deleted_on_the_platform_is_shown_deleted(shop, masto):
    root, environ, post = shop
    gone = masto.comment("ion", "Voi șterge asta", reply_to=post["id"], mention=False)
    assert by_text(items(root, environ))["Voi șterge asta"]["state"] == "new"
    masto.remove(gone["id"])
    assert by_text(items(root, environ))["Voi șterge asta"]["state"] == "deleted"


def test_a_mention_under_a_post_smmflow_did_not_publish(shop, masto):
    root, environ, _ = shop
    old = masto.comment("bakery", "Postare veche, din 2020")
    masto.comment("ana", "Mai aveți din acestea?", reply_to=old["id"])
    [item] = [i for i in items(root, environ) if "Mai aveți" in i["text"]]
    assert item["post"]["id"] == "" and item["kind"] == "mention" and item["question"]
    shown = cli(root, "inbox", "--no-fetch", env=environ).out
    assert "not under a post smmflow published" in shown


def test_hostile_text_is_inert_everywhere(shop, masto, tmp_path):
    root, environ, post = shop
    nasty = "<script>alert(1)</script><img src=x onerror=alert(2)> \u202egnp.exe \x1b[31mred"
    masto.comment("\u202emallory", nasty, reply_to=post["id"], mention=False)
    huge = "Ț" * 100_000
    masto.comment("ana", huge, reply_to=post["id"], mention=False)
    shown = cli(root, "inbox", env=environ).out
    assert "\u202e" not in shown and "\x1b" not in shown
    assert "\\u202egnp.exe" in shown and "\\u001b[31mred" in shown
    assert max(len(line) for line in shown.splitlines()) < 500  # 100 KB cut to a line
    raw = cli(root, "inbox", "--format", "json", "--no-fetch", env=environ).out
    assert "\u202e" not in raw and "\\u202e" in raw
    assert len(by_text(json.loads(raw))[huge]["text"]) == 100_000
    written = cli(root, "inbox", "--html", "--no-fetch", env=environ)
    assert written.code == 0 and written.out.strip().endswith(".smmflow/inbox.html")
    page = (root / ".smmflow" / "inbox.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "\u202e" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    assert git(root, "status", "--porcelain").strip() == ""  # page and store: ignored


# -- rules and check -----------------------------------------------------------------------
def test_check_reports_bad_rules_and_templates_at_their_lines(shop):
    root, environ, _ = shop
    (root / "community" / "bakery.yml").write_text(
        "rules:\n"
        "  - name: broken\n"
        "    regex: 'cozonac(['\n"
        "    action: hide\n"
        "  - words: [ok]\n"
        "    action: {reply: nosuch}\n"
        "  - links: true\n"
        "    action: ban\n"
        "  - action: flag\n"
        "retention: forever\n",
        encoding="utf-8",
    )
    (root / "community" / "bakery" / "answers" / "bad.md").write_text("Hi {name}\u202e\n")
    done = cli(root, "check", env=environ)
    assert done.code == 1, str(done)
    out = done.out
    assert "community/bakery.yml:3: rules.0.regex: bad regular expression 'cozonac([':" in out
    assert "community/bakery.yml:6: rules.1.action.reply: no answer template 'nosuch'" in out
    assert "community/bakery.yml:8: rules.2.action: unknown action 'ban'" in out
    assert "community/bakery.yml:9: rules.3: a rule needs at least one condition" in out
    assert "community/bakery.yml:10: retention: 'forever' is not a duration" in out
    assert "community/bakery/answers/bad.md:1: unknown placeholder {name}" in out
    assert "community/bakery/answers/bad.md:1: column 10: invisible character U+202E" in out


def test_check_warns_where_a_platform_cannot_do_what_a_rule_says(shop):
    root, environ, _ = shop
    done = cli(root, "check", env=environ)
    assert done.code == 0, str(done)
    assert (
        "community/bakery.yml:11: warning: rules.2.action: masto cannot hide comments" in done.out
    )


def test_moderate_dry_run_changes_nothing(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Cât costă cozonacul?", reply_to=post["id"])
    masto.comment("spam", "vezi www.spam-ieftin.ro acum", reply_to=post["id"], mention=False)
    items(root, environ)
    store = (root / ".smmflow" / "inbox.sqlite3").read_bytes()
    before = (rev(root), len(masto.statuses), masto.hits[:])
    done = cli(root, "moderate", "--dry-run", env=environ)
    assert done.code == 0, str(done)
    assert "price → reply (would reply): Bună, Ana! Cozonacul costă 45 de lei" in done.out
    assert "spam links → flag" in done.out and "Mastodon cannot hide it" in done.out
    assert (rev(root), len(masto.statuses)) == before[:2]
    assert masto.hits == before[2]  # not one request
    assert (root / ".smmflow" / "inbox.sqlite3").read_bytes() == store
    assert all(i["state"] == "new" for i in items(root, environ, "--no-fetch"))


def test_moderate_applies_the_merged_rules_once(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Cât costă cozonacul?", reply_to=post["id"])
    masto.comment("ion", "Sunați-mă: 0721 123 456", reply_to=post["id"], mention=False)
    (root / "community" / "bakery.yml").write_text("rules: []\n")  # not committed: not used
    done = cli(root, "moderate", env=environ)
    assert done.code == 0, str(done)
    assert "differs from the publish branch" in done.err
    again = cli(root, "moderate", env=environ)
    assert again.code == 0 and "0 item(s) matched" in again.err
    replies = [s for s in masto.live("bakery") if s["in_reply_to_id"]]
    assert len(replies) == 1
    assert masto.texts[replies[0]["id"]].startswith("@ana Bună, Ana! Cozonacul costă 45 de lei.")
    states = {i["text"]: i["state"] for i in items(root, environ, "--no-fetch")}
    assert states == {
        "@bakery Cât costă cozonacul?": "answered",
        "Sunați-mă: 0721 123 456": "flagged",
    }
    [record] = ledger_actions(root).values()
    assert (record["action"], record["state"], record["who"]) == ("reply", "done", "rule price")


def test_unanswered_lists_questions_oldest_first_with_age_and_overdue(shop, masto):
    root, environ, post = shop
    masto.clock = -6 * 3600
    masto.comment("ana", "Când deschideți?", reply_to=post["id"])
    masto.clock = -3600
    masto.comment("ion", "How much is it", reply_to=post["id"], mention=False)
    masto.comment("eva", "Ce frumos!", reply_to=post["id"], mention=False)
    masto.clock = 0
    found = items(root, environ, "--unanswered")
    assert [i["author"] for i in found] == ["Ana", "Ion"]
    assert [(i["age"], i["overdue"]) for i in found] == [("6h", True), ("1h", False)]
    text = cli(root, "inbox", "--unanswered", "--no-fetch", env=environ).out
    assert "6h  Ana  ? overdue" in text


def test_retention_forgets_old_items_on_every_run(shop, masto):
    root, environ, post = shop
    (root / "community" / "bakery.yml").write_text("retention: 2d\n")
    masto.clock = -3 * 86400
    masto.comment("ana", "Foarte vechi", reply_to=post["id"], mention=False)
    masto.clock = 0
    masto.comment("ion", "Nou", reply_to=post["id"], mention=False)
    assert [i["text"] for i in items(root, environ)] == ["Nou"]
    assert _rows(root) == 1


def test_export_is_the_way_out(shop, masto, tmp_path):
    root, environ, post = shop
    masto.comment("ana", "Cât costă?", reply_to=post["id"])
    target = tmp_path / "out.json"
    done = cli(root, "inbox", "--export", str(target), env=environ)
    assert done.code == 0 and "exported 1 item(s)" in done.err
    [item] = json.loads(target.read_text(encoding="utf-8"))
    assert item["text"] == "@bakery Cât costă?" and item["author_id"] == "ana"


# -- answering -----------------------------------------------------------------------------
def test_reply_answers_once_and_records_no_words(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Cât costă cozonacul mare?", reply_to=post["id"])
    [item] = items(root, environ)
    done = cli(root, "reply", item["id"][:8], "--template", "price", env=environ)
    assert done.code == 0 and ": done" in done.out, str(done)
    again = cli(root, "reply", item["id"], "--text", "altceva", env=environ)
    assert again.code == 0 and ": already" in again.out
    replies = [
        s for s in masto.live("bakery") if s["in_reply_to_id"] == item["url"].rsplit("/", 1)[1]
    ]
    assert len(replies) == 1
    record = ledger_actions(root)[(item["id"], "reply")]
    assert record["remote_id"] == replies[0]["id"] and record["who"] == "ana-admin"
    assert record["target"] == item["url"].rsplit("/", 1)[1]  # the status id, not its URI
    assert items(root, environ, "--no-fetch")[0]["state"] == "answered"


def test_reply_refuses_what_it_cannot_send(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Salut", reply_to=post["id"])
    [item] = items(root, environ)
    long = cli(root, "reply", item["id"], "--text", "a" * 600, env=environ)
    assert long.code == 1 and "too long for Mastodon" in long.out
    unknown = cli(root, "reply", "abcdef99", "--text", "x", env=environ)
    assert unknown.code == 2 and "no inbox item 'abcdef99'" in unknown.err
    hide = cli(root, "moderate", item["id"], "--hide", env=environ)
    assert hide.code == 1 and "Mastodon cannot hide comments" in hide.out
    assert ledger_actions(root) == {}


def test_no_comment_text_ever_reaches_git(shop, masto):
    root, environ, post = shop
    (root / ".gitignore").write_text("public/\n")  # even a .gitignore that forgot the store
    words = ["Cât costă ZEBRA-7731?", "Sunați ZEBRA-7732 la 0721 123 456"]
    masto.comment("zebra_fan", words[0], reply_to=post["id"])
    masto.comment("zebra_two", words[1], reply_to=post["id"], mention=False)
    assert cli(root, "moderate", env=environ).code == 0
    assert cli(root, "inbox", "--format", "html", env=environ).code == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "a writer commits everything", check=False)
    held = everything_git_holds(root)
    for secret in (
        "ZEBRA-7731",
        "ZEBRA-7732",
        "0721 123 456",
        "zebra_fan",
        "Zebra_Fan",
        "Bună, Zebra",
    ):
        assert secret not in held, secret
    assert ".smmflow" not in git(root, "ls-files")
    assert ledger_actions(root)  # the reply was recorded: ids only


# -- plumbing ------------------------------------------------------------------------------
def test_init_and_this_repository_ignore_the_store(tmp_path):
    from repohelp import PROJECT

    assert ".smmflow/" in (PROJECT / ".gitignore").read_text().splitlines()
    made = cli(tmp_path, "init", str(tmp_path / "new"), "--group", "shop", "--name", "Shop")
    assert made.code == 0, str(made)
    assert ".smmflow/" in (tmp_path / "new" / ".gitignore").read_text().splitlines()


def test_inbox_refuses_an_unknown_group(shop):
    root, environ, _ = shop
    done = cli(root, "inbox", "--group", "nosuch", env=environ)
    assert done.code == 2 and "--group: no group 'nosuch'" in done.err


def test_fetch_errors_are_said_and_the_rest_is_listed(shop, masto):
    root, environ, post = shop
    masto.comment("ana", "Bună", reply_to=post["id"])
    items(root, environ)
    done = cli(root, "inbox", env={**environ, "MASTO_TOKEN": "wrong-token"})
    assert done.code == 1 and "bakery/masto (mastodon): not read:" in done.err
    assert "wrong-token" not in done.err + done.out
    assert "Bună" in done.out


def test_the_store_is_not_a_git_concern(shop):
    root, environ, _ = shop
    items(root, environ)
    assert (root / ".smmflow" / ".gitignore").read_text().splitlines()[-1] == "*"
    out = subprocess.run(["git", "check-ignore", ".smmflow/inbox.sqlite3"], cwd=root,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0


def test_the_publish_workflow_moderates_after_sync_with_every_secret():
    from test_workflows import load, secret_names, steps

    found = steps(load("publish.yml"))
    names = [s.get("name") for s in found]
    moderate = found[names.index("Moderate new comments")]
    assert names.index("Moderate new comments") == names.index("Publish what is due") + 1
    assert moderate["run"].startswith("smmflow moderate") and moderate["if"] == "always()"
    assert "telegram" not in moderate["run"]  # Telegram's updates go to one reader only
    missing = [n for n in secret_names() if moderate["env"].get(n) != f"${{{{ secrets.{n} }}}}"]
    assert not missing and moderate["env"]["SMMFLOW_REMOTE"] == "origin"


def test_moderate_refuses_an_unknown_platform(shop):
    root, environ, _ = shop
    done = cli(root, "moderate", "--platform", "myspace", env=environ)
    assert done.code == 2 and "--platform: no platform 'myspace'" in done.err


def test_since_lists_only_what_is_newer(shop, masto):
    root, environ, post = shop
    masto.clock = -3 * 86400
    masto.comment("ana", "De acum trei zile", reply_to=post["id"], mention=False)
    masto.clock = 0
    masto.comment("ion", "De azi", reply_to=post["id"], mention=False)
    assert [i["text"] for i in items(root, environ, "--since", "2d")] == ["De azi"]
    assert len(items(root, environ, "--since", "2020-01-01", "--no-fetch")) == 2
    bad = cli(root, "inbox", "--since", "sometime", env=environ)
    assert bad.code == 2 and "write a duration (2d, 12h) or a date" in bad.err


def test_doctor_names_the_scopes_the_inbox_lacks(shop, masto):
    from servers.mastodon import Token

    root, environ, _ = shop
    masto.tokens[TOKEN] = Token("bakery", scopes=("write:statuses", "write:media"))
    done = cli(root, "doctor", env=environ)  # community/bakery.yml exists: errors count
    assert done.code == 1, str(done)
    assert "ERROR bakery/masto (mastodon): inbox: the token lacks read:notifications" in done.out
    assert "ok    bakery/masto (mastodon): scopes allow publishing" in done.out
