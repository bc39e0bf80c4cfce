"""`smmflow doctor` for a TikTok account: the refresh token, the creator and what the
creator offers now, TikTok's limits said plainly (an unaudited app), the photo URL."""

from __future__ import annotations

import time

from .base import Finding, Publisher
from .http import PublishError
from .publicmedia import missing_source
from .tiktok_rules import LEVELS, offered_levels

LIMITS = (
    "TikTok's limits: an app TikTok has not audited can post only SELF_ONLY (private) videos, "
    "to private accounts, and for at most 5 users a day; every creator can post about 15 "
    "times a day through all apps; per token creator_info 20, init 6 and status 30 "
    "requests a minute. TikTok shows no counter of what is left: smmflow waits when told"
)


def findings(publisher: Publisher, secrets: list[Finding]) -> list[Finding]:
    found = [*secrets, Finding("ok", LIMITS)]
    try:
        api = publisher._api()
        api.token()
    except PublishError as exc:
        return [*found, Finding("error", f"no access token: {exc.message}")]
    found += _token_lines(publisher, api)
    try:
        info = api.creator_info()
    except PublishError as exc:
        return [*found, Finding("error", f"creator_info: {exc.message}")]
    found += _creator_lines(publisher, info)
    which = "photo posts (under a domain verified for the app; videos are uploaded)"
    found += missing_source(publisher.account, publisher.ctx.group, "warning", which)
    return found


def _token_lines(publisher: Publisher, api) -> list[Finding]:
    store, client, origin = publisher._store
    left = (api.tokens.expires_at - time.time()) / 3600 if api.tokens else 0
    lines = [Finding("ok", f"access token valid for {left:.1f} h (refreshed on each run)")]
    variable = publisher.account.secret_envs.get("refresh_token_env", "")
    if api.rotated or store.current(client, origin) != origin:
        lines.append(
            Finding(
                "warning",
                f"TikTok rotates refresh tokens: the one in {variable} was replaced and works "
                f"no more; the newest is kept in {store.folder} on this machine. On a machine "
                "that does not keep that folder, make a new refresh token and update "
                f"{variable} (docs/platforms/tiktok.md)",
            )
        )
    return lines


def _creator_lines(publisher: Publisher, info: dict) -> list[Finding]:
    levels = [str(x) for x in info.get("privacy_level_options") or ()]
    who = f"@{info.get('creator_username') or '?'} ({info.get('creator_nickname') or ''})"
    lines = [Finding("ok", f"creator {who} offers privacy {', '.join(levels) or 'none'}")]
    off = [k for k in ("comment", "duet", "stitch") if info.get(f"{k}_disabled")]
    if off:
        lines.append(
            Finding("ok", f"the creator turned off: {', '.join(off)} (smmflow keeps them off)")
        )
    most = info.get("max_video_post_duration_sec")
    if most:
        lines.append(Finding("ok", f"videos up to {most} s"))
    if levels == ["SELF_ONLY"] or set(levels) == {"SELF_ONLY"}:
        lines.append(Finding("warning", "the creator can post only SELF_ONLY (private) now"))
    account = publisher.account
    default = account.get("privacy") or ""
    if default and default not in levels:
        lines.append(
            Finding(
                "error", f"privacy {default} of {account.name} is not offered ({', '.join(levels)})"
            )
        )
    configured = offered_levels(account)
    if configured and set(configured) != set(levels):
        lines.append(
            Finding(
                "warning",
                f"privacy_levels of {account.name} ({', '.join(configured)}) differ from what "
                f"the creator offers now: set it to {', '.join(levels)} so `check` agrees",
            )
        )
    unknown = [x for x in levels if x not in LEVELS]
    if unknown:
        lines.append(Finding("warning", f"TikTok offers levels smmflow does not know: {unknown}"))
    return lines
