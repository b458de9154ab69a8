"""The file policy (policy.yaml next to this module): sizes, types, EXIF, photo-for-办结."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

POLICY_FILE = Path(__file__).with_name("policy.yaml")
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


@dataclass(frozen=True)
class FilePolicy:
    """What an upload may be and what becomes of it."""

    max_bytes: int = 10 * 1024 * 1024
    allowed_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/webp"})
    strip_location: bool = True
    max_image_side: int = 4096
    thumb_side: int = 320
    photo_required_topics: frozenset[str] = frozenset()

    def needs_photo(self, topic: str | None) -> bool:
        """Whether 办结 of a case on this topic must carry a photo."""
        return bool(topic) and topic in self.photo_required_topics

    @classmethod
    def from_file(cls, path: Path | None = None) -> FilePolicy:
        """The policy file, checked: a wrong key or value fails at start, not at upload."""
        raw = yaml.safe_load((path or POLICY_FILE).read_text(encoding="utf-8")) or {}
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown keys in the file policy: {sorted(unknown)}")
        policy = cls(
            max_bytes=int(raw.get("max_bytes", cls.max_bytes)),
            allowed_types=frozenset(raw.get("allowed_types", cls.allowed_types)),
            strip_location=bool(raw.get("strip_location", True)),
            max_image_side=int(raw.get("max_image_side", cls.max_image_side)),
            thumb_side=int(raw.get("thumb_side", cls.thumb_side)),
            photo_required_topics=frozenset(raw.get("photo_required_topics") or ()),
        )
        if policy.max_bytes <= 0 or policy.thumb_side <= 0 or not policy.allowed_types:
            raise ValueError("the file policy needs a positive size, a thumbnail side and types")
        return policy
