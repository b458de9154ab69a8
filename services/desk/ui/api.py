"""The UI's JSON and SSE endpoints: live changes, actions checked here, then sent on."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from services.common.access import allow
from services.common.sse import sse_response
from services.desk.board import queries
from services.desk.files import service as attachments
from services.desk.slagateway import Action
from services.desk.ui import access
from services.desk.ui.auth import DISPATCHERS, STAFF, SUPERVISORS, WORKERS, Viewer
from services.desk.ui.context import sessions_db, ui_of
from services.desk.ui.parts import part_row
from services.desk.ui.situation import pending_arbitrations

router = APIRouter(prefix="/ui", include_in_schema=False)
# 办结 and 销号 are signed for (签字背书): the form's box must be ticked by the signer.
SIGNED_ACTIONS = {
    Action.RESOLVE: "办结须由核实人勾选“本人已核实办理结果”后签字提交。",
    Action.CLOSE: "销号须勾选“本人确认销号并签字”后提交。",
}
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$")]


def part_named(row: dict[str, Any], part_id: object, directory: Any) -> dict[str, Any]:
    """The part of the case a part command names, as the shared rule reads it (a part the
    case does not have is held by nobody)."""
    for part in row.get("parts") or ():
        if part["part_id"] == part_id:
            return part_row(directory, part)
    return {"part_id": str(part_id or "?"), "unit_id": "", "state": ""}


def _forbidden(message: str) -> HTTPException:
    return HTTPException(403, {"code": "forbidden", "message": message})


def _unit_missing() -> HTTPException:
    return HTTPException(422, {"code": "unit_required", "message": "请选择承办单位后再提交。"})


@router.get("/stream", dependencies=[Depends(allow(*STAFF))])
async def stream(request: Request, user: Viewer) -> StreamingResponse:
    """Server-sent events: one `case` event per change the user may see."""
    ui = ui_of(request)
    scope = access.scope_of(user, ui.directory)

    def accept(change: dict[str, Any]) -> bool:
        # A case leaving the unit is news to that unit too: its row must disappear.
        return (
            "case_no" not in change
            or scope.admits(change)
            or scope.admits(change.get("also") or {"unit_id": None})
            or (scope.kind == "unit" and change.get("previous_unit_id") == scope.id)
        )

    queue = ui.live.subscribe(accept)
    return sse_response(request, queue, "case", close=lambda: ui.live.unsubscribe(queue))


@router.get("/cases", dependencies=[Depends(allow(*WORKERS))])
async def my_cases(
    request: Request, user: Viewer, case_no: Annotated[str, Query(pattern=r"^(\d{14})?$")] = ""
) -> list[dict[str, Any]]:
    """The signed-in user's queue as JSON (what the queue page shows), or only the case
    `case_no` if it is in it."""
    ui = ui_of(request)
    async with sessions_db(request)() as session:
        rows = await queries.queue(session, access.scope_of(user, ui.directory), case_no=case_no)
    keep = ("case_no", "unit_id", "state", "light", "due", "topic", "title")
    return [{k: (str(r[k]) if k == "due" and r[k] else r[k]) for k in keep} for r in rows]


@router.post("/cases/{case_no}/act/{action:path}", dependencies=[Depends(allow(*WORKERS))])
async def act(
    request: Request,
    case_no: CaseNo,
    action: str,
    user: Viewer,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    """An action from the case page: allowed for this user and case here, valid at sla."""
    ui = ui_of(request)
    async with sessions_db(request)() as session:
        row = await queries.one(session, case_no)
    if row is None:
        raise HTTPException(404, {"code": "not_found", "message": f"未找到工单 {case_no}"})
    # The role is checked here; the state at sla, which holds it first-hand (the board
    # follows a moment later) and applies the same rule (casework.next_actions) to it.
    if action.startswith("part/"):
        # 联动办: a co-unit's command is judged on its part, not on the lead's case.
        row = part_named(row, body.get("part_id"), ui.directory)
    if action not in access.role_actions(user, row, ui.directory):
        raise _forbidden(access.action_refusal(user, action, row, ui.directory))
    try:
        command = Action(action.replace("/", "_"))
    except ValueError as exc:
        raise HTTPException(404, {"code": "unknown_action", "message": "未知操作"}) from exc
    body = dict(body)
    if command in SIGNED_ACTIONS and body.pop("signed", None) is not True:
        raise HTTPException(422, {"code": "signature_required", "message": SIGNED_ACTIONS[command]})
    body.pop("signed", None)
    if command is Action.RESOLVE:
        await _photo_for_resolve(request, row)
    if command is Action.TRANSFER:
        refused = access.transfer_refusal(user, str(body.get("unit_id") or ""), ui.directory)
        if refused:
            raise _forbidden(refused)
    # The actor is the signed-in user, whatever the form says: the record names them as
    # the one who did it, and for 办结 and 销号 as the one who signed it.
    return await ui.sla.act(case_no, command, {**body, "actor": user.username})


async def _photo_for_resolve(request: Request, row: dict[str, Any]) -> None:
    """办结 on the topics the file policy names needs a photo of the result first."""
    policy = request.app.state.attachments.policy
    if not policy.needs_photo(row.get("topic")):
        return
    async with sessions_db(request)() as session:
        if await attachments.has_photo(session, row["case_no"]):
            return
    raise HTTPException(
        422,
        {
            "code": "photo_required",
            "message": f"“{row.get('topic')}”类工单办结须附现场照片：请先拍照或上传照片，再办结。",
        },
    )


async def _peer_post(request: Request, path: str, body: dict[str, Any]) -> Response:
    ui = ui_of(request)
    try:
        resp = await ui.peers.post(f"{ui.dispatch_url}{path}", json=body, timeout=15.0)
    except httpx.HTTPError:
        return JSONResponse({"code": "unavailable", "message": "派单服务暂不可用，请稍后重试"}, 503)
    return Response(resp.content, resp.status_code, media_type="application/json")


@router.post("/manual/{case_no}", dependencies=[Depends(allow(*DISPATCHERS))])
async def manual_dispatch(
    request: Request, case_no: CaseNo, user: Viewer, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """A dispatcher confirms or corrects the model's suggestion."""
    if user.role not in ("dispatcher", "admin"):
        raise _forbidden("只有派单员可以人工派单。")
    if not body.get("unit_id"):
        # Dispatch would route it again by itself: the page must name the unit chosen.
        raise _unit_missing()
    payload = {
        "actor": user.username,
        "unit_id": body.get("unit_id"),
        "note": body.get("note", ""),
        # A changed topic or difficulty is a correction: labelled data for retraining.
        "topic": body.get("topic") or None,
        "difficulty": body.get("difficulty") or None,
    }
    return await _peer_post(request, f"/v1/manual-queue/{case_no}/dispatch", payload)


