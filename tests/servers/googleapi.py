"""What youtube.py and gbp.py share as Google APIs: the error envelope, Bearer access
tokens, and the OAuth endpoints of oauth2.googleapis.com (`POST /token` with the
refresh_token grant, `GET /tokeninfo`).

Sources: developers.google.com/identity/protocols/oauth2/web-server ("Refreshing an access
token": form fields client_id, client_secret, grant_type=refresh_token, refresh_token →
{"access_token", "expires_in": 3599, "scope", "token_type": "Bearer"}, no new refresh
token; `invalid_grant` "Token has been expired or revoked." when revoked or, for an External
app in "Testing" publishing status, 7 days after it was issued — Google Ads API common
errors page); error bodies as Google's front end writes them (`{"error": {"code",
"message", "errors": [{"message", "domain", "reason", ...}], "status", "details"}}`, cf.
developers.google.com/youtube/v3/docs/errors and cloud.google.com/apis/design/errors).
(unconfirmed) the exact `tokeninfo` error body (`{"error": "invalid_token",
"error_description": "Invalid Value"}` is what clients report).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .loopback import Answer, Call

STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
AUTH_HELP = (
    "Expected OAuth 2 access token, login cookie or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
TESTING_REFRESH_TTL = 7 * 86400


def google_error(
    code: int,
    message: str,
    reason: str | None = None,
    domain: str = "global",
    details: list | None = None,
    item_message: str | None = None,
    **where,
) -> Answer:
    """Google's JSON error. `reason` adds the legacy `errors` list (YouTube, My Business v4)."""
    error: dict = {"code": code, "message": message}
    if reason:
        item = {"message": item_message or message, "domain": domain, "reason": reason, **where}
        error["errors"] = [item]
    error["status"] = STATUS.get(code, "UNKNOWN")
    if details:
        error["details"] = details
    return Answer(code, {"error": error}, {"Vary": "Origin, X-Origin, Referer"})


@dataclass
class Token:
    """An access token: whose it is (a channel id or a user's email) and its scopes."""

    value: str
    user: str
    scopes: tuple[str, ...]
    expires_at: float = 0.0  # 0: never
    client_id: str = "1234567890-loopback.apps.googleusercontent.com"


@dataclass
class RefreshToken:
    value: str
    user: str
    scopes: tuple[str, ...]
    client_id: str
    issued_at: float
    revoked: bool = False


@dataclass
class GoogleAuth:
    """Access and refresh tokens, and the two OAuth endpoints (mixed into a Loopback)."""

    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    clients: dict[str, str] = field(
        default_factory=lambda: {"1234567890-loopback.apps.googleusercontent.com": "GOCSPX-s3cret"}
    )
    testing_mode: bool = False  # consent screen "Testing": refresh tokens die after 7 days
    access_ttl: int = 3599
    issued: list[str] = field(default_factory=list)  # access tokens made by /token

    def add_token(self, value: str, user: str, scopes: tuple[str, ...], **kw) -> Token:
        self.tokens[value] = Token(value, user, tuple(scopes), **kw)
        return self.tokens[value]

    def add_refresh_token(self, value: str, user: str, scopes: tuple[str, ...], **kw):
        client = kw.pop("client_id", next(iter(self.clients)))
        issued = kw.pop("issued_at", self.now())
        token = RefreshToken(value, user, tuple(scopes), client, issued, **kw)
        self.refresh_tokens[value] = token
        return token

    def expire(self, value: str) -> None:
        """Make an access token expired (as if its hour had passed)."""
        self.tokens[value].expires_at = self.now() - 1

    def bearer(self, call: Call, scopes: tuple[str, ...], reason_401: bool = True) -> Token:
        """The call's valid token holding one of `scopes`, or Google's 401/403."""
        header = call.headers.get("authorization", "")
        value = header[7:].strip() if header[:7].lower() == "bearer " else ""
        value = value or call.query.get("access_token", "")
        if not value:
            raise google_error(
                401,
                f"Request is missing required authentication credential. {AUTH_HELP}",
                "required" if reason_401 else None,
                item_message="Login Required.",
                location="Authorization",
                locationType="header",
            )
        token = self.tokens.get(value)
        if token is None or (token.expires_at and token.expires_at <= self.now()):
            raise google_error(
                401,
                f"Request had invalid authentication credentials. {AUTH_HELP}",
                "authError" if reason_401 else None,
                item_message="Invalid Credentials",
                location="Authorization",
                locationType="header",
            )
        if not set(scopes) & set(token.scopes):
            raise google_error(
                403,
                "Request had insufficient authentication scopes.",
                "insufficientPermissions" if reason_401 else None,
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                        "domain": "googleapis.com",
                        "metadata": {"service": self.service_name(call)},
                    }
                ],
            )
        return token

    def service_name(self, call: Call) -> str:
        return "googleapis.com"

    # -- oauth2.googleapis.com -----------------------------------------------------------
    def oauth_token(self, call: Call):
        def oauth_error(status: int, error: str, description: str):
            raise Answer(status, {"error": error, "error_description": description})

        if not call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            oauth_error(400, "invalid_request", "Bad Request")
        form = call.form
        client = form.get("client_id", "")
        if self.clients.get(client) is None or self.clients[client] != form.get("client_secret"):
            oauth_error(401, "invalid_client", "Unauthorized")
        grant = form.get("grant_type", "")
        if grant != "refresh_token":
            oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")
        if not form.get("refresh_token"):
            oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        refresh = self.refresh_tokens.get(form["refresh_token"])
        dead = refresh is None or refresh.revoked or refresh.client_id != client
        if not dead and self.testing_mode:
            dead = self.now() - refresh.issued_at > TESTING_REFRESH_TTL
        if dead:
            oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        value = "ya29.a0" + secrets.token_urlsafe(24)
        self.add_token(value, refresh.user, refresh.scopes, expires_at=self.now() + self.access_ttl)
        self.tokens[value].client_id = client
        self.issued.append(value)
        body = {
            "access_token": value,
            "expires_in": self.access_ttl,
            "scope": " ".join(refresh.scopes),
            "token_type": "Bearer",
        }
        return 200, body, {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"}

    def tokeninfo(self, call: Call):
        value = call.query.get("access_token", "")
        token = self.tokens.get(value)
        if token is None or (token.expires_at and token.expires_at <= self.now()):
            raise Answer(400, {"error": "invalid_token", "error_description": "Invalid Value"})
        left = int(token.expires_at - self.now()) if token.expires_at else 3599
        body = {
            "azp": token.client_id,
            "aud": token.client_id,
            "scope": " ".join(token.scopes),
            "exp": str(int(token.expires_at or self.now() + left)),
            "expires_in": str(left),
            "access_type": "offline",
        }
        return 200, body, {}
