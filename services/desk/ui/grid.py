"""The grid worker's phone page (网格巡查): patrol reports (巡查上报), closed on the spot
(就地办结) or sent to the grid's queue, and visits (走访).

A patrol report becomes a case at intake (channel grid_patrol, the worker's grid and, when
the phone gives them, coordinates); the desk files it for the signed-in worker, who is its
operator. A report closed on the spot is closed at intake and counted for the grid.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.common.access import allow
from services.common.access.services import ACTOR_HEADER
from services.common.labels import STATES
from services.common.logging import get_logger
from services.desk.grid import store
from services.desk.tables import cases
from services.desk.ui.auth import PATROLLERS, viewer
from services.desk.ui.context import sessions_db, ui_of
from services.desk.ui.html import case_link, cells, csrf_field, e, short, table, when
from services.desk.ui.pages import render
from services.desk.ui.users import User

log = get_logger(__name__)
router = APIRouter(include_in_schema=False)
PATROL_CHANNEL = "grid_patrol"
ON_SPOT, REPORT = "on_spot", "report"
INTAKE_TIMEOUT = 10.0


def back(done: str = "", error: str = "", case_no: str = "") -> Response:
    """Back to the grid page, saying what happened."""
    pairs = (("done", done), ("error", error), ("case", case_no))
    query = urlencode({k: v for k, v in pairs if v})
    return RedirectResponse(f"/grid{'?' + query if query else ''}", status_code=303)


def _grid_of(request: Request, user: User) -> Any:
    """The worker's grid in the directory (None if their unit is no grid)."""
    return request.app.state.directory.grid(user.unit_id)


def patrol_form(csrf: str) -> str:
    """巡查上报: what was found, where, and whether it was dealt with on the spot."""
    return (
        '<form method="post" action="/grid/patrol" id="patrol" class="patrol">'
        f"{csrf_field(csrf)}"
        f'<input type="hidden" name="key" value="{secrets.token_urlsafe(12)}">'
        '<label>问题<input name="title" maxlength="200" placeholder="如：楼道堆物" required>'
        "</label>"
        '<label>情况描述<textarea name="content" rows="3" minlength="5" maxlength="4000" '
        'required placeholder="发现的问题，至少 5 个字"></textarea></label>'
        '<label>地点<input name="address" maxlength="300" placeholder="路名、小区、门牌"></label>'
        '<fieldset class="where"><legend>位置（可选）</legend>'
        '<input name="latitude" inputmode="decimal" placeholder="纬度" aria-label="纬度">'
        '<input name="longitude" inputmode="decimal" placeholder="经度" aria-label="经度">'
        '<button type="button" id="locate">获取当前位置</button></fieldset>'
        '<fieldset class="outcome"><legend>处理方式</legend>'
        f'<label><input type="radio" name="outcome" value="{ON_SPOT}" checked> 就地办结</label>'
        f'<label><input type="radio" name="outcome" value="{REPORT}"> 上报本网格办理</label>'
        "</fieldset>"
        '<label>处理情况<textarea name="note" rows="2" maxlength="4000" '
        'placeholder="就地办结时填写：做了什么、结果如何"></textarea></label>'
        '<button class="primary" id="patrol-submit">提交巡查上报</button></form>'
    )


def visit_form(csrf: str) -> str:
    """走访: whom or where the worker visited, and what came of it."""
    return (
        '<form method="post" action="/grid/visits" id="visit" class="patrol">'
        f"{csrf_field(csrf)}"
        '<label>走访对象<input name="place" maxlength="200" required '
        'placeholder="如：柳岸花园 3 栋、沿街商户"></label>'
        '<label>走访情况<textarea name="note" rows="2" maxlength="2000"></textarea></label>'
        '<button class="primary" id="visit-submit">记录走访</button></form>'
    )


async def _reports(request: Request, grid_code: str) -> list[str]:
    """The grid's latest patrol reports, newest first."""
    async with sessions_db(request)() as session:
        rows = await session.execute(
            sa.select(cases.c.case_no, cases.c.title, cases.c.state, cases.c.received_at)
            .where(cases.c.unit_id == grid_code, cases.c.channel == PATROL_CHANNEL)
            .order_by(cases.c.received_at.desc().nulls_last(), cases.c.case_no.desc())
            .limit(10)
        )
    return [
        cells(
            [
                ("工单", case_link(r.case_no)),
                ("问题", short(r.title or "", 20)),
                ("状态", e(STATES.get(r.state, r.state))),
                ("上报时间", when(r.received_at)),
            ],
            f'data-case="{e(r.case_no)}"',
        )
        for r in rows
    ]


