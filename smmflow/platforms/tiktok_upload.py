"""A TikTok FILE_UPLOAD: the chunk plan, the chunks `PUT` in order, and where this machine
keeps each task's upload URL while it is valid (content-posting-api-media-transfer-guide).

Chunk rules: a file up to 64 MB goes whole; a larger one in chunks of 5–64 MB,
`total_chunk_count = floor(video_size / chunk_size)`, the last chunk taking the rest (at
most 128 MB), 1–1000 chunks, in order. TikTok answers 206 (more expected), 201 (all
there) or 416 with `Content-Range: bytes 0-N/TOTAL` when a chunk is not where the upload
stands (then the upload goes on from there).

The upload URL carries its own token and is valid for an hour: it is kept in a private
file on this machine (never in git), so a run that stopped mid-upload here goes on with the
same task instead of asking TikTok for a new one.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import MB
from .http import RETRY, PublishError
from .localstate import Capabilities
from .tiktok_api import TikTokApi

WHOLE_MAX = 64 * MB  # a file up to this size goes in one request
CHUNK = 10 * MB  # otherwise chunks of this size, the last one taking the rest
MAX_CHUNKS = 1000
URL_LIFETIME = 3600.0
_RANGE = re.compile(r"bytes \d+-(\d+)/\d+")


def plan(size: int) -> tuple[int, int, int]:
    """(video_size, chunk_size, total_chunk_count) for a file of `size` bytes."""
    if size <= WHOLE_MAX:
        return size, size, 1
    chunk = CHUNK
    while size // chunk > MAX_CHUNKS:
        chunk *= 2
    return size, chunk, size // chunk


def upload(api: TikTokApi, url: str, data: bytes, kind: str, start: int) -> None:
    """Send the chunks from number `start` on, until TikTok says it has them all."""
    size, chunk, count = plan(len(data))
    index, tries = start, 0
    while index < count:
        first = index * chunk
        end = size if index == count - 1 else first + chunk
        answer = api.put(url, data[first:end], first, size, kind)
        if answer.status_code == 201:
            return
        if answer.status_code == 416:  # not where the upload stands: go on from there
            tries += 1
            match = _RANGE.fullmatch(answer.headers.get("Content-Range", ""))
            if match is None or tries > 3:
                raise PublishError(RETRY, "TikTok's upload did not say where it stands")
            index = (int(match.group(1)) + 1) // chunk
            continue
        index += 1
    raise PublishError(RETRY, "TikTok took every chunk without saying the upload is complete")


def uploads(state: Path, repository: Path) -> Capabilities:
    """Where this machine keeps the upload URL of each task (publish_id → URL)."""
    return Capabilities(state, repository, "tiktok-uploads", URL_LIFETIME - 60)
