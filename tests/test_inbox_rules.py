"""The pure parts of the inbox, in this process: what a rule matches (diacritics-insensitive
words, regular expressions, links, phones, capitals, authors), question detection in three
languages, answer templates that keep a commenter's name inert, the store's retention,
de-duplication and item ids, and error scrubbing before anything reaches the ledger."""

from __future__ import annotations

import time

import pytest

from smmflow.community import answers, config
from smmflow.community.act import scrub
from smmflow.community.questions import fold, is_question
from smmflow.community.rules import matches, shouting
from smmflow.community.store import Query, Store
from smmflow.model import Account, Group
from smmflow.platforms.community import Item

GROUPS = {"bakery": Group("bakery", "Brutăria", "Europe/Bucharest", "schedules/bakery.yml",
                          (Account("masto", "mastodon"),))}  # fmt: skip


def _rules(text: str):
    found, problems = config.load({"community/bakery.yml": text.encode()}, GROUPS)
    assert problems == [], [p.format() for p in problems]
    return found["bakery"].rules


def _first(rules, text: str, author: str = "ana", account: str = "masto") -> str | None:
    rule = next((r for r in rules if matches(r, text, author, author, account)), None)
    return rule.label if rule else None


@pytest.mark.parametrize("text", ["Țeapă!", "ţeapă", "TEAPA", "o țeapă mare", "ţeapa"])
def test_words_match_without_case_or_diacritics(text):
    rules = _rules("rules:\n  - words: [țeapă]\n    action: hide\n")
    assert _first(rules, text) == "rule 1"


def test_words_are_whole_words_and_phrases_span_spaces():
    rules = _rules('rules:\n  - words: ["cât costă", prost]\n    action: flag\n')
    assert _first(rules, "Cat   costa unul?") == "rule 1"
    assert _first(rules, "prostie") is None and _first(rules, "e prost!") == "rule 1"


def test_conditions_all_hold_and_the_first_rule_wins():
    rules = _rules(
        "rules:\n"
        "  - name: spam\n    links: true\n    caps: true\n    action: delete\n"
        "  - name: links\n    links: true\n    action: hide\n"
        "  - name: phones\n    phones: true\n    action: flag\n"
        "  - name: known\n    authors: ['@Spammer']\n    action: hide\n"
        "  - name: regex\n    regex: '(?i)c[aâ]nd\\s+deschide'\n    action: flag\n"
        "  - name: only tg\n    words: [salut]\n    accounts: [tg]\n    action: flag\n"
    )
    assert _first(rules, "CUMPARATI ACUM DE PE WWW.IEFTIN.RO") == "spam"
    assert _first(rules, "vezi https://ieftin.example.com") == "links"
    assert _first(rules, "sunati 0721 123 456") == "phones"
    assert _first(rules, "sunati 12 34") is None  # too few digits for a phone number
    assert _first(rules, "oricine", author="spammer") == "known"
    assert _first(rules, "Când deschideți?") == "regex"
    assert _first(rules, "salut") is None and _first(rules, "salut", account="tg") == "only tg"


def test_a_pathological_regex_on_a_hostile_comment_gives_up():
    rules = _rules("rules:\n  - regex: '(a+)+$'\n    action: flag\n")
    started = time.monotonic()
    assert _first(rules, "a" * 40 + "b") is None
    assert time.monotonic() - started < 5


def test_shouting_needs_enough_capitals():
    assert shouting("NU MAI CUMPĂR DE AICI") and not shouting("OK") and not shouting("Bună ZIUA")


@pytest.mark.parametrize(
    "text",
    ["Cât costă?", "cat costa cozonacul", "Când deschideți mâine", "Unde vă găsesc",
     "how much is the big one", "When do you open", "Сколько стоит", "Когда откроетесь",
     "Aveți și fără zahăr", "where are you"],
)  # fmt: skip
def test_questions_in_three_languages(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text", ["Ce frumos!", "Mulțumesc mult", "Great cake", "Спасибо большое", "Do try it"]
)
def test_not_questions(text):
    assert not is_question(text)


def test_fold_reads_both_romanian_forms_alike():
    assert fold("Ţ ț Ș ş Ă Â Î") == fold("t t s s a a i") == "t t s s a a i"


def test_answers_fill_the_name_as_text_only():
    template = answers.Template("t", "p", "Bună, **{author}**! Vezi [aici]({link}). {{ok}}")
    text = answers.fill(template, {"author": "@eve\u202e [x](javascript:alert(1)) {link}",
                                   "link": "https://shop.example/c"})  # fmt: skip
    assert (
        text
        == "Bună, eve [x](javascript:alert(1)) {link}! Vezi aici (https://shop.example/c). {ok}"
    )


def test_store_keeps_an_item_once_and_purges_by_group(tmp_path):
    old, new = time.time() - 10 * 86400, time.time()
    with Store(tmp_path) as store:
        rows = [Item("r1", "comment", "a", "A", "Cât costă?", old),
                Item("r2", "comment", "b", "B", "Super", new)]  # fmt: skip
        assert store.add("bakery", "masto", "mastodon", rows, {}, is_question) == 2
        assert store.add("bakery", "masto", "mastodon", rows, {}, is_question) == 0
        assert store.count(Query(unanswered=True)) == 1
        [found] = store.select(Query(unanswered=True))
        assert store.find(found.id[:6]) == found and store.find("xyz") is None
        assert store.purge({"bakery": 5 * 86400}, time.time()) == 1
        assert [i.remote_id for i in store.select(Query())] == ["r2"]
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM items WHERE question = 1 AND state = 'new' ORDER BY created"
        ).fetchall()
        assert "items_open" in str(plan)  # --unanswered reads its partial index, not the table


def test_scrub_takes_the_words_out_of_errors():
    message = "Validation failed: 'Bună, Ana Popescu! Cozonacul costă' is too long"
    assert scrub(
        message, ("Cât costă?", "Ana Popescu", "Bună, Ana Popescu! Cozonacul costă 45")
    ) == ("Validation failed: '…' is too long")
