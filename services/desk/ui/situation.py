"""Supervisors' situation map (作战图); the pickers the dispatchers' manual queue shares."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import allow
from services.common.topics import TOPICS
from services.desk.board import queries
from services.desk.board.queries import Scope
from services.desk.board.rates import standing
from services.desk.grid import assessment
from services.desk.grid import store as grid_store
from services.desk.labels import DIFFICULTY, LIGHTS, TIERS
from services.desk.reports.figures import LOCAL, month_of, rates_of
from services.desk.reports.queries import mark_counts
from services.desk.ui import access
from services.desk.ui.auth import OVERSEERS, viewer
from services.desk.ui.casepage import action_form
from services.desk.ui.context import Ui, sessions_db, ui_of
from services.desk.ui.html import (
    case_link,
    cells,
    due_cell,
    e,
    light,
    pct,
    script_json,
    short,
    table,
    when,
)
from services.desk.ui.pages import render
from services.desk.ui.people import MAJOR_HEADERS, major_rows
from services.desk.ui.rates import ranking_card, rates_table

router = APIRouter(include_in_schema=False)


def units_in(scope: Scope, ui: Ui) -> list[str]:
    """Handling units within a scope (the 12345 centre itself is not ranked)."""
    return [
        u.id
        for u in ui.directory.units
        if u.role != "dispatch_centre" and access.holds(scope, u.id, ui.directory)
    ]


def _by_light(rows: list[tuple[Any, ...]], labels: dict[str, str]) -> str:
    grouped: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, colour, n in rows:
        grouped[key][colour] += n
    lines = [
        cells(
            [("分组", e(labels.get(k, k) or "未分类"))]
            + [(LIGHTS[c], str(v.get(c, 0))) for c in ("green", "yellow", "red")]
            + [("合计", str(sum(v.values())))]
        )
        for k, v in sorted(grouped.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    return table(["分组", "绿灯", "黄灯", "红灯", "合计"], lines, empty="暂无在办工单")


def breakdown(rows: list[tuple[Any, ...]], labels: dict[str, str]) -> dict[str, list[Any]]:
    """Open cases per group and light, as the map's stacked bar chart draws them."""
    grouped: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, colour, n in rows:
        grouped[key or "未分类"][colour] += n
    order = sorted(grouped, key=lambda k: sum(grouped[k].values()))
    return {
        "groups": [labels.get(k, k) for k in order],
        **{c: [grouped[k].get(c, 0) for k in order] for c in ("green", "yellow", "red")},
    }


def _case_list(rows: list[dict[str, Any]], extra: str = "") -> list[str]:
    return [
        cells(
            [
                ("灯", light(r["light"])),
                ("工单", case_link(r["case_no"])),
                ("诉求", short(r["title"] or r["content"], 30)),
                ("承办", e(r["unit_name"])),
                ("层级", TIERS.get(r["tier"], e(r["tier"]))),
                ("时限", when(r["due"])),
                ("剩余", due_cell(r)),
            ]
            + ([("处理", action_form(r["case_no"], extra))] if extra else []),
            f'data-case="{e(r["case_no"])}"',
        )
        for r in rows
    ]


async def pending_arbitrations(ui: Ui) -> list[dict[str, Any]]:
    """Every arbitration waiting for a decision (empty if dispatch's API does not answer)."""
    try:
        resp = await ui.peers.get(f"{ui.dispatch_url}/v1/arbitrations")
    except httpx.HTTPError:
        return []
    return list(resp.json()) if resp.status_code == 200 else []


def _arbitrations(ui: Ui, scope: Scope, pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in pending if access.sees_arbitration(scope, a, ui.directory)]


def unit_choice(units: list[tuple[str, str]], selected: str | None, label: str) -> str:
    """A unit picker that starts on `selected`, or on an empty 请选择 when it names none."""
    options = "".join(
        f'<option value="{e(uid)}"{" selected" if uid == selected else ""}>{e(name)}</option>'
        for uid, name in units
    )
    return (
        f'<select name="unit_id" aria-label="{label}">'
        f'<option value="">请选择承办单位</option>{options}</select>'
    )


