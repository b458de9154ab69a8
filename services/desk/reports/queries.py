"""What a report reads from the board: a period's marks, close-outs and cases, in scope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.desk.board.queries import Scope
from services.desk.reports.figures import Period
from services.desk.tables import cases, marks

c, m = cases.c, marks.c


async def period_inputs(
    session: AsyncSession, scope: Scope, unit_ids: list[str], p: Period
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]], list[dict[str, Any]]]:
    """(marks, close-outs, cases received or resolved) of the period within the scope."""
    mark_rows = await session.execute(
        sa.select(m.case_no, m.unit_id, m.mark).where(
            m.unit_id.in_(unit_ids), m.at >= p.start, m.at < p.end
        )
    )
    closed_rows = await session.execute(
        sa.select(c.case_no, c.unit_id).where(
            scope.where(), c.unit_id.in_(unit_ids), c.closed_at >= p.start, c.closed_at < p.end
        )
    )
    case_rows = await session.execute(
        sa.select(c.case_no, c.topic, c.township_id, c.received_at, c.resolved_at).where(
            scope.where(),
            sa.or_(
                sa.and_(c.received_at >= p.start, c.received_at < p.end),
                sa.and_(c.resolved_at >= p.start, c.resolved_at < p.end),
            ),
        )
    )
    return (
        [(r.case_no, r.unit_id, r.mark) for r in mark_rows],
        [(r.case_no, r.unit_id) for r in closed_rows],
        [dict(r._mapping) for r in case_rows],
    )
