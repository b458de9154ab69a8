"""Keeps the board up to date from the record's entries and tells live pages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from services.common.access.casework import place as place  # its home; imported from here too
from services.common.bulk import insert_rows, notify_all, one_of
from services.common.jurisdiction import Directory
from services.common.kafka import PoisonEvent
from services.desk.board.parts import PART_OPEN, PartChange, fold_parts
from services.desk.board.rules import RECORD_ONLY, Change, fold
from services.desk.tables import cases, marks, parts

# PostgreSQL channel every desk process listens on; the payload says which case moved.
CHANNEL = "minhu_board"


async def announce(session: Any, payload: dict[str, Any]) -> None:
    """Tell every listening desk process, when this transaction commits."""
    await notify_all(session, CHANNEL, [json.dumps(payload, ensure_ascii=False)])


async def _write_marks(session: Any, earned: dict[tuple[str, str, str], datetime]) -> None:
    """Store marks (case, unit, mark) -> when earned, in one statement; one stored before
    keeps its time."""
    if earned:
        rows = [
            {"case_no": c, "unit_id": u, "mark": m, "at": at} for (c, u, m), at in earned.items()
        ]
        await session.execute(insert_rows(marks, rows).on_conflict_do_nothing())


async def _tell(session: Any, batch: Batch | None, payload: dict[str, Any]) -> None:
    """Tell live pages now, or with the batch's other events when there is one."""
    if batch is None:
        await announce(session, payload)
    else:
        batch.told.append(payload)


# Columns of where a case is and what it waits on: set by dispatch's and sla's events, which
# travel on different topics. An event older than the last one that set them is ignored.
PLACEMENT = frozenset(
    {
        "unit_id",
        "unit_name",
        "tier",
        "district_id",
        "township_id",
        "accept_due",
        "resolve_due",
        "light",
        "escalation_level",
    }
)


def _only_if_newer(values: dict[str, Any], at: datetime) -> None:
    """Guard state and placement so that events folded late do not undo newer ones.

    The state moves only to a strictly newer event's (two updates of one workflow task share
    a time, and the first to arrive wins); a close-out is final. Placement takes the newer or
    equally new event's values.
    """
    c = cases.c
    if "state" in values:
        state = values.pop("state")
        newer: Any = sa.and_(c.state != "closed", sa.or_(c.state_at.is_(None), c.state_at < at))
        if state == "closed":
            newer = sa.true()
        values["state"] = sa.case((newer, state), else_=c.state)
        values["state_at"] = sa.case((newer, at), else_=c.state_at)
    placed = PLACEMENT & values.keys()
    if placed:
        fresh = sa.or_(c.placed_at.is_(None), c.placed_at <= at)
        for key in placed:
            values[key] = sa.case((fresh, values[key]), else_=c[key])
        values["placed_at"] = sa.case((fresh, at), else_=c.placed_at)


@dataclass
class Batch:
    """One transaction's folding of many events: the board rows of its cases read and
    locked in one statement (and kept up to date as the events fold); the marks units
    earned written, and the live pages told, in one statement each at the end."""

    # case_no -> the unit holding it; None when the case has no row yet.
    units: dict[str, str | None] = field(default_factory=dict)
    told: list[dict[str, Any]] = field(default_factory=list)
    # (case_no, unit_id, mark) -> when it was earned; the first of the batch stays, as the
    # first one stored stays (nothing reads marks while the batch folds).
    earned: dict[tuple[str, str, str], datetime] = field(default_factory=dict)

    async def lock(self, session: Any, case_nos: set[str]) -> None:
        """Read and lock the rows of these cases, in case number order."""
        if not case_nos:
            return
        self.units.update(dict.fromkeys(case_nos))
        rows = await session.execute(
            sa.select(cases.c.case_no, cases.c.unit_id)
            .where(one_of(cases.c.case_no, case_nos))
            .order_by(cases.c.case_no)
            .with_for_update()
        )
        for case_no, unit_id in rows:
            self.units[case_no] = unit_id

    async def finish(self, session: Any) -> None:
        """Write the marks earned; tell every listening desk process what moved, when the
        transaction commits."""
        await _write_marks(session, self.earned)
        self.earned.clear()
        await notify_all(session, CHANNEL, [json.dumps(p, ensure_ascii=False) for p in self.told])
        self.told.clear()


