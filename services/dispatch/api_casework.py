"""Human dispatch (人工派单), arbitration (仲裁) and the corrections export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from services.common.access import allow
from services.common.inputs import IDENT, TEXT
from services.common.rejection import NotAReason
from services.common.web import Session
from services.dispatch import store
from services.dispatch.api import AssignmentOut, read_assignment
from services.dispatch.casework import CaseWork, Conflict, Invalid
from services.dispatch.domain import TOPICS, Difficulty
from services.dispatch.rejecting import reject_queued

# Dispatchers and supervisors decide through the desk, which names them as the actor.
router = APIRouter(
    prefix="/v1", tags=["casework"], dependencies=[Depends(allow(callers=("desk",)))]
)
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$", description="工单编号")]


def casework_dep(request: Request) -> CaseWork:
    """The bounce, arbitration and human-dispatch use cases."""
    casework: CaseWork = request.app.state.casework
    return casework


Work = Annotated[CaseWork, Depends(casework_dep)]


class HumanDispatch(BaseModel):
    """A dispatcher's decision on a manual-queue case; omitted fields keep the suggestion."""

    actor: str = Field(min_length=1, max_length=64, pattern=TEXT, description="派单员")
    unit_id: str | None = Field(
        default=None, max_length=64, pattern=IDENT, description="指定承办单位"
    )
    topic: str | None = Field(default=None, max_length=64, pattern=TEXT, description="改判主题")
    difficulty: Difficulty | None = Field(default=None, description="改判难度")
    note: str = Field(default="", max_length=500, pattern=TEXT)


class ArbitrationDecision(BaseModel):
    """The arbitrator's final choice."""

    actor: str = Field(min_length=1, max_length=64, pattern=TEXT, description="仲裁人")
    unit_id: str = Field(max_length=64, pattern=IDENT, description="指定承办单位")
    note: str = Field(default="", max_length=500, pattern=TEXT)


class ArbitrationOut(BaseModel):
    """An arbitration, pending or decided."""

    case_no: str
    arbitrator_unit_id: str
    arbitrator_name: str
    bounced_units: list[str]
    candidates: list[str]
    opened_at: datetime
    decided_unit_id: str | None
    decided_by: str | None
    note: str | None
    decided_at: datetime | None


def _http(exc: Exception) -> HTTPException:
    return HTTPException(409 if isinstance(exc, Conflict) else 422, detail=str(exc))


# A decision on a case that is not (or no longer) waiting for it.
DECISION_REFUSALS: dict[int | str, dict[str, Any]] = {
    409: {"description": "该工单当前不接受此决定"},
    422: {"description": "没有该工单的记录，或指定的单位、主题无效"},
}


@router.post(
    "/manual-queue/{case_no}/dispatch",
    response_model=AssignmentOut,
    summary="人工派单（确认或改判）",
    responses=DECISION_REFUSALS,
)
async def human_dispatch(
    case_no: CaseNo, body: HumanDispatch, work: Work, session: Session
) -> dict[str, Any]:
    """Confirm or correct the suggestion; announces case.dispatched with manual=false."""
    if body.topic is not None and body.topic not in TOPICS:
        raise HTTPException(422, detail=f"未知主题 {body.topic}")
    try:
        await work.human_dispatch(
            case_no,
            actor=body.actor,
            unit_id=body.unit_id,
            topic=body.topic,
            difficulty=body.difficulty.value if body.difficulty else None,
            note=body.note,
        )
    except (Conflict, Invalid) as exc:
        raise _http(exc) from exc
    return await read_assignment(case_no, session)


class QueueRejection(BaseModel):
    """不予受理 of a manual-queue case: a reason code (services/common/rejection.py)."""

    actor: str = Field(min_length=1, max_length=64, pattern=TEXT, description="派单员")
    reason: str = Field(min_length=1, max_length=32, pattern=IDENT, description="不予受理理由")
    text: str = Field(default="", max_length=500, pattern=TEXT, description="补充说明")


class Rejected(BaseModel):
    """The case closed as not the platform's matter, and the sentence the caller is told."""

    case_no: str
    reason: str
    note: str


@router.post(
    "/manual-queue/{case_no}/reject",
    response_model=Rejected,
    summary="不予受理（人工派单队列）",
    responses=DECISION_REFUSALS,
)
async def reject(case_no: CaseNo, body: QueueRejection, request: Request) -> dict[str, Any]:
    """Close a case waiting for a dispatcher before any unit has it; no deadlines start."""
    work: CaseWork = request.app.state.casework
    try:
        note = await reject_queued(
            work.sessions,
            work.relay,
            case_no,
            actor=body.actor,
            reason=body.reason,
            text=body.text,
        )
    except NotAReason as exc:
        raise HTTPException(422, {"code": exc.code, "message": exc.message}) from exc
    except (Conflict, Invalid) as exc:
        raise _http(exc) from exc
    return {"case_no": case_no, "reason": body.reason, "note": note}


@router.get("/arbitrations", response_model=list[ArbitrationOut], summary="仲裁队列")
async def arbitrations(
    session: Session,
    arbitrator_unit_id: Annotated[str | None, Query(max_length=64, pattern=IDENT)] = None,
    status: Annotated[str, Query(pattern="^(pending|decided)$")] = "pending",
) -> list[dict[str, Any]]:
    """Cases bounced too often, waiting for (or decided by) the tier-above unit."""
    return await store.list_arbitrations(
        session, arbitrator_unit_id=arbitrator_unit_id, pending=status == "pending"
    )


@router.post(
    "/arbitrations/{case_no}/decision",
    response_model=AssignmentOut,
    summary="仲裁指定承办单位",
    responses=DECISION_REFUSALS,
)
async def decide(
    case_no: CaseNo, body: ArbitrationDecision, work: Work, session: Session
) -> dict[str, Any]:
    """Final: the case goes to the chosen unit and can no longer be bounced."""
    try:
        await work.arbitrate(case_no, actor=body.actor, unit_id=body.unit_id, note=body.note)
    except (Conflict, Invalid) as exc:
        raise _http(exc) from exc
    return await read_assignment(case_no, session)


@router.get(
    "/corrections",
    summary="人工改判样本（再训练用）",
    responses={
        200: {
            "description": "JSON 列表，或 format=tsv 时训练语料格式的文本",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/tab-separated-values": {"schema": {"type": "string"}},
            },
        }
    },
)
async def corrections(
    session: Session, fmt: Annotated[str, Query(alias="format", pattern="^(json|tsv)$")] = "json"
) -> Any:
    """Dispatchers' corrections; format=tsv gives lines in the training corpus format."""
    rows = await store.list_corrections(session)
    if fmt == "json":
        return rows
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n"
    )
    for r in rows:
        flat = [" ".join((v or "").split()) for v in (r["title"], r["content"])]
        writer.writerow([r["topic"], r["difficulty"], *flat])
    return Response(out.getvalue(), media_type="text/tab-separated-values; charset=utf-8")
