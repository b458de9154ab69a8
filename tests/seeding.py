"""A stack's desk filled with thousands of cases, for pages and queries that must scale.

`volume()` describes a varied, deterministic population of cases; `seed_desk()` writes each
case's story (received, dispatched, deadlines, accepted, extension asked, resolved, callback,
closed) into the desk's record, and each case's board row and marks as the board's own rules
fold those events (a test checks them against the projector): no workflow is started and
sla is never asked about them. Seeded case numbers start
with a past year ("2025", or "2024" for populations kept apart from the shared one), so they
never collide with cases filed while the tests run.

Dispatch's own manual queue is not touched: a "manual" case here is one the desk's board
shows as waiting in the dispatch centre.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.common import pii
from services.common.events import fields_of
from services.common.jurisdiction import Directory
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.settings import CommonSettings
from services.common.topics import TOPICS
from services.desk.board.projector import PLACEMENT, place
from services.desk.board.rules import fold
from services.desk.record.entries import entry_of
from services.desk.record.writer import People, caller_row, entry_row
from services.desk.settings import DeskSettings
from services.desk.tables import callers as record_callers
from services.desk.tables import cases as board_cases
from services.desk.tables import entries as record_entries
from services.desk.tables import marks as board_marks

# (event type, when it happened, payload fields as the consumer reads them)
Event = tuple[str, datetime, dict[str, Any]]
STATES = ("manual", "dispatched", "accepted", "resolved", "closed")
RECEIVED = "minhu.case.received.v1"
DISPATCHED = "minhu.case.dispatched.v1"
SLA = "minhu.case.sla.v1"
ACTION = "minhu.case.action.v1"
CLOSED = "minhu.case.closed.v1"
SOURCE = "minhu/seeding"
# The handler time limits the stories use: accept within 2 hours, resolve within 5 days.
ACCEPT_WITHIN = timedelta(hours=2)
RESOLVE_WITHIN = timedelta(days=5)


@dataclass(frozen=True)
class SeedCase:
    """One case's story, as far as it has gone.

    Times left None are filled from `received_at` by `story()`: dispatched a minute after
    receipt, accept due 2 hours after dispatch, resolve due 5 days after acceptance.
    `satisfaction` is the callback's answer on a closed case (None: closed by a supervisor
    without a callback).
    """

    case_no: str
    unit_id: str
    topic: str
    state: str
    received_at: datetime
    title: str = "路灯不亮"
    content: str = "小区门口的路灯坏了好几天，晚上出行不便，请尽快维修。"
    address: str = ""
    difficulty: str = "simple"
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    accept_due: datetime | None = None
    resolve_due: datetime | None = None
    light: str = "green"
    extension_pending: bool = False
    callback: bool = False
    satisfaction: bool | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"unknown state {self.state!r}: one of {STATES}")
        if not self.case_no.startswith(("2024", "2025")):
            raise ValueError("seeded case numbers start with 2024 or 2025")


TITLES = (
    ("路灯不亮", "小区门口的路灯坏了好几天，晚上出行不便，请尽快维修。"),
    ("噪音扰民", "楼下商铺每天晚上十点以后还在放音乐，影响休息。"),
    ("垃圾清运不及时", "垃圾桶满了两天没人清运，气味很大。"),
    ("道路破损", "路面有一个大坑，下雨后积水，电动车容易摔倒。"),
    ("供暖不热", "家里暖气片温度很低，室内只有十四度。"),
    ("占道经营", "早市摊贩占用人行道，行人只能走机动车道。"),
    ("工资拖欠", "在工地干了三个月，老板一直拖着不发工资。"),
    ("学位咨询", "孩子明年上小学，想问户籍和房产不在一起怎么办。"),
)


# One instant for every population a test run seeds, so populations built by different tests
# agree case for case (lights depend on the time they are computed at).
SEEDED_AT = datetime.now(UTC)
# Units whose lists the volume tests count exactly (a village's handler, a township's rates):
# populations seeded for other purposes keep out of them.
COUNTED_UNITS = (
    "U-D01-T03-V01",
    "U-D01-T01-V01",
    "U-D01-T01-V02",
    "U-D01-T01-V03",
    "U-D01-T01",
)


def handling_units(*, besides: Sequence[str] = ()) -> list[str]:
    """The directory's handling units (not the 12345 centre), less `besides`."""
    return [
        u.id for u in Directory.from_file().units if u.role == "handling" and u.id not in besides
    ]


