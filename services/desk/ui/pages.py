"""Server-rendered pages: login, logout and each role's start (the work lists are queues.py, a
case's page casepage.py). Live refresh asks for ?part=main."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.common.access import principal_of, public
from services.common.access.guard import CSRF_FIELD, CSRF_HEADER
from services.desk.identity.nexturl import safe_next
from services.desk.identity.service import Identity, LoggedIn
from services.desk.identity.throttle import lockout_message
from services.desk.identity.web import (
    COOKIE,
    LOGIN_COOKIE,
    client_address,
    drop_session,
    login_token,
    set_login_token,
    set_session,
)
from services.desk.ui.auth import csrf_of
from services.desk.ui.html import e, page
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False)
HOME = {
    "handler": "/queue",
    "dispatcher": "/manual",
    "supervisor": "/map",
    "admin": "/map",
    "operator": "/search",
    "auditor": "/audit",
    "grid_worker": "/grid",
}
BAD_LOGIN = "用户名或密码错误"
FORGED = "登录请求无效（页面已过期或来自其他网站），请刷新登录页后重试。"


def render(
    request: Request, title: str, body: str, user: User, live: str, status: int = 200
) -> Response:
    """The whole page, or only its main part when the live script asks for it."""
    if request.query_params.get("part") == "main":
        return HTMLResponse(body, status_code=status)
    return HTMLResponse(
        page(title, body, user, live=live, csrf=csrf_of(request)), status_code=status
    )


def identity_of(request: Request) -> Identity:
    found: Identity = request.app.state.identity
    return found


def next_of(request: Request, target: str | None) -> str:
    """A safe place to go on to after logging in (see identity.nexturl)."""
    return safe_next(target, *request.app.state.login_bases)


def login_page(request: Request, next: str, error: str = "", status: int = 200) -> Response:
    """The login form; its CSRF token is also set as a cookie (double submit)."""
    token, fresh = login_token(request)
    msg = f'<p class="error" role="alert" id="login-error">{e(error)}</p>' if error else ""
    single = (
        f'<p class="sso"><a href="/login/sso?{urlencode({"next": next})}" id="sso">'
        "使用统一身份认证登录</a></p>"
        if getattr(request.app.state, "sso", False)
        else ""
    )
    body = (
        '<section class="login"><h1>12345 办理人工作台</h1>'
        f'<form method="post" action="/login">{msg}'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{e(token)}">'
        f'<input type="hidden" name="next" value="{e(next)}">'
        '<label>用户名<input name="username" id="username"'
        ' autocomplete="username" required autofocus></label>'
        '<label>密码<input name="password" id="password" type="password"'
        ' autocomplete="current-password" required></label>'
        f'<button id="login" class="primary">登录</button></form>{single}</section>'
    )
    response = HTMLResponse(page("登录", body, None), status_code=status)
    if fresh:
        set_login_token(response, token, identity_of(request))
    return response


def same_origin(request: Request) -> bool:
    """Whether a POST comes from one of the desk's own pages (when the browser says)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # older browsers and non-browser clients; the CSRF token still decides
    own = [urlsplit(str(request.base_url)), urlsplit(request.app.state.login_bases[0])]
    return any(origin == f"{u.scheme}://{u.netloc}" for u in own)


@router.get("/login", dependencies=[Depends(public())])
async def login_form(request: Request, next: str = "/") -> Response:
    """The login form."""
    return login_page(request, next)


def went_in(request: Request, done: LoggedIn, target: str) -> Response:
    """Set the session cookie and go on where the person was going (or to their home)."""
    goal = next_of(request, target)
    response = RedirectResponse(goal if goal != "/" else HOME[done.user.role], status_code=303)
    set_session(response, done, identity_of(request))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/login", dependencies=[Depends(public())])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2048)] = "/",
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Check the password; set the session cookie and go on, or show the form again."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if (
        not same_origin(request)
        or not expected
        or not hmac.compare_digest(csrf.encode(), expected.encode())
    ):
        return login_page(request, next, FORGED, status=403)
    keeper = identity_of(request)
    outcome = await keeper.login(username.strip().lower(), password, client_address(request))
    if isinstance(outcome, LoggedIn):
        if request.cookies.get(COOKIE):  # this browser's earlier session ends here
            await keeper.logout(request.cookies[COOKIE])
        return went_in(request, outcome, next)
    if outcome.locked_until is not None:
        message = lockout_message(outcome.locked_until, datetime.now(UTC))
        return login_page(request, next, message, status=429)
    return login_page(request, next, BAD_LOGIN, status=401)


@router.post("/logout", dependencies=[Depends(public())])
async def logout(request: Request) -> Response:
    """Sign out: the session ends on the server, the cookie goes."""
    who = await principal_of(request)
    keeper = identity_of(request)
    if who.is_person:
        form = await request.form()
        given = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
        if not hmac.compare_digest(given.encode(), who.csrf.encode()):
            raise HTTPException(
                403, {"code": "csrf_failed", "message": "退出请求无效，请刷新页面后重试。"}
            )
        await keeper.logout(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    drop_session(response, keeper)
    return response


@router.get("/", dependencies=[Depends(public())])
async def home(request: Request) -> Response:
    """Each role starts on its own page."""
    who = await principal_of(request)
    if not who.is_person:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(who.role, "/search"), status_code=303)
