"""Dispatch's tables and data functions: an assignment and its event commit together."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bulk import insert_rows
from services.common.tables import outbox_table, processed_events_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)

assignments = sa.Table(
    "assignments",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("grid_code", sa.String(64), nullable=True),
    sa.Column("topic", sa.String(32), nullable=False),
    sa.Column("difficulty", sa.String(16), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("unit_id", sa.String(64), nullable=False),
    sa.Column("unit_name", sa.String(128), nullable=False),
    sa.Column("co_unit_ids", JSONB, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("major", sa.Boolean, nullable=False),
    sa.Column("manual", sa.Boolean, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("reasons", JSONB, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
    # Added by dispatch_0002: bounce, arbitration and hotspot state of the case.
    sa.Column("bounced_units", JSONB, nullable=False, server_default="[]"),
    sa.Column("arbitration", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("arbitrated", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("parent_case_no", sa.String(20), nullable=True),
    sa.Column("batch", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("merged", sa.Boolean, nullable=False, server_default="false"),
    sa.Column("ladder", JSONB, nullable=False, server_default="[]"),
    # Added by dispatch_0005: the model version that classified the case.
    sa.Column("model_version", sa.String(16), nullable=False, server_default="corpus"),
    # Added by dispatch_0006: the request type from case.received (None before types).
    sa.Column("request_type", sa.String(16), nullable=True),
    # Added by dispatch_0007: rejected (不予受理) from the manual queue, never dispatched.
    sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_assignments_unit", "unit_id", "dispatched_at"),
    sa.Index("ix_assignments_recent", "topic", "received_at"),
)

# Every decision about a case (first dispatch, human dispatch, bounce, arbitration), in order.
decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_no", sa.String(20), nullable=False, index=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("unit_id", sa.String(64), nullable=True),
    sa.Column("actor", sa.String(64), nullable=True),
    sa.Column("event_id", sa.String(64), nullable=True),
    sa.Column("reasons", JSONB, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# Open and decided arbitrations: the tier-above unit picks the final unit.
arbitrations = sa.Table(
    "arbitrations",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("arbitrator_unit_id", sa.String(64), nullable=False),
    sa.Column("arbitrator_name", sa.String(128), nullable=False),
    sa.Column("bounced_units", JSONB, nullable=False),
    sa.Column("candidates", JSONB, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_unit_id", sa.String(64), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
)

# A candidate model's topic beside the live model's, per case, while it runs in shadow.
model_shadow = sa.Table(
    "model_shadow",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("version", sa.String(16), primary_key=True),
    sa.Column("topic", sa.String(32), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("live_version", sa.String(16), nullable=False),
    sa.Column("live_topic", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# Dispatchers' corrections of the model: labelled data for the next training run.
corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_no", sa.String(20), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("suggested_topic", sa.String(32), nullable=False),
    sa.Column("suggested_difficulty", sa.String(16), nullable=False),
    sa.Column("topic", sa.String(32), nullable=False),
    sa.Column("difficulty", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# Similar cases linked by hotspot detection (case_no -> an earlier linked_case_no).
case_links = sa.Table(
    "case_links",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("linked_case_no", sa.String(20), primary_key=True),
    sa.Column("similarity", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)


async def add_assignment(session: AsyncSession, **values: Any) -> None:
    """Store a case's assignment (the caller's transaction also claims the event)."""
    await session.execute(sa.insert(assignments).values(**values))


async def get_assignment(session: AsyncSession, *, case_no: str) -> dict[str, Any] | None:
    """One case's assignment, or None."""
    row = (
        await session.execute(sa.select(assignments).where(assignments.c.case_no == case_no))
    ).first()
    return dict(row._mapping) if row else None


async def update_assignment(session: AsyncSession, *, case_no: str, **values: Any) -> None:
    """Change a stored assignment (re-dispatch, arbitration, human dispatch)."""
    await session.execute(
        sa.update(assignments).where(assignments.c.case_no == case_no).values(**values)
    )


async def lock_assignment(session: AsyncSession, *, case_no: str) -> dict[str, Any] | None:
    """One case's assignment, locked until the transaction ends."""
    row = (
        await session.execute(
            sa.select(assignments).where(assignments.c.case_no == case_no).with_for_update()
        )
    ).first()
    return dict(row._mapping) if row else None


