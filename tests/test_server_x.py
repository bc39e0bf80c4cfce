"""The loopback X API v2 (tests/servers/x.py) behaves as X's docs say: driven with
`requests` the way docs.x.com shows (JSON posts, media upload one-shot and chunked, alt
text, OAuth 2.0 refresh), with X's problem JSON, its weighted length and the
x-rate-limit-* headers on every answer."""

from __future__ import annotations

import base64
import time

import pytest
import requests

try:  # `python -m pytest` from the repository root
    from tests.servers import xtext
    from tests.servers.meta import jpeg, mp4
    from tests.servers.x import XServer
except ImportError:  # pytest with tests/ itself on sys.path
    from servers import xtext
    from servers.meta import jpeg, mp4
    from servers.x import XServer

ME, CLIENT = "1511000000000000001", "1511000000000000002"


@pytest.fixture
def x():
    server = XServer()
    server.add_account(ME, "brutariadulce", "Brutăria Dulce", followers=321)
    server.add_account(CLIENT, "ana_pop", "Ana Pop")
    server.add_token("user-token", ME)
    server.add_client("public-client")
    server.add_client("web-client", "s3cret")
    with server:
        yield server


def send(x: XServer, method: str, path: str, token: str = "user-token", **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, x.url + path, headers=headers, timeout=5, **kw)


def tweet(x: XServer, text: str, token: str = "user-token", **body):
    return send(x, "POST", "/2/tweets", token, json={"text": text, **body})


def image(x: XServer, data: bytes, alt: str = "") -> str:
    sent = send(
        x,
        "POST",
        "/2/media/upload",
        files={"media": ("a.jpg", data, "image/jpeg")},
        data={"media_category": "tweet_image"},
    )
    media_id = sent.json()["data"]["id"]
    if alt:
        meta = {"id": media_id, "metadata": {"alt_text": {"text": alt}}}
        assert send(x, "POST", "/2/media/metadata", json=meta).status_code == 200
    return media_id


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Hello, world! 👋", 16),  # docs.x.com counting-characters example
        ("Cozonac cu nucă și stafide", 26),  # Latin with diacritics weighs 1
        ("Привет", 6),  # U+0400-U+04FF is in the weight-1 range
        ("中文字", 6),
        ("👨‍👩‍👧‍👦 🇷🇴 1️⃣", 8),  # each sequence 2, two spaces 1
        ("cafe\u0301", 4),  # NFC first
        ("https://example.ro/a/very/long/path?q=1 and example.com", 23 + 5 + 23),
        ("README.md", 23),  # a country-code TLD makes it a link
        ("… €", 5),
    ],
)
def test_weighted_length_follows_twitter_text(text, weight):
    assert xtext.weighted_length(text) == weight


def test_a_post_is_created_and_read_back_as_x_shows_it(x):
    text = "Cozonac & nucă 🎄 #brutarie https://example.ro/cozonac?a=1&b=2"
    answer = tweet(x, text)
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert data["text"].startswith("Cozonac &amp; nucă 🎄 #brutarie https://t.co/")
    assert data["edit_history_tweet_ids"] == [data["id"]]
    assert x.reader_text(x.tweets[data["id"]]) == text
    fields = {"tweet.fields": "entities,author_id,created_at"}
    got = send(x, "GET", f"/2/tweets/{data['id']}", params=fields).json()["data"]
    assert got["author_id"] == ME and got["created_at"].endswith("Z")
    assert got["entities"]["urls"][0]["expanded_url"] == "https://example.ro/cozonac?a=1&b=2"
    assert [t["id"] for t in x.timeline(ME)] == [data["id"]]


def test_length_limit_is_weighted(x):
    fits = "ă" * 254 + " https://example.ro/" + "x" * 200 + " !"  # 254 + 1 + 23 + 2: 280
    assert xtext.weighted_length(fits) == 280 and tweet(x, fits).status_code == 201
    assert tweet(x, fits + "!").status_code == 400
    over = tweet(x, "中" * 141)
    assert over.status_code == 400
    assert over.json()["errors"][0]["message"].startswith("Your Tweet text is too long.")
    assert over.json()["type"] == "https://api.x.com/2/problems/invalid-request"


def test_duplicate_content_is_refused(x):
    assert tweet(x, "Comenzi deschise").status_code == 201
    again = tweet(x, "Comenzi deschise")
    assert again.status_code == 403
    assert again.json()["detail"] == "You are not allowed to create a Tweet with duplicate content."
    assert again.headers["Content-Type"] == "application/problem+json"
    assert len(x.timeline(ME)) == 1


