"""Applies case events: decide who is told what, log each notice once per event, channel and
recipient; in-app notices are delivered at once, the others queued for the deliverer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from prometheus_client import Counter

from services.common.events import Envelope, fields_of
from services.common.idempotency import claim_many
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay
from services.common.pii import Sealer, Unreadable, masked
from services.notify import store
from services.notify.capping import hold_back_many, suppressed
from services.notify.deliver import announce_many
from services.notify.domain import Templates, plan
from services.notify.domain.caps import SUPPRESSED, SmsCap
from services.notify.domain.plan import (
    DISPATCHED,
    IN_APP,
    SLA_CHANGED,
    SMS,
    WEBHOOK,
    Caller,
    Context,
    Notice,
    wants_caller,
)
from services.notify.domain.schedule import QuietHours
from services.notify.live import push_many
from services.notify.sealing import default_sealer, sealed_phone

log = get_logger(__name__)
NOTIFICATIONS = Counter(
    "minhu_notifications_total", "Notifications, by channel and outcome.", ["channel", "status"]
)
RECEIVED = "minhu.case.received.v1"
CLOSED = "minhu.case.closed.v1"
# Fields of case.received that name the caller: never sent on to subscribers.
PERSONAL = frozenset({"caller_name", "caller_phone", "caller_sealed", "caller_ref"})


def _caller(fields: dict[str, Any], sealer: Sealer) -> Caller | None:
    """The caller of a case.received: the sealed number, or the plain one of older events.

    None when the event names no number; PoisonEvent when its sealed data cannot be opened.
    """
    phone = str(fields.get("caller_phone") or "")
    if fields.get("caller_sealed"):
        try:
            phone = sealer.open(fields["caller_sealed"]).phone
        except Unreadable as exc:
            raise PoisonEvent(f"caller_sealed of case.received cannot be opened: {exc}") from exc
    if not phone:
        return None
    return Caller(
        phone=phone,
        anonymous=bool(fields.get("anonymous")),
        callback_consent=bool(fields.get("callback_consent")),
        urgent=bool(fields.get("urgent")),
    )


def _known_caller(known: dict[str, Any] | None, sealer: Sealer, case_no: str) -> Caller | None:
    """The caller notify kept for a case (None when none, or dropped after retention)."""
    if known is None or not known["caller_sealed"]:
        return None
    try:
        phone = sealer.open(known["caller_sealed"]).phone
    except Unreadable as exc:
        raise PoisonEvent(f"the stored caller of case {case_no} cannot be opened: {exc}") from exc
    return Caller(phone, known["anonymous"], known["callback_consent"], known["urgent"])


def webhook_body(env: Envelope, fields: dict[str, Any]) -> str:
    """What a subscriber receives: the envelope's metadata and the event's fields."""
    data = {k: v for k, v in fields.items() if k not in PERSONAL}  # nobody's name or number
    return json.dumps(
        {
            "id": env.id,
            "type": env.type,
            "subject": env.subject,
            "time": env.time.ToJsonString(),
            "data": data,
        },
        ensure_ascii=False,
    )


@dataclass
class Notifier:
    """The notify use case, with its ports injected."""

    sessions: object  # async_sessionmaker
    relay: OutboxRelay
    templates: Templates
    group: str = "notify"
    context: Context = field(default_factory=Context)  # mailboxes, subscribers, duty phones
    quiet: QuietHours = field(default_factory=QuietHours)
    wake: Any = None  # the deliverer's wake(), if one runs in this process
    sms: bool = True  # False when no SMS gateway is configured: nobody is texted
    cap: SmsCap = field(default_factory=SmsCap)  # citizens' SMS per number and hour
    sealer: Sealer = field(default_factory=default_sealer)

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Log the notices an event calls for; False for a redelivered event."""
        return (await self.apply_batch([(env, payload)]))[0]

    async def apply_batch(self, items: list[tuple[Envelope, Message]]) -> list[bool]:
        """Apply events in their order in one transaction; for each, False if redelivered."""
        now = datetime.now(UTC)
        todo: list[tuple[int, Envelope, dict[str, Any]]] = []
        out = [True] * len(items)
        for i, (env, payload) in enumerate(items):
            fields = fields_of(payload)
            if env.type == SLA_CHANGED and not self._plan(env, fields, None, urgent=False):
                # Most SLA events (deadlines set, lights turning green) tell nobody anything
                # and change nothing here: nothing to apply, so nothing to claim either.
                continue
            todo.append((i, env, fields))
        if not todo:
            return out
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            fresh = await claim_many(
                session,
                store.processed_events,
                consumer=self.group,
                event_ids=[env.id for _, env, _ in todo],
            )
            # By case (each case's events keep their order): two batches that touch the same
            # cases lock their rows in one order, and never wait on each other in a circle.
            applied: list[tuple[Envelope, dict[str, Any]]] = []
            for i, env, fields in sorted(todo, key=lambda t: t[1].subject):
                if env.id not in fresh:
                    out[i] = False
                    continue
                fresh.discard(env.id)  # the same event twice in one batch: once
                applied.append((env, fields))
            urgencies = Urgencies(
                await store.urgencies(
                    session, {env.subject for env, _ in applied if env.type == SLA_CHANGED}
                )
            )
            planned: list[tuple[Notice, dict[str, Any]]] = []
            for env, fields in applied:
                planned += await self._apply(session, env, fields, now, urgencies)
            await store.remember_urgencies(session, urgencies.dispatched, at=now)
            # The batch's notices in one statement each, in the order of its events.
            recorded = await self._record(session, planned, now)
        if self.wake is not None and any(n.channel != IN_APP for n, _ in recorded):
            self.wake()
        self.relay.wake()
        for n, status in recorded:
            NOTIFICATIONS.labels(n.channel, "queued" if status == "pending" else status).inc()
        if recorded:
            log.info("notified", channels=sorted({n.channel for n, _ in recorded}))
        return out

    async def _apply(
        self,
        session: Any,
        env: Envelope,
        fields: dict[str, Any],
        now: datetime,
        urgencies: Urgencies,
    ) -> list[tuple[Notice, dict[str, Any]]]:
        """One claimed event's effects in the caller's transaction: its notices, each with
        the row that will log it."""
        caller: Caller | None = None
        seals: dict[str, tuple[str, str | None]] = {}
        if env.type == RECEIVED:
            caller = _caller(fields, self.sealer)
            if caller is not None:
                sealed, ref = seals[caller.phone] = sealed_phone(caller.phone, self.sealer)
                await store.remember_caller(
                    session,
                    case_no=env.subject,
                    caller_sealed=sealed,
                    caller_ref=ref,
                    anonymous=caller.anonymous,
                    callback_consent=caller.callback_consent,
                    urgent=caller.urgent,
                    received_at=now,
                )
        elif env.type == CLOSED:
            closed = fields.get("closed_at")
            at = datetime.fromisoformat(closed.replace("Z", "+00:00")) if closed else now
            await store.caller_closed(session, case_no=env.subject, at=at)
            if wants_caller(env.type, fields):  # 不予受理 or 合并: the caller hears why
                known = await store.caller(session, case_no=env.subject)
                caller = _known_caller(known, self.sealer, env.subject)
        elif wants_caller(env.type, fields):
            known = await store.caller(session, case_no=env.subject)
            caller = _known_caller(known, self.sealer, env.subject)
        urgent = await self._urgent(session, env, fields, caller, urgencies)
        notices = self._plan(env, fields, caller, urgent=urgent)
        return [(n, self._row(env, fields, n, now, seals)) for n in notices]

    def _plan(
        self, env: Envelope, fields: dict[str, Any], caller: Caller | None, *, urgent: bool
    ) -> list[Notice]:
        ctx = replace(
            self.context,
            caller=caller if self.sms else None,
            duty=self.context.duty if self.sms else None,
            urgent=urgent,
        )
        try:
            return plan(env.type, fields, self.templates, ctx)
        except (KeyError, ValueError) as exc:
            raise PoisonEvent(f"cannot plan notices for {env.type}: {exc!r}") from exc

    async def _urgent(
        self,
        session: Any,
        env: Envelope,
        fields: dict[str, Any],
        caller: Caller | None,
        urgencies: Urgencies,
    ) -> bool:
        """The case's urgency as dispatch classified it (the SLA clock follows that one)."""
        if env.type == DISPATCHED:
            urgent = bool(fields.get("urgent"))
            urgencies.dispatch(env.subject, urgent)
            return urgent
        if env.type != SLA_CHANGED:
            return False  # only SLA events' duty SMS depend on it
        known = urgencies.known.get(env.subject)
        if known is not None:
            return known
        if caller is not None:
            return caller.urgent
        # Never dispatched here: the caller's word, without opening the sealed number.
        row = await store.caller(session, case_no=env.subject)
        return bool(row and row["urgent"])

    def _row(
        self,
        env: Envelope,
        fields: dict[str, Any],
        n: Notice,
        now: datetime,
        seals: dict[str, tuple[str, str | None]],
    ) -> dict[str, Any]:
        """The row logging one notice, with its status: in-app ones are delivered (pushed)
        in the transaction that logs them, the others queued for the deliverer."""
        in_app = n.channel == IN_APP
        row = {
            "case_no": env.subject,
            "event_id": env.id,
            "event_type": env.type,
            "channel": n.channel,
            "recipient": n.recipient,
            "template": n.template,
            "body": webhook_body(env, fields) if n.channel == WEBHOOK else n.body,
            "params": dict(n.params),
            "status": "delivered" if in_app else "pending",
            "sent_at": now,
            "delivered_at": now if in_app else None,
            "next_attempt_at": None
            if in_app
            else self.quiet.not_before(now, urgent=n.urgent)
            if n.channel == SMS
            else now,
        }
        if n.channel == SMS:
            # One seal per number and event: the caller's own is sealed once for both.
            if n.recipient not in seals:
                seals[n.recipient] = sealed_phone(n.recipient, self.sealer)
            sealed, ref = seals[n.recipient]
            row.update(recipient=masked(n.recipient), recipient_sealed=sealed)
            row["recipient_ref"] = ref
        return row

    async def _record(
        self, session: Any, planned: list[tuple[Notice, dict[str, Any]]], now: datetime
    ) -> list[tuple[Notice, str]]:
        """Log each notice once (those logged before are left out), with the citizens' SMS
        cap applied in order, the notify.sent events and the live pushes: one statement
        each for the whole batch."""
        rows = [row for _, row in planned]
        verdicts = await hold_back_many(session, rows, self.cap, now)
        fresh = await store.record_many(session, rows)
        out: list[tuple[Notice, str]] = []
        sent: list[tuple[dict[str, Any], str]] = []
        pushed: list[dict[str, Any]] = []
        for (n, row), verdict in zip(planned, verdicts, strict=True):
            key = (row["event_id"], row["channel"], row["recipient"])
            if key not in fresh:
                continue
            fresh.discard(key)  # two notices of one event to one recipient: the first
            out.append((n, str(row["status"])))
            if verdict is not None:
                suppressed(row, verdict)
                sent.append((row, SUPPRESSED))
            if n.channel == IN_APP:
                sent.append((row, "delivered"))
                pushed.append(
                    {k: row[k] for k in ("case_no", "recipient", "template", "body", "sent_at")}
                )
        await announce_many(session, store.outbox, sent, now)
        await push_many(session, pushed)
        return out


@dataclass
class Urgencies:
    """The urgency of a batch's cases: as stored when the batch began, then as the batch's
    own dispatches set it (stored together once the batch is planned)."""

    known: dict[str, bool]
    dispatched: dict[str, bool] = field(default_factory=dict)

    def dispatch(self, case_no: str, urgent: bool) -> None:
        """A dispatch's urgency: later events of the batch read it; the last one is kept."""
        self.known[case_no] = self.dispatched[case_no] = urgent
