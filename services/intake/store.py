"""Intake's tables and data functions: a case and its outbox event commit together."""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.common import events
from services.common.logging import get_logger
from services.common.outbox import rows_of
from services.common.pii import Caller, Sealer, Unreadable
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.common.request_types import Path, path_of
from services.common.tables import outbox_table, processed_events_table
from services.intake.domain import REPEAT_WINDOW, OpenCase, case_number, local_day
from services.intake.sealing import default_sealer

log = get_logger(__name__)
SOURCE = "minhu/intake"
# A linked repeat call (重复件) is stored with this status and publishes no event.
MERGED = "merged"
# A consultation answered on the call is stored closed, and closed with this reason.
CLOSED = "closed"
ANSWERED_DIRECTLY = "answered_directly"
# A grid worker's patrol report closed on the spot (就地办结) is stored closed too.
CLOSED_ON_SPOT = "closed_on_spot"
metadata = sa.MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    # The caller's name and number sealed (pii.Sealer), and the number's blind index; both
    # dropped once the closed case has been kept past MINHU_INTAKE_PII_RETENTION_DAYS.
    sa.Column("caller_sealed", sa.Text, nullable=True),
    sa.Column("caller_ref", sa.String(64), nullable=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("grid_code", sa.String(64), nullable=True),
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(32), nullable=False, server_default="received"),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("operator", sa.String(64), nullable=True),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("callback_consent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("urgent_reason", sa.String(200), nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("attachments", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("service_code", sa.String(16), nullable=True),
    sa.Column("repeat_of", sa.String(20), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    # Added by intake_0006: why it closed (不予受理's reason code, a merged case's lead).
    sa.Column("close_reason", sa.String(32), nullable=True),
    sa.Column("close_detail", sa.String(32), nullable=True),
    sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True),
    # Added by intake_0005: the request type (None before types: complaint path) and, for a
    # consultation answered on the call, the answer and the knowledge entry it came from.
    sa.Column("request_type", sa.String(16), nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("answer_source", sa.String(32), nullable=True),
    # Added by intake_0006: what a grid worker did about a patrol report closed on the spot.
    sa.Column("on_spot_note", sa.Text, nullable=True),
    sa.Index("ix_cases_caller_ref", "caller_ref", "received_at"),
    sa.Index(
        "ix_cases_pseudonymise_due",
        "closed_at",
        postgresql_where=sa.text("closed_at IS NOT NULL AND pseudonymised_at IS NULL"),
    ),
    sa.Index("ix_cases_repeat_of", "repeat_of"),
    sa.Index("ix_cases_received_at", "received_at"),
    sa.Index("ix_cases_event_id", "event_id"),
)

# Daily counters used before per-day sequences; read only so a day's sequence starts after
# any number they handed out.
case_counters = sa.Table(
    "case_counters",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("case_no", sa.String(20), nullable=True),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)


@dataclass(frozen=True, kw_only=True)
class NewCase:
    """A validated case as the operator or a citizen submitted it."""

    channel: str
    content: str
    caller_phone: str | None = None
    caller_name: str | None = None
    title: str | None = None
    address: str | None = None
    grid_code: str | None = None
    urgent: bool = False
    urgent_reason: str | None = None
    operator: str | None = None
    anonymous: bool = False
    callback_consent: bool = False
    latitude: float | None = None
    longitude: float | None = None
    attachments: list[str] = field(default_factory=list)
    service_code: str | None = None
    request_type: str | None = None
    answer: str | None = None
    answer_source: str | None = None
    # The unit of the operator who answered on the call (travels in the event only).
    answer_unit_id: str | None = None
    # A patrol report the grid worker closed on the spot (就地办结): what they did.
    on_spot_note: str | None = None

    @property
    def path(self) -> Path:
        """Where the case goes: answered and closed here, dispatched, or forwarded."""
        return path_of(self.request_type, answered=bool(self.answer))

    @property
    def closed_here(self) -> bool:
        """Closed at intake: answered on the call (直接答复) or closed on the spot (就地办结)."""
        return self.path is Path.ANSWER or bool(self.on_spot_note)


# Per-day sequences this process has seen created (creating one is idempotent anyway).
_DAY_SEQUENCES: set[str] = set()


async def next_case_no(
    session: AsyncSession, *, now: datetime, lock_caller: str | None = None
) -> str:
    """Allocate the next case number of the local day from that day's sequence.

    A sequence hands out numbers without locks, so concurrent cases never queue behind one
    another's commit; a rolled-back case leaves a gap, never a duplicate. With
    `lock_caller` (a caller's blind index), the same statement also serialises calls from
    that number until commit, so two quick calls cannot both be new.
    """
    day = local_day(now)
    name = f"case_seq_{day:%Y%m%d}"
    if name not in _DAY_SEQUENCES:
        await _ensure_day_sequence(session, name, day)
        _DAY_SEQUENCES.add(name)
    if lock_caller is None:
        stmt = sa.text(f"SELECT nextval('{name}')")
        seq = (await session.execute(stmt)).scalar_one()
    else:
        stmt = sa.text(f"SELECT nextval('{name}'), pg_advisory_xact_lock(hashtext(:ref))")
        seq = (await session.execute(stmt, {"ref": lock_caller})).first()[0]  # type: ignore[index]
    return case_number(day, int(seq))


async def _ensure_day_sequence(session: AsyncSession, name: str, day: date) -> None:
    # On its own connection and commit: the day's first case must not hold the DDL's lock.
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    prefix = f"{day:%Y%m%d}"
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        used = await auto.scalar(
            sa.text(
                "SELECT greatest("
                " (SELECT coalesce(max(substr(case_no, 9)::int), 0) FROM cases"
                "  WHERE case_no LIKE :prefix),"
                " (SELECT coalesce(max(last_seq), 0) FROM case_counters WHERE day = :day))"
            ),
            {"prefix": f"{prefix}%", "day": day},
        )
        # Another process creating it at the same moment fails here; its sequence serves us.
        with contextlib.suppress(DBAPIError):
            await auto.execute(
                sa.text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(used or 0) + 1}")
            )


