"""Kafka in and out: the idempotent producer and the consumer loop with a dead-letter topic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from google.protobuf.message import Message
from opentelemetry.trace import SpanKind
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential_jitter,
)

from services.common.events import Envelope, UnreadableEvent, decode
from services.common.failures import PERMANENT, UNKNOWN, PermanentError, kind_of, reason
from services.common.logging import case_context, get_logger
from services.common.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS,
    EVENT_HANDLING,
    EVENTS_CONSUMED,
)
from services.common.tracing import TRACEPARENT, case_span, context_from_headers, traceparent

log = get_logger(__name__)

CONSUMER = SpanKind.CONSUMER
Handler = Callable[[Envelope, Message], Awaitable[bool]]
"""Applies one event; returns False when the event had already been applied (a duplicate)."""


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also apply several events in one transaction.

    `apply_batch` applies the events in the order given (each case's in the order it was
    published) and returns, for each, whether it was new; all or none take effect. When it
    raises, nothing took effect and the consumer applies the same records one by one
    through `__call__`, which dead-letters a poison event and retries the infrastructure.
    """

    async def __call__(self, env: Envelope, payload: Message) -> bool: ...

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]: ...


class OneByOne(Exception):
    """Raised by `apply_batch`, before any effect, for a batch it leaves to be applied one
    record at a time (records it does not apply together, such as a bounce)."""


class PoisonEvent(PermanentError):
    """Raised by a handler for an event it can read but never apply; it is dead-lettered."""


def _worth_retrying(exc: BaseException) -> bool:
    # Cancellation (shutdown, a lost partition) is never a failure to retry.
    return isinstance(exc, Exception) and kind_of(exc) != PERMANENT


def dead_letter_topic(group: str) -> str:
    """The dead-letter topic of one consumer group."""
    return f"dlq.{group}"


def headers(env: Envelope) -> list[tuple[str, bytes]]:
    """Kafka headers that let tools route or inspect a record without decoding it.

    `traceparent` (W3C) carries the case's trace to the consumers (services/common/tracing).
    """
    return [
        ("ce_id", env.id.encode()),
        ("ce_type", env.type.encode()),
        (TRACEPARENT, traceparent(env.subject).encode()),
    ]


def idempotent_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer (acks=all, broker-side deduplication of retries), not started:
    `start()` may be called again on it after a failed attempt."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=15000,
    )


async def start_producer(
    bootstrap: str, *, client_id: str, timeout: float = 60.0
) -> AIOKafkaProducer:
    """An idempotent producer, started (for tools: waits up to `timeout` for the broker)."""
    deadline = time.monotonic() + timeout
    while True:
        producer = idempotent_producer(bootstrap, client_id=client_id)
        try:
            await producer.start()
            return producer
        except KafkaError as exc:
            await producer.stop()
            if time.monotonic() > deadline:
                raise
            log.info("kafka not ready", error=str(exc))
            await asyncio.sleep(1.0)


async def kafka_ping(producer: AIOKafkaProducer, topic: str) -> None:
    """Raise unless the broker answers a metadata request for topic within 2 s."""
    partitions = await asyncio.wait_for(producer.partitions_for(topic), timeout=2.0)
    if not partitions:
        raise RuntimeError(f"topic {topic} has no partitions")


@dataclass
class ConsumerConfig:
    """Where a consumer reads and how hard it retries."""

    bootstrap: str
    group: str
    topics: tuple[str, ...]
    max_attempts: int = 5  # for failures of unknown kind; transient ones retry until they pass
    retry_initial: float = 0.2  # seconds before the first retry, doubling (with jitter) to 10
    batch_size: int = 200
    # Records of different cases (keys) in flight at once; one case's records stay in order.
    concurrency: int = 16


