"""The dispatchers' callback work list (待回访) on the real stack: a resolved case whose caller
agreed to a phone callback waits there, one without consent does not; the caller's SMS reply
to the resolution notice is the callback's answer — "1" closes the case, "3" reopens it — and
either way the case leaves the list."""

from __future__ import annotations

import os
import re
from typing import Any

import httpx

from tests.support import (
    CALLER,
    StackAddresses,
    eventually,
    get_json,
    new_case,
    open_and_resolve,
    signed_in,
)

SMSGW = os.environ.get("MINHU_NOTIFY_SMS_GATEWAY_URL", "")
# Urgent, so the citizen's SMS go out whatever the hour (others wait out the quiet hours).
URGENT = {"urgent": True, "urgent_reason": "路灯全灭，夜间行人安全隐患"}
RESOLVED_NOTICE = "MINHU_0002"  # 已办结，稍后将回访
# Seconds for the board and the gateway to follow several services' events; the suite's
# own load can hold them back well past the usual second or two.
SETTLE = 60


def listed(html: str, case_no: str) -> bool:
    return f'data-case="{case_no}"' in html


def tab_count(html: str, tab: str) -> int:
    found = re.search(rf'id="tab-{tab}"[^>]*>[^<]*<b class="n">(\d+)</b>', html)
    assert found, f"no {tab} tab"
    return int(found.group(1))


async def in_tab(desk: httpx.AsyncClient, tab: str, case_no: str) -> str | None:
    """The tab's page searched for the case, once the case is listed there."""
    resp = await desk.get("/queue", params={"tab": tab, "q": case_no})
    assert resp.status_code == 200, resp.text
    return resp.text if listed(resp.text, case_no) else None


async def notice_delivered(http: httpx.AsyncClient, phone: str) -> None:
    async def got() -> list[dict[str, Any]] | None:
        texts = await get_json(http, f"{SMSGW}/v1/messages?to={phone}") or []
        return texts if any(m["template_id"] == RESOLVED_NOTICE for m in texts) else None

    await eventually(got, timeout=SETTLE)


async def reply(http: httpx.AsyncClient, phone: str, text: str, msg_id: str) -> None:
    resp = await http.post(
        f"{SMSGW}/v1/inbound", json={"mobile": phone, "content": text, "msg_id": msg_id}
    )
    assert resp.status_code == 200 and resp.json()["callback_status"] == 200, resp.text


async def settled(http: httpx.AsyncClient, stack: StackAddresses, phone: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        got = await get_json(http, f"{stack.notify}/v1/sms/replies?phone={phone}") or []
        return got[0] if got and got[0]["status"] != "pending" else None

    found: dict[str, Any] = await eventually(done, timeout=SETTLE)
    return found


async def test_a_consenting_callers_resolved_case_waits_for_the_callback(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    consenting = new_case(callback_consent=True, **URGENT)
    silent = new_case(callback_consent=False, **URGENT)
    waits = await open_and_resolve(stack, http, consenting)
    other = await open_and_resolve(stack, http, silent)
    desk = await signed_in(stack, CALLER)
    try:
        page = await eventually(lambda: in_tab(desk, "callback", waits), timeout=SETTLE)
        assert tab_count(page, "callback") >= 1
        row = page[page.index(f'data-case="{waits}"') :].split("</tr>")[0]
        assert "去回访" in row and f"/cases/{waits}#act-callback" in row
        assert "data-left" not in row and "剩余" not in row  # nothing counts down on it
        # Without consent nobody calls: the case is finished, not waiting for a call.
        await eventually(lambda: in_tab(desk, "done", other), timeout=SETTLE)
        assert await in_tab(desk, "callback", other) is None
        # Finished cases are in neither 待签收 nor 办理中.
        for tab in ("accept", "doing"):
            assert await in_tab(desk, tab, waits) is None
        # A handler has no 待回访 list; its 已办结 shows the case.
        handler = await signed_in(stack, "liuan")
        try:
            refused = await handler.get("/queue", params={"tab": "callback"})
            assert refused.status_code == 422 and "没有这个工单列表" in refused.text
            assert await eventually(lambda: in_tab(handler, "done", waits), timeout=SETTLE)
        finally:
            await handler.aclose()
    finally:
        await desk.aclose()


async def test_a_satisfied_sms_reply_from_a_consenting_caller_answers_the_callback(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(callback_consent=True, **URGENT)
    case_no = await open_and_resolve(stack, http, body)
    phone = body["caller_phone"]
    desk = await signed_in(stack, CALLER)
    try:
        await eventually(lambda: in_tab(desk, "callback", case_no), timeout=SETTLE)
        await notice_delivered(http, phone)

        await reply(http, phone, "1", f"up-{case_no}")

        kept = await settled(http, stack, phone)
        assert (kept["status"], kept["outcome"], kept["case_no"]) == (
            "applied",
            "satisfied",
            case_no,
        )

        async def closed() -> dict[str, Any] | None:
            status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
            return status if status and status["state"] == "closed" else None

        status = await eventually(closed, timeout=SETTLE)
        closing = [h for h in status["history"] if h["kind"] == "closed"]
        assert closing and "短信回复：1" in closing[0]["note"]
        # Off the callback list, on the finished one as closed.
        page = await eventually(lambda: in_tab(desk, "done", case_no), timeout=SETTLE)
        row = page[page.index(f'data-case="{case_no}"') :].split("</tr>")[0]
        assert 'data-state="closed"' in row
        assert await in_tab(desk, "callback", case_no) is None
    finally:
        await desk.aclose()


async def test_an_unsatisfied_sms_reply_reopens_the_case_off_the_callback_list(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(callback_consent=True, **URGENT)
    case_no = await open_and_resolve(stack, http, body)
    phone = body["caller_phone"]
    desk = await signed_in(stack, CALLER)
    try:
        await eventually(lambda: in_tab(desk, "callback", case_no), timeout=SETTLE)
        await notice_delivered(http, phone)

        await reply(http, phone, "3", f"up-{case_no}")

        kept = await settled(http, stack, phone)
        assert (kept["status"], kept["outcome"]) == ("applied", "unsatisfied")
        # Reopened: back with its unit, in the work being done, no longer waiting for a call.
        await eventually(lambda: in_tab(desk, "doing", case_no), timeout=SETTLE)
        assert await in_tab(desk, "callback", case_no) is None
    finally:
        await desk.aclose()
