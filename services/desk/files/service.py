"""Adding a file to a case and reading it back: scanned, checked, stored, then recorded.

The order is the guarantee: the object (and its thumbnail) are in the store before the
metadata row and its record entry commit, and the caller acknowledges the upload only after
that commit. A crash before the commit leaves at most an unnamed object, never a listed
file without bytes; nothing acknowledged is lost.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.common.files.checks import Accepted, Refused, inspect
from services.common.files.policy import IMAGE_TYPES, FilePolicy
from services.common.files.scan import Scanner
from services.common.files.store import ObjectStore
from services.desk.board.projector import announce
from services.desk.record.entries import Entry
from services.desk.record.writer import People, entry_row
from services.desk.tables import attachments, entries

ATTACHED = "minhu.case.attachment.v1"
ORIGINS = ("console", "case", "phone")


@dataclass(frozen=True)
class Upload:
    """A file someone sends for a case."""

    case_no: str
    name: str
    data: bytes
    actor: str
    origin: str
    unit_id: str = ""


def keys(case_no: str, file_id: str, accepted: Accepted) -> tuple[str, str]:
    """Where the object and its thumbnail live: by case and id, never by the file's name."""
    ext = accepted.name.rsplit(".", 1)[-1]
    base = f"cases/{case_no}/{file_id}"
    return f"{base}.{ext}", f"{base}.thumb.jpg" if accepted.thumb else ""


def listed(row: Any) -> dict[str, Any]:
    """A stored file as the pages and the API show it (no keys, no bytes)."""
    return {
        "id": row.id,
        "case_no": row.case_no,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "image": row.content_type in IMAGE_TYPES,
        "origin": row.origin,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.uploaded_at.isoformat(),
        "sha256": row.sha256,
    }


class Attachments:
    """The desk's files of cases: the store, the scanner and the policy they pass."""

    def __init__(
        self, store: ObjectStore, scanner: Scanner, policy: FilePolicy, people: People
    ) -> None:
        self.store = store
        self.scanner = scanner
        self.policy = policy
        self.people = people

    async def add(self, sessions: Any, upload: Upload) -> dict[str, Any]:
        """Store and record one file; Refused (in Chinese) if it may not be kept."""
        threat = await self.scanner.threat(upload.data)
        if threat:
            raise Refused("infected", f"文件未通过病毒扫描（{threat}），已拒收。")
        accepted = inspect(upload.data, upload.name, self.policy)
        file_id = str(uuid.uuid4())
        key, thumb_key = keys(upload.case_no, file_id, accepted)
        await self.store.put(key, accepted.data, accepted.content_type)
        if accepted.thumb:
            await self.store.put(thumb_key, accepted.thumb, "image/jpeg")
        now = datetime.now(UTC)
        values = {
            "id": file_id,
            "case_no": upload.case_no,
            "name": accepted.name,
            "content_type": accepted.content_type,
            "size": accepted.size,
            "width": accepted.width,
            "height": accepted.height,
            "object_key": key,
            "thumb_key": thumb_key,
            "sha256": hashlib.sha256(accepted.data).hexdigest(),
            "origin": upload.origin if upload.origin in ORIGINS else "case",
            "uploaded_by": upload.actor,
            "uploaded_at": now,
        }
        entry = Entry(
            case_no=upload.case_no,
            event_id=f"attachment-{file_id}",
            event_type=ATTACHED,
            source="desk",
            kind="attached",
            at=now,
            actor=upload.actor,
            unit_id=upload.unit_id,
            note=accepted.name,
            data={
                "attachment_id": file_id,
                "name": accepted.name,
                "size": accepted.size,
                "content_type": accepted.content_type,
                "origin": values["origin"],
            },
        )
        async with sessions() as session, session.begin():
            await session.execute(insert(attachments).values(**values))
            await session.execute(insert(entries).values(**entry_row(entry, self.people)))
            await announce(
                session,
                {"case_no": upload.case_no, "unit_id": upload.unit_id, "event": "attachment"},
            )
        return {k: v for k, v in values.items() if not k.endswith("key")} | {
            "uploaded_at": now.isoformat(),
            "image": accepted.is_image,
        }

    async def read(self, row: Any, *, thumb: bool = False) -> tuple[bytes, str]:
        """The bytes of a stored file (or its thumbnail) and their type."""
        if thumb and row.thumb_key:
            return await self.store.get(row.thumb_key), "image/jpeg"
        return await self.store.get(row.object_key), row.content_type


async def of_case(session: Any, case_no: str) -> list[Any]:
    """A case's files, oldest first."""
    return list(
        (
            await session.execute(
                sa.select(attachments)
                .where(attachments.c.case_no == case_no)
                .order_by(attachments.c.uploaded_at, attachments.c.id)
            )
        ).all()
    )


async def one(session: Any, case_no: str, file_id: str) -> Any | None:
    """One file of a case, or None (an id of another case is None too)."""
    return (
        await session.execute(
            sa.select(attachments).where(
                attachments.c.case_no == case_no, attachments.c.id == file_id
            )
        )
    ).first()


async def has_photo(session: Any, case_no: str) -> bool:
    """Whether a photo of the work on the case is stored (办结 on some topics requires one):
    one from the case page or a phone, not the caller's photo the console attached."""
    found = await session.execute(
        sa.select(attachments.c.id)
        .where(
            attachments.c.case_no == case_no,
            attachments.c.content_type.in_(sorted(IMAGE_TYPES)),
            attachments.c.origin != "console",
        )
        .limit(1)
    )
    return found.first() is not None
