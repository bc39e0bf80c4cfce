"""The steps of one promotion on one platform, each object found by its unique name or
created, and checkpointed: Meta's campaign → ad set → creative → ad, VK's ad plan (with
its group and banner in the same request).

`Sent` is what was made; a step already in the checkpoint is never sent again, a step
not in it is first looked up by name (a run may have died between the creation and its
checkpoint), then created between the crash points `before-send` and `after-send`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..check.ads import Ads
from ..content.promote import Promotion
from ..ledger.records import Record
from ..model import Group
from ..platforms.http import FAIL, Http, PublishError
from ..platforms.secrets import secret
from ..publish import crashpoints
from . import compile as build
from .meta import MetaAds
from .vk import VkAds

Checkpoint = Callable[[dict], None]


@dataclass(frozen=True)
class Sent:
    ids: dict[str, str]
    url: str = ""


def marker(record: Record) -> str:
    """The promotion's unique mark, in every name it gives: `smm:<12 hex>` of its key."""
    return f"smm:{record.key[:12]}"


def object_name(record: Record, promotion: Promotion, limit: int = 100) -> str:
    return f"{marker(record)} {promotion.post.id}"[:limit]


def _step(ids: dict, key: str, find: Callable, create: Callable, checkpoint: Checkpoint) -> str:
    if key not in ids:
        found = find()
        if found is None:
            crashpoints.point("before-send")
            found = create()
            crashpoints.point("after-send")
        ids[key] = str(found)
        checkpoint(ids)
    return ids[key]


class _Sender:
    platform = ""

    def __init__(
        self,
        ads: Ads,
        http: Http,
        environ: Mapping[str, str],
        promotion: Promotion,
        group: Group,
        target: Record | None,
    ):
        self.promotion = promotion
        self.group = group
        self.target = target  # the post's record on the promoted account
        self.settings = ads.settings[group.id]
        self.account = self.settings.accounts[self.platform]
        self.audience = ads.audience(promotion)
        self.http = http
        self.environ = environ
        self.key = "meta_ads" if self.platform == "meta" else "vk_ads"

    def token(self) -> str:
        return secret(self.account.get("token_env"), "token_env", self.key, self.environ)


class MetaSender(_Sender):
    platform = "meta"

    def story(self) -> str:
        """The published Page post as Meta names it: `<page id>_<post id>`."""
        remote = self.target.remote_id if self.target else ""
        if re.fullmatch(r"[0-9]+_[0-9]+", remote):
            return remote
        page = self.group.account(self.account.get("page"))
        page_id = (page.get("page") or "") if page else ""
        if re.fullmatch(r"[0-9]+", remote) and page_id:
            return f"{page_id}_{remote}"
        raise PublishError(FAIL, f"the post's Facebook id {remote!r} is not a Page post id")

    def send(self, claimed: Record, ids: dict, checkpoint: Checkpoint) -> Sent:
        client = MetaAds(
            self.http, self.account.get("account"), self.token(), self.account.get("api")
        )
        client.check_currency(self.account.get("currency"))
        name, p, a, s = (
            object_name(claimed, self.promotion),
            self.promotion,
            self.audience,
            self.settings,
        )
        act = client.act
        campaign = _step(
            ids,
            "campaign",
            lambda: client.find(f"{act}/campaigns", name),
            lambda: client.create("campaigns", build.meta_campaign(p, a, s, name)),
            checkpoint,
        )
        adset = _step(
            ids,
            "adset",
            lambda: client.find(f"{campaign}/adsets", name),
            lambda: client.create("adsets", build.meta_adset(p, a, s, name, campaign)),
            checkpoint,
        )
        creative = _step(
            ids,
            "creative",
            lambda: client.find(f"{act}/adcreatives", name, statuses=False),
            lambda: client.create("adcreatives", {"name": name, "object_story_id": self.story()}),
            checkpoint,
        )
        _step(
            ids,
            "ad",
            lambda: client.find(f"{adset}/ads", name),
            lambda: client.create("ads", build.meta_ad(s, name, adset, creative)),
            checkpoint,
        )
        return Sent(dict(ids), client.manager_url(campaign))


class VkSender(_Sender):
    platform = "vk"

    def post_url(self) -> str:
        """The published VK post's address (the banner's `vk_post` link)."""
        url = self.target.url if self.target else ""
        if re.match(r"https://(m\.)?vk\.(com|ru)/wall-?[0-9]+_[0-9]+", url):
            return url
        wall = self.group.account(self.account.get("community"))
        owner = (wall.get("owner") or "") if wall else ""
        remote = self.target.remote_id if self.target else ""
        if re.fullmatch(r"-?[0-9]+", owner) and re.fullmatch(r"[0-9]+", remote):
            return f"https://vk.com/wall{owner}_{remote}"
        raise PublishError(FAIL, f"the VK post's address is not known (record url {url!r})")

    def _cabinet(self, client: VkAds) -> None:
        user = client.user()
        account = user.get("account") if isinstance(user.get("account"), dict) else {}
        cabinet = self.account.get("cabinet")
        if cabinet not in (str(user.get("id")), str(account.get("id"))):
            raise PublishError(
                FAIL,
                f"the VK Ads token belongs to cabinet {user.get('id')}, not {cabinet} (`vk_ads.cabinet`): nothing was created",
            )
        currency = str(user.get("currency") or account.get("currency") or "")
        if currency and currency != self.account.get("currency"):
            raise PublishError(
                FAIL,
                f"VK Ads cabinet {cabinet} spends {currency}, but the group file says {self.account.get('currency')} (`vk_ads.currency`): nothing was created",
            )

    def send(self, claimed: Record, ids: dict, checkpoint: Checkpoint) -> Sent:
        client = VkAds(self.http, self.token(), self.account.get("api"))
        self._cabinet(client)
        name, p, a, s = (
            object_name(claimed, self.promotion),
            self.promotion,
            self.audience,
            self.settings,
        )
        link = client.url_id(self.post_url())
        if "plan" not in ids:
            found = client.find_plan(name)
            if found is None:
                crashpoints.point("before-send")
                made = client.create_plan(build.vk_plan(p, a, s, name, link))
                crashpoints.point("after-send")
                ids.update(_made_ids(made))
            else:
                ids["plan"] = str(found)
            checkpoint(ids)
        plan = int(ids["plan"])
        group = _step(
            ids,
            "group",
            lambda: next(iter(client.children("ad_groups", "ad_plan_id", plan)), None),
            lambda: _group_of(client, build.vk_plan(p, a, s, name, link), plan),
            checkpoint,
        )
        _step(
            ids,
            "banner",
            lambda: next(iter(client.children("banners", "ad_group_id", int(group))), None),
            lambda: client.add_banner(int(group), build.vk_banner(s, name, link)),
            checkpoint,
        )
        return Sent(dict(ids), f"{client.api}/hq/dashboard/ad_plans/{plan}")


def _made_ids(made: dict) -> dict[str, str]:
    ids = {"plan": str(made["id"])}
    groups = made.get("ad_groups") or []
    if groups and isinstance(groups[0], dict) and groups[0].get("id"):
        ids["group"] = str(groups[0]["id"])
        banners = groups[0].get("banners") or []
        if banners and isinstance(banners[0], dict) and banners[0].get("id"):
            ids["banner"] = str(banners[0]["id"])
    return ids


def _group_of(client: VkAds, plan: dict, plan_id: int) -> int:
    body = {k: v for k, v in plan["ad_groups"][0].items() if k != "banners"}
    made = client.create_group({**body, "ad_plan_id": plan_id})
    return int(made.get("id") or 0)
