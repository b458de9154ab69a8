"""The drill policy on the real stack: an unaccepted case climbs the ladder within a minute,
and restarting the sla worker and the Temporal server mid-run loses no timer."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx

from services.common.events import Topic
from tests.support import (
    AS_INTAKE,
    DRILL_POLICY,
    RUN_DIR,
    StackAddresses,
    case_events,
    eventually,
    get_json,
    new_case,
    stack_command,
)


async def _escalated_to(http: httpx.AsyncClient, url: str, tier: str) -> dict[str, Any] | None:
    status = await get_json(http, url)
    return status if status and status["tier"] == tier else None


async def test_unaccepted_case_escalates_village_township_district(
    drill_sla: None, stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = f"{stack.sla}/v1/cases/{case_no}"
    status = await eventually(lambda: _escalated_to(http, url, "district"), timeout=60, interval=1)
    assert [e["tier"] for e in status["escalations"]] == ["township", "district"]

    kinds = [
        (p.kind, p.tier) for _, p in await case_events(stack.kafka, Topic.SLA, case_no, idle_ms=800)
    ]
    assert ("escalated", "township") in kinds and ("escalated", "district") in kinds
    assert kinds.index(("breached", "village")) < kinds.index(("escalated", "township"))

    async def told() -> list[dict[str, Any]] | None:
        notes = (
            await get_json(http, f"{stack.notify}/v1/cases/{case_no}/notifications", AS_INTAKE)
            or []
        )
        recipients = {n["recipient"] for n in notes if n["template"] == "handler_escalated"}
        return notes if {"U-D01-T01", "U-D01-ZJJ"} <= recipients else None

    notes = await eventually(told, timeout=15)
    assert any(n["template"] == "supervisor_escalated" for n in notes)


async def test_restarting_worker_and_temporal_loses_no_timer(
    drill_sla: None, stack: StackAddresses, http: httpx.AsyncClient
) -> None:
    case_no = (await http.post(f"{stack.intake}/v1/cases", json=new_case())).json()["case_no"]
    url = f"{stack.sla}/v1/cases/{case_no}"

    async def waiting() -> dict[str, Any] | None:
        status = await get_json(http, url)
        return status if status and status["accept_due"] else None

    before = await eventually(waiting, timeout=15)
    assert before["state"] == "dispatched" and before["tier"] == "village"
    os.kill(int((Path(RUN_DIR) / "sla.pid").read_text()), signal.SIGKILL)
    await stack_command("down", "temporal")
    await stack_command("up", "temporal")
    await stack_command("up", "sla", env={**os.environ, "MINHU_SLA_POLICY": DRILL_POLICY})

    after = await eventually(lambda: _escalated_to(http, url, "township"), timeout=60, interval=1)
    escalation = after["escalations"][0]
    assert escalation["at"] >= before["accept_due"]
    assert escalation["unit_id"] == "U-D01-T01"