def topic_choice(selected: str, difficulty: str) -> str:
    """Topic and difficulty pickers that start on the model's suggestion (改判 if changed)."""
    topics = "".join(
        f'<option value="{e(t)}"{" selected" if t == selected else ""}>{e(t)}</option>'
        for t in TOPICS
    )
    levels = "".join(
        f'<option value="{e(k)}"{" selected" if k == difficulty else ""}>{e(v)}</option>'
        for k, v in DIFFICULTY.items()
    )
    return (
        f'<select name="topic" aria-label="主题">{topics}</select>'
        f'<select name="difficulty" aria-label="难度">{levels}</select>'
    )


def arbitration_rows(items: list[dict[str, Any]], ui: Ui, scope: Scope) -> list[str]:
    """Disputes waiting for a decision; the arbitrating tier's supervisors pick the unit."""
    out = []
    for a in items:
        if access.may_arbitrate(scope, a, ui.directory):
            # The arbitrator may also send it back to a unit that bounced it: that is final.
            units = dict.fromkeys([*a["candidates"], *a["bounced_units"]])
            choice = unit_choice([(u, ui.unit_name(u)) for u in units], None, "指定承办单位")
            decision = (
                f'<form class="arbitrate" data-case="{e(a["case_no"])}">{choice}'
                '<input name="note" placeholder="仲裁意见" aria-label="仲裁意见">'
                '<button class="primary">指定</button></form>'
            )
        else:
            decision = f'<span class="refusal">{e(access.arbitration_refusal(a))}</span>'
        out.append(
            cells(
                [
                    ("工单", case_link(a["case_no"])),
                    ("已退单单位", e("、".join(ui.unit_name(u) for u in a["bounced_units"]))),
                    ("仲裁单位", e(a["arbitrator_name"])),
                    ("仲裁", decision),
                ],
                f'data-case="{e(a["case_no"])}"',
            )
        )
    return out


async def grid_assessments(session: Any, grid_codes: list[str]) -> list[assessment.Assessment]:
    """This month's figures of every grid worker in these grids (网格员考核)."""
    now = datetime.now(UTC)
    p = month_of(now)
    workers = await grid_store.grid_workers(session, grid_codes)
    names = [w.username for w in workers]
    return assessment.assess(
        workers,
        working_days=grid_store.working_days_until(p, now.astimezone(LOCAL).date()),
        active_days=await grid_store.active_days(session, names, p),
        visits=await grid_store.visit_counts(session, names, p),
        grids=await grid_store.grid_counts(session, grid_codes, p),
    )


def grid_table(rows: list[assessment.Assessment], ui: Ui) -> str:
    """网格员考核: one row per grid worker, then how each figure is computed."""
    lines = [
        cells(
            [
                ("网格员", e(a.worker.name)),
                ("网格", e(ui.unit_name(a.worker.grid_code))),
                ("出勤率", f"{pct(a.attendance)}（{a.days_active}/{a.days_due} 天）"),
                ("走访率", f"{pct(a.visit_rate)}（{a.visits}/{a.visits_due} 次）"),
                ("问题解决率", pct(a.resolution)),
                ("群众评价", pct(a.satisfaction)),
                ("就地办结", str(a.grid.on_spot)),
            ],
            f'data-worker="{e(a.worker.username)}"',
        )
        for a in rows
    ]
    return (
        table(
            ["网格员", "网格", "出勤率", "走访率", "问题解决率", "群众评价", "就地办结"],
            lines,
            empty="辖区内暂无网格员",
        )
        + f'<p class="note" id="grid-note">{e(assessment.policy().note())}</p>'
    )