def test_the_body_is_checked_against_the_schema(x):
    plain = send(x, "POST", "/2/tweets", data={"text": "x"})
    assert plain.status_code == 400 and "content-type of application/json" in plain.text
    unknown = tweet(x, "x", status="public")
    assert "$.status: is not defined in the schema" in unknown.json()["errors"][0]["message"]
    typed = send(x, "POST", "/2/tweets", json={"text": 5})
    assert typed.json()["errors"][0]["message"] == "$.text: integer found, string expected"
    five = tweet(x, "x", media={"media_ids": [image(x, jpeg(i)) for i in range(5)]})
    assert five.status_code == 400 and "media_ids" in five.json()["errors"][0]["message"]
    assert not x.timeline(ME)


def test_image_with_alt_text_is_attached(x):
    data = jpeg(7)
    media_id = image(x, data, alt="Cozonac feliat pe o masă de lemn")
    answer = tweet(x, "Azi", media={"media_ids": [media_id]})
    assert answer.status_code == 201
    assert answer.json()["data"]["text"].startswith("Azi https://t.co/")  # X adds the media link
    params = {"expansions": "attachments.media_keys", "media.fields": "alt_text,url"}
    got = send(x, "GET", f"/2/tweets/{answer.json()['data']['id']}", params=params).json()
    assert got["includes"]["media"][0]["alt_text"] == "Cozonac feliat pe o masă de lemn"
    assert x.media_of(x.tweets[answer.json()["data"]["id"]])[0]["data"] == data
    too_long = {"id": media_id, "metadata": {"alt_text": {"text": "a" * 1001}}}
    assert send(x, "POST", "/2/media/metadata", json=too_long).status_code == 400


def test_chunked_video_upload_with_processing(x):
    video = mp4(1) * 4
    init = send(
        x,
        "POST",
        "/2/media/upload",
        data={
            "command": "INIT",
            "media_type": "video/mp4",
            "total_bytes": len(video),
            "media_category": "tweet_video",
        },
    )
    media_id = init.json()["data"]["id"]
    for i in range(4):
        chunk = video[i * len(video) // 4 : (i + 1) * len(video) // 4]
        sent = send(
            x,
            "POST",
            "/2/media/upload",
            files={"media": ("blob", chunk)},
            data={"command": "APPEND", "media_id": media_id, "segment_index": i},
        )
        assert sent.status_code == 200
    done = send(x, "POST", "/2/media/upload", data={"command": "FINALIZE", "media_id": media_id})
    assert done.json()["data"]["processing_info"]["state"] == "pending"
    early = tweet(x, "Video", media={"media_ids": [media_id]})
    assert early.status_code == 400
    assert early.json()["errors"][0]["message"] == "Your media IDs are invalid."
    states = []
    while not states or states[-1] not in ("succeeded", "failed"):
        got = send(x, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id})
        states.append(got.json()["data"].get("processing_info", {}).get("state", "succeeded"))
    assert states == ["in_progress", "in_progress", "succeeded"]
    assert tweet(x, "Video", media={"media_ids": [media_id]}).status_code == 201
    assert x.media[media_id]["data"] == video


def test_dedicated_chunk_endpoints_check_the_total(x):
    data = jpeg(2)
    init = send(
        x,
        "POST",
        "/2/media/upload/initialize",
        json={"media_type": "image/jpeg", "total_bytes": len(data) + 1},
    )
    media_id = init.json()["data"]["id"]
    chunk = {"media": base64.b64encode(data).decode(), "segment_index": 0}
    assert send(x, "POST", f"/2/media/upload/{media_id}/append", json=chunk).status_code == 200
    short = send(x, "POST", f"/2/media/upload/{media_id}/finalize")
    assert short.status_code == 400 and "total file size" in short.json()["errors"][0]["message"]
    mixed = [image(x, jpeg(1)), _gif(x)]
    assert tweet(x, "mix", media={"media_ids": mixed}).status_code == 400


def _gif(x: XServer) -> str:
    gif = b"GIF89a\x01\x00\x01\x00" + bytes(40)
    sent = send(
        x,
        "POST",
        "/2/media/upload",
        files={"media": ("a.gif", gif)},
        data={"media_category": "tweet_gif"},
    )
    return sent.json()["data"]["id"]


