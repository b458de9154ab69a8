"""Citizens answer the survey by SMS on the real stack: the gateway simulator forwards a reply
like a provider's 上行 callback (gateway key, not the service token); notify keeps it, tells
sla once even when the reply arrives twice, answers by SMS, and waits out an sla outage."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from tests.support import (
    AS_NOTIFY,
    StackAddresses,
    eventually,
    get_json,
    new_case,
    open_and_resolve,
    stack_command,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")
GATEWAY_KEY = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_KEY", "")


async def _surveyed_case(stack: StackAddresses, http: httpx.AsyncClient) -> tuple[str, str]:
    """A resolved case whose caller (no consent to a call) has the survey SMS; (case, phone)."""
    # Urgent, so the SMS go out whatever the hour (others wait out the quiet hours).
    body = new_case(urgent=True, urgent_reason="路灯全灭，夜间行人安全隐患")
    case_no = await open_and_resolve(stack, http, body)
    await _texts(http, body["caller_phone"], "MINHU_0004")
    return case_no, body["caller_phone"]


async def _texts(http: httpx.AsyncClient, phone: str, template_id: str) -> list[dict[str, Any]]:
    """The texts the phone got, once one with the template code is among them."""

    async def kept() -> list[dict[str, Any]] | None:
        got = await get_json(http, f"{SMSGW}/v1/messages?to={phone}") or []
        return got if any(m["template_id"] == template_id for m in got) else None

    return await eventually(kept, timeout=20)


async def _reply(http: httpx.AsyncClient, phone: str, text: str, msg_id: str) -> dict[str, Any]:
    resp = await http.post(
        f"{SMSGW}/v1/inbound",
        json={
            "mobile": phone,
            "content": text,
            "msg_id": msg_id,
        },
    )
    assert resp.status_code == 200, resp.text
    answer: dict[str, Any] = resp.json()
    assert answer["callback_status"] == 200, answer
    return answer


async def _sla_state(http: httpx.AsyncClient, stack: StackAddresses, case_no: str) -> str:
    """The case's state in sla; empty while sla does not answer (it may be restarting)."""
    status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
    return str(status["state"]) if status else ""


async def test_a_satisfied_reply_closes_the_case_once_even_when_delivered_twice(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, phone = await _surveyed_case(stack, http)
    msg_id = f"up-{case_no}"

    first = await _reply(http, phone, "1", msg_id)
    again = await _reply(http, phone, "1", msg_id)  # the provider delivers it again

    assert '"duplicate":false' in first["answer"] and '"duplicate":true' in again["answer"]
    texts = await _texts(http, phone, "MINHU_0005")
    await asyncio.sleep(1.5)
    assert [m["template_id"] for m in texts].count("MINHU_0005") == 1
    thanks = next(m for m in texts if m["template_id"] == "MINHU_0005")
    assert thanks["params"] == {"case_no": case_no}

    async def closed() -> str | None:
        state = await _sla_state(http, stack, case_no)
        return state if state == "closed" else None

    await eventually(closed, timeout=15)
    status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
    assert status is not None
    closing = [h for h in status["history"] if h["kind"] == "closed"]
    assert len(closing) == 1 and closing[0]["note"].endswith(f"短信回复：1（上行编号 {msg_id}）")
    replies = await get_json(http, f"{stack.notify}/v1/sms/replies?phone={phone}")
    assert [(r["msg_id"], r["status"], r["outcome"], r["case_no"]) for r in replies] == [
        (msg_id, "applied", "satisfied", case_no)
    ]


async def test_a_reply_sla_already_took_before_notify_could_note_it_counts_as_applied(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    # As if notify died after sla recorded the reply and before notify marked it applied.
    case_no, phone = await _surveyed_case(stack, http)
    msg_id = f"up-{case_no}-lost"
    earlier = await http.post(
        f"{stack.sla}/v1/cases/{case_no}/callback",
        headers=AS_NOTIFY,
        json={"actor": "短信回访", "satisfied": True, "note": f"短信回复：2（上行编号 {msg_id}）"},
    )
    assert earlier.status_code == 200, earlier.text

    await _reply(http, phone, "2", msg_id)

    async def settled() -> list[dict[str, Any]] | None:
        got = await get_json(http, f"{stack.notify}/v1/sms/replies?phone={phone}") or []
        return got if got and got[0]["status"] != "pending" else None

    [reply] = await eventually(settled, timeout=15)
    assert (reply["status"], reply["outcome"]) == ("applied", "satisfied")
    await _texts(http, phone, "MINHU_0005")  # the citizen is thanked all the same
    status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
    assert status is not None
    assert [h["kind"] for h in status["history"] if msg_id in h["note"]] == ["closed"]


async def test_an_unreadable_reply_is_asked_again_and_a_3_reopens_the_case(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, phone = await _surveyed_case(stack, http)

    await _reply(http, phone, "好的", f"up-{case_no}-a")
    texts = await _texts(http, phone, "MINHU_0007")
    again = next(m for m in texts if m["template_id"] == "MINHU_0007")
    assert "请回复1、2或3" in again["text"]
    assert await _sla_state(http, stack, case_no) == "resolved"  # nothing told to sla

    await _reply(http, phone, "３", f"up-{case_no}-b")  # full-width, as phones send it
    await _texts(http, phone, "MINHU_0006")

    async def reopened() -> str | None:
        state = await _sla_state(http, stack, case_no)
        return state if state != "resolved" else None

    assert await eventually(reopened, timeout=15) == "reopened"
    replies = await get_json(http, f"{stack.notify}/v1/sms/replies?phone={phone}") or []
    assert [(r["status"], r["outcome"]) for r in replies] == [
        ("applied", "unsatisfied"),
        ("unreadable", "unreadable"),
    ]


async def test_the_callback_takes_the_gateway_key_not_the_service_token(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    sms = {"msg_id": "up-auth-1", "mobile": "13800000001", "content": "1"}
    url = f"{stack.notify}/provider/sms/inbound"

    as_service = await http.post(url, json=sms)  # `http` shows the desk's service token
    wrong = await http.post(url, json=sms, headers={"Authorization": "Bearer not-the-key"})
    right = await http.post(url, json=sms, headers={"Authorization": f"Bearer {GATEWAY_KEY}"})

    assert (as_service.status_code, wrong.status_code, right.status_code) == (403, 401, 200)
    assert as_service.json()["message"] == "服务 desk 无权调用此接口。"

    async def settled() -> list[dict[str, Any]] | None:
        got = await get_json(http, f"{stack.notify}/v1/sms/replies?phone=13800000001") or []
        return got if got and got[0]["status"] != "pending" else None

    replies = await eventually(settled, timeout=15)
    assert [r["status"] for r in replies] == ["no_survey"]  # kept; no survey to answer


async def test_a_reply_waits_out_an_sla_outage(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, phone = await _surveyed_case(stack, http)
    await stack_command("down", "sla")
    try:
        await _reply(http, phone, "2", f"up-{case_no}")

        async def retried() -> list[dict[str, Any]] | None:
            got = await get_json(http, f"{stack.notify}/v1/sms/replies?phone={phone}") or []
            return got if got and got[0]["attempts"] >= 2 else None

        [reply] = await eventually(retried, timeout=20)
        assert reply["status"] == "pending" and reply["last_error"]
    finally:
        await stack_command("up", "sla")

    async def closed() -> str | None:
        state = await _sla_state(http, stack, case_no)
        return state if state == "closed" else None

    await eventually(closed, timeout=60, interval=1)
    await _texts(http, phone, "MINHU_0005")