def volume(
    n: int = 2000,
    *,
    seed: int = 20251,
    now: datetime | None = None,
    prefix: str = "2025",
    units: Sequence[str] | None = None,
) -> list[SeedCase]:
    """`n` cases over the directory's handling units (or `units`), every topic, state and
    light."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    units = list(units) if units is not None else handling_units()
    cases = []
    for i in range(n):
        state = rng.choices(STATES, weights=(3, 30, 30, 17, 20))[0]
        # Waiting cases are hours old, cases being worked on days, finished ones weeks.
        within = {"manual": 180, "dispatched": 180, "accepted": 8 * 24 * 60}
        received = now - timedelta(minutes=rng.randint(10, within.get(state, 20 * 24 * 60)))
        title, content = TITLES[i % len(TITLES)]
        case = SeedCase(
            case_no=f"{prefix}{i + 1:0{14 - len(prefix)}d}",
            unit_id=rng.choice(units),
            topic=TOPICS[rng.randrange(len(TOPICS))],
            state=state,
            received_at=received,
            title=title,
            content=content,
            difficulty=rng.choice(("simple", "simple", "normal", "complex")),
            extension_pending=state == "accepted" and rng.random() < 0.1,
            callback=rng.random() < 0.3,
        )
        cases.append(_timed(case, rng, now))
    return cases


def _timed(case: SeedCase, rng: random.Random, now: datetime) -> SeedCase:
    """Times of each step so far, and the light they give at `now`."""
    dispatched = case.received_at + timedelta(minutes=1)
    accept_due = dispatched + ACCEPT_WITHIN
    if case.state == "manual":
        return case  # no unit yet, so no deadline and no light
    if case.state == "dispatched":
        light = "red" if accept_due < now else "green"
        return replace(case, accept_due=accept_due, light=light)
    accepted = _after(dispatched, timedelta(minutes=rng.randint(5, 180)), now)
    resolve_due = accepted + RESOLVE_WITHIN
    if case.state == "accepted":
        left = resolve_due - now
        light = "red" if left <= timedelta(0) else "yellow" if left < timedelta(days=1) else "green"
        return replace(
            case, accepted_at=accepted, accept_due=accept_due, resolve_due=resolve_due, light=light
        )
    resolved = _after(accepted, timedelta(hours=rng.randint(2, 160)), now)
    closed = _after(resolved, timedelta(hours=rng.randint(1, 48)), now)
    satisfaction = rng.random() < 0.85 if case.state == "closed" else None
    return replace(
        case,
        accepted_at=accepted,
        resolved_at=resolved,
        closed_at=closed if case.state == "closed" else None,
        accept_due=accept_due,
        resolve_due=resolve_due,
        light="green",
        satisfaction=satisfaction,
    )


def _after(previous: datetime, delay: timedelta, now: datetime) -> datetime:
    """The next step's time: `delay` after the previous one, not after now, yet always a few
    seconds after the previous step, so every story's events keep their order."""
    return max(previous + timedelta(seconds=5), min(previous + delay, now))


def _ts(value: datetime) -> dict[str, Any]:
    return {"seconds": int(value.timestamp()), "nanos": value.microsecond * 1000}


def _msg(cls: type[Message], **fields: Any) -> dict[str, Any]:
    """A payload built as its proto message, then read back as the consumer reads it."""
    stamps = {k: _ts(v) for k, v in fields.items() if isinstance(v, datetime)}
    plain = {k: v for k, v in fields.items() if k not in stamps}
    msg = cls(**plain)
    for key, value in stamps.items():
        getattr(msg, key).seconds = value["seconds"]
        getattr(msg, key).nanos = value["nanos"]
    return fields_of(msg)


