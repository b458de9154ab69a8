"""The consumer applies different cases side by side and each case's records in order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from google.protobuf.message import Message

from services.common import events
from services.common.events import Envelope
from services.common.kafka import ConsumerConfig, EventConsumer
from services.common.proto_gen.minhu.events.v1 import case_pb2


@dataclass
class Record:
    """The fields of a Kafka record the consumer reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def record(offset: int, case_no: str, event_id: str) -> Record:
    env = events.envelope(
        events.CASE_CLOSED,
        case_pb2.CaseClosed(case_no=case_no),
        subject=case_no,
        source="minhu/test",
        event_id=event_id,
    )
    return Record("case.closed", 0, offset, case_no.encode(), env.SerializeToString())


class Handler:
    """Holds case A's first event until case B's event has been applied."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.b_done = asyncio.Event()

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        if env.id == "a1":
            await asyncio.wait_for(self.b_done.wait(), timeout=5)
        self.applied.append(env.id)
        if env.id == "b1":
            self.b_done.set()
        return True


def consumer(handler: Handler, concurrency: int) -> EventConsumer:
    config = ConsumerConfig("unused:9092", "test", ("case.closed",), concurrency=concurrency)
    return EventConsumer(config, handler, producer=None)  # type: ignore[arg-type]


async def test_another_case_goes_ahead_while_one_waits_and_each_keeps_its_order() -> None:
    handler = Handler()
    batch = [record(10, "A", "a1"), record(11, "B", "b1"), record(12, "A", "a2")]
    next_offset = await consumer(handler, concurrency=4)._apply_partition(batch)  # type: ignore[arg-type]
    assert next_offset == 13
    assert handler.applied == ["b1", "a1", "a2"]


async def test_one_slot_applies_the_partition_in_order() -> None:
    applied: list[str] = []

    async def handler(env: Envelope, payload: Message) -> bool:
        applied.append(env.id)
        return True

    batch = [record(i, "AB"[i % 2], f"e{i}") for i in range(6)]
    c = EventConsumer(
        ConsumerConfig("unused:9092", "test", ("case.closed",), concurrency=1),
        handler,
        producer=None,  # type: ignore[arg-type]
    )
    assert await c._apply_partition(batch) == 6  # type: ignore[arg-type]
    # With one slot a whole case's lane runs before the next; each case stays in order.
    assert [e for e in applied if int(e[1:]) % 2 == 0] == ["e0", "e2", "e4"]
    assert [e for e in applied if int(e[1:]) % 2 == 1] == ["e1", "e3", "e5"]
