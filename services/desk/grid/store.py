"""What the desk reads and writes for the grid tier: visits, activity days, grid counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import chinese_calendar
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access.roles import GRID_WORKER
from services.desk.board.rules import CLOSED_ON_SPOT
from services.desk.grid.assessment import GridCounts, Worker
from services.desk.grid.tables import visits
from services.desk.identity.tables import users
from services.desk.reports.figures import Period
from services.desk.reports.queries import mark_counts
from services.desk.tables import entries, marks

ZONE = "Asia/Shanghai"


def _local_day(column: Any) -> Any:
    return sa.func.date(sa.func.timezone(ZONE, column))


async def add_visit(
    session: AsyncSession, *, username: str, grid_code: str, place: str, note: str
) -> None:
    """Log one visit (走访) in the caller's transaction."""
    await session.execute(
        sa.insert(visits).values(username=username, grid_code=grid_code, place=place, note=note)
    )


async def recent_visits(session: AsyncSession, username: str, limit: int = 10) -> list[Any]:
    """The worker's latest visits, newest first."""
    rows = await session.execute(
        sa.select(visits.c.at, visits.c.place, visits.c.note)
        .where(visits.c.username == username)
        .order_by(visits.c.at.desc(), visits.c.id.desc())
        .limit(limit)
    )
    return list(rows)


async def grid_workers(session: AsyncSession, grid_codes: Sequence[str]) -> list[Worker]:
    """Active accounts of grid workers in these grids."""
    rows = await session.execute(
        sa.select(users.c.username, users.c.name, users.c.unit_id).where(
            users.c.role == GRID_WORKER, users.c.active, users.c.unit_id.in_(list(grid_codes))
        )
    )
    return [Worker(r.username, r.name, r.unit_id) for r in rows]


async def visit_counts(session: AsyncSession, names: Sequence[str], p: Period) -> dict[str, int]:
    """Visits logged in the period, by username."""
    rows = await session.execute(
        sa.select(visits.c.username, sa.func.count())
        .where(visits.c.username.in_(list(names)), visits.c.at >= p.start, visits.c.at < p.end)
        .group_by(visits.c.username)
    )
    return {r[0]: int(r[1]) for r in rows}


async def active_days(
    session: AsyncSession, names: Sequence[str], p: Period
) -> dict[str, set[date]]:
    """Local days each worker logged a visit or acted in a case's record (a patrol report
    they filed, a command they sent)."""
    names = list(names)
    by_visit = sa.select(
        visits.c.username.label("who"), _local_day(visits.c.at).label("day")
    ).where(visits.c.username.in_(names), visits.c.at >= p.start, visits.c.at < p.end)
    by_record = sa.select(
        entries.c.actor.label("who"), _local_day(entries.c.at).label("day")
    ).where(entries.c.actor.in_(names), entries.c.at >= p.start, entries.c.at < p.end)
    rows = await session.execute(sa.union(by_visit, by_record))
    out: dict[str, set[date]] = defaultdict(set)
    for who, day in rows:
        out[who].add(day)
    return dict(out)


async def grid_counts(
    session: AsyncSession, grid_codes: Sequence[str], p: Period
) -> dict[str, GridCounts]:
    """Each grid's counts for the period, as the three rates count them, with 就地办结."""
    counts = await mark_counts(session, list(grid_codes), p)
    rows = await session.execute(
        sa.select(marks.c.unit_id, sa.func.count())
        .where(
            marks.c.unit_id.in_(list(grid_codes)),
            marks.c.mark == CLOSED_ON_SPOT,
            marks.c.at >= p.start,
            marks.c.at < p.end,
        )
        .group_by(marks.c.unit_id)
    )
    on_spot = {r[0]: int(r[1]) for r in rows}
    return {
        code: GridCounts(
            resolve_due=c.resolve_due,
            resolved_on_time=c.resolved_on_time,
            satisfied=c.satisfied,
            answered=c.answered,
            on_spot=on_spot.get(code, 0),
        )
        for code, c in counts.items()
    }


def working_days_until(p: Period, today: date) -> list[date]:
    """The statutory working days (调休 included) of the period up to and including today."""
    last = min(today, (p.end - timedelta(days=1)).date())
    days, day = [], p.start.date()
    while day <= last:
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the calendar does not know yet: weekdays
            working = day.weekday() < 5
        if working:
            days.append(day)
        day += timedelta(days=1)
    return days
