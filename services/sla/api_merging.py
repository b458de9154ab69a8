"""不予受理 and 合并 through sla's API: the desk sends them for a dispatcher or supervisor.

A merge checks both cases as their workflows hold them (services/sla/domain/merging.py),
then asks the lead to take the follower and the follower to follow; if the follower then
refuses (its state changed in between), the lead lets it go again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from services.common.rejection import REASONS, NotAReason, rejection_note
from services.sla.api import FROM_DESK, REFUSALS, CaseNo, _admit, _status, _update
from services.sla.contracts import CaseStatus, FollowCommand, RejectCommand, TakeFollower
from services.sla.domain.merging import Standing, merge_refusal

router = APIRouter(prefix="/v1", tags=["sla"])
LeadNo = Annotated[str, Field(pattern=r"^\d{14}$", description="主办工单编号")]


class RejectIn(BaseModel):
    """不予受理: a reason code from the list, and a word more (required for 其他)."""

    actor: str = Field(min_length=1, max_length=64, description="操作人")
    reason: str = Field(
        min_length=1,
        max_length=32,
        description="理由：" + "、".join(f"{k}（{r.label}）" for k, r in REASONS.items()),
    )
    text: str = Field(default="", max_length=500, description="补充说明")


class MergeIn(BaseModel):
    """合并: this case follows the lead from now on and closes when the lead closes."""

    actor: str = Field(min_length=1, max_length=64, description="操作人")
    lead: LeadNo
    note: str = Field(default="", max_length=500)


def _conflict(code: str, message: str) -> HTTPException:
    return HTTPException(409, {"code": code, "message": message})


def _standing(status: CaseStatus) -> Standing:
    return Standing(status.case_no, status.state, status.lead, tuple(status.followers))


@router.post(
    "/cases/{case_no}/reject",
    response_model=CaseStatus,
    summary="不予受理",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def reject(case_no: CaseNo, body: RejectIn, request: Request) -> dict[str, Any]:
    """Close the case as not the platform's matter; the caller is texted the reason."""
    try:
        rejection_note(body.reason, body.text)
    except NotAReason as exc:
        raise _conflict(exc.code, exc.message) from exc
    await _admit(request, case_no, "reject", body.actor)
    return await _update(
        request, case_no, "reject", RejectCommand(body.actor, body.reason, body.text)
    )


@router.post(
    "/cases/{case_no}/merge",
    response_model=CaseStatus,
    summary="合并至主办工单",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def merge(case_no: CaseNo, body: MergeIn, request: Request) -> dict[str, Any]:
    """The case follows the lead: its deadlines stop, it closes with the lead's result."""
    if body.lead == case_no:
        raise _conflict("merge_self", "不能将工单并入其自身")
    await _admit(request, case_no, "merge", body.actor)
    follower = await _status(request, case_no)
    try:
        lead = await _status(request, body.lead)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise _conflict("lead_unknown", f"主办工单 {body.lead} 不存在或尚未派单") from exc
        raise
    refusal = merge_refusal(_standing(follower), _standing(lead))
    if refusal is not None:
        raise _conflict(refusal.code, refusal.message)
    # The lead too must lie within what this person may act on.
    await _admit(request, body.lead, "merge", body.actor)
    taken = TakeFollower(body.actor, case_no)
    await _update(request, body.lead, "take_follower", taken)
    try:
        return await _update(
            request, case_no, "follow", FollowCommand(body.actor, body.lead, body.note)
        )
    except HTTPException:
        await _update(request, body.lead, "drop_follower", taken)
        raise
