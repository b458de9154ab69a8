"""The work lists (队列): tabs by what people do (待签收, 办理中, 待回访, 延期待批, 仲裁, 已办结)
and the dispatchers' 人工派单, each searched, filtered and paged, with true counts."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.access import allow
from services.common.topics import TOPICS
from services.desk.board import queries
from services.desk.board.listing import (
    FINISHED_TABS,
    LIGHTS,
    TABS,
    BadQuery,
    ListQuery,
    last_page,
    pager,
    parse,
    tabs_of,
)
from services.desk.board.queries import Scope
from services.desk.labels import DIFFICULTY, STATES
from services.desk.labels import LIGHTS as LIGHT_NAMES
from services.desk.people import rules, store
from services.desk.ui import access
from services.desk.ui.auth import DISPATCHERS, WORKERS, viewer
from services.desk.ui.context import Ui, sessions_db, ui_of
from services.desk.ui.html import (
    REJECT_FIELDS,
    case_link,
    cells,
    due_cell,
    e,
    kind_cell,
    light,
    short,
    table,
    when,
)
from services.desk.ui.pages import render
from services.desk.ui.parts import held_card
from services.desk.ui.situation import (
    arbitration_rows,
    pending_arbitrations,
    topic_choice,
    unit_choice,
)
from services.desk.ui.users import User

router = APIRouter(include_in_schema=False)
EMPTY = {
    "accept": "暂无待签收工单",
    "doing": "暂无办理中的工单",
    "callback": "暂无待回访工单",
    "extension": "暂无待审批的延期申请",
    "arbitration": "暂无待仲裁工单",
    "done": "暂无已办结工单",
    "manual": "暂无待人工派单的工单",
    "mine": "暂无由您承办或代办的工单",
}


def units_of(scope: Scope, ui: Ui) -> list[tuple[str, str]]:
    """The units a viewer may narrow a list to: none when the viewer sees one unit only."""
    if scope.kind == "unit":
        return []
    return [
        (u.id, u.name)
        for u in ui.directory.units
        if u.role != "dispatch_centre" and access.holds(scope, u.id, ui.directory)
    ]


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    opts = "".join(
        f'<option value="{e(k)}"{" selected" if k == chosen else ""}>{e(v)}</option>'
        for k, v in options
    )
    return (
        f'<label>{label}<select name="{name}" id="f-{name}">'
        f'<option value="">全部</option>{opts}</select></label>'
    )


def filter_form(path: str, q: ListQuery, units: list[tuple[str, str]]) -> str:
    """Search (case number, words of title and address) and the filters a list offers."""
    fields = [
        f'<input type="hidden" name="tab" value="{e(q.tab)}">' if q.tab != "manual" else "",
        '<label class="grow">搜索<input type="search" name="q" id="f-q"'
        f' value="{e(q.text)}" placeholder="工单编号、标题或地址中的词" maxlength="100"></label>',
    ]
    if q.tab not in ("arbitration", "manual"):
        fields.append(_select("light", "灯色", [(k, LIGHT_NAMES[k]) for k in LIGHTS], q.light))
    if q.tab != "arbitration":
        fields.append(_select("topic", "主题", [(t, t) for t in TOPICS], q.topic))
    if units and q.tab not in ("arbitration", "manual"):
        fields.append(_select("unit", "承办单位", units, q.unit_id))
    clear = (
        f'<a href="{e(ListQuery(q.tab).href(path))}" id="f-clear">清除条件</a>'
        if q.filtered
        else ""
    )
    return (
        f'<form class="search filters" method="get" action="{path}" id="filters">'
        + "".join(fields)
        + f'<button class="primary" id="f-go">查询</button>{clear}</form>'
    )


def tab_bar(tabs: tuple[str, ...], counts: dict[str, int], current: str) -> str:
    """The viewer's tabs with how many cases wait in each."""
    links = []
    for t in tabs:
        on = ' class="tab on" aria-current="page"' if t == current else ' class="tab"'
        links.append(
            f'<a href="/queue?tab={t}" id="tab-{t}"{on}>{TABS[t]}'
            f' <b class="n">{counts.get(t, 0)}</b></a>'
        )
    return f'<nav class="tabs" id="tabs" aria-label="工单列表">{"".join(links)}</nav>'


def pager_of(path: str, q: ListQuery, total: int) -> str:
    """Links to the other pages of a list, and where this page is among them."""
    last = last_page(total, q.size)
    if last == 1:
        return ""
    parts = []
    if q.page > 1:
        parts.append(f'<a href="{e(q.href(path, page=q.page - 1))}" id="prev">上一页</a>')
    for n in pager(q.page, last):
        if n is None:
            parts.append('<span class="gap">…</span>')
        elif n == q.page:
            parts.append(f'<span class="page on" aria-current="page">{n}</span>')
        else:
            parts.append(f'<a class="page" href="{e(q.href(path, page=n))}">{n}</a>')
    if q.page < last:
        parts.append(f'<a href="{e(q.href(path, page=q.page + 1))}" id="next">下一页</a>')
    return (
        f'<nav class="pager" id="pager" data-page="{q.page}" data-last="{last}"'
        f' aria-label="分页">{"".join(parts)}</nav>'
    )


