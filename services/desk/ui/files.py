"""A case's files and photos on the desk: upload (case page, phone camera; intake's console
through the service route), list, and serve them with the case's own access rules."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response

from services.common.access import allow, principal_of
from services.common.access.casework import attach_refusal
from services.common.files.checks import Refused
from services.common.files.store import Missing
from services.common.logging import get_logger
from services.desk.board import queries
from services.desk.files import service
from services.desk.files.service import Attachments, Upload, listed
from services.desk.files.web import files_of
from services.desk.ui import access
from services.desk.ui.auth import STAFF, Viewer
from services.desk.ui.context import sessions_db, ui_of

log = get_logger(__name__)
router = APIRouter(include_in_schema=False)
service_router = APIRouter(prefix="/v1", include_in_schema=False)
CaseNo = Annotated[str, Path(pattern=r"^\d{14}$")]
FileId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


def attachments_of(request: Request) -> Attachments:
    files: Attachments = request.app.state.attachments
    return files


def refused(exc: Refused) -> JSONResponse:
    return JSONResponse({"code": exc.code, "message": exc.message}, exc.status)


async def _case(request: Request, case_no: str) -> dict[str, Any]:
    async with sessions_db(request)() as session:
        row = await queries.one(session, case_no)
    if row is None:
        # The console files a case a moment before the desk's record has it.
        raise HTTPException(
            404, {"code": "not_found", "message": f"未找到工单 {case_no}，请稍后重试。"}
        )
    return row


async def _upload(
    request: Request, case_no: str, actor: str, unit_id: str, origins: tuple[str, ...]
) -> JSONResponse:
    """Stores each file sent; `origins` are those the form may name (the first by default)."""
    files = attachments_of(request)
    try:
        sent, fields = await files_of(request, files.policy)
        stored = [
            await files.add(
                sessions_db(request),
                Upload(
                    case_no=case_no,
                    name=one.name,
                    data=one.data,
                    actor=actor,
                    origin=fields["origin"] if fields.get("origin") in origins else origins[0],
                    unit_id=unit_id,
                ),
            )
            for one in sent
        ]
    except Refused as exc:
        log.info("upload refused", extra={"case_no": case_no, "code": exc.code})
        return refused(exc)
    log.info("files stored", extra={"case_no": case_no, "count": len(stored)})
    return JSONResponse({"files": stored}, 201)


@router.post("/cases/{case_no}/files", dependencies=[Depends(allow(*STAFF))])
async def upload(request: Request, case_no: CaseNo, user: Viewer) -> Response:
    """Files or a photo for a case, from its page or a phone; acknowledged once stored."""
    row = await _case(request, case_no)
    denied = attach_refusal(user, row, ui_of(request).directory)
    if denied:
        raise HTTPException(403, {"code": "forbidden", "message": denied})
    return await _upload(request, case_no, user.username, row["unit_id"] or "", ("case", "phone"))


@service_router.post("/records/{case_no}/files", dependencies=[Depends(allow(callers=("intake",)))])
async def upload_for_console(request: Request, case_no: CaseNo) -> Response:
    """Files intake's console sends for the operator it names (X-Minhu-Actor)."""
    who = await principal_of(request)
    if not who.acting_for:
        raise HTTPException(422, {"code": "actor_required", "message": "缺少上传人。"})
    row = await _case(request, case_no)
    return await _upload(request, case_no, who.acting_for, row["unit_id"] or "", ("console",))


async def _seen(request: Request, case_no: str, user: Any) -> None:
    row = await _case(request, case_no)
    denied = access.refusal(user, row, ui_of(request).directory)
    if denied:
        raise HTTPException(403, {"code": "forbidden", "message": denied})


@router.get("/cases/{case_no}/files", dependencies=[Depends(allow(*STAFF))])
async def list_files(request: Request, case_no: CaseNo, user: Viewer) -> list[dict[str, Any]]:
    """A case's files (name, size, type, who, when), for whoever may see the case."""
    await _seen(request, case_no, user)
    async with sessions_db(request)() as session:
        return [listed(r) for r in await service.of_case(session, case_no)]


async def _serve(request: Request, case_no: str, file_id: str, user: Any, thumb: bool) -> Response:
    await _seen(request, case_no, user)
    async with sessions_db(request)() as session:
        row = await service.one(session, case_no, file_id)
    if row is None:
        raise HTTPException(404, {"code": "not_found", "message": "未找到该附件。"})
    try:
        data, content_type = await attachments_of(request).read(row, thumb=thumb)
    except Missing:
        log.error("stored file missing", extra={"case_no": case_no, "file_id": file_id})
        raise HTTPException(
            503, {"code": "unavailable", "message": "附件暂时无法读取，请稍后重试。"}
        ) from None
    disposition = "inline" if row.content_type.startswith("image/") else "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.name)}",
            # The case's own access rules apply to every read: no shared cache keeps it.
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/cases/{case_no}/files/{file_id}", dependencies=[Depends(allow(*STAFF))])
async def read_file(request: Request, case_no: CaseNo, file_id: FileId, user: Viewer) -> Response:
    """One file's bytes, for whoever may see the case."""
    return await _serve(request, case_no, file_id, user, thumb=False)


@router.get("/cases/{case_no}/files/{file_id}/thumb", dependencies=[Depends(allow(*STAFF))])
async def read_thumb(request: Request, case_no: CaseNo, file_id: FileId, user: Viewer) -> Response:
    """A photo's thumbnail, for whoever may see the case."""
    return await _serve(request, case_no, file_id, user, thumb=True)
