"""SLA's HTTP API: a case's SLA state and the commands the queue UI sends.

Every command names its person (the desk's actor header), who must be allowed to act on
the case where it is now (services/sla/actors.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from services.common.access import allow, principal_of
from services.common.dependencies import DependencyDown
from services.common.errors import not_found
from services.common.jurisdiction import Directory
from services.common.logging import get_logger
from services.sla import actors
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
# A case's SLA status: intake's timeline, the desk's board and notify's reply worker read it.
READERS = [Depends(allow(callers=("intake", "desk", "notify")))]
# People act through the desk (which names them); notify records SMS survey answers.
FROM_DESK = [Depends(allow(callers=("desk",)))]
CALLBACK_SENDERS = [Depends(allow(callers=("desk", "notify")))]
# What a command may answer besides its status (documented for the API's clients).
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "该操作人无权办理此工单（actor_forbidden）"},
    404: {"description": "没有该工单的时限记录"},
    409: {"description": "当前状态不允许该操作"},
    503: {"description": "时限服务或工作台暂时无法确认"},
}
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
    client: Client | None = request.app.state.temporal
    if client is None:
        raise DependencyDown("temporal")  # not connected yet: 503, retry later
    return client.get_workflow_handle(workflow_id(case_no))


@router.get(
    "/cases/{case_no}",
    response_model=CaseStatus,
    summary="查看时限状态",
    dependencies=READERS,
    responses={404: REFUSALS[404], 503: {"description": "暂时无法读取时限状态"}},
)
async def read_status(case_no: CaseNo, request: Request) -> dict[str, Any]:
    """State, tier, light, deadlines and escalations, straight from the case workflow."""
    return asdict(await _status(request, case_no))


async def _status(request: Request, case_no: str) -> CaseStatus:
    try:
        status: CaseStatus = await _handle(request, case_no).query("status", result_type=CaseStatus)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise not_found("时限记录", case_no) from exc
        raise _unreadable(case_no, exc) from exc
    except WorkflowQueryFailedError as exc:
        raise _unreadable(case_no, exc) from exc
    return status


async def _admit(request: Request, case_no: str, action: str, actor: str) -> None:
    """Refuse a command its person may not give on this case (403 actor_forbidden), or not
    now, in the state the workflow holds it (409 illegal_transition): the desk's rule."""
    who = await principal_of(request)
    person: actors.Person | None = None
    directory: Directory = request.app.state.directory
    case: dict[str, Any] = {}
    if who.acting_for:
        people: actors.DeskPeople = request.app.state.people
        try:
            person = await people.get(who.acting_for)
        except actors.PeopleUnavailable as exc:
            log.warning("actor not verifiable", case_no=case_no, error=str(exc))
            raise HTTPException(
                503,
                {"code": "actor_unverifiable", "message": "暂时无法核实操作人，请稍后重试"},
            ) from exc
        if person is not None and person.active:
            case = actors.case_of(await _status(request, case_no), directory)
    refusal = actors.refusal(who, action, actor, person, case, directory)
    if refusal is not None:
        log.info(
            "command refused",
            case_no=case_no,
            action=action,
            caller=who.name,
            status=refusal.status,
        )
        raise actors.refused(refusal)


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
        # A refusal that names its rule (合并, 不予受理) passes the code on to programs.
        details = getattr(exc.cause, "details", None) or ("illegal_transition",)
        code = details[0] if isinstance(details[0], str) else "illegal_transition"
        raise HTTPException(409, {"code": code, "message": reason}) from exc
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


@router.post(
    "/cases/{case_no}/accept",
    response_model=CaseStatus,
    summary="签收",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def accept(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The assigned unit accepts the case."""
    await _admit(request, case_no, "accept", body.actor)
    return await _update(request, case_no, "accept", HandlerCommand(body.actor, body.note))


@router.post(
    "/cases/{case_no}/progress",
    response_model=CaseStatus,
    summary="反馈进展",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def progress(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports progress."""
    await _admit(request, case_no, "progress", body.actor)
    return await _update(request, case_no, "progress", HandlerCommand(body.actor, body.note))


@router.post(
    "/cases/{case_no}/resolve",
    response_model=CaseStatus,
    summary="办结",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def resolve(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit reports the matter solved (the note is the resolution)."""
    await _admit(request, case_no, "resolve", body.actor)
    return await _update(request, case_no, "resolve", HandlerCommand(body.actor, body.note))


@router.post(
    "/cases/{case_no}/callback",
    response_model=CaseStatus,
    summary="回访",
    dependencies=CALLBACK_SENDERS,
    responses=REFUSALS,
)
async def callback(case_no: CaseNo, body: Callback, request: Request) -> dict[str, Any]:
    """Record the citizen's answer at the callback survey."""
    await _admit(request, case_no, "callback", body.actor)
    result = CallbackResult(
        actor=body.actor, satisfied=body.satisfied, note=body.note, reached=body.reached
    )
    return await _update(request, case_no, "callback", result)


@router.post(
    "/cases/{case_no}/close",
    response_model=CaseStatus,
    summary="督办销号",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def close(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """A supervisor closes the case with a reason."""
    await _admit(request, case_no, "close", body.actor)
    return await _update(request, case_no, "close", HandlerCommand(body.actor, body.note))


@router.post(
    "/cases/{case_no}/bounce",
    response_model=CaseStatus,
    summary="退单",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def bounce(case_no: CaseNo, body: Command, request: Request) -> dict[str, Any]:
    """The unit returns a wrong assignment to dispatch (the note is the reason)."""
    await _admit(request, case_no, "bounce", body.actor)
    return await _update(request, case_no, "bounce", HandlerCommand(body.actor, body.note))


@router.post(
    "/cases/{case_no}/extension",
    response_model=CaseStatus,
    summary="申请延期",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def request_extension(case_no: CaseNo, body: ExtensionIn, request: Request) -> dict[str, Any]:
    """Ask the tier above for more time on the resolve deadline."""
    await _admit(request, case_no, "extension", body.actor)
    req = ExtensionRequest(actor=body.actor, amount=body.amount, reason=body.reason)
    return await _update(request, case_no, "request_extension", req)


@router.post(
    "/cases/{case_no}/extension/decision",
    response_model=CaseStatus,
    summary="审批延期",
    dependencies=FROM_DESK,
    responses=REFUSALS,
)
async def decide_extension(case_no: CaseNo, body: DecisionIn, request: Request) -> dict[str, Any]:
    """Approve (the deadline moves) or deny (it stays) a pending extension."""
    await _admit(request, case_no, "extension/decision", body.actor)
    dec = ExtensionDecision(actor=body.actor, approve=body.approve, note=body.note)
    return await _update(request, case_no, "decide_extension", dec)
