"""The checks on an upload, before anything is stored: size, type by its bytes, integrity.

Pure: bytes and a policy in, an accepted file (photos re-encoded without EXIF, with a
thumbnail) or a refusal in Chinese out. The file's name never decides its type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import filetype  # type: ignore[import-untyped]

from services.common.files import images
from services.common.files.policy import IMAGE_TYPES, FilePolicy

TYPE_NAMES = {
    "image/jpeg": "JPEG 图片",
    "image/png": "PNG 图片",
    "image/webp": "WebP 图片",
    "image/gif": "GIF 图片",
    "application/pdf": "PDF 文档",
}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}
NAME_LIMIT = 120
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


class Refused(Exception):
    """An upload the platform does not take, with the reason people read."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Accepted:
    """A file as it will be stored: its bytes (a photo re-encoded), type, name, thumbnail."""

    data: bytes
    content_type: str
    name: str
    thumb: bytes | None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def size_text(n: int) -> str:
    """A size as people read it (MB with one decimal, or KB)."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(n // 1024, 1)} KB"


def clean_name(name: str, content_type: str) -> str:
    """The file's name without a path or control characters, shortened, with the extension
    its bytes call for (a PNG named .jpg is stored as .png)."""
    base = _UNSAFE.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .") or "附件"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ext = EXTENSIONS.get(content_type, "bin")
    return f"{stem[: NAME_LIMIT - len(ext) - 1]}.{ext}"


def sniff(data: bytes) -> str | None:
    """The MIME type the file's first bytes reveal, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def check_size(size: int, policy: FilePolicy) -> None:
    """Refuses an empty or oversized upload (also used on the declared length, early)."""
    if size <= 0:
        raise Refused("empty_file", "文件为空，请重新选择。")
    if size > policy.max_bytes:
        raise Refused(
            "file_too_large",
            f"文件过大（{size_text(size)}），单个文件不能超过 {size_text(policy.max_bytes)}。",
            413,
        )


def allowed_text(policy: FilePolicy) -> str:
    return "、".join(TYPE_NAMES.get(t, t) for t in sorted(policy.allowed_types))


def inspect(data: bytes, name: str, policy: FilePolicy) -> Accepted:
    """The upload as it will be stored, or Refused with the reason."""
    check_size(len(data), policy)
    mime = sniff(data)
    if mime is None or mime not in policy.allowed_types:
        seen = f"（实际为 {TYPE_NAMES.get(mime, mime)}）" if mime else ""
        raise Refused(
            "file_type",
            f"不支持的文件类型{seen}：只接受 {allowed_text(policy)}。"
            "文件类型按内容判断，与扩展名无关。",
            415,
        )
    if mime in IMAGE_TYPES:
        try:
            photo = images.prepare(data, mime, policy)
        except images.Unreadable as exc:
            raise Refused("file_damaged", f"图片已损坏或不完整，无法读取（{exc.why}）。") from exc
        return Accepted(
            photo.data,
            photo.content_type,
            clean_name(name, photo.content_type),
            photo.thumb,
            photo.width,
            photo.height,
        )
    if mime == "application/pdf" and b"%%EOF" not in data[-2048:]:
        raise Refused("file_damaged", "PDF 文档不完整（缺少文件结尾），请重新上传。")
    return Accepted(data, mime, clean_name(name, mime), None)
