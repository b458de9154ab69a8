"""Applies case events: decide who is told what, log each delivery once, announce it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from prometheus_client import Counter

from services.common import events
from services.common.events import Envelope
from services.common.idempotency import claim
from services.common.kafka import PoisonEvent
from services.common.logging import get_logger
from services.common.outbox import OutboxRelay, enqueue
from services.common.proto_gen.minhu.events.v1 import case_pb2
from services.notify import store
from services.notify.domain import Templates, plan

SOURCE = "minhu/notify"
log = get_logger(__name__)
NOTIFICATIONS = Counter(
    "minhu_notifications_total", "Notifications, by channel and outcome.", ["channel", "status"]
)


@dataclass
class Notifier:
    """The notify use case, with its ports injected."""

    sessions: object  # async_sessionmaker
    relay: OutboxRelay
    templates: Templates
    group: str = "notify"

    async def __call__(self, env: Envelope, payload: Message) -> bool:
        """Deliver the notices an event calls for; False for a redelivered event."""
        fields = MessageToDict(
            payload, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        try:
            notices = plan(env.type, fields, self.templates)
        except (KeyError, ValueError) as exc:
            raise PoisonEvent(f"cannot plan notices for {env.type}: {exc!r}") from exc
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():  # type: ignore[operator]
            if not await claim(
                session, store.processed_events, consumer=self.group, event_id=env.id
            ):
                return False
            for n in notices:
                # In-app delivery is the log entry itself: the queue UI reads it.
                fresh = await store.record(
                    session,
                    case_no=env.subject,
                    event_id=env.id,
                    event_type=env.type,
                    channel=n.channel,
                    recipient=n.recipient,
                    template=n.template,
                    body=n.body,
                    status="delivered",
                    sent_at=now,
                )
                if not fresh:
                    continue
                sent = case_pb2.NotificationSent(
                    case_no=env.subject,
                    event_id=env.id,
                    channel=n.channel,
                    recipient=n.recipient,
                    status="delivered",
                    template=n.template,
                    sent_at=events.timestamp(now),
                )
                await enqueue(
                    session,
                    store.outbox,
                    events.NOTIFICATION_SENT,
                    events.envelope(
                        events.NOTIFICATION_SENT,
                        sent,
                        subject=env.subject,
                        source=SOURCE,
                        event_id=events.derived_event_id(env.id, n.channel, n.recipient),
                        time=now,
                    ),
                )
        self.relay.wake()
        for n in notices:
            NOTIFICATIONS.labels(n.channel, "delivered").inc()
        if notices:
            log.info("notified", recipients=[n.recipient for n in notices])
        return True
