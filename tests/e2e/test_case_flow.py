"""One case through all four services, against the real servers."""

from __future__ import annotations

import time
from typing import Any

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from tests.support import (
    AS_INTAKE,
    CALLER,
    HANDLER,
    StackAddresses,
    acting,
    eventually,
    get_json,
    new_case,
)


async def test_case_reaches_a_unit_with_running_workflow_and_notification(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case())
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "received"
    case_no = body["case_no"]
    assert len(case_no) == 14 and case_no.isdigit()

    stored = await get_json(http, f"{stack.intake}/v1/cases/{case_no}")
    assert stored is not None and stored["address"] == "柳岸路柳岸花园门口"

    dispatched = await eventually(
        lambda: get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
    )
    assert dispatched["tier"] == "village"
    assert dispatched["unit_id"] == "U-D01-T01-V01"
    assert dispatched["topic"] == "城乡建设"
    assert dispatched["difficulty"] == "simple"
    assert dispatched["explanation"]

    client = await Client.connect(stack.temporal)

    async def running() -> bool:
        try:
            desc = await client.get_workflow_handle(f"case-{case_no}").describe()
        except Exception:
            return False
        return desc.status == WorkflowExecutionStatus.RUNNING

    await eventually(running)

    async def deadlines_set() -> dict[str, Any] | None:
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
        return status if status and status["accept_due"] else None

    sla = await eventually(deadlines_set)
    assert sla["state"] == "dispatched" and sla["light"] == "green"
    assert sla["tier"] == "village" and sla["escalations"] == []
    assert sla["accept_due"] < sla["resolve_due"]

    async def handler_told() -> list[dict[str, Any]] | None:
        # The caller's receipt SMS is logged too; the handler's in-app notice is the one here.
        notes = (
            await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
            or []
        )
        return [n for n in notes if n["channel"] == "in_app"] or None

    notes = await eventually(handler_told)
    assert notes[0]["recipient"] == "U-D01-T01-V01"
    assert notes[0]["event_type"] == "minhu.case.dispatched.v1"
    assert notes[0]["channel"] == "in_app" and notes[0]["status"] == "delivered"
    assert case_no in notes[0]["body"]
    assert time.monotonic() - started < 10.0


async def test_handler_commands_drive_the_workflow_to_close(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    await eventually(lambda: get_json(http, f"{stack.sla}/v1/cases/{case_no}"))
    url = f"{stack.sla}/v1/cases/{case_no}"

    early = await http.post(
        f"{url}/resolve", headers=acting(HANDLER), json={"actor": HANDLER, "note": "已修好"}
    )
    assert early.status_code == 409
    assert "签收" in early.json()["message"]

    accepted = await http.post(f"{url}/accept", headers=acting(HANDLER), json={"actor": HANDLER})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    no_text = await http.post(
        f"{url}/resolve", headers=acting(HANDLER), json={"actor": HANDLER, "note": " "}
    )
    assert no_text.status_code == 409
    resolved = await http.post(
        f"{url}/resolve", headers=acting(HANDLER), json={"actor": HANDLER, "note": "已更换灯泡"}
    )
    assert resolved.json()["state"] == "resolved"
    closed = await http.post(
        f"{url}/callback", headers=acting(CALLER), json={"actor": CALLER, "satisfied": True}
    )
    assert closed.json()["state"] == "closed"
    kinds = [h["kind"] for h in closed.json()["history"]]
    assert kinds == ["dispatched", "accepted", "resolved", "closed"]


async def test_bad_input_gets_field_level_chinese_errors(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    resp = await http.post(
        f"{stack.intake}/v1/cases", json=new_case(caller_phone="12345", channel="fax")
    )
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.json()["errors"]}
    assert "电话号码格式不正确" in errors["caller_phone"]
    assert "取值无效" in errors["channel"]
    missing = await http.get(f"{stack.intake}/v1/cases/20000101000001")
    assert missing.status_code == 404 and "未找到" in missing.json()["message"]
