"""Photos: read fully (a truncated or forged image fails here), re-encoded without EXIF
(the GPS location, the camera's serial) when the policy says so, and a thumbnail."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from services.common.files.policy import FilePolicy

# Beyond this many pixels a small file may expand into gigabytes (a decompression bomb).
MAX_PIXELS = 60_000_000
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}


class Unreadable(Exception):
    """The bytes claim to be an image but do not decode as one."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str
    thumb: bytes
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.width * img.height > MAX_PIXELS:
                raise Unreadable("像素过多")
            img.load()  # decodes every byte: a cut-off file fails here, not later
    except Unreadable:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unreadable("无法识别的图片数据") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unreadable("数据被截断或格式错误") from exc
    return img


def _encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        img.save(out, "WEBP", quality=88)
    else:
        img.save(out, fmt)
    return out.getvalue()


def thumbnail(img: Image.Image, side: int) -> bytes:
    """A JPEG no larger than side x side, upright."""
    small = img.copy()
    small.thumbnail((side, side))
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGBA")
        canvas = Image.new("RGB", small.size, "white")
        canvas.paste(small, mask=small.getchannel("A"))
        small = canvas
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def prepare(data: bytes, mime: str, policy: FilePolicy) -> Photo:
    """The photo as stored: decoded in full; re-encoded (no EXIF, upright, at most
    max_image_side) when the policy strips location, else kept byte for byte."""
    img = _open(data)
    fmt = FORMATS[mime]
    animated = bool(getattr(img, "is_animated", False))
    if policy.strip_location and not animated:
        # The EXIF orientation is applied to the pixels before EXIF goes, so photos taken
        # sideways still show upright.
        upright = ImageOps.exif_transpose(img)
        upright.thumbnail((policy.max_image_side, policy.max_image_side))
        stored = _encode(upright, fmt)
        img = upright
    else:
        stored = data
    return Photo(stored, mime, thumbnail(img, policy.thumb_side), img.width, img.height)
