"""合并 and 不予受理 through the real stack (Kafka, Temporal, every service): followers close
when their lead closes and each caller is texted the result; a rejected case's caller is
texted why, and a case rejected in the manual queue never starts a workflow."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from tests.support import (
    CALLER,
    HANDLER,
    StackAddresses,
    acting,
    desk_login_async,
    eventually,
    get_json,
    new_case,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")
DISPATCHER = CALLER  # the 12345 centre's dispatcher, who also makes the callback survey
SUPERVISOR = "hubin-duban"
# Urgent, so the citizens' SMS do not wait out the quiet hours whatever the hour.
URGENT = {"urgent": True, "urgent_reason": "路灯全灭，夜间行人安全隐患"}
VAGUE = {
    "title": "咨询",
    "content": "你好，我想问一下这个事情应该找哪里办理，谢谢。",
    "address": None,
}


async def post(http: httpx.AsyncClient, url: str, actor: str, **body: Any) -> httpx.Response:
    """A command for a person, asked again while sla cannot yet verify them (load)."""

    async def answered() -> list[httpx.Response] | None:
        resp = await http.post(url, headers=acting(actor), json={"actor": actor, **body})
        return None if resp.status_code == 503 else [resp]

    found: list[httpx.Response] = await eventually(answered, timeout=60, interval=1.0)
    return found[0]


async def _dispatched(
    stack: StackAddresses, http: httpx.AsyncClient, **extra: Any
) -> tuple[str, str]:
    """A new urgent case with its workflow running: (case number, caller's phone)."""
    body = new_case(**URGENT, **extra)
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=body)).json()["case_no"]

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
        return status if status and status["accept_due"] else None

    await eventually(waiting, timeout=60)
    return case_no, body["caller_phone"]


async def _texts(http: httpx.AsyncClient, phone: str, template: str) -> list[dict[str, Any]]:
    async def got() -> list[dict[str, Any]] | None:
        found = await get_json(http, f"{SMSGW}/v1/messages?to={phone}") or []
        mine = [m for m in found if m["template_id"] == template]
        return mine or None

    texts: list[dict[str, Any]] = await eventually(got, timeout=60, interval=1.0)
    return texts


