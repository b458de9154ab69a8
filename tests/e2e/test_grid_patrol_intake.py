"""Patrol reports at intake: only the desk files one closed on the spot (就地办结), for a
grid_patrol case with a grid; such a case is closed at intake, never dispatched, and the
desk's record counts it for the grid."""

from __future__ import annotations

from typing import Any

import httpx

from services.common.access.services import ACTOR_HEADER
from tests.support import (
    AS_INTAKE,
    INTAKE_HEADERS,
    SERVICE_HEADERS,
    StackAddresses,
    eventually,
    get_json,
)

GRID = "G-D01-T01-V01-01"
WORKER = "wangge-liuan1"


def patrol(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "grid_patrol",
        "anonymous": True,
        "title": "楼道堆物",
        "content": "巡查发现柳岸花园3栋楼道堆放纸箱，堵住通道",
        "address": "柳岸路柳岸花园3栋",
        "grid_code": GRID,
        "latitude": 28.2301,
        "longitude": 112.9301,
        "operator": WORKER,
        "on_spot_note": "已督促住户当场清走",
    }
    body.update(overrides)
    return body


async def test_only_the_desk_files_a_report_closed_on_the_spot(stack: StackAddresses) -> None:
    url = f"{stack.intake}/v1/cases"
    desk = {**SERVICE_HEADERS, ACTOR_HEADER: WORKER}
    async with httpx.AsyncClient(timeout=15) as http:
        by_client = await http.post(url, json=patrol(), headers=INTAKE_HEADERS)
        assert by_client.status_code == 422, by_client.text
        assert by_client.json()["errors"][0]["field"] == "on_spot_note"
        by_phone = await http.post(url, json=patrol(channel="phone"), headers=desk)
        assert by_phone.status_code == 422 and "网格巡查" in by_phone.text
        no_grid = await http.post(url, json=patrol(grid_code=None), headers=desk)
        assert no_grid.status_code == 422

        filed = await http.post(url, json=patrol(), headers=desk)
        assert filed.status_code == 201, filed.text
        assert filed.json()["status"] == "closed" and "就地办结" in filed.json()["message"]
        case_no = filed.json()["case_no"]
        stored = await get_json(http, f"{url}/{case_no}", headers=INTAKE_HEADERS)
        assert stored is not None and stored["status"] == "closed"
        assert stored["operator"] == WORKER and stored["on_spot_note"] == "已督促住户当场清走"

        async def closed_on_the_board() -> dict[str, Any] | None:
            record = await get_json(
                http, f"{stack.desk}/v1/cases/{case_no}/record", SERVICE_HEADERS
            )
            case = (record or {}).get("case") or {}
            return record if case.get("close_reason") == "closed_on_spot" else None

        record = await eventually(closed_on_the_board, timeout=30, interval=0.5)
        assert record["case"]["unit_id"] == GRID and record["case"]["tier"] == "grid"
        assert record["case"]["state"] == "closed" and record["case"]["resolved_at"]
        # Closed at intake: dispatch never made an assignment of it.
        assigned = await http.get(f"{stack.dispatch}/v1/cases/{case_no}", headers=AS_INTAKE)
        assert assigned.status_code == 404

        # Sent to the grid instead: dispatched to the grid worker's own grid.
        sent = await http.post(
            url,
            json=patrol(
                on_spot_note=None, title="路灯不亮", content="巡查发现柳岸路12号门口的路灯不亮了"
            ),
            headers=desk,
        )
        assert sent.status_code == 201 and sent.json()["status"] == "received", sent.text
        sent_no = sent.json()["case_no"]

        async def dispatched() -> dict[str, Any] | None:
            return await get_json(http, f"{stack.dispatch}/v1/cases/{sent_no}", AS_INTAKE)

        assignment = await eventually(dispatched, timeout=30, interval=0.5)
        assert assignment["unit_id"] == GRID and assignment["tier"] == "grid"
        assert [s["tier"] for s in assignment["ladder"]][:2] == ["grid", "village"]
