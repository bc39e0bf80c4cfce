"""The Telegram publisher, against a loopback Bot API server (tests/servers/telegram.py)
that parses HTML the way TDLib does, keeps the channel's messages, and answers with the
Bot API's own errors.

Telegram has no idempotency key and a bot cannot read a channel's history, so the rule
tested throughout: a send is repeated only when Telegram certainly did not act on it;
anything else is `unknown` for a person, and the message is never posted twice.
The end-to-end tests run `smmflow sync` as a subprocess on real git repositories.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import signal
import traceback
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repohelp import base_env, commit, group_yaml, init_repo, ledger, smmflow, write
from servers.telegram import BotApiServer, EntityError, entity_text, parse_html

from smmflow.model import Account, Group, Media, Post
from smmflow.platforms import telegram_api as tg
from smmflow.platforms.base import Attempt, Context
from smmflow.platforms.http import FAIL, REAUTH, RETRY, UNKNOWN, Http, Policy, PublishError
from smmflow.platforms.secrets import Redactor
from smmflow.platforms.telegram import Telegram
from smmflow.text.render import rich

PROJECT = Path(__file__).resolve().parents[1]
JPEG = PROJECT / "content" / "brutaria-dulce" / "media" / "aluat-cozonac.jpg"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
BODY = "**Cozonac** cu nucă & stafide. Comenzi: [aici](https://example.ro/cozonac?a=1&b=2) 🎄"
NOW = "2026-12-15 12:00"


# -- building blocks -----------------------------------------------------------------------
@pytest.fixture
def api(serve):
    server = BotApiServer()
    server.channel("brutariadulce", title="Brutăria Dulce")
    return serve(server)


def _media(tmp_path: Path, kinds: str) -> tuple[Media, ...]:
    """`kinds`: one letter per item, p(hoto) v(ideo) g(if)."""
    found = []
    for i, kind in enumerate(kinds):
        suffix, data = {"p": (".jpg", JPEG.read_bytes()), "v": (".mp4", MP4), "g": (".gif", GIF)}[
            kind
        ]
        file = tmp_path / f"item-{i}{suffix}"
        file.write_bytes(data)
        found.append(Media(f"media/item-{i}{suffix}", f"Descriere {i}", file, len(data)))
    return tuple(found)


def _post(tmp_path: Path, body: str = BODY, media: str = "") -> Post:
    return Post(
        "content/bakery/2026-12-15-cozonac.md",
        "bakery",
        dt.datetime(2026, 12, 15, 10, tzinfo=dt.timezone.utc),
        "sales",
        ("telegram",),
        media=_media(tmp_path, media),
        body=body,
    )


class Made:
    """A publisher wired to a server, with the waits it took."""

    def __init__(self, api: str, token: str, redact=None, policy=None, **settings):
        self.waits: list[float] = []
        values = {"chat": "@brutariadulce", "token_env": "TG_TOKEN", "api": api, **settings}
        self.account = Account("telegram", "telegram", tuple(values.items()))
        group = Group(
            "bakery", "Bakery", "Europe/Bucharest", "schedules/bakery.yml", (self.account,)
        )
        redact = Redactor([token]) if redact is None else redact
        self.http = Http(
            redact, policy or Policy(attempts=3, backoff=0.01, max_wait=60), self.waits.append
        )
        ctx = Context(PROJECT, group, self.http, {"TG_TOKEN": token}, redact)
        self.publisher = Telegram(self.account, ctx)

    def publish(self, post: Post):
        return self.publisher.publish(post, self.publisher.render(post), Attempt("key-1"))


def _made(server: BotApiServer, **settings) -> Made:
    return Made(server.url, server.token, **settings)


def _fails(kind: str, call, *args) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call(*args)
    assert caught.value.kind == kind, caught.value.message
    return caught.value


# -- what a subscriber sees ------------------------------------------------------------------
def test_a_text_post_is_one_html_message_and_reads_back_as_written(api, tmp_path):
    receipt = _made(api).publish(_post(tmp_path))

    [call] = api.sends()
    assert call.method == "sendmessage" and call.content_type.startswith("application/json")
    assert call.params["parse_mode"] == "HTML"
    assert "disable_notification" not in call.params
    [message] = api.posts()
    assert message.text == "Cozonac cu nucă & stafide. Comenzi: aici 🎄"
    assert message.marked("bold") == ["Cozonac"]
    assert message.links() == [("aici", "https://example.ro/cozonac?a=1&b=2")]
    assert receipt.remote_id == str(message.message_id)
    assert receipt.url == f"https://t.me/brutariadulce/{message.message_id}"


def test_silent_posts_go_out_without_a_notification(api, tmp_path):
    _made(api, silent="true").publish(_post(tmp_path))
    [message] = api.posts()
    assert message.silent and api.sends()[0].params["disable_notification"] == "true"


def test_a_photo_post_uploads_the_file_with_the_caption_and_no_alt_text(api, tmp_path):
    post = _post(tmp_path, media="p")
    receipt = _made(api).publish(post)

    [call] = api.sends()
    assert call.method == "sendphoto" and call.content_type.startswith("multipart/form-data")
    assert call.params["parse_mode"] == "HTML" and set(call.files) == {"photo"}
    [message] = api.posts()
    assert message.kind == "photo" and message.file["data"] == JPEG.read_bytes()
    assert message.text == "Cozonac cu nucă & stafide. Comenzi: aici 🎄"
    assert message.marked("bold") == ["Cozonac"]
    sent = json.dumps(call.params, ensure_ascii=False)
    assert "Descriere" not in sent  # Telegram has no alt text: nothing to send it in
    assert receipt.url == f"https://t.me/brutariadulce/{message.message_id}"


def test_a_video_goes_with_send_video_and_a_gif_as_an_animation(api, tmp_path):
    _made(api).publish(_post(tmp_path, media="v"))
    _made(api).publish(_post(tmp_path, "Un *gif*", media="g"))
    video, gif = api.posts()
    assert (video.kind, gif.kind) == ("video", "animation")
    assert api.sends()[0].params["supports_streaming"] == "true"
    assert video.file["data"] == MP4 and gif.file["data"] == GIF
    assert gif.text == "Un gif" and gif.marked("italic") == ["gif"]


def test_an_album_is_one_media_group_with_the_caption_on_its_first_item(api, tmp_path):
    receipt = _made(api).publish(_post(tmp_path, media="pvp"))

    [call] = api.sends()
    assert call.method == "sendmediagroup" and set(call.files) == {"file0", "file1", "file2"}
    items = json.loads(call.params["media"])
    assert [i["type"] for i in items] == ["photo", "video", "photo"]
    assert [i["media"] for i in items] == ["attach://file0", "attach://file1", "attach://file2"]
    assert "caption" in items[0] and not any("caption" in i for i in items[1:])
    first, second, third = api.posts()
    assert first.media_group_id == second.media_group_id == third.media_group_id
    assert first.text.startswith("Cozonac") and second.text == third.text == ""
    ids = [m.message_id for m in (first, second, third)]
    assert receipt.remote_id == ",".join(map(str, ids))
    assert receipt.url == f"https://t.me/brutariadulce/{ids[0]}"


def test_a_private_channel_by_numeric_id_gets_a_t_me_c_link(api, tmp_path):
    api.channel(None, chat_id=-1009876543210, title="Clinica, doar membri")
    receipt = _made(api, chat="-1009876543210").publish(_post(tmp_path))
    [message] = api.posts(-1009876543210)
    assert receipt.url == f"https://t.me/c/9876543210/{message.message_id}"


def test_a_public_channel_named_without_at_or_as_a_link_still_works(api, tmp_path):
    for chat in ("brutariadulce", "https://t.me/brutariadulce"):
        receipt = _made(api, chat=chat).publish(_post(tmp_path))
        assert receipt.url.startswith("https://t.me/brutariadulce/")
    assert [c.params["chat_id"] for c in api.sends()] == ["@brutariadulce"] * 2


def test_dry_run_payload_names_the_method_and_files_and_touches_no_network(api, tmp_path):
    made = _made(api, silent="yes")
    post = _post(tmp_path, media="pp")
    payload = made.publisher.payload(post, made.publisher.render(post), Attempt("key-1"))
    assert payload["method"] == "sendMediaGroup" and payload["disable_notification"] is True
    assert payload["file0"] == "media/item-0.jpg" and payload["chat_id"] == "@brutariadulce"
    assert api.token not in json.dumps(payload) and api.calls == []


# -- errors: the Bot API's ok:false answers ------------------------------------------------
def test_a_429_waits_as_the_json_retry_after_says_and_posts_once(api, tmp_path):
    api.retry_after = 7
    api.faults = ["429-json", "429"]  # the JSON alone, then JSON and a Retry-After header
    made = _made(api)
    made.publish(_post(tmp_path))
    assert made.waits == [7.0, 7.0]
    assert len(api.sends()) == 3 and len(api.posts()) == 1


def test_a_rate_limit_longer_than_the_run_allows_is_left_for_the_next_run(api, tmp_path):
    api.retry_after = 600
    api.faults = ["429"]
    made = _made(api)
    error = _fails(RETRY, made.publish, _post(tmp_path))
    assert "retry after 600" in error.message and made.waits == [] and api.posts() == []


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x" * 4097, "Telegram: Bad Request: message is too long"),
        ("ă" * 4096, None),  # 4096 characters fit, whatever their bytes
    ],
)
def test_the_4096_limit_is_counted_after_parsing(api, tmp_path, body, expected):
    made = _made(api)
    if expected is None:
        made.publish(_post(tmp_path, body))
        assert len(api.posts()[0].text) == 4096
    else:
        assert _fails(FAIL, made.publish, _post(tmp_path, body)).message == expected


def test_a_caption_over_1024_is_refused_and_markup_does_not_count(api, tmp_path):
    made = _made(api)
    made.publish(_post(tmp_path, "**" + "a" * 1024 + "**", media="p"))  # tags are not shown
    error = _fails(FAIL, made.publish, _post(tmp_path, "a" * 1025, media="p"))
    assert error.message == "Telegram: Bad Request: message caption is too long"
    assert len(api.posts()) == 1


def test_html_telegram_cannot_parse_fails_with_its_description(api, tmp_path):
    made = _made(api)
    post = _post(tmp_path)
    broken = made.publisher.render(post).__class__(
        "telegram", "<b>Cozonac <p>cald</p>", "", 0, 4096, "characters", (), "HTML"
    )
    with pytest.raises(PublishError) as caught:
        made.publisher.publish(post, broken, Attempt("key-1"))
    assert caught.value.kind == FAIL
    assert caught.value.message == (
        'Telegram: Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 11'
    )
    assert api.posts() == []


@pytest.mark.parametrize("status", ["left", "administrator-without-post"])
def test_a_bot_that_may_not_post_fails_with_the_admin_hint(api, tmp_path, status):
    chat = api.chats[-1001234567890]
    if status == "left":
        chat.bot_status = "left"
        said = "Forbidden: bot is not a member of the channel chat"
    else:
        chat.can_post_messages = False
        said = "Bad Request: need administrator rights in the channel chat"
    error = _fails(FAIL, _made(api).publish, _post(tmp_path))
    assert said in error.message
    assert 'as an administrator with the "Post messages" right' in error.message


def test_an_unknown_chat_fails_with_what_to_check(api, tmp_path):
    error = _fails(FAIL, _made(api, chat="@nu_exista").publish, _post(tmp_path))
    assert error.message.startswith("Telegram: Bad Request: chat not found: check `chat`")


@pytest.mark.parametrize("where", ["token", "api"])
def test_a_refused_token_or_a_wrong_api_asks_for_reauth(api, tmp_path, where):
    if where == "token":
        made = Made(api.url, "7311846021:AAwrongwrongwrongwrongwrongwrongwro")
        said = "Telegram: Unauthorized"
    else:
        made = Made(api.url + "/not-the-bot-api", api.token)
        said = "Telegram: Not Found"
    error = _fails(REAUTH, made.publish, _post(tmp_path))
    assert error.message.startswith(said) and "@BotFather" in error.message
    assert api.posts() == []


@pytest.mark.parametrize("fault", ["500", "500-after", "502", "reset-after", "slow-after"])
def test_an_answer_that_may_hide_a_sent_message_is_unknown_and_never_resent(api, tmp_path, fault):
    api.faults = [fault]
    api.slow = 2.0
    policy = Policy(attempts=4, backoff=0.01, read_timeout=0.5)
    made = _made(api, policy=policy)
    _fails(UNKNOWN, made.publish, _post(tmp_path))
    assert len(api.sends()) == 1  # one request: never repeated blindly
    posted = {"500": 0, "502": 0, "500-after": 1, "reset-after": 1, "slow-after": 1}[fault]
    assert len(api.posts()) == posted


def test_an_album_that_failed_half_way_is_unknown(api, tmp_path):
    api.faults = ["album-partial"]
    error = _fails(UNKNOWN, _made(api).publish, _post(tmp_path, media="pp"))
    assert "failed to send message #2" in error.message and "may be in the channel" in error.message
    assert len(api.posts()) == 1 and len(api.sends()) == 1


def test_a_refused_connection_is_retried_safely(tmp_path):
    made = Made("http://127.0.0.1:9", "7311846021:AAH4xXk9Zq2bC3dE5fG6hJ7kL8mN9pQ0rSt")
    error = _fails(RETRY, made.publish, _post(tmp_path))
    assert "could not connect" in error.message and len(made.waits) == 2


def test_a_bad_silent_value_fails_before_anything_is_sent(api, tmp_path):
    error = _fails(FAIL, _made(api, silent="maybe").publish, _post(tmp_path))
    assert "silent" in error.message and api.calls == []


# -- the token is in the URL: it must never come out ----------------------------------------
def _everything(exc: BaseException | None) -> str:
    """All an error could show: its text, repr, args, and those of what it was raised from."""
    seen = ""
    while exc is not None:
        seen += "".join(traceback.format_exception_only(exc)) + repr(exc) + str(exc.args)
        exc = exc.__cause__ or exc.__context__
    return seen


@pytest.mark.parametrize("base", ["http://127.0.0.1:9", "http://host.invalid", "http://[::1"])
def test_a_connection_error_never_shows_the_url_or_the_token(tmp_path, base):
    """Without any redactor: the http layer and the Bot API client build their own texts
    (requests' exceptions would quote the URL, and with it the token)."""
    token = "7311846021:AAH4xXk9Zq2bC3dE5fG6hJ7kL8mN9pQ0rSt"
    made = Made(base, token, redact=str, policy=Policy(attempts=1, connect_timeout=1))
    with pytest.raises(PublishError) as caught:
        made.publish(_post(tmp_path))
    seen = _everything(caught.value)
    assert token not in seen and "/bot" not in seen and "sendMessage" not in seen, seen


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:9", "http://host.invalid", "http://[::1", "ftp://127.0.0.1"]
)
def test_the_http_layer_alone_never_shows_a_url_it_failed_on(base):
    """smmflow/http.py builds its own messages: no redactor, no Bot API client in between."""
    token = "7311846021:AAH4xXk9Zq2bC3dE5fG6hJ7kL8mN9pQ0rSt"
    http = Http(str, Policy(attempts=2, backoff=0.01, connect_timeout=1), lambda s: None)
    with pytest.raises(PublishError) as caught:
        http.request("POST", f"{base}/bot{token}/sendMessage", idempotent=False, json={})
    seen = _everything(caught.value)
    assert token not in seen and "/bot" not in seen and "sendMessage" not in seen, seen


