"""The outbox relay on a real PostgreSQL (a throwaway database): rows go to Kafka in the order
they were stored and are marked published in the statement that takes them; when Kafka does
not acknowledge, the mark rolls back and the same rows go out on the next look."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from aiokafka.errors import KafkaConnectionError

from services.common import events
from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.outbox import OutboxRelay, enqueue_many
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.dispatch import store
from tests.support import ROOT, StackAddresses

VERSIONS = Path(ROOT) / "services" / "dispatch" / "migrations" / "versions"


@dataclass
class Producer:
    """Acknowledges every send, or (failing) none."""

    failing: bool = False
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    async def send(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failing:
            future.set_exception(KafkaConnectionError("broker unreachable"))
        else:
            self.sent.append((topic, key))
            future.set_result(None)
        return future


@pytest.fixture
async def sessions(stack: StackAddresses) -> AsyncIterator[Any]:
    name = f"minhu_outbox_it_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(stack.dsn("minhu_dispatch"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://minhu:{stack.pg_password}@{stack.pg_host}:{stack.pg_port}/{name}"
    await asyncio.to_thread(migrate, url, VERSIONS, store.metadata)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def unpublished(sessions: Any) -> int:
    async with sessions() as session:
        t = store.outbox
        stmt = sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None))
        return int(await session.scalar(stmt) or 0)


async def test_rows_go_out_in_order_and_only_acknowledged_ones_count_as_published(
    sessions: Any,
) -> None:
    case_nos = [f"2996{n:010d}" for n in range(5)]
    rows = []
    for case_no in case_nos:
        payload = case_pb2.CaseClosed(case_no=case_no)
        env = events.envelope(events.CASE_CLOSED, payload, subject=case_no, source="minhu/test")
        rows.append((events.CASE_CLOSED, env))
    async with sessions() as session, session.begin():
        assert await enqueue_many(session, store.outbox, rows) == 5

    down = Producer(failing=True)
    with pytest.raises(KafkaConnectionError):
        await OutboxRelay(sessions, store.outbox, down, batch_size=3).relay_once()  # type: ignore[arg-type]
    assert await unpublished(sessions) == 5

    up = Producer()
    relay = OutboxRelay(sessions, store.outbox, up, batch_size=3)  # type: ignore[arg-type]
    assert await relay.relay_once() == 3
    assert await unpublished(sessions) == 2
    assert await relay.relay_once() == 2
    assert await relay.relay_once() == 0
    assert [key.decode() for _, key in up.sent] == case_nos
    assert {topic for topic, _ in up.sent} == {events.Topic.CLOSED}