async def test_followers_close_when_the_lead_closes_and_every_caller_hears(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    lead_no, lead_phone = await _dispatched(stack, http)
    follower_no, follower_phone = await _dispatched(
        stack, http, content="柳岸花园门口那盏路灯一直不亮，晚上出门很不方便。"
    )
    lead_url, follower_url = (f"{stack.sla}/v1/cases/{n}" for n in (lead_no, follower_no))
    # A handler may not merge; nobody may merge a case into itself or into a missing case.
    assert (await post(http, f"{follower_url}/merge", HANDLER, lead=lead_no)).status_code == 403
    itself = await post(http, f"{follower_url}/merge", DISPATCHER, lead=follower_no)
    assert itself.status_code == 409 and itself.json()["code"] == "merge_self"
    missing = await post(http, f"{follower_url}/merge", DISPATCHER, lead="29990101000001")
    assert missing.status_code == 409 and missing.json()["code"] == "lead_unknown"

    merged = await post(http, f"{follower_url}/merge", DISPATCHER, lead=lead_no, note="同一盏路灯")
    assert merged.status_code == 200, merged.text
    assert merged.json()["state"] == "merged" and merged.json()["lead"] == lead_no
    lead = await get_json(http, lead_url)
    assert lead is not None and lead["followers"] == [follower_no]
    # No chains and no cycles: the lead cannot follow its follower, nor anyone while it leads.
    back = await post(http, f"{lead_url}/merge", DISPATCHER, lead=follower_no)
    assert back.status_code == 409 and back.json()["code"] == "has_followers", back.text
    assert "已有并入的工单" in back.json()["message"]
    # The follower's own commands are over: it follows the lead.
    accept = await post(http, f"{follower_url}/accept", HANDLER)
    assert accept.status_code == 409, accept.text

    assert (await post(http, f"{lead_url}/accept", HANDLER)).status_code == 200
    resolved = await post(http, f"{lead_url}/resolve", HANDLER, note="已更换路灯灯泡，恢复照明")
    assert resolved.status_code == 200, resolved.text
    closed = await post(http, f"{lead_url}/callback", DISPATCHER, satisfied=True)
    assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.text

    async def follower_closed() -> dict[str, Any] | None:
        status = await get_json(http, follower_url)
        return status if status and status["state"] == "closed" else None

    status = await eventually(follower_closed, timeout=60)
    assert status["close_reason"] == "merged" and status["lead"] == lead_no
    # Each caller is texted: the lead's at 办结, the follower's with the lead's result.
    (text,) = await _texts(http, follower_phone, "MINHU_0009")
    assert follower_no in text["text"] and lead_no in text["text"]
    assert "合并办理" in text["text"] and "已更换路灯灯泡" in text["text"]
    found = await get_json(http, f"{SMSGW}/v1/messages?to={lead_phone}") or []
    assert any(lead_no in m["text"] and "已办结" in m["text"] for m in found), found


async def test_a_rejected_case_closes_and_its_caller_is_told_why(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, phone = await _dispatched(stack, http)
    url = f"{stack.sla}/v1/cases/{case_no}"
    assert (await post(http, f"{url}/reject", HANDLER, reason="outside_city")).status_code == 403
    unknown = await post(http, f"{url}/reject", DISPATCHER, reason="busy")
    assert unknown.status_code == 409 and unknown.json()["code"] == "reject_reason_unknown"
    bare = await post(http, f"{url}/reject", DISPATCHER, reason="other")
    assert bare.status_code == 409 and "具体理由" in bare.json()["message"]

    done = await post(http, f"{url}/reject", SUPERVISOR, reason="outside_city", text="事发地在邻市")
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "closed" and done.json()["close_reason"] == "rejected"
    (text,) = await _texts(http, phone, "MINHU_0008")
    assert case_no in text["text"] and "不予受理" in text["text"]
    assert "非本市辖区（事发地在邻市）" in text["text"]
    again = await post(http, f"{url}/reject", DISPATCHER, reason="outside_city")
    assert again.status_code == 409

    async def public() -> dict[str, Any] | None:
        found = await get_json(http, f"{stack.intake}/open311/v2/requests/{case_no}.json")
        return found[0] if found and found[0]["status"] == "closed" else None

    shown = await eventually(public, timeout=30)
    assert shown["status_notes"].startswith("不予受理：非本市辖区")


async def test_a_case_rejected_in_the_manual_queue_never_starts_a_workflow(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(**VAGUE, **URGENT)
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=body)).json()["case_no"]
    queue = f"{stack.dispatch}/v1/manual-queue?case_no={case_no}"

    async def queued() -> list[Any] | None:
        return await get_json(http, queue) or None

    await eventually(queued, timeout=60)
    dispatcher = httpx.AsyncClient(base_url=stack.desk, timeout=15.0)
    await desk_login_async(dispatcher, DISPATCHER)
    try:
        resp = await dispatcher.post(
            f"/ui/manual/{case_no}/reject", json={"reason": "litigation", "text": "已向法院起诉"}
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["note"].startswith("涉诉涉法（已向法院起诉）")
        twice = await dispatcher.post(f"/ui/manual/{case_no}/reject", json={"reason": "other"})
        assert twice.status_code in (409, 422), twice.text
    finally:
        await dispatcher.aclose()
    (text,) = await _texts(http, body["caller_phone"], "MINHU_0008")
    assert case_no in text["text"] and "涉诉涉法" in text["text"]
    assert await get_json(http, queue) == []
    # Given time to start one, sla still holds no workflow for the case.
    await asyncio.sleep(3)
    missing = await http.get(f"{stack.sla}/v1/cases/{case_no}")
    assert missing.status_code == 404, missing.text
