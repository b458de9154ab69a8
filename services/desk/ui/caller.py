"""A caller's number and name in full, for the roles that call citizens back, audited.

Pages show every caller masked; the case page's 显示完整号码 button asks here. The read is
written to the access audit (and committed) before the number is answered.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse

from services.common import pii
from services.common.access import PHONE_ROLES, Principal, allow
from services.common.jurisdiction import Directory
from services.desk import audit
from services.desk.board import queries
from services.desk.record import callers
from services.desk.record.writer import caller_of
from services.desk.ui import access
from services.desk.ui.auth import user_of
from services.desk.ui.context import sealer_of, sessions_db, ui_of
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False)
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$")]
# Only the roles that call citizens back may read a caller in full.
CallsBack = Annotated[Principal, Depends(allow(*sorted(PHONE_ROLES)))]


def route_of(user: User, row: dict[str, Any], directory: Directory) -> str:
    """Where the number is read for: the callback survey of a resolved case, else the page."""
    callback = "callback" in access.next_actions(user, row, directory)
    return "callback_survey" if callback else "case_page"


def _refused(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status, {"code": code, "message": message})


@router.post("/cases/{case_no}/caller")
async def reveal(request: Request, case_no: CaseNo, who: CallsBack) -> JSONResponse:
    """The caller's number and name in full; the read is audited first."""
    user = user_of(who)
    ui = ui_of(request)
    async with sessions_db(request)() as session, session.begin():
        row = await queries.one(session, case_no)
        if row is None:
            raise _refused(404, "not_found", f"未找到工单 {case_no}。")
        denied = access.refusal(user, row, ui.directory)
        if denied:
            raise _refused(403, "forbidden", denied)
        stored = await caller_of(session, case_no)
        if stored is None or stored["anonymous"] or not stored["caller_sealed"]:
            anonymous = stored is not None and stored["anonymous"]
            raise _refused(
                404,
                "no_caller",
                "该工单为匿名来电，没有可显示的号码。" if anonymous else "该工单没有来电人信息。",
            )
        if callers.is_pseudonymised(stored):
            raise _refused(410, "pseudonymised", "来电人信息已超过保存期限，已作匿名化处理。")
        try:
            caller = callers.full(stored, sealer_of(request))
        except pii.Unreadable as exc:
            raise _refused(
                503, "unreadable", "来电人信息暂时无法读取（密钥配置有误），请联系管理员。"
            ) from exc
        await audit.write(
            session,
            who,
            case_no=case_no,
            what="caller_phone",
            route=route_of(user, row, ui.directory),
            client=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
        )
    return JSONResponse(
        {"case_no": case_no, "caller_name": caller.name, "caller_phone": caller.phone},
        headers={"Cache-Control": "no-store"},
    )
