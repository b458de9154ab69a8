"""The desk's own record entries about people (承办人, AB岗, 包案领导, 处置方案).

Each is appended to the case record and folded into the board in one transaction, under the
case's lock, as the consumer does with events (services/desk/record/writer.py): the record
stays the one source a rebuild reads.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.common import pii
from services.desk.board.projector import BoardProjector
from services.desk.people.fold import PEOPLE
from services.desk.record.entries import Entry
from services.desk.record.writer import People, append

SOURCE = "desk"


def people_entry(
    *,
    case_no: str,
    kind: str,
    at: datetime,
    actor: str,
    unit_id: str,
    note: str,
    data: dict[str, Any],
) -> Entry:
    """One entry of the desk's own; its id is new (each is its own act, never redelivered)."""
    return Entry(
        case_no=case_no,
        event_id=f"desk-{kind}-{uuid.uuid4().hex}",
        event_type=PEOPLE,
        source=SOURCE,
        kind=kind,
        at=at,
        actor=actor,
        unit_id=unit_id,
        note=note,
        data={"case_no": case_no, "kind": kind, **data},
    )


async def lock_case(session: Any, case_no: str) -> None:
    """The case's lock, as the consumer takes it (held until the transaction ends)."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(case_no))))


async def record(
    session: Any, entry: Entry, people: People, board: BoardProjector, sealer: pii.Sealer
) -> None:
    """Append the entry and fold it into the board (inside the caller's transaction, with
    the case locked)."""
    if await append(session, entry, people, sealer):
        await board.project(
            session,
            case_no=entry.case_no,
            event_type=entry.event_type,
            fields=dict(entry.data),
            at=entry.at,
        )