def story(case: SeedCase, directory: Directory, sealer: pii.Sealer) -> Iterator[Event]:
    """(event type, when, payload fields) of every event the case has had, in order."""
    no = case.case_no
    dispatched = case.received_at + timedelta(minutes=1)
    phone = f"1390000{int(no[-4:]):04d}"
    yield (
        RECEIVED,
        case.received_at,
        _msg(
            case_pb2.CaseReceived,
            case_no=no,
            channel="phone",
            title=case.title,
            content=case.content,
            address=case.address,
            received_at=case.received_at,
            operator="operator",
            callback_consent=case.callback,
            caller_sealed=sealer.seal(pii.Caller("市民", phone)),
            caller_ref=sealer.index(phone),
        ),
    )
    manual = case.state == "manual"
    unit = directory.dispatch_centre("D01") if manual else directory.unit(case.unit_id)
    yield (
        DISPATCHED,
        dispatched,
        _msg(
            case_pb2.CaseDispatched,
            case_no=no,
            topic=case.topic,
            difficulty=case.difficulty,
            tier=str(unit.tier),
            unit_id=unit.id,
            unit_name=unit.name,
            confidence=0.4 if manual else 0.9,
            manual=manual,
            dispatched_at=dispatched,
            decision="manual_queue" if manual else "auto",
        ),
    )
    if manual:
        return
    second = timedelta(seconds=1)
    yield SLA, dispatched + second, _deadlines(case, unit, "dispatched", accept_due=case.accept_due)
    if case.state == "dispatched":
        yield from _light(case, unit.id, "accept", case.accept_due)
        return
    assert case.accepted_at is not None
    yield ACTION, case.accepted_at, _action(case, "accepted", "accepted", case.accepted_at)
    yield (
        SLA,
        case.accepted_at + second,
        _deadlines(
            case, unit, "accepted", accept_due=case.accept_due, resolve_due=case.resolve_due
        ),
    )
    if case.state == "accepted":
        if case.extension_pending:
            asked = case.accepted_at + 2 * second
            yield (
                ACTION,
                asked,
                _action(case, "extension_requested", "accepted", asked, note="需协调相关部门"),
            )
        yield from _light(case, unit.id, "resolve", case.resolve_due)
        return
    assert case.resolved_at is not None
    yield (
        ACTION,
        case.resolved_at,
        _action(case, "resolved", "resolved", case.resolved_at, note="已处理完毕"),
    )
    if case.state == "resolved":
        return
    assert case.closed_at is not None
    if case.satisfaction is None:
        yield (
            CLOSED,
            case.closed_at,
            _msg(
                case_pb2.CaseClosed,
                case_no=no,
                reason="supervisor",
                note="督办销号",
                closed_at=case.closed_at,
                actor="hubin-duban",
            ),
        )
        return
    yield (
        ACTION,
        case.closed_at,
        _msg(
            case_pb2.CaseAction,
            case_no=no,
            action="callback_recorded",
            actor="dispatcher",
            unit_id=unit.id,
            note="满意" if case.satisfaction else "不满意",
            state="resolved",
            at=case.closed_at,
            reached=True,
            satisfied=case.satisfaction,
        ),
    )
    # An unsatisfied caller reopens the case; the supervisor then closes it out (督办销号).
    if not case.satisfaction:
        yield ACTION, case.closed_at, _action(case, "reopened", "reopened", case.closed_at)
    yield (
        CLOSED,
        case.closed_at + second,
        _msg(
            case_pb2.CaseClosed,
            case_no=no,
            reason="callback_satisfied" if case.satisfaction else "supervisor",
            closed_at=case.closed_at + second,
            actor="dispatcher" if case.satisfaction else "hubin-duban",
        ),
    )


def _action(
    case: SeedCase, action: str, state: str, at: datetime, *, note: str = ""
) -> dict[str, Any]:
    return _msg(
        case_pb2.CaseAction,
        case_no=case.case_no,
        action=action,
        actor="seed-handler",
        unit_id=case.unit_id,
        note=note,
        state=state,
        at=at,
    )


def _deadlines(case: SeedCase, unit: Any, state: str, **due: datetime | None) -> dict[str, Any]:
    return _msg(
        case_pb2.CaseSlaChanged,
        case_no=case.case_no,
        kind="deadlines_set",
        light="green",
        tier=str(unit.tier),
        unit_id=unit.id,
        state=state,
        **{k: v for k, v in due.items() if v is not None},
    )


def _light(case: SeedCase, unit_id: str, deadline: str, due: datetime | None) -> Iterator[Event]:
    """The light the case shows now, as sla would have announced it."""
    if case.light == "green" or due is None:
        return
    red = case.light == "red"
    kind = "breached" if red else "light_changed"
    yield (
        SLA,
        due if red else due - timedelta(days=1),
        _msg(
            case_pb2.CaseSlaChanged,
            case_no=case.case_no,
            kind=kind,
            deadline=deadline,
            light=case.light,
            unit_id=unit_id,
            due=due,
        ),
    )


