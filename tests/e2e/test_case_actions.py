"""sla admits from a person only what the case page would offer them now (the shared rule,
casework.next_actions, over the state the workflow holds), on the real servers; repeat calls
and linked cases reach the case's record at the desk."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from tests.support import (
    CALLER,
    HANDLER,
    StackAddresses,
    acting,
    eventually,
    get_json,
    new_case,
    signed_in,
)

SUPERVISOR = "hubin-duban"


async def post(http: httpx.AsyncClient, url: str, actor: str, **body: Any) -> httpx.Response:
    """A command for a person; asked again while sla cannot yet verify them (a loaded desk
    answering sla's lookup late is not what these tests are about)."""

    async def answered() -> list[httpx.Response] | None:
        resp = await http.post(url, headers=acting(actor), json={"actor": actor, **body})
        return None if resp.status_code == 503 else [resp]

    found: list[httpx.Response] = await eventually(answered, timeout=60, interval=1.0)
    return found[0]


async def test_a_command_the_state_does_not_admit_is_refused_in_the_rules_words(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, url)
        return status if status and status["accept_due"] else None

    await eventually(waiting, timeout=30)
    # Before 签收: the page offers the handler 签收 and 退单 only, nobody 回访 or 审批延期.
    early = await post(http, f"{url}/resolve", HANDLER, note="已修好")
    assert early.status_code == 409, early.text
    assert early.json() == {
        "code": "illegal_transition",
        "message": "当前不能办结：等待承办单位签收。",
    }
    callback = await post(http, f"{url}/callback", CALLER, satisfied=True)
    assert callback.status_code == 409 and "等待承办单位签收" in callback.json()["message"]
    decision = await post(http, f"{url}/extension/decision", SUPERVISOR, approve=True)
    assert decision.status_code == 409
    assert decision.json()["message"] == "没有待审批的延期申请。"
    # A role that may never do it is refused as such (403), whatever the state.
    assert (await post(http, f"{url}/accept", CALLER)).status_code == 403

    assert (await post(http, f"{url}/accept", HANDLER)).status_code == 200
    asked = await post(http, f"{url}/extension", HANDLER, amount=2, reason="需供电公司配合")
    assert asked.status_code == 200, asked.text
    again = await post(http, f"{url}/extension", HANDLER, amount=1, reason="再延一天")
    assert again.status_code == 409
    assert again.json()["message"] == "已有延期申请待审批，不能再次申请延期。"
    decided = await post(http, f"{url}/extension/decision", SUPERVISOR, approve=False)
    assert decided.status_code == 200, decided.text
    resolved = await post(http, f"{url}/resolve", HANDLER, note="已更换路灯灯泡")
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"

    # After 办结 the handler's commands are over, at sla and through the desk alike.
    for action, note in (("accept", ""), ("progress", "再看看"), ("bounce", "不归本单位")):
        late = await post(http, f"{url}/{action}", HANDLER, note=note)
        assert late.status_code == 409, (action, late.text)
        assert "已办结，等待回访" in late.json()["message"]
    handler = await signed_in(stack, HANDLER)

    async def through_desk() -> list[httpx.Response] | None:
        resp = await handler.post(
            f"{stack.desk}/ui/cases/{case_no}/act/progress", json={"note": "再看看"}
        )
        return None if resp.status_code == 503 else [resp]

    try:
        through = (await eventually(through_desk, timeout=60, interval=1.0))[0]
    finally:
        await handler.aclose()
    assert through.status_code == 409
    assert through.json()["message"] == "当前不能反馈进展：已办结，等待回访。"
    closed = await post(http, f"{url}/callback", CALLER, satisfied=True)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


async def test_a_repeat_call_reaches_the_original_cases_record(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = f"139{secrets.randbelow(10**8):08d}"  # no earlier run's open case has it
    first = (await http.post(f"{stack.intake}/v1/cases", json=new_case(caller_phone=phone))).json()
    again = (
        await http.post(
            f"{stack.intake}/v1/cases",
            json=new_case(caller_phone=phone, content="柳岸花园门口的路灯还是不亮，晚上太黑了"),
        )
    ).json()
    assert again["repeat_of"] == first["case_no"]
    handler = await signed_in(stack, HANDLER)
    try:

        async def told() -> str | None:
            page = await handler.get(f"{stack.desk}/cases/{first['case_no']}")
            return page.text if "重复来电 1 次" in page.text else None

        page = await eventually(told, timeout=30, interval=0.5)
    finally:
        await handler.aclose()
    assert again["case_no"] in page and phone not in page
