"""Transactional outbox: events stored with the state change, relayed to Kafka afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.dml import ReturningInsert
from tenacity import AsyncRetrying, RetryCallState, wait_exponential_jitter

from services.common.bulk import insert_rows
from services.common.events import Envelope, EventKind
from services.common.failures import reason
from services.common.kafka import headers
from services.common.logging import get_logger
from services.common.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_RELAY_DELAY

log = get_logger(__name__)


def _relay_failed(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    log.warning(
        "outbox relay failed, retrying",
        error=reason(failure) if failure else "",
        attempt=state.attempt_number,
    )


async def enqueue(session: AsyncSession, table: sa.Table, kind: EventKind, env: Envelope) -> bool:
    """Store an event in the caller's transaction; False if that event id is already stored."""
    stmt = (
        insert(table)
        .values(
            event_id=env.id,
            topic=kind.topic,
            key=env.subject,
            payload=env.SerializeToString(deterministic=True),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.seq)
    )
    return (await session.execute(stmt)).first() is not None


async def enqueue_many(
    session: AsyncSession, table: sa.Table, events: list[tuple[EventKind, Envelope]]
) -> int:
    """Store several events in one statement of the caller's transaction, in their order;
    how many were new (an event id already stored is skipped)."""
    if not events:
        return 0
    return len((await session.execute(rows_of(table, events))).all())


def rows_of(
    table: sa.Table, events: list[tuple[EventKind, Envelope]]
) -> ReturningInsert[tuple[int]]:
    """The statement enqueue_many runs, for a caller that adds to it (a CTE writing the
    state change the events announce, so both go in one round trip); returns the new
    rows' seq."""
    rows = [
        {
            "event_id": env.id,
            "topic": kind.topic,
            "key": env.subject,
            "payload": env.SerializeToString(deterministic=True),
        }
        for kind, env in events
    ]
    return (
        insert_rows(table, rows)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(table.c.seq)
    )


class OutboxRelay:
    """Publishes unpublished outbox rows in order with the idempotent producer.

    A row is marked published only after Kafka acknowledged it; a crash in between
    republishes the same event id, which consumers deduplicate.
    """

    def __init__(
        self,
        sessions: async_sessionmaker,  # type: ignore[type-arg]
        table: sa.Table,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        # Every writer wakes the relay after its commit; the idle look is only the net for
        # rows another process wrote, and each look is a transaction: once a second.
        idle_interval: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.producer = producer
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self._wake = asyncio.Event()
        self._last_backlog_check = 0.0

    def wake(self) -> None:
        """Ask the relay to look now (called after a commit that wrote outbox rows)."""
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled."""
        while True:
            # Whatever fails, the rows stay in the outbox: retry (the broker or the database
            # comes back; anything else shows as a growing backlog and its alert).
            async for attempt in AsyncRetrying(
                wait=wait_exponential_jitter(multiplier=0.5, max=5.0, jitter=0.5),
                before_sleep=_relay_failed,
                reraise=True,
            ):
                with attempt:
                    sent = await self.relay_once()
            await self._report_backlog()
            if sent < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_interval)
                self._wake.clear()

    async def relay_once(self) -> int:
        """Publish one batch; returns how many rows it published.

        The rows are marked published and read back in one statement, and the mark commits
        only once Kafka acknowledged every row: a failure or crash before that rolls it back
        and the rows go out again (consumers deduplicate by event id).
        """
        t = self.table
        now = datetime.now(UTC)
        due = (
            sa.select(t.c.seq)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.seq)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        mark = (
            sa.update(t)
            .where(t.c.seq.in_(due))
            .values(published_at=now)
            .returning(t.c.seq, t.c.topic, t.c.key, t.c.payload, t.c.created_at, t.c.event_id)
        )
        async with self.sessions() as session, session.begin():
            # RETURNING gives no order: publish in the order the rows were stored.
            rows = sorted((await session.execute(mark)).all(), key=lambda r: r.seq)
            if not rows:
                return 0
            futures = []
            for row in rows:
                env = Envelope()
                env.ParseFromString(row.payload)
                futures.append(
                    await self.producer.send(
                        row.topic, value=row.payload, key=row.key.encode(), headers=headers(env)
                    )
                )
            await asyncio.gather(*futures)
        acked = datetime.now(UTC)
        for row in rows:
            EVENTS_PUBLISHED.labels(row.topic).inc()
            OUTBOX_RELAY_DELAY.observe(max((acked - row.created_at).total_seconds(), 0.0))
        return len(rows)

    async def _report_backlog(self) -> None:
        if time.monotonic() - self._last_backlog_check < 5.0:
            return
        self._last_backlog_check = time.monotonic()
        async with self.sessions() as session:
            backlog = await session.scalar(
                sa.select(sa.func.count())
                .select_from(self.table)
                .where(self.table.c.published_at.is_(None))
            )
        OUTBOX_BACKLOG.set(backlog or 0)
