"""The whole stack texts the citizen through the SMS gateway simulator exactly once, even
when intake's event is delivered again; the handler's in-app notice is pushed over SSE."""

from __future__ import annotations

import asyncio
import json
import os

import httpx
from aiokafka import AIOKafkaProducer

from services.common.events import Topic
from services.common.pii import masked
from tests.support import (
    AS_INTAKE,
    SERVICE_HEADERS,
    StackAddresses,
    case_events,
    eventually,
    get_json,
    new_case,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")


async def test_citizen_gets_one_receipt_sms_even_when_the_event_is_redelivered(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    # Urgent, so the test does not depend on the hour: others wait out the quiet hours.
    body = new_case(urgent=True, urgent_reason="路灯全灭，夜间行人安全隐患")
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=body)).json()["case_no"]

    async def texts() -> list[dict[str, object]] | None:
        got = await get_json(http, f"{SMSGW}/v1/messages?to={body['caller_phone']}")
        return got or None

    first = await eventually(texts, timeout=15)
    assert len(first) == 1 and case_no in str(first[0]["text"])
    assert first[0]["template_id"] == "MINHU_0001"

    original = next(env for env, _ in await case_events(stack.kafka, Topic.RECEIVED, case_no))
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka)
    await producer.start()
    try:
        await producer.send_and_wait(
            Topic.RECEIVED, value=original.SerializeToString(), key=case_no.encode()
        )
    finally:
        await producer.stop()
    await asyncio.sleep(2.0)
    assert len(await texts() or []) == 1
    notes = (
        await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE) or []
    )
    # The unit's duty phone is texted about the urgent case too; only the citizen's count here.
    # The log shows the number masked; the gateway was given the number itself.
    mine = masked(body["caller_phone"])
    sms = [n for n in notes if n["channel"] == "sms" and n["recipient"] == mine]
    assert len(sms) == 1 and sms[0]["status"] == "delivered" and sms[0]["attempts"] == 1


async def test_in_app_notice_is_pushed_to_the_units_stream(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    unit = "U-D01-T01-V01"
    got: list[dict[str, str]] = []

    async def listen() -> None:
        async with (
            httpx.AsyncClient(timeout=None, headers=SERVICE_HEADERS) as client,
            client.stream(
                "GET", f"{stack.notify}/v1/inbox/stream", params={"recipient": unit}
            ) as resp,
        ):
            async for line in resp.aiter_lines():
                if line.startswith("data: "):
                    got.append(json.loads(line[6:]))
                    return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.5)
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    await asyncio.wait_for(listener, timeout=15)
    assert got[0]["case_no"] == case_no and got[0]["template"] == "handler_new_case"