def test_threads_and_the_self_serve_reply_rule(x):
    root = tweet(x, "1/2 Rețeta").json()["data"]["id"]
    part = tweet(x, "2/2 Coacem", reply={"in_reply_to_tweet_id": root}).json()["data"]["id"]
    fields = {"tweet.fields": "conversation_id,referenced_tweets,in_reply_to_user_id"}
    got = send(x, "GET", f"/2/tweets/{part}", params=fields).json()["data"]
    assert got["conversation_id"] == root
    assert got["referenced_tweets"] == [{"type": "replied_to", "id": root}]
    theirs = x.post_as(CLIENT, "Ce program aveți?")["id"]
    refused = tweet(x, "9-18", reply={"in_reply_to_tweet_id": theirs})
    assert refused.status_code == 403 and "not been mentioned" in refused.json()["detail"]
    summoned = x.post_as(CLIENT, "@brutariadulce ce program aveți?")["id"]
    assert tweet(x, "9-18", reply={"in_reply_to_tweet_id": summoned}).status_code == 201


def test_delete_and_lookup_of_a_deleted_post(x):
    post_id = tweet(x, "Greșeală").json()["data"]["id"]
    gone = send(x, "DELETE", f"/2/tweets/{post_id}")
    assert gone.status_code == 200 and gone.json() == {"data": {"deleted": True}}
    looked = send(x, "GET", f"/2/tweets/{post_id}")
    assert looked.status_code == 200 and "data" not in looked.json()
    assert looked.json()["errors"][0]["type"] == "https://api.x.com/2/problems/resource-not-found"
    assert send(x, "DELETE", f"/2/tweets/{post_id}").status_code == 404
    theirs = x.post_as(CLIENT, "nu e al tău")["id"]
    assert send(x, "DELETE", f"/2/tweets/{theirs}").status_code == 403


def test_timeline_pages_and_since_id(x):
    ids = [tweet(x, f"post {i}").json()["data"]["id"] for i in range(12)]
    seen, params = [], {"max_results": 5}
    while True:
        page = send(x, "GET", f"/2/users/{ME}/tweets", params=params).json()
        seen += [t["id"] for t in page.get("data", [])]
        if "next_token" not in page["meta"]:
            break
        params["pagination_token"] = page["meta"]["next_token"]
    assert seen == ids[::-1]
    newer = send(x, "GET", f"/2/users/{ME}/tweets", params={"since_id": ids[9]}).json()
    assert [t["id"] for t in newer["data"]] == [ids[11], ids[10]]
    bad = send(x, "GET", f"/2/users/{ME}/tweets", params={"max_results": 3})
    assert bad.status_code == 400 and "between 5 and 100" in bad.text


def test_mentions_and_hidden_replies(x):
    root = tweet(x, "Întrebări?").json()["data"]["id"]
    first = x.post_as(CLIENT, "@brutariadulce aveți cozonac?")["id"]
    spam = x.post_as(CLIENT, "SPAM", reply_to=root)["id"]
    got = send(x, "GET", f"/2/users/{ME}/mentions", params={"since_id": first}).json()
    assert [t["id"] for t in got["data"]] == [spam]
    hidden = send(x, "PUT", f"/2/tweets/{spam}/hidden", json={"hidden": True})
    assert hidden.json() == {"data": {"hidden": True}} and x.tweets[spam]["hidden"]
    assert send(x, "PUT", f"/2/tweets/{root}/hidden", json={"hidden": True}).status_code == 403
    x.add_token("no-moderate", ME, scopes=("tweet.read", "users.read", "tweet.write"))
    refused = send(x, "PUT", f"/2/tweets/{spam}/hidden", "no-moderate", json={"hidden": False})
    assert refused.status_code == 403


def test_authentication_failures(x):
    missing = tweet(x, "x", token="")
    assert missing.status_code == 401 and missing.json()["title"] == "Unauthorized"
    x.add_token("app-only", kind="app")
    app = tweet(x, "x", token="app-only")
    assert app.status_code == 403 and app.json()["title"] == "Unsupported Authentication"
    x.add_token("read-only", ME, scopes=("tweet.read", "users.read"))
    assert tweet(x, "x", token="read-only").json()["detail"] == (
        "You are not permitted to perform this action."
    )
    x.tokens["user-token"].expires_at = x.now() + 7200
    x.clock += 7201
    assert tweet(x, "x").status_code == 401
    assert not x.timeline(ME)