class EventConsumer:
    """Reads envelopes, applies them through a handler, commits offsets after the effect.

    Unreadable records and poison events go to the group's dead-letter topic and the
    consumer carries on; infrastructure failures are retried without committing, so an
    acknowledged event is never skipped.
    """

    def __init__(self, config: ConsumerConfig, handler: Handler, producer: AIOKafkaProducer):
        self.config = config
        self.handler = handler
        self.producer = producer
        self.consumer: AIOKafkaConsumer | None = None
        self.assigned = asyncio.Event()
        self._lag: dict[TopicPartition, int] = {}
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        for topic in config.topics:
            # Zeros from the start: the first dead letter (or event) is a rise from zero,
            # and a group that has consumed nothing yet is seen doing so.
            DEAD_LETTERS.labels(topic, config.group)
            EVENTS_CONSUMED.labels(topic, config.group, "processed")
            EVENT_HANDLING.labels(topic, config.group)

    async def run(self) -> None:
        """Consume until cancelled."""
        self.consumer = AIOKafkaConsumer(
            *self.config.topics,
            bootstrap_servers=self.config.bootstrap,
            group_id=self.config.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=600000,
        )
        await self.consumer.start()
        try:
            while True:
                batch = await self.consumer.getmany(
                    timeout_ms=500, max_records=self.config.batch_size
                )
                if self.consumer.assignment():
                    self.assigned.set()
                # Partitions are applied side by side, and within one the records of different
                # cases too; a case's records (one key) are applied in order. Offsets are
                # committed once every record of the batch is done, so none is skipped.
                done = await asyncio.gather(
                    *(self._apply_partition(records) for records in batch.values())
                )
                positions = {tp: offset for tp, offset in zip(batch, done, strict=True)}
                if positions:
                    await self.consumer.commit(positions)
                self._update_lag(positions)
        finally:
            await self.consumer.stop()

    async def _apply_partition(self, records: list[ConsumerRecord]) -> int:
        """Apply one partition's records, each case's in order; the next offset to read."""
        todo = records
        if len(records) > 1 and isinstance(self.handler, BatchHandler):
            todo = await self._apply_batch(self.handler, records)
        lanes: dict[bytes | None, list[ConsumerRecord]] = {}
        for record in todo:
            # Keyless records share one lane: nothing says which of them may be reordered.
            lanes.setdefault(record.key, []).append(record)
        await asyncio.gather(*(self._apply_lane(lane) for lane in lanes.values()))
        return int(records[-1].offset) + 1

    async def _apply_batch(
        self, handler: BatchHandler, records: list[ConsumerRecord]
    ) -> list[ConsumerRecord]:
        """Apply a partition's records in one go (one transaction, in offset order); what is
        left to apply one by one: nothing, or (the batch failed, nothing applied) every
        readable record (the unreadable ones are dead-lettered here, once)."""
        group = self.config.group
        items: list[tuple[ConsumerRecord, Envelope, Message]] = []
        for record in records:
            try:
                env, payload = decode(record.value)
            except UnreadableEvent as exc:
                await self._dead_letter(record, str(exc))  # no effect: the others may go on
                continue
            items.append((record, env, payload))
        if not items:
            return []
        start = time.perf_counter()
        try:
            fresh = await handler.apply_batch([(env, payload) for _, env, payload in items])
        except OneByOne:
            return [record for record, _, _ in items]
        except Exception as exc:  # poison, or a failure: one by one sorts it out
            log.info("batch not applied, applying its records one by one", error=repr(exc))
            return [record for record, _, _ in items]
        each = (time.perf_counter() - start) / len(items)
        for (record, _, _), new in zip(items, fresh, strict=True):
            EVENT_HANDLING.labels(record.topic, group).observe(each)
            EVENTS_CONSUMED.labels(record.topic, group, "processed" if new else "duplicate").inc()
        return []

    async def _apply_lane(self, records: list[ConsumerRecord]) -> None:
        """Apply one case's records of a batch in order, holding one slot."""
        async with self._slots:
            for record in records:
                await self._handle(record)

    async def _handle(self, record: ConsumerRecord) -> None:
        group = self.config.group
        try:
            env, payload = decode(record.value)
        except UnreadableEvent as exc:
            await self._dead_letter(record, str(exc))
            return
        parent = context_from_headers(record.headers, env.subject)
        with (
            case_context(env.subject, event_id=env.id, event_type=env.type),
            case_span(f"consume {record.topic}", env.subject, parent=parent, kind=CONSUMER),
        ):
            start = time.perf_counter()
            try:
                async for attempt in self._retrying(record):
                    with attempt:
                        start = time.perf_counter()
                        fresh = await self.handler(env, payload)
            except Exception as exc:  # permanent, or unknown and tried max_attempts times
                log.warning("event not applied, dead-lettering", error=reason(exc))
                await self._dead_letter(record, reason(exc))
                return
            EVENT_HANDLING.labels(record.topic, group).observe(time.perf_counter() - start)
            outcome = "processed" if fresh else "duplicate"
            EVENTS_CONSUMED.labels(record.topic, group, outcome).inc()
            log.debug("event consumed", outcome=outcome)

    def _retrying(self, record: ConsumerRecord) -> AsyncRetrying:
        """Retries by kind of failure: transient ones until they pass (the infrastructure
        comes back; nothing is skipped), unknown ones `max_attempts` times, permanent never."""
        group, limit = self.config.group, self.config.max_attempts

        def give_up(state: RetryCallState) -> bool:
            failure = state.outcome.exception() if state.outcome else None
            return (
                failure is not None
                and kind_of(failure) == UNKNOWN
                and state.attempt_number >= limit
            )

        def retried(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            EVENTS_CONSUMED.labels(record.topic, group, "retried").inc()
            log.warning(
                "event handling failed, retrying",
                error=reason(failure) if failure else "",
                attempt=state.attempt_number,
            )

        return AsyncRetrying(
            retry=retry_if_exception(_worth_retrying),
            stop=give_up,
            wait=wait_exponential_jitter(
                multiplier=self.config.retry_initial, max=10.0, jitter=self.config.retry_initial
            ),
            before_sleep=retried,
            reraise=True,
        )

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        group = self.config.group
        log.warning(
            "record dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error,
        )
        await self.producer.send_and_wait(
            dead_letter_topic(group),
            value=record.value,
            key=record.key,
            headers=[
                ("dlq_topic", record.topic.encode()),
                ("dlq_partition", str(record.partition).encode()),
                ("dlq_offset", str(record.offset).encode()),
                ("dlq_error", error.encode()[:1000]),
            ],
        )
        DEAD_LETTERS.labels(record.topic, group).inc()
        EVENTS_CONSUMED.labels(record.topic, group, "dead_lettered").inc()

    def _update_lag(self, positions: dict[TopicPartition, int]) -> None:
        assert self.consumer is not None
        for tp, position in positions.items():
            high = self.consumer.highwater(tp)
            if high is not None:
                self._lag[tp] = max(high - position, 0)
        by_topic: dict[str, int] = {}
        for tp, lag in self._lag.items():
            by_topic[tp.topic] = by_topic.get(tp.topic, 0) + lag
        for topic, lag in by_topic.items():
            CONSUMER_LAG.labels(topic, self.config.group).set(lag)
