"""Server-rendered pages: login and the queue (a case's page is casepage.py). Live refresh asks
for ?part=main."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.desk.board import queries
from services.desk.labels import DIFFICULTY, STATES
from services.desk.ui import access
from services.desk.ui.auth import sessions_of
from services.desk.ui.context import sessions_db, ui_of
from services.desk.ui.html import case_link, cells, due_cell, e, light, page, short, table, when
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False)
HOME = {
    "handler": "/queue",
    "dispatcher": "/manual",
    "supervisor": "/map",
    "admin": "/map",
    "auditor": "/audit",
}


def render(
    request: Request, title: str, body: str, user: User, live: str, status: int = 200
) -> Response:
    """The whole page, or only its main part when the live script asks for it."""
    if request.query_params.get("part") == "main":
        return HTMLResponse(body, status_code=status)
    return HTMLResponse(page(title, body, user, live=live), status_code=status)


def login_needed(request: Request) -> Response:
    """Send an anonymous visitor to the login page, coming back here afterwards."""
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str = "/", error: str = "") -> HTMLResponse:
    """The login form."""
    msg = f'<p class="error" role="alert">{e(error)}</p>' if error else ""
    body = (
        '<section class="login"><h1>12345 办理人工作台</h1>'
        f'<form method="post" action="/login">{msg}'
        f'<input type="hidden" name="next" value="{e(next)}">'
        '<label>用户名<input name="username" id="username"'
        ' autocomplete="username" required autofocus></label>'
        '<label>密码<input name="password" id="password" type="password"'
        ' autocomplete="current-password" required></label>'
        '<button id="login" class="primary">登录</button></form></section>'
    )
    return HTMLResponse(page("登录", body, None))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password; set the session cookie and go on, or show the form again."""
    keeper = sessions_of(request)
    user = keeper.users.authenticate(username.strip(), password)
    if user is None:
        return RedirectResponse(
            f"/login?error={quote('用户名或密码错误')}&next={quote(next)}", status_code=303
        )
    # Only local paths: a login link must not bounce the user to another site.
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target if target != "/" else HOME[user.role], status_code=303)
    keeper.login(response, user)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out."""
    response = RedirectResponse("/login", status_code=303)
    sessions_of(request).logout(response)
    return response


@router.get("/")
async def home(request: Request) -> Response:
    """Each role starts on its own page."""
    user = sessions_of(request).user(request)
    if user is None:
        return await login_form(request)
    return RedirectResponse(HOME[user.role], status_code=303)


def queue_rows(rows: list[dict[str, Any]]) -> list[str]:
    """Queue lines: light, case, topic, state, the deadline that matters and what is left."""
    out = []
    for r in rows:
        flags = "".join(
            f'<span class="tag {cls}">{label}</span>'
            for cond, cls, label in (
                (r["urgent"], "urgent", "紧急"),
                (r["escalation_level"], "up", "升级"),
                (r["supervised"], "up", "督办"),
                (r["extension_pending"], "ext", "延期待批"),
            )
            if cond
        )
        out.append(
            cells(
                [
                    ("灯", light(r["light"])),
                    ("工单", case_link(r["case_no"]) + flags),
                    ("诉求", short(r["title"] or r["content"])),
                    ("分类", f"{e(r['topic'])} · {DIFFICULTY.get(r['difficulty'], '')}"),
                    ("承办", e(r["unit_name"])),
                    ("状态", STATES.get(r["state"], e(r["state"]))),
                    ("时限", when(r["due"])),
                    ("剩余", due_cell(r)),
                ],
                f'data-case="{e(r["case_no"])}" class="row-{e(r["light"])}"',
            )
        )
    return out


@router.get("/queue")
async def queue_page(request: Request) -> Response:
    """The unit's open cases (a supervisor's: the jurisdiction's), most pressing first."""
    user = sessions_of(request).user(request)
    if user is None:
        return login_needed(request)
    ui = ui_of(request)
    scope = access.scope_of(user, ui.directory)
    async with sessions_db(request)() as session:
        rows = await queries.queue(session, scope)
    await ui.time_left(rows)
    title = ui.unit_name(user.unit_id) if scope.kind == "unit" else "辖区在办工单"
    counts = {k: sum(1 for r in rows if r["light"] == k) for k in ("green", "yellow", "red")}
    body = (
        f'<header class="bar"><h1>{e(title)} · 待办</h1>'
        f'<p class="counts" id="counts">共 <b>{len(rows)}</b> 件 · 绿 {counts["green"]} · '
        f"黄 {counts['yellow']} · 红 {counts['red']}</p></header>"
        + table(
            ["灯", "工单", "诉求", "分类", "承办", "状态", "时限", "剩余"],
            queue_rows(rows),
            empty="暂无待办工单",
            cls="queue",
        )
    )
    return render(request, "待办队列", body, user, "queue")
