"""Intake's tables and data functions: a case and its outbox event commit together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import events
from services.common.outbox import enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.tables import outbox_table
from services.intake.domain import case_number, local_day

SOURCE = "minhu/intake"
metadata = sa.MetaData()
outbox = outbox_table(metadata)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("caller_name", sa.String(64), nullable=True),
    sa.Column("caller_phone", sa.String(32), nullable=False),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("grid_code", sa.String(64), nullable=True),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(32), nullable=False, server_default="received"),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_cases_caller_phone", "caller_phone", "received_at"),
)

case_counters = sa.Table(
    "case_counters",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)


@dataclass(frozen=True, kw_only=True)
class NewCase:
    """A validated case as the operator or a citizen submitted it."""

    channel: str
    caller_phone: str
    content: str
    caller_name: str | None = None
    title: str | None = None
    address: str | None = None
    grid_code: str | None = None
    urgent: bool = False


async def next_case_no(session: AsyncSession, *, now: datetime) -> str:
    """Allocate the next case number of the local day; the row lock keeps it unique."""
    day = local_day(now)
    stmt = (
        insert(case_counters)
        .values(day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=[case_counters.c.day],
            set_={"last_seq": case_counters.c.last_seq + 1},
        )
        .returning(case_counters.c.last_seq)
    )
    seq = (await session.execute(stmt)).scalar_one()
    return case_number(day, seq)


async def create_case(session: AsyncSession, *, case: NewCase) -> str:
    """Store a case and its case.received event in the caller's transaction."""
    now = datetime.now(UTC)
    case_no = await next_case_no(session, now=now)
    payload = case_pb2.CaseReceived(
        case_no=case_no,
        channel=case.channel,
        caller_name=case.caller_name or "",
        caller_phone=case.caller_phone,
        title=case.title or "",
        content=case.content,
        address=case.address or "",
        grid_code=case.grid_code or "",
        urgent=case.urgent,
        received_at=events.timestamp(now),
    )
    env = events.envelope(events.CASE_RECEIVED, payload, subject=case_no, source=SOURCE, time=now)
    await session.execute(
        sa.insert(cases).values(
            case_no=case_no,
            channel=case.channel,
            caller_name=case.caller_name,
            caller_phone=case.caller_phone,
            title=case.title,
            content=case.content,
            address=case.address,
            grid_code=case.grid_code,
            urgent=case.urgent,
            event_id=env.id,
            received_at=now,
        )
    )
    await enqueue(session, outbox, events.CASE_RECEIVED, env)
    return case_no


async def get_case(session: AsyncSession, *, case_no: str) -> dict[str, Any] | None:
    """One case as stored, or None."""
    row = (await session.execute(sa.select(cases).where(cases.c.case_no == case_no))).first()
    return dict(row._mapping) if row else None


async def find_cases(session: AsyncSession, *, phone: str, limit: int = 50) -> list[dict[str, Any]]:
    """A caller's cases, newest first."""
    rows = await session.execute(
        sa.select(cases)
        .where(cases.c.caller_phone == phone)
        .order_by(cases.c.received_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]