@router.get("/grid", dependencies=[Depends(allow(*PATROLLERS, page=True))])
async def grid_page(request: Request) -> Response:
    """网格巡查: report what the patrol found, log a visit, see the grid's reports."""
    user = viewer(request)
    grid = _grid_of(request, user)
    if grid is None:
        body = '<p class="error" role="alert" id="denied">您的账号未分配网格，请联系管理员。</p>'
        return render(request, "网格巡查", body, user, "", status=403)
    csrf = request.state.principal.csrf
    q = request.query_params
    msg = ""
    if q.get("done"):
        link = f" {case_link(q['case'])}" if q.get("case") else ""
        msg = f'<p class="msg done" role="status" id="grid-done">{e(q["done"])}{link}</p>'
    if q.get("error"):
        msg = f'<p class="error" role="alert" id="grid-error">{e(q["error"])}</p>'
    async with sessions_db(request)() as session:
        visits = await store.recent_visits(session, user.username, 5)
    visit_rows = [
        cells([("时间", when(v.at)), ("走访对象", e(v.place)), ("情况", short(v.note, 30))])
        for v in visits
    ]
    body = (
        f'<header class="bar"><h1>网格巡查 · {e(grid.name)}</h1>{msg}</header>'
        '<div class="grid-page">'
        f'<section class="card" id="patrol-card"><h2>巡查上报</h2>{patrol_form(csrf)}</section>'
        f'<section class="card" id="visit-card"><h2>走访记录</h2>{visit_form(csrf)}'
        + table(["时间", "走访对象", "情况"], visit_rows, empty="暂无走访记录")
        + '</section><section class="card" id="reports"><h2>本网格巡查上报</h2>'
        + table(
            ["工单", "问题", "状态", "上报时间"], await _reports(request, grid.code), empty="暂无"
        )
        + "</section></div>"
        '<script src="/static/grid.js" defer></script>'
    )
    return render(request, "网格巡查", body, user, "")


def _coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def patrol_case(
    user: User, grid_code: str, form: dict[str, str]
) -> tuple[dict[str, Any] | None, str]:
    """The case intake is asked to accept for a patrol report, or None and why not."""
    title, content = form["title"].strip(), form["content"].strip()
    note = form["note"].strip()
    if len(content) < 5:
        return None, "情况描述至少 5 个字。"
    if form["outcome"] not in (ON_SPOT, REPORT):
        return None, "请选择处理方式。"
    if form["outcome"] == ON_SPOT and not note:
        return None, "就地办结时请填写处理情况。"
    body: dict[str, Any] = {
        "channel": PATROL_CHANNEL,
        "anonymous": True,
        "title": title or None,
        "content": content,
        "address": form["address"].strip() or None,
        "grid_code": grid_code,
        "operator": user.username,
    }
    lat, lon = form["latitude"].strip(), form["longitude"].strip()
    if lat or lon:
        latitude, longitude = _coordinate(lat, -90, 90), _coordinate(lon, -180, 180)
        if latitude is None or longitude is None:
            return None, "位置须同时填写有效的纬度和经度，或都不填。"
        body.update(latitude=latitude, longitude=longitude)
    if form["outcome"] == ON_SPOT:
        body["on_spot_note"] = note
    return body, ""


def _intake_problem(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return "受理服务未能受理该上报，请稍后重试。"
    errors = data.get("errors") or []
    first = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
    return str(first or data.get("message") or "受理服务未能受理该上报，请稍后重试。")


@router.post("/grid/patrol", dependencies=[Depends(allow(*PATROLLERS))])
async def patrol(
    request: Request,
    content: Annotated[str, Form(max_length=4000)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=300)] = "",
    latitude: Annotated[str, Form(max_length=32)] = "",
    longitude: Annotated[str, Form(max_length=32)] = "",
    outcome: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """File a patrol report at intake for the signed-in grid worker."""
    user = viewer(request)
    grid = _grid_of(request, user)
    if grid is None:
        return back(error="您的账号未分配网格，不能巡查上报。")
    form = {
        "title": title,
        "content": content,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "outcome": outcome,
        "note": note,
    }
    body, problem = patrol_case(user, grid.code, form)
    if body is None:
        return back(error=problem)
    headers = {ACTOR_HEADER: user.username}
    if key:
        headers["Idempotency-Key"] = f"patrol:{user.username}:{key}"
    ui = ui_of(request)
    try:
        resp = await ui.peers.post(
            f"{request.app.state.intake_url}/v1/cases",
            json=body,
            headers=headers,
            timeout=INTAKE_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        log.warning("intake unavailable for a patrol report", error=type(exc).__name__)
        return back(error="受理服务暂不可用，请稍后重试（上报未提交）。")
    if resp.status_code not in (200, 201):
        log.info("patrol report refused", status=resp.status_code)
        return back(error=_intake_problem(resp))
    case_no = str(resp.json()["case_no"])
    done = "已就地办结，计入本网格：" if outcome == ON_SPOT else "已上报，派至本网格办理："
    return back(done=done, case_no=case_no)


@router.post("/grid/visits", dependencies=[Depends(allow(*PATROLLERS))])
async def visit(
    request: Request,
    place: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Log a visit (走访) of the signed-in grid worker."""
    user = viewer(request)
    grid = _grid_of(request, user)
    if grid is None:
        return back(error="您的账号未分配网格，不能记录走访。")
    if not place.strip():
        return back(error="请填写走访对象。")
    async with sessions_db(request)() as session, session.begin():
        await store.add_visit(
            session, username=user.username, grid_code=grid.code, place=place.strip(), note=note
        )
    return back(done="已记录走访。")
