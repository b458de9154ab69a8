"""The operator console's timeline and search, and the queue UI's actions, on the real servers.

The timeline is for people at the 12345 centre: these tests sign in at the desk as the demo
operator (`operator` fixture), so they need the desk's session API.
"""

from __future__ import annotations

import re
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
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fresh_phone() -> str:
    """A mobile number no earlier run used, so a search finds exactly this run's cases."""
    return f"139{secrets.randbelow(10**8):08d}"


async def post_case(stack: StackAddresses, http: httpx.AsyncClient, **overrides: Any) -> str:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(**overrides))
    assert resp.status_code == 201, resp.text
    case_no: str = resp.json()["case_no"]
    return case_no


async def settled_timeline(
    stack: StackAddresses, operator: httpx.AsyncClient, case_no: str
) -> dict[str, Any]:
    """The timeline once dispatch, sla and notify all know the case."""

    async def probe() -> dict[str, Any] | None:
        t = await get_json(operator, f"{stack.intake}/v1/cases/{case_no}/timeline")
        # The workflow's deadlines come from its first activity, a moment after it starts.
        ready = t and t["dispatch"] and t["sla"] and t["sla"]["accept_due"] and t["notifications"]
        # The citizen's receipt SMS may come first; the handler's in-app notice is awaited.
        return t if ready and any(n["channel"] == "in_app" for n in t["notifications"]) else None

    return await eventually(probe, timeout=15.0, interval=0.3)


async def test_timeline_gathers_every_service(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    case_no = await post_case(stack, http, caller_phone=phone)
    early = await operator.get(f"{stack.intake}/v1/cases/{case_no}/timeline")
    assert early.status_code == 200, early.text
    assert early.json()["case"]["case_no"] == case_no
    # API clients do not see the timeline; people see it masked.
    assert (await http.get(f"{stack.intake}/v1/cases/{case_no}/timeline")).status_code == 403

    t = await settled_timeline(stack, operator, case_no)
    assert phone not in str(t) and t["case"]["caller_phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert t["unavailable"] == []
    assert t["case"]["address"] == "柳岸路柳岸花园门口"
    assert t["dispatch"]["unit_id"] == "U-D01-T01-V01"
    assert t["dispatch"]["difficulty"] == "simple" and t["dispatch"]["explanation"]
    assert t["sla"]["state"] == "dispatched" and t["sla"]["light"] == "green"
    assert t["sla"]["accept_due"] < t["sla"]["resolve_due"]
    handler = [n for n in t["notifications"] if n["channel"] == "in_app"]
    assert [n["recipient"] for n in handler] == ["U-D01-T01-V01"]

    missing = await operator.get(f"{stack.intake}/v1/cases/20000101000001/timeline")
    assert missing.status_code == 404 and "未找到" in missing.json()["message"]


async def test_actions_through_sla_drive_the_sla_state(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    case_no = await post_case(stack, http)
    await settled_timeline(stack, operator, case_no)
    actions = f"{stack.sla}/v1/cases/{case_no}"

    accepted = await http.post(
        f"{actions}/accept", headers=acting(HANDLER), json={"actor": HANDLER}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    seen = await http.get(f"{stack.sla}/v1/cases/{case_no}")
    assert seen.status_code == 200 and seen.json()["state"] == "accepted"

    resolved = await http.post(
        f"{actions}/resolve",
        headers=acting(HANDLER),
        json={"actor": HANDLER, "note": "已更换路灯灯泡"},
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["state"] == "resolved"
    t = await get_json(operator, f"{stack.intake}/v1/cases/{case_no}/timeline")
    assert t is not None and t["sla"]["state"] == "resolved"
    kinds = [h["kind"] for h in t["sla"]["history"]]
    assert kinds == ["dispatched", "accepted", "resolved"]

    closed = await http.post(
        f"{actions}/callback", headers=acting(CALLER), json={"actor": CALLER, "satisfied": True}
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


async def test_refused_action_comes_back_as_sla_said_it(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    case_no = await post_case(stack, http)
    await settled_timeline(stack, operator, case_no)
    actions = f"{stack.sla}/v1/cases/{case_no}"

    early = await http.post(
        f"{actions}/resolve", headers=acting(HANDLER), json={"actor": HANDLER, "note": "已修好"}
    )
    assert early.status_code == 409
    body = early.json()
    assert body["code"] == "illegal_transition"
    assert "签收" in body["message"] and CHINESE.search(body["message"])

    unknown = await http.post(
        f"{actions}/approve", headers=acting(HANDLER), json={"actor": HANDLER}
    )
    assert unknown.status_code in (404, 405)
    nobody = await http.post(
        f"{stack.sla}/v1/cases/20000101000001/accept",
        headers=acting(HANDLER),
        json={"actor": HANDLER},
    )
    assert nobody.status_code == 404 and "未找到" in nobody.json()["message"]


async def test_search_by_phone_finds_the_case(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    phone = fresh_phone()
    first = await post_case(stack, http, caller_phone=phone)
    second = await post_case(stack, http, caller_phone=phone, title="柳岸路路灯又不亮了")

    found = await http.get(f"{stack.intake}/v1/cases", params={"phone": phone})
    assert found.status_code == 200, found.text
    assert [c["case_no"] for c in found.json()] == [second, first]
    assert found.json()[0]["caller_phone"] == f"{phone[:3]}****{phone[-4:]}"
    assert phone not in found.text

    spaced = await http.get(
        f"{stack.intake}/v1/cases", params={"phone": f"{phone[:3]} {phone[3:]}"}
    )
    assert [c["case_no"] for c in spaced.json()] == [second, first]


async def test_pages_are_served(
    stack: StackAddresses, http: httpx.AsyncClient, operator: httpx.AsyncClient
) -> None:
    console = await operator.get(f"{stack.intake}/")
    assert console.status_code == 200 and "text/html" in console.headers["content-type"]
    assert "接线员受理台" in console.text
    async with httpx.AsyncClient() as nobody:
        to_login = await nobody.get(f"{stack.intake}/", follow_redirects=False)
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith(f"{stack.desk}/login?next=")
    queue = await http.get(f"{stack.desk}/", follow_redirects=True)  # to the login
    assert queue.status_code == 200 and "text/html" in queue.headers["content-type"]
    assert "办理人工作台" in queue.text
    # The queue UI used to live at dispatch's address: old bookmarks are sent on.
    moved = await http.get(f"{stack.dispatch}/", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"].startswith(stack.desk)
    page = await http.get(
        f"{stack.dispatch}/cases/20261201000001?part=main", follow_redirects=False
    )
    assert page.headers["location"] == f"{stack.desk}/cases/20261201000001?part=main"
    for url in (
        f"{stack.intake}/static/console.js",
        f"{stack.intake}/static/console.css",
        f"{stack.desk}/static/queue.js",
        f"{stack.desk}/static/queue.css",
        f"{stack.desk}/static/charts.js",
        f"{stack.desk}/static/vendor/echarts.min.js",
    ):
        assert (await http.get(url)).status_code == 200, url
