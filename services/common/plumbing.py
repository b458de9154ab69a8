"""The I/O a service's lifespan owns: engine, producer, outbox relay, consumers, probes.

Nothing here waits for a server: Kafka and the database connect in the background (the
database is migrated once it answers), and the relay, the consumers and every loop started
through `run` begin once both are there. Until then the readiness checks name what is down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from services.common.db import make_engine, make_sessionmaker, ping
from services.common.dependencies import Dependency, DependencyDown, all_up
from services.common.kafka import (
    ConsumerConfig,
    EventConsumer,
    Handler,
    idempotent_producer,
    kafka_ping,
)
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay
from services.common.runtime import cancel_all, supervise
from services.common.settings import CommonSettings
from services.common.web import ReadinessCheck

log = get_logger(__name__)
Migrate = Callable[[], None]
"""Brings the service's database up to its migrations' head (blocking; run in a thread)."""


@dataclass
class Plumbing:
    """Started in a lifespan, stopped when it ends; handlers get the parts they need."""

    common: CommonSettings
    producer: AIOKafkaProducer
    probe_topic: str
    kafka: Dependency = field(default_factory=lambda: Dependency("kafka"))
    database: Dependency | None = None
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker | None = None  # type: ignore[type-arg]
    relay: OutboxRelay | None = None
    consumers: list[EventConsumer] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Start-up work not done yet (it waits for the dependencies): readiness waits for it.
    pending: set[str] = field(default_factory=set)

    @classmethod
    async def start(
        cls,
        common: CommonSettings,
        *,
        client_id: str,
        probe_topic: str,
        database: str | None = None,
        outbox: sa.Table | None = None,
        migrate: Migrate | None = None,
    ) -> Plumbing:
        """Set up Kafka (and the database, with its outbox relay, if the service has one);
        both connect in the background, `migrate` runs once the database answers."""
        producer = idempotent_producer(common.kafka_bootstrap, client_id=client_id)
        plumbing = cls(common=common, producer=producer, probe_topic=probe_topic)
        plumbing._background("connect-kafka", plumbing.kafka.connect(producer.start))
        if database is not None:
            engine = make_engine(common.database_url(database))
            plumbing.engine, plumbing.sessions = engine, make_sessionmaker(engine)
            plumbing.database = Dependency("postgres")

            async def reach() -> None:
                await ping(engine)
                if migrate is not None:
                    await asyncio.to_thread(migrate)

            plumbing._background("connect-postgres", plumbing.database.connect(reach))
            if outbox is not None:
                plumbing.relay = OutboxRelay(plumbing.sessions, outbox, producer)
                plumbing.run("outbox-relay", plumbing.relay.run)
        return plumbing

    @property
    def dependencies(self) -> list[Dependency]:
        """What this plumbing connects to."""
        return [self.kafka] + ([self.database] if self.database is not None else [])

    def _background(self, name: str, work: Awaitable[object]) -> None:
        async def run() -> None:
            await work

        self.tasks.append(asyncio.create_task(run(), name=name))

    def run(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Keep a background loop running once Kafka and the database are there (restarted
        with backoff if it crashes)."""

        async def when_up() -> None:
            await all_up(self.dependencies)
            await supervise(name, loop)

        self.tasks.append(asyncio.create_task(when_up(), name=name))

    def once_up(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        """Start-up work on the database (seeding, loading): done once it is there (and
        migrated), retried until it succeeds; the service is not ready before."""
        self.pending.add(name)

        async def when_up() -> None:
            await all_up([self.database] if self.database is not None else [])
            await Dependency(name).connect(job)
            self.pending.discard(name)

        self._background(name, when_up())

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
        """Readiness checks of everything this plumbing connects to, and of the start-up."""

        async def kafka() -> None:
            self.kafka.require()
            await kafka_ping(self.producer, self.probe_topic)

        checks: dict[str, ReadinessCheck] = {"kafka": kafka}
        if self.engine is not None and self.database is not None:
            engine, database = self.engine, self.database

            async def postgres() -> None:
                database.require()
                await ping(engine)

            checks["postgres"] = postgres

        async def start_up() -> None:
            if self.pending:
                raise DependencyDown("start-up", ", ".join(sorted(self.pending)))

        checks["start-up"] = start_up
        return checks

    async def stop(self) -> None:
        """Stop loops first, then the connections they use."""
        await cancel_all(self.tasks)
        await self.producer.stop()
        if self.engine is not None:
            await self.engine.dispose()
