"""联动办 through the real stack: a joint case from dispatch to close, through Kafka. The
lead and each co-unit are told; each co-unit works its own part at the desk; the lead may
not resolve until every part is reported; the record and the board keep every part."""

from __future__ import annotations

import html
import json
from typing import Any

import httpx

from services.common.settings import CommonSettings
from tests.support import AS_INTAKE, StackAddresses, eventually, get_json, new_case, signed_in

LEAD = "U-D01-ZJJ"
# Who signs in for each co-unit dispatch may name for a 城乡建设 case in 青山镇.
CO_UNIT_PEOPLE = {"U-D01-CGJ": "cgj", "U-D01-T03": "qingshan"}
AS_DESK = CommonSettings().service_headers("desk")
# No matter the model is sure of: the case waits for a dispatcher, who judges it 联动办.
VAGUE = {
    "title": "咨询联动",
    "content": "你好，我想问一下这个事情应该找哪里办理，谢谢。",
    "address": "青山镇",
}


async def _joint_case(stack: StackAddresses, http: httpx.AsyncClient) -> tuple[str, list[str]]:
    resp = await http.post(f"{stack.intake}/v1/cases", json=new_case(**VAGUE))
    assert resp.status_code == 201, resp.text
    case_no = str(resp.json()["case_no"])

    async def queued() -> dict[str, Any] | None:
        queue = await get_json(http, f"{stack.dispatch}/v1/manual-queue") or []
        return next((q for q in queue if q["case_no"] == case_no), None)

    await eventually(queued, timeout=60)
    done = await http.post(
        f"{stack.dispatch}/v1/manual-queue/{case_no}/dispatch",
        json={"actor": "paidan", "topic": "城乡建设", "difficulty": "complex"},
        headers=AS_DESK,
    )
    assert done.status_code == 200, done.text
    stored = done.json()
    assert stored["unit_id"] == LEAD, stored
    co = list(stored["co_unit_ids"])
    assert "U-D01-CGJ" in co and set(co) <= set(CO_UNIT_PEOPLE), co
    return case_no, co


async def _act(client: httpx.AsyncClient, case_no: str, action: str, **body: Any) -> httpx.Response:
    return await client.post(f"/ui/cases/{case_no}/act/{action}", json=body, timeout=30.0)


async def test_a_joint_case_runs_from_dispatch_to_close_with_every_units_part(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no, co = await _joint_case(stack, http)

    async def parts_at_sla() -> dict[str, Any] | None:
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
        ready = (
            status and len(status["parts"]) == len(co) and all(p["clock"] for p in status["parts"])
        )
        return status if ready else None

    status = await eventually(parts_at_sla, timeout=60)
    assert [p["part_id"] for p in status["parts"]] == co

    async def everyone_told() -> list[dict[str, Any]] | None:
        notes = (
            await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
            or []
        )
        told = [n for n in notes if n["channel"] == "in_app"]
        return told if {n["recipient"] for n in told} >= {LEAD, *co} else None

    told = await eventually(everyone_told, timeout=60)
    by_unit = {n["recipient"]: n for n in told}
    assert by_unit[LEAD]["template"] == "handler_new_case"
    for unit in co:
        assert by_unit[unit]["template"] == "handler_joint_part"
        assert "协办单位" in by_unit[unit]["body"]

    lead = await signed_in(stack, "zjj")
    people = {unit: await signed_in(stack, CO_UNIT_PEOPLE[unit]) for unit in co}
    try:
        # Each co-unit finds its part in its own queue and may open the case.
        for unit, client in people.items():

            async def listed(client: httpx.AsyncClient = client) -> str | None:
                page = (await client.get("/queue", params={"q": case_no})).text
                return page if f'data-case="{case_no}"' in page and "协办任务" in page else None

            await eventually(listed, timeout=60)
            page = (await client.get(f"/cases/{case_no}")).text
            assert 'id="parts"' in page and f'id="act-part-accept-{unit}"' in page
            # Nobody but the co-unit itself works its part.
            other = next(iter(u for u in co if u != unit), None)
            if other:
                assert f'id="act-part-accept-{other}"' not in page
        assert (await _act(lead, case_no, "accept", note="")).status_code == 200
        refused = await _act(
            people[co[0]], case_no, "part/report", part_id=co[0], note="未签收就反馈"
        )
        assert refused.status_code == 409, refused.text
        first, *rest = co
        assert (await _act(people[first], case_no, "part/accept", part_id=first)).status_code == 200
        wrong = await _act(lead, case_no, "part/accept", part_id=rest[0] if rest else first)
        assert wrong.status_code == 403, wrong.text
        reported = await _act(
            people[first], case_no, "part/report", part_id=first, note="已依法处置占道经营"
        )
        assert reported.status_code == 200, reported.text
        if rest:
            held = await _act(lead, case_no, "resolve", note="已协调解决", signed=True)
            said = json.dumps(held.json(), ensure_ascii=False)
            assert held.status_code == 409 and "反馈办理结果" in said, said
            for unit in rest:
                ok = await _act(people[unit], case_no, "part/accept", part_id=unit)
                assert ok.status_code == 200, ok.text
                ok = await _act(
                    people[unit], case_no, "part/report", part_id=unit, note="街道已配合"
                )
                assert ok.status_code == 200, ok.text
        resolved = await _act(lead, case_no, "resolve", note="已协调解决", signed=True)
        assert resolved.status_code == 200, resolved.text

        async def parts_done() -> str | None:
            page = html.unescape((await lead.get(f"/cases/{case_no}")).text)
            shown = "各协办单位均已反馈" in page and "已依法处置占道经营" in page
            return page if shown and "反馈协办结果" in page else None

        await eventually(parts_done, timeout=60)
    finally:
        await lead.aclose()
        for client in people.values():
            await client.aclose()

    dispatcher = await signed_in(stack, "paidan")
    try:
        called = await _act(dispatcher, case_no, "callback", satisfied=True, reached=True)
        assert called.status_code == 200, called.text
    finally:
        await dispatcher.aclose()

    async def closed() -> dict[str, Any] | None:
        status = await get_json(http, f"{stack.sla}/v1/cases/{case_no}")
        return status if status and status["state"] == "closed" else None

    status = await eventually(closed, timeout=60)
    assert [p["state"] for p in status["parts"]] == ["reported"] * len(co)
