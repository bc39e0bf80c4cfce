"""Built-in `webhook`: a signed JSON POST to any URL (Zapier, Make, an in-house system).

Contract with the receiver (docs/platforms/webhook.md): the `Idempotency-Key` header is
the same on every retry of one post, so a receiver that keeps keys never makes a double;
`X-Smmflow-Signature: sha256=<hex>` is an HMAC-SHA256 of the raw body with the shared
secret; the answer is 2xx with an empty body or a JSON object (`id`, `url` optional).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from ..model import Post
from ..text.headline import headline
from ..text.render import rich, to_html
from .base import Attempt, Limits, Publisher, Receipt, Rendered
from .http import RETRY, PublishError, Redact, default_classify, json_body

if TYPE_CHECKING:
    import requests


class Webhook(Publisher):
    thread_style = "joined"  # a thread's parts arrive as one text
    name = "webhook"
    title = "Webhook"
    limits = Limits(text=None, media_max=20)
    required = ("url",)
    optional = ("secret_env",)
    urls = ("url",)
    docs = "docs/platforms/webhook.md"
    idempotent = True
    can_delete = True

    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:

        return {
            "event": "publish",
            "key": attempt.key,
            "group": post.group,
            "account": self.account.name,
            "post": {
                "id": post.id,
                "path": post.path,
                "date": post.date.isoformat(),
                "utc": post.utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "type": post.type,
                "title": headline(post),
                "text": rich(post.body).plain,
                "html": to_html(post.body),
                "markdown": post.body,
                "media": [
                    {"src": m.src, "alt": m.alt, "size": m.size, "kind": m.kind} for m in post.media
                ],
            },
        }

    def _send(self, method: str, body: dict, key: str) -> requests.Response:
        raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": key,
            "X-Smmflow-Event": body["event"],
        }
        if self.account.get("secret_env"):
            secret = self.secret("secret_env").encode("utf-8")
            digest = hmac.new(secret, raw, hashlib.sha256).hexdigest()
            headers["X-Smmflow-Signature"] = f"sha256={digest}"
        return self.ctx.http.request(
            method,
            self.account.get("url") or "",
            idempotent=True,
            classify=classify,
            data=raw,
            headers=headers,
        )

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        key = attempt.key
        answer = json_body(self._send("POST", self.payload(post, rendered, attempt), key))
        answer = answer if isinstance(answer, dict) else {}  # an empty 2xx is an answer too
        return Receipt(str(answer.get("id") or key), str(answer.get("url") or ""))

    def delete(self, attempt: Attempt) -> None:
        key = attempt.key
        body = {
            "event": "delete",
            "key": key,
            "id": attempt.remote_id,
            "account": self.account.name,
        }
        self._send("DELETE", body, f"{key}-delete")


def classify(response: requests.Response, idempotent: bool, redact: Redact) -> PublishError | None:
    """The receiver's answer: HTTP status as usual (every request is safe to repeat: the
    receiver keeps keys), and a body that says JSON but is not is an answer lost."""
    error = default_classify(response, True, redact)
    if error is not None:
        return error
    if response.content.strip():
        kind = response.headers.get("Content-Type", "")
        if "json" in kind and json_body(response) is None:
            return PublishError(RETRY, "the receiver answered with malformed JSON")
    return None
