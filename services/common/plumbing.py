"""The I/O a service's lifespan owns: engine, producer, outbox relay, consumers, probes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.common.db import make_engine, make_sessionmaker, ping
from services.common.kafka import (
    ConsumerConfig,
    EventConsumer,
    Handler,
    kafka_ping,
    start_producer,
)
from services.common.outbox import OutboxRelay
from services.common.runtime import cancel_all, supervise
from services.common.settings import CommonSettings
from services.common.web import ReadinessCheck


@dataclass
class Plumbing:
    """Started in a lifespan, stopped when it ends; handlers get the parts they need."""

    common: CommonSettings
    producer: AIOKafkaProducer
    probe_topic: str
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker | None = None  # type: ignore[type-arg]
    relay: OutboxRelay | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(
        cls,
        common: CommonSettings,
        *,
        client_id: str,
        probe_topic: str,
        database: str | None = None,
        outbox: sa.Table | None = None,
    ) -> Plumbing:
        """Connect to Kafka (and the database, with its outbox relay, if the service has one)."""
        producer = await start_producer(common.kafka_bootstrap, client_id=client_id)
        plumbing = cls(common=common, producer=producer, probe_topic=probe_topic)
        if database is not None:
            plumbing.engine = make_engine(common.database_url(database))
            plumbing.sessions = make_sessionmaker(plumbing.engine)
            if outbox is not None:
                plumbing.relay = OutboxRelay(plumbing.sessions, outbox, producer)
                plumbing.run("outbox-relay", plumbing.relay.run)
        return plumbing

    def run(self, name: str, loop: object) -> None:
        """Keep a background loop running (restarted with backoff if it crashes)."""
        self.tasks.append(asyncio.create_task(supervise(name, loop), name=name))  # type: ignore[arg-type]

    def consume(self, group: str, topics: tuple[str, ...], handler: Handler) -> EventConsumer:
        """Start a consumer group on topics; records are applied through handler."""
        consumer = EventConsumer(
            ConsumerConfig(
                bootstrap=self.common.kafka_bootstrap,
                group=group,
                topics=topics,
                concurrency=self.common.consumer_concurrency,
            ),
            handler,
            self.producer,
        )
        self.consumers.append(consumer)
        self.run(f"consumer-{group}", consumer.run)
        return consumer

    def checks(self) -> dict[str, ReadinessCheck]:
        """Readiness checks of everything this plumbing connects to."""
        checks: dict[str, ReadinessCheck] = {
            "kafka": lambda: kafka_ping(self.producer, self.probe_topic)
        }
        if self.engine is not None:
            engine = self.engine
            checks["postgres"] = lambda: ping(engine)
        return checks

    async def stop(self) -> None:
        """Stop loops first, then the connections they use."""
        await cancel_all(self.tasks)
        await self.producer.stop()
        if self.engine is not None:
            await self.engine.dispose()
