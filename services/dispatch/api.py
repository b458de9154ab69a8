"""Dispatch's HTTP API: a case's assignment, a unit's queue, the manual queue and the units."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, StringConstraints

from services.common.access import allow
from services.common.errors import not_found
from services.common.inputs import IDENT
from services.common.web import Session
from services.dispatch import store
from services.dispatch.domain.model import CaseText
from services.dispatch.domain.suggest import suggest

router = APIRouter(prefix="/v1", tags=["dispatch"])
# Who reads what: intake's timeline and Open311 status ask for a case's assignment; the
# desk shows the queues and the directory to the people it signs in.
FROM_INTAKE = [Depends(allow(callers=("intake",)))]
FROM_DESK = [Depends(allow(callers=("desk",)))]
# A case number among others in a query: 14 digits, as intake numbers cases.
ListedCaseNo = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]


class AssignmentOut(BaseModel):
    """How a case was classified and where it went, with the reasons."""

    case_no: str
    topic: str
    difficulty: str
    tier: str
    unit_id: str
    unit_name: str
    co_unit_ids: list[str]
    confidence: float
    urgent: bool
    major: bool
    manual: bool
    explanation: str
    reasons: list[str]
    attempt: int = 0
    grid_code: str | None = None
    ladder: list[dict[str, str]] = []
    bounced_units: list[str] = []
    arbitration: bool = False
    arbitrated: bool = False
    parent_case_no: str | None = None
    batch: bool = False
    merged: bool = False
    links: list[dict[str, Any]] = []
    batch_members: list[str] = []
    decisions: list[dict[str, Any]] = []
    # The model version that classified the case ("corpus": the shipped corpus model).
    model_version: str = "corpus"
    # The request type from case.received (None for cases older than types).
    request_type: str | None = None


class QueueItem(BaseModel):
    """One line of a queue."""

    case_no: str
    title: str | None
    content: str
    topic: str
    difficulty: str
    tier: str
    unit_id: str
    unit_name: str
    urgent: bool
    manual: bool
    confidence: float = 0.0
    explanation: str = ""
    co_unit_ids: list[str] = []
    parent_case_no: str | None = None
    batch: bool = False
    # Manual queue only: a handling unit to start the picker on (empty: none), and why.
    suggested_unit_id: str = ""
    suggested_unit_name: str = ""
    suggestion: str = ""


CaseNo = Annotated[str, Path(pattern=r"^\d{14}$", description="工单编号")]


@router.get(
    "/cases/{case_no}",
    response_model=AssignmentOut,
    summary="查看派单结果",
    dependencies=FROM_INTAKE,
    responses={404: {"description": "没有该工单的派单记录"}},
)
async def read_assignment(case_no: CaseNo, session: Session) -> dict[str, Any]:
    """A case's classification and routing."""
    found = await store.get_assignment(session, case_no=case_no)
    if found is None:
        raise not_found("派单记录", case_no)
    found["links"] = await store.list_links(session, case_no=case_no)
    found["batch_members"] = await store.batch_members(session, parent_case_no=case_no)
    found["decisions"] = [
        {k: d[k] for k in ("attempt", "kind", "unit_id", "actor", "reasons", "at")}
        for d in await store.list_decisions(session, case_no=case_no)
    ]
    return found


@router.get(
    "/queue", response_model=list[QueueItem], summary="单位待办队列", dependencies=FROM_DESK
)
async def unit_queue(
    session: Session, unit_id: Annotated[str, Query(max_length=64, pattern=IDENT)]
) -> list[dict[str, Any]]:
    """Cases assigned to one unit, oldest first."""
    return await store.list_queue(session, unit_id=unit_id, manual=False)


@router.get(
    "/manual-queue", response_model=list[QueueItem], summary="人工派单队列", dependencies=FROM_DESK
)
async def manual_queue(
    request: Request,
    session: Session,
    case_no: Annotated[list[ListedCaseNo] | None, Query(max_length=100)] = None,
) -> list[dict[str, Any]]:
    """Cases waiting for a human dispatcher, with the model's suggestion and its reasons, and
    a unit that can take each (the 12345 centre routing falls back on takes none itself).

    `case_no` (repeated) asks for those cases only, e.g. the page of them a dispatcher sees."""
    policies = request.app.state.policies
    items = await store.list_queue(session, manual=True, case_nos=case_no)
    for item in items:
        case = CaseText(
            title=item["title"] or "",
            content=item["content"],
            address=item["address"],
            grid_code=item["grid_code"],
            urgent=item["urgent"],
        )
        s = suggest(
            case,
            topic=item["topic"],
            tier=item["tier"],
            unit_id=item["unit_id"],
            directory=policies.directory,
            policy=policies.routing,
        )
        item.update(suggested_unit_id=s.unit_id, suggested_unit_name=s.unit_name, suggestion=s.why)
    return items


@router.get("/units", summary="辖区单位目录", dependencies=FROM_DESK)
async def units(request: Request) -> list[dict[str, str]]:
    """Units of the jurisdiction directory, for pickers in the UIs."""
    return [
        {"id": u.id, "name": u.name, "tier": u.tier.value}
        for u in request.app.state.directory.units
    ]
