"""X's links as twitter-text finds them (smmflow/text/xurls.py): bare domains with a known
top-level domain count 23 like any link, addresses, hashtags and unknown endings do not;
`check`'s count agrees with the loopback X's own count (tests/servers/xtext.py); and a
stopped send of a post with a bare domain is found again by `verify` (X rewrites the
domain to a t.co link)."""

from __future__ import annotations

import pytest
from publishhelp import Saved, make_repo, post_file, run
from repohelp import cli, commit, group_yaml, init_repo, write
from servers import xtext
from servers.x import XServer

from smmflow.text.count import x_weighted
from smmflow.text.xurls import x_url_spans

USER, TOKEN = "1460000000000000001", "x-user-access-token-0123456789"


def links(text: str) -> list[str]:
    return [text[start:end] for start, end in x_url_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comenzi pe example.com azi", ["example.com"]),
        (
            "brutaria.ro, www.brutaria.co.uk și shop.example.org",
            ["brutaria.ro", "www.brutaria.co.uk", "shop.example.org"],
        ),
        ("Vezi brutaria.ro/comenzi.", ["brutaria.ro/comenzi"]),  # the full stop is not the link's
        ("(brutaria.ro/meniu) și t.co/abc", ["brutaria.ro/meniu", "t.co/abc"]),
        ("Citește README.md", ["README.md"]),  # md: Moldova
        ("https://example.ro/a?x=1&y=2, apoi", ["https://example.ro/a?x=1&y=2"]),
        ("Pâine日本語example.com/path中文", ["example.com/path"]),
        ("Scrie la ana@brutaria.ro", []),  # an address
        ("#brutaria.ro $brutaria.ro", []),  # a hashtag, a cashtag
        ("x -brutaria.ro _brutaria.ro ./brutaria.ro /brutaria.ro", []),  # not after - _ . /
        ("foo.baz node.js pâine.cozonac", []),  # no such top-level domains
        ("example.comm example.com-x example.com@x", []),  # the TLD must end there
        ("http://localhost:8080/x http://127.0.0.1/x", []),  # no top-level domain
        ("x" * 64 + ".com", []),  # a label over 63 characters is no host name
    ],
)
def test_links_are_found_as_twitter_text_finds_them(text, expected):
    assert links(text) == expected


def test_a_bare_domain_counts_23_like_any_link():
    assert x_weighted("example.com") == 23
    assert x_weighted("Comenzi pe brutaria.ro") == len("Comenzi pe ") + 23
    assert x_weighted("Vezi example.com/" + "a" * 100 + ".") == 5 + 23 + 1
    assert x_weighted("ana@brutaria.ro") == len("ana@brutaria.ro")
    assert x_weighted("foo.baz") == 7


def test_check_and_the_loopback_x_count_the_same():
    """The server's count is an independent reading of twitter-text (its own TLD list)."""
    texts = [
        "Comenzi pe brutaria.ro și example.com/comenzi — 🎄 și 日本",
        "Scrie la ana@brutaria.ro sau vezi www.brutaria.co.uk/meniu?zi=luni.",
        "https://example.ro/cozonac (brutaria.ro/a) #brutaria.ro",
        "Pâine " * 40 + "brutaria.ro",
    ]
    for text in texts:
        assert x_weighted(text) == xtext.weighted_length(text), text


@pytest.fixture
def x(serve):
    server = XServer()
    server.add_account(USER, "brutariadulce", "Brutăria Dulce")
    server.add_token(TOKEN, USER)
    return serve(server)


def test_check_refuses_a_post_over_280_only_through_its_bare_domains(tmp_path, x):
    body = "Comenzi: " + " ".join(f"brutaria{i}.ro" for i in range(12))  # 12 × 23 + words
    assert len(body) < 200 and x_weighted(body) == xtext.weighted_length(body) > 280
    root = init_repo(tmp_path / "repo")
    account = {"platform": "x", "token_env": "X_TOKEN", "api": x.url}
    write(root, "schedules/brutaria.yml", group_yaml("B", "Europe/Bucharest", {"x": account}))
    write(root, "content/brutaria/2026-12-04-lung.md", post_file("2026-12-04", body))
    commit(root, "a long post")
    done = cli(root, "check")
    assert done.code == 1 and "content/brutaria/2026-12-04-lung.md" in done.out + done.err
    assert "of 280" in done.out + done.err, done


def test_verify_finds_a_stopped_send_whose_bare_domain_x_made_a_link(tmp_path, x):
    body = "Comenzi pe brutaria.ro și example.com/comenzi, azi."
    account = {"platform": "x", "token_env": "X_TOKEN", "api": x.url}
    repo = make_repo(tmp_path / "repo", {"x": account}, {"2026-12-04-comenzi": (body, [])}, {})
    pub = run(repo, "x", {"X_TOKEN": TOKEN, "SMMFLOW_STATE_DIR": str(tmp_path / "state")})
    saved = Saved()
    receipt = pub.send("2026-12-04-comenzi", saved=saved)
    [tweet] = x.timeline(USER)
    assert "brutaria.ro" not in tweet["text"]  # X keeps it as a t.co link
    assert pub.verify("2026-12-04-comenzi", saved.last) == receipt
