"""HTML building blocks of the queue UI: layout, lights, times, labels (Chinese)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from services.common.access.roles import ROLE_LABELS
from services.common.rejection import REASONS
from services.common.request_types import label as type_label
from services.desk.labels import LIGHTS
from services.desk.ui.users import User
from services.desk.worktime.model import CLOCK, UNKNOWN, WORKING

LOCAL = ZoneInfo("Asia/Shanghai")
DAY = timedelta(days=1)


def script_json(value: object) -> str:
    """JSON for a <script type="application/json"> block (no "</" can close the element)."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


def e(value: object) -> str:
    """Escaped text; None becomes empty."""
    return "" if value is None else escape(str(value))


def when(value: datetime | str | None) -> str:
    """A local date and time, or a dash."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(LOCAL).strftime("%m-%d %H:%M")


def remaining(left: timedelta | None, basis: str = CLOCK, office_day: timedelta = DAY) -> str:
    """剩余 / 已超时 text; working time counts office days (工作日), clock time days (天)."""
    if left is None:
        return "—"
    seconds = int(left.total_seconds())
    late, seconds = seconds < 0, abs(seconds)
    day = int(office_day.total_seconds()) if basis == WORKING else 86400
    days, rest = divmod(seconds, day)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    unit = "个工作日" if basis == WORKING else "天"
    if days:
        parts = f"{days}{unit}{hours}小时" if hours else f"{days}{unit}"
    else:
        parts = f"{hours}小时{minutes}分" if hours else f"{minutes}分"
    return ("已超时 " if late else "剩余 ") + parts


def light(value: str) -> str:
    """A coloured dot with its name, readable without colour too."""
    v = value if value in LIGHTS else "green"
    return f'<span class="light light-{v}" title="{LIGHTS[v]}">{LIGHTS[v]}</span>'


def due_cell(row: dict[str, Any]) -> str:
    """What is left of the row's deadline (see Ui.time_left); queue.js keeps it current."""
    left: timedelta | None = row.get("time_left")
    if left is None:
        return '<span class="remain">—</span>'
    basis, day = row["time_basis"], row["office_day"]
    hint = {
        WORKING: "按工作时间计（节假日、夜间不计）",
        CLOCK: "按自然时间计（该时限不按工作日计）",
        UNKNOWN: "工作日历暂不可用，按自然时间计",
    }[basis]
    attrs = (
        f'data-left="{int(left.total_seconds())}" data-at="{row["time_at"]}"'
        f' data-basis="{basis}" data-day="{int(day.total_seconds())}"'
    )
    late = " late" if left < timedelta() else ""
    return (
        f'<span class="remain{late}" {attrs} title="{hint}">{e(remaining(left, basis, day))}</span>'
    )


def nav(user: User, csrf: str = "") -> str:
    """Links for the user's role."""
    links = [("/queue", "待办队列"), ("/search", "全部工单")]
    if user.role == "operator":
        links = [("/search", "全部工单")]
    if user.role == "auditor":
        links = [("/audit", "访问审计")]
    if user.role == "grid_worker":
        links.insert(0, ("/grid", "网格巡查"))
    if user.role == "handler":
        links.append(("/team", "本单位人员"))
    if user.role in ("dispatcher", "admin"):
        links.append(("/manual", "人工派单"))
    if user.role in ("supervisor", "admin", "dispatcher"):
        links.append(("/map", "作战图"))
        links.append(("/reports", "统计与通报"))
    if user.role == "admin":
        links.append(("/admin/users", "账号管理"))
        links.append(("/admin/model", "模型管理"))
    items = "".join(f'<a href="{href}">{label}</a>' for href, label in links)
    return (
        f'<nav class="top"><strong class="brand">12345 工作台</strong>{items}'
        f'<span class="who">{e(user.name)} · {ROLE_LABELS.get(user.role, e(user.role))}</span>'
        f'<form method="post" action="/logout">{csrf_field(csrf)}'
        '<button class="link" id="logout">退出</button></form></nav>'
    )


def csrf_field(csrf: str) -> str:
    """The hidden field every form that posts by itself carries (the Guard checks it)."""
    return f'<input type="hidden" name="csrf" value="{e(csrf)}">'


def page(title: str, body: str, user: User | None, *, live: str = "", csrf: str = "") -> str:
    """A whole page; `live` names what the page refreshes on live changes. Scripts that post
    read the session's CSRF token from the csrf-token meta element."""
    top = nav(user, csrf) if user else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{e(csrf)}">'
        f"<title>{e(title)} · 12345 工作台</title>"
        '<link rel="stylesheet" href="/static/queue.css"></head>'
        f'<body data-live="{e(live)}">{top}<main id="main">{body}</main>'
        '<div id="toast" role="status" aria-live="polite"></div>'
        '<script src="/static/queue.js" defer></script>'
        '<script src="/static/caller.js" defer></script>'
        '<script src="/static/files.js" defer></script></body></html>'
    )


def table(headers: list[str], rows: list[str], *, empty: str, cls: str = "") -> str:
    """A table that turns into cards on a phone (labels come from data-label)."""
    if not rows:
        return f'<p class="empty">{e(empty)}</p>'
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    return (
        f'<table class="grid {cls}"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def cells(values: list[tuple[str, str]], attrs: str = "") -> str:
    """One row from (label, html) pairs."""
    tds = "".join(f'<td data-label="{e(label)}">{html}</td>' for label, html in values)
    return f"<tr {attrs}>{tds}</tr>"


def pct(value: float | None) -> str:
    """A rate as a percentage, or a dash when there is nothing to divide by."""
    return "—" if value is None else f"{value * 100:.1f}%"


def case_link(case_no: str) -> str:
    """A case number linking to its page."""
    return f'<a class="case-no" href="/cases/{e(case_no)}">{e(case_no)}</a>'


def short(text: Any, n: int = 40) -> str:
    """Text cut to n characters."""
    s = str(text or "")
    return e(s if len(s) <= n else s[: n - 1] + "…")


def kind_cell(row: dict[str, Any]) -> str:
    """The request type as a tag (nothing for cases older than types)."""
    kind = row.get("request_type") or ""
    return f'<span class="tag kind kind-{e(kind)}">{e(type_label(kind))}</span> ' if kind else ""


# 不予受理's fields: a reason from the short list and a word more (required for 其他).
REJECT_FIELDS = (
    '<select name="reason" aria-label="不予受理理由">'
    + "".join(f'<option value="{code}">{r.label}</option>' for code, r in REASONS.items())
    + '</select><input name="text" placeholder="补充说明（选“其他”时必填）" maxlength="500"'
    ' aria-label="补充说明">'
)
