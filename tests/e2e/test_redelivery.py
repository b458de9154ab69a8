"""Consumers are idempotent by event id and dead-letter what they cannot read."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from services.common.events import Topic
from services.common.kafka import dead_letter_topic
from tests.support import (
    AS_INTAKE,
    StackAddresses,
    case_events,
    eventually,
    get_json,
    new_case,
    read_topic,
)


async def _send(bootstrap: str, topic: str, value: bytes, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def test_redelivered_event_changes_nothing(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    await eventually(
        lambda: get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
    )
    original = next(env for env, _ in await case_events(stack.kafka, Topic.RECEIVED, case_no))
    # The same envelope again, as a crashed relay would republish it.
    await _send(stack.kafka, Topic.RECEIVED, original.SerializeToString(), case_no.encode())
    await asyncio.sleep(2.0)
    dispatched = await case_events(stack.kafka, Topic.DISPATCHED, case_no)
    assert len(dispatched) == 1
    notes = await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
    # One handler notice and one citizen receipt SMS, each once.
    assert notes is not None
    assert sorted(n["channel"] for n in notes) == ["in_app", "sms"]


async def test_unreadable_record_is_dead_lettered_and_consumer_carries_on(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    poison = b"\xffnot an envelope"
    await _send(stack.kafka, Topic.RECEIVED, poison, b"poison")
    dlq = dead_letter_topic("dispatch")

    async def dead_lettered() -> bool:
        records = await read_topic(stack.kafka, dlq, idle_ms=500)
        return any(getattr(r, "value", None) == poison for r in records)

    await eventually(dead_lettered, timeout=15, interval=0.5)
    # Still consuming: a new case after the poison record is dispatched.
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    await eventually(lambda: get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE))
    conn = await asyncpg.connect(stack.dsn("minhu_dispatch"))
    try:
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await conn.close()
    assert pending == 0
