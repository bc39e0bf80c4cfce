"""VK community walls: `wall.post` as the community, with the attempt's key as `guid`
(docs/platforms/vk.md).

Photos go through the wall upload server (`photos.getWallUploadServer` → multipart
`photo` → `photos.saveWallPhoto`, the alt text as the photo's caption: VK has no alt
text), videos through `video.save` → multipart `video_file`; then one `wall.post` with
`from_group=1` and every attachment. A post without media attaches its first link, so VK
shows the link's card.

Exactly once: VK ignores a repeated `guid` from the same user on the same wall for an
hour ("предназначенный для предотвращения повторной отправки одинаковой записи.
Действует в течение одного часа") and answers with the first post, so within that hour
a retried or resumed send is simply sent again (`key_ttl`). Before `wall.post` the time
and the attachments are saved (`sent.mark`): a resumed try reuses the uploads, and past
the hour `verify` looks for the post on the wall instead of sending it blindly.
Wire details and errors: `vk_api.py`.
"""

from __future__ import annotations

import re
import time

from ..model import IMAGE_SUFFIXES, Media, Post
from ..text.count import url_spans
from ..text.render import rich
from . import edits, firstcomment, sent
from .base import MB, Attempt, Finding, Limits, Publisher, Receipt, Rendered
from .http import FAIL, RETRY, PublishError
from .vk_api import DEFAULT_API, GONE, OFFLINE, RIGHTS, Client, VkError

_OWNER = re.compile(r"^-\d+$")
_WALL_POST = re.compile(r"(?:^|wall)(-?\d+_\d+)$")  # -1_2, or https://vk.com/wall-1_2
LOOKBACK = 100  # latest wall posts searched by `verify`


def _code_points(text: str) -> int:
    return len(text)