async def add_decision(session: AsyncSession, **values: Any) -> None:
    """Record one dispatch decision with its reasons."""
    await session.execute(sa.insert(decisions).values(**values))


async def list_decisions(session: AsyncSession, *, case_no: str) -> list[dict[str, Any]]:
    """Every decision of a case, oldest first."""
    stmt = sa.select(decisions).where(decisions.c.case_no == case_no).order_by(decisions.c.id)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def recent_cases(
    session: AsyncSession, *, topic: str, since: Any, limit: int, grid_prefix: str = ""
) -> list[dict[str, Any]]:
    """Cases of one topic near a grid received since a time, newest first (hotspot candidates)."""
    a = assignments.c
    stmt = (
        sa.select(
            a.case_no, a.topic, a.grid_code, a.title, a.content, a.received_at, a.parent_case_no
        )
        .where(
            a.topic == topic,
            a.received_at >= since,
            a.grid_code.startswith(grid_prefix, autoescape=True),
        )
        .order_by(a.received_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def add_links(session: AsyncSession, *, case_no: str, links: list[dict[str, Any]]) -> None:
    """Store the similar cases a case was linked to."""
    if links:
        await session.execute(
            insert_rows(
                case_links, [{"case_no": case_no, **link} for link in links]
            ).on_conflict_do_nothing()
        )


async def list_links(session: AsyncSession, *, case_no: str) -> list[dict[str, Any]]:
    """Cases linked to this one, either way round."""
    c = case_links.c
    stmt = sa.select(case_links).where(sa.or_(c.case_no == case_no, c.linked_case_no == case_no))
    out = []
    for r in await session.execute(stmt):
        other = r.linked_case_no if r.case_no == case_no else r.case_no
        out.append({"case_no": other, "similarity": r.similarity, "reason": r.reason})
    return sorted(out, key=lambda x: (-x["similarity"], x["case_no"]))


async def batch_members(session: AsyncSession, *, parent_case_no: str) -> list[str]:
    """Case numbers merged or batched under a parent case."""
    stmt = sa.select(assignments.c.case_no).where(assignments.c.parent_case_no == parent_case_no)
    return sorted(r.case_no for r in await session.execute(stmt))


async def open_arbitration(session: AsyncSession, **values: Any) -> None:
    """Open an arbitration for a case (once)."""
    await session.execute(insert(arbitrations).values(**values).on_conflict_do_nothing())


async def get_arbitration(
    session: AsyncSession, *, case_no: str, lock: bool = False
) -> dict[str, Any] | None:
    """A case's arbitration, or None."""
    stmt = sa.select(arbitrations).where(arbitrations.c.case_no == case_no)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).first()
    return dict(row._mapping) if row else None


async def list_arbitrations(
    session: AsyncSession, *, arbitrator_unit_id: str | None, pending: bool
) -> list[dict[str, Any]]:
    """Arbitrations, pending or decided, of one arbitrator or all, oldest first."""
    t = arbitrations.c
    stmt = sa.select(arbitrations).order_by(t.opened_at)
    stmt = stmt.where(t.decided_at.is_(None) if pending else t.decided_at.is_not(None))
    if arbitrator_unit_id:
        stmt = stmt.where(t.arbitrator_unit_id == arbitrator_unit_id)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def decide_arbitration(session: AsyncSession, *, case_no: str, **values: Any) -> None:
    """Record the arbitrator's final choice."""
    await session.execute(
        sa.update(arbitrations).where(arbitrations.c.case_no == case_no).values(**values)
    )


async def add_correction(session: AsyncSession, **values: Any) -> None:
    """Keep a dispatcher's correction as labelled data (the latest per case wins)."""
    stmt = insert(corrections).values(**values)
    keep = {k: stmt.excluded[k] for k in ("topic", "difficulty", "actor", "at")}
    await session.execute(stmt.on_conflict_do_update(index_elements=["case_no"], set_=keep))


async def add_shadow(session: AsyncSession, **values: Any) -> None:
    """Keep a candidate model's topic for a case (once per case and version)."""
    await session.execute(insert(model_shadow).values(**values).on_conflict_do_nothing())


async def list_shadow(session: AsyncSession, *, version: str) -> list[dict[str, Any]]:
    """Every case a version classified in shadow, oldest first."""
    stmt = sa.select(model_shadow).where(model_shadow.c.version == version)
    return [dict(r._mapping) for r in await session.execute(stmt.order_by(model_shadow.c.at))]


async def list_corrections(session: AsyncSession) -> list[dict[str, Any]]:
    """Every stored correction, oldest first."""
    stmt = sa.select(corrections).order_by(corrections.c.id)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def list_queue(
    session: AsyncSession,
    *,
    unit_id: str | None = None,
    manual: bool | None = None,
    case_nos: list[str] | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Assignments of one unit, or the manual-dispatch queue (or some of its cases), oldest
    first."""
    stmt = (
        sa.select(assignments)
        .where(assignments.c.rejected_at.is_(None))
        .order_by(assignments.c.dispatched_at)
        .limit(limit)
    )
    if case_nos is not None:
        stmt = stmt.where(assignments.c.case_no.in_(case_nos))
    if unit_id is not None:
        stmt = stmt.where(assignments.c.unit_id == unit_id)
    if manual is not None:
        stmt = stmt.where(assignments.c.manual == manual)
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def add_assignments(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store several cases' assignments in one statement."""
    if rows:
        await session.execute(insert_rows(assignments, rows))


async def add_decisions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record several dispatch decisions in one statement, in their order."""
    if rows:
        await session.execute(insert_rows(decisions, rows))


async def add_many_links(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Store the links of several cases in one statement."""
    if rows:
        await session.execute(insert_rows(case_links, rows).on_conflict_do_nothing())


async def add_shadows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Keep a candidate model's topics for several cases in one statement."""
    if rows:
        await session.execute(insert_rows(model_shadow, rows).on_conflict_do_nothing())


async def assigned(session: AsyncSession, case_nos: list[str]) -> set[str]:
    """Which of these cases already have an assignment."""
    if not case_nos:
        return set()
    stmt = sa.select(assignments.c.case_no).where(assignments.c.case_no.in_(case_nos))
    return {r.case_no for r in await session.execute(stmt)}


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


RECENT_MANY = sa.text(
    """
    SELECT q.i, r.case_no, r.topic, r.grid_code, r.title, r.content, r.received_at,
           r.parent_case_no
    FROM unnest(:topics, :patterns, :sinces) WITH ORDINALITY AS q(topic, pattern, since, i)
    CROSS JOIN LATERAL (
        SELECT a.case_no, a.topic, a.grid_code, a.title, a.content, a.received_at,
               a.parent_case_no
        FROM assignments a
        WHERE a.topic = q.topic AND a.received_at >= q.since
          AND a.grid_code LIKE q.pattern ESCAPE '\\'
        ORDER BY a.received_at DESC
        LIMIT :limit
    ) r
    """
).bindparams(
    sa.bindparam("topics", type_=sa.ARRAY(sa.String)),
    sa.bindparam("patterns", type_=sa.ARRAY(sa.String)),
    sa.bindparam("sinces", type_=sa.ARRAY(sa.DateTime(timezone=True))),
    sa.bindparam("limit", type_=sa.Integer),
)


async def recent_cases_many(
    session: AsyncSession, queries: list[tuple[str, str, Any]], *, limit: int
) -> list[list[dict[str, Any]]]:
    """recent_cases for several (topic, grid prefix, since) at once, in one statement: for
    each query, its cases newest first."""
    out: list[list[dict[str, Any]]] = [[] for _ in queries]
    if not queries:
        return out
    params = {
        "topics": [q[0] for q in queries],
        "patterns": [_like_prefix(q[1]) for q in queries],
        "sinces": [q[2] for q in queries],
        "limit": limit,
    }
    for r in await session.execute(RECENT_MANY, params):
        row = dict(r._mapping)
        out[int(row.pop("i")) - 1].append(row)
    for rows in out:
        rows.sort(key=lambda row: row["received_at"], reverse=True)
    return out
