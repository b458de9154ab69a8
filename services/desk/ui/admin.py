"""账号管理 (admins only): accounts, their roles and units, enabling, password resets."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.common.access import allow
from services.common.access.roles import ROLE_LABELS, ROLES
from services.desk.identity.passwords import weakness
from services.desk.identity.service import Identity
from services.desk.identity.store import Account
from services.desk.people import store as people_store
from services.desk.ui.auth import ADMINS, csrf_of, viewer
from services.desk.ui.html import cells, csrf_field, e, table, when
from services.desk.ui.pages import render
from services.desk.ui.users import User

router = APIRouter(
    prefix="/admin/users",
    include_in_schema=False,
    dependencies=[Depends(allow(*ADMINS, page=True))],
)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _identity(request: Request) -> Identity:
    found: Identity = request.app.state.identity
    return found


def back(done: str = "", error: str = "") -> Response:
    """Back to the list, saying what happened."""
    query = urlencode({k: v for k, v in (("done", done), ("error", error)) if v})
    return RedirectResponse(f"/admin/users{'?' + query if query else ''}", status_code=303)


def people_of(accounts: list[Account]) -> dict[str, tuple[str, str]]:
    """Actor id -> (name, unit id), as the record names people (record.writer.People)."""
    return {a.user.username: (a.user.name, a.user.unit_id) for a in accounts}


async def known_people(request: Request) -> None:
    """The record names actors as the accounts now read."""
    people = getattr(request.app.state, "people", None)
    if people is not None:
        people.known = people_of(await _identity(request).accounts())


def _select(name: str, options: list[tuple[str, str]], chosen: str = "") -> str:
    opts = "".join(
        f'<option value="{e(v)}"{" selected" if v == chosen else ""}>{e(label)}</option>'
        for v, label in options
    )
    return f'<select name="{name}" required>{opts}</select>'


def _roles(chosen: str = "") -> str:
    return _select("role", [(r, ROLE_LABELS[r]) for r in ROLES], chosen)


@router.get("")
async def users_page(request: Request, done: str = "", error: str = "") -> Response:
    """Every account, with the forms that change them."""
    me = viewer(request)
    token = csrf_of(request)
    directory = request.app.state.directory
    units = [(u.id, u.name) for u in directory.units]
    names = dict(units)
    rows = []
    async with request.app.state.sessions() as session:
        heads = {m.username for m in await people_store.everyone(session) if m.head}
    for a in await _identity(request).accounts():
        u = a.user
        slug = e(u.username)
        toggle = (
            f'<form method="post" action="/admin/users/{slug}/active">{csrf_field(token)}'
            f'<input type="hidden" name="active" value="{"false" if a.active else "true"}">'
            f'<button id="toggle-{slug}">{"停用" if a.active else "启用"}</button></form>'
        )
        reset = (
            f'<form method="post" action="/admin/users/{slug}/password">{csrf_field(token)}'
            '<input name="password" type="password" autocomplete="new-password"'
            f' placeholder="新密码" aria-label="新密码" required id="password-{slug}">'
            f'<button id="reset-{slug}">重置密码</button></form>'
        )
        role = (
            f'<form method="post" action="/admin/users/{slug}/role">{csrf_field(token)}'
            f'{_roles(u.role)}<button id="role-{slug}">改角色</button></form>'
        )
        is_head = u.username in heads
        head = (
            f'<form method="post" action="/admin/users/{slug}/head">{csrf_field(token)}'
            f'<input type="hidden" name="head" value="{"false" if is_head else "true"}">'
            f'<button id="head-{slug}">{"取消负责人" if is_head else "设为负责人"}'
            "</button></form>"
            if u.role == "handler"
            else ""
        )
        rows.append(
            cells(
                [
                    ("账号", e(u.username)),
                    ("姓名", e(u.name)),
                    ("单位", e(names.get(u.unit_id, u.unit_id))),
                    (
                        "角色",
                        e(ROLE_LABELS.get(u.role, u.role))
                        + (" · 单位负责人" if u.username in heads else ""),
                    ),
                    ("状态", "启用" if a.active else "已停用"),
                    ("密码更新", when(a.password_changed_at)),
                    ("操作", toggle + reset + role + head),
                ],
                f'data-user="{slug}"',
            )
        )
    note = (f'<p class="msg ok" role="status" id="admin-done">{e(done)}</p>' if done else "") + (
        f'<p class="error" role="alert" id="admin-error">{e(error)}</p>' if error else ""
    )
    create = (
        '<section class="card"><h2>新建账号</h2>'
        f'<form method="post" action="/admin/users" id="create-user">{csrf_field(token)}'
        '<label>账号<input name="username" required maxlength="64"'
        ' pattern="[a-z0-9][a-z0-9._\\-]{1,63}" autocomplete="off"></label>'
        '<label>姓名<input name="name" required maxlength="64"></label>'
        f"<label>单位{_select('unit_id', units)}</label>"
        f"<label>角色{_roles()}</label>"
        '<label>初始密码<input name="password" type="password" required'
        ' autocomplete="new-password"></label>'
        '<button class="primary">创建</button></form></section>'
    )
    body = (
        f'<header class="bar"><h1>账号管理</h1>{note}</header>{create}'
        '<section class="card wide"><h2>全部账号</h2>'
        + table(
            ["账号", "姓名", "单位", "角色", "状态", "密码更新", "操作"],
            rows,
            empty="暂无账号",
            cls="accounts",
        )
        + "</section>"
    )
    return render(request, "账号管理", body, me, "")


@router.post("")
async def create_user(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=64)],
    unit_id: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    """A new account with an initial password."""
    username = username.strip().lower()
    units = {u.id for u in request.app.state.directory.units}
    problem = (
        "账号只能由小写字母、数字、点、横线组成（2–64 个字符）。"
        if not USERNAME.match(username)
        else "请选择有效的角色。"
        if role not in ROLES
        else "请选择有效的单位。"
        if unit_id not in units
        else "请填写姓名。"
        if not name.strip()
        else weakness(password)
    )
    if problem:
        return back(error=problem)
    if not await _identity(request).add(User(username, name.strip(), unit_id, role), password):
        return back(error=f"账号 {username} 已存在。")
    await known_people(request)
    return back(done=f"已创建账号 {username}。")


@router.post("/{username}/active")
async def set_active(request: Request, username: str, active: Annotated[str, Form()]) -> Response:
    """Disable an account (its sessions end) or enable it again."""
    on = active == "true"
    if not on and username == viewer(request).username:
        return back(error="不能停用自己的账号。")
    if not await _identity(request).set_active(username, on):
        return back(error=f"未找到账号 {username}。")
    return back(done=f"已{'启用' if on else '停用'}账号 {username}。")


@router.post("/{username}/password")
async def reset_password(
    request: Request, username: str, password: Annotated[str, Form(max_length=256)]
) -> Response:
    """A new password; every session of the account ends."""
    problem = weakness(password)
    if problem:
        return back(error=problem)
    if not await _identity(request).set_password(username, password):
        return back(error=f"未找到账号 {username}。")
    return back(done=f"已重置账号 {username} 的密码，其登录会话已全部失效。")


@router.post("/{username}/role")
async def change_role(
    request: Request, username: str, role: Annotated[str, Form(max_length=16)]
) -> Response:
    """A new role (it applies from the account's next request)."""
    if role not in ROLES:
        return back(error="请选择有效的角色。")
    if username == viewer(request).username and role != "admin":
        return back(error="不能取消自己的管理员角色。")
    if not await _identity(request).change(username, role=role):
        return back(error=f"未找到账号 {username}。")
    return back(done=f"账号 {username} 的角色已改为{ROLE_LABELS[role]}。")


@router.post("/{username}/head")
async def set_head(request: Request, username: str, head: Annotated[str, Form()]) -> Response:
    """Make a handler their unit's head (who names the handlers of its cases), or not."""
    on = head == "true"
    async with request.app.state.sessions() as session, session.begin():
        found = await people_store.member(session, username)
        if found is None or found.role != "handler":
            return back(error="只有办理人员可以设为单位负责人。")
        await people_store.set_flags(session, username, unit_head=on)
    return back(done=f"已{'设' if on else '取消'}{found.name}为单位负责人。")
