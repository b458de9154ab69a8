"""The desk's consumer: each case event becomes a record entry, then folds into the board.

One transaction per batch of a partition's events, in their order: the entries in one
statement (a unique event id makes a redelivery a no-op), the callers' data, the board rows
and marks, and the live notices all commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert

from services.common import pii
from services.common.bulk import insert_rows
from services.common.events import Envelope, fields_of, to_datetime
from services.common.kafka import PoisonEvent
from services.desk.board.projector import Batch, BoardProjector
from services.desk.board.rules import RECORD_ONLY
from services.desk.record.callers import stored
from services.desk.record.entries import Caller, Entry, entry_of
from services.desk.tables import callers, entries


class People:
    """Who an actor id names (a person's name and unit), as known to the desk."""

    def __init__(self, known: dict[str, tuple[str, str]] | None = None) -> None:
        self.known = known or {}

    def of(self, actor: str) -> tuple[str, str]:
        """(name, unit id) of an actor; the id itself when unknown (a system, a partner)."""
        return self.known.get(actor, (actor, ""))


def entry_row(entry: Entry, people: People) -> dict[str, Any]:
    """The record row of an entry, its actor named as the desk knows them."""
    name, unit = people.of(entry.actor) if entry.actor else ("", "")
    return {
        "case_no": entry.case_no,
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "source": entry.source,
        "kind": entry.kind,
        "at": entry.at,
        "actor": entry.actor,
        "actor_name": name,
        "actor_unit_id": unit,
        "unit_id": entry.unit_id,
        "note": entry.note,
        "signed_as": entry.signed_as,
        "data": entry.data,
    }


def caller_row(case_no: str, caller: Caller, sealer: pii.Sealer) -> dict[str, Any]:
    """The stored caller of a case: sealed, with its blind index."""
    sealed, ref = stored(caller, sealer)
    return {
        "case_no": case_no,
        "caller_sealed": sealed,
        "caller_ref": ref,
        "anonymous": caller.anonymous,
        "callback_consent": caller.callback_consent,
    }


async def append(session: Any, entry: Entry, people: People, sealer: pii.Sealer) -> bool:
    """Add an entry (and the caller it names, sealed) unless its event is already recorded."""
    seq = (
        await session.execute(
            insert(entries)
            .values(**entry_row(entry, people))
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(entries.c.seq)
        )
    ).first()
    if seq is None:
        return False
    if entry.caller is not None:
        await session.execute(
            insert(callers)
            .values(**caller_row(entry.case_no, entry.caller, sealer))
            .on_conflict_do_nothing()
        )
    return True


async def append_many(
    session: Any, items: list[Entry], people: People, sealer: pii.Sealer
) -> set[str]:
    """Add entries in their order in one statement (and the callers they name in one more);
    the event ids newly recorded (one recorded before, or twice in `items`, is added once)."""
    if not items:
        return set()
    added = await session.execute(
        insert_rows(entries, [entry_row(entry, people) for entry in items])
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(entries.c.event_id)
    )
    fresh = {str(event_id) for (event_id,) in added}
    named: dict[str, dict[str, Any]] = {}
    for entry in items:
        if entry.caller is not None and entry.event_id in fresh:
            # The first to name a case's caller stays, as a row stored before stays.
            named.setdefault(entry.case_no, caller_row(entry.case_no, entry.caller, sealer))
    if named:
        await session.execute(insert_rows(callers, list(named.values())).on_conflict_do_nothing())
    return fresh


@dataclass
class Recorder:
    """Applies every case topic's events: record first, then the board."""

    sessions: Any  # async_sessionmaker
    board: BoardProjector
    people: People
    sealer: pii.Sealer

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Record one event; False if it was recorded before."""
        return (await self.apply_batch([(env, payload)]))[0]

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]:
        """Record events in their order in one transaction; for each, False if recorded
        before."""
        read = []
        for env, payload in items:
            fields = fields_of(payload)
            if fields.get("case_no") != env.subject:
                raise PoisonEvent(f"{env.type} subject does not match its case number")
            entry = entry_of(
                event_type=env.type,
                event_id=env.id,
                source=env.source,
                case_no=env.subject,
                time=to_datetime(env.time),
                fields=fields,
            )
            read.append((entry, fields))
        out = []
        async with self.sessions() as session, session.begin():
            # One case at a time: its entries get their sequence numbers in the order they
            # fold into the board, so a rebuild folds them exactly as they were folded live.
            # The batch's cases are locked at once, in one order, so batches never deadlock.
            locks = [
                sa.func.pg_advisory_xact_lock(sa.func.hashtext(case_no))
                for case_no in sorted({entry.case_no for entry, _ in read})
            ]
            await session.execute(sa.select(*locks))
            # Entries are numbered in the batch's order, the order they then fold in.
            fresh = await append_many(session, [e for e, _ in read], self.people, self.sealer)
            # The board rows these events fold into, read and locked at once.
            batch = Batch()
            await batch.lock(
                session,
                {
                    e.case_no
                    for e, _ in read
                    if e.event_id in fresh and e.event_type not in RECORD_ONLY
                },
            )
            for entry, fields in read:
                if entry.event_id not in fresh:
                    out.append(False)
                    continue
                fresh.discard(entry.event_id)  # the same event twice in one batch: once
                await self.board.project(
                    session,
                    case_no=entry.case_no,
                    event_type=entry.event_type,
                    fields=fields,
                    at=entry.at,
                    batch=batch,
                )
                out.append(True)
            await batch.finish(session)
        return out


async def case_entries(session: Any, case_no: str) -> list[dict[str, Any]]:
    """Every entry of one case, in the order recorded."""
    rows = await session.execute(
        sa.select(entries).where(entries.c.case_no == case_no).order_by(entries.c.seq)
    )
    return [dict(r._mapping) for r in rows]


async def caller_of(session: Any, case_no: str) -> dict[str, Any] | None:
    """The stored caller of a case (sealed: see record/callers.py to show it), or None."""
    row = (await session.execute(sa.select(callers).where(callers.c.case_no == case_no))).first()
    return dict(row._mapping) if row else None
