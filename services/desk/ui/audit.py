"""访问审计: auditors search who read which caller in full, when and from where; CSV export.

Only auditors read the audit: admins may read callers in full themselves, so they are
among those audited, not the auditors.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import Principal, allow
from services.common.access.roles import AUDITOR
from services.desk import audit
from services.desk.ui.auth import user_of
from services.desk.ui.context import sessions_db
from services.desk.ui.html import LOCAL, cells, e, table
from services.desk.ui.pages import render
from services.desk.ui.users import ROLE_LABELS

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(allow(AUDITOR, page=True))]
HEADERS = ["时间", "用户", "角色", "工单", "读取内容", "页面", "来源地址", "浏览器"]


def _at(value: datetime) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


def cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a browser's name is anyone's)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _line(r: dict[str, Any]) -> list[str]:
    return [
        _at(r["at"]),
        r["username"],
        ROLE_LABELS.get(r["role"], r["role"]),
        r["case_no"],
        audit.WHAT.get(r["what"], r["what"]),
        audit.ROUTES.get(r["route"], r["route"]),
        r["client"],
        r["user_agent"],
    ]


def _form(params: Any) -> str:
    def field(name: str, label: str, kind: str = "text") -> str:
        value = e(params.get(name, ""))
        return (
            f'<label>{label}<input type="{kind}" name="{name}"'
            f' id="audit-{name}" value="{value}"></label>'
        )

    return (
        '<form class="search" method="get" action="/audit" id="audit-form">'
        + field("username", "用户名")
        + field("case_no", "工单编号")
        + field("since", "日期自", "date")
        + field("until", "至", "date")
        + '<button class="primary" id="audit-search">查询</button></form>'
    )


@router.get("/audit")
async def audit_page(request: Request, who: Auditor) -> Response:
    """The audit, newest first, filtered by user, case and dates, fifty rows a page."""
    user = user_of(who)
    params = request.query_params
    try:
        q = audit.query_of(params)
    except audit.BadQuery as exc:
        body = f'<p class="error" role="alert" id="denied">{e(exc)}</p>'
        return render(request, "访问审计", body, user, "", status=422)
    async with sessions_db(request)() as session:
        rows = [dict(r._mapping) for r in await session.execute(audit.statement(q))]
        total = int((await session.execute(audit.count_statement(q))).scalar_one())
    lines = [
        cells(
            [(label, e(value)) for label, value in zip(HEADERS, _line(r), strict=True)],
            f'data-id="{r["id"]}" data-case="{e(r["case_no"])}"',
        )
        for r in rows
    ]
    kept = {k: v for k, v in params.items() if k != "page" and v}
    pager = []
    if q.page > 1:
        pager.append(
            f'<a href="/audit?{urlencode({**kept, "page": q.page - 1})}" id="prev">上一页</a>'
        )
    if q.page * q.size < total:
        pager.append(
            f'<a href="/audit?{urlencode({**kept, "page": q.page + 1})}" id="next">下一页</a>'
        )
    body = (
        '<header class="bar"><h1>访问审计</h1>'
        f'<p class="counts" id="counts">共 <b>{total}</b> 条 · 第 {q.page} 页 ·'
        f' <a href="/audit.csv?{urlencode(kept)}" id="audit-csv">导出 CSV</a></p></header>'
        + _form(params)
        + '<p class="note">记录每一次查看来电人完整号码与姓名的操作，只增不改。</p>'
        + table(HEADERS, lines, empty="没有符合条件的访问记录", cls="audit")
        + f'<nav class="pager">{" ".join(pager)}</nav>'
    )
    return render(request, "访问审计", body, user, "")


@router.get("/audit.csv")
async def audit_csv(request: Request, who: Auditor) -> Response:
    """The filtered audit as CSV (UTF-8 with BOM), newest first, up to CSV_MAX rows."""
    try:
        q = audit.query_of(request.query_params)
    except audit.BadQuery as exc:
        return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
    async with sessions_db(request)() as session:
        rows = [
            dict(r._mapping) for r in await session.execute(audit.statement(q, limit=audit.CSV_MAX))
        ]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([cell(v) for v in _line(r)] for r in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''access-audit.csv",
            "Cache-Control": "no-store",
        },
    )
