"""`smmflow doctor` for an X account: the token (`GET /2/users/me`), how its 2-hour access
token is kept alive (the refresh token, rotated and kept in the `TokenStore`; refused on
a runner that forgets it), and the scopes X granted."""

from __future__ import annotations

from .base import Finding, Publisher
from .http import PublishError
from .x_api import SCOPES, Tokens


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = list(secrets)
    try:
        client = publisher._client()  # type: ignore[attr-defined]
        me = client.request(
            "GET", "/2/users/me", what="GET /2/users/me", params={"user.fields": "username"}
        )
    except PublishError as exc:
        return [*found, Finding("error", exc.message)]
    data = me.get("data") or {}
    found.append(Finding("ok", f"the token is valid (@{data.get('username', '?')})"))
    return found + _token_findings(client.tokens)


def _token_findings(tokens: Tokens) -> list[Finding]:
    """How the 2-hour access token is kept alive, and its scopes when X said them."""
    if not tokens.can_refresh:
        return [
            Finding(
                "warning",
                "X's OAuth 2.0 access tokens expire after 2 hours: set refresh_token_env and "
                "client_id so smmflow renews them (docs/platforms/x.md)",
            )
        ]
    assert tokens.store is not None
    forgotten = tokens.store.forgotten(tokens.variable)
    found = [
        Finding("error", forgotten)
        if forgotten
        else Finding(
            "ok",
            "the access token is renewed with the refresh token; X rotates refresh tokens, "
            f"the newest pair is kept in {tokens.store.folder}",
        )
    ]
    kept = tokens.kept
    if kept is not None and kept.scope:
        missing = [s for s in SCOPES if s not in kept.scope.split()]
        if missing:
            found.append(
                Finding("error", f"the token lacks scope {', '.join(missing)}: authorize again")
            )
        else:
            found.append(Finding("ok", f"scopes {' '.join(SCOPES)} granted"))
    return found
