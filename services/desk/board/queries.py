"""What the queue UI reads from the board: work lists and their counts, one case, the
situation map's lists."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.access.casework import Scope as Scope  # its home; imported from here too
from services.desk.board.listing import FINISHED_TABS, ListQuery
from services.desk.board.rules import DISPATCHED, OPEN_STATES
from services.desk.search.words import query_words
from services.desk.tables import callers, cases, entries, parts

c = cases.c


def within(scope: Scope) -> sa.ColumnElement[bool]:
    """The filter on board rows of the cases a scope admits."""
    if scope.kind == "none":
        return sa.false()
    if scope.kind == "unit":
        # A 上报 asking the unit puts the case in its queue until it decides.
        return sa.or_(c.unit_id == scope.id, c.takeover_unit_id == scope.id)
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


async def queue(
    session: AsyncSession, scope: Scope, *, case_no: str = "", limit: int = 300
) -> list[dict[str, Any]]:
    """Open cases in scope (or the one case asked for), the most pressing deadline first."""
    stmt = (
        _listing()
        .where(within(scope), c.state.in_(OPEN_STATES))
        .order_by(_due().asc().nulls_last(), c.dispatched_at)
        .limit(limit)
    )
    if case_no:
        stmt = stmt.where(c.case_no == case_no)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def one(session: AsyncSession, case_no: str) -> dict[str, Any] | None:
    """One case's board row with its text and its parts (联动办), or None."""
    row = (await session.execute(_listing().where(c.case_no == case_no))).first()
    if row is None:
        return None
    return with_parts(dict(row._mapping), await parts_of(session, case_no))


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


# The work lists (listing.py): which board rows each tab holds.
# With a unit, not yet signed for. A bounced case is with dispatch (to send on, or to
# arbitration under 仲裁) and waits for no unit's signature.
_WAITING = ("dispatched",)
_DOING = ("accepted", "in_progress", "reopened")
_FINISHED = ("resolved", "closed")


def _calls_back() -> sa.ColumnElement[bool]:
    # The caller agreed to a phone callback (anonymous callers are never called).
    k = callers.c
    return c.case_no.in_(sa.select(k.case_no).where(k.callback_consent, sa.not_(k.anonymous)))


def in_tab(tab: str, owners: tuple[str, ...] = ()) -> sa.ColumnElement[bool]:
    """The board rows of one tab.

    待回访: resolved cases whose caller chose a phone callback; a callback that reached them
    closes or reopens the case, so a resolved case has no reached callback recorded yet.
    我的: cases with the unit whose named handler is one of `owners` (the viewer, and the
    away colleagues they stand in for)."""
    if tab == "mine":
        return sa.and_(c.state.in_(_WAITING + _DOING), c.assignee.in_(owners))
    if tab == "accept":
        return c.state.in_(_WAITING)
    if tab == "doing":
        return c.state.in_(_DOING)
    if tab == "callback":
        return sa.and_(c.state == "resolved", _calls_back())
    if tab == "done":
        return c.state.in_(_FINISHED)
    if tab == "extension":
        return sa.and_(c.extension_pending, c.state.in_(OPEN_STATES))
    if tab == "manual":
        return c.state == "manual"
    return sa.false()


def narrowed(q: ListQuery) -> list[sa.ColumnElement[bool]]:
    """The search and filters of a list (case number or words of title, content, address)."""
    where: list[sa.ColumnElement[bool]] = []
    if q.case_no:
        where.append(c.case_no.startswith(q.case_no, autoescape=True))
    elif q.text:
        for word in query_words(q.text) or q.text.split():
            like = f"%{word.replace('%', '').replace('_', '')}%"
            found = [c.title.like(like), c.address.like(like)]
            if len(word) >= 2:
                found.append(c.words.op("@@")(sa.func.to_tsquery("simple", _quoted(word))))
            where.append(sa.or_(*found))
    if q.light:
        where.append(c.light == q.light)
    if q.topic:
        where.append(c.topic == q.topic)
    if q.unit_id:
        where.append(c.unit_id == q.unit_id)
    return where


def _quoted(word: str) -> str:
    # A tsquery literal: quotes doubled, so no word can inject tsquery operators.
    return "'" + word.replace("'", "''") + "'"


def finished_at() -> sa.ColumnElement[Any]:
    """When a finished case was finished: closed, else resolved."""
    return sa.func.coalesce(c.closed_at, c.resolved_at)


def _order(tab: str) -> tuple[sa.ColumnElement[Any], ...]:
    if tab == "callback":
        return (c.resolved_at.asc().nulls_last(), c.case_no)  # longest waiting first
    if tab == "done":
        # As the partial indexes ix_board_*_finished order them (migration desk_0004).
        return (finished_at().desc().nulls_last(), c.case_no.desc())
    if tab == "manual":
        return (c.dispatched_at.asc().nulls_last(), c.case_no)
    return (_due().asc().nulls_last(), c.dispatched_at, c.case_no)


# Tabs that are a set of states, counted from one index-only count by state.
_STATE_TABS = {"accept": _WAITING, "doing": _DOING, "done": _FINISHED, "manual": ("manual",)}