def test_requests_itself_would_show_the_token():
    """Why the tests above matter: requests' own exceptions quote the URL."""
    token = "7311846021:AAH4xXk9Zq2bC3dE5fG6hJ7kL8mN9pQ0rSt"
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.post(f"http://127.0.0.1:9/bot{token}/sendMessage", timeout=1)
    assert token in str(caught.value)


@pytest.mark.parametrize("fault", ["500-after", "reset-after", "slow-after", "502", "429"])
def test_server_side_failures_never_show_the_token(api, tmp_path, fault):
    api.faults = [fault] * 4
    api.retry_after = 500
    made = _made(api, redact=str, policy=Policy(attempts=1, read_timeout=0.5))
    api.slow = 1.0
    with pytest.raises(PublishError) as caught:
        made.publish(_post(tmp_path))
    seen = _everything(caught.value)
    assert api.token not in seen and "/bot" not in seen, seen


def test_the_client_scrubs_a_token_even_if_an_error_repeats_it():
    client = tg.BotApi(Http(), "123:secret-token-value")
    assert client.scrub("failed at /bot123:secret-token-value/sendMessage") == (
        "failed at /bot[redacted]/sendMessage"
    )


# -- withdrawn posts -------------------------------------------------------------------------
def test_delete_removes_every_message_of_an_album_and_tolerates_them_gone(api, tmp_path):
    made = _made(api)
    api.chats[-1001234567890].can_delete_messages = True
    receipt = made.publish(_post(tmp_path, media="ppp"))
    made.publisher.delete(Attempt("key-1", receipt.remote_id))
    assert api.posts() == []
    assert [c.method for c in api.calls].count("deletemessage") == 3
    made.publisher.delete(Attempt("key-1", receipt.remote_id))  # all gone already: nothing to do


