"""Dispatch's paths through Kafka: auto, manual -> human, bounce -> re-dispatch, arbitration,
hotspot linking. Bounces are published on case.action exactly as sla publishes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from services.common import events
from services.common.proto_gen.minhu.events.v1 import case_pb2
from tests.support import (
    AS_INTAKE,
    StackAddresses,
    eventually,
    get_json,
    new_case,
    read_topic,
)


async def _post(stack: StackAddresses, http: httpx.AsyncClient, **overrides: Any) -> str:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(**overrides))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["case_no"])


async def _assignment(
    stack: StackAddresses, http: httpx.AsyncClient, case_no: str, attempt: int = 0
) -> dict[str, Any]:
    async def at_attempt() -> dict[str, Any] | None:
        found = await get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
        return found if found and found["attempt"] >= attempt else None

    result: dict[str, Any] = await eventually(at_attempt)
    return result


async def _dispatched(stack: StackAddresses, case_no: str, attempt: int) -> tuple[Any, Any]:
    async def published() -> tuple[Any, Any] | None:
        for item in await read_topic(stack.kafka, "case.dispatched", idle_ms=500):
            if isinstance(item, tuple) and (item[0].subject, item[1].attempt) == (case_no, attempt):
                return item[0], item[1]
        return None

    return await eventually(published, timeout=15)


async def _bounce(stack: StackAddresses, case_no: str, unit_id: str, note: str) -> str:
    action = case_pb2.CaseAction(
        case_no=case_no,
        action="bounced",
        actor=f"{unit_id}-handler",
        unit_id=unit_id,
        note=note,
        state="bounced",
        at=events.timestamp(datetime.now(UTC)),
    )
    env = events.envelope(
        events.CASE_ACTION, action, subject=case_no, source="minhu/sla", event_id=str(uuid.uuid4())
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka)
    await producer.start()
    try:
        await producer.send_and_wait("case.action", env.SerializeToString(), key=case_no.encode())
    finally:
        await producer.stop()
    return env.id


async def test_auto_dispatch_records_the_decision_and_announces_it(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = await _post(
        stack,
        http,
        content="垂杨巷口的井盖不见了，晚上路过很危险。",
        title="井盖缺失",
        address="垂杨巷",
    )

    found = await _assignment(stack, http, case_no)

    assert found["manual"] is False and found["unit_id"] == "U-D01-T01-V01"
    assert found["decisions"][0]["kind"] == "auto"
    assert any("模型判为" in r for r in found["reasons"])
    _, dispatched = await _dispatched(stack, case_no, 0)
    assert dispatched.unit_id == "U-D01-T01-V01" and not dispatched.manual
    assert [s.tier for s in dispatched.ladder][:2] == ["village", "township"]


async def test_manual_case_is_dispatched_by_a_human_and_the_correction_kept(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = await _post(
        stack,
        http,
        title="咨询",
        content="你好，我想问一下这个事情应该找哪里办理，谢谢。",
        address=None,
    )
    found = await _assignment(stack, http, case_no)
    assert found["manual"] is True
    queue = await get_json(http, f"{stack.dispatch}/v1/manual-queue")
    assert case_no in [q["case_no"] for q in queue]
    _, first = await _dispatched(stack, case_no, 0)
    assert first.manual

    resp = await http.post(
        f"{stack.dispatch}/v1/manual-queue/{case_no}/dispatch",
        json={"actor": "dispatcher-7", "topic": "民政", "unit_id": "U-D01-T02", "note": "低保咨询"},
    )

    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["manual"] is False and body["unit_id"] == "U-D01-T02" and body["topic"] == "民政"
    _, confirmed = await _dispatched(stack, case_no, 1)
    assert not confirmed.manual and confirmed.unit_id == "U-D01-T02"
    corrections = await get_json(http, f"{stack.dispatch}/v1/corrections")
    mine = [c for c in corrections if c["case_no"] == case_no]
    assert mine and mine[0]["topic"] == "民政" and mine[0]["suggested_topic"] != "民政"
    tsv = await http.get(f"{stack.dispatch}/v1/corrections", params={"format": "tsv"})
    assert "民政\tsimple\t咨询\t" in tsv.text
    again = await http.post(
        f"{stack.dispatch}/v1/manual-queue/{case_no}/dispatch", json={"actor": "dispatcher-7"}
    )
    assert again.status_code == 409


async def test_bounce_redispatches_then_second_bounce_goes_to_final_arbitration(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = await _post(
        stack, http, title="路灯不亮", content="荷风路的路灯坏了，晚上很黑。", address="荷风路"
    )
    first = await _assignment(stack, http, case_no)
    assert first["unit_id"] == "U-D01-T01-V03"

    bounce_id = await _bounce(stack, case_no, "U-D01-T01-V03", "路灯属街道市政维护")
    env, again = await _dispatched(stack, case_no, 1)

    assert env.id == events.derived_event_id(bounce_id, "redispatched")
    assert again.unit_id == "U-D01-T01" and not again.arbitrated
    assert again.ladder[0].unit_id == "U-D01-T01"
    second = await _assignment(stack, http, case_no, 1)
    assert second["bounced_units"] == ["U-D01-T01-V03"]

    await _bounce(stack, case_no, "U-D01-T01", "应由社区处理")

    async def pending() -> list[dict[str, Any]] | None:
        rows = await get_json(http, f"{stack.dispatch}/v1/arbitrations")
        return [r for r in rows or [] if r["case_no"] == case_no] or None

    (arbitration,) = await eventually(pending)
    assert arbitration["arbitrator_unit_id"] == "U-D01-ZJJ"
    assert arbitration["bounced_units"] == ["U-D01-T01-V03", "U-D01-T01"]

    resp = await http.post(
        f"{stack.dispatch}/v1/arbitrations/{case_no}/decision",
        json={"actor": "zjj-chief", "unit_id": "U-D01-T01-V03", "note": "路灯日常维护属社区"},
    )
    assert resp.status_code == 200, resp.text
    _, final = await _dispatched(stack, case_no, 2)
    assert final.arbitrated and final.unit_id == "U-D01-T01-V03" and not final.manual
    twice = await http.post(
        f"{stack.dispatch}/v1/arbitrations/{case_no}/decision",
        json={"actor": "zjj-chief", "unit_id": "U-D01-T01"},
    )
    assert twice.status_code == 409

    await _bounce(stack, case_no, "U-D01-T01-V03", "仍不同意")

    async def refused() -> dict[str, Any] | None:
        found = await get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
        kinds = [d["kind"] for d in (found or {}).get("decisions", [])]
        return found if "bounce_refused" in kinds else None

    after = await eventually(refused)
    assert after["attempt"] == 2 and after["unit_id"] == "U-D01-T01-V03" and after["arbitrated"]
    assert [d["kind"] for d in after["decisions"]] == [
        "auto",
        "bounce_redispatch",
        "arbitration_opened",
        "arbitrated",
        "bounce_refused",
    ]


async def test_similar_cases_on_one_grid_are_linked_and_become_a_batch_matter(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    texts = [
        "望湖苑小区物业擅自把物业费从每平方米一块五涨到两块五，没有召开业主大会表决，"
        "也没有公示依据，请街道督促物业说明情况。",
        "我是望湖苑的业主，物业突然把物业费涨到每平方米两块五，事先没有开业主大会，"
        "也没有任何公示，请街道督促物业说明依据。",
        "望湖苑物业费一下子涨到两块五一平方米，业主大会没开，公示也没有，"
        "希望街道督促物业给业主一个说明。",
    ]
    case_nos = []
    for i, text in enumerate(texts):
        case_no = await _post(
            stack,
            http,
            title="望湖苑物业费上涨",
            content=text,
            address="望湖苑",
            caller_phone=f"1371111000{i}",
        )
        await _assignment(stack, http, case_no)
        case_nos.append(case_no)

    first = await _assignment(stack, http, case_nos[0])
    last = await _assignment(stack, http, case_nos[2])

    assert first["difficulty"] == "general" and first["tier"] == "township"
    assert {link["case_no"] for link in last["links"]} == set(case_nos[:2])
    assert last["batch"] and last["parent_case_no"] == case_nos[0]
    assert last["difficulty"] == "complex" and last["tier"] == "district"
    assert last["co_unit_ids"], "a batch matter is handled jointly"
    assert any("批量诉求" in r for r in last["reasons"])
    parent = await _assignment(stack, http, case_nos[0])
    assert case_nos[2] in parent["batch_members"]
    assert {link["case_no"] for link in parent["links"]} >= set(case_nos[1:])
