"""What the consumers dead-lettered, and replaying it through the same consumers.

A dead letter is the original record, published to `dlq.<group>` with the topic, partition
and offset it came from and the reason (services/common/failures.py). Replaying publishes
the original record again to the topic it came from, keyed as before: every consumer of that
topic is idempotent by event id, so a letter replayed twice is applied once, and the
consumers that had applied it see a duplicate. Unreadable records are listed but never
replayed: the same bytes would only be dead-lettered again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.common.events import UnreadableEvent, decode
from services.common.kafka import dead_letter_topic, headers

REPLAYED = "dlq_replayed"  # header on a replayed record: the id of the letter it came from


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered record and where it came from."""

    group: str
    offset: int
    source_topic: str
    source_partition: int
    source_offset: int
    reason: str
    key: bytes | None
    value: bytes
    event_id: str = ""
    event_type: str = ""
    case_no: str = ""

    @property
    def id(self) -> str:
        """`<group>:<offset>`: the letter's place in its dead-letter topic (one partition)."""
        return f"{self.group}:{self.offset}"

    @property
    def kind(self) -> str:
        """transient, permanent or unknown; `unreadable` for a record that is no event."""
        head = self.reason.split(":", 1)[0]
        return head if head in ("transient", "permanent", "unknown") else "unreadable"

    @property
    def replayable(self) -> bool:
        return bool(self.event_id)


def letter(
    group: str, offset: int, key: bytes | None, value: bytes, hdrs: Iterable[tuple[str, bytes]]
) -> DeadLetter:
    """A dead letter from its record's parts (headers as Kafka gives them)."""
    h = {k: v.decode(errors="replace") for k, v in hdrs}
    try:
        env, _ = decode(value)
        event_id, event_type, case_no = env.id, env.type, env.subject
    except UnreadableEvent:
        event_id = event_type = case_no = ""
    return DeadLetter(
        group=group,
        offset=offset,
        source_topic=h.get("dlq_topic", ""),
        source_partition=int(h.get("dlq_partition") or 0),
        source_offset=int(h.get("dlq_offset") or 0),
        reason=h.get("dlq_error", ""),
        key=key,
        value=value,
        event_id=event_id,
        event_type=event_type,
        case_no=case_no,
    )


async def read(
    bootstrap: str, groups: Iterable[str], *, patience: float = 30.0
) -> list[DeadLetter]:
    """Every letter in the groups' dead-letter topics, oldest first (read, never consumed)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        known = await consumer.topics()
        group_of = {dead_letter_topic(g): g for g in groups if dead_letter_topic(g) in known}
        if not group_of:
            return []
        consumer.assign([TopicPartition(t, 0) for t in group_of])
        await consumer.end_offsets(consumer.assignment())  # learns every partition too
        parts = [
            TopicPartition(t, p) for t in group_of for p in consumer.partitions_for_topic(t) or {0}
        ]
        consumer.assign(parts)
        starts = await consumer.beginning_offsets(parts)
        ends = await consumer.end_offsets(parts)
        todo = {tp for tp in parts if ends[tp] > starts[tp]}
        for tp in todo:
            consumer.seek(tp, starts[tp])
        out: list[DeadLetter] = []
        deadline = time.monotonic() + patience
        while todo:
            if time.monotonic() > deadline:
                raise TimeoutError(f"dead letters not read to their end within {patience:.0f}s")
            batch = await consumer.getmany(*todo, timeout_ms=1000)
            for tp, records in batch.items():
                out += [
                    letter(group_of[tp.topic], r.offset, r.key, r.value, r.headers)
                    for r in records
                    if r.offset < ends[tp]
                ]
            todo = {tp for tp in todo if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()
    return sorted(out, key=lambda x: (x.group, x.offset))


_ID = re.compile(r"^[a-z]+:\d+$")


def choose(
    letters: list[DeadLetter], *, ids: Iterable[str] = (), reason: str = "", everything: bool
) -> list[DeadLetter]:
    """The letters asked for: by id, by a word of their reason (or kind), or all."""
    wanted = set(ids)
    bad = [i for i in wanted if not _ID.match(i)]
    if bad:
        raise ValueError(f"not a dead letter id (group:offset): {', '.join(sorted(bad))}")
    picked = [
        x
        for x in letters
        if everything
        or x.id in wanted
        or (reason and (reason.lower() in x.reason.lower() or reason == x.kind))
    ]
    missing = wanted - {x.id for x in letters}
    if missing:
        raise ValueError(f"no such dead letter: {', '.join(sorted(missing))}")
    return picked


async def replay(producer: AIOKafkaProducer, letters: Iterable[DeadLetter]) -> list[DeadLetter]:
    """Publish each replayable letter again to its topic; the ones sent."""
    sent = []
    for x in letters:
        if not x.replayable or not x.source_topic:
            continue
        env, _ = decode(x.value)
        await producer.send_and_wait(
            x.source_topic,
            value=x.value,
            key=x.key,
            headers=[*headers(env), (REPLAYED, x.id.encode())],
        )
        sent.append(x)
    return sent
