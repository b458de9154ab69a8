"""Files and photos an operator attaches from the console, before filing (sent right after
the case is created) or after: passed on to the desk, which checks, stores and records
them for the case (one owner of a case's files). The desk's answer is the console's."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from services.common.access import Principal, allow
from services.common.access.roles import ADMIN, DISPATCHER, OPERATOR
from services.common.access.services import ACTOR_HEADER
from services.common.files.checks import size_text
from services.common.files.policy import FilePolicy
from services.intake.domain import CASE_NO_PATTERN
from services.intake.schemas import ERRORS, ErrorOut
from services.intake.timeline import Peers

router = APIRouter(prefix="/v1", tags=["cases"])
CaseNo = Annotated[str, Path(pattern=CASE_NO_PATTERN, description="工单编号")]
Attacher = Annotated[Principal, Depends(allow(OPERATOR, DISPATCHER, ADMIN))]
POLICY = FilePolicy.from_file()
# A few files of the policy's size in one request, and the multipart framing around them.
MAX_BODY = POLICY.max_bytes * 5 + 64 * 1024
UPLOAD_TIMEOUT = 60.0


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status)


@router.post(
    "/cases/{case_no}/files",
    summary="上传工单附件或照片（按文件内容校验类型与大小）",
    status_code=201,
    responses={**ERRORS, 503: {"model": ErrorOut, "description": "附件服务暂不可用"}},
)
async def attach(request: Request, case_no: CaseNo, who: Attacher) -> Response:
    """The console's upload, passed on to the desk as this operator."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return _problem(
            413, "file_too_large", f"上传内容过大，单个文件不能超过 {size_text(POLICY.max_bytes)}。"
        )
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY:
            return _problem(
                413,
                "file_too_large",
                f"上传内容过大，单个文件不能超过 {size_text(POLICY.max_bytes)}。",
            )
        chunks.append(chunk)
    peers: Peers = request.app.state.peers
    headers = {
        **dict(peers.headers),
        ACTOR_HEADER: who.name,
        "Content-Type": request.headers.get("content-type", ""),
    }
    try:
        async with httpx.AsyncClient(timeout=UPLOAD_TIMEOUT) as client:
            resp = await client.post(
                f"{peers.desk}/v1/records/{case_no}/files",
                content=b"".join(chunks),
                headers=headers,
            )
    except httpx.HTTPError:
        return _problem(503, "unavailable", "附件服务暂不可用，请稍后重试（附件未保存）。")
    if resp.status_code >= 500:
        return _problem(503, "unavailable", "附件服务暂不可用，请稍后重试（附件未保存）。")
    return Response(resp.content, resp.status_code, media_type="application/json")
