"""`smmflow doctor` for a LinkedIn account: the token's page roles (one that may post to
the organization) and, with the app's id and secret, the token's scopes and expiry."""

from __future__ import annotations

from .base import Finding, Publisher
from .http import PublishError
from .linkedin_api import DEFAULT_OAUTH, POSTER_ROLES, token_findings


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = list(secrets)
    try:
        author = publisher.author  # type: ignore[attr-defined]
        answer = publisher._client().read(  # type: ignore[attr-defined]
            "GET",
            "/organizationAcls",
            what="the token's page roles",
            params={"q": "roleAssignee", "state": "APPROVED"},
        )
    except PublishError as exc:
        return [*found, Finding("error", exc.message)]
    roles = {
        str(a.get("role"))
        for a in answer.get("elements") or []
        if isinstance(a, dict) and a.get("organization") == author
    }
    if roles & set(POSTER_ROLES):
        found.append(
            Finding(
                "ok", f"the token is valid and may post to {author} ({', '.join(sorted(roles))})"
            )
        )
    else:
        found.append(
            Finding(
                "error",
                f"the token's member has no page role that may post to {author} "
                f"(one of {', '.join(POSTER_ROLES)}): ask a page administrator for one",
            )
        )
    return found + _introspect(publisher)


def _introspect(publisher: Publisher) -> list[Finding]:
    """The token's scopes and expiry, when the app's id and secret are configured."""
    account = publisher.account
    client_id = str(account.get("client_id") or "")
    if not client_id or not account.get("client_secret_env"):
        return [
            Finding(
                "warning",
                "set client_id and client_secret_env so doctor can read when the token "
                "expires (LinkedIn's tokens live 60 days)",
            )
        ]
    oauth = (account.get("oauth") or DEFAULT_OAUTH).rstrip("/")
    secret, token = publisher.secret("client_secret_env"), publisher.secret("token_env")
    return token_findings(publisher.ctx.http, oauth, client_id, secret, token)
