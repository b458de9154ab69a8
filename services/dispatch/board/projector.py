"""Keeps the board up to date from case events, once per event, and tells live pages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert

from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.dispatch import store
from services.dispatch.board.rules import Change, fold
from services.dispatch.board.tables import cases, marks
from services.dispatch.domain import Directory

# PostgreSQL channel every dispatch process listens on; the payload says which case moved.
CHANNEL = "minhu_board"


def place(directory: Directory, unit_id: str) -> dict[str, str]:
    """The district and township a unit belongs to (empty where it has none)."""
    try:
        unit = directory.unit(unit_id)
    except KeyError:
        return {"district_id": "", "township_id": ""}
    chain: dict[str, str] = {}
    area_id: str | None = unit.area_id
    while area_id:
        area = directory.area(area_id)
        chain[area.tier.value] = area.id
        area_id = area.parent_id
    return {"district_id": chain.get("district", ""), "township_id": chain.get("township", "")}


async def announce(session: Any, payload: dict[str, Any]) -> None:
    """Tell every listening dispatch process, when this transaction commits."""
    await session.execute(
        sa.select(sa.func.pg_notify(CHANNEL, json.dumps(payload, ensure_ascii=False)))
    )


@dataclass
class BoardProjector:
    """Applies case.dispatched, case.sla, case.action and case.closed to the board."""

    sessions: Any  # async_sessionmaker
    directory: Directory
    group: str = "board"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Apply one event; False if it was already applied."""
        fields = MessageToDict(
            payload, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        if fields.get("case_no") != env.subject:
            raise PoisonEvent(f"{env.type} subject does not match its case number")
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            row = (
                await session.execute(
                    sa.select(cases.c.unit_id, cases.c.state)
                    .where(cases.c.case_no == env.subject)
                    .with_for_update()
                )
            ).first()
            try:
                change = fold(env.type, fields, row.unit_id if row else None)
            except (KeyError, ValueError) as exc:
                raise PoisonEvent(f"cannot fold {env.type}: {exc!r}") from exc
            if not change.values and not change.marks:
                return True
            await self._apply(session, env.subject, change, now, exists=row is not None)
            unit_id = change.values.get("unit_id") or (row.unit_id if row else "")
            await announce(
                session,
                {
                    "case_no": env.subject,
                    "unit_id": unit_id,
                    "previous_unit_id": row.unit_id if row else "",
                    **place(self.directory, unit_id),
                    "event": env.type.split(".")[2],
                },
            )
        return True

    async def _apply(
        self, session: Any, case_no: str, change: Change, now: datetime, *, exists: bool
    ) -> None:
        values = dict(change.values)
        if "unit_id" in values:
            values.update(place(self.directory, values["unit_id"]))
            if "unit_name" not in values:
                try:
                    values["unit_name"] = self.directory.unit(values["unit_id"]).name
                except KeyError:
                    values["unit_name"] = values["unit_id"]
        values["updated_at"] = now
        if change.ask_sla:
            values.update(sla_stale=True, sla_tries=0)
        if exists:
            await session.execute(
                sa.update(cases)
                .where(cases.c.case_no == case_no)
                .values(version=cases.c.version + 1, **values)
            )
        else:
            # An event may overtake the case's dispatch (other topic): start a partial row.
            values.setdefault("unit_id", "")
            values.setdefault("state", "dispatched")
            await session.execute(
                insert(cases).values(case_no=case_no, version=1, **values).on_conflict_do_nothing()
            )
        for unit_id, mark in change.marks:
            if unit_id:
                await session.execute(
                    insert(marks)
                    .values(case_no=case_no, unit_id=unit_id, mark=mark, at=now)
                    .on_conflict_do_nothing()
                )
