"""统计与通报: a period's figures on a page with charts, as .xlsx or CSV, and the bulletin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import allow
from services.common.request_types import REQUEST_TYPES
from services.common.request_types import label as type_label
from services.desk.board.projector import place
from services.desk.board.rates import RATES_NOTE, Place, policy, ranking
from services.desk.reports.export import COUNT_HEADERS, count_row, tables, to_csv, to_xlsx
from services.desk.reports.figures import LOCAL, PERIODS, Period, Report, build, period, rates_of
from services.desk.reports.queries import breakdowns, by_request_type, mark_counts, unit_counts
from services.desk.ui import access
from services.desk.ui.auth import OVERSEERS, viewer
from services.desk.ui.context import Ui, sessions_db, ui_of
from services.desk.ui.html import cells, e, pct, script_json, table
from services.desk.ui.pages import render
from services.desk.ui.situation import units_in
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False, dependencies=[Depends(allow(*OVERSEERS, page=True))])
HISTORY = 6  # periods of 红黑榜 history shown beside the current one
Ranked = tuple[str, list[Place], list[Place]]  # a period's label, 红榜, 黑榜


def _day(value: str | None) -> date:
    if not value:
        return datetime.now(UTC).astimezone(LOCAL).date()
    return date.fromisoformat(value)


def period_of(request: Request) -> Period:
    """The period the query asks for (?period=month&day=2026-11-03, custom with &until=)."""
    q = request.query_params
    until = q.get("until")
    return period(q.get("period", "month"), _day(q.get("day")), _day(until) if until else None)


def area_name(ui: Ui, area_id: str) -> str:
    """An area's or a unit's name, or its id."""
    try:
        return ui.directory.area(area_id).name
    except KeyError:
        return ui.unit_name(area_id)


async def ranking_for(
    request: Request, ui: Ui, user: User, p: Period
) -> tuple[list[Place], list[Place]]:
    """An earlier period's 红榜 and 黑榜: only the marks are counted for them."""
    scope = access.scope_of(user, ui.directory)
    async with sessions_db(request)() as session:
        counts = await mark_counts(session, units_in(scope, ui), p)
    return ranking(rates_of(counts))


async def report_for(request: Request, ui: Ui, user: User, p: Period) -> Report:
    """The report of a period within the user's jurisdiction."""
    scope = access.scope_of(user, ui.directory)
    # The 12345 centre counts for its direct answers (直接答复), but is not ranked.
    centres = [
        u.id
        for u in ui.directory.units
        if u.role == "dispatch_centre" and access.holds(scope, u.id, ui.directory)
    ]
    async with sessions_db(request)() as session:
        counts = await unit_counts(session, scope, [*units_in(scope, ui), *centres], p)
        by_area, by_day, handling = await breakdowns(session, scope, p)
        by_type = await by_request_type(session, scope, p)
    return build(
        p,
        units=counts,
        by_topic_area=by_area,
        by_day=by_day,
        handling=handling,
        township_of=lambda u: place(ui.directory, u)["township_id"],
        district_of=lambda u: place(ui.directory, u)["district_id"],
        unranked=frozenset(centres),
        by_type=by_type,
    )


def refused(request: Request, user: User) -> Response | None:
    """Reports are for supervisors, dispatchers, admins and auditors."""
    if user.role in ("supervisor", "dispatcher", "admin"):
        return None
    body = '<p class="error" role="alert" id="denied">统计与通报仅对督办、派单和管理人员开放。</p>'
    return render(request, "无权查看", body, user, "", status=403)


async def asked(request: Request) -> tuple[User, Ui, Period] | Response:
    """The signed-in user, the UI and the period asked for, or the page that says why not."""
    user = viewer(request)
    if (denied := refused(request, user)) is not None:
        return denied
    try:
        p = period_of(request)
    except ValueError as exc:
        message = (
            str(exc) if "日期" in str(exc) or "周期" in str(exc) else "日期格式应为 年-月-日。"
        )
        body = f'<p class="error" role="alert" id="denied">{e(message)}</p>'
        return render(request, "统计与通报", body, user, "", status=422)
    return user, ui_of(request), p


def _counts_table(title: str, rows: list[list[object]]) -> str:
    lines = [
        cells([(h, e(v)) for h, v in zip([title, *COUNT_HEADERS], r, strict=True)]) for r in rows
    ]
    return table([title, *COUNT_HEADERS], lines, empty="本期暂无数据", cls="report")