def _received_event(
    case_no: str, case: NewCase, now: datetime, *, sealed: str | None, ref: str | None
) -> events.Envelope:
    # caller_name and caller_phone stay empty: only the sealed form travels.
    payload = case_pb2.CaseReceived(
        case_no=case_no,
        channel=case.channel,
        caller_sealed=sealed or "",
        caller_ref=ref or "",
        title=case.title or "",
        content=case.content,
        address=case.address or "",
        grid_code=case.grid_code or "",
        urgent=case.urgent,
        received_at=events.timestamp(now),
        operator=case.operator or "",
        callback_consent=case.callback_consent,
        urgent_reason=case.urgent_reason or "",
        attachments=case.attachments,
        anonymous=case.anonymous,
        request_type=case.request_type or "",
        answer=case.answer or "",
        answer_source=case.answer_source or "",
        answer_unit_id=case.answer_unit_id or "" if case.answer else "",
        on_spot_note=case.on_spot_note or "",
    )
    if case.latitude is not None and case.longitude is not None:
        payload.latitude, payload.longitude = case.latitude, case.longitude
    return events.envelope(events.CASE_RECEIVED, payload, subject=case_no, source=SOURCE, time=now)


def _answered_event(case_no: str, case: NewCase, now: datetime) -> events.Envelope:
    """case.closed of a consultation answered on the call, or of a patrol report closed on
    the spot, right after its case.received."""
    on_spot = bool(case.on_spot_note)
    payload = case_pb2.CaseClosed(
        case_no=case_no,
        reason=CLOSED_ON_SPOT if on_spot else ANSWERED_DIRECTLY,
        note=(case.on_spot_note if on_spot else case.answer) or "",
        closed_at=events.timestamp(now),
        actor=case.operator or "",
    )
    return events.envelope(events.CASE_CLOSED, payload, subject=case_no, source=SOURCE, time=now)


def sealed_caller(case: NewCase, sealer: Sealer | None = None) -> tuple[str | None, str | None]:
    """(caller_sealed, caller_ref) of a new case; (None, None) when it names nobody."""
    if not case.caller_name and not case.caller_phone:
        return None, None
    sealer = sealer or default_sealer()
    sealed = sealer.seal(Caller(name=case.caller_name or "", phone=case.caller_phone or ""))
    return sealed, sealer.index(case.caller_phone or "") or None


def caller_ref(phone: str, sealer: Sealer | None = None) -> str:
    """The blind index cases are found by for a number."""
    return (sealer or default_sealer()).index(phone)


def _opened(row: Any, sealer: Sealer | None = None) -> dict[str, Any]:
    """A stored case with its caller opened (caller_name, caller_phone); sealed fields dropped.

    A value no configured key opens reads as no caller (and is logged), not as an error:
    the rest of the case stays readable.
    """
    case = dict(row._mapping)
    sealed = case.pop("caller_sealed", None)
    case.pop("caller_ref", None)
    caller = Caller()
    if sealed:
        try:
            caller = (sealer or default_sealer()).open(sealed)
        except Unreadable:
            log.warning("stored caller cannot be opened", case_no=case.get("case_no"))
    case["caller_name"] = caller.name or None
    case["caller_phone"] = caller.phone or None
    return case