def test_delete_accepts_the_url_a_person_recorded(api, tmp_path):
    made = _made(api)
    receipt = made.publish(_post(tmp_path))
    made.publisher.delete(Attempt("key-1", receipt.url))
    assert api.posts() == []


def test_a_post_older_than_48_hours_cannot_be_deleted_and_says_so(api, tmp_path):
    made = _made(api)
    receipt = made.publish(_post(tmp_path))
    api.clock = api.posts()[0].date + 49 * 3600
    error = _fails(FAIL, made.publisher.delete, Attempt("key-1", receipt.remote_id))
    assert "message can't be deleted" in error.message and "by hand" in error.message


def test_message_ids_from_every_form_of_remote_id():
    assert tg.message_ids("12") == [12]
    assert tg.message_ids("12,13,14") == [12, 13, 14]
    assert tg.message_ids("https://t.me/brutariadulce/77") == [77]
    assert tg.message_ids("https://t.me/c/9876543210/78?single") == [78]
    assert tg.message_ids("") == []


def test_message_urls():
    public = {"message_id": 5, "chat": {"id": -1001, "username": "canal", "type": "channel"}}
    private = {"message_id": 6, "chat": {"id": -1009876543210, "type": "channel"}}
    assert tg.message_url(public, "-1001") == "https://t.me/canal/5"
    assert tg.message_url(private, "-1009876543210") == "https://t.me/c/9876543210/6"
    assert tg.message_url({"message_id": 0, "chat": {}}, "@canal") == ""  # video not out yet


