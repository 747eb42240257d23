"""Pictures for the photo tests, made here: a phone-like JPEG with everything a phone puts
in one (orientation, GPS, camera, comment, XMP, colour profile), PNGs, and files that only
pretend to be pictures."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms

SECRET = b"hemmelig"
GPS = {1: "N", 2: (63.0, 25.0, 0.0), 3: "E", 4: (10.0, 23.0, 0.0)}


def two_halves(size=(40, 20), mode="RGB") -> Image.Image:
    """Red on the left, blue on the right: which way is up shows in the result."""
    if mode == "P":  # a palette of those two
        return two_halves(size).convert("P")
    image = Image.new(mode, size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_jpeg(*, orientation: int = 6, size=(40, 20)) -> bytes:
    """A JPEG as a phone sends it: turned by EXIF ``orientation`` (6: the camera was held
    upright, so the picture is to be turned a quarter clockwise), with its position and
    everything else that should never reach the hospital."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker " + SECRET.decode()
    exif[0x8825] = GPS
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    two_halves(size).save(out, "JPEG", exif=exif.tobytes(), comment=b"comment " + SECRET,
                          xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>", icc_profile=profile)
    return out.getvalue()


def png(size=(30, 30), mode="RGBA", **options) -> bytes:
    out = io.BytesIO()
    two_halves(size, mode).save(out, "PNG", **options)
    return out.getvalue()


def other_format(kind: str) -> bytes:
    out = io.BytesIO()
    two_halves().save(out, kind)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` with next to nothing behind it: what
    a decompression bomb looks like before it is decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