def test_refresh_tokens_rotate(x):
    x.add_refresh_token("rt-public", ME, "public-client")
    body = {
        "grant_type": "refresh_token",
        "refresh_token": "rt-public",
        "client_id": "public-client",
    }
    fresh = requests.post(x.url + "/2/oauth2/token", data=body, timeout=5).json()
    assert fresh["token_type"] == "bearer" and fresh["expires_in"] == 7200
    assert fresh["refresh_token"] != "rt-public"
    reused = requests.post(x.url + "/2/oauth2/token", data=body, timeout=5)
    assert reused.status_code == 400
    assert reused.json()["error_description"] == "Value passed for the token was invalid."
    assert tweet(x, "cu token nou", token=fresh["access_token"]).status_code == 201
    x.add_refresh_token("rt-web", ME, "web-client")
    web = {"grant_type": "refresh_token", "refresh_token": "rt-web"}
    unsigned = requests.post(x.url + "/2/oauth2/token", data=web, timeout=5)
    assert unsigned.status_code == 401
    signed = requests.post(x.url + "/2/oauth2/token", data=web, auth=("web-client", "s3cret"))
    assert signed.status_code == 200 and "access_token" in signed.json()


def test_rate_limit_headers_on_every_answer_and_429(x):
    x.limits["tweets"] = 2
    first = tweet(x, "unu")
    assert first.headers["x-rate-limit-limit"] == "2"
    assert first.headers["x-rate-limit-remaining"] == "1"
    assert tweet(x, "doi").headers["x-rate-limit-remaining"] == "0"
    limited = tweet(x, "trei")
    assert limited.status_code == 429 and limited.json()["title"] == "Too Many Requests"
    reset = int(limited.headers["x-rate-limit-reset"])
    assert time.time() < reset <= time.time() + 901  # epoch seconds, end of the window
    assert len(x.timeline(ME)) == 2
    x.clock += 901
    assert tweet(x, "trei").status_code == 201


def test_daily_cap_headers(x):
    x.daily_limit = 1
    ok = tweet(x, "unu")
    assert ok.headers["x-user-limit-24hour-remaining"] == "0"
    capped = tweet(x, "doi")
    assert capped.status_code == 429 and int(capped.headers["x-user-limit-24hour-reset"]) > 0


def test_faults_before_and_after_the_work(x):
    x.fail("tweets", "500-after", "reset", "502", "429")
    failed = tweet(x, "a")
    assert failed.status_code == 500 and len(x.timeline(ME)) == 1  # posted, then 500
    with pytest.raises(requests.ConnectionError):
        tweet(x, "b")
    assert len(x.timeline(ME)) == 1  # dropped before doing anything
    gateway = tweet(x, "b")
    assert gateway.status_code == 502 and gateway.headers["Content-Type"] == "text/html"
    limited = tweet(x, "b")
    assert limited.status_code == 429 and limited.headers["x-rate-limit-remaining"] == "0"
    assert int(limited.headers["x-rate-limit-reset"]) <= int(x.now() + x.reset_in) + 1


def test_edit_within_the_window(x):
    first = tweet(x, "Prețul: 20 lei").json()["data"]["id"]
    edited = tweet(x, "Prețul: 25 lei", edit_options={"previous_post_id": first})
    data = edited.json()["data"]
    assert edited.status_code == 201 and data["edit_history_tweet_ids"] == [first, data["id"]]
    assert [t["id"] for t in x.timeline(ME)] == [data["id"]]
    x.clock += 1801
    late = tweet(x, "Prețul: 30 lei", edit_options={"previous_post_id": data["id"]})
    assert late.status_code == 403


def test_metrics_and_me(x):
    post_id = tweet(x, "Metrici").json()["data"]["id"]
    x.set_metrics(post_id, like_count=9, impression_count=400)
    x.post_as(CLIENT, "@brutariadulce bravo", reply_to=post_id)
    got = send(x, "GET", f"/2/tweets/{post_id}", params={"tweet.fields": "public_metrics"})
    metrics = got.json()["data"]["public_metrics"]
    assert metrics["like_count"] == 9 and metrics["reply_count"] == 1
    assert metrics["impression_count"] == 400
    me = send(x, "GET", "/2/users/me", params={"user.fields": "public_metrics"}).json()["data"]
    assert me["username"] == "brutariadulce"
    assert me["public_metrics"]["followers_count"] == 321
    bad = send(x, "GET", f"/2/tweets/{post_id}", params={"tweet.fields": "views"})
    assert bad.status_code == 400