class VK(Publisher):
    name = "vk"
    title = "VK"
    # wall.post: message up to 16,384 characters (code points); at most 10 photos and
    # videos together, plus one link; photos JPG/PNG/GIF up to 50 MB.
    limits = Limits(
        text=16384,
        count=_code_points,
        unit="characters (code points)",
        media_max=10,
        videos_max=10,
        media_suffixes=(IMAGE_SUFFIXES - {".webp"}) | frozenset({".mp4", ".mov", ".m4v"}),
        image_bytes=50 * MB,
        video_bytes=2048 * MB,
    )
    required = ("owner", "token_env")
    optional = ("api",)
    urls = ("api",)
    docs = "docs/platforms/vk.md"
    idempotent = True  # the guid, for an hour
    can_edit = True  # wall.edit (platforms/edits.py)
    comment_limit = 16384  # wall.createComment as the community (platforms/firstcomment.py)
    comment_idempotent = True  # its guid, for an hour
    can_find_comment = True
    key_ttl = 3600
    can_verify = True  # past the hour: look for the post on the wall
    can_delete = True
    community = "smmflow.platforms.vk_inbox:VkInbox"  # comments: inbox, moderate, reply

    # -- the account ---------------------------------------------------------------------
    @property
    def owner(self) -> str:
        owner = str(self.account.get("owner") or "").strip()
        if not _OWNER.match(owner):
            raise PublishError(
                FAIL,
                f"owner {owner!r} of {self.account.name} is not a community wall: write the "
                'community\'s numeric id with a minus sign, e.g. "-123456"',
            )
        return owner

    @property
    def group_id(self) -> str:
        return self.owner[1:]

    def _client(self) -> Client:
        return Client(
            self.ctx.http, self.account.get("api") or DEFAULT_API, self.secret("token_env")
        )

    # -- what is sent --------------------------------------------------------------------
    def payload(self, post: Post, rendered: Rendered, attempt: Attempt) -> dict:
        link = _first_link(post)
        return {
            "method": "wall.post",
            "owner_id": self.account.get("owner"),
            "from_group": 1,
            "message": rendered.text,
            "guid": attempt.key,
            "attachments": [f"{m.kind} {m.src} (caption: {m.alt})" for m in post.media]
            or ([link] if link else []),
        }

    def publish(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        client, owner = self._client(), self.owner
        mark = sent.fingerprint(rendered.text, [[m.src, m.alt] for m in post.media])
        before = sent.read(attempt.remote_id)
        if before is not None and time.time() - before.at >= self.key_ttl * 0.9:
            # VK has forgotten the guid: look on the wall before sending again
            if (found := self.verify(post, attempt)) is not None:
                return found
            before = None
        if before is not None and before.fingerprint == mark:
            attachments = before.extra  # uploaded by the stopped try, which kept its time
        else:
            attachments = ",".join(self._upload(client, media, attempt) for media in post.media)
            if not attachments:
                attachments = _first_link(post)
            sent.mark(attempt, mark, attachments)
        params = {
            "owner_id": owner,
            "from_group": 1,
            "message": rendered.text,
            "guid": attempt.key,
        }
        if attachments:
            params["attachments"] = attachments
        answer = client.call("wall.post", params)
        post_id = str(answer.get("post_id") or "") if isinstance(answer, dict) else ""
        if not post_id:
            raise PublishError(RETRY, "VK answered wall.post without a post_id")
        return self._receipt(post_id)

    def _receipt(self, post_id: str) -> Receipt:
        return Receipt(f"{self.owner}_{post_id}", f"https://vk.com/wall{self.owner}_{post_id}")

    def _upload(self, client: Client, media: Media, attempt: Attempt) -> str:
        if media.kind == "video":
            return self._video(client, media, attempt)
        server = client.call("photos.getWallUploadServer", {"group_id": self.group_id})
        url = str(server.get("upload_url") or "") if isinstance(server, dict) else ""
        if not url:
            raise PublishError(RETRY, "VK gave no upload_url for the wall photo")
        got = client.upload(url, "photo", attempt.upload(media), media.src)
        if str(got.get("photo") or "[]") == "[]":
            raise PublishError(FAIL, f"VK's upload server received no photo from {media.src}")
        saved = client.call(
            "photos.saveWallPhoto",
            {
                "group_id": self.group_id,
                "photo": got["photo"],
                "server": str(got.get("server", "")),
                "hash": str(got.get("hash", "")),
                "caption": media.alt,
            },
        )
        photo = saved[0] if isinstance(saved, list) and saved else {}
        if not isinstance(photo, dict) or not photo.get("id"):
            raise PublishError(RETRY, f"VK saved {media.src} without a photo id")
        return f"photo{photo.get('owner_id', self.owner)}_{photo['id']}"

    def _video(self, client: Client, media: Media, attempt: Attempt) -> str:
        name = media.alt[:128] if media.alt else media.file.stem[:128]
        made = client.call(
            "video.save",
            {"group_id": self.group_id, "name": name, "description": media.alt[:5000]},
        )
        url = str(made.get("upload_url") or "") if isinstance(made, dict) else ""
        if not url:
            raise PublishError(RETRY, "VK gave no upload_url for the video")
        got = client.upload(url, "video_file", attempt.upload(media), media.src)
        owner = got.get("owner_id", made.get("owner_id", self.owner))
        video = got.get("video_id", made.get("video_id"))
        if not video:
            raise PublishError(RETRY, f"VK took {media.src} without a video id")
        return f"video{owner}_{video}"

    # -- after a stop, and deleting ------------------------------------------------------
    def verify(self, post: Post, attempt: Attempt) -> Receipt | None:
        before = sent.read(attempt.remote_id)
        if before is None:
            return None  # the stopped try never reached wall.post
        rendered = self.render(post)
        answer = self._client().call(
            "wall.get", {"owner_id": self.owner, "count": LOOKBACK, "filter": "owner"}
        )
        items = answer.get("items") if isinstance(answer, dict) else None
        for item in items or []:
            if not isinstance(item, dict) or float(item.get("date") or 0) < before.since:
                continue
            if sent.same_text(str(item.get("text") or ""), rendered.text):
                return self._receipt(str(item.get("id")))
        return None

    def edit(self, post: Post, rendered: Rendered, attempt: Attempt) -> Receipt:
        return edits.vk(self, rendered, attempt.remote_id, "")

    def comment(self, text: str, attempt: Attempt) -> Receipt:
        return firstcomment.vk(self, text, attempt.remote_id, attempt.key)

    def find_comment(self, text: str, attempt: Attempt) -> Receipt | None:
        return firstcomment.vk_find(self, text, attempt.remote_id)

    def delete(self, attempt: Attempt) -> None:
        owner, _, post_id = sent.post_id(attempt.remote_id, _WALL_POST, "VK").rpartition("_")
        try:
            self._client().call("wall.delete", {"owner_id": owner, "post_id": post_id})
        except VkError as exc:
            if exc.code not in GONE:
                raise

    # -- doctor --------------------------------------------------------------------------
    def doctor_account(self, secrets: list[Finding]) -> list[Finding]:
        found = list(secrets)
        try:
            client, group_id = self._client(), self.group_id
            users = client.call("users.get", {})
            rights = int(client.call("account.getAppPermissions", {}) or 0)
            groups = client.call("groups.getById", {"group_ids": group_id, "fields": "can_post"})
        except PublishError as exc:
            return [*found, Finding("error", exc.message)]
        user = users[0] if isinstance(users, list) and users else {}
        who = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip() or "?"
        found.append(Finding("ok", f"the token is valid (user {who}, id {user.get('id', '?')})"))
        missing = [name for name, bit in RIGHTS.items() if not rights & bit]
        if missing:
            found.append(
                Finding(
                    "error",
                    f"the token lacks the right {', '.join(missing)}: make a new token with "
                    "scope wall,photos,video,offline (docs/platforms/vk.md)",
                )
            )
        else:
            found.append(Finding("ok", "rights wall, photos and video granted"))
        if not rights & OFFLINE:
            found.append(
                Finding(
                    "warning",
                    "the token has no `offline` right: VK lets it expire (within a day); "
                    "make one with scope wall,photos,video,offline",
                )
            )
        found.append(_community(groups, group_id))
        return found


def _community(answer: object, group_id: str) -> Finding:
    """Whether the token's user may post as the community `group_id`."""
    groups = answer.get("groups") if isinstance(answer, dict) else answer
    group = groups[0] if isinstance(groups, list) and groups else {}
    name = group.get("name") or f"club{group_id}"
    level = int(group.get("admin_level") or 0)
    if not group.get("is_admin") or level < 2:
        return Finding(
            "error",
            f"the token's user is not an editor or administrator of {name} (-{group_id}): "
            "wall.post as the community needs one",
        )
    role = {2: "an editor", 3: "an administrator"}.get(level, "an administrator")
    return Finding("ok", f"may post to {name} (-{group_id}) as {role}")


def _first_link(post: Post) -> str:
    """The post's first link (a Markdown link's address, else a bare URL), or ""."""
    body = rich(post.body)
    if body.links:
        return body.links[0].href
    spans = url_spans(body.plain)
    return body.plain[spans[0][0] : spans[0][1]] if spans else ""