@dataclass
class BoardProjector:
    """Folds record entries into the board (rows and marks), then tells live pages."""

    directory: Directory

    async def project(
        self,
        session: Any,
        *,
        case_no: str,
        event_type: str,
        fields: dict[str, Any],
        at: datetime,
        live: bool = True,
        batch: Batch | None = None,
    ) -> None:
        """Apply one event's fields to the board inside the caller's transaction.

        PoisonEvent if the fields cannot be folded; `live` False when rebuilding. With a
        `batch` that has locked the case's row, the row is not read again and the live
        pages are told with the batch's other events.
        """
        if event_type in RECORD_ONLY:
            return  # nothing to read or lock: notices sent are the record's alone
        if batch is not None and case_no in batch.units:
            unit = batch.units[case_no]
        else:
            found = (
                await session.execute(
                    sa.select(cases.c.unit_id).where(cases.c.case_no == case_no).with_for_update()
                )
            ).first()
            unit = found.unit_id if found else None
        try:
            change = fold(event_type, fields, unit)
            part_changes = fold_parts(event_type, fields)
        except (KeyError, ValueError) as exc:
            raise PoisonEvent(f"cannot fold {event_type}: {exc!r}") from exc
        for part in part_changes:
            holder = await self._apply_part(session, case_no, part, at)
            if live and holder:
                await _tell(
                    session,
                    batch,
                    {
                        "case_no": case_no,
                        "unit_id": holder,
                        "previous_unit_id": "",
                        **place(self.directory, holder),
                        "event": event_type.split(".")[2],
                    },
                )
        if not change.values and not change.marks:
            return
        if not live:
            # A rebuild reads the record alone: no row is left waiting for sla's answer.
            change.ask_sla = False
        now_held = await self._apply(
            session, case_no, change, at, exists=unit is not None, batch=batch
        )
        if batch is not None:
            if now_held is None:
                batch.units.pop(case_no, None)  # not known for sure: read it again if needed
            else:
                batch.units[case_no] = now_held
        if not live:
            return
        unit_id = change.values.get("unit_id") or (unit or "")
        payload = {
            "case_no": case_no,
            "unit_id": unit_id,
            "previous_unit_id": unit or "",
            **place(self.directory, unit_id),
            "event": event_type.split(".")[2],
        }
        if change.also_tell:
            # e.g. an arbitration opened: the arbitrating unit's area must hear it too.
            payload["also"] = {
                "unit_id": change.also_tell,
                **place(self.directory, change.also_tell),
            }
        await _tell(session, batch, payload)

    async def _apply(
        self,
        session: Any,
        case_no: str,
        change: Change,
        at: datetime,
        *,
        exists: bool,
        batch: Batch | None = None,
    ) -> str | None:
        """Write the change; the unit holding the case afterwards (None if another writer
        created the row first and nothing was written)."""
        # Marks carry the event's own time, so a rebuild counts every period the same way.
        values = dict(change.values)
        if "unit_id" in values:
            values.update(place(self.directory, values["unit_id"]))
            if "unit_name" not in values:
                try:
                    values["unit_name"] = self.directory.unit(values["unit_id"]).name
                except KeyError:
                    values["unit_name"] = values["unit_id"]
        values["updated_at"] = datetime.now(UTC)
        if change.words is not None:
            values["words"] = sa.func.to_tsvector("simple", change.words)
        if change.ask_sla:
            values.update(sla_stale=True, sla_tries=0)
        if exists:
            _only_if_newer(values, at)
            held = (
                await session.execute(
                    sa.update(cases)
                    .where(cases.c.case_no == case_no)
                    .values(version=cases.c.version + 1, **values)
                    .returning(cases.c.unit_id)
                )
            ).scalar_one_or_none()
        else:
            # An event may overtake the case's dispatch (other topic): start a partial row.
            values.setdefault("unit_id", "")
            values.setdefault("state", change.initial_state)
            values["state_at"] = at
            if PLACEMENT & values.keys():
                values["placed_at"] = at
            held = (
                await session.execute(
                    insert(cases)
                    .values(case_no=case_no, version=1, **values)
                    .on_conflict_do_nothing()
                    .returning(cases.c.unit_id)
                )
            ).scalar_one_or_none()
        earned = batch.earned if batch is not None else {}
        for unit_id, mark in change.marks:
            if unit_id:
                earned.setdefault((case_no, unit_id, mark), at)
        if batch is None:
            await _write_marks(session, earned)
        return None if held is None else str(held)

    async def _apply_part(self, session: Any, case_no: str, part: PartChange, at: datetime) -> str:
        """Apply one part's change (联动办); returns the unit holding the part, to tell it."""
        values = dict(part.values)
        if "unit_id" in values:
            values.update(place(self.directory, values["unit_id"]))
            try:
                values["unit_name"] = self.directory.unit(values["unit_id"]).name
            except KeyError:
                values["unit_name"] = values["unit_id"]
        p = parts.c
        if part.part_id is None:
            # The lead's override: every part still open is waived.
            await session.execute(
                sa.update(parts)
                .where(p.case_no == case_no, p.state.in_(PART_OPEN))
                .values(**values, placed_at=at)
            )
            return ""
        if part.opens:
            insert_values = {"unit_id": part.part_id, **values}
            await session.execute(
                insert(parts)
                .values(case_no=case_no, part_id=part.part_id, placed_at=at, **insert_values)
                .on_conflict_do_nothing()
            )
            if set(part.values) == {"unit_id"}:
                return part.part_id  # dispatch's opening of the part: nothing more to set
        fresh = sa.or_(p.placed_at.is_(None), p.placed_at <= at)
        # A waived or reported part stays so; an older event changes nothing.
        done = p.state.in_(("waived", "reported"))
        guarded = {
            k: sa.case((sa.and_(fresh, sa.not_(done)), v), else_=p[k]) for k, v in values.items()
        }
        result = await session.execute(
            sa.update(parts)
            .where(p.case_no == case_no, p.part_id == part.part_id)
            .values(**guarded, placed_at=sa.func.greatest(p.placed_at, at))
            .returning(p.unit_id)
        )
        holder = result.scalar_one_or_none()
        return str(holder or "")
