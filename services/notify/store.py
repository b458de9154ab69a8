"""Notify's tables and data functions: the delivery log and its outbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.tables import outbox_table, processed_events_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_no", sa.String(20), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("template", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_notifications_once"),
    sa.Index("ix_notifications_case", "case_no", "sent_at"),
)


async def record(session: AsyncSession, **values: Any) -> bool:
    """Log one delivery; False if this event already reached this recipient on this channel."""
    stmt = (
        insert(notifications)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_notifications_once")
        .returning(notifications.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def for_case(session: AsyncSession, *, case_no: str) -> list[dict[str, Any]]:
    """A case's deliveries, oldest first."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.case_no == case_no)
        .order_by(notifications.c.sent_at, notifications.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def for_recipient(
    session: AsyncSession, *, recipient: str, limit: int = 100
) -> list[dict[str, Any]]:
    """A unit's in-app inbox, newest first."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.recipient == recipient)
        .order_by(notifications.c.sent_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]
