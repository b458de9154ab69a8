"""Server-rendered pages: login, the queue, a case. Live refresh asks for ?part=main."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.dispatch import store
from services.dispatch.board import queries
from services.dispatch.ui import access
from services.dispatch.ui.auth import sessions_of
from services.dispatch.ui.context import sessions_db, ui_of
from services.dispatch.ui.html import (
    DIFFICULTY,
    EVENTS,
    STATES,
    TIERS,
    case_link,
    cells,
    due_cell,
    e,
    light,
    page,
    short,
    table,
    when,
)
from services.dispatch.ui.users import User

router = APIRouter(include_in_schema=False)
HOME = {"handler": "/queue", "dispatcher": "/manual", "supervisor": "/map", "admin": "/map"}


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


def _phone(intake: dict[str, Any] | None, user: User) -> str:
    if intake is None:
        return "—"
    if intake.get("anonymous"):
        return "匿名来电（不回访）"
    phone = access.mask_phone(intake.get("caller_phone") or "", user)
    consent = "同意回访" if intake.get("callback_consent") else "未同意回访"
    return f'<span id="caller-phone">{e(phone) or "—"}</span> <small>（{consent}）</small>'


def _timeline(status: dict[str, Any] | None, decisions: list[dict[str, Any]]) -> str:
    items = [
        (str(d["at"].isoformat()), f"派单决定（{e(d['kind'])}）→ {e(d['unit_id'] or '')}", "")
        for d in decisions
    ]
    for t in (status or {}).get("history", []):
        items.append((t["at"], EVENTS.get(t["kind"], e(t["kind"])), e(t["note"])))
    items.sort(key=lambda x: x[0])
    lis = "".join(
        f"<li><time>{when(at)}</time> <b>{what}</b> {note}</li>" for at, what, note in items
    )
    return f'<ol class="timeline" id="timeline">{lis or "<li>暂无记录</li>"}</ol>'


ACTION_FORMS = {
    "accept": ("签收", '<input name="note" placeholder="备注（可选）" maxlength="500">'),
    "progress": ("反馈进展", '<textarea name="note" required placeholder="办理进展"></textarea>'),
    "extension": (
        "申请延期",
        '<input name="amount" type="number" min="1" max="30"'
        ' value="2" required aria-label="延期天数"> 个工作日'
        '<textarea name="reason" required placeholder="延期理由"></textarea>',
    ),
    "bounce": (
        "退单",
        '<textarea name="note" required placeholder="退单理由（如：不属于本单位职责）"></textarea>',
    ),
    "resolve": ("办结", '<textarea name="note" required placeholder="办理结果"></textarea>'),
    "extension/decision": (
        "审批延期",
        '<select name="approve"><option value="true">同意</option>'
        '<option value="false">不同意</option></select>'
        '<input name="note" placeholder="审批意见" maxlength="500">',
    ),
    "close": ("督办销号", '<textarea name="note" required placeholder="销号理由"></textarea>'),
    "callback": (
        "记录回访",
        '<select name="satisfied"><option value="true">满意</option>'
        '<option value="false">不满意</option></select>'
        '<label><input type="checkbox" name="reached" checked> 已接通</label>'
        '<input name="note" placeholder="回访记录">',
    ),
}


def action_form(case_no: str, action: str) -> str:
    """One action as a small form the script sends as JSON."""
    label, fields = ACTION_FORMS[action]
    slug = action.replace("/", "-")
    return (
        f'<form class="act" data-case="{e(case_no)}" data-action="{e(action)}" id="act-{slug}">'
        f"<fieldset><legend>{label}</legend>{fields}"
        f'<button class="primary">{label}</button></fieldset></form>'
    )


@router.get("/cases/{case_no}")
async def case_page(request: Request, case_no: str) -> Response:
    """Content, classification and why, SLA, timeline, and the actions this user may take."""
    user = sessions_of(request).user(request)
    if user is None:
        return login_needed(request)
    ui = ui_of(request)
    async with sessions_db(request)() as session:
        row = await queries.one(session, case_no)
        assignment = await store.get_assignment(session, case_no=case_no) if row else None
        decisions = await store.list_decisions(session, case_no=case_no) if row else []
    if row is None:
        body = (
            f'<p class="error" role="alert" id="denied">未找到工单 {e(case_no)}，或它尚未派单。</p>'
        )
        return render(request, "未找到", body, user, "", status=404)
    denied = access.refusal(user, row, ui.directory)
    if denied and user.unit_id in (assignment or {}).get("bounced_units", []):
        # The unit's own bounce moved the case on: say that, not a bare refusal.
        denied = f"本单位已退回该工单，现由{row['unit_name']}承办，本单位不能再查看或办理。"
    if denied:
        body = (
            '<section class="denied"><h1>无法查看工单</h1>'
            '<p class="error" role="alert" id="denied">'
            f'{e(denied)}</p><p><a href="/queue">返回待办队列</a></p></section>'
        )
        return render(request, "无权查看", body, user, "", status=403)
    status = await ui.sla_status(case_no)
    intake = await ui.intake_case(case_no)
    await ui.time_left([row])
    a = assignment or {}
    reasons = "".join(f"<li>{e(r)}</li>" for r in a.get("reasons") or [])
    actions = "".join(
        action_form(case_no, act) for act in access.allowed_actions(user, row, ui.directory)
    )
    pending = (status or {}).get("pending_extension")
    ext = (
        f'<p class="ext" id="pending-extension">延期申请：{e(pending["amount"])} 个工作日，'
        f"理由：{e(pending['reason'])}（{e(pending['actor'])}）</p>"
        if pending
        else ""
    )
    body = (
        f'<header class="bar"><h1>工单 <span id="case-no">{e(case_no)}</span></h1>'
        f'{light(row["light"])} <span class="state"'
        f' id="case-state">{STATES.get(row["state"], e(row["state"]))}</span>'
        f' <span class="remain-wrap">{due_cell(row)}</span></header>'
        '<div class="case-grid">'
        f'<section class="card"><h2>诉求内容</h2><h3>{e(a.get("title") or row["title"] or "")}</h3>'
        f'<p class="content">{e(row["content"])}</p>'
        f"<dl><dt>地址</dt><dd>{e(row['address']) or '—'}</dd>"
        f"<dt>来电号码</dt><dd>{_phone(intake, user)}</dd>"
        f"<dt>渠道</dt><dd>{e((intake or {}).get('channel', '—'))}</dd></dl></section>"
        f'<section class="card"><h2>分类与派单理由</h2><dl>'
        f"<dt>主题</dt><dd>{e(row['topic'])}</dd>"
        f"<dt>难度</dt><dd>{DIFFICULTY.get(row['difficulty'], e(row['difficulty']))}"
        f"{'（紧急）' if row['urgent'] else ''}</dd>"
        "<dt>承办</dt><dd"
        f' id="case-unit">{e(row["unit_name"])}（{TIERS.get(row["tier"], e(row["tier"]))}）</dd>'
        f"<dt>置信度</dt><dd>{a.get('confidence', 0):.2f}</dd></dl>"
        f'<p class="why">{e(a.get("explanation", ""))}</p>'
        f'<ul class="reasons">{reasons}</ul></section>'
        f'<section class="card"><h2>时限</h2><dl>'
        f"<dt>签收时限</dt><dd>{when(row['accept_due'])}</dd>"
        f"<dt>办结时限</dt><dd>{when(row['resolve_due'])}</dd>"
        f"<dt>升级次数</dt><dd>{row['escalation_level']}</dd>"
        f"<dt>退单次数</dt><dd>{(status or {}).get('bounces', 0)}</dd></dl>{ext}</section>"
        f'<section class="card"><h2>时间线</h2>{_timeline(status, decisions)}</section>'
        f'<section class="card actions"><h2>办理</h2>'
        '<p class="msg" id="action-msg" role="alert">'
        f"</p>{actions or '<p>无可执行的操作</p>'}</section>"
        "</div>"
    )
    return render(request, f"工单 {case_no}", body, user, f"case:{case_no}")