@router.get("/map", dependencies=[Depends(allow(*OVERSEERS, page=True))])
async def situation_map(request: Request) -> Response:
    """作战图: open cases by tier, light and topic; overdue; escalations; rates; ranking."""
    user = viewer(request)
    if user.role == "handler":
        body = '<p class="error" role="alert" id="denied">作战图仅对督办、派单和管理人员开放。</p>'
        return render(request, "无权查看", body, user, "", status=403)
    ui = ui_of(request)
    scope = access.scope_of(user, ui.directory)
    units = units_in(scope, ui)
    async with sessions_db(request)() as session:
        by_tier = await queries.counts(session, scope, "tier")
        by_topic = await queries.counts(session, scope, "topic")
        overdue = await queries.flagged(session, scope, "overdue")
        escalated = await queries.flagged(session, scope, "escalated")
        extensions = await queries.flagged(session, scope, "extension")
        majors = await queries.majors(session, scope)
        grids = [u for u in units if ui.directory.grid(u) is not None]
        # The 红黑榜 ranks units from the village up; grids have their own table below.
        ranked_units = [u for u in units if u not in grids]
        counts = await mark_counts(session, ranked_units, month_of(datetime.now(UTC)))
        workers = await grid_assessments(session, grids)
    await ui.time_left([*overdue, *escalated, *extensions])
    ranked = standing(rates_of(counts))
    arbitrations = (
        _arbitrations(ui, scope, await pending_arbitrations(ui))
        if user.role in ("supervisor", "admin")
        else []
    )
    decide = "extension/decision" if user.role in ("supervisor", "admin") else ""
    total = {
        c: sum(n for _, colour, n in by_tier if colour == c) for c in ("green", "yellow", "red")
    }
    area = ui.unit_name(user.unit_id) if scope.kind != "all" else "全区"
    charts = {"tier": breakdown(by_tier, TIERS), "topic": breakdown(by_topic, {})}
    body = (
        f'<header class="bar"><h1>作战图 · {e(area)}</h1>'
        f'<p class="counts" id="counts">在办 <b>{sum(total.values())}</b> · 绿 {total["green"]} · '
        f"黄 {total['yellow']} · 红 {total['red']} · 升级"
        f" {len(escalated)} · 待批延期 {len(extensions)}</p>"
        '<p class="msg" id="action-msg" role="alert"></p></header>'
        '<div class="map-grid">'
        '<script type="application/json" id="chart-data">'
        f"{script_json(charts)}"
        "</script>"
        '<section class="card"><h2>按层级</h2><div class="chart" id="chart-tier"></div>'
        f"{_by_light(by_tier, TIERS)}</section>"
        '<section class="card"><h2>按主题</h2><div class="chart" id="chart-topic"></div>'
        f"{_by_light(by_topic, {})}</section>"
        f'<section class="card wide" id="rates"><h2>本月三率</h2>{rates_table(ranked, ui)}'
        "</section>"
        '<section class="card" id="ranking"><h2>本月红黑榜</h2>'
        f"{ranking_card(ranked, ui)}</section>"
        f'<section class="card wide" id="grid-workers"><h2>本月网格员考核</h2>'
        f"{grid_table(workers, ui)}</section>"
        '<section class="card wide" id="majors"><h2>重大疑难（包案）</h2>'
        + table(MAJOR_HEADERS, major_rows(majors, datetime.now(UTC)), empty="暂无重大疑难工单")
        + "</section>"
        '<section class="card wide" id="extensions"><h2>延期审批</h2>'
        + table(
            ["灯", "工单", "诉求", "承办", "层级", "时限", "剩余"] + (["处理"] if decide else []),
            _case_list(extensions, decide),
            empty="暂无待审批的延期申请",
        )
        + '</section><section class="card wide" id="arbitrations"><h2>退单仲裁</h2>'
        + table(
            ["工单", "已退单单位", "仲裁单位", "仲裁"],
            arbitration_rows(arbitrations, ui, scope),
            empty="暂无待仲裁工单",
        )
        + '</section><section class="card wide" id="overdue"><h2>超期工单</h2>'
        + table(
            ["灯", "工单", "诉求", "承办", "层级", "时限", "剩余"],
            _case_list(overdue),
            empty="暂无超期工单",
        )
        + '</section><section class="card wide" id="escalated"><h2>升级与督办</h2>'
        + table(
            ["灯", "工单", "诉求", "承办", "层级", "时限", "剩余"],
            _case_list(escalated),
            empty="暂无升级工单",
        )
        + "</section></div>"
        '<script src="/static/vendor/echarts.min.js" defer></script>'
        '<script src="/static/charts.js" defer></script>'
    )
    return render(request, "作战图", body, user, "map")
