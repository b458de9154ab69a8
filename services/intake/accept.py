"""Accepting a case: Idempotency-Key replay or conflict, repeat-call linking, then storage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import store
from services.intake.domain import Matter, find_repeat


class KeyConflict(Exception):
    """The Idempotency-Key was already used for a different request body."""


@dataclass(frozen=True, kw_only=True)
class Accepted:
    """What the caller of POST /v1/cases learns."""

    case_no: str
    status: str
    repeat_of: str | None
    replayed: bool
    event_id: str | None = None


async def accept(
    session: AsyncSession,
    *,
    case: store.NewCase,
    key: str | None = None,
    fingerprint: str = "",
) -> Accepted:
    """Store a case (or find the one a retried key created) in one transaction."""
    async with session.begin():
        if key is not None and not await store.claim_key(session, key=key, fingerprint=fingerprint):
            return await _replay(session, key=key, fingerprint=fingerprint)
        now = store.utcnow()
        repeat = None
        ref = store.caller_ref(case.caller_phone) if case.caller_phone else ""
        # A consultation answered on the call, a report closed on the spot: done with, they
        # join no open case.
        joins = bool(ref) and not case.anonymous and not case.closed_here
        # Numbered first; a caller who may be calling again is locked in the same statement.
        case_no = await store.next_case_no(session, now=now, lock_caller=ref if joins else None)
        if joins:
            matter = Matter(
                caller_ref=ref,
                title=case.title,
                content=case.content,
                address=case.address,
                grid_code=case.grid_code,
                received_at=now,
            )
            candidates = await store.open_cases_of(session, ref=ref, now=now)
            repeat = find_repeat(matter, candidates)
        repeat_of = repeat.case_no if repeat else None
        case_no, event_id = await store.create_case(
            session, case=case, repeat_of=repeat_of, now=now, case_no=case_no
        )
        if key is not None:
            await store.bind_key(session, key=key, case_no=case_no)
    status = store.MERGED if repeat_of else "received"
    if repeat_of is None and case.closed_here:
        status = store.CLOSED
    return Accepted(
        case_no=case_no,
        status=status,
        repeat_of=repeat_of,
        replayed=False,
        event_id=event_id,
    )


async def _replay(session: AsyncSession, *, key: str, fingerprint: str) -> Accepted:
    stored = await store.read_key(session, key=key)
    if stored is None:
        raise KeyConflict(key)
    stored_fingerprint, case_no = stored
    # A key row without its case cannot be committed (one transaction writes both);
    # treat it as a conflict rather than guess.
    if case_no is None or stored_fingerprint != fingerprint:
        raise KeyConflict(key)
    case = await store.get_case(session, case_no=case_no)
    repeat_of = case["repeat_of"] if case else None
    return Accepted(
        case_no=case_no,
        status=case["status"] if case else "received",
        repeat_of=repeat_of,
        replayed=True,
    )
