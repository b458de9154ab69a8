"""The citizens' look-up: a public page and API, limited per address, telling the state,
the unit and the answer of a case to whoever holds its number and the phone's last digits.

The digits are checked against the caller sealed in intake's record (opened in memory,
never stored in plain). A wrong pair answers exactly as an unknown case number does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from services.common.access import public
from services.common.logging import get_logger
from services.common.web import Session
from services.intake import progress, store
from services.intake.domain import CASE_NO_PATTERN
from services.intake.domain.lookup import DUMMY_PHONE, NOT_FOUND, digits_match, public_view
from services.intake.limits import client_address, limits_of, retry_after
from services.intake.schemas import ERRORS

log = get_logger(__name__)
router = APIRouter(tags=["lookup"])
TOO_MANY = "查询过于频繁，请稍后再试"


class LookupIn(BaseModel):
    """The case number and the last four digits of the number the case was filed from."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    case_no: str = Field(pattern=CASE_NO_PATTERN, description="14 位工单编号")
    phone_last4: str = Field(pattern=r"^\d{4}$", description="来电号码后四位")


class LookupOut(BaseModel):
    """What a citizen sees: state, unit and, once resolved, the answer; nothing personal."""

    case_no: str
    request_type: str
    state: str
    closed: bool
    unit_name: str | None
    answer: str | None
    received_at: Any
    closed_at: Any
    repeat_of: str | None


def check_lookup(request: Request) -> None:
    """429 when one address looks cases up too fast (guessing digits or numbers)."""
    wait = limits_of(request).lookup_wait(client_address(request))
    if wait > 0:
        raise HTTPException(
            429,
            {"code": "rate_limited", "message": TOO_MANY},
            headers={"Retry-After": str(retry_after(wait))},
        )


@router.post(
    "/v1/lookup",
    response_model=LookupOut,
    summary="市民查询办理进度",
    responses={404: {"model": ERRORS["4XX"]["model"]}, **ERRORS},
    dependencies=[Depends(public()), Depends(check_lookup)],
)
async def lookup(body: LookupIn, session: Session) -> dict[str, Any]:
    """The case's state, unit and answer for its number and the phone's last four digits."""
    case = await store.get_case(session, case_no=body.case_no)
    phone = (case or {}).get("caller_phone") or DUMMY_PHONE
    matches = digits_match(phone, body.phone_last4)
    if case is None or not case.get("caller_phone") or not matches:
        raise HTTPException(404, {"code": "not_found", "message": NOT_FOUND})
    work_order = case.get("repeat_of") or case["case_no"]
    found = await progress.progress_of(session, [work_order])
    return public_view(case, found.get(work_order), original=case.get("repeat_of"))


@router.get("/lookup", include_in_schema=False, dependencies=[Depends(public())])
async def lookup_page(request: Request) -> FileResponse:
    """The citizens' page (查询办理进度)."""
    return FileResponse(request.app.state.static_dir / "lookup.html")
