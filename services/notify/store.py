"""Notify's tables and data functions: the delivery log and its outbox.

No phone number is kept plain: an SMS's recipient is stored masked (138****0000) beside its
sealed form (pii.Sealer, to send to) and its blind index (to count and find by number);
callers and citizens' replies likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.bulk import insert_rows, one_of
from services.common.tables import outbox_table, processed_events_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("case_no", sa.String(20), nullable=False),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(64), nullable=False),
    sa.Column("template", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # When the notice was planned (the delivery log's order); delivered_at is when it went out.
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    # Added by notify_0002: delivery attempts of external channels.
    sa.Column("params", JSONB, nullable=False, server_default="{}"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    # Added by notify_0005: an SMS's number sealed and its blind index (recipient is masked).
    sa.Column("recipient_sealed", sa.Text, nullable=True),
    sa.Column("recipient_ref", sa.String(64), nullable=True),
    sa.UniqueConstraint("event_id", "channel", "recipient", name="uq_notifications_once"),
    sa.Index("ix_notifications_case", "case_no", "sent_at"),
    # Added by notify_0004: a phone's most recent survey, for each SMS reply.
    sa.Index("ix_notifications_recipient_template", "recipient", "template", "sent_at"),
    # Added by notify_0005: a number's SMS (surveys for replies, the per-phone cap).
    sa.Index("ix_notifications_ref", "recipient_ref", "sent_at"),
    sa.Index(
        "ix_notifications_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
)

# The caller of each case, from case.received: whom to text about it, and how.
callers = sa.Table(
    "callers",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("anonymous", sa.Boolean, nullable=False),
    sa.Column("callback_consent", sa.Boolean, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # notify_0005: the number sealed (no name: notify only texts) and its blind index, in
    # place of the plain phone; dropped once the case is closed past the retention period.
    sa.Column("caller_sealed", sa.Text, nullable=True),
    sa.Column("caller_ref", sa.String(64), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True),
)

# Each case's urgency as dispatch classified it, from case.dispatched: urgent duty SMS about
# later SLA events skip the quiet hours (added by notify_0003).
case_urgency = sa.Table(
    "case_urgency",
    metadata,
    sa.Column("case_no", sa.String(20), primary_key=True),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Citizens' SMS replies (上行短信), kept before they are applied (added by notify_0004).
sms_replies = sa.Table(
    "sms_replies",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("msg_id", sa.String(64), nullable=False),
    # Masked since notify_0005; phone_sealed and phone_ref hold the number.
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # pending | applied | refused | unreadable | no_survey | dead
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("case_no", sa.String(20), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("phone_sealed", sa.Text, nullable=True),
    sa.Column("phone_ref", sa.String(64), nullable=True),
    sa.UniqueConstraint("msg_id", name="uq_sms_replies_msg"),
    sa.Index("ix_sms_replies_ref", "phone_ref"),
    sa.Index(
        "ix_sms_replies_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")
    ),
)


async def record(session: AsyncSession, **values: Any) -> bool:
    """Log one delivery; False if this event already reached this recipient on this channel."""
    stmt = (
        insert(notifications)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_notifications_once")
        .returning(notifications.c.id)
    )
    return (await session.execute(stmt)).first() is not None


# Columns of a delivery that a batch of them may leave unset (each row needs the same keys).
_OPTIONAL = ("recipient_sealed", "recipient_ref", "last_error", "next_attempt_at", "delivered_at")


async def record_many(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> set[tuple[str, str, str]]:
    """Log several deliveries in one statement; the (event_id, channel, recipient) of those
    new (one this event already sent to that recipient on that channel is skipped)."""
    if not rows:
        return set()
    values = [{**{k: None for k in _OPTIONAL}, **row} for row in rows]
    n = notifications.c
    stmt = (
        insert_rows(notifications, values)
        .on_conflict_do_nothing(constraint="uq_notifications_once")
        .returning(n.event_id, n.channel, n.recipient)
    )
    return {(r.event_id, r.channel, r.recipient) for r in await session.execute(stmt)}


async def remember_caller(session: AsyncSession, **values: Any) -> None:
    """Keep a case's caller (the first case.received wins); the number comes sealed."""
    await session.execute(insert(callers).values(**values).on_conflict_do_nothing())


