"""One way to store a dispatch decision and announce it: row, decision record, outbox event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import events
from services.common.events import Envelope
from services.common.outbox import enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.request_types import Path, path_of
from services.dispatch import store
from services.dispatch.domain import (
    Assignment,
    Directory,
    LadderStep,
    RoutingPolicy,
    Tier,
    escalation_ladder,
)

SOURCE = "minhu/dispatch"
PRAISE_FORWARDED = "praise_forwarded"


@dataclass(frozen=True)
class Policies:
    """The read-only policies every dispatch decision consults."""

    directory: Directory
    routing: RoutingPolicy


def ladder_rows(assignment: Assignment, topic: str, policies: Policies) -> list[dict[str, str]]:
    """The escalation ladder of an assignment as stored JSON."""
    steps: Sequence[LadderStep] = escalation_ladder(
        assignment, topic, policies.directory, policies.routing
    )
    return [{"tier": s.tier, "unit_id": s.unit_id, "unit_name": s.unit_name} for s in steps]


def assignment_of(row: Mapping[str, Any]) -> Assignment:
    """The Assignment value of a stored row."""
    return Assignment(
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        tier=Tier(row["tier"]),
        grid_code=row.get("grid_code"),
        co_unit_ids=tuple(row.get("co_unit_ids") or ()),
        manual=bool(row.get("manual")),
        reasons=(),
    )


def dispatched_event(
    row: Mapping[str, Any],
    *,
    event_id: str,
    now: datetime,
    decision: str,
    actor: str | None = None,
    reasons: Sequence[str] = (),
) -> Envelope:
    """case.dispatched for the assignment as stored, with the decision that placed it."""
    out = case_pb2.CaseDispatched(
        case_no=row["case_no"],
        topic=row["topic"],
        difficulty=row["difficulty"],
        tier=row["tier"],
        unit_id=row["unit_id"],
        unit_name=row["unit_name"],
        co_unit_ids=list(row.get("co_unit_ids") or ()),
        confidence=float(row["confidence"]),
        explanation=row["explanation"],
        urgent=bool(row["urgent"]),
        major=bool(row["major"]),
        manual=bool(row["manual"]),
        dispatched_at=events.timestamp(now),
        grid_code=row.get("grid_code") or "",
        attempt=int(row.get("attempt") or 0),
        ladder=[case_pb2.LadderStep(**step) for step in row.get("ladder") or ()],
        arbitrated=bool(row.get("arbitrated")),
        reasons=list(reasons),
        decision=decision,
        actor=actor or "",
        request_type=row.get("request_type") or "",
    )
    return events.envelope(
        events.CASE_DISPATCHED,
        out,
        subject=row["case_no"],
        source=SOURCE,
        event_id=event_id,
        time=now,
    )


def forwards_praise(row: Mapping[str, Any]) -> bool:
    """A praise placed with a unit: told to the unit and closed, no deadlines."""
    placed = not row.get("manual")
    return placed and path_of(row.get("request_type")) is Path.FORWARD


async def close_praise(
    session: AsyncSession, row: Mapping[str, Any], *, cause_id: str, now: datetime
) -> None:
    """Enqueue case.closed for a praise just forwarded (after its case.dispatched)."""
    await enqueue(session, store.outbox, events.CASE_CLOSED, praise_closed(row, cause_id, now))


def praise_closed(row: Mapping[str, Any], cause_id: str, now: datetime) -> Envelope:
    """case.closed of a praise just forwarded to its unit."""
    closed = case_pb2.CaseClosed(
        case_no=row["case_no"],
        reason=PRAISE_FORWARDED,
        note=f"表扬已转达{row['unit_name']}",
        closed_at=events.timestamp(now),
        actor="dispatch",
    )
    return events.envelope(
        events.CASE_CLOSED,
        closed,
        subject=row["case_no"],
        source=SOURCE,
        event_id=events.derived_event_id(cause_id, "praise-closed"),
        time=now,
    )


async def announce(
    session: AsyncSession,
    row: dict[str, Any],
    changes: Mapping[str, Any],
    *,
    event_id: str,
    kind: str,
    actor: str | None,
    reasons: Sequence[str],
    now: datetime,
) -> Envelope:
    """Apply changes to a stored assignment, record the decision, enqueue case.dispatched."""
    row.update(changes, dispatched_at=now)
    await store.update_assignment(
        session, case_no=row["case_no"], **{**changes, "dispatched_at": now, "event_id": event_id}
    )
    env = dispatched_event(
        row, event_id=event_id, now=now, decision=kind, actor=actor, reasons=reasons
    )
    await store.add_decision(
        session,
        case_no=row["case_no"],
        attempt=row["attempt"],
        kind=kind,
        unit_id=row["unit_id"],
        actor=actor,
        event_id=event_id,
        reasons=list(reasons),
        at=now,
    )
    await enqueue(session, store.outbox, events.CASE_DISPATCHED, env)
    if forwards_praise(row):
        await close_praise(session, row, cause_id=event_id, now=now)
    return env
