"""Photos and files for the tests of uploads: a JPEG with a GPS location in its EXIF."""

from __future__ import annotations

import io

from PIL import Image

GPS = 0x8825


def jpeg_with_gps(
    size: tuple[int, int] = (400, 300), colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A photo as phones take them: EXIF with the maker, an orientation and a location."""
    img = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):  # some detail, so the photo is not one flat colour
        img.paste((255, 255, 255), (x, 0, x + 8, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    exif.get_ifd(GPS).update({1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 9.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def has_location(data: bytes) -> bool:
    """Whether an image's EXIF still names a place."""
    return bool(Image.open(io.BytesIO(data)).getexif().get_ifd(GPS))
