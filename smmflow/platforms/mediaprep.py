"""The one preparation of an image before it leaves the repository: metadata stripped,
converted and resized to what the receiving platform takes.

Every uploader reads media through `Attempt.upload` / `Attempt.read_media`, which call
`prepare` here; the feed site's copies (what Instagram, Threads, TikTok and Google Business
Profile fetch by URL) are made the same way. The approved bytes stay the source: the
result is derived from them deterministically (same bytes, same platform, same result) and
never written back into the repository.

- Metadata: EXIF (GPS position, camera, time), XMP, IPTC, comments and text chunks are
  dropped. A JPEG or PNG that needs nothing else loses only those segments, byte for byte
  (no re-encoding, no quality lost); anything else is re-encoded by Pillow without them.
- Orientation: a photo turned by its EXIF orientation tag is turned for real first, since
  the tag goes with the rest of the EXIF.
- Format: kept when the platform takes it (`Limits.media_suffixes`), else JPEG (PNG for an
  image with transparency where the platform takes PNG).
- Size: the longest side down to `Limits.image_side`, then JPEG quality stepped down (and
  the picture shrunk) until it fits `Limits.image_bytes`.

Bytes Pillow cannot read as an image (a video, a damaged file) are returned as they are:
the platform refuses what is not an image, and videos are not re-encoded (docs/format.md,
"Media").
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from .metastrip import lossless

JPEG_QUALITY = (90, 85, 80, 72, 64, 55)
SHRINK = 0.8  # each step down when no quality fits the byte limit
MAX_STEPS = 12
JPEG_COPY_SIDE, JPEG_COPY_BYTES = 1440, 8 * 1024 * 1024  # Instagram's and Threads' sizes
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
IMAGES = frozenset(_FORMATS)  # the image suffixes Pillow prepares
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Fit:
    """What a platform takes (from its `Limits`): image suffixes, longest side in pixels,
    bytes."""

    suffixes: frozenset[str] = frozenset(_FORMATS)
    side: int | None = None
    cap: int | None = None


@dataclass(frozen=True)
class Prepared:
    """What leaves for one platform: the bytes, a file name with the right suffix, the
    MIME type ("" when it is not an image: `Attempt.upload` guesses it from the name), the
    picture's size (None for what is not an image) and what was done."""

    data: bytes
    name: str
    mime: str
    size: tuple[int, int] | None = None
    changes: tuple[str, ...] = ()


def accepted(limits: Fit | None) -> set[str]:
    """The image formats (Pillow's names) a platform takes; all four without limits."""
    if limits is None:
        return set(_FORMATS.values())
    return {_FORMATS[s] for s in limits.suffixes if s in _FORMATS}


def output_suffix(src: str, limits: Fit | None) -> str:
    """The suffix an image will have for a platform, decided by its name alone (the feed
    site names its derived copies with it)."""
    fmt = _FORMATS.get(PurePosixPath(src).suffix.lower())
    if fmt is None or fmt in accepted(limits):
        return PurePosixPath(src).suffix
    return ".jpg"