# -- doctor --------------------------------------------------------------------------------
def _doctor(server: BotApiServer, token: str | None = None, **settings) -> list[tuple[str, str]]:
    made = Made(server.url, token or server.token, **settings)
    return [(f.level, f.message) for f in made.publisher.doctor()]


def test_doctor_reports_the_bot_and_its_post_right(api):
    found = _doctor(api)
    assert ("ok", "token valid: @brutaria_posting_bot") in found
    assert (
        "ok",
        "@brutaria_posting_bot is an administrator of channel 'Brutăria Dulce' with \"Post messages\"",
    ) in found
    assert all(level == "ok" for level, _ in found)


def test_doctor_names_the_missing_post_messages_right(api):
    api.chats[-1001234567890].can_post_messages = False
    [error] = [m for level, m in _doctor(api) if level == "error"]
    assert 'without the "Post messages" right (can_post_messages)' in error


def test_doctor_says_when_the_bot_is_not_an_administrator(api):
    api.chats[-1001234567890].bot_status = "left"
    [error] = [m for level, m in _doctor(api) if level == "error"]
    assert "is not an administrator of channel" in error and "Post messages" in error


def test_doctor_with_a_refused_token_or_an_unknown_chat(api):
    bad = _doctor(api, token="7311846021:AAwrongwrongwrongwrongwrongwrongwro")
    assert bad[-1][0] == "error" and "Unauthorized" in bad[-1][1]
    lost = _doctor(api, chat="@nu_exista")
    assert lost[-1][0] == "error" and "chat not found" in lost[-1][1]


