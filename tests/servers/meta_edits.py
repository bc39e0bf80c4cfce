"""Updating a Page post and commenting on one's own post, on the loopback Graph API
(tests/servers/meta.py), as the Pages API and the Instagram Platform document them:

- `POST /{page-post-id}` with `message` updates the post's text (Pages API, "Posts":
  update a post; pages_manage_posts, code 200 otherwise) and answers `{"success": true}`;
  a deleted post is "(#100) ... does not exist". Each update is kept in `server.post_edits`.
- `POST /{page-post-id}/comments` `message`: a comment as the Page (pages_manage_engagement,
  code 200 otherwise); `POST /{ig-media-id}/comments` `message`: a comment as the account
  (instagram_manage_comments, code 200 otherwise). Answers `{"id": ...}`. Read back
  through `GET /{id}/comments` (tests/servers/meta_comments.py).
"""

from __future__ import annotations


def route(state, call, token, parts: list[str]) -> dict | None:
    """The answer for an update or a comment on a post, or None when it is not one."""
    from servers import meta_comments
    from servers.meta import FB_POST, GraphFailure

    if call.method != "POST" or not parts:
        return None
    target = parts[0]
    post = state.posts.get(target)
    if len(parts) == 1 and post is not None and "message" in call.params:
        if post["deleted"]:
            raise GraphFailure(100, f"(#100) Object with ID '{target}' does not exist")
        state._needs(token, *FB_POST, code=200)
        with state.lock:
            post["message"] = call.params["message"]
            state.post_edits.append((target, post["message"]))
        return {"success": True}
    medium = state.media.get(target)
    if len(parts) == 2 and parts[1] == "comments" and (post is not None or medium is not None):
        ig = medium is not None
        state._needs(
            token, "instagram_manage_comments" if ig else "pages_manage_engagement", code=200
        )
        message = call.params.get("message", "")
        if not message:
            raise GraphFailure(100, "(#100) Missing message")
        name = state.ig_users.get(token.profile, {}).get("username") if ig else None
        author = (token.profile, name or state.pages.get(token.profile, {}).get("name", ""))
        made = meta_comments.add(state, target, message, author, ig=ig)
        return {"id": made["id"]}
    return None
