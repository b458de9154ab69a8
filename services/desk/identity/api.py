"""Who a session or an account is, for the services that ask the desk (service tokens)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request

from services.common.access import allow
from services.common.inputs import IDENT
from services.desk.identity.service import Identity
from services.desk.identity.web import SESSION_HEADER

router = APIRouter(prefix="/v1", tags=["identity"])
INVALID = {"code": "session_invalid", "message": "登录已失效，请重新登录"}


def _identity(request: Request) -> Identity:
    found: Identity = request.app.state.identity
    return found


@router.get(
    "/sessions/current",
    summary="会话对应的登录用户（供受理服务的坐席控制台使用）",
    dependencies=[Depends(allow(callers=("intake",)))],
    responses={401: {"description": "会话不存在、已退出或已过期"}},
)
async def current_session(
    request: Request,
    session: Annotated[str, Header(alias=SESSION_HEADER, max_length=128)] = "",
) -> dict[str, Any]:
    """The person of a desk session cookie value and its CSRF token, or 401."""
    found = await _identity(request).find(session)
    if found is None:
        raise HTTPException(401, INVALID)
    u = found.user
    return {
        "username": u.username,
        "name": u.name,
        "role": u.role,
        "unit_id": u.unit_id,
        "csrf": found.csrf,
    }


@router.get(
    "/users/{username}",
    summary="账号信息（供时限服务核对操作人）",
    dependencies=[Depends(allow(callers=("sla",)))],
    responses={404: {"description": "没有该账号"}},
)
async def user(
    request: Request, username: Annotated[str, Path(max_length=64, pattern=IDENT)]
) -> dict[str, Any]:
    """One account's name, role, unit and whether it is active; 404 if there is none."""
    found = await _identity(request).account(username)
    if found is None:
        raise HTTPException(404, {"code": "not_found", "message": f"未找到账号：{username}"})
    u = found.user
    return {
        "username": u.username,
        "name": u.name,
        "role": u.role,
        "unit_id": u.unit_id,
        "active": found.active,
    }
