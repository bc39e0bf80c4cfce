"""Image format and pixel size read from a file's first bytes (PNG, GIF, JPEG), for the
loopback servers that check what a platform checks (VK: width + height, aspect ratio;
X: `image.w`/`image.h` in upload answers). Width and height are 0 when the header does
not say (a JPEG without a SOF segment, such as the test fixtures' fake JPEGs)."""

from __future__ import annotations

import struct


def image_size(data: bytes) -> tuple[str, int, int]:
    """(format "png" | "gif" | "jpg" | "", width, height)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return "png", *struct.unpack(">II", data[16:24])
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        return "gif", *struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8\xff"):
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return "jpg", width, height
            i += 2 + length
        return "jpg", 0, 0
    return "", 0, 0