def test_doctor_without_the_secret_sends_nothing(api):
    made = Made(api.url, api.token)
    made.publisher.ctx.environ = {}
    assert [(f.level, f.message) for f in made.publisher.doctor()] == [
        ("error", "TG_TOKEN is not set (token_env)")
    ]
    assert api.calls == []


# -- the loopback server parses HTML as Telegram does ----------------------------------------
@pytest.mark.parametrize(
    "html, error",
    [
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("ă < b", 'Unsupported start tag "" at byte offset 3'),
        ("<<b>1</b>", 'Unsupported start tag "<b" at byte offset 0'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_server_rejects_html_telegram_rejects(html, error):
    with pytest.raises(EntityError) as caught:
        parse_html(html)
    assert str(caught.value) == error


def test_server_entities_use_utf16_offsets_and_only_four_named_entities():
    text, entities = parse_html(
        "🎄 <b>brad</b> &amp; &nbsp; &#x1F600; <a href='https://x.ro/?a=1&amp;b'>l</a>"
    )
    assert text == "🎄 brad & &nbsp; 😀 l"
    bold, link = entities
    assert (bold["offset"], bold["length"]) == (3, 4) and entity_text(text, bold) == "brad"
    assert link["url"] == "https://x.ro/?a=1&b" and entity_text(text, link) == "l"


_MARKDOWN = st.lists(
    st.sampled_from(
        [
            "**bold**",
            "_it_",
            "~~tăiat~~",
            "`cod <b>`",
            "[link](https://example.ro/?a=1&b=2)",
            "[rău](javascript:alert(1))",
            "<b>raw</b>",
            "a & b",
            "x < y > z",
            "&amp;",
            "&nbsp;",
            "🎄👨‍👩‍👧",
            "#tag",
            "\n\n",
            "\n",
            "- item\n",
            "1. unu\n",
            "> citat\n",
            "# Titlu\n",
            "```python\nprint('<x>')\n```\n",
            "    indented\n",
            "---\n",
            "***a** b*",
            "\\*",
            "<https://example.ro/a_b>",
            "ăîșțâ",
            " ",
            "*",
            "_",
            "[",
            "]",
            "(",
            ")",
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MARKDOWN)
def test_every_body_renders_to_html_telegram_accepts_and_shows_as_counted(body):
    """The renderer's HTML always parses, and a subscriber sees exactly `visible` (the
    text `check` counts), so a post that passes `check` is never refused for its markup."""
    rendered = Telegram.render(_post_body(body))
    text, _ = parse_html(rendered.text)
    assert text.strip() == rendered.visible.strip()  # edge whitespace: not counted either way


def _post_body(body: str) -> Post:
    return Post(
        "content/b/2026-12-15-x.md",
        "b",
        dt.datetime(2026, 12, 15, 10, tzinfo=dt.timezone.utc),
        "informative",
        ("telegram",),
        body=body,
    )


def test_the_example_content_renders_to_html_telegram_accepts():
    from smmflow.content.repo import load

    repo = load(PROJECT)
    checked = 0
    for post in repo.posts:
        rendered = rich(post.body)
        text, _ = parse_html(rendered.html)
        assert text == rendered.text.strip(), post.path
        checked += 1
    assert checked > 50


# -- end to end: smmflow sync on a real git repository ----------------------------------------
POST_ID = "bakery/2026-12-15-cozonac"


def _repo(tmp_path: Path, server: BotApiServer, photos: int = 0) -> Path:
    root = init_repo(tmp_path / "content-repo")
    account = {"chat": "@brutariadulce", "token_env": "TG_TOKEN", "api": server.url}
    write(
        root,
        "schedules/bakery.yml",
        group_yaml("Bakery", "Europe/Bucharest", {"telegram": account}),
    )
    media = "".join(
        f"  - src: media/photo-{i}.jpg\n    alt: Cozonac {i} pe masă\n" for i in range(photos)
    )
    for i in range(photos):
        (root / "content/bakery/media").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(JPEG, root / f"content/bakery/media/photo-{i}.jpg")
    write(
        root,
        "content/bakery/2026-12-15-cozonac.md",
        "---\ndate: 2026-12-15 10:00\ntype: sales\n"
        + (f"media:\n{media}" if media else "")
        + "---\n"
        + BODY
        + "\n",
    )
    commit(root)
    return root


def _env(server: BotApiServer, token: str | None = None, **extra: str) -> dict[str, str]:
    return base_env(TG_TOKEN=token or server.token, **extra)


def _status_row(root: Path, env: dict) -> dict:
    result = smmflow(root, "status", "--now", NOW, "--format", "json", env=env)
    assert result.code == 0, str(result)
    return {(r["post"], r["account"]): r for r in result.json}[(POST_ID, "telegram")]


def test_sync_publishes_once_and_status_shows_the_t_me_link(api, tmp_path):
    root = _repo(tmp_path, api, photos=2)
    env = _env(api)
    result = smmflow(root, "sync", "--now", NOW, env=env)
    assert result.code == 0, str(result)
    first, second = api.posts()
    row = _status_row(root, env)
    assert row["state"] == "published"
    assert row["url"] == f"https://t.me/brutariadulce/{first.message_id}"
    record = ledger(root)[(POST_ID, "telegram")]
    assert record["remote_id"] == f"{first.message_id},{second.message_id}"
    assert first.text == "Cozonac cu nucă & stafide. Comenzi: aici 🎄"

    again = smmflow(root, "sync", "--now", NOW, env=env)
    assert again.code == 0 and len(api.sends()) == 1  # nothing is sent twice
    doctor = smmflow(root, "doctor", env=env)
    assert doctor.code == 0 and "token valid: @brutaria_posting_bot" in doctor.out, str(doctor)
    dry = smmflow(root, "sync", "--now", NOW, "--dry-run", env=env)
    everything = result.out + result.err + again.out + doctor.out + doctor.err + dry.out + dry.err
    assert api.token not in everything


def test_a_crash_after_send_leaves_one_message_and_an_unknown_for_a_person(api, tmp_path):
    root = _repo(tmp_path, api)
    crashed = smmflow(root, "sync", "--now", NOW, env=_env(api, SMMFLOW_CRASH_AT="after-send:1"))
    assert crashed.code == -signal.SIGKILL, str(crashed)
    assert ledger(root)[(POST_ID, "telegram")]["state"] == "claimed"
    [message] = api.posts()

    second = smmflow(root, "sync", "--now", NOW, env=_env(api))
    assert second.code == 3, str(second)  # a person must look
    assert len(api.sends()) == 1 and api.posts() == [message]  # no re-send
    row = _status_row(root, _env(api))
    assert row["state"] == "unknown"
    assert "check telegram for this post" in row["detail"]
    assert f"smmflow resolve {POST_ID} telegram --published URL" in row["detail"]
    assert "--retry" in row["detail"]

    third = smmflow(root, "sync", "--now", NOW, env=_env(api))
    assert len(api.sends()) == 1, str(third)  # still waiting for the person

    url = f"https://t.me/brutariadulce/{message.message_id}"
    settled = smmflow(root, "resolve", POST_ID, "telegram", "--published", url, env=_env(api))
    assert settled.code == 0, str(settled)
    row = _status_row(root, _env(api))
    assert (row["state"], row["url"]) == ("published", url)
    assert smmflow(root, "sync", "--now", NOW, env=_env(api)).code == 0
    assert len(api.sends()) == 1 and len(api.posts()) == 1


def test_a_5xx_after_the_send_is_unknown_with_what_to_check(api, tmp_path):
    root = _repo(tmp_path, api)
    api.faults = ["500-after"]
    result = smmflow(root, "sync", "--now", NOW, env=_env(api))
    assert result.code == 3, str(result)
    row = _status_row(root, _env(api))
    assert row["state"] == "unknown"
    assert "Internal Server Error" in row["detail"] and "--published URL" in row["detail"]
    assert len(api.posts()) == 1
    smmflow(root, "sync", "--now", NOW, env=_env(api))
    assert len(api.sends()) == 1 and len(api.posts()) == 1


def test_a_refused_token_fails_the_pair_without_showing_the_token(api, tmp_path):
    root = _repo(tmp_path, api)
    wrong = "7311846021:AAwrongwrongwrongwrongwrongwrongwro"
    result = smmflow(root, "sync", "--now", NOW, env=_env(api, token=wrong))
    assert result.code == 1, str(result)
    record = ledger(root)[(POST_ID, "telegram")]
    assert record["state"] == "failed" and "Unauthorized" in record["error"]
    assert wrong not in result.out + result.err + json.dumps(record)
    assert api.posts() == []


def test_a_withdrawn_post_is_deleted_from_the_channel(api, tmp_path):
    root = _repo(tmp_path, api, photos=2)
    assert smmflow(root, "sync", "--now", NOW, env=_env(api)).code == 0
    assert len(api.posts()) == 2
    path = root / "content/bakery/2026-12-15-cozonac.md"
    path.write_text(path.read_text().replace("type: sales\n", "type: sales\nstatus: withdrawn\n"))
    commit(root, "withdraw")
    result = smmflow(root, "sync", "--now", NOW, env=_env(api))
    assert result.code == 0, str(result)
    assert api.posts() == [] and ledger(root)[(POST_ID, "telegram")]["state"] == "withdrawn"


# -- the caption limit is smmflow's own rule, not only Telegram's ------------------------------
@pytest.mark.parametrize("length", [1025, 1024])
def test_sync_itself_refuses_a_caption_over_1024_and_sends_one_of_1024(api, tmp_path, length):
    """A photo's caption may hold 1,024 characters (counted as Telegram counts them: `ă`
    is one, though two bytes). Over that, smmflow refuses the pair before any request:
    it is `failed` with the reason, and the Bot API server receives nothing at all."""
    root = init_repo(tmp_path / "caption-repo")
    account = {"chat": "@brutariadulce", "token_env": "TG_TOKEN", "api": api.url}
    write(
        root,
        "schedules/bakery.yml",
        group_yaml("Bakery", "Europe/Bucharest", {"telegram": account}),
    )
    (root / "content/bakery/media").mkdir(parents=True)
    shutil.copyfile(JPEG, root / "content/bakery/media/photo.jpg")
    write(
        root,
        "content/bakery/2026-12-15-cozonac.md",
        "---\ndate: 2026-12-15 10:00\ntype: sales\n"
        "media:\n  - src: media/photo.jpg\n    alt: Cozonac pe masă\n---\n" + "ă" * length + "\n",
    )
    commit(root)
    result = smmflow(root, "sync", "--now", NOW, env=_env(api))
    record = ledger(root)[(POST_ID, "telegram")]
    if length == 1024:
        assert result.code == 0, str(result)
        [message] = api.posts()
        assert message.text == "ă" * 1024 and record["state"] == "published"
        return
    assert result.code == 1, str(result)
    assert api.calls == []  # not even a request that Telegram would refuse
    assert record["state"] == "failed" and record["retryable"] is False
    assert "too long for telegram: 1025 of 1024 characters" in record["error"]
    assert "too long for telegram: 1025 of 1024 characters" in result.out
    check = smmflow(root, "check", env=_env(api))
    assert check.code == 1 and "1025 of 1024 characters" in check.out, str(check)
