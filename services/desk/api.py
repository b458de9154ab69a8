"""The desk's API for systems (service token): a case's record, search and reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from services.common.errors import not_found
from services.common.inputs import TEXT
from services.common.web import Session
from services.desk.board import queries
from services.desk.board.queries import Scope
from services.desk.record.callers import shown
from services.desk.record.story import story
from services.desk.record.writer import caller_of, case_entries
from services.desk.search.query import COUNT_CAP, Search, TooBroad, by_phone, run
from services.desk.ui.context import sealer_of, ui_of

router = APIRouter(prefix="/v1", tags=["desk"])
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$", description="工单编号")]


@router.get(
    "/cases/{case_no}/record",
    summary="工单台账（全部办理记录）",
    responses={404: {"description": "没有该工单的台账"}},
)
async def case_record(request: Request, case_no: CaseNo, session: Session) -> dict[str, Any]:
    """Everything that happened to a case, in order; the caller's name and number masked."""
    row = await queries.one(session, case_no)
    entries = await case_entries(session, case_no)
    if row is None and not entries:
        raise not_found("工单台账", case_no)
    caller = await caller_of(session, case_no)

    return {
        "case_no": case_no,
        "case": {
            k: v for k, v in (row or {}).items() if k not in ("sla_stale", "sla_tries", "version")
        },
        "caller": None if caller is None else shown(caller, sealer_of(request)).as_dict(),
        "entries": [
            {
                k: x[k]
                for k in (
                    "seq",
                    "event_id",
                    "kind",
                    "at",
                    "actor",
                    "actor_name",
                    "actor_unit_id",
                    "unit_id",
                    "note",
                    "signed_as",
                    "data",
                )
            }
            for x in entries
        ],
        "story": [
            {
                "at": ln.at,
                "what": ln.what,
                "who": ln.who,
                "note": ln.note,
                "signed": ln.signed,
                "kind": ln.kind,
            }
            for ln in story(entries, ui_of(request).unit_name)
        ],
    }


@router.get(
    "/search",
    summary="查询全部工单",
    responses={422: {"description": "查询条件无效，或范围太大需要缩小"}},
)
async def search(
    request: Request,
    session: Session,
    q: Annotated[str, Query(max_length=100, pattern=TEXT)] = "",
    case_no: Annotated[str, Query(max_length=14, pattern=TEXT)] = "",
    phone: Annotated[str, Query(max_length=20, pattern=TEXT)] = "",
    unit_id: Annotated[str, Query(max_length=64, pattern=TEXT)] = "",
    township_id: Annotated[str, Query(max_length=64, pattern=TEXT)] = "",
    topic: Annotated[str, Query(max_length=32, pattern=TEXT)] = "",
    difficulty: Annotated[str, Query(max_length=16, pattern=TEXT)] = "",
    state: Annotated[str, Query(max_length=24, pattern=TEXT)] = "",
    light: Annotated[str, Query(max_length=8, pattern=TEXT)] = "",
    channel: Annotated[str, Query(max_length=16, pattern=TEXT)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    sort: Annotated[
        str, Query(pattern="^(received_desc|received_asc|closed_desc)$")
    ] = "received_desc",
) -> dict[str, Any]:
    """Cases matching every given filter, newest first; `total` is capped (`more` says so)."""
    equals = {
        "unit_id": unit_id,
        "township_id": township_id,
        "topic": topic,
        "difficulty": difficulty,
        "state": state,
        "light": light,
        "channel": channel,
    }
    found = by_phone(
        Search(
            case_no=case_no, phone=phone, text=q, page=page, size=size, sort=sort, equals=equals
        ),
        sealer_of(request),
    )
    if case_no and not case_no.isdigit():
        raise HTTPException(422, {"code": "invalid_case_no", "message": "工单编号须为数字"})
    try:
        rows, total = await run(session, found, Scope("all"))
    except TooBroad as exc:
        raise HTTPException(422, {"code": "search_too_broad", "message": str(exc)}) from exc
    return {"total": min(total, COUNT_CAP), "more": total > COUNT_CAP, "page": page, "cases": rows}