async def caller_closed(session: AsyncSession, *, case_no: str, at: datetime) -> None:
    """Note when a case closed: its caller's number is kept only so long after that."""
    await session.execute(
        sa.update(callers)
        .where(callers.c.case_no == case_no, callers.c.closed_at.is_(None))
        .values(closed_at=at)
    )


async def citizen_sms_since(session: AsyncSession, *, ref: str, since: datetime) -> int:
    """Citizen SMS planned for a number (by blind index) since a moment, suppressed ones not
    counted; the number is locked until commit so concurrent events count one another."""
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(ref))))
    n = notifications.c
    count = await session.scalar(
        sa.select(sa.func.count())
        .select_from(notifications)
        .where(
            n.recipient_ref == ref,
            n.channel == "sms",
            n.template.like("citizen\\_%"),
            n.status != "suppressed",
            n.sent_at >= since,
        )
    )
    return int(count or 0)


async def citizen_sms_counts(
    session: AsyncSession, *, refs: list[str], since: datetime
) -> dict[str, int]:
    """citizen_sms_since for several numbers in two round trips: every number locked (in
    one order, so two events never wait on each other), then all counted at once."""
    if not refs:
        return {}
    wanted = sorted(set(refs))
    locks = [sa.func.pg_advisory_xact_lock(sa.func.hashtext(ref)) for ref in wanted]
    await session.execute(sa.select(*locks))
    n = notifications.c
    rows = await session.execute(
        sa.select(n.recipient_ref, sa.func.count())
        .where(
            n.recipient_ref.in_(wanted),
            n.channel == "sms",
            n.template.like("citizen\\_%"),
            n.status != "suppressed",
            n.sent_at >= since,
        )
        .group_by(n.recipient_ref)
    )
    counts = {ref: 0 for ref in wanted}
    counts.update({str(ref): int(count) for ref, count in rows})
    return counts


async def settle_delivered(session: AsyncSession, *, ids: list[int], at: datetime) -> None:
    """Several deliveries sent at `at`, in one statement (each one attempt more)."""
    if ids:
        n = notifications.c
        await session.execute(
            sa.update(notifications)
            .where(n.id.in_(ids))
            .values(status="delivered", attempts=n.attempts + 1, delivered_at=at, last_error=None)
        )


async def withdraw(session: AsyncSession, *, ids: list[int], at: datetime) -> None:
    """Pending deliveries their case no longer needs: never sent (status `withdrawn`)."""
    if ids:
        n = notifications.c
        await session.execute(
            sa.update(notifications)
            .where(n.id.in_(ids), n.status == "pending")
            .values(status="withdrawn", next_attempt_at=None, last_error="case closed")
        )


async def closed_cases(session: AsyncSession, case_nos: set[str]) -> set[str]:
    """Which of these cases notify has seen closed."""
    if not case_nos:
        return set()
    c = callers.c
    rows = await session.execute(
        sa.select(c.case_no).where(c.case_no.in_(case_nos), c.closed_at.is_not(None))
    )
    return {r.case_no for r in rows}


async def caller_urgent(session: AsyncSession, *, case_no: str) -> bool:
    """Whether the case is urgent (its citizens' SMS skip the quiet hours)."""
    rows = await session.execute(
        sa.select(case_urgency.c.urgent).where(case_urgency.c.case_no == case_no)
    )
    found = rows.scalar_one_or_none()
    if found is None:
        rows = await session.execute(
            sa.select(callers.c.urgent).where(callers.c.case_no == case_no)
        )
        found = rows.scalar_one_or_none()
    return bool(found)