def _form(p: Period) -> str:
    options = "".join(
        f'<option value="{k}"{" selected" if k == p.kind else ""}>{v}</option>'
        for k, v in PERIODS.items()
    )
    until = (p.end.date().toordinal() - 1) if p.kind == "custom" else None
    until_value = date.fromordinal(until).isoformat() if until else ""
    return (
        '<form class="period" method="get" action="/reports">'
        f'<label>周期<select name="period" id="period">{options}</select></label>'
        '<label>日期<input type="date" name="day" id="day"'
        f' value="{p.start.date().isoformat()}"></label>'
        f'<label>至（自定义）<input type="date" name="until" value="{until_value}"></label>'
        '<button class="primary">统计</button></form>'
    )


def _query(p: Period) -> str:
    q = f"period={p.kind}&day={p.start.date().isoformat()}"
    if p.kind == "custom":
        q += f"&until={date.fromordinal(p.end.date().toordinal() - 1).isoformat()}"
    return q


def _bar(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def chart_data(report: Report, ui: Ui, history: list[Ranked]) -> dict[str, Any]:
    """What the page's charts draw: the daily trend, the units' rates, the ranking history."""
    units = sorted(report.units.items(), key=lambda kv: -kv[1].assigned)[:12]
    return {
        "trend": {"days": list(report.by_day), "counts": list(report.by_day.values())},
        "rates": {
            "units": [ui.unit_name(u) for u, _ in units],
            # A rate with nothing to count is no bar (null), not a bar of 0 %.
            "response": [_bar(c.response) for _, c in units],
            "resolution": [_bar(c.resolution) for _, c in units],
            "satisfaction": [_bar(c.satisfaction) for _, c in units],
        },
        "history": [
            {
                "label": label,
                "red": [ui.unit_name(r.rates.unit_id) for r in red],
                "black": [ui.unit_name(r.rates.unit_id) for r in black],
            }
            for label, red, black in history
        ],
    }


@router.get("/reports")
async def reports_page(request: Request) -> Response:
    """统计与通报 for any period, with downloads and charts."""
    got = await asked(request)
    if isinstance(got, Response):
        return got
    user, ui, p = got
    report = await report_for(request, ui, user, p)
    history = [(p.label, report.red, report.black)]
    earlier = p
    for _ in range(HISTORY if p.kind != "custom" else 0):
        earlier = earlier.previous()
        history.append((earlier.label, *await ranking_for(request, ui, user, earlier)))
    t = tables(report, lambda a: area_name(ui, a))
    q = _query(p)
    ranks = "".join(
        f"<tr><td>{e(label)}</td>"
        f"<td>{e('、'.join(ui.unit_name(r.rates.unit_id) for r in red)) or '—'}</td>"
        f"<td>{e('、'.join(ui.unit_name(r.rates.unit_id) for r in black)) or '—'}</td></tr>"
        for label, red, black in history
    )
    body = (
        f'<header class="bar"><h1>统计与通报 · <span id="period-label">{e(p.label)}</span></h1>'
        f"{_form(p)}"
        f'<p class="downloads"><a id="download-xlsx" href="/reports.xlsx?{q}">下载 Excel</a> · '
        f'<a id="download-csv" href="/reports.csv?{q}">下载 CSV</a> · '
        f'<a href="/reports/bulletin?{q}">打印通报</a></p></header>'
        f'<script type="application/json" id="chart-data">'
        f"{script_json(chart_data(report, ui, history[1:]))}</script>"
        '<div class="map-grid">'
        '<section class="card wide"><h2>每日受理趋势</h2>'
        '<div class="chart" id="chart-trend"></div></section>'
        '<section class="card wide"><h2>单位三率</h2><div class="chart" id="chart-rates"></div>'
        f"{_counts_table('单位', t['单位三率'][1:])}"
        f'<p class="note">{e(RATES_NOTE)}销号率＝销号/派单。按本期发生的事项计数。</p>'
        f'<p class="note">{e(policy().score_note())}</p></section>'
        '<section class="card wide"><h2>乡镇/街道</h2>'
        f"{_counts_table('乡镇/街道', t['乡镇街道'][1:])}</section>"
        f'<section class="card wide"><h2>区</h2>{_counts_table("区", t["区"][1:])}</section>'
        '<section class="card" id="ranking-history"><h2>红黑榜（含往期）</h2>'
        '<table class="grid"><thead><tr><th>周期</th><th>红榜</th><th>黑榜</th></tr></thead>'
        f"<tbody>{ranks}</tbody></table></section>"
        '<section class="card"><h2>办理时长</h2>'
        f"<p>办结 <b>{report.handling.resolved}</b> 件 · 平均 {hours(report.handling.mean_hours)}"
        f" · 90% 在 {hours(report.handling.p90_hours)}内</p></section>"
        '<section class="card wide"><h2>按主题与区域</h2>'
        + table(
            ["主题", "乡镇/街道", "件数"],
            [
                cells([("主题", e(r[0])), ("乡镇/街道", e(r[1])), ("件数", e(r[2]))])
                for r in t["主题与区域"][1:]
            ],
            empty="本期暂无受理",
        )
        + "</section>"
        + _types_card(report.by_type)
        + "</div>"
        '<script src="/static/vendor/echarts.min.js" defer></script>'
        '<script src="/static/charts.js" defer></script>'
    )
    return render(request, "统计与通报", body, user, "")


def _types_card(by_type: dict[str, int]) -> str:
    """Cases received by request type; 直接答复 consultations count for the 12345 centre."""
    order = {t: i for i, t in enumerate(("", *REQUEST_TYPES))}
    rows = [
        cells([("诉求类型", e(type_label(t))), ("件数", e(n))])
        for t, n in sorted(by_type.items(), key=lambda kv: order.get(kv[0], 99))
    ]
    return (
        '<section class="card" id="by-type"><h2>按诉求类型</h2>'
        + table(["诉求类型", "件数"], rows, empty="本期暂无受理")
        + '<p class="note">咨询在电话中直接答复并即时办结的，计入12345中心的派单、按时签收和办结'
        "（直接答复）；表扬转达承办单位，不计三率。</p></section>"
    )


def hours(value: float | None) -> str:
    """Hours with one decimal, or a dash when nothing was resolved."""
    return "—" if value is None else f"{value:.1f} 小时"


def _download(data: bytes | str, media: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/reports.xlsx")
async def reports_xlsx(request: Request) -> Response:
    """The period's report as an Excel workbook."""
    got = await asked(request)
    if isinstance(got, Response):
        return got
    user, ui, p = got
    report = await report_for(request, ui, user, p)
    data = to_xlsx(report, lambda a: area_name(ui, a))
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(data, media, f"12345统计-{p.label}.xlsx")


@router.get("/reports.csv")
async def reports_csv(request: Request) -> Response:
    """One table of the period's report as CSV (?table=单位三率 by default)."""
    got = await asked(request)
    if isinstance(got, Response):
        return got
    user, ui, p = got
    report = await report_for(request, ui, user, p)
    name = request.query_params.get("table", "单位三率")
    try:
        data = to_csv(report, lambda a: area_name(ui, a), name)
    except KeyError:
        body = f'<p class="error" role="alert">没有名为“{e(name)}”的统计表。</p>'
        return render(request, "统计与通报", body, user, "", status=404)
    return _download(data, "text/csv; charset=utf-8", f"12345统计-{p.label}-{name}.csv")


@router.get("/reports/bulletin")
async def bulletin(request: Request) -> Response:
    """The period's 通报 as a printable page: the rankings, the rates, the laggards."""
    got = await asked(request)
    if isinstance(got, Response):
        return got
    user, ui, p = got
    report = await report_for(request, ui, user, p)
    rows = "".join(
        f"<tr>{''.join(f'<td>{e(v)}</td>' for v in count_row(ui.unit_name(u), c))}</tr>"
        for u, c in sorted(report.units.items(), key=lambda kv: -kv[1].assigned)
    )
    red = (
        "、".join(f"{ui.unit_name(r.rates.unit_id)}（{pct(r.score)}）" for r in report.red)
        or "暂无"
    )
    black = (
        "、".join(f"{ui.unit_name(r.rates.unit_id)}（{pct(r.score)}）" for r in report.black)
        or "暂无"
    )
    total = sum(report.by_day.values())
    body = (
        f'<article class="bulletin"><h1>关于{e(p.label)}12345热线诉求办理情况的通报</h1>'
        f"<p>本期共受理诉求 <b>{total}</b> 件，办结 {report.handling.resolved} 件。</p>"
        f"<h2>一、红榜</h2><p>{e(red)}</p><h2>二、黑榜</h2><p>{e(black)}</p>"
        "<h2>三、各单位三率</h2>"
        '<table class="grid"><thead><tr><th>单位</th>'
        f"{''.join(f'<th>{h}</th>' for h in COUNT_HEADERS)}"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="note">{e(RATES_NOTE)}</p><p class="note">{e(policy().score_note())}</p>'
        '<p class="print-hint"><button type="button" data-print>打印</button></p></article>'
    )
    return render(request, f"通报 {p.label}", body, user, "")
