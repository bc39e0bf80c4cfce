"""A resumable upload to YouTube (developers.google.com/youtube/v3/guides/
using_resumable_upload_protocol): start a session, send the bytes, ask where it stands.

- `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status` with the
  metadata → 200 and the session URI in `Location`; nothing is published yet.
- `PUT {session}` with `Content-Range: bytes a-b/TOTAL` → 308 `Range: bytes=0-N` (more
  expected) or 200/201 with the video resource once all bytes are there.
- `PUT {session}` with `Content-Range: bytes */TOTAL` and no body asks where it stands:
  308 with the Range (none: nothing arrived), or the very same final answer once complete
  ("regardless of whether it succeeded or failed"); 404 once the session expired.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .google_api import Google, classify
from .http import RETRY, PublishError, Redact, json_object

if TYPE_CHECKING:
    import requests

CHUNK = 32 * 1024 * 1024  # bytes per PUT: a multiple of 256 KiB, as the guide requires
_RANGE = re.compile(r"bytes=0-(\d+)")


class SessionGone(Exception):
    """The session expired (404): the upload cannot go on."""


def session_classify(
    response: requests.Response, idempotent: bool, redact: Redact
) -> PublishError | None:
    """A session PUT: 308 and 404 are read by the caller; the rest as Google's errors."""
    if response.status_code in (308, 404):
        return None
    return classify(response, True, redact, title="YouTube upload")


def start(google: Google, metadata: dict, size: int, kind: str, notify: bool) -> str:
    """A new upload session; its URI. Safe to repeat: a session without bytes is no video."""
    url = f"{google.host('youtube')}/upload/youtube/v3/videos"
    params = {"uploadType": "resumable", "part": "snippet,status"}
    if not notify:
        params["notifySubscribers"] = "false"
    response = google.call(
        "POST",
        url,
        publish=False,
        params=params,
        json=metadata,
        headers={"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": kind},
    )
    session = response.headers.get("Location", "")
    if not session.startswith(("https://", "http://")):
        raise PublishError(RETRY, "YouTube started an upload without saying where (no Location)")
    return session


def _put(google: Google, session: str, headers: dict, body: bytes = b"") -> requests.Response:
    response = google.call(
        "PUT",
        session,
        publish=False,
        classify=session_classify,
        data=body,
        headers=headers,
    )
    if response.status_code == 404:
        raise SessionGone(session)
    return response


def where(google: Google, session: str, total: int) -> int | dict:
    """Bytes the session holds, or the video resource when the upload is complete."""
    answer = _put(google, session, {"Content-Range": f"bytes */{total}", "Content-Length": "0"})
    return _read(answer)


def _read(answer: requests.Response) -> int | dict:
    if answer.status_code == 308:
        match = _RANGE.fullmatch(answer.headers.get("Range", ""))
        return int(match.group(1)) + 1 if match else 0
    video = json_object(answer, "YouTube")
    if not video.get("id"):
        raise PublishError(RETRY, "YouTube finished the upload without a video id")
    return video


def send(google: Google, session: str, data: bytes, kind: str, offset: int = 0) -> dict:
    """Send the bytes from `offset` on; the video resource YouTube made of them."""
    total, stalls = len(data), 0
    while True:
        end = min(total, offset + CHUNK)
        headers = {"Content-Type": kind, "Content-Range": f"bytes {offset}-{end - 1}/{total}"}
        got = _read(_put(google, session, headers, data[offset:end]))
        if isinstance(got, dict):
            return got
        stalls = stalls + 1 if got <= offset else 0
        if stalls > 3:
            raise PublishError(RETRY, "YouTube's upload does not move on; the next run resumes it")
        offset = got
