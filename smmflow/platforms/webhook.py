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

import requests

from ..http import RETRY, PublishError, Redact, default_classify
from ..model import Post
from .base import Limits, Publisher, Receipt, Rendered


class Webhook(Publisher):
    name = "webhook"
    title = "Webhook"
    limits = Limits(text=None, media_max=20)
    required = ("url",)
    optional = ("secret_env",)
    urls = ("url",)
    docs = "docs/platforms/webhook.md"
    idempotent = True
    can_delete = True

    def payload(self, post: Post, rendered: Rendered, key: str) -> dict:
        from ..render import rich, to_html

        return {
            "event": "publish",
            "key": key,
            "group": post.group,
            "account": self.account.name,
            "post": {
                "id": post.id,
                "path": post.path,
                "date": post.date.isoformat(),
                "utc": post.utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "type": post.type,
                "title": post.headline,
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
            classify=lambda response: _classify(response, self.ctx.http.redact),
            data=raw,
            headers=headers,
        )

    def publish(self, post: Post, rendered: Rendered, key: str) -> Receipt:
        answer = _json(self._send("POST", self.payload(post, rendered, key), key))
        return Receipt(str(answer.get("id") or key), str(answer.get("url") or ""))

    def delete(self, remote_id: str, key: str) -> None:
        body = {"event": "delete", "key": key, "id": remote_id, "account": self.account.name}
        self._send("DELETE", body, f"{key}-delete")


def _json(response: requests.Response) -> dict:
    if not response.content.strip():
        return {}
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _classify(response: requests.Response, redact: Redact) -> PublishError | None:
    error = default_classify(response, True, redact)
    if error is not None:
        return error
    if response.content.strip():
        kind = response.headers.get("Content-Type", "")
        try:
            response.json()
        except ValueError:
            if "json" in kind:
                return PublishError(RETRY, "the receiver answered with malformed JSON")
    return None