async def create_case(
    session: AsyncSession,
    *,
    case: NewCase,
    repeat_of: str | None = None,
    now: datetime,
    sealer: Sealer | None = None,
    case_no: str | None = None,
) -> tuple[str, str]:
    """Store a case in the caller's transaction (under `case_no` when it was allocated
    already); (case_no, event id). The case row and its events go in one statement.

    A new work order gets its case.received event in the outbox. A repeat call linked to
    an open case gets a number and a record but no case.received: dispatch must not open a
    second work order, and the original case's handlers already hold the matter; they are
    told of the call by a repeat_called case.action on the original case.
    """
    case_no = case_no or await next_case_no(session, now=now)
    sealed, ref = sealed_caller(case, sealer)
    env = _received_event(case_no, case, now, sealed=sealed, ref=ref)
    private = ("caller_name", "caller_phone", "answer_unit_id")
    values = {k: v for k, v in asdict(case).items() if k not in private}
    answered = repeat_of is None and case.closed_here
    if not (answered and case.path is Path.ANSWER):
        values.update(answer=None, answer_source=None)
    if not answered:
        values.update(on_spot_note=None)
    row = sa.insert(cases).values(
        **values,
        caller_sealed=sealed,
        caller_ref=ref,
        case_no=case_no,
        event_id=env.id,
        received_at=now,
        repeat_of=repeat_of,
        status=MERGED if repeat_of else CLOSED if answered else "received",
        closed_at=now if answered else None,
    )
    announced: list[tuple[events.EventKind, events.Envelope]] = []
    if repeat_of is None:
        announced.append((events.CASE_RECEIVED, env))
    else:
        # The original case's record learns of the call: its handlers see it was repeated.
        announced.append((events.CASE_ACTION, _repeat_event(case_no, repeat_of, env, now)))
    if answered:
        # 直接答复 or 就地办结: closed at intake; dispatch leaves the case alone.
        announced.append((events.CASE_CLOSED, _answered_event(case_no, case, now)))
    await session.execute(rows_of(outbox, announced).add_cte(row.cte("new_case")))
    return case_no, env.id


def _repeat_event(
    case_no: str, repeat_of: str, received: events.Envelope, now: datetime
) -> events.Envelope:
    """repeat_called on the case a repeat call was merged into (no personal data)."""
    payload = case_pb2.CaseAction(
        case_no=repeat_of,
        action="repeat_called",
        note="来电人再次反映同一诉求，已并入本工单",
        at=events.timestamp(now),
        related_case_no=case_no,
    )
    return events.envelope(
        events.CASE_ACTION,
        payload,
        subject=repeat_of,
        source=SOURCE,
        event_id=events.derived_event_id(received.id, "repeat_called"),
        time=now,
    )


async def claim_key(session: AsyncSession, *, key: str, fingerprint: str) -> bool:
    """Reserve an Idempotency-Key; False when it was used before.

    A concurrent retry with the same key waits here on the primary key until the first
    transaction commits (then gets False) or rolls back (then gets the key itself).
    """
    stmt = (
        insert(idempotency_keys)
        .values(key=key, fingerprint=fingerprint)
        .on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
        .returning(idempotency_keys.c.key)
    )
    return (await session.execute(stmt)).first() is not None


async def bind_key(session: AsyncSession, *, key: str, case_no: str) -> None:
    """Record which case a reserved key created."""
    await session.execute(
        sa.update(idempotency_keys).where(idempotency_keys.c.key == key).values(case_no=case_no)
    )


async def read_key(session: AsyncSession, *, key: str) -> tuple[str, str | None] | None:
    """(fingerprint, case_no) stored for a key, or None."""
    row = (
        await session.execute(
            sa.select(idempotency_keys.c.fingerprint, idempotency_keys.c.case_no).where(
                idempotency_keys.c.key == key
            )
        )
    ).first()
    return (row.fingerprint, row.case_no) if row else None


async def open_cases_of(session: AsyncSession, *, ref: str, now: datetime) -> list[OpenCase]:
    """The caller's open work orders (not repeats, not closed) within the repeat window."""
    rows = await session.execute(
        sa.select(cases)
        .where(
            cases.c.caller_ref == ref,
            cases.c.received_at >= now - REPEAT_WINDOW,
            cases.c.repeat_of.is_(None),
            cases.c.closed_at.is_(None),
        )
        .order_by(cases.c.received_at.desc())
        .limit(50)
    )
    return [
        OpenCase(
            case_no=r.case_no,
            caller_ref=r.caller_ref,
            title=r.title,
            content=r.content,
            address=r.address,
            grid_code=r.grid_code,
            received_at=r.received_at,
        )
        for r in rows
    ]