async def seed_desk(stack: Any, cases: Sequence[SeedCase], *, batch: int = 500) -> None:
    """Write every case's story into the running stack's desk database; repeats add nothing.

    The record gets every event as the desk's consumer writes it; the board gets each case's
    row and marks folded by the board's own rules (`fold`) from the same events, in one
    statement per batch instead of one per event, as a rebuild would leave them.
    `stack` is the tests' StackAddresses; the database is reached with the profile's
    settings from the environment, as the desk itself reaches it.
    """
    common = CommonSettings()
    engine = create_async_engine(common.database_url(DeskSettings().database))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    directory = Directory.from_file()
    sealer = pii.Sealer.from_settings(common)
    try:
        for start in range(0, len(cases), batch):
            chunk = cases[start : start + batch]
            async with sessions() as session, session.begin():
                known = set(
                    await session.scalars(
                        sa.select(board_cases.c.case_no).where(
                            board_cases.c.case_no.in_([c.case_no for c in chunk])
                        )
                    )
                )
                fresh = [c for c in chunk if c.case_no not in known]
                if fresh:
                    await _write(session, fresh, directory, sealer)
    finally:
        await engine.dispose()


async def _write(
    session: Any, cases: Sequence[SeedCase], directory: Directory, sealer: pii.Sealer
) -> None:
    """One batch of cases, whole: a case is seeded in one transaction or not at all."""
    entry_rows, caller_rows, board_rows, mark_rows = [], [], [], []
    people = People()  # seeded actors are no accounts: named by their ids, as the desk does
    for case in cases:
        events = list(story(case, directory, sealer))
        for n, (event_type, at, fields) in enumerate(events):
            entry = entry_of(
                event_type=event_type,
                event_id=f"seed/{case.case_no}/{n}",
                source=SOURCE,
                case_no=case.case_no,
                time=at,
                fields=fields,
            )
            entry_rows.append(entry_row(entry, people))
            if entry.caller is not None:
                caller_rows.append(caller_row(case.case_no, entry.caller, sealer))
        row, case_marks = fold_story(case.case_no, events, directory)
        board_rows.append(row)
        mark_rows.extend(case_marks)
    await session.execute(insert(record_entries).on_conflict_do_nothing(), entry_rows)
    if caller_rows:
        await session.execute(insert(record_callers).on_conflict_do_nothing(), caller_rows)
    for row in board_rows:
        row["words"] = sa.func.to_tsvector("simple", row["words"])
    await session.execute(insert(board_cases).values(board_rows).on_conflict_do_nothing())
    if mark_rows:
        await session.execute(insert(board_marks).on_conflict_do_nothing(), mark_rows)


# Every board column a seeded row sets, with the value it has before any event.
_BLANK: dict[str, Any] = {
    "unit_id": "",
    "unit_name": "",
    "tier": "",
    "district_id": "",
    "township_id": "",
    "topic": "",
    "difficulty": "",
    "urgent": False,
    "state": "",
    "state_at": None,
    "placed_at": None,
    "light": "green",
    "accept_due": None,
    "resolve_due": None,
    "escalation_level": 0,
    "supervised": False,
    "extension_pending": False,
    "extension_note": "",
    "dispatched_at": None,
    "resolved_at": None,
    "closed_at": None,
    "close_reason": "",
    "received_at": None,
    "channel": "",
    "title": "",
    "content": "",
    "address": "",
    "words": "",
    "version": 0,
    "sla_stale": False,
    "sla_tries": 0,
}


def fold_story(
    case_no: str, events: Sequence[Event], directory: Directory
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The board row and marks a case's events leave, folded in order by the board's rules.

    In order, every event is newer than the last, so the projector's guards against late
    events never hold one back; a close-out stays final as there.
    """
    row = {"case_no": case_no, **_BLANK}
    marks: dict[tuple[str, str], datetime] = {}
    for event_type, at, fields in events:
        change = fold(event_type, fields, row["unit_id"] or None)
        if not change.values and not change.marks:
            continue
        values = dict(change.values)
        if "unit_id" in values:
            values.update(place(directory, values["unit_id"]))
            if "unit_name" not in values:
                values["unit_name"] = directory.unit(values["unit_id"]).name
        if change.words is not None:
            values["words"] = change.words
        state = values.pop("state", None) or (change.initial_state if not row["state"] else "")
        if state and row["state"] != "closed":
            row.update(state=state, state_at=at)
        if PLACEMENT & values.keys():
            row["placed_at"] = at
        row.update(values)
        row["version"] += 1
        for unit_id, mark in change.marks:
            if unit_id:
                marks.setdefault((unit_id, mark), at)
    row["updated_at"] = datetime.now(UTC)
    return row, [
        {"case_no": case_no, "unit_id": u, "mark": m, "at": at} for (u, m), at in marks.items()
    ]
