"""Metadata removed from an image byte for byte: JPEG segments, PNG chunks and GIF blocks
that carry EXIF (a GPS position), XMP, IPTC or comments are dropped and everything else is
kept as it is, so a picture that needs nothing else loses no quality (platforms/mediaprep
decides when this is enough)."""

from __future__ import annotations

import struct
from collections.abc import Callable

# JPEG segments kept: JFIF (APP0), ICC colour profile (APP2), Adobe colour transform
# (APP14). APP1 (EXIF, XMP), APP13 (IPTC), COM and the other APPn are dropped.
_KEEP_APP = {0xE0, 0xE2, 0xEE}
# PNG chunks dropped: text (XMP lives in iTXt), EXIF, time.
_DROP_PNG = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def lossless(fmt: str) -> Callable[[bytes], bytes | None] | None:
    """The byte-for-byte strip of Pillow's format `fmt`, if there is one."""
    return {"JPEG": strip_jpeg, "PNG": strip_png, "GIF": strip_gif}.get(fmt)


def strip_jpeg(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments, byte for byte otherwise; None when its
    segments cannot be walked (then it is re-encoded instead)."""
    if data[:2] != b"\xff\xd8":
        return None
    out, i = [data[:2]], 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xDA:  # start of scan: the picture itself follows, kept whole
            return b"".join(out) + data[i:]
        if marker == 0xFF or marker in (0x01, *range(0xD0, 0xD8)):
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        end = i + 2 + length
        if length < 2 or end > len(data):
            return None
        drop = (0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == 0xFE
        if not drop:
            out.append(data[i:end])
        i = end
    return None


def strip_png(data: bytes) -> bytes | None:
    """The PNG without text, EXIF and time chunks; None when its chunks cannot be walked."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    out, i = [data[:8]], 8
    while i + 12 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            return None
        if kind not in _DROP_PNG:
            out.append(data[i:end])
        if kind == b"IEND":
            return b"".join(out)
        i = end
    return None


def strip_gif(data: bytes) -> bytes | None:
    """The GIF without comments and application blocks other than the loop count; None
    when its blocks cannot be walked."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return None
    i = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    out = [data[:i]]
    while i < len(data):
        start, kind = i, data[i]
        if kind == 0x3B:
            return b"".join(out) + data[i : i + 1]
        if kind == 0x2C:
            flags = data[i + 9] if i + 9 < len(data) else 0
            i += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        elif kind == 0x21 and i + 1 < len(data):
            i += 2
        else:
            return None
        end = _sub_blocks(data, i)
        if end is None:
            return None
        label = data[start + 1] if kind == 0x21 else 0
        loop = label == 0xFF and data[start + 3 : start + 14] in (b"NETSCAPE2.0", b"ANIMEXTS1.0")
        if not (kind == 0x21 and (label == 0xFE or (label == 0xFF and not loop))):
            out.append(data[start:end])
        i = end
    return None


def _sub_blocks(data: bytes, i: int) -> int | None:
    while i < len(data):
        size = data[i]
        i += 1 + size
        if size == 0:
            return i
    return None