async def mark_closed(
    session: AsyncSession, *, case_no: str, at: datetime, reason: str = "", detail: str = ""
) -> int:
    """Mark a case and the repeat calls linked to it closed; how many rows changed."""
    result = await session.execute(
        sa.update(cases)
        .where(
            sa.or_(cases.c.case_no == case_no, cases.c.repeat_of == case_no),
            cases.c.closed_at.is_(None),
        )
        .values(
            closed_at=at,
            status=sa.case((cases.c.repeat_of.is_(None), "closed"), else_=MERGED),
            close_reason=reason or None,
            close_detail=detail[:32] or None,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def get_case(
    session: AsyncSession, *, case_no: str, sealer: Sealer | None = None
) -> dict[str, Any] | None:
    """One case as stored with the numbers of the repeat calls linked to it, or None."""
    row = (await session.execute(sa.select(cases).where(cases.c.case_no == case_no))).first()
    if row is None:
        return None
    repeats = await session.execute(
        sa.select(cases.c.case_no).where(cases.c.repeat_of == case_no).order_by(cases.c.received_at)
    )
    return {**_opened(row, sealer), "repeats": list(repeats.scalars())}


async def get_case_by_event(session: AsyncSession, *, event_id: str) -> str | None:
    """The case number whose case.received event has this id (Open311 tokens)."""
    found = await session.scalar(sa.select(cases.c.case_no).where(cases.c.event_id == event_id))
    return str(found) if found else None


async def find_cases(
    session: AsyncSession, *, phone: str, limit: int = 50, sealer: Sealer | None = None
) -> list[dict[str, Any]]:
    """A caller's cases, newest first, found by the number's blind index."""
    ref = caller_ref(phone, sealer)
    if not ref:
        return []
    rows = await session.execute(
        sa.select(cases)
        .where(cases.c.caller_ref == ref)
        .order_by(cases.c.received_at.desc())
        .limit(limit)
    )
    return [{**_opened(r, sealer), "repeats": []} for r in rows]


async def list_cases(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    service_codes: list[str] | None = None,
    closed: bool | None = None,
    ids: list[str] | None = None,
    limit: int = 1000,
    sealer: Sealer | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Cases received in [start, end], newest first, filtered for Open311 queries (a page)."""
    query = (
        sa.select(cases)
        .order_by(cases.c.received_at.desc(), cases.c.case_no.desc())
        .limit(limit)
        .offset(offset)
    )
    if ids is not None:
        query = query.where(cases.c.case_no.in_(ids))
    else:
        query = query.where(cases.c.received_at >= start, cases.c.received_at <= end)
        if service_codes:
            query = query.where(cases.c.service_code.in_(service_codes))
        if closed is not None:
            query = query.where(
                cases.c.closed_at.is_not(None) if closed else cases.c.closed_at.is_(None)
            )
    return [_opened(r, sealer) for r in await session.execute(query)]


def utcnow() -> datetime:
    """Now, timezone-aware (one place, so every stored instant carries its offset)."""
    return datetime.now(UTC)


async def pseudonymise(
    session: AsyncSession, *, closed_before: datetime, now: datetime, dry_run: bool = False
) -> int:
    """Drop the caller (sealed data and blind index) of cases closed before a moment; the
    cases themselves stay. How many cases were (or, dry, would be) pseudonymised."""
    due = sa.and_(
        cases.c.closed_at.is_not(None),
        cases.c.closed_at < closed_before,
        cases.c.pseudonymised_at.is_(None),
    )
    if dry_run:
        count = await session.scalar(sa.select(sa.func.count()).select_from(cases).where(due))
        return int(count or 0)
    result = await session.execute(
        sa.update(cases)
        .where(due)
        .values(caller_sealed=None, caller_ref=None, pseudonymised_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Resealed:
    """What a re-seal pass did: rows sealed anew, and rows no configured key opens."""

    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)


async def reseal(
    session: AsyncSession, *, sealer: Sealer, after: str = "", batch: int = 500
) -> tuple[Resealed, str | None]:
    """One batch of key rotation: each stored caller sealed under the newest key and its blind
    index taken anew under the configured index key (so the index key can rotate too).
    Returns the batch's outcome and the case number to continue after (None when done)."""
    rows = (
        await session.execute(
            sa.select(cases.c.case_no, cases.c.caller_sealed)
            .where(cases.c.caller_sealed.is_not(None), cases.c.case_no > after)
            .order_by(cases.c.case_no)
            .limit(batch)
        )
    ).all()
    done = Resealed()
    for row in rows:
        try:
            caller = sealer.open(row.caller_sealed)
        except Unreadable:
            done.unreadable.append(row.case_no)
            continue
        await session.execute(
            sa.update(cases)
            .where(cases.c.case_no == row.case_no)
            .values(
                caller_sealed=sealer.reseal(row.caller_sealed),
                caller_ref=sealer.index(caller.phone) or None,
            )
        )
        done.resealed += 1
    return done, rows[-1].case_no if len(rows) == batch else None
