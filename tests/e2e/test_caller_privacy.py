"""Callers' personal data on the real stack: the number and name are nowhere plain in intake's,
notify's or dispatch's database (outboxes included), in the Kafka records about the case or
in the services' logs; repeat calls still link; the receipt SMS still reaches the gateway;
a number's sixth citizen SMS within the hour is suppressed, not sent."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from services.common.events import Topic, decode
from services.common.pii import masked
from services.notify.domain.caps import SUPPRESSED
from tests.support import (
    AS_INTAKE,
    PROFILE,
    ROOT,
    StackAddresses,
    eventually,
    get_json,
    new_case,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")
NAME = "欧阳翠花"
LOGS = Path(ROOT) / "var" / PROFILE / "log"
URGENT = {"urgent": True, "urgent_reason": "夜间安全隐患"}  # texted now, whatever the hour


def fresh_phone() -> str:
    return f"136{secrets.randbelow(10**8):08d}"


async def _texts(http: httpx.AsyncClient, phone: str, count: int) -> list[dict[str, Any]]:
    async def got() -> list[dict[str, Any]] | None:
        texts = await get_json(http, f"{SMSGW}/v1/messages?to={phone}") or []
        return texts if len(texts) >= count else None

    return await eventually(got, timeout=20, interval=0.3)


async def _database_text(stack: StackAddresses, database: str) -> str:
    """Every row of every table of a database, as text (bytea columns as their bytes)."""
    conn = await asyncpg.connect(stack.dsn(database))
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        parts = []
        for t in tables:
            name = t["table_name"]
            parts.append(str(await conn.fetch(f'SELECT t::text AS row FROM "{name}" t')))
            if name == "outbox":
                payloads = await conn.fetch("SELECT payload FROM outbox")
                parts += [bytes(p["payload"]).decode("utf-8", "replace") for p in payloads]
        return "\n".join(parts)
    finally:
        await conn.close()


async def _raw_records(bootstrap: str, topics: tuple[str, ...], case_no: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[bytes] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                out += [r.value for r in records if r.key == case_no.encode() and r.value]
    finally:
        await consumer.stop()
    return out


async def test_the_number_and_name_are_nowhere_plain(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    body = new_case(caller_phone=phone, caller_name=NAME, **URGENT)
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=body)).json()["case_no"]
    # The receipt still reaches the citizen, through the sealed number.
    (receipt,) = await _texts(http, phone, 1)
    assert case_no in str(receipt["text"])

    async def dispatched() -> Any:
        notes = (
            await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
            or []
        )
        return notes if any(n["template"] == "handler_new_case" for n in notes) else None

    notes = await eventually(dispatched, timeout=20, interval=0.3)
    citizen = [n for n in notes if n["template"] == "citizen_received"]
    assert [n["recipient"] for n in citizen] == [masked(phone)]

    for database in ("minhu_intake", "minhu_notify", "minhu_dispatch"):
        text = await _database_text(stack, database)
        assert case_no in text  # the case is there...
        assert phone not in text, database  # ...its caller's number is not
        assert NAME not in text, database

    records = await _raw_records(
        stack.kafka, (Topic.RECEIVED, Topic.DISPATCHED, Topic.NOTIFY_SENT), case_no
    )
    assert len(records) >= 3
    assert not [r for r in records if phone.encode() in r or NAME.encode() in r]
    received = [decode(r)[1] for r in records if decode(r)[0].type.endswith("received.v1")]
    (payload,) = received
    assert payload.caller_phone == "" and payload.caller_name == ""  # type: ignore[attr-defined]
    assert payload.caller_sealed and payload.caller_ref  # type: ignore[attr-defined]

    for service in ("intake", "dispatch", "sla", "notify"):
        log = LOGS / f"{service}.log"
        if log.exists():
            assert phone not in log.read_text(errors="replace"), service


async def test_a_second_call_from_the_same_number_is_still_linked(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    first = await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone))
    again = await http.post(
        f"{stack.intake}/v1/cases",
        json=new_case(caller_phone=phone, content="柳岸花园门口的路灯还是不亮，晚上太黑了"),
    )
    assert again.json()["repeat_of"] == first.json()["case_no"]
    found = await get_json(http, f"{stack.intake}/v1/cases?phone={phone}") or []
    assert {c["case_no"] for c in found} == {first.json()["case_no"], again.json()["case_no"]}


MATTERS = (
    ("柳岸路路灯不亮", "柳岸路靠近柳岸花园门口的路灯坏了一个星期了", "柳岸路柳岸花园门口"),
    ("金桥名苑垃圾没人清运", "金桥名苑三号楼下的垃圾桶满了两天没人清运", "金桥名苑三号楼"),
    ("建设路施工噪音扰民", "建设路工地夜里十二点还在打桩，吵得睡不着", "建设路工地"),
    ("和平街自来水发黄", "和平街十二号这两天自来水发黄有异味", "和平街十二号"),
    ("人民路有大坑", "人民路与解放路路口有个大坑，电动车摔了好几次", "人民路解放路口"),
    ("幸福小区消防通道被占", "幸福小区二期消防通道被私家车长期占用", "幸福小区二期"),
)


async def test_the_sixth_citizen_sms_within_the_hour_is_suppressed(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    cases = []
    for title, content, address in MATTERS:
        body = new_case(caller_phone=phone, title=title, content=content, address=address, **URGENT)
        answer = (await http.post(f"{stack.intake}/v1/cases", json=body)).json()
        assert answer["repeat_of"] is None  # six different matters, six receipts due
        cases.append(answer["case_no"])

    async def receipts() -> list[dict[str, Any]] | None:
        found = []
        for case_no in cases:
            notes = await get_json(
                http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE
            )
            found += [n for n in notes or [] if n["template"] == "citizen_received"]
        return found if len(found) == len(cases) else None

    logged = await eventually(receipts, timeout=30, interval=0.5)
    held = [n for n in logged if n["status"] == SUPPRESSED]
    assert len(held) == 1 and held[0]["last_error"].startswith("per_phone_cap")
    texts = await _texts(http, phone, 5)
    assert len(texts) == 5
    suppressed = await get_json(http, f"{stack.notify}/v1/deliveries?status=suppressed") or []
    assert any(n["recipient"] == masked(phone) for n in suppressed)
