"""Whole loops across services: a handler's bounce through sla reaches dispatch, which picks
another unit, and the case's workflow follows; a case sent with coordinates lands in the
grid they fall in."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import (
    AS_INTAKE,
    HANDLER,
    StackAddresses,
    acting,
    eventually,
    get_json,
    new_case,
)


async def test_bounce_through_sla_moves_the_case_and_its_workflow(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    sla_url = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, sla_url)
        return status if status and status["accept_due"] else None

    first = await eventually(waiting)
    assert first["unit_id"] == "U-D01-T01-V01"
    resp = await http.post(
        f"{sla_url}/bounce",
        headers=acting(HANDLER),
        json={"actor": HANDLER, "note": "该路段由街道市政维护"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "bounced"

    async def moved() -> dict[str, Any] | None:
        status = await get_json(http, sla_url)
        ok = status and status["state"] == "dispatched" and status["unit_id"] != first["unit_id"]
        return status if ok else None

    status = await eventually(moved, timeout=20)
    assert status["bounces"] == 1
    assert [h["kind"] for h in status["history"]][-2:] == ["bounced", "redispatched"]
    assignment = await get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
    assert assignment is not None and assignment["unit_id"] == status["unit_id"]
    assert assignment["attempt"] == 1


async def test_coordinates_route_a_case_to_the_grid_they_fall_in(
    stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    body = new_case(address=None, latitude=28.2423, longitude=112.9302)
    body["content"] = "门口的路灯坏了三天了，晚上很黑，请派人修理。"
    body["title"] = "路灯不亮"
    resp = await http.post(f"{stack.intake}/v1/cases", json=body)
    assert resp.status_code == 201, resp.text
    case_no = resp.json()["case_no"]
    assignment = await eventually(
        lambda: get_json(http, f"{stack.dispatch}/v1/cases/{case_no}", AS_INTAKE)
    )
    assert assignment["unit_id"] == "U-D01-T01-V02"
    assert any("坐标" in r for r in assignment["reasons"])