async def tab_counts(
    session: AsyncSession, scope: Scope, tabs: tuple[str, ...], owners: tuple[str, ...] = ()
) -> dict[str, int]:
    """How many cases wait in each tab within scope (arbitrations are dispatch's to count).

    The tabs of states come from one count by state, which the (scope, state) indexes
    answer alone; 待回访 and 延期待批 are counted apart, within their few states."""
    by_state = {
        str(state): int(n)
        for state, n in await session.execute(
            sa.select(c.state, sa.func.count()).where(within(scope)).group_by(c.state)
        )
    }
    out = {
        t: sum(by_state.get(state, 0) for state in _STATE_TABS[t]) for t in tabs if t in _STATE_TABS
    }
    for t in ("callback", "extension", "mine"):
        if t in tabs:
            stmt = sa.select(sa.func.count()).where(within(scope), in_tab(t, owners))
            out[t] = int((await session.execute(stmt)).scalar_one())
    return out


async def listed(
    session: AsyncSession, scope: Scope, q: ListQuery, owners: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One page of a tab's list and the whole list's count by light ("all": every light;
    only that on finished tabs)."""
    where = [within(scope), in_tab(q.tab, owners), *narrowed(q)]
    stmt = _listing().where(*where).order_by(*_order(q.tab)).limit(q.size).offset(q.offset)
    rows = [dict(r._mapping) for r in await session.execute(stmt)]
    if q.tab in FINISHED_TABS:
        # Lights mean nothing on finished cases: a plain count the indexes answer alone.
        total = (await session.execute(sa.select(sa.func.count()).where(*where))).scalar_one()
        return rows, {"all": int(total)}
    by_light = {
        str(colour): int(n)
        for colour, n in await session.execute(
            sa.select(c.light, sa.func.count()).where(*where).group_by(c.light)
        )
    }
    by_light["all"] = sum(by_light.values())
    return rows, by_light


async def suggestions(session: AsyncSession, case_nos: list[str]) -> dict[str, dict[str, Any]]:
    """The model's last suggestion for each case (its dispatch event as recorded)."""
    if not case_nos:
        return {}
    e = entries.c
    stmt = (
        sa.select(e.case_no, e.data)
        .where(e.case_no.in_(case_nos), e.event_type == DISPATCHED)
        .order_by(e.case_no, e.seq.desc())
        .distinct(e.case_no)
    )
    return {str(no): dict(data) for no, data in await session.execute(stmt)}


# -- 联动办: the parts of joint cases ------------------------------------------------------
_p = parts.c
PART_OPEN = ("dispatched", "accepted", "in_progress")


def _part_within(scope: Scope) -> sa.ColumnElement[bool]:
    if scope.kind == "none":
        return sa.false()
    if scope.kind == "unit":
        return _p.unit_id == scope.id
    if scope.kind == "township":
        return _p.township_id == scope.id
    if scope.kind == "district":
        return _p.district_id == scope.id
    return sa.true()


async def parts_of(session: AsyncSession, case_no: str) -> list[dict[str, Any]]:
    """Every part of one case, in the order dispatch named the co-units."""
    stmt = sa.select(parts).where(_p.case_no == case_no).order_by(_p.part_id)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def parts_held(
    session: AsyncSession, scope: Scope, *, case_no: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Open parts held within a scope (a co-unit's 协办任务), with their case's title and
    lead unit, the most pressing deadline first."""
    due = sa.case((_p.state == "dispatched", _p.accept_due), else_=_p.resolve_due)
    stmt = (
        sa.select(
            parts,
            due.label("due"),
            c.title,
            c.topic,
            c.unit_name.label("lead_unit_name"),
            c.state.label("case_state"),
        )
        .join(cases, cases.c.case_no == _p.case_no)
        .where(_part_within(scope), _p.state.in_(PART_OPEN), c.state != "closed")
        .order_by(due.asc().nulls_last(), _p.case_no)
        .limit(limit)
    )
    if case_no:
        stmt = stmt.where(_p.case_no.startswith(case_no, autoescape=True))
    return [dict(r._mapping) for r in await session.execute(stmt)]


def with_parts(row: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
    """A case's row as the shared rule reads a joint case: its parts, the units holding them
    (who may see it) and how many are open (which hold the lead's 办结)."""
    return {
        **row,
        "parts": found,
        "part_unit_ids": [p["unit_id"] for p in found],
        "parts_open": sum(p["state"] in PART_OPEN for p in found),
    }


# Named handlers and 重大疑难 (services/desk/people).
async def assigned_counts(session: AsyncSession, usernames: list[str]) -> dict[str, int]:
    """How many open cases each person is the named handler of."""
    if not usernames:
        return {}
    stmt = (
        sa.select(c.assignee, sa.func.count())
        .where(c.assignee.in_(usernames), c.state.in_(_WAITING + _DOING))
        .group_by(c.assignee)
    )
    return {str(who): int(n) for who, n in await session.execute(stmt)}


async def assigned_cases(session: AsyncSession, username: str) -> list[tuple[str, str]]:
    """(case number, unit) of the open cases a person is the named handler of."""
    stmt = sa.select(c.case_no, c.unit_id).where(
        c.assignee == username, c.state.in_(_WAITING + _DOING)
    )
    return [(str(no), str(unit)) for no, unit in await session.execute(stmt)]


async def majors(session: AsyncSession, scope: Scope, *, limit: int = 100) -> list[dict[str, Any]]:
    """重大疑难 cases in scope until they are closed: plans overdue or awaited first."""
    stmt = (
        _listing()
        .where(within(scope), c.major, c.state != "closed")
        .order_by(c.plan_due.asc().nulls_first(), c.dispatched_at)
        .limit(limit)
    )
    return [dict(r._mapping) for r in await session.execute(stmt)]