def _flags(r: dict[str, Any]) -> str:
    return "".join(
        f'<span class="tag {cls}">{label}</span>'
        for cond, cls, label in (
            (r["urgent"], "urgent", "紧急"),
            (r["escalation_level"], "up", "升级"),
            (r["supervised"], "up", "督办"),
            (r["extension_pending"], "ext", "延期待批"),
            (r.get("major"), "up", "重大疑难"),
        )
        if cond
    )


def _handler_tag(r: dict[str, Any], me: str) -> str:
    # The named handler (承办人); on 我的, "代" marks a colleague's case held as their AB岗.
    who = r.get("assignee") or ""
    if not who:
        return ""
    cover = "代 " if me and who != me else ""
    return f'<span class="tag who" title="承办人">{cover}{e(r.get("assignee_name") or who)}</span>'


def queue_rows(rows: list[dict[str, Any]], tab: str, *, show_unit: bool, me: str = "") -> list[str]:
    """List lines. Open cases show the deadline that matters and what is left of it; finished
    ones when they were finished, and nothing counting down."""
    finished = tab in FINISHED_TABS
    out = []
    for r in rows:
        values = [
            ("灯", light(r["light"])),
            (
                "工单",
                case_link(r["case_no"])
                + ("" if finished else _flags(r) + _handler_tag(r, me if tab == "mine" else "")),
            ),
            ("诉求", short(r["title"] or r["content"])),
            ("分类", kind_cell(r) + f"{e(r['topic'])} · {DIFFICULTY.get(r['difficulty'], '')}"),
        ]
        if show_unit:
            values.append(("承办", e(r["unit_name"])))
        values.append(("状态", STATES.get(r["state"], e(r["state"]))))
        if finished:
            values.append(("办结", when(r["resolved_at"])))
            if tab == "callback":
                go = f'<a class="button" href="/cases/{e(r["case_no"])}#act-callback">去回访</a>'
                values.append(("回访", go))
            else:
                values.append(("销号", when(r["closed_at"])))
        else:
            values += [("时限", when(r["due"])), ("剩余", due_cell(r))]
        out.append(
            cells(
                values,
                f'data-case="{e(r["case_no"])}" data-state="{e(r["state"])}"'
                f' class="row-{e(r["light"])}"',
            )
        )
    return out


def headers_of(tab: str, *, show_unit: bool) -> list[str]:
    """The column titles of a tab's table."""
    tail = {"callback": ["办结", "回访"], "done": ["办结", "销号"]}.get(tab, ["时限", "剩余"])
    return ["灯", "工单", "诉求", "分类", *(["承办"] if show_unit else []), "状态", *tail]


def _counts_line(q: ListQuery, by_light: dict[str, int]) -> str:
    total = by_light.get("all", 0)
    lights = (
        ""
        if q.tab in ("arbitration", "manual", *FINISHED_TABS)
        else "".join(
            f" · {LIGHT_NAMES[k][0]} {by_light.get(k, 0)}" for k in ("green", "yellow", "red")
        )
    )
    where = f" · 第 {q.page}/{last_page(total, q.size)} 页" if total > q.size else ""
    return f'<p class="counts" id="counts">共 <b id="total">{total}</b> 件{lights}{where}</p>'


def _refused(request: Request, user: User, title: str, exc: Exception) -> Response:
    body = f'<p class="error" role="alert" id="denied">{e(exc)}</p>'
    return render(request, title, body, user, "", status=422)


@router.get("/queue", dependencies=[Depends(allow(*WORKERS, page=True))])
async def queue_page(request: Request) -> Response:
    """The viewer's work by tab (the unit's, or a supervisor's jurisdiction's), most pressing
    first, thirty a page."""
    user = viewer(request)
    ui = ui_of(request)
    scope = access.scope_of(user, ui.directory)
    tabs = tabs_of(user.role)
    units = units_of(scope, ui)
    try:
        q = parse(request.query_params, tabs, units=[u for u, _ in units])
    except BadQuery as exc:
        return _refused(request, user, "待办队列", exc)
    arbitrations: list[dict[str, Any]] = []
    if "arbitration" in tabs:
        arbitrations = [
            a
            for a in await pending_arbitrations(ui)
            if access.sees_arbitration(scope, a, ui.directory)
        ]
    async with sessions_db(request)() as session:
        owners: tuple[str, ...] = ()
        if "mine" in tabs:
            owners = tuple(rules.owners(user.username, await store.team(session, user.unit_id)))
        counts = await queries.tab_counts(session, scope, tabs, owners)
        if q.tab == "arbitration":
            found = [a for a in arbitrations if a["case_no"].startswith(q.text)]
            rows, by_light = found[q.offset : q.offset + q.size], {"all": len(found)}
        else:
            rows, by_light = await queries.listed(session, scope, q, owners)
        held = await queries.parts_held(session, scope, case_no=q.case_no)
    counts["arbitration"] = len(arbitrations)
    show_unit = scope.kind != "unit"
    if q.tab == "arbitration":
        listing = table(
            ["工单", "已退单单位", "仲裁单位", "仲裁"],
            arbitration_rows(rows, ui, scope),
            empty=EMPTY[q.tab],
        )
    else:
        await ui.time_left(rows)
        listing = table(
            headers_of(q.tab, show_unit=show_unit),
            queue_rows(rows, q.tab, show_unit=show_unit, me=user.username),
            empty="没有符合条件的工单" if q.filtered else EMPTY[q.tab],
            cls="queue",
        )
    title = ui.unit_name(user.unit_id) if scope.kind == "unit" else "辖区工单"
    body = (
        f'<header class="bar"><h1>{e(title)} · {TABS[q.tab]}</h1>'
        f"{_counts_line(q, by_light)}"
        '<p class="msg" id="action-msg" role="alert"></p></header>'
        + held_card(held)
        + tab_bar(tabs, counts, q.tab)
        + filter_form("/queue", q, units)
        + listing
        + pager_of("/queue", q, by_light.get("all", 0))
    )
    return render(request, "待办队列", body, user, "queue")


