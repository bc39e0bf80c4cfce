"""Real pictures for the media tests, made with Pillow: a phone photo with everything a
phone writes (EXIF with a GPS position and a camera, an orientation tag, XMP, a comment)
and a PNG with transparency and text chunks; and the questions the tests ask of what a
server received (format, size, any metadata left)."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>Str. Lipscani 5</rdf:Description></x:xmpmeta>'


def _picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A smooth gradient with a little texture: compresses like a photo, not like noise."""
    base = Image.linear_gradient("L").resize((width, height))
    other = Image.radial_gradient("L").resize((width, height))
    rgb = Image.merge("RGB", (base, other, base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    return rgb.convert(mode) if mode != "RGB" else rgb


def phone_jpeg(width: int = 2400, height: int = 2000, orientation: int = 6) -> bytes:
    """A phone photo: GPS position (44.43 N, 26.10 E), camera make/model, orientation, XMP,
    a JPEG comment. Stored sideways (`orientation` 6: turn 90° to see it upright)."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Google", "Pixel 8", orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (44.0, 25.0, 51.0), 3: "E", 4: (26.0, 6.0, 10.0)})
    out = io.BytesIO()
    _picture(width, height).save(
        out, "JPEG", exif=exif.tobytes(), xmp=XMP, comment=b"acasa la Ana", quality=92
    )
    return out.getvalue()


def text_png(width: int = 900, height: int = 600) -> bytes:
    """A PNG with transparency and a text chunk naming where it was made."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made at Str. Lipscani 5")
    image = _picture(width, height, "RGBA")
    image.putalpha(200)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def facts(data: bytes) -> dict:
    """What a receiver would learn from `data`: format, size, and any metadata left."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {
            "format": image.format,
            "size": image.size,
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(GPS_IFD)),
            "info": sorted(
                k
                for k in image.info
                if k
                not in (
                    "jfif",
                    "jfif_version",
                    "jfif_unit",
                    "jfif_density",
                    "dpi",
                    "progressive",
                    "progression",
                    "adobe",
                    "adobe_transform",
                )
            ),
            "leaks": [w for w in (b"Lipscani", b"Pixel 8", b"acasa") if w in data],
        }
