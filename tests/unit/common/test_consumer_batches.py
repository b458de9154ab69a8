"""A handler that applies batches gets a partition's records at once, in offset order; when
the batch fails, nothing of it counts and the records go one by one, the poison one to the
dead-letter topic and an unreadable one there only once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from services.common.events import Envelope
from services.common.kafka import (
    BatchHandler,
    ConsumerConfig,
    EventConsumer,
    OneByOne,
    PoisonEvent,
)
from tests.unit.common.test_consumer_lanes import Record, record


@dataclass
class Producer:
    """Keeps what is dead-lettered."""

    sent: list[tuple[str, bytes | None]] = field(default_factory=list)

    async def send_and_wait(self, topic: str, *, value: Any, key: Any, headers: Any) -> None:
        self.sent.append((topic, key))


@dataclass
class Batches:
    """Applies batches; refuses events whose id is in `poison`, then nothing of the batch."""

    poison: frozenset[str] = frozenset()
    alone: frozenset[str] = frozenset()  # events the batch leaves to go one by one
    batches: list[list[str]] = field(default_factory=list)
    singles: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        if env.id in self.poison:
            raise PoisonEvent("cannot apply")
        self.singles.append(env.id)
        new = env.id not in self.seen
        self.seen.add(env.id)
        return new

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]:
        ids = [env.id for env, _ in items]
        if self.poison & set(ids):
            raise PoisonEvent("cannot apply")
        if self.alone & set(ids):
            raise OneByOne("applied alone")
        self.batches.append(ids)
        out = []
        for i in ids:
            out.append(i not in self.seen)
            self.seen.add(i)
        return out


def consumer(handler: Any, producer: Producer) -> EventConsumer:
    config = ConsumerConfig("unused:9092", "test", ("case.closed",), concurrency=4)
    return EventConsumer(config, handler, producer=producer)  # type: ignore[arg-type]


def test_a_batch_handler_is_recognised() -> None:
    assert isinstance(Batches(), BatchHandler)

    async def plain(env: Envelope, payload: Message) -> bool:
        return True

    assert not isinstance(plain, BatchHandler)


async def test_a_partition_is_applied_as_one_batch_in_offset_order() -> None:
    handler, producer = Batches(), Producer()
    batch = [record(10, "A", "a1"), record(11, "B", "b1"), record(12, "A", "a2")]
    assert await consumer(handler, producer)._apply_partition(batch) == 13  # type: ignore[arg-type]
    assert handler.batches == [["a1", "b1", "a2"]]
    assert handler.singles == []
    assert producer.sent == []


async def test_a_failed_batch_goes_one_by_one_and_only_the_poison_is_dead_lettered() -> None:
    handler, producer = Batches(poison=frozenset({"b1"})), Producer()
    unreadable = Record("case.closed", 0, 13, b"C", b"\xff not an envelope")
    batch = [record(10, "A", "a1"), record(11, "B", "b1"), record(12, "A", "a2"), unreadable]
    assert await consumer(handler, producer)._apply_partition(batch) == 14  # type: ignore[arg-type]
    assert handler.batches == []  # nothing of the failed batch took effect
    assert handler.singles == ["a1", "a2"]  # case A in order, each once
    assert sorted(producer.sent) == [("dlq.test", b"B"), ("dlq.test", b"C")]


async def test_a_batch_left_to_go_one_by_one_is_applied_in_order_and_nothing_dead_lettered() -> (
    None
):
    handler, producer = Batches(alone=frozenset({"b1"})), Producer()
    batch = [record(10, "A", "a1"), record(11, "B", "b1"), record(12, "A", "a2")]
    assert await consumer(handler, producer)._apply_partition(batch) == 13  # type: ignore[arg-type]
    assert handler.batches == []
    assert sorted(handler.singles) == ["a1", "a2", "b1"]
    assert handler.singles.index("a1") < handler.singles.index("a2")
    assert producer.sent == []
