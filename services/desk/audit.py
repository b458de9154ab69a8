"""The access audit: every read of a caller in full, written before the data is answered.

`AuditQuery` is what an auditor asked for; `statement` turns it into SQL (newest first,
paged). Pure apart from `write`, which adds a row inside the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.common.access import Principal
from services.desk.tables import audit

LOCAL = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
CSV_MAX = 10_000
# What was read, and where: the names an auditor filters on and the page shows in Chinese.
WHAT = {"caller_phone": "来电号码与姓名"}
ROUTES = {"case_page": "工单页面", "callback_survey": "回访"}
a = audit.c


async def write(
    session: Any,
    who: Principal,
    *,
    case_no: str,
    what: str,
    route: str,
    client: str,
    user_agent: str,
) -> None:
    """Add one audit row (the caller's transaction commits it before answering)."""
    await session.execute(
        sa.insert(audit).values(
            username=who.name[:64],
            role=who.role[:16],
            case_no=case_no[:20],
            what=what[:32],
            route=route[:32],
            client=client[:64],
            user_agent=user_agent[:256],
        )
    )


class BadQuery(ValueError):
    """A filter that cannot be read (its message is for people)."""


@dataclass(frozen=True)
class AuditQuery:
    """One search of the audit: every filter optional; dates are local days, inclusive."""

    username: str = ""
    case_no: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    size: int = PAGE_SIZE


def _day(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadQuery(f"{label}格式应为 年-月-日（如 2026-12-01）。") from exc


def query_of(params: Any) -> AuditQuery:
    """The query a query string asks for; BadQuery (Chinese) for what cannot be read."""
    case_no = str(params.get("case_no", "")).strip()
    if case_no and not re.fullmatch(r"\d{1,20}", case_no):
        raise BadQuery("工单编号须为数字。")
    try:
        page = int(params.get("page", "1") or "1")
    except ValueError as exc:
        raise BadQuery("页码须为数字。") from exc
    since = _day(str(params.get("since", "")), "起始日期")
    until = _day(str(params.get("until", "")), "截止日期")
    if since and until and since > until:
        raise BadQuery("起始日期不能晚于截止日期。")
    return AuditQuery(
        username=str(params.get("username", "")).strip()[:64],
        case_no=case_no,
        since=since,
        until=until,
        page=max(1, min(page, 100_000)),
    )


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LOCAL)


def conditions(q: AuditQuery) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of an audit query."""
    where: list[sa.ColumnElement[bool]] = []
    if q.username:
        where.append(a.username == q.username)
    if q.case_no:
        where.append(a.case_no == q.case_no)
    if q.since is not None:
        where.append(a.at >= _start(q.since))
    if q.until is not None:
        where.append(a.at < _start(q.until + timedelta(days=1)))
    return where


def statement(q: AuditQuery, *, limit: int | None = None) -> sa.Select[Any]:
    """The page of matching rows, newest first (or the first `limit` rows, for export)."""
    select = sa.select(audit).where(*conditions(q)).order_by(a.at.desc(), a.id.desc())
    if limit is not None:
        return select.limit(limit)
    return select.limit(q.size).offset((q.page - 1) * q.size)


def count_statement(q: AuditQuery) -> sa.Select[Any]:
    """How many rows match."""
    return sa.select(sa.func.count()).select_from(audit).where(*conditions(q))