async def revive(session: AsyncSession, *, ids: list[int], at: datetime) -> list[int]:
    """Dead deliveries sent again from `at` with a fresh schedule; only dead ones change, so
    asking twice changes nothing more."""
    if not ids:
        return []
    n = notifications.c
    rows = await session.execute(
        sa.update(notifications)
        .where(n.id.in_(ids), n.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=at)
        .returning(n.id)
    )
    return [r.id for r in rows]


async def caller(session: AsyncSession, *, case_no: str) -> dict[str, Any] | None:
    """A case's caller, or None if notify never saw its case.received."""
    row = (await session.execute(sa.select(callers).where(callers.c.case_no == case_no))).first()
    return dict(row._mapping) if row else None


async def remember_urgencies(session: AsyncSession, urgent: dict[str, bool], *, at: Any) -> None:
    """Keep cases' urgency, one value per case, in one statement; a later dispatch (after
    a bounce) has the last word."""
    if not urgent:
        return
    rows = [{"case_no": c, "urgent": u, "updated_at": at} for c, u in urgent.items()]
    stmt = insert_rows(case_urgency, rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[case_urgency.c.case_no],
        set_={"urgent": stmt.excluded.urgent, "updated_at": stmt.excluded.updated_at},
    )
    await session.execute(stmt)


async def urgencies(session: AsyncSession, case_nos: set[str]) -> dict[str, bool]:
    """Whether dispatch classified each case urgent, in one query; cases notify never saw
    dispatched are left out."""
    if not case_nos:
        return {}
    u = case_urgency.c
    rows = await session.execute(sa.select(u.case_no, u.urgent).where(one_of(u.case_no, case_nos)))
    return {r.case_no: bool(r.urgent) for r in rows}