async def suggested_units(ui: Ui, case_nos: list[str]) -> dict[str, dict[str, Any]]:
    """Dispatch's suggested unit (and why) for each of these manual-queue cases; none when
    dispatch cannot be reached, and the page still lists the cases."""
    if not case_nos:
        return {}
    try:
        resp = await ui.peers.get(
            f"{ui.dispatch_url}/v1/manual-queue", params={"case_no": case_nos}
        )
    except httpx.HTTPError:
        return {}
    items = resp.json() if resp.status_code == 200 else []
    return {item["case_no"]: item for item in items}


def suggestion_cell(pick: dict[str, Any], topic: str, confidence: float) -> str:
    """The unit to dispatch to (or why none can be named), the model's topic and confidence."""
    name = pick.get("suggested_unit_name") or ""
    head = (
        f'<span class="suggested">{e(name)}</span>'
        if name
        else '<span class="suggested none">无建议单位</span>'
    )
    why = pick.get("suggestion") or ""
    return f"{head}<br><small>{e(topic)} · 置信度 {confidence:.2f}</small>" + (
        f'<br><small class="why">{e(why)}</small>' if why else ""
    )


@router.get("/manual", dependencies=[Depends(allow(*DISPATCHERS, page=True))])
async def manual_page(request: Request) -> Response:
    """人工派单: every case the model could not place, oldest first, with its suggestion and
    reasons, searched and paged like the other lists."""
    user = viewer(request)
    if user.role not in ("dispatcher", "admin"):
        body = '<p class="error" role="alert" id="denied">人工派单仅对派单员开放。</p>'
        return render(request, "无权查看", body, user, "", status=403)
    ui = ui_of(request)
    try:
        q = parse(request.query_params, ("manual",))
    except BadQuery as exc:
        return _refused(request, user, "人工派单", exc)
    async with sessions_db(request)() as session:
        # The 12345 centre places every case the model could not, wherever it is.
        rows, by_light = await queries.listed(session, Scope("all"), q)
        recorded = await queries.suggestions(session, [r["case_no"] for r in rows])
    # Dispatch names a unit that can take each case of the page (never the centre itself).
    units_for = await suggested_units(ui, [r["case_no"] for r in rows])
    units = [(u.id, u.name) for u in ui.directory.units if u.role != "dispatch_centre"]
    lines = []
    for r in rows:
        model = recorded.get(r["case_no"], {})
        pick = units_for.get(r["case_no"], {})
        form = (
            f'<form class="manual" data-case="{e(r["case_no"])}">'
            f"{unit_choice(units, pick.get('suggested_unit_id') or None, '承办单位')}"
            f"{topic_choice(r['topic'], r['difficulty'])}"
            '<input name="note" placeholder="派单说明" aria-label="派单说明">'
            '<button class="primary">派单</button></form>'
            f'<form class="manual-reject" data-case="{e(r["case_no"])}">{REJECT_FIELDS}'
            "<button>不予受理</button></form>"
        )
        confidence = float(model.get("confidence") or 0.0)
        lines.append(
            cells(
                [
                    ("工单", case_link(r["case_no"])),
                    ("诉求", short(r["title"] or r["content"], 50)),
                    ("建议", suggestion_cell(pick, r["topic"], confidence)),
                    ("理由", short(model.get("explanation", ""), 80)),
                    ("派单", form),
                ],
                f'data-case="{e(r["case_no"])}"',
            )
        )
    total = by_light.get("all", 0)
    where = f" · 第 {q.page}/{last_page(total, q.size)} 页" if total > q.size else ""
    body = (
        '<header class="bar"><h1>人工派单</h1><p'
        f' class="counts" id="counts">待派 <b id="total">{total}</b> 件{where}</p>'
        '<p class="msg" id="action-msg" role="alert"></p></header>'
        + filter_form("/manual", q, [])
        + table(
            ["工单", "诉求", "模型建议", "理由", "派单"],
            lines,
            empty="没有符合条件的工单" if q.filtered else EMPTY["manual"],
        )
        + pager_of("/manual", q, total)
    )
    return render(request, "人工派单", body, user, "manual")
