"""What the queue UI reads from the board: queues, one case, the situation map's lists."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access.casework import Scope as Scope  # its home; imported from here too
from services.desk.board.rules import OPEN_STATES
from services.desk.tables import cases

c = cases.c


def within(scope: Scope) -> sa.ColumnElement[bool]:
    """The filter on board rows of the cases a scope admits."""
    if scope.kind == "none":
        return sa.false()
    if scope.kind == "unit":
        return c.unit_id == scope.id
    if scope.kind == "township":
        return c.township_id == scope.id
    if scope.kind == "district":
        return c.district_id == scope.id
    return sa.true()


def _due() -> sa.ColumnElement[Any]:
    # The deadline that matters now: acceptance until accepted, then resolution.
    return sa.case((c.state == "dispatched", c.accept_due), else_=c.resolve_due)


def _listing() -> sa.Select[Any]:
    shown = [col for col in cases.c if col.name != "words"]
    return sa.select(*shown, _due().label("due"))


async def queue(session: AsyncSession, scope: Scope, *, limit: int = 300) -> list[dict[str, Any]]:
    """Open cases in scope, the most pressing deadline first."""
    stmt = (
        _listing()
        .where(within(scope), c.state.in_(OPEN_STATES))
        .order_by(_due().asc().nulls_last(), c.dispatched_at)
        .limit(limit)
    )
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def one(session: AsyncSession, case_no: str) -> dict[str, Any] | None:
    """One case's board row with its text, or None."""
    row = (await session.execute(_listing().where(c.case_no == case_no))).first()
    return dict(row._mapping) if row else None


async def counts(session: AsyncSession, scope: Scope, column: str) -> list[tuple[Any, ...]]:
    """Open cases in scope grouped by light and another column (tier or topic)."""
    col = c[column]
    stmt = (
        sa.select(col, c.light, sa.func.count())
        .where(within(scope), c.state.in_(OPEN_STATES))
        .group_by(col, c.light)
    )
    return [tuple(r) for r in await session.execute(stmt)]


async def flagged(session: AsyncSession, scope: Scope, flag: str) -> list[dict[str, Any]]:
    """Open cases in scope that are overdue, escalated or waiting for an extension decision."""
    cond = {
        "overdue": c.light == "red",
        "escalated": sa.or_(c.escalation_level > 0, c.supervised),
        "extension": c.extension_pending,
    }[flag]
    stmt = (
        _listing()
        .where(within(scope), c.state.in_(OPEN_STATES), cond)
        .order_by(_due().asc().nulls_last())
        .limit(100)
    )
    return [dict(r._mapping) for r in await session.execute(stmt)]
