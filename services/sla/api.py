"""SLA's HTTP API: a case's SLA state and the commands the queue UI sends."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from services.common.errors import not_found
from services.sla.contracts import CallbackResult, CaseStatus, HandlerCommand, workflow_id

router = APIRouter(prefix="/v1", tags=["sla"])
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$", description="工单编号")]


class Command(BaseModel):
    """Who acts, and what they say (progress note, resolution, reason)."""

    actor: str = Field(min_length=1, max_length=64, description="操作人")
    note: str = Field(default="", max_length=2000)


class Callback(BaseModel):
    """The callback survey's outcome."""

    actor: str = Field(min_length=1, max_length=64, description="回访人")
    satisfied: bool
    note: str = Field(default="", max_length=2000)


class Transition(BaseModel):
    """One line of the SLA history."""

    at: str
    kind: str
    state: str
    tier: str
    unit_id: str
    note: str


class Status(BaseModel):
    """A case's SLA state."""

    case_no: str
    state: str
    tier: str
    unit_id: str
    unit_name: str
    light: str
    accept_due: str | None
    resolve_due: str | None
    escalations: list[Transition]
    history: list[Transition]


def _handle(request: Request, case_no: str) -> WorkflowHandle[Any, Any]:
    client: Client = request.app.state.temporal
    return client.get_workflow_handle(workflow_id(case_no))


@router.get("/cases/{case_no}", response_model=Status, summary="查看时限状态")
async def read_status(case_no: CaseNo, request: Request) -> dict[str, Any]:
    """State, tier, light, deadlines and escalations, straight from the case workflow."""
    try:
        status = await _handle(request, case_no).query("status", result_type=CaseStatus)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found("时限记录", case_no) from exc
        raise
    return asdict(status)


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
        raise
    return asdict(status)


@router.post("/cases/{case_no}/accept", response_model=Status, summary="签收")
async def accept(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The assigned unit accepts the case."""
    return await _update(request, case_no, "accept", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/progress", response_model=Status, summary="反馈进展")
async def progress(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports progress."""
    return await _update(request, case_no, "progress", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/resolve", response_model=Status, summary="办结")
async def resolve(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports the matter solved (the note is the resolution)."""
    return await _update(request, case_no, "resolve", HandlerCommand(body.actor, body.note))


@router.post("/cases/{case_no}/callback", response_model=Status, summary="回访")
async def callback(case_no: CaseNo, body: Callback, request: Request) -> dict[str, Any]:
    """Record the citizen's answer at the callback survey."""
    result = CallbackResult(actor=body.actor, satisfied=body.satisfied, note=body.note)
    return await _update(request, case_no, "callback", result)


@router.post("/cases/{case_no}/close", response_model=Status, summary="督办销号")
async def close(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """A supervisor closes the case with a reason."""
    return await _update(request, case_no, "close", HandlerCommand(body.actor, body.note))