@router.post("/manual/{case_no}/reject", dependencies=[Depends(allow(*DISPATCHERS))])
async def manual_reject(
    request: Request, case_no: CaseNo, user: Viewer, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """不予受理 of a case waiting for a dispatcher: it closes before any unit has it."""
    if user.role not in ("dispatcher", "admin"):
        raise _forbidden("只有派单员可以在人工派单队列中不予受理。")
    if not body.get("reason"):
        # Answered here: dispatch would only say the same after a round trip.
        raise HTTPException(
            422, {"code": "reject_reason_unknown", "message": "请选择不予受理的理由。"}
        )
    payload = {
        "actor": user.username,
        "reason": str(body.get("reason") or ""),
        "text": str(body.get("text") or ""),
    }
    return await _peer_post(request, f"/v1/manual-queue/{case_no}/reject", payload)


@router.post("/arbitrations/{case_no}", dependencies=[Depends(allow(*SUPERVISORS))])
async def arbitrate(
    request: Request, case_no: CaseNo, user: Viewer, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """A supervisor of the arbitrating unit's jurisdiction picks the final unit."""
    if user.role not in ("supervisor", "admin"):
        raise _forbidden("只有督办人员可以仲裁退单。")
    ui = ui_of(request)
    pending = [a for a in await pending_arbitrations(ui) if a["case_no"] == case_no]
    if not pending:
        raise HTTPException(
            404, {"code": "not_found", "message": f"工单 {case_no} 没有待仲裁的退单"}
        )
    # The case may sit in this supervisor's area; the decision belongs one tier up.
    if not access.may_arbitrate(access.scope_of(user, ui.directory), pending[0], ui.directory):
        raise _forbidden(access.arbitration_refusal(pending[0]))
    if not body.get("unit_id"):
        raise _unit_missing()
    payload = {
        "actor": user.username,
        "unit_id": body.get("unit_id"),
        "note": body.get("note", ""),
        # A changed topic or difficulty is a correction: labelled data for retraining.
        "topic": body.get("topic") or None,
        "difficulty": body.get("difficulty") or None,
    }
    return await _peer_post(request, f"/v1/arbitrations/{case_no}/decision", payload)
