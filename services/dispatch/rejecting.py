"""不予受理 of a case still waiting in the manual queue: no unit ever had it, so no workflow
runs for it; dispatch closes it itself and announces case.closed (reason `rejected`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common import events
from services.common.outbox import OutboxRelay, enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.rejection import rejection_note
from services.dispatch import store
from services.dispatch.casework import Conflict, Invalid
from services.dispatch.publish import SOURCE

REJECTED = "rejected"


async def reject_queued(
    sessions: Any, relay: OutboxRelay, case_no: str, *, actor: str, reason: str, text: str
) -> str:
    """Close a manual-queue case as not the platform's matter; returns the reason's sentence.

    Raises NotAReason for a reason off the list, Invalid for an unknown case and Conflict
    for a case no longer waiting in the manual queue.
    """
    note = rejection_note(reason, text)
    async with sessions() as session, session.begin():
        row = await store.lock_assignment(session, case_no=case_no)
        if row is None:
            raise Invalid(f"{case_no} 没有派单记录")
        if row.get("rejected_at") is not None:
            raise Conflict(f"工单 {case_no} 已不予受理")
        if not row["manual"]:
            raise Conflict(f"工单 {case_no} 已派至{row['unit_name']}，请在工单页不予受理")
        now = datetime.now(UTC)
        await store.update_assignment(session, case_no=case_no, manual=False, rejected_at=now)
        await store.add_decision(
            session,
            case_no=case_no,
            attempt=row["attempt"],
            kind=REJECTED,
            unit_id=None,
            actor=actor,
            event_id=None,
            reasons=[f"不予受理（{actor}）：{note}"],
            at=now,
        )
        closed = case_pb2.CaseClosed(
            case_no=case_no,
            reason=REJECTED,
            note=note,
            closed_at=events.timestamp(now),
            actor=actor,
            reject_reason=reason,
        )
        env = events.envelope(
            events.CASE_CLOSED,
            closed,
            subject=case_no,
            source=SOURCE,
            event_id=events.derived_event_id(case_no, "rejected-in-queue"),
            time=now,
        )
        await enqueue(session, store.outbox, events.CASE_CLOSED, env)
    relay.wake()
    return note