async def _due_rows(
    session: AsyncSession, table: sa.Table, *, now: Any, limit: int
) -> list[dict[str, Any]]:
    """Pending rows whose next attempt has come, locked; other workers skip them."""
    t = table.c
    stmt = (
        sa.select(table)
        .where(t.status == "pending", t.next_attempt_at <= now)
        .order_by(t.next_attempt_at, t.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [dict(r._mapping) for r in await session.execute(stmt)]


async def due(session: AsyncSession, *, now: Any, limit: int) -> list[dict[str, Any]]:
    """Pending deliveries whose time has come, locked; other workers skip them."""
    return await _due_rows(session, notifications, now=now, limit=limit)


async def settle(session: AsyncSession, *, id: int, **values: Any) -> None:
    """Record an attempt's outcome on a delivery."""
    await session.execute(sa.update(notifications).where(notifications.c.id == id).values(**values))


async def by_status(
    session: AsyncSession, *, status: str, limit: int = 200
) -> list[dict[str, Any]]:
    """Deliveries in one status (pending, delivered, dead), newest first."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.status == status)
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def for_case(session: AsyncSession, *, case_no: str) -> list[dict[str, Any]]:
    """A case's deliveries, oldest first."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.case_no == case_no)
        .order_by(notifications.c.sent_at, notifications.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def for_recipient(
    session: AsyncSession, *, recipient: str, limit: int = 100
) -> list[dict[str, Any]]:
    """A unit's in-app inbox, newest first."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.recipient == recipient)
        .order_by(notifications.c.sent_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def keep_reply(session: AsyncSession, **values: Any) -> bool:
    """Keep one SMS reply; False if the gateway already delivered this message id."""
    stmt = (
        insert(sms_replies)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_sms_replies_msg")
        .returning(sms_replies.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def due_replies(session: AsyncSession, *, now: Any, limit: int) -> list[dict[str, Any]]:
    """Replies waiting to be applied whose time has come, locked; other workers skip them."""
    return await _due_rows(session, sms_replies, now=now, limit=limit)


async def settle_reply(session: AsyncSession, *, id: int, **values: Any) -> None:
    """Record what applying a reply came to."""
    await session.execute(sa.update(sms_replies).where(sms_replies.c.id == id).values(**values))


async def replies(session: AsyncSession, *, ref: str, limit: int = 50) -> list[dict[str, Any]]:
    """A number's SMS replies (by its blind index), newest first."""
    rows = await session.execute(
        sa.select(sms_replies)
        .where(sms_replies.c.phone_ref == ref)
        .order_by(sms_replies.c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def last_survey(session: AsyncSession, *, ref: str, templates: tuple[str, ...]) -> str | None:
    """The case of the most recent survey SMS delivered to a number (by its index), or None."""
    n = notifications.c
    stmt = (
        sa.select(n.case_no)
        .where(
            n.channel == "sms",
            n.recipient_ref == ref,
            n.template.in_(templates),
            n.status == "delivered",
        )
        .order_by(n.sent_at.desc(), n.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def pseudonymise(
    session: AsyncSession, *, before: datetime, now: datetime, dry_run: bool = False
) -> dict[str, int]:
    """Drop the sealed numbers and their indexes kept longer than retention, rows kept:
    callers of cases closed before `before`, settled deliveries and replies older than it.
    How many rows of each table were (or, dry, would be) changed."""
    due: dict[str, tuple[sa.Table, Any, dict[str, Any]]] = {
        "callers": (
            callers,
            sa.and_(
                callers.c.closed_at < before,
                callers.c.pseudonymised_at.is_(None),
            ),
            {"caller_sealed": None, "caller_ref": None, "pseudonymised_at": now},
        ),
        "notifications": (
            notifications,
            sa.and_(
                notifications.c.sent_at < before,
                notifications.c.status != "pending",
                notifications.c.recipient_sealed.is_not(None),
            ),
            {"recipient_sealed": None, "recipient_ref": None},
        ),
        "sms_replies": (
            sms_replies,
            sa.and_(
                sms_replies.c.received_at < before,
                sms_replies.c.status != "pending",
                sms_replies.c.phone_sealed.is_not(None),
            ),
            {"phone_sealed": None, "phone_ref": None},
        ),
    }
    counts: dict[str, int] = {}
    for name, (table, where, values) in due.items():
        if dry_run:
            count = await session.scalar(sa.select(sa.func.count()).select_from(table).where(where))
            counts[name] = int(count or 0)
        else:
            result = await session.execute(sa.update(table).where(where).values(**values))
            counts[name] = int(getattr(result, "rowcount", 0) or 0)
    return counts


# Each table's sealed column, its blind-index column and its key, for re-sealing.
SEALED = (
    (callers, "case_no", "caller_sealed", "caller_ref"),
    (notifications, "id", "recipient_sealed", "recipient_ref"),
    (sms_replies, "id", "phone_sealed", "phone_ref"),
)


@dataclass
class Resealed:
    """What a re-seal pass did: values sealed anew, and row keys no configured key opens."""

    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)


async def reseal(
    session: AsyncSession,
    *,
    table: sa.Table,
    key: str,
    sealed: str,
    ref: str,
    sealer: Any,
    after: Any,
    batch: int = 500,
) -> tuple[Resealed, Any]:
    """One batch of key rotation on one table: each sealed number sealed under the newest key
    and its blind index taken anew; (outcome, the key to continue after or None when done)."""
    k, col = table.c[key], table.c[sealed]
    query = sa.select(k, col).where(col.is_not(None)).order_by(k).limit(batch)
    if after is not None:
        query = query.where(k > after)
    rows = (await session.execute(query)).all()
    done = Resealed()
    for row_key, token in rows:
        try:
            phone = sealer.open(token).phone
        except ValueError:  # pii.Unreadable
            done.unreadable.append(str(row_key))
            continue
        await session.execute(
            sa.update(table)
            .where(k == row_key)
            .values({sealed: sealer.reseal(token), ref: sealer.index(phone) or None})
        )
        done.resealed += 1
    return done, rows[-1][0] if len(rows) == batch else None
