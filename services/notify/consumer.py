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
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay
from services.common.pii import Sealer, Unreadable
from services.notify import store
from services.notify.capping import hold_back, suppressed
from services.notify.deliver import announce
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
)
from services.notify.domain.schedule import QuietHours
from services.notify.live import push
from services.notify.sealing import default_sealer, sealed_phone, sms_recipient

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
        fields = fields_of(payload)
        now = datetime.now(UTC)
        caller: Caller | None
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            caller = _caller(fields, self.sealer) if env.type == RECEIVED else None
            if caller is not None:
                sealed, ref = sealed_phone(caller.phone, self.sealer)
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
            elif env.type != RECEIVED:
                known = await store.caller(session, case_no=env.subject)
                caller = _known_caller(known, self.sealer, env.subject)
            if env.type == CLOSED:
                closed = fields.get("closed_at")
                at = datetime.fromisoformat(closed.replace("Z", "+00:00")) if closed else now
                await store.caller_closed(session, case_no=env.subject, at=at)
            ctx = replace(
                self.context,
                caller=caller if self.sms else None,
                duty=self.context.duty if self.sms else None,
                urgent=await self._urgent(session, env, fields, caller, now),
            )
            try:
                notices = plan(env.type, fields, self.templates, ctx)
            except (KeyError, ValueError) as exc:
                raise PoisonEvent(f"cannot plan notices for {env.type}: {exc!r}") from exc
            recorded = [(n, await self._record(session, env, fields, n, now)) for n in notices]
        fresh = [(n, status) for n, status in recorded if status]
        if self.wake is not None and any(n.channel != IN_APP for n, _ in fresh):
            self.wake()
        self.relay.wake()
        for n, status in fresh:
            NOTIFICATIONS.labels(n.channel, "queued" if status == "pending" else status).inc()
        if fresh:
            log.info("notified", channels=sorted({n.channel for n, _ in fresh}))
        return True

    async def _urgent(
        self,
        session: Any,
        env: Envelope,
        fields: dict[str, Any],
        caller: Caller | None,
        now: datetime,
    ) -> bool:
        """The case's urgency as dispatch classified it (the SLA clock follows that one)."""
        if env.type == DISPATCHED:
            urgent = bool(fields.get("urgent"))
            await store.remember_urgency(session, case_no=env.subject, urgent=urgent, at=now)
            return urgent
        if env.type != SLA_CHANGED:
            return False  # only SLA events' duty SMS depend on it
        known = await store.urgency(session, case_no=env.subject)
        if known is not None:
            return known
        return bool(caller and caller.urgent)

    async def _record(
        self, session: Any, env: Envelope, fields: dict[str, Any], n: Notice, now: datetime
    ) -> str | None:
        """Log one notice once (its status; None if logged before); in-app ones are
        delivered (pushed) in the same transaction."""
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
        verdict = None
        if n.channel == SMS:
            row.update(sms_recipient(n.recipient, self.sealer))
            verdict = await hold_back(session, row, self.cap, now)
        if not await store.record(session, **row):
            return None
        if verdict is not None:
            suppressed(row, verdict)
            await announce(session, store.outbox, row, SUPPRESSED, now)
        if in_app:
            await announce(session, store.outbox, row, "delivered", now)
            await push(
                session,
                {k: row[k] for k in ("case_no", "recipient", "template", "body", "sent_at")},
            )
        return str(row["status"])
