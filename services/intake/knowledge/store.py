"""The knowledge base's tables: entries, and the append-only history of every change."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access import Principal
from services.intake.knowledge.rank import Entry
from services.intake.store import metadata

SEED_FILE = Path(__file__).with_name("seed.yaml")

entries = sa.Table(
    "knowledge_entries",
    metadata,
    sa.Column("entry_id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("topic", sa.String(32), nullable=False),
    sa.Column("keywords", sa.String(500), nullable=False, server_default=""),
    sa.Column("source_unit_id", sa.String(64), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_knowledge_unit", "source_unit_id"),
    sa.Index("ix_knowledge_valid", "valid_from", "valid_until"),
)

# One row per version of an entry: who changed it, when, and the entry as it then was.
# Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE (migration intake_0005).
history = sa.Table(
    "knowledge_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("entry_id", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("by_username", sa.String(64), nullable=False),
    sa.Column("by_role", sa.String(32), nullable=False),
    sa.Column("by_unit", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("entry", JSONB, nullable=False),
    sa.UniqueConstraint("entry_id", "version", name="uq_knowledge_history_version"),
)
FIELDS = ("title", "body", "topic", "keywords", "source_unit_id", "valid_from", "valid_until")


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def _log(
    session: AsyncSession,
    *,
    entry_id: int,
    version: int,
    action: str,
    by: Principal | None,
    at: datetime,
    values: dict[str, Any],
) -> None:
    await session.execute(
        sa.insert(history).values(
            entry_id=entry_id,
            version=version,
            action=action,
            by_username=by.name if by else "seed",
            by_role=by.role if by else "",
            by_unit=by.unit_id if by else "",
            at=at,
            entry=_json(values),
        )
    )


async def create(
    session: AsyncSession, *, values: dict[str, Any], by: Principal | None, at: datetime
) -> int:
    """Add an entry and its first history row; the new entry's id."""
    row = {k: values.get(k) for k in FIELDS}
    row["keywords"] = row["keywords"] or ""
    entry_id = int(
        (
            await session.execute(
                sa.insert(entries)
                .values(**row, version=1, updated_by=by.name if by else "seed", updated_at=at)
                .returning(entries.c.entry_id)
            )
        ).scalar_one()
    )
    await _log(session, entry_id=entry_id, version=1, action="created", by=by, at=at, values=row)
    return entry_id


async def update(
    session: AsyncSession,
    *,
    entry_id: int,
    values: dict[str, Any],
    by: Principal,
    at: datetime,
) -> int:
    """Change an entry (locked by the caller) and log the new version; the version."""
    row = {k: values.get(k) for k in FIELDS}
    row["keywords"] = row["keywords"] or ""
    version = int(
        (
            await session.execute(
                sa.update(entries)
                .where(entries.c.entry_id == entry_id)
                .values(**row, version=entries.c.version + 1, updated_by=by.name, updated_at=at)
                .returning(entries.c.version)
            )
        ).scalar_one()
    )
    await _log(
        session, entry_id=entry_id, version=version, action="updated", by=by, at=at, values=row
    )
    return version


async def get(session: AsyncSession, entry_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """One entry as stored, or None."""
    query = sa.select(entries).where(entries.c.entry_id == entry_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return dict(row._mapping) if row else None


async def changes(session: AsyncSession, entry_id: int) -> list[dict[str, Any]]:
    """The history of an entry, oldest first."""
    rows = await session.execute(
        sa.select(history).where(history.c.entry_id == entry_id).order_by(history.c.version)
    )
    return [dict(r._mapping) for r in rows]


async def listing(
    session: AsyncSession, *, unit_id: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Entries (of one source unit, if given), newest change first."""
    query = sa.select(entries).order_by(entries.c.updated_at.desc()).limit(limit)
    if unit_id:
        query = query.where(entries.c.source_unit_id == unit_id)
    return [dict(r._mapping) for r in await session.execute(query)]


async def valid_entries(session: AsyncSession, day: date) -> list[Entry]:
    """Entries in force on the day, as ranking reads them."""
    rows = await session.execute(
        sa.select(entries).where(
            entries.c.valid_from <= day,
            sa.or_(entries.c.valid_until.is_(None), entries.c.valid_until >= day),
        )
    )
    return [entry_of(dict(r._mapping)) for r in rows]


async def fingerprint(session: AsyncSession) -> tuple[int, str]:
    """(count, newest change): changes when any entry is added or changed."""
    count, newest = (
        await session.execute(sa.select(sa.func.count(), sa.func.max(entries.c.updated_at)))
    ).one()
    return int(count), newest.isoformat() if newest else ""


def entry_of(row: dict[str, Any]) -> Entry:
    """The ranking view of a stored entry."""
    return Entry(
        entry_id=row["entry_id"],
        title=row["title"],
        body=row["body"],
        topic=row["topic"],
        keywords=row.get("keywords") or "",
        source_unit_id=row["source_unit_id"],
        valid_from=row.get("valid_from"),
        valid_until=row.get("valid_until"),
    )


def seed_entries(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    """The shipped standard answers as entry values."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        {
            "title": e["title"],
            "body": " ".join(str(e["body"]).split()),
            "topic": e["topic"],
            "keywords": e.get("keywords", ""),
            "source_unit_id": e["unit"],
            "valid_from": e["valid_from"],
            "valid_until": e.get("valid_until"),
        }
        for e in data["entries"]
    ]


async def seed(session: AsyncSession, *, at: datetime) -> int:
    """Fill an empty knowledge base with the shipped answers; how many were added."""
    await session.execute(sa.text("LOCK TABLE knowledge_entries IN SHARE ROW EXCLUSIVE MODE"))
    if await session.scalar(sa.select(sa.func.count()).select_from(entries)):
        return 0
    added = 0
    for values in seed_entries():
        await create(session, values=values, by=None, at=at)
        added += 1
    return added


def seed_as_entries() -> list[Entry]:
    """The shipped answers as ranking entries (numbered in file order), for benchmarks."""
    return [entry_of({"entry_id": i, **values}) for i, values in enumerate(seed_entries(), start=1)]
