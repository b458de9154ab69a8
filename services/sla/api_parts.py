"""SLA's HTTP API for 联动办: a co-unit's commands on its part, and the lead's override.

As for every command, the desk names the person, who must be allowed to act on the part
(or, for the override, on the case) where it is now (services/common/access/casework.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from services.common.access import principal_of
from services.common.access.casework import part_case
from services.common.jurisdiction import Directory
from services.sla import actors
from services.sla.api import FROM_DESK, REFUSALS, CaseNo, Command, _admit, _status, _update
from services.sla.contracts import CaseStatus, HandlerCommand, PartCommand

router = APIRouter(prefix="/v1", tags=["sla"])


class PartIn(BaseModel):
    """Who acts on which part (the co-unit dispatch named), and what they say."""

    part_id: str = Field(min_length=1, max_length=64, description="协办单位编号")
    actor: str = Field(min_length=1, max_length=64, description="操作人")
    note: str = Field(default="", max_length=2000)


async def _admit_part(request: Request, case_no: str, action: str, body: PartIn) -> None:
    """The shared rule applied to the part as the workflow holds it (403 / 409)."""
    who = await principal_of(request)
    person: actors.Person | None = None
    case: dict[str, Any] = {}
    directory: Directory = request.app.state.directory
    if who.acting_for:
        try:
            person = await request.app.state.people.get(who.acting_for)
        except actors.PeopleUnavailable as exc:
            raise HTTPException(
                503,
                {"code": "actor_unverifiable", "message": "暂时无法核实操作人，请稍后重试"},
            ) from exc
        if person is not None and person.active:
            case = part_of(await _status(request, case_no), body.part_id, directory)
    refusal = actors.refusal(who, action, body.actor, person, case, directory)
    if refusal is not None:
        raise actors.refused(refusal)


def part_of(status: CaseStatus, part_id: str, directory: Directory) -> dict[str, Any]:
    """The part as the shared rule reads it; a unit with no part on the case has none."""
    for p in status.parts:
        if p.part_id == part_id:
            return part_case(directory, p.part_id, p.ladder[p.rung].unit_id, p.state)
    return {"part_id": part_id, "unit_id": "", "state": ""}


async def _part_command(request: Request, case_no: str, name: str, body: PartIn) -> Any:
    await _admit_part(request, case_no, name.replace("_", "/", 1), body)
    return await _update(request, case_no, name, PartCommand(body.part_id, body.actor, body.note))


@router.post(
    "/cases/{case_no}/part/accept",
    response_model=CaseStatus,
    summary="签收协办任务",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def part_accept(case_no: CaseNo, body: PartIn, request: Request) -> Any:
    """A co-unit (or whoever its overdue part climbed to) accepts its part."""
    return await _part_command(request, case_no, "part_accept", body)


@router.post(
    "/cases/{case_no}/part/progress",
    response_model=CaseStatus,
    summary="反馈协办进展",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def part_progress(case_no: CaseNo, body: PartIn, request: Request) -> Any:
    """A progress note on a part."""
    return await _part_command(request, case_no, "part_progress", body)


@router.post(
    "/cases/{case_no}/part/report",
    response_model=CaseStatus,
    summary="反馈协办结果",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def part_report(case_no: CaseNo, body: PartIn, request: Request) -> Any:
    """The co-unit's result of its part: the part is done."""
    return await _part_command(request, case_no, "part_report", body)


@router.post(
    "/cases/{case_no}/parts/override",
    response_model=CaseStatus,
    summary="强制办结（不再等待协办单位）",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def override_parts(case_no: CaseNo, body: Command, request: Request) -> Any:
    """The lead stops waiting for the parts still open; the reason is recorded."""
    await _admit(request, case_no, "parts/override", body.actor)
    return await _update(request, case_no, "override_parts", HandlerCommand(body.actor, body.note))
