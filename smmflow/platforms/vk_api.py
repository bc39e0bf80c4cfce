"""VK's wire details: method calls, errors inside HTTP 200, and what each error means.

Sources: VKCOM/vk-api-schema (API 5.199: `errors.json`, `wall`, `photos`, `video`,
`groups`, `account` methods), dev.vk.com `api/api-requests` (`v` is mandatory; the token
as `Authorization: Bearer`; form bodies, never JSON), `api/captcha-error`,
`api/upload/wall-photo`, `method/wall.post`.

VK answers every API error with HTTP 200 and `{"error": {"error_code", "error_msg",
"request_params"}}`, so the kind is decided on `error_code`:

- 6 (too many requests per second) → RETRY after a second; 9 (flood control) and 29
  (the method's daily quota) → RETRY much later (past one run's wait: the next run);
- 1, 10 (unknown / internal error) → RETRY on a call that is safe to repeat (`wall.post`
  carries its `guid`), UNKNOWN otherwise;
- 5 (authorization failed), 17 (validation required), 27, 28 (a community or service
  token where a user token is needed) → REAUTH;
- 14 (captcha needed) → FAIL: a person must act (no automation should solve captchas);
- 15, 200, 203 (access denied), 214 (adding posts denied), 219-225 (ads and donut rules,
  hyperlinks forbidden), 100, 104 and the rest → FAIL with VK's own words.

An HTTP error (VK's nginx answering 5xx with an HTML page) is classified like any other
(`http.default_classify`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .http import (
    FAIL,
    REAUTH,
    RETRY,
    UNKNOWN,
    Http,
    PublishError,
    Redact,
    default_classify,
    json_body,
    json_object,
)
from .secrets import clip

if TYPE_CHECKING:
    import requests

DEFAULT_API = "https://api.vk.com/method"
VERSION = "5.199"
# Seconds to wait for each rate-limit code: 6 is per second; 9 and 29 are long (a later run).
WAITS = {6: 1.0, 9: 3600.0, 29: 3600.0}
AMBIGUOUS = frozenset({1, 10})
AUTH = {
    5: "VK refused the access token",
    17: "VK wants the account validated first (open vk.com as its owner)",
    27: "a community token cannot do this: use a user token of a community administrator",
    28: "a service token cannot do this: use a user token of a community administrator",
}
DENIED = frozenset({15, 200, 203})
CAPTCHA = 14
GONE = frozenset({104, 210})  # not found; access to the wall post denied (it is gone)
# The rights (account.getAppPermissions bit mask) a publishing token needs.
RIGHTS = {"wall": 8192, "photos": 4, "video": 16}
OFFLINE = 65536


class VkError(PublishError):
    """A classified VK answer that keeps VK's error code for the caller."""

    def __init__(self, kind: str, message: str, retry_after: float | None, code: int):
        super().__init__(kind, message, retry_after)
        self.code = code


def classify(
    response: requests.Response, idempotent: bool, redact: Redact, *, method: str
) -> PublishError | None:
    """One VK answer → None (success) or a classified error (the shape of
    `http.default_classify`; `method` names the VK method for the message)."""
    if response.status_code != 200:
        error = default_classify(response, idempotent, redact)
        if error is not None:
            error.message = f"VK {method}: {error.message}"
            error.args = (error.message,)
        return error
    body = json_body(response)
    if not isinstance(body, dict):
        # VK always answers a JSON object: anything else is an answer lost on the way, and
        # every call smmflow makes to VK is safe to repeat (see `Client.call`).
        said = "an empty answer" if not response.content.strip() else "an answer that is not JSON"
        return PublishError(RETRY if idempotent else UNKNOWN, f"VK {method}: {said}")
    error = body.get("error")
    if not isinstance(error, dict):
        return None
    try:
        code = int(error.get("error_code"))
    except (TypeError, ValueError):
        code = 0
    words = clip(str(error.get("error_msg") or "no message"), redact)
    said = f"VK {method}: code {code}: {words}"
    if code in WAITS:
        return VkError(RETRY, f"rate limit ({said})", WAITS[code], code)
    if code in AMBIGUOUS:
        return VkError(RETRY if idempotent else UNKNOWN, said, None, code)
    if code in AUTH:
        return VkError(REAUTH, f"{AUTH[code]} ({said})", None, code)
    if code == CAPTCHA:
        image = clip(str(error.get("captcha_img") or error.get("redirect_uri") or ""), redact)
        return VkError(
            FAIL,
            f"VK asks for a captcha ({said}{'; ' + image if image else ''}): smmflow does not "
            "solve captchas; the administrator whose token this is should open vk.com, post "
            "once by hand, and then retry",
            None,
            code,
        )
    if code in DENIED:
        return VkError(
            FAIL,
            f"VK denied access ({said}): the token's user must be an administrator or editor "
            "of the community, and the token needs the wall, photos and video rights",
            None,
            code,
        )
    return VkError(FAIL, f"VK refused it ({said})", None, code)


class Client:
    """VK's API for one token: the method URL, the version, the shared Http."""

    def __init__(self, http: Http, api: str, token: str):
        self.http = http
        self.api = api.rstrip("/")
        self.token = token

    def call(self, method: str, params: dict) -> object:
        """`method` with `params` (a form body); its `response`. Every call smmflow makes to
        VK is safe to repeat: reads, uploads, deletes, and `wall.post` with its `guid` (VK
        answers a repeated guid with the first post)."""
        response = self.http.request(
            "POST",
            f"{self.api}/{method}",
            idempotent=True,
            classify=functools.partial(classify, method=method),
            data={**params, "v": VERSION},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        answer = json_object(response, f"VK {method}")
        if "response" not in answer:
            raise PublishError(RETRY, f"VK {method} answered without a response")
        return answer["response"]

    def upload(self, url: str, field: str, file: tuple[str, bytes, str], what: str) -> dict:
        """A multipart upload to the address VK gave; its JSON answer (an `error` string in
        it is VK's refusal of the file)."""
        response = self.http.request(
            "POST",
            url,
            idempotent=True,  # an upload publishes nothing: at worst a file nobody uses
            classify=functools.partial(classify, method=f"upload of {what}"),
            files={field: file},
        )
        answer = json_object(response, f"VK upload of {what}")
        refused = answer.get("error")
        if isinstance(refused, str) and refused:
            raise PublishError(FAIL, f"VK refused {what}: {clip(refused, self.http.redact)}")
        return answer
