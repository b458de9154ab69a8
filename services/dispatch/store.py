"""Dispatch's tables and data functions: an assignment and its event commit together."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.tables import outbox_table, processed_events_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)

assignments = sa.Table(
    "assignments",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("grid_code", sa.String(64), nullable=True),
    sa.Column("topic", sa.String(32), nullable=False),
    sa.Column("difficulty", sa.String(16), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("unit_name", sa.String(128), nullable=False),
    sa.Column("co_unit_ids", JSONB, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("major", sa.Boolean, nullable=False),
    sa.Column("manual", sa.Boolean, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("reasons", JSONB, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_assignments_unit", "unit_id", "dispatched_at"),
)


async def add_assignment(session: AsyncSession, **values: Any) -> None:
    """Store a case's assignment (the caller's transaction also claims the event)."""
    await session.execute(sa.insert(assignments).values(**values))


async def get_assignment(session: AsyncSession, *, case_no: str) -> dict[str, Any] | None:
    """One case's assignment, or None."""
    row = (
        await session.execute(sa.select(assignments).where(assignments.c.case_no == case_no))
    ).first()
    return dict(row._mapping) if row else None


async def list_queue(
    session: AsyncSession,
    *,
    unit_id: str | None = None,
    manual: bool | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Assignments of one unit, or the manual-dispatch queue, oldest first."""
    stmt = sa.select(assignments).order_by(assignments.c.dispatched_at).limit(limit)
    if unit_id is not None:
        stmt = stmt.where(assignments.c.unit_id == unit_id)
    if manual is not None:
        stmt = stmt.where(assignments.c.manual == manual)
    return [dict(r._mapping) for r in await session.execute(stmt)]
