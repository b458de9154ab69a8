"""全部工单: search every case within the user's scope, paged and sortable."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import allow
from services.desk.labels import CHANNELS, DIFFICULTY, LIGHTS, STATES
from services.desk.reports.figures import LOCAL
from services.desk.search.query import COUNT_CAP, FILTERS, Search, TooBroad, by_phone, run
from services.desk.ui import access
from services.desk.ui.auth import STAFF, viewer
from services.desk.ui.context import sealer_of, sessions_db, ui_of
from services.desk.ui.html import case_link, cells, e, kind_cell, short, table, when
from services.desk.ui.pages import render
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(allow(*STAFF, page=True))])


def _date(value: str | None, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    day = datetime.fromisoformat(value).replace(tzinfo=LOCAL)
    return day + timedelta(days=1) if end else day


def search_of(params: Any, user: User) -> Search:
    """The search a query string asks for; the phone only for roles that may call back."""
    phone = params.get("phone", "").strip()
    if phone and user.role not in access.PHONE_ROLES:
        raise PermissionError("只有回访人员可以按来电号码查询。")
    try:
        page = max(1, int(params.get("page", "1")))
        size = int(params.get("size", "20"))
    except ValueError as exc:
        raise ValueError("页码须为数字。") from exc
    return Search(
        case_no=params.get("case_no", "").strip(),
        phone=phone,
        text=params.get("q", "").strip()[:100],
        since=_date(params.get("since")),
        until=_date(params.get("until"), end=True),
        sort=params.get("sort", "received_desc"),
        page=page,
        size=size,
        equals={k: params.get(k, "").strip() for k in FILTERS if params.get(k)},
    )


def _select(name: str, label: str, options: dict[str, str], chosen: str) -> str:
    opts = "".join(
        f'<option value="{e(k)}"{" selected" if k == chosen else ""}>{e(v)}</option>'
        for k, v in options.items()
    )
    return (
        f'<label>{label}<select name="{name}"><option value="">全部</option>{opts}</select></label>'
    )


@router.get("/search")
async def search_page(request: Request) -> Response:
    """Every case the user may see, found by number, phone, words and filters."""
    user = viewer(request)
    ui = ui_of(request)
    q = request.query_params
    try:
        search = by_phone(search_of(q, user), sealer_of(request))
    except (PermissionError, ValueError) as exc:
        body = f'<p class="error" role="alert" id="denied">{e(exc)}</p>'
        return render(
            request,
            "全部工单",
            body,
            user,
            "",
            status=403 if isinstance(exc, PermissionError) else 422,
        )
    scope = access.scope_of(user, ui.directory)
    try:
        async with sessions_db(request)() as session:
            rows, total = await run(session, search, scope)
    except TooBroad as exc:
        body = f'<p class="error" role="alert" id="denied">{e(exc)}</p>'
        return render(request, "全部工单", body, user, "", status=422)
    units = {u.id: u.name for u in ui.directory.units if access.holds(scope, u.id, ui.directory)}
    topics = sorted({r["topic"] for r in rows if r["topic"]})
    phone = (
        f'<label>来电号码<input name="phone" value="{e(search.phone)}" inputmode="tel"></label>'
        if user.role in access.PHONE_ROLES
        else ""
    )
    form = (
        '<form class="search" method="get" action="/search" id="search-form">'
        f'<label>关键词<input name="q" id="q" value="{e(search.text)}"'
        ' placeholder="如：路灯 漏水"></label>'
        f'<label>工单编号<input name="case_no" value="{e(search.case_no)}"'
        ' inputmode="numeric"></label>'
        f"{phone}"
        + (_select("unit_id", "承办单位", units, q.get("unit_id", "")) if len(units) > 1 else "")
        + _select("state", "状态", STATES, q.get("state", ""))
        + _select("light", "亮灯", LIGHTS, q.get("light", ""))
        + _select("difficulty", "难度", DIFFICULTY, q.get("difficulty", ""))
        + _select("channel", "渠道", CHANNELS, q.get("channel", ""))
        + f'<label>主题<input name="topic" value="{e(q.get("topic", ""))}" list="topics"></label>'
        f'<datalist id="topics">{"".join(f"<option value={e(t)!r}>" for t in topics)}</datalist>'
        f'<label>受理日期自<input type="date" name="since" value="{e(q.get("since", ""))}"></label>'
        f'<label>至<input type="date" name="until" value="{e(q.get("until", ""))}"></label>'
        + _select(
            "sort",
            "排序",
            {
                "received_desc": "受理时间（新→旧）",
                "received_asc": "受理时间（旧→新）",
                "closed_desc": "销号时间（新→旧）",
            },
            search.sort,
        )
        + '<button class="primary" id="search">查询</button></form>'
    )
    lines = [
        cells(
            [
                ("工单", case_link(r["case_no"])),
                ("受理", when(r["received_at"])),
                ("诉求", short(r["title"] or r["content"], 36)),
                ("主题", kind_cell(r) + e(r["topic"])),
                ("承办", e(r["unit_name"])),
                ("状态", STATES.get(r["state"], e(r["state"]))),
            ],
            f'data-case="{e(r["case_no"])}"',
        )
        for r in rows
    ]
    shown = f"{COUNT_CAP} 件以上" if total > COUNT_CAP else f"{total} 件"
    params = {k: v for k, v in q.items() if k != "page"}
    pager = []
    if search.page > 1:
        pager.append(
            f'<a href="/search?{urlencode({**params, "page": search.page - 1})}"'
            ' id="prev">上一页</a>'
        )
    if len(rows) == search.size:  # a full page: there may be more, counted or not
        pager.append(
            f'<a href="/search?{urlencode({**params, "page": search.page + 1})}"'
            ' id="next">下一页</a>'
        )
    body = (
        f'<header class="bar"><h1>全部工单</h1><p class="counts" id="counts">共 <b>{shown}</b>'
        f" · 第 {search.page} 页</p></header>{form}"
        + table(
            ["工单", "受理", "诉求", "主题", "承办", "状态"],
            lines,
            empty="没有符合条件的工单",
            cls="results",
        )
        + f'<nav class="pager">{" ".join(pager)}</nav>'
    )
    return render(request, "全部工单", body, user, "")
