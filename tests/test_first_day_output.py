"""The first day's output (issue #13): links said once on plain-text platforms, `status`
and `sync --dry-run` as a person reads them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smmflow.model import Post
from smmflow.platforms import registry

PLAIN = [n for n in registry.names() if registry.get(n).style in ("plain", "little")]


def rendered(platform: str, body: str) -> str:
    post = Post(
        path="content/demo/2026-12-04-demo.md",
        group="demo",
        date=dt.datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest")),
        type="informative",
        platforms=(platform,),
        media=(),
        body=body,
    )
    return registry.get(platform).render(post).text


@pytest.mark.parametrize("platform", PLAIN)
def test_a_link_whose_text_is_its_address_is_said_once(platform: str) -> None:
    text = rendered(
        platform,
        "Order at [x.example/a](https://x.example/a) or [www.x.example/b/](https://x.example/b).",
    )
    assert text.count("x.example/a") == 1 and text.count("x.example/b") == 1, text
    assert "https://x.example/a" in text and "https://x.example/b" in text
    named = rendered(platform, "Order at [the shop](https://x.example/a).")
    assert "the shop (https://x.example/a)" in named.replace("\\", "")
