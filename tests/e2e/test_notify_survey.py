"""The citizen's callback survey (回访) by SMS on the real stack: without consent to a phone
callback the resolution SMS is the survey; with consent it announces the call, and the survey
follows only when the call did not get through."""

from __future__ import annotations

import os
from typing import Any

import httpx

from tests.support import (
    CALLER,
    StackAddresses,
    acting,
    eventually,
    get_json,
    new_case,
    open_and_resolve,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")


async def _texts(http: httpx.AsyncClient, phone: str, count: int) -> list[dict[str, Any]]:
    async def kept() -> list[dict[str, Any]] | None:
        got = await get_json(http, f"{SMSGW}/v1/messages?to={phone}") or []
        return got if len(got) >= count else None

    return sorted(await eventually(kept, timeout=20), key=lambda m: m["received_at"])


async def test_without_consent_the_resolution_sms_is_the_survey(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    # Urgent, so the citizen's SMS go out whatever the hour (others wait out quiet hours).
    body = new_case(urgent=True, urgent_reason="路灯全灭，夜间行人安全隐患", callback_consent=False)
    case_no = await open_and_resolve(stack, http, body)

    receipt, resolution = await _texts(http, body["caller_phone"], 2)
    assert receipt["template_id"] == "MINHU_0001"
    assert resolution["template_id"] == "MINHU_0004"
    assert resolution["params"] == {"case_no": case_no}
    assert "请回复数字评价办理结果" in resolution["text"]
    assert "来电" not in resolution["text"]  # nobody will call: no call is promised


async def test_with_consent_the_call_is_announced_and_the_survey_follows_an_unanswered_call(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(urgent=True, urgent_reason="路灯全灭，夜间行人安全隐患", callback_consent=True)
    case_no = await open_and_resolve(stack, http, body)

    _, resolution = await _texts(http, body["caller_phone"], 2)
    assert resolution["template_id"] == "MINHU_0002"
    assert "请留意来电" in resolution["text"]

    resp = await http.post(
        f"{stack.sla}/v1/cases/{case_no}/callback",
        headers=acting(CALLER),
        json={"actor": CALLER, "reached": False, "note": "无人接听"},
    )
    assert resp.status_code == 200, resp.text
    texts = await _texts(http, body["caller_phone"], 3)
    assert [t["template_id"] for t in texts] == ["MINHU_0001", "MINHU_0002", "MINHU_0003"]
