"""SLA's HTTP API: a case's SLA state and the commands the queue UI sends."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from services.common.errors import not_found
from services.common.logging import get_logger
from services.sla.contracts import (
    CallbackResult,
    CaseStatus,
    ExtensionDecision,
    ExtensionRequest,
    HandlerCommand,
    workflow_id,
)

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["sla"])
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$", description="工单编号")]


class Command(BaseModel):
    """Who acts, and what they say (progress note, resolution, reason)."""

    actor: str = Field(min_length=1, max_length=64, description="操作人")
    note: str = Field(default="", max_length=2000)


class Callback(BaseModel):
    """The callback survey's outcome; reached=false records an unanswered call."""

    actor: str = Field(min_length=1, max_length=64, description="回访人")
    satisfied: bool = False
    reached: bool = True
    note: str = Field(default="", max_length=2000)


class ExtensionIn(BaseModel):
    """延期申请: amount in the policy's extension unit (working days by default)."""

    actor: str = Field(min_length=1, max_length=64, description="申请人")
    amount: int = Field(gt=0, le=365, description="延期时长")
    reason: str = Field(min_length=1, max_length=2000, description="延期理由")


class DecisionIn(BaseModel):
    """The tier above approves or denies a pending extension."""

    actor: str = Field(min_length=1, max_length=64, description="审批人")
    approve: bool
    note: str = Field(default="", max_length=2000)


def _handle(request: Request, case_no: str) -> WorkflowHandle[Any, Any]:
    client: Client = request.app.state.temporal
    return client.get_workflow_handle(workflow_id(case_no))


@router.get("/cases/{case_no}", response_model=CaseStatus, summary="查看时限状态")
async def read_status(case_no: CaseNo, request: Request) -> dict[str, Any]:
    """State, tier, light, deadlines and escalations, straight from the case workflow."""
    try:
        status = await _handle(request, case_no).query("status", result_type=CaseStatus)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found("时限记录", case_no) from exc
        raise _unreadable(case_no, exc) from exc
    except WorkflowQueryFailedError as exc:
        raise _unreadable(case_no, exc) from exc
    return asdict(status)


def _unreadable(case_no: str, exc: Exception) -> HTTPException:
    """503 with a reason, logged, instead of an unhandled error that drops the connection."""
    log.error("case status unreadable", case_no=case_no, error=str(exc)[:300])
    return HTTPException(
        503,
        {
            "code": "status_unavailable",
            "message": f"暂时无法读取工单 {case_no} 的时限状态，请稍后重试",
        },
    )


async def _update(request: Request, case_no: str, name: str, arg: object) -> dict[str, Any]:
    try:
        status = await _handle(request, case_no).execute_update(name, arg, result_type=CaseStatus)
    except WorkflowUpdateFailedError as exc:
        # The validator's own sentence, without the exception type in front of it.
        reason = getattr(exc.cause, "message", None) or str(exc.cause or exc)
        raise HTTPException(409, {"code": "illegal_transition", "message": reason}) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found("时限记录", case_no) from exc
        # Temporal did not answer: the command may or may not have taken effect.
        log.error("case command outcome unknown", case_no=case_no, update=name, error=str(exc))
        raise HTTPException(
            503,
            {
                "code": "outcome_unknown",
                "message": "时限服务暂时无法确认该操作是否生效，请稍后刷新工单查看",
            },
        ) from exc
    return asdict(status)


@router.post("/cases/{case_no}/accept", response_model=CaseStatus, summary="签收")
async def accept(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The assigned unit accepts the case."""
    return await _update(request, case_no, "accept", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/progress", response_model=CaseStatus, summary="反馈进展")
async def progress(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports progress."""
    return await _update(request, case_no, "progress", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/resolve", response_model=CaseStatus, summary="办结")
async def resolve(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports the matter solved (the note is the resolution)."""
    return await _update(request, case_no, "resolve", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/callback", response_model=CaseStatus, summary="回访")
async def callback(case_no: CaseNo, body: Callback, request: Request) -> dict[str, Any]:
    """Record the citizen's answer at the callback survey."""
    result = CallbackResult(
        actor=body.actor, satisfied=body.satisfied, note=body.note, reached=body.reached
    )
    return await _update(request, case_no, "callback", result)


@router.post("/cases/{case_no}/close", response_model=CaseStatus, summary="督办销号")
async def close(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """A supervisor closes the case with a reason."""
    return await _update(request, case_no, "close", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/bounce", response_model=CaseStatus, summary="退单")
async def bounce(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit returns a wrong assignment to dispatch (the note is the reason)."""
    return await _update(request, case_no, "bounce", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/extension", response_model=CaseStatus, summary="申请延期")
async def request_extension(case_no: CaseNo, body: ExtensionIn, request: Request) -> dict[str, Any]:
    """Ask the tier above for more time on the resolve deadline."""
    req = ExtensionRequest(actor=body.actor, amount=body.amount, reason=body.reason)
    return await _update(request, case_no, "request_extension", req)


@router.post("/cases/{case_no}/extension/decision", response_model=CaseStatus, summary="审批延期")
async def decide_extension(case_no: CaseNo, body: DecisionIn, request: Request) -> dict[str, Any]:
    """Approve (the deadline moves) or deny (it stays) a pending extension."""
    dec = ExtensionDecision(actor=body.actor, approve=body.approve, note=body.note)
    return await _update(request, case_no, "decide_extension", dec)
