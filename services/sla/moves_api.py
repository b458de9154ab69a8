"""SLA's HTTP API for moving a case after acceptance: 改派 and 上报 (with its decision).

Like every command, each names its person and is admitted by the shared case rule
(services/common/access/casework.py) on the case as its workflow holds it now; a transfer's
target must also lie within the supervisor's jurisdiction.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from services.common.access.casework import case_at, transfer_refusal
from services.common.jurisdiction import Directory
from services.sla import actors
from services.sla.api import FROM_DESK, REFUSALS, CaseNo, _admit, _update
from services.sla.contracts import CaseStatus, Rung
from services.sla.domain.moves import TakeoverDecision, TakeoverRequest, TransferCommand

router = APIRouter(prefix="/v1", tags=["sla"])


class TransferIn(BaseModel):
    """改派: the unit that takes the case over, and why."""

    actor: str = Field(min_length=1, max_length=64, description="操作人")
    unit_id: str = Field(min_length=1, max_length=64, description="改派至的承办单位")
    reason: str = Field(min_length=1, max_length=2000, description="改派理由")


class TakeoverIn(BaseModel):
    """上报/吹哨: why the unit asks the tier above to take the case over."""

    actor: str = Field(min_length=1, max_length=64, description="申请人")
    reason: str = Field(min_length=1, max_length=2000, description="上报理由")


class TakeoverDecisionIn(BaseModel):
    """The tier above takes the case over, or refuses with a reason."""

    actor: str = Field(min_length=1, max_length=64, description="决定人")
    accept: bool
    note: str = Field(default="", max_length=2000)


def transfer_target(directory: Directory, unit_id: str) -> tuple[Rung, Rung | None]:
    """The target unit as a rung, and the township above it for a village unit."""
    unit = directory.unit(unit_id)
    to = Rung(unit.tier.value, unit.id, unit.name)
    township_id = case_at(directory, unit_id)["township_id"]
    if unit.tier.value != "village" or not township_id:
        return to, None
    above = directory.handling_unit(township_id)
    return to, Rung(above.tier.value, above.id, above.name)


@router.post(
    "/cases/{case_no}/transfer",
    response_model=CaseStatus,
    summary="改派",
    dependencies=FROM_DESK,
    responses={**REFUSALS, 422: {"description": "目录中没有该承办单位"}},
)
async def transfer(case_no: CaseNo, body: TransferIn, request: Request) -> dict[str, Any]:
    """A supervisor moves the case to another unit of their jurisdiction, with a reason."""
    await _admit(request, case_no, "transfer", body.actor)
    directory: Directory = request.app.state.directory
    people: actors.DeskPeople = request.app.state.people
    person = await people.get(body.actor)  # just looked up by _admit: from its cache
    assert person is not None
    refusal = transfer_refusal(person, body.unit_id, directory)
    if refusal is not None:
        status = 422 if "目录" in refusal or "承办单位" in refusal else 403
        code = "unknown_unit" if status == 422 else "actor_forbidden"
        raise HTTPException(status, {"code": code, "message": refusal})
    to, township = transfer_target(directory, body.unit_id)
    cmd = TransferCommand(actor=body.actor, reason=body.reason, to=to, township=township)
    return await _update(request, case_no, "transfer", cmd)


@router.post(
    "/cases/{case_no}/takeover",
    response_model=CaseStatus,
    summary="上报",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def request_takeover(case_no: CaseNo, body: TakeoverIn, request: Request) -> dict[str, Any]:
    """The handling unit asks the next tier of its ladder to take the case over."""
    await _admit(request, case_no, "takeover", body.actor)
    req = TakeoverRequest(actor=body.actor, reason=body.reason)
    return await _update(request, case_no, "request_takeover", req)


@router.post(
    "/cases/{case_no}/takeover/decision",
    response_model=CaseStatus,
    summary="决定上报",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def decide_takeover(
    case_no: CaseNo, body: TakeoverDecisionIn, request: Request
) -> dict[str, Any]:
    """The unit asked (or a supervisor over it) takes the case over or refuses."""
    await _admit(request, case_no, "takeover/decision", body.actor)
    dec = TakeoverDecision(actor=body.actor, accept=body.accept, note=body.note)
    return await _update(request, case_no, "decide_takeover", dec)
