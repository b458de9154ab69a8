"""What a report reads from the board, counted by the database: the units' counts, the
breakdowns and the handling times of one period within a scope.

The counting rule is figures.unit_counts, done here in SQL so a district's month is a few
grouped queries, not hundreds of thousands of rows brought into Python.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.desk.board.queries import Scope, within
from services.desk.board.rules import (
    ACCEPT_LATE,
    ACCEPTED,
    ASSIGNED,
    BOUNCED,
    ESCALATED,
    RESOLVE_LATE,
    RESOLVED,
    SATISFIED,
    UNSATISFIED,
)
from services.desk.reports.figures import LOCAL, Counts, Handling, Period
from services.desk.tables import cases, marks

c, m = cases.c, marks.c


def _has(mark: str) -> Any:
    return sa.func.bool_or(m.mark == mark)


async def mark_counts(session: AsyncSession, unit_ids: list[str], p: Period) -> dict[str, Counts]:
    """Counts per unit from the period's marks alone (close-outs are not marks): every unit
    with a mark in the period, as the three rates and the rankings need them."""
    per_case = (
        sa.select(
            m.unit_id,
            m.case_no,
            _has(ASSIGNED).label("assigned"),
            _has(ACCEPTED).label("accepted"),
            _has(ACCEPT_LATE).label("accept_late"),
            _has(RESOLVED).label("resolved"),
            _has(RESOLVE_LATE).label("resolve_late"),
            _has(SATISFIED).label("satisfied"),
            _has(UNSATISFIED).label("unsatisfied"),
            _has(ESCALATED).label("escalated"),
            _has(BOUNCED).label("bounced"),
        )
        .where(m.unit_id.in_(unit_ids), m.at >= p.start, m.at < p.end)
        .group_by(m.unit_id, m.case_no)
        .subquery()
    )
    q = per_case.c
    n = sa.func.count
    rows = await session.execute(
        sa.select(
            q.unit_id,
            n().filter(q.assigned).label("assigned"),
            n().filter(sa.or_(q.accepted, q.accept_late)).label("accept_due"),
            n().filter(sa.and_(q.accepted, sa.not_(q.accept_late))).label("accepted_on_time"),
            n().filter(sa.or_(q.resolved, q.resolve_late)).label("resolve_due"),
            n().filter(sa.and_(q.resolved, sa.not_(q.resolve_late))).label("resolved_on_time"),
            n().filter(q.resolved).label("resolved"),
            n().filter(sa.or_(q.satisfied, q.unsatisfied)).label("answered"),
            n().filter(q.satisfied).label("satisfied"),
            n().filter(sa.or_(q.accept_late, q.resolve_late)).label("overdue"),
            n().filter(q.escalated).label("escalated"),
            n().filter(q.bounced).label("bounced"),
            n().filter(q.unsatisfied).label("reopened"),
        ).group_by(q.unit_id)
    )
    return {
        r.unit_id: Counts(**{k: v for k, v in r._mapping.items() if k != "unit_id"}) for r in rows
    }


async def unit_counts(
    session: AsyncSession, scope: Scope, unit_ids: list[str], p: Period
) -> dict[str, Counts]:
    """Counts per unit of the period (figures.unit_counts, counted by the database)."""
    out = await mark_counts(session, unit_ids, p)
    closed = await session.execute(
        sa.select(c.unit_id, sa.func.count())
        .where(
            within(scope),
            c.unit_id.in_(unit_ids),
            c.closed_at >= p.start,
            c.closed_at < p.end,
            c.close_reason != "praise_forwarded",  # forwarded, never the unit's to close
        )
        .group_by(c.unit_id)
    )
    for unit_id, count in closed:
        out.setdefault(unit_id, Counts()).closed = int(count)
    return out


async def by_request_type(session: AsyncSession, scope: Scope, p: Period) -> dict[str, int]:
    """Cases received in the period by request type ("" for cases older than types)."""
    rows = await session.execute(
        sa.select(c.request_type, sa.func.count())
        .where(within(scope), c.received_at >= p.start, c.received_at < p.end)
        .group_by(c.request_type)
    )
    return {str(t): int(n) for t, n in rows}


async def breakdowns(
    session: AsyncSession, scope: Scope, p: Period
) -> tuple[dict[tuple[str, str], int], dict[str, int], Handling]:
    """Cases received by topic × township and by local day; handling times of resolutions."""
    received = sa.and_(within(scope), c.received_at >= p.start, c.received_at < p.end)
    topic = sa.func.coalesce(sa.func.nullif(c.topic, ""), "未分类")
    by_area = await session.execute(
        sa.select(topic, c.township_id, sa.func.count())
        .where(received)
        .group_by(topic, c.township_id)
    )
    day = sa.func.to_char(sa.func.timezone(str(LOCAL), c.received_at), "YYYY-MM-DD")
    by_day = await session.execute(sa.select(day, sa.func.count()).where(received).group_by(day))
    hours = sa.extract("epoch", c.resolved_at - c.received_at) / 3600.0
    timing = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.avg(hours),
                sa.func.percentile_disc(0.9).within_group(hours),
            ).where(
                within(scope),
                c.received_at.is_not(None),
                c.resolved_at >= p.start,
                c.resolved_at < p.end,
            )
        )
    ).one()
    handled, mean, p90 = timing
    return (
        {(str(t), str(a)): int(n) for t, a, n in by_area},
        {str(d): int(n) for d, n in by_day},
        Handling(
            int(handled), None if mean is None else float(mean), None if p90 is None else float(p90)
        ),
    )
