"""Dead letters on the real stack: a message the database refuses is dead-lettered at once and
its partition moves on; `make dlq` lists letters and replays them, and a letter replayed twice
is applied once."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from services.common import deadletters, events
from services.common.events import Topic
from services.common.kafka import dead_letter_topic, headers
from services.common.proto_gen.minhu.events.v1 import case_pb2
from tests.support import (
    AS_INTAKE,
    ROOT,
    StackAddresses,
    case_events,
    eventually,
    get_json,
    new_case,
    read_topic,
)


def fresh_case_no() -> str:
    return "2023" + "".join(random.choices("0123456789", k=10))


async def a_real_receipt(stack: StackAddresses, http: httpx.AsyncClient) -> case_pb2.CaseReceived:
    """The case.received of a case filed through intake, to copy realistic events from."""
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]

    async def published() -> case_pb2.CaseReceived | None:
        for item in await read_topic(stack.kafka, Topic.RECEIVED, idle_ms=500):
            # Records other tests left unreadable on purpose come back undecoded: skipped.
            if isinstance(item, tuple) and item[0].subject == case_no:
                return item[1]  # type: ignore[no-any-return]
        return None

    return await eventually(published)


def copy_of(original: case_pb2.CaseReceived, **changes: Any) -> events.Envelope:
    """The same call as another case: its own number and event id."""
    payload = case_pb2.CaseReceived()
    payload.CopyFrom(original)
    payload.case_no = fresh_case_no()
    for name, value in changes.items():
        setattr(payload, name, value)
    return events.envelope(
        events.CASE_RECEIVED, payload, subject=payload.case_no, source="minhu/intake"
    )


async def send(stack: StackAddresses, topic: str, env: events.Envelope, **kw: Any) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka, enable_idempotence=True)
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            topic, value=env.SerializeToString(), key=env.subject.encode(), **kw
        )
    finally:
        await producer.stop()
    return int(meta.offset)


async def letters_of(stack: StackAddresses, event_id: str) -> list[deadletters.DeadLetter]:
    found = await deadletters.read(stack.kafka, ("intake", "dispatch", "sla", "notify", "desk"))
    return [x for x in found if x.event_id == event_id]


def dlq(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "deploy/dlq.py", *args],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


async def test_a_record_the_database_refuses_is_dead_lettered_and_the_partition_moves_on(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    original = await a_real_receipt(stack, http)
    poison = copy_of(original, content="水管漏水\x00\x00")  # PostgreSQL stores no NUL
    after = copy_of(original)
    await send(stack, Topic.RECEIVED, poison, partition=0)
    await send(stack, Topic.RECEIVED, after, partition=0)

    async def refused() -> list[deadletters.DeadLetter]:
        return await letters_of(stack, poison.id)

    found = await eventually(refused, timeout=60)
    assert {x.kind for x in found} == {"permanent"}
    assert all("[22" in x.reason for x in found), [x.reason for x in found]  # a data error
    assert all(x.source_topic == Topic.RECEIVED and x.source_partition == 0 for x in found)
    # The record behind it on the same partition was applied: the case was dispatched.
    await eventually(
        lambda: get_json(http, f"{stack.dispatch}/v1/cases/{after.subject}", AS_INTAKE),
        timeout=60,
    )
    listing = dlq("--reason", "permanent")
    assert all(x.id in listing for x in found)


async def test_a_dead_letter_replayed_twice_is_applied_once(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    original = await a_real_receipt(stack, http)
    lost = copy_of(original)
    # As dispatch would have dead-lettered it during an incident: never applied anywhere.
    offset = await send(
        stack,
        dead_letter_topic("dispatch"),
        lost,
        headers=[
            *headers(lost),
            ("dlq_topic", Topic.RECEIVED.encode()),
            ("dlq_partition", b"3"),
            ("dlq_offset", b"0"),
            ("dlq_error", b"unknown: RuntimeError: the classifier was not loaded"),
        ],
    )
    letter = f"dispatch:{offset}"
    assert letter in dlq()
    for _ in range(2):
        assert "replayed 1 dead letter(s)" in dlq("--replay", letter)
    case_no = lost.subject
    await eventually(
        lambda: get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE),
        timeout=60,
    )
    await asyncio.sleep(3.0)  # let the second replay reach every consumer too
    dispatched = await case_events(stack.kafka, Topic.DISPATCHED, case_no)
    assert len(dispatched) == 1
    notes = await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
    receipts = [n for n in notes or [] if n["template"] == "citizen_received"]
    assert len(receipts) == 1
