"""The desk's work lists (队列): which tabs a role works from, and what one list page asks for.

Pure: no database, no framework. A query string becomes a `ListQuery` (tab, search words,
light, topic, unit, page); `pager` says which page links to offer. queries.py turns a
`ListQuery` into SQL over the board.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from math import ceil
from urllib.parse import urlencode

from services.common.access.roles import ADMIN, DISPATCHER, GRID_WORKER, HANDLER, SUPERVISOR
from services.common.topics import TOPICS

PAGE_SIZE = 30
LIGHTS = ("green", "yellow", "red")
# Tabs by what people do with the cases in them (key: label).
TABS = {
    "accept": "待签收",
    "doing": "办理中",
    "callback": "待回访",
    "extension": "延期待批",
    "arbitration": "仲裁",
    "done": "已办结",
    "manual": "人工派单",
    "mine": "我的",
}
# Each role sees the tabs of its own work, in the order it works them. The 12345 centre's
# dispatchers call callers back (回访); supervisors decide extensions and arbitrations.
ROLE_TABS: dict[str, tuple[str, ...]] = {
    # 我的 beside the unit's lists: the cases a handler is named for, and those of the away
    # colleagues they stand in for (AB岗).
    HANDLER: ("accept", "doing", "done", "mine"),
    GRID_WORKER: ("accept", "doing", "done"),
    DISPATCHER: ("accept", "doing", "callback", "done"),
    SUPERVISOR: ("accept", "doing", "extension", "arbitration", "done"),
    ADMIN: ("accept", "doing", "callback", "extension", "arbitration", "done"),
}
# Cases in these tabs are finished: nothing counts down on them.
FINISHED_TABS = ("callback", "done")
# What looks like a case number (or the start of one) rather than words.
_CASE_NO = re.compile(r"^[A-Za-z]{0,4}\d{4,}[\dA-Za-z-]*$")
_PAGE_MAX = 10_000


class BadQuery(ValueError):
    """A query string a list cannot answer (its message is for people)."""


@dataclass(frozen=True)
class ListQuery:
    """One page of one list as asked: every filter optional, all given ones must hold."""

    tab: str
    text: str = ""
    light: str = ""
    topic: str = ""
    unit_id: str = ""
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def case_no(self) -> str:
        """The case number (or its beginning) the search text is, or ""."""
        return self.text if _CASE_NO.match(self.text) else ""

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.size

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list beyond its tab."""
        return bool(self.text or self.light or self.topic or self.unit_id)

    def params(self, **changes: object) -> dict[str, str]:
        """The query string of this list (with changes), without empty values or page 1."""
        q = replace(self, **changes)  # type: ignore[arg-type]
        out = {
            "tab": q.tab if q.tab != "manual" else "",  # 人工派单 is a page of its own
            "q": q.text,
            "light": q.light,
            "topic": q.topic,
            "unit": q.unit_id,
            "page": str(q.page) if q.page > 1 else "",
        }
        return {k: v for k, v in out.items() if v}

    def href(self, path: str, **changes: object) -> str:
        """A link to this list with changes (another page, another tab)."""
        params = self.params(**changes)
        return f"{path}?{urlencode(params)}" if params else path


def tabs_of(role: str) -> tuple[str, ...]:
    """The tabs a role works from (none for roles without a queue)."""
    return ROLE_TABS.get(role, ())


def parse(
    params: Mapping[str, str], tabs: tuple[str, ...], *, units: Collection[str] = ()
) -> ListQuery:
    """The list a query string asks for; the first tab when it names none.

    `units` are the units the viewer may pick from (empty: no unit filter is offered)."""
    tab = params.get("tab", "") or (tabs[0] if tabs else "")
    if tab not in tabs:
        raise BadQuery("没有这个工单列表。")
    light = params.get("light", "").strip()
    if light and light not in LIGHTS:
        raise BadQuery("灯色只能是绿灯、黄灯或红灯。")
    topic = params.get("topic", "").strip()
    if topic and topic not in TOPICS:
        raise BadQuery("没有这个主题分类。")
    unit_id = params.get("unit", "").strip()
    if unit_id and unit_id not in units:
        raise BadQuery("该单位不在您的管辖范围内。")
    try:
        page = int(params.get("page", "1") or "1")
    except ValueError as exc:
        raise BadQuery("页码须为数字。") from exc
    if not 1 <= page <= _PAGE_MAX:
        raise BadQuery("页码超出范围。")
    text = " ".join(params.get("q", "").split())[:100]
    return ListQuery(tab, text, light, topic, unit_id, page)


def last_page(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages a list of `total` rows takes (one, even when empty)."""
    return max(1, ceil(total / size))


def pager(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and those near the current one; None marks a
    gap ("…")."""
    keep = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    out: list[int | None] = []
    for n in keep:
        before = out[-1] if out else None
        if before is not None and n - before == 2:
            out.append(n - 1)  # one page is shown rather than a gap standing for it
        elif before is not None and n - before > 2:
            out.append(None)
        out.append(n)
    return out