def prepare(data: bytes, name: str, limits: Fit | None = None) -> Prepared:
    """`data` (the file `name`) made fit for a platform with `limits` (None: metadata
    stripped only, format and size kept)."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return _undecoded(data, name)
    fmt = image.format or ""
    wanted = _target_format(image, fmt, limits)
    turned = _orientation(image) not in (0, 1)
    side = limits.side if limits else None
    too_big = bool(side and max(image.size) > side)
    cap = limits.cap if limits else None
    if wanted == fmt and not turned and not too_big and lossless(fmt) is not None:
        light = lossless(fmt)(data)
        if light is not None and (cap is None or len(light) <= cap):
            changes = ("metadata removed",) if light != data else ()
            return Prepared(light, _renamed(name, fmt), MIME[fmt], image.size, changes)
    return _reencode(image, name, fmt, wanted, limits)


def _undecoded(data: bytes, name: str) -> Prepared:
    """Bytes Pillow will not decode (too many pixels, damaged, not an image): their
    metadata segments still go where the container can be walked; else they leave as they
    are (a video, or what the platform will refuse anyway)."""
    for fmt, magic in (("JPEG", b"\xff\xd8"), ("PNG", b"\x89PNG"), ("GIF", b"GIF8")):
        strip = lossless(fmt)
        light = strip(data) if strip is not None and data.startswith(magic) else None
        if light is not None:
            changes = ("metadata removed",) if light != data else ()
            return Prepared(light, name, MIME[fmt], None, changes)
    return Prepared(data, name, "")


def _reencode(image, name: str, fmt: str, wanted: str, limits: Fit | None) -> Prepared:
    from PIL import ImageOps

    changes = ["metadata removed"]
    animated = getattr(image, "n_frames", 1) > 1 and wanted in ("GIF", "WEBP")
    if not animated:
        if _orientation(image) not in (0, 1):
            changes.append("turned upright")
        image = ImageOps.exif_transpose(image)
    if wanted != fmt:
        changes.append(f"{fmt or 'image'} → {wanted}")
    side = limits.side if limits else None
    if side and max(image.size) > side and not animated:
        image = _scaled(image, side / max(image.size))
        changes.append(f"resized to {image.size[0]}×{image.size[1]}")
    cap = limits.cap if limits else None
    data, image = _fit(image, wanted, cap, animated)
    if cap is not None and len(data) > cap:
        raise ValueError(f"{name} cannot be made smaller than {cap:,} bytes")
    return Prepared(data, _renamed(name, wanted), MIME[wanted], image.size, tuple(changes))


def _fit(image, fmt: str, cap: int | None, animated: bool):
    """Encoded bytes under `cap` where quality and size steps can get there."""
    for _step in range(MAX_STEPS):
        for quality in JPEG_QUALITY if fmt in ("JPEG", "WEBP") else (None,):
            data = _encode(image, fmt, quality, animated)
            if cap is None or len(data) <= cap:
                return data, image
        if animated or min(image.size) < 64:
            return data, image
        image = _scaled(image, SHRINK)
    return data, image


def _encode(image, fmt: str, quality: int | None, animated: bool) -> bytes:
    """Pillow writes metadata only when told to: nothing from `info` but what drawing needs."""
    keep = {k: image.info[k] for k in ("transparency", "duration", "loop") if k in image.info}
    out = io.BytesIO()
    if fmt == "JPEG":
        image = _flatten(image)
        image.info = {}
        image.save(out, "JPEG", quality=quality, optimize=True)
    elif animated:
        image.info = keep
        image.save(out, fmt, save_all=True, **keep, **({"quality": quality} if quality else {}))
    else:
        image = image.copy()
        image.info = {k: v for k, v in keep.items() if k == "transparency"}
        extra = {"quality": quality} if quality else {}
        image.save(out, fmt, optimize=fmt != "WEBP", **extra, **image.info)
    return out.getvalue()


def _flatten(image):
    """An image JPEG can hold: transparency laid on white."""
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image.copy()
    rgba = image.convert("RGBA")
    ground = Image.new("RGB", rgba.size, (255, 255, 255))
    ground.paste(rgba, mask=rgba.getchannel("A"))
    return ground


def _scaled(image, factor: float):
    from PIL import Image

    width, height = (max(1, round(n * factor)) for n in image.size)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _target_format(image, fmt: str, limits: Fit | None) -> str:
    takes = accepted(limits)
    if fmt in takes:
        return fmt
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if alpha and "PNG" in takes:
        return "PNG"
    return "JPEG"


def _orientation(image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (TypeError, ValueError, OSError, SyntaxError):
        return 1


def _renamed(name: str, fmt: str) -> str:
    path = PurePosixPath(name)
    if _FORMATS.get(path.suffix.lower()) == fmt:
        return name
    return str(path.with_suffix(_SUFFIX[fmt]))


@dataclass(frozen=True)
class Facts:
    """What `check` and `preview` read of an image file: its upright size and the kinds of
    metadata it carries. `readable` False: Pillow cannot read it (it is sent as it is)."""

    readable: bool
    size: tuple[int, int] | None = None
    metadata: tuple[str, ...] = ()

    @property
    def gps(self) -> bool:
        return "a GPS position" in self.metadata


def inspect(path) -> Facts:
    """`path`'s facts, reading its header only (Pillow opens lazily)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            width, height = image.size
            if int(exif.get(0x0112, 1)) in (5, 6, 7, 8):  # turned a quarter: sides swap
                width, height = height, width
            found = []
            if exif.get_ifd(0x8825) or 0x8825 in exif:
                found.append("a GPS position")
            if set(exif) - {0x0112, 0x8825}:
                found.append("EXIF")
            info = set(image.info)
            if info & {"xmp", "XML:com.adobe.xmp"}:
                found.append("XMP")
            if info & {"comment", "Comment", "Description", "Author", "photoshop"}:
                found.append("comments")
            return Facts(True, (width, height), tuple(found))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return Facts(False)


def served_src(src: str, limits: Fit | None) -> str:
    """The feed site's file a platform fetching by URL gets for `src`: the copy itself, or
    its JPEG copy (`src` + ".jpg", written by `jpeg_copy`) where it does not take the format."""
    fmt = _FORMATS.get(PurePosixPath(src).suffix.lower())
    return src if fmt is None or fmt in accepted(limits) or fmt == "JPEG" else src + ".jpg"


def jpeg_copy(src: str, data: bytes) -> bytes | None:
    """The JPEG the feed site serves beside a PNG, GIF or WebP, for the platforms that
    fetch JPEG only (Instagram); None for a JPEG, a video or what Pillow cannot read."""
    fmt = _FORMATS.get(PurePosixPath(src).suffix.lower())
    if fmt in (None, "JPEG"):
        return None
    ready = prepare(data, src, Fit(frozenset({".jpg"}), JPEG_COPY_SIDE, JPEG_COPY_BYTES))
    return ready.data if ready.mime == "image/jpeg" else None
