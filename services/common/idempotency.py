"""Consumer idempotency: claim an event id inside the transaction that applies its effect."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bulk import insert_rows


async def claim(session: AsyncSession, table: sa.Table, *, consumer: str, event_id: str) -> bool:
    """True the first time (consumer, event_id) is seen; False for a redelivered event.

    Must run in the same transaction as the effect: if that transaction rolls back, the
    claim goes with it and the redelivered event is processed again.
    """
    stmt = (
        insert(table)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(table.c.event_id)
    )
    result = await session.execute(stmt)
    return result.first() is not None


async def claim_many(
    session: AsyncSession, table: sa.Table, *, consumer: str, event_ids: list[str]
) -> set[str]:
    """claim for several events in one statement: the ids seen for the first time."""
    if not event_ids:
        return set()
    rows = [{"consumer": consumer, "event_id": e} for e in dict.fromkeys(event_ids)]
    stmt = insert_rows(table, rows).on_conflict_do_nothing().returning(table.c.event_id)
    return {row.event_id for row in await session.execute(stmt)}
